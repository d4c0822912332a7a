"""The sizing commands of the CLI: `csgsim size` (the smallest team that meets the targets) and
`csgsim roster` (what drives the size before demand, from the roster alone).

Registered on `csgsim.ui.app.app`; `csgsim.ui.cli` imports this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from csgsim.ui.app import (MAX_REPLICATIONS, AbsentOpt, Format, LeavesOpt, ScenarioOpt, SchedulerOpt, SeedOpt, WorkersOpt,
                           app, fail, progress_bar, read_model, replications_option, scripted_absences, stdout_console)

if TYPE_CHECKING:
    from csgsim.studies.sizing_verdicts import RegionSizing, Spell


#: --sizes when not given.
DEFAULT_SIZES = "2-10"
#: --max-replications when not given: `studies.sizing.DEFAULT_CAP`, repeated here so that the CLI
#: does not import the sizing study to build its options (tests/test_sizing.py holds them equal).
DEFAULT_CAP = 640


@app.command()
def size(
    region: Annotated[Optional[list[str]], typer.Option("--region", "-r", help="Region to size (repeatable).")] = None,
    all_regions: Annotated[bool, typer.Option("--all-regions", help="Size every region of the scenario.")] = False,
    scenario: ScenarioOpt = None,
    experiment: Annotated[Optional[Path], typer.Option(help="Size under a variant of this experiment file instead.")] = None,
    variant: Annotated[str, typer.Option(help="With --experiment: the variant (default: its baseline).")] = "baseline",
    target: Annotated[Optional[list[str]], typer.Option("--target", "-t", help="Like 'acute_contact_p95<=30' (quoted; repeatable).")] = None,
    targets: Annotated[Optional[Path], typer.Option(help='TOML file with targets = ["metric<=number", ...].')] = None,
    sizes: Annotated[str, typer.Option(help="Candidate numbers of casemanagers, e.g. 4-9 or 4,6,8.")] = DEFAULT_SIZES,
    batch: Annotated[int, typer.Option(min=2, max=MAX_REPLICATIONS, help="Replications in the first round (rounds double).")] = 20,
    max_replications: Annotated[int, typer.Option(min=2, max=MAX_REPLICATIONS, help="Cap per size; beyond it a size is 'not settled'.")] = DEFAULT_CAP,
    confidence: Annotated[float, typer.Option(min=0.5, max=0.9999, help="Joint confidence of the verdicts.")] = 0.95,
    rare_risk: Annotated[float, typer.Option(min=0.0001, max=0.5, help="Rare-event targets (e.g. gap_hours<=0): the largest acceptable share of replications beyond the bound.")] = 0.05,
    monotone: Annotated[bool, typer.Option(help="Assume a larger team does no worse (skips settled-by-implication sizes).")] = True,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output on stdout.")] = Format.table,
    absent: AbsentOpt = None,
    leaves: LeavesOpt = None,
    breakdown_replications: Annotated[int, typer.Option(min=0, max=MAX_REPLICATIONS, help="Replications of the roster-only steps of 'what drives the size' (0: skip it).")] = 30,
    holds: Annotated[bool, typer.Option("--holds", help="Also say up to which demand the answer and one more meet the on-call targets, and the chance the year's demand is above it (runs 8 demand levels per size).")] = False,
    demand: Annotated[Optional[str], typer.Option(help="Planning demand: acute reports a year (250), a factor on the level (x1.5) or a percentile of the input uncertainty (p80). Default: the central forecast.")] = None,
    rota: Annotated[Optional[Path], typer.Option(help="A plan from `csgsim rota` (its rota.csv). It fixes the people: the on-call targets are checked at the plan's team with the plan simulated, and the casework hours are sized for that team.")] = None,
) -> None:
    """People on call and casework hours a week, sized apart, with tables and the confidence.

    The on-call targets size the people (at the scenario's total contracted hours, shared by the
    team); the casework targets (intakes, follow-ups) then size the hours a week at that team.
    Without targets: acute contact p95 within the scenario's norm, no gap hours, at most 14
    on-call days in any 4 weeks; follow-ups on time >= 95%. Then, per region, what drives the
    size: the legal floor, what annual leave, sickness and vacancies, and demand add, what
    plain Erlang C would say, and the scenario roster's on-call days per 4 weeks.
    """
    from csgsim.core.errors import CsgsimError
    from csgsim.runtime.executors import make_executor
    from csgsim.studies import sizing
    from csgsim.studies.casework import parse_demand
    from csgsim.studies.targets import parse_sizes
    from csgsim.ui.drivers import compute
    from csgsim.ui.tables import target_text

    try:
        data, source, sc, seed = _what_to_size(scenario, experiment, variant, seed)
        in_hand = None if rota is None else _plan_in_hand(rota, sc, region, all_regions, sizes, holds)
        if in_hand is not None:  # the plan's region and team; no roster-only breakdown of the pattern
            region, sizes, breakdown_replications = [in_hand[0]], str(sc.regions[in_hand[0]].casemanagers), 0
        regions = _regions(sc, source, region, all_regions)
        goals = _goals(target, targets, rare_risk, sc)
        scripted = scripted_absences(absent, leaves)
        plan = parse_demand(demand)
        typer.echo(f"planning demand: {plan}", err=True)
        with make_executor(workers, scheduler) as backend, progress_bar(0, "replications") as bar:
            task = bar.add_task("size", total=None)
            result = sizing.size(data, source, regions, parse_sizes(sizes), goals, seed, backend, batch, max_replications,
                                 confidence, monotone, scripted, on_progress=lambda k: bar.advance(task, k),
                                 demand=plan, rota=None if in_hand is None else in_hand[1], spell=target_text)
        _say_policies(result, sc, rota)
        held = _holds(data, source, result, goals, workers, scheduler, batch, max_replications, confidence,
                      scripted) if holds else None
        drivers = compute(data, source, [(r.region, r.answer, _no_answer(r, target_text)) for r in result.regions],
                          seed, breakdown_replications, scripted)
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    _show_sizing(result, drivers, fmt, held)


def _no_answer(r: RegionSizing, spell: Spell) -> str:
    """Why the drivers' demand step has no team: with an 'at most' answer, what was settled and
    what was not (the sizing line says the same), else the sizing's status."""
    if r.enough is None:
        return f"the sizing gave no answer ({r.status})"
    from csgsim.studies.sizing_verdicts import spelled

    return (f"at most {r.enough}: the sizing settled {r.enough} as enough, but not within the cap whether fewer "
            f"would do ({spelled(r.binding(), spell)} still open below it; raise --max-replications)")


def _plan_in_hand(path: Path, sc, region: list[str] | None, all_regions: bool, sizes: str, holds: bool):
    """With --rota: the plan's region, and how a job's scenario simulates the plan (its duties and
    leave). A plan fixes the people, so --sizes, --holds (which vary the team or the demand
    levels' teams) and another region are refused."""
    from csgsim.studies import rota as planner
    from csgsim.studies.targets import SizingError
    from csgsim.ui.rota_files import read_plan

    rid = read_plan(path, sc).region
    if all_regions or (region and list(region) != [rid]):
        raise SizingError(f"--rota {path} is a plan for region {rid!r}: size that region (no --all-regions)")
    if sizes != DEFAULT_SIZES or holds:
        raise SizingError(f"--rota fixes the team (the plan's people); give {'--holds' if holds else '--sizes'} "
                          "or --rota, not both")

    def simulate(s):
        out, duties, _ = planner.simulated(s, read_plan(path, s))
        return out, duties

    return rid, simulate


def _say_policies(result, sc, rota: Path | None) -> None:
    """Notes on what the answers assume: the plan in hand, a scale-up policy."""
    for r in result.regions:
        region = sc.regions[r.region]
        if rota is not None:
            r.notes.append(f"the people answer is the plan's: {region.casemanagers} casemanagers as --rota {rota} "
                           "holds them, its duties and leave simulated (sickness re-planned on top); the on-call "
                           "targets are checked at that team and the casework hours sized for it")
        if region.scaleup is not None:
            r.notes.append(f"sized with the scale-up policy on: its standby line '{region.scaleup.line.id}' opens "
                           "when its trigger holds, answers calls and counts in the load and the working-time "
                           "limits (docs/model.md#scaling-up-in-peaks)")


def _regions(sc, source: str, region: list[str] | None, all_regions: bool) -> list[str]:
    """The regions to size: those named, or all (one alone needs neither option)."""
    from csgsim.studies.targets import SizingError

    if all_regions and region:
        raise SizingError("give --region ID (repeatable) or --all-regions, not both")
    if not (all_regions or region or len(sc.regions) == 1):
        raise SizingError(f"{source} has {len(sc.regions)} regions: give --region ID (repeatable) "
                          "or --all-regions")
    return list(sc.only(region).regions) if region else list(sc.regions)


def _holds(data, source: str, result, goals: list, workers, scheduler, batch: int, max_replications: int,
           confidence: float, scripted):
    """--holds: how far the people answer and one more hold (`studies.holds`), on a fresh backend."""
    from csgsim.runtime.executors import make_executor
    from csgsim.studies import holds as holds_mod

    with make_executor(workers, scheduler) as backend, progress_bar(0, "replications") as bar:
        task = bar.add_task("holds", total=None)
        oncall = [t for t in goals if t in result.regions[0].targets]
        return holds_mod.holds(data, source, result, oncall, backend, batch, max_replications, confidence,
                               scripted, on_progress=lambda k: bar.advance(task, k))


def _what_to_size(scenario: Path | None, experiment: Path | None, variant: str, seed: int | None):
    """(document, source name, scenario, seed) of the scenario or the experiment's variant."""
    from csgsim.studies import experiments as ex
    from csgsim.studies.targets import SizingError

    if experiment is None:
        data, source, sc = read_model(scenario)
        return data, source, sc, sc.seed if seed is None else seed
    if scenario is not None:
        raise SizingError("give --scenario or --experiment, not both")
    exp = ex.load(experiment)
    arm = exp.variant(variant)
    return arm.data, f"{experiment} variant {variant!r}", arm.scenario, exp.seed if seed is None else seed


def _goals(given: list[str] | None, file: Path | None, rare_risk: float, sc) -> list:
    """The targets from --target and --targets (else the scenario's defaults), said on stderr."""
    import dataclasses

    from csgsim.studies import targets as rules
    from csgsim.ui.tables import target_text

    parsed = [rules.parse_target(t) for t in given or []]
    parsed += rules.load_targets(file) if file is not None else []
    goals = [dataclasses.replace(t, risk=rare_risk) for t in parsed or rules.default_targets(sc)]
    typer.echo(f"targets{'' if parsed else ' (defaults)'}: {', '.join(map(target_text, goals))}", err=True)
    return goals


def _holds_text(held) -> str:
    from csgsim.ui.formatting import PLAIN

    figures, level = held
    return (" ".join(h.line() + ";" for h in figures) + f" (each demand level judged like the sizes, every "
            f"interval at {PLAIN.percent(level, 3)}, Bonferroni over its own demand levels x sizes x looks x targets; "
            "the chance from the level's input uncertainty)") if figures else "holds: no people answer to try"


def _show_sizing(result, drivers: dict, fmt: Format, held=None) -> None:
    """The sizing on stdout: tables with each region's size drivers, JSON or CSV of the sizes."""
    import json

    from csgsim.studies import sizing
    from csgsim.ui.drivers import drivers_json, print_breakdown
    from csgsim.ui.tables import target_text

    if fmt is Format.json:
        typer.echo(json.dumps({
            "seed": result.seed, "confidence": result.confidence, "interval_level": result.level,
            "looks": result.looks, "monotone": result.monotone, "statement": sizing.confidence_line(result, target_text),
            "demand": str(result.demand),
            "holds": None if held is None else {"interval_level": held[1], "figures": [
                {"region": h.region, "size": h.size, "percent_of_planning_level": h.percent, "status": h.status,
                 "acute_reports_per_year": h.reports, "chance_demand_above": h.exceed, "line": h.line()}
                for h in held[0]]},
            "regions": [{"region": r.region, "structure": r.structure, "answer": r.answer, "status": r.status,
                         "message": r.message, "notes": r.notes, "sizes": json.loads(r.table().to_json(orient="records")),
                         "binding": [str(t) for t in r.binding()], "answer_line": result.answer_line(r, target_text),
                         "casework": None if r.casework is None else {
                             "binding": [str(t) for t in r.casework.search.binding()],
                             "enough_hours_per_week": r.casework.enough,
                             "people": r.casework.people, "people_from": r.casework.people_from,
                             "scenario_hours_per_week": r.casework.scenario_hours, "hours_per_week": r.casework.hours,
                             "status": r.casework.search.status, "message": r.casework.search.message,
                             "notes": r.casework.search.notes, "line": r.casework.line(target_text),
                             "candidates": json.loads(r.casework.search.table().to_json(orient="records"))},
                         **({"drivers": drivers_json(*drivers[r.region])} if r.region in drivers else {})}
                        for r in result.regions]}, indent=2, default=str))
    elif fmt is Format.csv:
        import pandas as pd

        frames = [t for r in result.regions for t in (r.table(), r.casework.search.table() if r.casework else None)
                  if t is not None]
        typer.echo(pd.concat(frames).to_csv(index=False), nl=False)
    else:
        from csgsim.ui import tables

        console = stdout_console()
        tables.print_sizing(result, console)
        if held is not None:
            console.print(_holds_text(held), markup=False, highlight=False)
        for r in result.regions:
            if r.region in drivers:
                print_breakdown(*drivers[r.region], console)


@app.command()
def roster(
    scenario: ScenarioOpt = None,
    region: Annotated[Optional[list[str]], typer.Option("--region", "-r", help="Only this region (repeatable).")] = None,
    replications: Annotated[int, replications_option("Roster replications.")] = 30,
    seed: SeedOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
    absent: AbsentOpt = None,
    leaves: LeavesOpt = None,
    rota_floor: Annotated[bool, typer.Option(help="Also the smallest team for which `csgsim rota` finds a compliant plan (needs csgsim[rota]).")] = False,
    rota_time_limit: Annotated[float, typer.Option(min=0.1, max=3600.0, help="With --rota-floor: search effort per team (deterministic s).")] = 10.0,
) -> None:
    """What drives the team size before demand, from the roster alone (seconds, no call simulation):
    the legal floor, what annual leave and sickness add, plain Erlang C; and each region's on-call
    days per casemanager per 4 weeks with the summer peak, and the weeks kept only by a backup or a
    breach. `csgsim size` adds the demand step."""
    import json

    from csgsim.core.errors import CsgsimError
    from csgsim.ui.drivers import compute, drivers_json, print_breakdown

    try:
        data, source, sc = read_model(scenario)
        regions = list(sc.only(region).regions) if region else list(sc.regions)
        seed = sc.seed if seed is None else seed
        drivers = compute(data, source, [(rid, None, "not run here: csgsim size adds it") for rid in regions], seed,
                          replications, scripted_absences(absent, leaves))
        floors = {}
        if rota_floor:  # the rota's own block (csgsim.ui.rota_cli)
            from csgsim.ui.rota_cli import solver_floors

            floors = solver_floors(data, source, regions, seed, rota_time_limit)
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    from csgsim.analysis.overload import contracted_hours

    hours = {rid: contracted_hours(sc.regions[rid]) for rid in drivers}
    if fmt is Format.json:
        typer.echo(json.dumps({"seed": seed, "regions": {rid: {**drivers_json(*v), "casework_hours_per_week": hours[rid],
                                                               **({"rota_floor": floors[rid]} if rid in floors else {})}
                                                          for rid, v in drivers.items()}}, indent=2, default=str))
        return
    console = stdout_console()
    from csgsim.ui.formatting import PLAIN

    for rid, (steps, view) in drivers.items():
        print_breakdown(steps, view, console)
        n = sc.regions[rid].casemanagers
        console.print(f"{rid}: casework hours as the scenario has them: {PLAIN.given(hours[rid])} h a week ({PLAIN.number(hours[rid] / n, 1)} h "
                      f"each of {n}); the hours the casework needs depend on demand: csgsim size sizes them apart",
                      markup=False, highlight=False)
    from csgsim.ui.rota_cli import floor_words

    for rid, f in floors.items():
        console.print("\n".join(floor_words(rid, f)), highlight=False, markup=False)
