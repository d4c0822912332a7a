"""`csgsim rota`: a year's on-call plan for one region, handed to the team as files.

Registered on `csgsim.ui.app.app`; `csgsim.ui.cli` imports this module. The plan itself is
`csgsim.studies.rota`; the files are `csgsim.ui.rota_files`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from csgsim.ui.app import MAX_SEED, ScenarioOpt, app, fail, load_scenario, stdout_console

MAX_TIME_LIMIT = 3600.0


def chosen_regions(sc, regions: list[str] | None) -> list[str]:
    """The regions asked for, or the scenario's only one, or the regions of its only shared line."""
    from csgsim.core.errors import CsgsimError

    if regions:
        return regions
    if len(sc.regions) == 1:
        return list(sc.regions)
    if len(sc.shared_lines) == 1 and len(sc.regions) == len(sc.shared_lines[0].regions):
        return list(sc.shared_lines[0].regions)
    raise CsgsimError(f"{sc.source} has {len(sc.regions)} regions; give --region ID (one of {', '.join(sc.regions)}; "
                      "repeat it for the regions of a shared line)")


@app.command()
def rota(
    out: Annotated[Path, typer.Option(help="New folder for the plan (CSV, Excel, one .ics per person, summary).")],
    scenario: ScenarioOpt = None,
    region: Annotated[Optional[list[str]], typer.Option("--region", "-r", help="The region (needed when the scenario has several); repeat it to plan the regions of a shared line together.")] = None,
    wishes: Annotated[Optional[Path], typer.Option(help="CSV: person,first,last,kind (unavailable | rather_not | prefer).")] = None,
    seed: Annotated[Optional[int], typer.Option(min=0, max=MAX_SEED, help="Seed of the leave plan and the search (default: the scenario's).")] = None,
    time_limit: Annotated[float, typer.Option(min=0.1, max=MAX_TIME_LIMIT, help="Search effort in CP-SAT's deterministic seconds (about seconds of one core).")] = 20.0,
    overwrite: Annotated[bool, typer.Option(help="Replace an earlier rota in --out.")] = False,
) -> None:
    """Plan who holds each duty over the scenario's simulated period (warm-up included), around
    the planned leave and within the rule set, the agreement's limit and the planning rules in
    `[rota]`, sharing weekends, nights, holidays and hours fairly; every line of the region, a
    reserve for each standby opening of a scale-up policy, and with --region repeated the
    regions of a shared line together. Says why when no plan exists."""
    from csgsim.core.errors import CsgsimError
    from csgsim.runtime.runfolder import OutputFolder
    from csgsim.studies import rota as planner
    from csgsim.ui.formatting import PLAIN

    sc = load_scenario(scenario)
    try:
        rids = chosen_regions(sc, region)
        regions, _ = planner.joint(sc, rids)
        seed = sc.seed if seed is None else seed
        people = [p for r in regions for p in r.people]
        given = planner.read_wishes(wishes, people, sc.simulation_calendar,
                                     f"region {'+'.join(r.id for r in regions)}") if wishes else None
        problem = planner.problem(sc, rids, seed, given)
        typer.echo(f"rota for {'+'.join(r.id for r in regions)}: {len(problem.slots)} duties over "
                   f"{problem.calendar.days} days from {problem.calendar.start}; searching ({PLAIN.given(time_limit)} "
                   "deterministic s)", err=True)
        outcome = planner.solve(problem, seed, time_limit, on_progress=lambda n, obj, wall: typer.echo(
            f"  plan {n}: " + ("every hard rule kept; now the fairest" if obj is None else f"unfairness {PLAIN.number(obj)}")
            + f" after {PLAIN.seconds(wall)}", err=True))
        if outcome.rota is None:
            typer.echo(f"no plan ({outcome.status}):", err=True)
            for why in outcome.reasons:
                typer.echo(f"  {why}", err=True)
            raise typer.Exit(code=1)
        rows = planner.summary(problem, outcome.rota)
        with OutputFolder(out, overwrite) as folder:
            _write(folder.staging, outcome, problem, rows, sc, seed)
            written = folder.publish()
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"--out {out}: cannot write there ({exc.strerror})") from None
    _show(rows, outcome, stdout_console())
    typer.echo(f"wrote {len(written)} entries to {out}", err=True)


def _write(folder: Path, outcome, problem, rows: list[dict], sc, seed: int) -> None:
    """The plan's files and a manifest listing them."""
    from csgsim import __version__
    from csgsim.core import atomic
    from csgsim.ui import rota_files

    r = outcome.rota
    rota_files.write_csv(folder / "rota.csv", rota_files.plan_rows(r, problem.regions[0].duty.period_start))
    rota_files.write_excel(folder / "rota.xlsx", r)
    (folder / "ics").mkdir()
    ics = rota_files.write_ics(folder / "ics", r)
    rota_files.write_csv(folder / "summary.csv", rows)
    files = ["rota.csv", "rota.xlsx", "summary.csv", "ics", *[f"ics/{p.name}" for p in ics]]
    manifest = {"kind": "csgsim rota", "csgsim": __version__, "scenario": sc.source, "scenario_sha256": sc.digest,
                "region": r.region, "regions": list(r.regions), "seed": seed, "status": outcome.status,
                "unfairness": outcome.objective, "bound": outcome.bound, "start": str(r.calendar.start),
                "days": r.calendar.days, "files": files}
    atomic.write_text(folder / "manifest.json", json.dumps(manifest, indent=2) + "\n")


def _show(rows: list[dict], outcome, console) -> None:
    """Fairness and closeness to each limit, a row per person."""
    from rich.table import Table

    from csgsim.ui.formatting import PLAIN, label

    status = ("the best plan possible" if outcome.status == "optimal" else
              "a plan that keeps every hard rule (no fairer one was found in the time limit)"
              if outcome.objective is None else
              f"the best plan found (unfairness {PLAIN.number(outcome.objective)}; made fairer one quarter at a time, no "
              "bound on how much fairer it could be)" if outcome.bound is None else
              f"the best plan found (unfairness {PLAIN.number(outcome.objective)}; none can be below "
              f"{PLAIN.number(outcome.bound)})")
    table = Table(title=f"Rota {outcome.rota.region}: {status}")
    joint, reserves = "region" in rows[0], "reserves" in rows[0]
    for col in ("person", *(["region"] if joint else []), "h/week", "leave days", "duties", "weekends (fair)",
                "nights (fair)", "holidays (fair)", "on-call h (fair)", *(["reserves (fair)"] if reserves else []),
                f"{label('max_oncall_days_per_4w')} (limit)", "min free 2-day spells/4w (needed)", "longest run (limit)"):
        table.add_column(col, justify="left" if col in ("person", "region") else "right")

    def pair(a: float, b: float | None, unit: str = "") -> str:
        """The plan's exact figure and, in brackets, the fair share (a figure of `unit`) or the limit."""
        return f"{PLAIN.given(a)} ({PLAIN.value(b, unit) if unit else PLAIN.given(b)})"

    for r in rows:
        table.add_row(str(r["person"]), *([str(r["region"])] if joint else []), PLAIN.given(r["hours_per_week"]),
                      str(r["leave_days"]), str(r["duties"]),
                      *[pair(r[g], r[f"{g}_fair"], "h" if g == "oncall_hours" else "count")
                        for g in ("weekends", "nights", "holidays", "oncall_hours", *(["reserves"] if reserves else []))],
                      pair(r["max_oncall_days_per_4w"], r["limit_oncall_days_per_4w"]),
                      pair(r["min_free_pairs_per_4w"], r["required_free_pairs_per_4w"]),
                      pair(r["longest_run"], r["limit_run"]))
    console.print(table)


def solver_floors(data: dict, source: str, regions: list[str], seed: int, time_limit: float) -> dict[str, dict]:
    """Per region: the arithmetic floor (`staff.floor`) and the smallest team for which the
    solver finds a compliant plan for the period with its planned leave (`studies.rota`)."""
    from csgsim.config import scenario as scenario_mod
    from csgsim.config.staffing import get_ruleset
    from csgsim.staff.floor import legal_floor
    from csgsim.studies import rota as planner
    from csgsim.studies.breakdown import HEADROOM

    sc = scenario_mod.parse(data, source)
    out = {}
    for rid in regions:
        region = sc.regions[rid]
        rules = get_ruleset(region.staffing.rules)
        arithmetic = legal_floor(region.duty.pattern, rules, 1 + len(region.lines)).people
        limits = [v for v in (rules.max_oncall_days_per_4w, region.rota.max_oncall_days_per_4w) if v is not None]
        # From one below what counting allows (28 days / the limit), which the pre-check refutes at once,
        # so that the team one below the answer always has its reasons; not from the arithmetic floor,
        # which assumes the duties go round in turn.
        first = max(1, -(-28 // min(limits)) - 1) if limits else 1
        typer.echo(f"{rid}: searching the smallest team with a compliant plan from {first}", err=True)
        found = planner.smallest_team(data, source, rid, seed, first, max(first, region.casemanagers) + HEADROOM,
                                      time_limit)
        out[rid] = {"arithmetic_floor": arithmetic, "solver_floor": found.people, "tried": dict(found.tried),
                    "reasons_one_below": list(found.reasons)}
    return out


def floor_words(rid: str, f: dict) -> list[str]:
    """The two floors side by side, and what differs."""
    a, s = f["arithmetic_floor"], f["solver_floor"]
    tried = ", ".join(f"{n}: {status}" for n, status in f["tried"].items())
    lines = [f"{rid}: arithmetic floor {a if a is not None else 'none'}; smallest team with a compliant plan for the "
             f"period with its planned leave (solver): {s if s is not None else 'not found'} (tried {tried})"]
    if a is not None and s is not None and s > a:
        lines.append(f"  they differ by {s - a}: leave, the agreement's limits and the planning rules in [rota] "
                     "need more than the pattern's arithmetic")
    elif a is not None and s is not None and s < a:
        lines.append(f"  they differ by {s - a}: a plan exists with fewer than the arithmetic, which assumes the "
                     "duties go round in turn")
    if s is not None and s != a:
        lines += [f"  with {s - 1}: {why}" for why in f["reasons_one_below"]]
    return lines
