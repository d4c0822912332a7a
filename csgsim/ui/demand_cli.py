"""The commands about demand and its calibration: demand (weeks, months and the outlook), calibrate, backtest.

Registered on `csgsim.ui.app.app`; `csgsim.ui.cli` imports this module.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from csgsim.core.errors import OutputError
from csgsim.core.text import safe
from csgsim.ui.app import (MAX_SEED, ScenarioOpt, SeedOpt, app, check_new_file, check_plot_file, fail, load_scenario,
                           needs_out, replications_option, stdout_console)


class Period(str, Enum):
    week = "week"
    month = "month"


class ReportType(str, Enum):
    acute = "acute"
    non_acute = "non_acute"


@app.command()
def demand(
    region: Annotated[str, typer.Option("--region", "-r", help="Region id, or 'all' for the outlook of every region and their sum.")],
    scenario: ScenarioOpt = None,
    start: Annotated[Optional[datetime], typer.Option("--from", formats=["%Y-%m-%d"], help="First day (default: the scenario's start).")] = None,
    end: Annotated[Optional[datetime], typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, inclusive (default: the scenario's end).")] = None,
    by: Annotated[Period, typer.Option(help="Period of the counts.")] = Period.week,
    kind: Annotated[ReportType, typer.Option("--type", "-t", help="Report type.")] = ReportType.acute,
    replications: Annotated[int, replications_option("Replications.")] = 200,
    seed: SeedOpt = None,
    outlook_to: Annotated[int, typer.Option("--outlook-to", min=1900, max=2200, help="Last calendar year of the outlook.")] = 2030,
    plot: Annotated[Optional[Path], typer.Option(help="Also draw the counts to this new PNG or PDF file.")] = None,
    overwrite: Annotated[bool, typer.Option(help="With --plot: replace an existing file.")] = False,
) -> None:
    """Expected and simulated report counts per week or month, with what the events add; then the outlook per
    calendar year up to --outlook-to, its 95% bands split into input uncertainty and chance."""
    from dataclasses import replace

    from csgsim.config.limits import FIRST_DAY, LAST_DAY, MAX_DAYS
    from csgsim.demand import annual
    from csgsim.ui import demand_tables, plots

    sc = load_scenario(scenario, None if region == "all" else [region])
    first = start.date() if start else sc.start
    last = end.date() if end else sc.calendar.dates[-1]
    if last < first:
        raise fail(f"--to {last} is before --from {first}")
    if first < FIRST_DAY or last > LAST_DAY or (last - first).days >= MAX_DAYS:
        raise fail(f"--from {first} --to {last}: allowed dates {FIRST_DAY} to {LAST_DAY}, at most {MAX_DAYS} days")
    needs_out(plot, "--plot FILE", **{"--overwrite": overwrite})
    check_plot_file(plot, overwrite)
    seed = sc.seed if seed is None else seed
    console = stdout_console()
    if region != "all":
        sc = replace(sc, start=first, days=(last - first).days + 1, warmup_days=0)
        table = annual.by_period(sc, region, kind.value, by.value, replications, seed)
        title = f"{sc.regions[region].name}: {kind.value.replace('_', '-')} reports per {by.value}"
        demand_tables.print_periods(table, title, replications, console)
        if plot is not None:
            try:
                plots.plot_demand(table, title, plot)
            except OutputError as exc:
                raise fail(f"--plot {exc}") from None
            except OSError as exc:
                raise fail(f"--plot {plot}: cannot write there ({exc.strerror})") from None
            typer.echo(safe(f"wrote {plot}"), err=True)
    years = range(first.year, outlook_to + 1)
    if years:
        ahead = annual.outlook(sc, list(sc.regions), kind.value, years, replications, seed)
        demand_tables.print_outlook(ahead, kind.value, replications, seed, console)


def _write_text(path: Path, text: str) -> None:
    """Write a generated file atomically; a folder that cannot be written is the user's input error."""
    from csgsim.core import atomic

    try:
        atomic.write_text(path, text)
    except OutputError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{path}: cannot be written ({exc.strerror or exc})") from None
    typer.echo(safe(f"wrote {path}"), err=True)


UntilOpt = Annotated[Optional[int], typer.Option("--until", min=2012, help="Fit only the data up to this year.")]


@app.command()
def calibrate(
    counts: Annotated[Path, typer.Argument(help="Counts CSV: year,region,measure,acute,non_acute,total,source.")],
    regions: Annotated[Optional[Path], typer.Option(help="Regions CSV (default: the shipped calibration/regions.csv).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the calibrated model (TOML) to this new file.")] = None,
    levels: Annotated[Optional[Path], typer.Option(help="Also write the levels table (CSV) to this new file.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out or --levels file.")] = False,
    until: UntilOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Simulate every data year and print data vs model.")] = False,
    check_model: Annotated[Optional[Path], typer.Option(help="Check this model file instead of the one just calibrated (implies --check).")] = None,
    replications: Annotated[int, replications_option("Simulated years per data year (--check).")] = 200,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed of the --check simulation.")] = 20190101,
) -> None:
    """Fit annual levels per region, type and year to public report counts; write and check the model.

    With --check, exits 1 when a compared data point lies outside its simulated 95% band.
    """
    import tempfile

    from csgsim import calibration as cal
    from csgsim.core.errors import CsgsimError
    from csgsim.ui import demand_tables

    needs_out(out or levels, "--out or --levels", **{"--overwrite": overwrite})
    check_new_file("--out", out, overwrite)
    check_new_file("--levels", levels, overwrite)
    console = stdout_console()
    try:
        result = cal.calibrate(counts, regions, until=until)
        demand_tables.print_calibration(result, console)
        text = cal.write_model(result, source_label=counts.as_posix())
        if out is not None:
            _write_text(out, text)
        if levels is not None:
            _write_text(levels, cal.levels_table(result).to_csv(index=False, lineterminator="\n"))
        if not (check or check_model is not None):
            return
        with tempfile.TemporaryDirectory() as tmp:
            model = check_model or out
            if model is None:
                model = Path(tmp) / "calibrated.toml"
                model.write_text(text, encoding="utf-8")
            table = cal.check(counts, model, replications, seed, regions)
            if check_model is None and out is None:
                table.attrs["model"] = "the calibration above (not written: use --out)"
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    if demand_tables.print_check(table, console):
        raise typer.Exit(code=1)


@app.command()
def backtest(
    counts: Annotated[Path, typer.Argument(help="Counts CSV: year,region,measure,acute,non_acute,total,source.")],
    until: Annotated[int, typer.Option("--until", min=2012, help="Fit only the data up to this year; check the later ones.")],
    regions: Annotated[Optional[Path], typer.Option(help="Regions CSV (default: the shipped calibration/regions.csv).")] = None,
    replications: Annotated[int, replications_option("Simulated years per data year.")] = 1000,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed of the simulation.")] = 20190101,
) -> None:
    """Fit the data up to --until, forecast the later years, and print the coverage of the 95% bands
    against every later figure on the same measure. Exits 1 when a figure lies outside its band."""
    from csgsim import calibration as cal
    from csgsim.core.errors import CsgsimError
    from csgsim.ui import demand_tables

    try:
        table = cal.backtest(counts, until, replications, seed, regions)
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    title = (f"Backtest: fitted up to {until} (levels moved up to {table.attrs['last_year']}), {replications} "
             f"simulated years per later data year, seed {seed}")
    if demand_tables.print_check(table, stdout_console(), title):
        raise typer.Exit(code=1)
