"""The CP-SAT model of a rota: one Boolean per (person, slot), the hard rules as constraints,
fairness and wishes as a weighted objective.

Hard (every one is a constraint, none a penalty):
- every slot has exactly one holder, who may hold its line and is not away at any time in it;
- nobody holds two slots that overlap in time (two lines at once);
- the rule set as `staff.rules` counts it, with the agreement's stricter on-call-day limit:
  on-call days per fixed 4-week window, 2 x 2 free days in every full window, the longest
  duty, duties (runs of contiguous slots) per fixed 7-day and 16-week window;
- the planning rules: most on-call days in a row; no on-call in the days after a night-heavy
  week (a Monday-to-Sunday week with `night_week_nights` or more on-call nights).

Each rule's constraints in one window carry one enforcement literal (`Built.groups`), so the
solver can name the rules and windows that together leave no plan (see `studies.rota`).

Soft: per goal (weekends, nights, public holidays, duty hours), the distance of each person's
count from their fair share (in proportion to contracted hours times days present), and each
"rather not" day given or "prefer" day not given; weighted by the scenario's `[rota.weights]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from csgsim.core.calendar import HOURS_PER_DAY
from csgsim.staff.duties import ONCALL
from csgsim.staff.rota import Slots
from csgsim.staff.rules import DAYS_4W, HOURS_16W, HOURS_7D

if TYPE_CHECKING:
    from csgsim.studies.rota import Problem

SCALE = 10  # counts are compared with fair shares in tenths of a duty
WEIGHT_SCALE = 100  # weights are rounded to hundredths


@dataclass
class Built:
    model: Any
    x: dict[tuple[int, int], Any]  # (person, slot) -> Boolean
    y: dict[tuple[int, int], Any]  # (person, day) -> on call that day
    groups: dict[tuple[str, int], Any] = field(default_factory=dict)  # (rule, window) -> enforcement literal


def on_call_limit(p: Problem) -> int | None:
    """On-call days per 4 weeks: the stricter of the rule set and the agreement."""
    limits = [v for v in (p.ruleset.max_oncall_days_per_4w, p.rules.max_oncall_days_per_4w) if v is not None]
    return min(limits) if limits else None


def _literal(b: Built, rule: str, window: int, enforce: bool) -> list:
    if not enforce:
        return []
    if (rule, window) not in b.groups:
        b.groups[rule, window] = b.model.NewBoolVar(f"{rule}_{window}")
    return [b.groups[rule, window]]


def _coverage(b: Built, p: Problem) -> None:
    s = p.slots
    can = s.eligible & ~p.away
    for j in np.flatnonzero(~s.pooled):
        who = np.flatnonzero(can[:, j])
        for q in who:
            b.x[int(q), int(j)] = b.model.NewBoolVar("")
        b.model.AddExactlyOne([b.x[int(q), int(j)] for q in who])
    for q in range(can.shape[0]):
        touching: dict[int, list] = {}
        for j in np.flatnonzero(can[q] & (s.kind == ONCALL)):
            for d in range(s.d0[j], s.d1[j]):
                touching.setdefault(int(d), []).append(b.x[q, int(j)])
        for d, xs in touching.items():
            b.y[q, d] = b.model.NewBoolVar("")
            b.model.AddMaxEquality(b.y[q, d], xs)


def _weekly_reserves(b: Built, p: Problem) -> None:
    """With `reserve_block = "week"`, one reserve for all the standby's openings that start in a
    Monday-Sunday week: someone free for one of them but not all is no reserve that week."""
    s = p.slots
    if p.rules.reserve_block != "week":
        return
    week = (s.start // HOURS_PER_DAY + p.calendar.start.weekday()) // 7
    for w in np.unique(week[s.reserve]):
        group = np.flatnonzero(s.reserve & (week == w))
        for q in range(s.eligible.shape[0]):
            held = [b.x.get((q, int(j))) for j in group]
            if all(v is None for v in held):
                continue
            if any(v is None for v in held):
                for v in held:
                    if v is not None:
                        b.model.Add(v == 0)
                continue
            for v in held[1:]:
                b.model.Add(v == held[0])


def _no_overlap(b: Built, p: Problem) -> None:
    s = p.slots
    order = np.argsort(s.start, kind="stable")
    for i, j in enumerate(order):
        for k in order[i + 1:]:
            if s.start[k] >= s.end[j]:
                break
            for q in range(s.eligible.shape[0]):
                if (q, int(j)) in b.x and (q, int(k)) in b.x:
                    b.model.AddAtMostOne([b.x[q, int(j)], b.x[q, int(k)]])


def _day(b: Built, q: int, d: int) -> Any:
    return b.y.get((q, d), 0)


def _day_rules(b: Built, p: Problem, enforce: bool) -> None:
    """On-call days and free pairs per 4-week window, most days in a row."""
    n_people, n_days = p.slots.eligible.shape[0], p.slots.n_days
    limit, pairs, run = on_call_limit(p), p.ruleset.min_free_pairs_per_4w, p.rules.max_consecutive_days
    for w in range(-(-n_days // DAYS_4W)):
        days = range(w * DAYS_4W, min((w + 1) * DAYS_4W, n_days))
        for q in range(n_people):
            if limit is not None:
                b.model.Add(sum(_day(b, q, d) for d in days) <= limit).OnlyEnforceIf(
                    _literal(b, "oncall_days_4w", w, enforce))
            if pairs and len(days) == DAYS_4W:
                z = [b.model.NewBoolVar("") for _ in days[:-1]]
                for i, d in enumerate(days[:-1]):
                    b.model.Add(z[i] + _day(b, q, d) <= 1)
                    b.model.Add(z[i] + _day(b, q, d + 1) <= 1)
                    if i:
                        b.model.Add(z[i - 1] + z[i] <= 1)
                b.model.Add(sum(z) >= pairs).OnlyEnforceIf(_literal(b, "free_days_4w", w, enforce))
            if run is not None:
                for d in (d for d in days if d + run < n_days):
                    b.model.Add(sum(_day(b, q, e) for e in range(d, d + run + 1)) <= run).OnlyEnforceIf(
                        _literal(b, "consecutive_days", w, enforce))


def _before(p: Problem) -> list[list[int]]:
    """Per slot, the slots that end exactly where it starts (a duty continues through them)."""
    s = p.slots
    by_end: dict[float, list[int]] = {}
    for j in range(len(s)):
        by_end.setdefault(float(s.end[j]), []).append(j)
    return [by_end.get(float(s.start[j]), []) for j in range(len(s))]


def _duty_rules(b: Built, p: Problem, enforce: bool) -> None:
    """Longest duty (a run of contiguous slots) and duties per 7 days and per 16 weeks."""
    s, rs = p.slots, p.ruleset
    before = _before(p)
    after: list[list[int]] = [[] for _ in range(len(s))]
    for j, bs in enumerate(before):
        for i in bs:
            after[i].append(j)
    n_people = s.eligible.shape[0]
    if rs.max_duty_hours is not None:
        for q in range(n_people):
            for j in range(len(s)):
                _forbid_long(b, q, [j], float(s.hours[j]), after, s.hours, rs.max_duty_hours, enforce,
                             int(s.start[j] // (DAYS_4W * HOURS_PER_DAY)))
    for width, limit, rule in ((HOURS_7D, rs.max_duties_per_7d, "duties_7d"),
                               (HOURS_16W, rs.max_duties_per_16w, "duties_16w")):
        if limit is None:
            continue
        n_w = max(1, int(np.ceil(p.calendar.horizon / width)))
        for q in range(n_people):
            starts: dict[int, list] = {}
            for j in range(len(s)):
                if (q, j) not in b.x or s.kind[j] != ONCALL:
                    continue
                st = b.model.NewBoolVar("")
                b.model.Add(st >= b.x[q, j] - sum(b.x[q, i] for i in before[j] if (q, i) in b.x))
                starts.setdefault(min(int(s.start[j] // width), n_w - 1), []).append(st)
            for w, sts in starts.items():
                b.model.Add(sum(sts) <= limit).OnlyEnforceIf(_literal(b, rule, w, enforce))


def _forbid_long(b: Built, q: int, chain: list[int], hours: float, after: list[list[int]], length: np.ndarray,
                 most: float, enforce: bool, window: int) -> None:
    """No person holds every slot of a contiguous chain longer than `most` hours."""
    if any((q, j) not in b.x for j in chain):
        return
    if hours > most + 1e-9:
        b.model.AddBoolOr([b.x[q, j].Not() for j in chain]).OnlyEnforceIf(_literal(b, "duty_length", window, enforce))
        return
    for k in after[chain[-1]]:
        _forbid_long(b, q, chain + [k], hours + float(length[k]), after, length, most, enforce, window)


def _night_weeks(b: Built, p: Problem, enforce: bool) -> None:
    """After a week with `night_week_nights` or more on-call nights, `night_week_rest_days` free days."""
    k, rest = p.rules.night_week_nights, p.rules.night_week_rest_days
    if k is None:
        return
    s, offset = p.slots, p.calendar.start.weekday()
    for q in range(s.eligible.shape[0]):
        weeks: dict[int, list] = {}
        for j in range(len(s)):
            if (q, j) in b.x and s.nights[j]:
                weeks.setdefault(int((s.d0[j] + offset) // 7), []).append((int(s.nights[j]), b.x[q, j]))
        for week, terms in weeks.items():
            heavy = b.model.NewBoolVar("")
            most = sum(n for n, _ in terms)
            b.model.Add(sum(n * x for n, x in terms) <= k - 1 + most * heavy)
            first = (week + 1) * 7 - offset
            for d in range(max(first, 0), min(first + rest, s.n_days)):
                if (q, d) in b.y:
                    b.model.AddImplication(heavy, b.y[q, d].Not()).OnlyEnforceIf(
                        _literal(b, "night_week", d // DAYS_4W, enforce))


def fair_shares(p: Problem, values: np.ndarray) -> np.ndarray:
    """Each person's fair share of the total of `values` over the slots: in proportion to contracted
    hours times days present, among those who may hold the slots."""
    s = p.slots
    hours = np.array([person.hours_per_week for person in p.people])
    present = (~(p.leave | p.unavailable)).sum(axis=1)
    weight = hours * present * s.eligible[:, values > 0].any(axis=1)
    total = float(values.sum())
    return total * weight / weight.sum() if weight.sum() > 0 else np.zeros_like(weight, dtype=float)


def goal_values(s: Slots) -> dict[str, np.ndarray]:
    """Per fairness goal, what each slot adds to a person's count: weekends, nights, holidays and
    on-call hours of the duties held, and the reserve slots apart (a reserve is not a duty)."""
    duty = ~s.reserve
    return {"weekends": (s.weekend & duty).astype(np.int64), "nights": np.where(duty, s.nights, 0),
            "holidays": (s.holiday & duty).astype(np.int64),
            "oncall_hours": np.where((s.kind == ONCALL) & duty & ~s.pooled, s.hours, 0),
            "reserves": s.reserve.astype(np.int64)}


def add_objective(b: Built, p: Problem) -> None:
    """Fairness and wishes, weighted, as the objective to minimise."""
    s, w = p.slots, p.rules.weights
    terms = []
    values = goal_values(s)
    goals = ((w.weekends, values["weekends"]), (w.nights, values["nights"]), (w.holidays, values["holidays"]),
             (w.hours, np.where(s.reserve | s.pooled, 0, s.hours)), (w.reserves, values["reserves"]))
    for weight, values in goals:
        coef = int(round(weight * WEIGHT_SCALE))
        if coef == 0 or not values.any():
            continue
        target = np.rint(SCALE * fair_shares(p, values)).astype(np.int64)
        for q in range(s.eligible.shape[0]):
            count = sum(int(values[j]) * b.x[q, j] for j in range(len(s)) if (q, j) in b.x and values[j])
            dev = b.model.NewIntVar(0, SCALE * int(values.sum()) + int(target[q]), "")
            b.model.Add(dev >= SCALE * count - int(target[q]))
            b.model.Add(dev >= int(target[q]) - SCALE * count)
            terms.append(coef * dev)
    coef = int(round(w.preferences * WEIGHT_SCALE * SCALE))
    if coef:
        for (q, d), y in b.y.items():
            if p.wishes[q, d] < 0:
                terms.append(coef * y)
            elif p.wishes[q, d] > 0:
                terms.append(coef * (1 - y))
    if terms:
        b.model.Minimize(sum(terms))


def make_solver(seed: int, time_limit: float) -> Any:
    """One search worker, a fixed seed and a deterministic time limit: the same plan on any machine."""
    from ortools.sat.python import cp_model

    out = cp_model.CpSolver()
    out.parameters.num_workers = 1
    out.parameters.random_seed = seed % 2**31
    out.parameters.max_deterministic_time = time_limit
    return out


def search(built: Built, seed: int, time_limit: float,
            on_progress: Callable[[int, float | None, float], None] | None, found: int = 0,
            scored: bool = True) -> tuple[str, Any, int]:
    """One CP-SAT search: its status, the solver (for values and time spent) and plans found so
    far; `on_progress(n, unfairness or None without an objective, wall s)` at each plan."""
    from ortools.sat.python import cp_model

    solver = make_solver(seed, time_limit)

    class Progress(cp_model.CpSolverSolutionCallback):
        def __init__(self) -> None:
            super().__init__()
            self.found = found

        def on_solution_callback(self) -> None:
            self.found += 1
            if on_progress is not None:
                on_progress(self.found, self.ObjectiveValue() if scored else None, self.WallTime())

    progress = Progress()
    status = solver.Solve(built.model, progress)
    name = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible"}
    return name.get(status, "unknown"), solver, progress.found


QUARTER_DAYS = 91


def by_quarter(b: Built, p: Problem, values: dict, seed: int, time_limit: float,
               on_progress: Callable[[int, float | None, float], None] | None, found: int, wall: float = 0.0
               ) -> tuple[str, dict, float | None, float]:
    """A fairer plan, one quarter (13 weeks) of slots at a time, every other slot held as in
    `values` (a plan that keeps every rule). Every constraint stays in the model, so a limit
    counted over a window that crosses a quarter's edge is checked against the held slots on the
    other side; the objective is the whole period's. Each quarter gets an equal part of the
    time; the current plan is its hint, so a quarter never ends worse than it began.
    Returns the status, the plan, its unfairness (None if no quarter was solved) and the wall
    time, counted from `wall` (the time spent before)."""
    quarter = (p.slots.start // (QUARTER_DAYS * HOURS_PER_DAY)).astype(np.int64)
    n_q = int(quarter.max()) + 1
    obj = None
    for k in range(n_q):
        m = b.model.Clone()
        sub = Built(m, {key: m.GetBoolVarFromProtoIndex(var.Index()) for key, var in b.x.items()}, {})
        for (q, j), var in sub.x.items():
            if quarter[j] != k:
                m.Add(var == values[q, j])
            else:
                m.AddHint(var, values[q, j])
        shown = None if on_progress is None else (lambda n, o, w, before=wall: on_progress(n, o, before + w))
        name, solver, found = search(sub, seed, time_limit / n_q, shown, found)
        wall += solver.WallTime()
        if name in ("optimal", "feasible"):
            values = {key: solver.Value(var) for key, var in sub.x.items()}
            obj = solver.ObjectiveValue()
    return "feasible", values, obj, wall


def build(p: Problem, objective: bool = True, enforce: bool = False) -> Built:
    """The model; `enforce`: each rule's constraints per window behind an enforcement literal."""
    from ortools.sat.python import cp_model

    b = Built(cp_model.CpModel(), {}, {})
    _coverage(b, p)
    _weekly_reserves(b, p)
    _no_overlap(b, p)
    _day_rules(b, p, enforce)
    _duty_rules(b, p, enforce)
    _night_weeks(b, p, enforce)
    if objective:
        add_objective(b, p)
    return b
