"""`csgsim rota`: a plan of who holds which duty, around the planned leave, within the rules.

It lives in `studies` (not `staff`) because it needs the scenario's planned leave, which the
model draws (`model.inputs.annual_leave`, replication 0 of the seed: the leave plan a
coordinator has in hand), and the scenario's scripted absences. The period is the scenario's
simulated period, warm-up included, so `csgsim run --rota` can simulate the plan as it is.

The model is `studies.rota_model` (OR-Tools CP-SAT). One search worker and a deterministic
time limit (CP-SAT's own work count, not the wall clock) make the plan depend only on the
scenario, the wishes and the seed. When no plan exists, `studies.rota_why` says why in words:
first a count per 4-week window of the on-call days to cover against what the people present
may hold, then the rules and windows that CP-SAT finds jointly impossible.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from csgsim.config.lines import SharedLine
from csgsim.config.rota import RotaRules
from csgsim.config.schema import Person, Region, Scenario
from csgsim.config.staffing import RuleSet, get_ruleset
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.core.errors import ScenarioError
from csgsim.model import inputs
from csgsim.staff import absence
from csgsim.staff.duties import NOBODY, POOLED
from csgsim.staff.rota import Planned, Rota, Slots, make_slots, runs
from csgsim.studies import rota_model
from csgsim.studies.rota_why import explain, precheck

WISH_KINDS = ("unavailable", "rather_not", "prefer")


@dataclass(frozen=True)
class Problem:
    """Everything the solver needs for the regions planned together and their period."""

    regions: tuple[Region, ...]  # one, or the regions a shared line serves, in the scenario's order
    people: tuple[Person, ...]  # region after region
    calendar: Calendar
    slots: Slots
    away: np.ndarray  # (people, slots): on leave, unavailable or absent at some time in the slot
    leave: np.ndarray  # (people, days) planned annual leave
    unavailable: np.ndarray  # (people, days): the wishes file's unavailability and scripted absences
    wishes: np.ndarray  # (people, days) int8: +1 prefer, -1 rather not
    ruleset: RuleSet
    rules: RotaRules
    shared: tuple[SharedLine, ...] = ()

    @property
    def home(self) -> tuple[str, ...]:
        """Per person: their region."""
        return tuple(r.id for r in self.regions for _ in r.people)

    def rota(self, holder: np.ndarray) -> Rota:
        return Rota(tuple(r.id for r in self.regions), tuple(x.id for x in self.people), self.home, self.calendar,
                    self.slots, np.where(self.slots.pooled, POOLED, holder), self.leave, self.unavailable)


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


def joint(sc: Scenario, rids: Sequence[str]) -> tuple[tuple[Region, ...], tuple[SharedLine, ...]]:
    """The regions to plan together, in the scenario's order, and the shared line among them.

    One region is planned alone unless it is in a `[[shared_lines]]` line; then the plan must
    hold every region of that line (its holders come from all of them, and each person's limits
    count their duties in both). Several regions are planned together only when one shared line
    serves exactly them; they must count the working-time rules alike (rule set, `[rota]`,
    hand-over hour)."""
    unknown = [rid for rid in rids if rid not in sc.regions]
    if unknown:
        raise ScenarioError(f"{sc.source}: no region {unknown[0]!r}; known: {', '.join(sc.regions)}")
    chosen = set(rids)
    shared = tuple(s for s in sc.shared_lines if chosen & set(s.regions))
    for s in shared:
        if not set(s.regions) <= chosen:
            raise ScenarioError(f"{sc.source}: region(s) {', '.join(sorted(chosen & set(s.regions)))} share the line "
                                f"{s.line.id!r} with {', '.join(r for r in s.regions if r not in chosen)}: plan them "
                                f"together ({' '.join('--region ' + r for r in s.regions)})")
    if len(chosen) > 1 and (len(shared) != 1 or set(shared[0].regions) != chosen):
        raise ScenarioError(f"{sc.source}: regions {', '.join(sorted(chosen))} do not share one line: a joint plan is "
                            "for the regions of one [[shared_lines]] line "
                            f"({'; '.join('+'.join(s.regions) for s in sc.shared_lines) or 'this scenario has none'})")
    regions = tuple(sc.regions[rid] for rid in sc.regions if rid in chosen)
    first = regions[0]
    for r in regions[1:]:
        for what, mine, theirs in (("[rules] set", r.staffing.rules, first.staffing.rules),
                                   ("[rota]", r.rota, first.rota),
                                   ("hand-over hour", r.duty.period_start, first.duty.period_start)):
            if mine != theirs:
                raise ScenarioError(f"{sc.source}: regions {first.id} and {r.id} differ in their {what}; a joint plan "
                                    "counts one set of working-time rules for everyone (make them equal)")
    return regions, shared


def read_wishes(path: str | Path, people: Sequence[Person], cal: Calendar, team: str = "the team"
                ) -> list[tuple[int, int, int, str]]:
    """The wishes file: CSV with columns person, first, last (dates, inclusive), kind
    (unavailable, rather_not, prefer). Rows as (person, first day, last day, kind) of the period."""
    from csgsim.core import files

    text = files.read_bytes(path, "wishes file", ScenarioError).decode("utf-8-sig", errors="replace")
    rows = list(csv.DictReader(text.splitlines()))
    need = ("person", "first", "last", "kind")
    if not rows or any(c not in rows[0] for c in need):
        raise ScenarioError(f"{path}: expected a CSV with the columns {', '.join(need)} and at least one row")
    ids = [p.id for p in people]
    out = []
    for n, row in enumerate(rows, start=2):
        where = f"{path}, line {n}"
        if row["person"] not in ids:
            raise ScenarioError(f"{where}: person {row['person']!r} is not in {team}; known: {', '.join(ids)}")
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


def _absences(sc: Scenario, region: Region, seed: int) -> tuple[absence.Spells, absence.Spells]:
    """The region's planned leave (replication 0 of `seed`) and its scripted absences."""
    plan = inputs.plan(sc, region.id)
    index = {p.id: i for i, p in enumerate(region.people)}
    scripted = absence.apply_scripted(absence.Spells.empty(), list(region.staffing.absences), index, plan.calendar,
                                      region.staffing.absence)
    return inputs.annual_leave(plan, seed, 0), scripted


def problem(sc: Scenario, rids: str | Sequence[str], seed: int,
            wishes: list[tuple[int, int, int, str]] | None = None) -> Problem:
    """The regions' slots over the simulated period (`joint`), with the leave plan of
    replication 0 of `seed`; people numbered region after region."""
    regions, shared = joint(sc, [rids] if isinstance(rids, str) else rids)
    cal = sc.simulation_calendar
    people = tuple(p for r in regions for p in r.people)
    n_people, day_start = len(people), regions[0].duty.period_start
    slots = make_slots(regions, cal, shared)
    leave = np.zeros((n_people, cal.days), dtype=bool)
    unavailable = np.zeros_like(leave)
    away = np.zeros((n_people, len(slots)), dtype=bool)
    offset = 0
    for region in regions:
        mine = slice(offset, offset + len(region.people))
        for spells, days in zip(_absences(sc, region, seed), (leave, unavailable)):
            days[mine] = _period_days(spells, len(region.people), cal, day_start)
            away[mine] |= absence.overlaps(spells, len(region.people), slots.start, slots.end)
        offset += len(region.people)
    wish = np.zeros((n_people, cal.days), dtype=np.int8)
    for q, a, b, kind in wishes or []:
        if kind == "unavailable":
            unavailable[q, a:b + 1] = True
        else:
            wish[q, a:b + 1] = 1 if kind == "prefer" else -1
    for q in range(n_people):  # unavailable days block every slot touching them
        for d in np.flatnonzero(unavailable[q]):
            away[q] |= (slots.d0 <= d) & (slots.d1 > d)
    return Problem(regions, people, cal, slots, away, leave, unavailable, wish,
                   get_ruleset(regions[0].staffing.rules), regions[0].rota, shared)


def solve(p: Problem, seed: int, time_limit: float = 10.0, objective: bool = True,
          on_progress: Callable[[int, float | None, float], None] | None = None) -> Outcome:
    """The best plan found within `time_limit` deterministic seconds; why not, when there is none.

    First any plan that keeps every hard rule (fast: the objective's many sums slow the first
    plan down a lot), then the fairest in the time left: for one region in one search (when it
    finds none, the first plan stands, its unfairness not computed; the first plan is not a
    hint: measured, that made the fairest plan found worse); for a joint plan, which is too
    large for that, one quarter at a time with the rest of the year held (`rota_model.by_quarter`)."""
    reasons = tuple(precheck(p))
    if reasons:
        return Outcome("infeasible", None, None, None, reasons, 0.0)
    built = rota_model.build(p, objective=False)
    name, solver, found = rota_model.search(built, seed, time_limit, on_progress, scored=False)
    spent = solver.WallTime()
    if name not in ("optimal", "feasible"):
        why = tuple(explain(p, seed, time_limit)) if name == "infeasible" else (
            f"no plan found within the time limit ({time_limit:g} deterministic s); none was proven impossible "
            "either: raise --time-limit",)
        return Outcome(name, None, None, None, why, spent)
    values = {key: solver.Value(var) for key, var in built.x.items()}
    obj = bound = None
    left = time_limit - solver.deterministic_time
    if objective and left > 0:
        rota_model.add_objective(built, p)
        if len(p.regions) == 1:
            shown = None if on_progress is None else (lambda n, o, w: on_progress(n, o, spent + w))
            name, second, found = rota_model.search(built, seed, left, shown, found)
            spent += second.WallTime()
            if name in ("optimal", "feasible"):
                values = {key: second.Value(var) for key, var in built.x.items()}
                obj, bound = second.ObjectiveValue(), second.BestObjectiveBound()
            else:  # the fairest plan was not reached: the first one stands, its unfairness unknown
                name = "feasible"
        else:
            name, values, obj, spent = rota_model.by_quarter(built, p, values, seed, left, on_progress, found, spent)
    holder = np.full(len(p.slots), NOBODY, dtype=np.int64)
    for (q, j), v in values.items():
        if v:
            holder[j] = q
    return Outcome(name, p.rota(holder), obj, bound, (), spent)


def summary(p: Problem, rota: Rota) -> list[dict[str, object]]:
    """Per person who may hold a duty: each count beside the fair share, and each limit beside
    how close the plan comes to it (reserves counted there as if called)."""
    from csgsim.staff.rota import tally

    s = p.slots
    t = tally(rota, len(p.people))
    fair = {name: rota_model.fair_shares(p, values) for name, values in rota_model.goal_values(s).items()
            if name != "reserves" or values.any()}
    limit, pairs, run = rota_model.on_call_limit(p), p.ruleset.min_free_pairs_per_4w, p.rules.max_consecutive_days
    rows = []
    for q in np.flatnonzero(s.eligible.any(axis=1)):
        person = p.people[q]
        row: dict[str, object] = {"person": person.id, **({"region": p.home[q]} if len(p.regions) > 1 else {}),
                                  "hours_per_week": person.hours_per_week, "leave_days": int(p.leave[q].sum()),
                                  "duties": int(t["duties"][q])}
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
    its own leave plan; the first with a compliant plan found ends the search. A region in a
    shared line is planned with the line's other regions, as they are."""
    from csgsim.config import scenario as scenario_mod
    from csgsim.core.errors import CsgsimError
    from csgsim.studies.patches import patched

    tried: list[tuple[int, str]] = []
    reasons: tuple[str, ...] = ()
    for n in range(max(first, 1), last + 1):
        where = f"{source} ({rid} with {n} casemanagers)"
        try:
            sc = scenario_mod.parse(patched(data, [], [(f"team_size.{rid}", n)], where), where)
        except CsgsimError:
            tried.append((n, "not allowed by the scenario"))
            continue
        rids = next((list(s.regions) for s in sc.shared_lines if rid in s.regions), [rid])
        outcome = solve(problem(sc.only(rids), rids, seed), seed, time_limit, objective=False)
        tried.append((n, outcome.status))
        if outcome.rota is not None:
            return TeamFloor(rid, n, tuple(tried), reasons)
        reasons = outcome.reasons
    return TeamFloor(rid, None, tuple(tried), reasons)


def simulated(sc: Scenario, rota: Rota) -> tuple[Scenario, dict[str, Planned], list[str]]:
    """What `csgsim run --rota` simulates: the scenario with the rota's leave as each region's
    leave plan (the same in every replication), and per region the rota's duties (`Planned`):
    its first line as the duty schedule, its extra and shared lines' holders, and the standby's
    reserves. Sickness and dropout are drawn and re-planned on top, as for a pattern."""
    joint(sc, rota.regions)  # the rota's regions are the ones its shared line serves
    days, regions = rota.calendar.dates, dict(sc.regions)
    for rid in rota.regions:
        region = sc.regions[rid]
        first = rota.home.index(rid)
        given = tuple((q, days[a], b - a) for q in range(len(region.people))
                      for a, b in runs(rota.leave[first + q]))
        leave = replace(region.staffing.leave, enabled=True, given=given)
        regions[rid] = replace(region, staffing=replace(region.staffing, leave=leave))
    return replace(sc, regions=regions), {rid: rota.planned(rid) for rid in rota.regions}, []
