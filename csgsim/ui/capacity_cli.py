"""The capacity commands of the CLI: `csgsim costs` (and `csgsim report`, see `csgsim.ui.report`).

Registered on the app of `csgsim.ui.cli`, which imports this module after defining its helpers.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from csgsim.ui.cli import Format, ScenarioOpt, SchedulerOpt, app, fail, progress_bar

RegionOpt = Annotated[Optional[list[str]], typer.Option("--region", "-r", help="Only this region (repeatable).")]
WorkersOpt = Annotated[Optional[int], typer.Option(min=1, help="Processes (default: all cores).")]
SeedOpt = Annotated[Optional[int], typer.Option(min=0, help="Master seed (default: the scenario's).")]


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
    replications: Annotated[int, typer.Option("--replications", "-n", min=2)] = 20,
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

    from rich.console import Console

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
    console = Console(width=None if sys.stdout.isatty() else 200)
    costtables.print_costs(result, console)
    costtables.print_budget_check(capacity.budget_check(result), console)
    if comparison is not None:
        costtables.print_marginal(comparison, console, MARGINAL_SHOWN)


#: What one more casemanager is judged on: its cost and the load and delays it changes.
MARGINAL_SHOWN = [("cost_total", "total EUR/yr"), ("cost_allowance", "allowance EUR/yr"),
                  ("duties_per_4w", "duties /4wk"), ("max_oncall_days_per_4w", "max on-call days /4wk"),
                  ("acute_contact_within_norm", "contact in norm"), ("gap_hours", "gap h")]
