"""The `csgsim` command line. Heavy modules are imported inside the commands that need them.

Every error that is the input's fault prints one line naming the file, key and value and
exits with code 2; no traceback.
"""

from __future__ import annotations

import sys
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="csgsim",
    help="Simulate the on-call duty (piket) of the Dutch Centra Seksueel Geweld.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


ScenarioOpt = Annotated[
    Optional[Path],
    typer.Option("--scenario", "-s", help="Scenario TOML file (default: the built-in Netherlands model)."),
]


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def load_scenario(path: Path | None, regions: list[str] | None = None):
    from . import resources, scenario
    from .errors import CsgsimError

    try:
        sc = scenario.load(path if path is not None else resources.default_model())
        return sc.only(regions) if regions else sc
    except CsgsimError as exc:
        raise fail(str(exc)) from None


def progress_bar(total: int, label: str):
    """A rich progress bar on stderr, shown only when stderr is a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    return Progress(f"[bold]{label}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=True, disable=not console.is_terminal)


@app.command()
def run(
    scenario: ScenarioOpt = None,
    region: Annotated[Optional[list[str]], typer.Option("--region", "-r", help="Only this region (repeatable).")] = None,
    replications: Annotated[Optional[int], typer.Option("--replications", "-n", min=1, help="Default: the scenario's.")] = None,
    seed: Annotated[Optional[int], typer.Option(min=0, help="Master seed (default: the scenario's).")] = None,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Processes (default: all cores).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output on stdout.")] = Format.table,
    out: Annotated[Optional[Path], typer.Option(help="Write Parquet tables and a manifest to this folder.")] = None,
    csv: Annotated[bool, typer.Option(help="With --out: also write the summaries as CSV.")] = False,
    records: Annotated[bool, typer.Option(help="With --out: also write every report, contact and call-out.")] = True,
) -> None:
    """Simulate a scenario and print delays and casemanager load with 95% confidence intervals."""
    from rich.console import Console

    from . import replications as reps
    from . import report

    sc = load_scenario(scenario, region)
    n = replications or sc.replications
    with progress_bar(n, "replications") as bar:
        task = bar.add_task("run", total=n)
        result = reps.run(sc, n, seed, workers, keep_records=out is not None and records,
                          on_progress=lambda k: bar.advance(task, k))
    if fmt is Format.json:
        typer.echo(report.to_json(result))
    elif fmt is Format.csv:
        typer.echo(result.region_summary().to_csv(index=False), nl=False)
    else:
        report.print_tables(result, Console())
    if out is not None:
        written = report.write_outputs(result, out, csv=csv)
        typer.echo(f"wrote {len(written)} files to {out}", err=True)


class Period(str, Enum):
    week = "week"
    month = "month"


class ReportType(str, Enum):
    acute = "acute"
    non_acute = "non_acute"


@app.command()
def demand(
    region: Annotated[str, typer.Option("--region", "-r", help="Region id.")],
    scenario: ScenarioOpt = None,
    start: Annotated[Optional[datetime], typer.Option("--from", formats=["%Y-%m-%d"], help="First day (default: the scenario's start).")] = None,
    end: Annotated[Optional[datetime], typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, inclusive (default: the scenario's end).")] = None,
    by: Annotated[Period, typer.Option(help="Period of the counts.")] = Period.week,
    kind: Annotated[ReportType, typer.Option("--type", "-t", help="Report type.")] = ReportType.acute,
    replications: Annotated[int, typer.Option("--replications", "-n", min=1)] = 200,
    seed: Annotated[Optional[int], typer.Option(min=0)] = None,
    plot: Annotated[Optional[Path], typer.Option(help="Also draw the counts to this PNG or PDF file.")] = None,
) -> None:
    """Expected and simulated report counts per week or month, with what the events add."""
    from dataclasses import replace

    from rich.console import Console
    from rich.table import Table

    from . import demand as demand_mod
    from . import report

    sc = load_scenario(scenario, [region])
    first = start.date() if start else sc.start
    last = end.date() if end else sc.calendar.dates[-1]
    if last < first:
        raise fail(f"--to {last} is before --from {first}")
    if plot is not None and plot.suffix.lower() not in (".png", ".pdf"):
        raise fail(f"--plot {plot}: allowed file types are .png and .pdf")
    sc = replace(sc, start=first, days=(last - first).days + 1, warmup_days=0)
    table = demand_mod.by_period(sc, region, kind.value, by.value, replications, seed)
    out = Table(title=f"{sc.regions[region].name}: {kind.value.replace('_', '-')} reports per {by.value}",
                caption=f"{replications} replications; band = simulated 2.5-97.5 percentiles")
    for col in ("from", "days", "expected", "of which events", "simulated", "95% band"):
        out.add_column(col, justify="right")
    for row in table.itertuples():
        out.add_row(str(row.period_start), f"{row.days:g}", f"{row.expected:.1f}", f"{row.event_effect:+.1f}",
                    f"{row.simulated_mean:.1f}", f"{row.simulated_low:.0f}-{row.simulated_high:.0f}")
    out.add_row("total", f"{table['days'].sum():g}", f"{table['expected'].sum():.1f}",
                f"{table['event_effect'].sum():+.1f}", f"{table['simulated_mean'].sum():.1f}", "")
    Console().print(out)
    if plot is not None:
        report.plot_demand(table, out.title, plot)
        typer.echo(f"wrote {plot}", err=True)


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
) -> None:
    """Check a scenario file and list its regions and every assumed or sourced value."""
    sc = load_scenario(scenario)
    typer.echo(f"{sc.source}: valid. {sc.name}; {len(sc.regions)} regions, {len(sc.events)} events, "
               f"{sc.start} + {sc.days} days")
    for rid, r in sc.regions.items():
        typer.echo(f"  {rid}: {r.name}, {r.acute.level:g} acute + {r.non_acute.level:g} non-acute "
                   f"in {r.acute.level_year}, {r.casemanagers} casemanagers, {r.duty.pattern}, backup {r.backup}")
    assumed = sum(v.startswith("assumption") for v in sc.provenance.values())
    typer.echo(f"provenance: {len(sc.provenance) - assumed} sourced values, {assumed} assumptions")
    for key, text in sc.provenance.items():
        typer.echo(f"  {key}: {text}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
