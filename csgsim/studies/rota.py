"""`csgsim rota`: a plan of who holds which duty, around the planned leave, within the rules.

It lives in `studies` (not `staff`) because it needs the scenario's planned leave, which the
model draws (`model.inputs.annual_leave`, replication 0 of the seed: the leave plan a
coordinator has in hand), and the scenario's scripted absences. The period is the scenario's
simulated period, warm-up included, so `csgsim run --rota` can simulate the plan as it is.

The model is `studies.rota_model` (OR-Tools CP-SAT). One search worker and a deterministic
time limit (CP-SAT's own work count, not the wall clock) make the plan depend only on the
scenario, the wishes and the seed. When no plan exists, `explain` says why in words: first a
count per 4-week window of the on-call days to cover against what the people present may hold,
then the rules and windows that CP-SAT finds jointly impossible.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import combinations
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from csgsim.config.rota import RotaRules
from csgsim.config.schema import Region, Scenario
from csgsim.config.staffing import RuleSet, get_ruleset
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.core.errors import ScenarioError
from csgsim.model import inputs
from csgsim.staff import absence
from csgsim.staff.duties import NOBODY, ONCALL, Schedule
from csgsim.staff.rota import Rota, Slots, make_slots, runs
from csgsim.staff.rules import DAYS_4W
from csgsim.studies import rota_model

WISH_KINDS = ("unavailable", "rather_not", "prefer")
MAX_REASONS = 6  # windows named one by one; the rest are counted
RULE_WORDS = {
    "oncall_days_4w": "the {limit}-per-28 limit on on-call days",
    "free_days_4w": "the {pairs} x 2 free days per 4 weeks",
    "duty_length": "the longest duty of {hours:g} h",
    "duties_7d": "at most {d7} duties per 7 days",
    "duties_16w": "at most {d16} duties per 16 weeks",
    "consecutive_days": "at most {run} on-call days in a row",
    "night_week": "the free days after a night-heavy week",
}


@dataclass(frozen=True)
class Problem:
    """Everything the solver needs for one region and period."""

    region: Region
    calendar: Calendar
    slots: Slots
    away: np.ndarray  # (people, slots): on leave, unavailable or absent at some time in the slot
    leave: np.ndarray  # (people, days) planned annual leave
    unavailable: np.ndarray  # (people, days): the wishes file's unavailability and scripted absences
    wishes: np.ndarray  # (people, days) int8: +1 prefer, -1 rather not
    ruleset: RuleSet
    rules: RotaRules


@dataclass(frozen=True)
class Outcome:
    status: str  # optimal | feasible | infeasible | unknown
    rota: Rota | None
    objective: float | None
    bound: float | None
    reasons: tuple[str, ...]  # why there is no plan, in words
    wall_s: float


def _period_days(spells: absence.Spells, n_people: int, cal: Calendar, day_start: float) -> np.ndarray:
    """(people, days): away at some time in the period of day d (from the hand-over)."""
    start = np.arange(cal.days) * float(HOURS_PER_DAY) + day_start
    return absence.overlaps(spells, n_people, start, start + HOURS_PER_DAY)


def read_wishes(path: str | Path, region: Region, cal: Calendar) -> list[tuple[int, int, int, str]]:
    """The wishes file: CSV with columns person, first, last (dates, inclusive), kind
    (unavailable, rather_not, prefer). Rows as (person, first day, last day, kind) of the period."""
    from csgsim.core import files

    text = files.read_bytes(path, "wishes file", ScenarioError).decode("utf-8-sig", errors="replace")
    rows = list(csv.DictReader(text.splitlines()))
    need = ("person", "first", "last", "kind")
    if not rows or any(c not in rows[0] for c in need):
        raise ScenarioError(f"{path}: expected a CSV with the columns {', '.join(need)} and at least one row")
    ids = [p.id for p in region.people]
    out = []
    for n, row in enumerate(rows, start=2):
        where = f"{path}, line {n}"
        if row["person"] not in ids:
            raise ScenarioError(f"{where}: person {row['person']!r} is not in region {region.id}; known: {', '.join(ids)}")
        if row["kind"] not in WISH_KINDS:
            raise ScenarioError(f"{where}: kind {row['kind']!r}; allowed: {', '.join(WISH_KINDS)}")
        try:
            first, last = date.fromisoformat(row["first"]), date.fromisoformat(row["last"])
        except (TypeError, ValueError):
            raise ScenarioError(f"{where}: first and last must be dates like 2025-07-01, got "
                                f"{row['first']!r}, {row['last']!r}") from None
        if last < first or first < cal.start or last > cal.dates[-1]:
            raise ScenarioError(f"{where}: {first} to {last} must be in order and inside the rota's period "
                                f"{cal.start} to {cal.dates[-1]}")
        out.append((ids.index(row["person"]), (first - cal.start).days, (last - cal.start).days, row["kind"], n))
    _no_overlap(path, out, ids)
    return [(q, a, b, k) for q, a, b, k, _ in out]


def _no_overlap(path: str | Path, rows: list, ids: list[str]) -> None:
    """Two unavailabilities of one person that overlap are a typo more often than not: refused."""
    spans = sorted((q, a, b, n) for q, a, b, k, n in rows if k == "unavailable")
    for (q1, _, b1, n1), (q2, a2, _, n2) in zip(spans, spans[1:]):
        if q1 == q2 and a2 <= b1:
            raise ScenarioError(f"{path}: the unavailability of {ids[q1]!r} on line {n1} overlaps the one on "
                                f"line {n2}; merge them into one row")


def problem(sc: Scenario, rid: str, seed: int, wishes: list[tuple[int, int, int, str]] | None = None) -> Problem:
    """The region's slots over the simulated period, with the leave plan of replication 0 of `seed`."""
    plan = inputs.plan(sc, rid)
    region, cal = plan.region, plan.calendar
    n_people, day_start = len(region.people), region.duty.period_start
    leave_spells = inputs.annual_leave(plan, seed, 0)
    index = {p.id: i for i, p in enumerate(region.people)}
    scripted = absence.apply_scripted(absence.Spells.empty(), list(region.staffing.absences), index, cal,
                                      region.staffing.absence)
    leave = _period_days(leave_spells, n_people, cal, day_start)
    unavailable = _period_days(scripted, n_people, cal, day_start)
    wish = np.zeros((n_people, cal.days), dtype=np.int8)
    for q, a, b, kind in wishes or []:
        if kind == "unavailable":
            unavailable[q, a:b + 1] = True
        else:
            wish[q, a:b + 1] = 1 if kind == "prefer" else -1
    slots = make_slots(region, cal)
    away = absence.overlaps(leave_spells, n_people, slots.start, slots.end)
    away |= absence.overlaps(scripted, n_people, slots.start, slots.end)
    for q in range(n_people):  # unavailable days block every slot touching them
        for d in np.flatnonzero(unavailable[q]):
            away[q] |= (slots.d0 <= d) & (slots.d1 > d)
    return Problem(region, cal, slots, away, leave, unavailable, wish, get_ruleset(region.staffing.rules),
                   region.rota)


def _solver(seed: int, time_limit: float):
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % 2**31
    solver.parameters.max_deterministic_time = time_limit
    return solver


def solve(p: Problem, seed: int, time_limit: float = 10.0, objective: bool = True,
          on_progress: Callable[[int, float, float], None] | None = None) -> Outcome:
    """The best plan found within `time_limit` deterministic seconds; why not, when there is none."""
    from ortools.sat.python import cp_model

    reasons = tuple(precheck(p))
    if reasons:
        return Outcome("infeasible", None, None, None, reasons, 0.0)
    built = rota_model.build(p, objective)
    solver = _solver(seed, time_limit)

    class Progress(cp_model.CpSolverSolutionCallback):
        def __init__(self) -> None:
            super().__init__()
            self.found = 0

        def on_solution_callback(self) -> None:
            self.found += 1
            if on_progress is not None:
                on_progress(self.found, self.ObjectiveValue(), self.WallTime())

    status = solver.Solve(built.model, Progress())
    name = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible"}.get(
        status, "unknown")
    if name in ("optimal", "feasible"):
        holder = np.full(len(p.slots), NOBODY, dtype=np.int64)
        for (q, j), var in built.x.items():
            if solver.Value(var):
                holder[j] = q
        rota = Rota(p.region.id, tuple(x.id for x in p.region.people), p.calendar, p.slots, holder, p.leave,
                    p.unavailable)
        obj = solver.ObjectiveValue() if objective else None
        bound = solver.BestObjectiveBound() if objective else None
        return Outcome(name, rota, obj, bound, (), solver.WallTime())
    why = tuple(explain(p, seed, time_limit)) if name == "infeasible" else (
        f"no plan found within the time limit ({time_limit:g} deterministic s); none was proven impossible either: "
        "raise --time-limit",)
    return Outcome(name, None, None, None, why, solver.WallTime())


def _window_words(p: Problem, w: int) -> str:
    """'July 2026 (4 weeks from 2026-06-29)': the month holding most of the window."""
    first = p.calendar.start + timedelta(days=w * DAYS_4W)
    days = [first + timedelta(days=i) for i in range(min(DAYS_4W, p.calendar.days - w * DAYS_4W))]
    months = [(d.year, d.month) for d in days]
    year, month = max(set(months), key=months.count)
    return f"{date(year, month, 1):%B %Y} ({len(days)} days from {first})"


def precheck(p: Problem) -> list[str]:
    """Reasons no plan can exist, found by counting: a slot nobody may hold, and per 4-week
    window more first-line on-call days to cover than the people present may hold."""
    s, cal = p.slots, p.calendar
    out = []
    can = s.eligible & ~p.away
    for j in np.flatnonzero(~can.any(axis=0))[:5]:
        out.append(f"{cal.start + timedelta(hours=float(s.start[j]))}: nobody who may hold line "
                   f"{s.line_ids[s.line[j]]!r} is present (leave or unavailability)")
    limit = rota_model.on_call_limit(p)
    if limit is None:
        return out
    first = (s.line == 0) & (s.kind == ONCALL)
    need = np.zeros(s.n_days, dtype=bool)
    for j in np.flatnonzero(first):
        need[s.d0[j]:s.d1[j]] = True
    members = np.flatnonzero(s.eligible[:, s.line == 0].any(axis=1))
    if members.size * limit < min(DAYS_4W, int(need.sum())):
        return out + [f"every 4 weeks: {DAYS_4W} on-call days to cover, and the {limit}-per-28 limit lets "
                      f"{members.size} people hold at most {members.size * limit}: the team is too small whatever the "
                      "leave"]
    free = ~(p.leave | p.unavailable)[members]
    names = [p.region.people[q].id for q in members]
    short = []
    for w in range(-(-s.n_days // DAYS_4W)):
        days = slice(w * DAYS_4W, min((w + 1) * DAYS_4W, s.n_days))
        why = _short_window(free[:, days], need[days], limit, names)
        if why:
            short.append(f"{_window_words(p, w)}: {why}")
    return out + short[:MAX_REASONS] + ([f"and {len(short) - MAX_REASONS} more 4-week windows like these"]
                                        if len(short) > MAX_REASONS else [])


def _short_window(free: np.ndarray, need: np.ndarray, limit: int, names: list[str]) -> str:
    """Why one window's on-call days cannot be covered within the limit, by counting; '' if none found.

    Hall's condition for the days and the people present on them: if on k days only the people
    outside a group C are present, those n - |C| people must hold all k within the limit. Groups
    of up to four (the people away together) are tried; the whole team is `precheck`'s own test."""
    n = free.shape[0]
    for size in range(1, min(4, n - 1) + 1):
        for group in combinations(range(n), size):
            k = int((need & ~free[list(group)].any(axis=0)).sum())
            if k > limit * (n - size):
                who = ", ".join(names[q] for q in group)
                return (f"{who} {'is' if size == 1 else 'are all'} on leave or unavailable on {k} days to cover, and "
                        f"the {limit}-per-28 limit lets the other {n - size} hold at most {limit * (n - size)}")
    return ""


def explain(p: Problem, seed: int, time_limit: float) -> list[str]:
    """The rules and windows that together leave no plan (a core of CP-SAT's assumptions)."""
    from ortools.sat.python import cp_model

    built = rota_model.build(p, objective=False, enforce=True)
    keys = list(built.groups)
    built.model.AddAssumptions([built.groups[k] for k in keys])
    solver = _solver(seed, time_limit)
    if solver.Solve(built.model) != cp_model.INFEASIBLE:
        return ["no plan exists, but the rules that bind could not be isolated within the time limit"]
    core = set(solver.SufficientAssumptionsForInfeasibility())
    binding = [k for k in keys if built.groups[k].Index() in core]
    if not binding:
        return ["no plan exists even before the limits: the lines cannot all be covered by the people who may "
                "hold them without two duties at once"]
    rs, rules = p.ruleset, p.rules
    fill = {"limit": rota_model.on_call_limit(p), "pairs": rs.min_free_pairs_per_4w, "hours": rs.max_duty_hours or 0,
            "d7": rs.max_duties_per_7d, "d16": rs.max_duties_per_16w, "run": rules.max_consecutive_days}
    out = []
    for rule, w in sorted(binding, key=lambda k: (k[1], k[0])):
        when = _window_words(p, w) if rule not in ("duties_7d", "duties_16w") else (
            f"the {'week' if rule == 'duties_7d' else '16 weeks'} from "
            f"{p.calendar.start + timedelta(days=w * (7 if rule == 'duties_7d' else 112))}")
        out.append(f"{when}: {RULE_WORDS[rule].format(**fill)} cannot be kept together with the others that bind")
    return out


def summary(p: Problem, rota: Rota) -> list[dict[str, object]]:
    """Per person who may hold a duty: each count beside the fair share, and each limit beside
    how close the plan comes to it."""
    from csgsim.staff.rota import tally

    s = p.slots
    n_people = len(p.region.people)
    t = tally(rota, n_people)
    fair = {name: rota_model.fair_shares(p, values) for name, values in (
        ("weekends", s.weekend.astype(np.int64)), ("nights", s.nights), ("holidays", s.holiday.astype(np.int64)),
        ("oncall_hours", np.where(s.kind == ONCALL, s.hours, 0)))}
    limit, pairs, run = rota_model.on_call_limit(p), p.ruleset.min_free_pairs_per_4w, p.rules.max_consecutive_days
    rows = []
    for q in np.flatnonzero(s.eligible.any(axis=1)):
        person = p.region.people[q]
        row: dict[str, object] = {"person": person.id, "hours_per_week": person.hours_per_week,
                                  "leave_days": int(p.leave[q].sum()), "duties": int(t["duties"][q])}
        for name, share in fair.items():
            row[name] = float(t[name][q])
            row[f"{name}_fair"] = round(float(share[q]), 1)
        row["max_oncall_days_per_4w"] = int(t["max_oncall_days_per_4w"][q])
        row["limit_oncall_days_per_4w"] = limit
        row["min_free_pairs_per_4w"] = int(t["min_free_pairs_per_4w"][q])
        row["required_free_pairs_per_4w"] = pairs
        row["longest_run"] = int(t["longest_run"][q])
        row["limit_run"] = run
        rows.append(row)
    return rows


@dataclass(frozen=True)
class TeamFloor:
    """The smallest team with a compliant plan for the period, and what each team tried gave."""

    region: str
    people: int | None  # None: no team tried has a plan that was found
    tried: tuple[tuple[int, str], ...]  # (casemanagers, status)
    reasons: tuple[str, ...]  # why the team one below has no plan (when it was proven)


def smallest_team(data: dict, source: str, rid: str, seed: int, first: int, last: int,
                  time_limit: float = 10.0) -> TeamFloor:
    """Teams first..last of region `rid` (the document patched as `size` patches it), each with
    its own leave plan; the first with a compliant plan found ends the search."""
    from csgsim.config import scenario as scenario_mod
    from csgsim.core.errors import CsgsimError
    from csgsim.studies.patches import patched

    tried: list[tuple[int, str]] = []
    reasons: tuple[str, ...] = ()
    for n in range(max(first, 1), last + 1):
        where = f"{source} ({rid} with {n} casemanagers)"
        try:
            sc = scenario_mod.parse(patched(data, [], [(f"team_size.{rid}", n)], where), where).only([rid])
        except CsgsimError:
            tried.append((n, "not allowed by the scenario"))
            continue
        outcome = solve(problem(sc, rid, seed), seed, time_limit, objective=False)
        tried.append((n, outcome.status))
        if outcome.rota is not None:
            return TeamFloor(rid, n, tuple(tried), reasons)
        reasons = outcome.reasons
    return TeamFloor(rid, None, tuple(tried), reasons)


def simulated(sc: Scenario, rota: Rota) -> tuple[Scenario, dict[str, Schedule], list[str]]:
    """What `csgsim run --rota` simulates: the scenario with the rota's leave as the region's leave
    plan (the same in every replication), the rota's first line as the region's duty schedule, and
    notes on what the simulation does not take from the rota. Sickness and dropout are drawn and
    re-planned on top, as for a pattern."""
    rid = rota.region
    if any(rid in shared.regions for shared in sc.shared_lines):
        raise ScenarioError(f"{sc.source}: region {rid!r} shares a line with other regions; a rota of one region "
                            "cannot be simulated with a shared line (run the regions without it)")
    region = sc.regions[rid]
    days = rota.calendar.dates
    given = tuple((q, days[a], b - a) for q in range(len(rota.people)) for a, b in runs(rota.leave[q]))
    leave = replace(region.staffing.leave, enabled=True, given=given)
    region = replace(region, staffing=replace(region.staffing, leave=leave))
    notes = [f"{rid}: the extra line(s) {', '.join(x.id for x in region.lines)} are still given in turn around the "
             "rota's first line (the simulation takes only the first line from a rota)"] if region.lines else []
    return replace(sc, regions={**sc.regions, rid: region}), {rid: rota.schedules()[0]}, notes

