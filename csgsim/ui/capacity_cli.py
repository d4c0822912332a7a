"""The capacity commands of the CLI: `csgsim costs` (and `csgsim report`, see `csgsim.ui.report`).

Registered on `csgsim.ui.app.app`; `csgsim.ui.cli` imports this module.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from csgsim.ui.app import (MAX_REPLICATIONS, Format, ScenarioOpt, SchedulerOpt, SeedOpt, WorkersOpt, app, fail,
                           progress_bar, replications_option, stdout_console)

RegionOpt = Annotated[Optional[list[str]], typer.Option("--region", "-r", help="Only this region (repeatable).")]


def scenario_for(path: Path | None, regions: list[str] | None, year: int | None):
    """The scenario (default: the built-in model), narrowed to `regions`, moved to `year` if given;
    also its raw document (for variants) with the same changes."""
    from csgsim.config import scenario as scenario_mod
    from csgsim.core import resources
    from csgsim.core.errors import CsgsimError
    from csgsim.studies.capacity import in_year

    path = path if path is not None else resources.default_model()
    try:
        data, digest = scenario_mod.read(path)
        if year is not None:
            data = in_year(data, year)
        if regions:
            scenario_mod.parse(data, str(path), digest).only(regions)  # names the unknown region
            data = {**data, "regions": {r: data["regions"][r] for r in regions}}
        return scenario_mod.parse(data, str(path), digest), data
    except CsgsimError as exc:
        raise fail(str(exc)) from None


@app.command()
def costs(
    scenario: ScenarioOpt = None,
    region: RegionOpt = None,
    year: Annotated[Optional[int], typer.Option(min=1900, max=2200, help="Simulate this calendar year instead of the "
                                                "scenario's period (e.g. 2019 for the budget check).")] = None,
    replications: Annotated[int, replications_option("Replications (at least 2, for the intervals).", minimum=2)] = 20,
    seed: SeedOpt = None,
    marginal: Annotated[bool, typer.Option(help="Also run one more casemanager per region on the same seeds: "
                                                "its cost and what it buys.")] = False,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, or json/csv of the cost summary.")] = Format.table,
) -> None:
    """What the piket costs per region and year (fixed, variable, per case), the check against the
    published budgets of the scenario's [costs] budget_check year, and with --marginal what one
    more casemanager costs and buys."""
    import json

    from csgsim.core.errors import CsgsimError
    from csgsim.runtime.executors import make_executor
    from csgsim.runtime.replications import run
    from csgsim.studies import capacity
    from csgsim.ui import costtables

    sc, data = scenario_for(scenario, region, year)
    if all(r.costs is None for r in sc.regions.values()):
        raise fail(f"{sc.source}: the scenario has no [costs] table to price with (see models/three-regions.toml)")
    seed = sc.seed if seed is None else seed
    total = replications * (2 if marginal else 1)
    try:
        with make_executor(workers, scheduler) as backend, progress_bar(total, "replications") as bar:
            task = bar.add_task("costs", total=total)
            step = lambda k: bar.advance(task, k)  # noqa: E731
            result = run(sc, replications, seed, backend=backend, on_progress=step)
            comparison = (capacity.compare(sc, capacity.plus_one(data, sc.source), "one more casemanager",
                                           replications, seed, backend, step, base_result=result)
                          if marginal else None)
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    summary = result.cost_summary()
    if fmt is Format.json:
        check = capacity.budget_check(result)
        typer.echo(json.dumps({
            "costs": json.loads(summary.to_json(orient="records")),
            "budget_check": None if check is None else json.loads(check.to_json(orient="records")),
            "marginal": None if comparison is None else json.loads(comparison.differences.to_json(orient="records")),
        }, indent=2))
        return
    if fmt is Format.csv:
        typer.echo(summary.to_csv(index=False), nl=False)
        return
    console = stdout_console(200)
    costtables.print_costs(result, console)
    costtables.print_budget_check(capacity.budget_check(result), console)
    if comparison is not None:
        costtables.print_marginal(comparison, console, MARGINAL_SHOWN)


#: What one more casemanager is judged on: its cost and the load and delays it changes.
MARGINAL_SHOWN = ["cost_total", "cost_contracts", "cost_allowance", "cost_callout_work", "duties_per_4w",
                  "max_oncall_days_per_4w", "acute_contact_within_norm", "gap_hours"]


class Lang(str, Enum):
    nl = "nl"
    en = "en"


#: Measured by benchmarks/report_replications.py (30 national replications, per-replication sd):
#: 95% half-widths at 40 replications are about 10% of the mean for the reports per year, 5% for
#: the total cost and 6% for the cost per report; at 10 they were 22%, 10% and 13%.
REPORT_REPLICATIONS = 40


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for rapport.html (report.html in English), the "
                                      "PDF, and the run's tables with their manifest.")],
    overwrite: Annotated[bool, typer.Option(help="Replace an earlier report or run in --out.")] = False,
    scenario: ScenarioOpt = None,
    region: RegionOpt = None,
    from_run: Annotated[Optional[Path], typer.Option("--from", help="Use this run folder (csgsim run --out) as the "
                                                     "baseline instead of simulating it.")] = None,
    replications: Annotated[int, replications_option("Replications per run. The "
                                                "default gives the national reports per year to about +/-10% and the "
                                                "total cost to about +/-5% (benchmarks/report_replications.py); "
                                                "the report states the interval it reached.", minimum=2)] = REPORT_REPLICATIONS,
    seed: SeedOpt = None,
    lang: Annotated[Lang, typer.Option(help="Language of the text: nl (default) or en.")] = Lang.nl,
    outlook: Annotated[Optional[Path], typer.Option(help="Experiment file whose variants' events give the demand "
                                                    "outlook (default: experiments/zedenwet-2024.toml).")] = None,
    pdf: Annotated[bool, typer.Option(help="Also print the page to PDF with headless Chromium.")] = True,
    size: Annotated[int, typer.Option("--size", min=0, max=MAX_REPLICATIONS, help="Also size every region (csgsim size, default "
                                      "targets) with at most this many replications per size; 0: not.")] = 0,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """The capacity case as one self-contained HTML page and the same page as PDF: demand outlook,
    team, delays against the norm, load per person, one long absence, costs against the 2019
    budgets, what one more casemanager buys, and every parameter's source."""
    from csgsim.core.errors import CsgsimError
    from csgsim.runtime.executors import make_executor
    from csgsim.runtime.runfolder import OutputFolder
    from csgsim.ui.report import gather, pdf as pdf_mod

    try:
        import babel  # noqa: F401  (numbers, money and dates for the reader)
    except ImportError:
        raise fail("the report needs babel: pip install 'csgsim[report]'") from None
    if from_run is not None and (scenario is not None or region):
        raise fail("give --from RUN or --scenario/--region, not both")
    if pdf and pdf_mod.chromium() is None:
        raise fail("no Chromium found for the PDF: install Debian's chromium package (apt-get install chromium), "
                   "set CSGSIM_CHROMIUM, or pass --no-pdf")
    if outlook is not None and not outlook.is_file():
        raise fail(f"--outlook {outlook}: no such experiment file")
    try:
        with OutputFolder(out, overwrite) as folder:
            with make_executor(workers, scheduler) as backend, progress_bar(0, "replications") as bar:
                task = bar.add_task("report", total=None)
                data = gather.gather(scenario, from_run, region, replications, seed, backend, outlook,
                                     on_progress=lambda k: bar.advance(task, k), size_cap=size)
            write_report(data, folder.staging, lang.value, pdf, from_run)
            folder.publish()
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"--out {out}: cannot write there ({exc.strerror or exc})") from None
    except RuntimeError as exc:  # Chromium could not print
        raise fail(str(exc)) from None
    gather.say(f"wrote {out}")


def write_report(data, staging: Path, lang: str, pdf: bool, from_run: Path | None) -> None:
    """Into the staging folder: the run's tables (unless it came from --from), the page, the PDF,
    and a manifest listing them; the page's appendix shows that manifest."""
    import json

    from csgsim.core import atomic
    from csgsim.ui import outputs
    from csgsim.ui.report import gather, html, pdf as pdf_mod

    if from_run is None:
        outputs.write_outputs(data.result, staging)
        data.manifest = json.loads((staging / "manifest.json").read_text(encoding="utf-8"))
    name = "rapport" if lang == "nl" else "report"
    files = [f"{name}.html", *([f"{name}.pdf"] if pdf else [])]
    atomic.write_text(staging / files[0], html.build(data, lang))
    gather.say(f"page {files[0]} built")
    if pdf:
        pdf_mod.print_pdf(staging / files[0], staging / files[1])
        gather.say(f"printed {files[1]}")
    manifest = {**data.manifest, "kind": "csgsim report",
                "files": sorted({*data.manifest.get("files", []), *files} if from_run is None else files)}
    if from_run is not None:
        manifest["baseline_run"] = str(from_run)
    atomic.write_text(staging / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")
