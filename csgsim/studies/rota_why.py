"""Why no rota exists, in words: counting first, then CP-SAT's own proof.

`precheck` counts per 4-week window the on-call days of each region's first line against what
the people present may hold (Hall's condition, for groups of up to four away together);
`explain` asks CP-SAT for a set of rules and windows that cannot hold together (every rule's
constraints per window carry an assumption literal, `rota_model.Built.groups`).
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

from csgsim.staff.duties import ONCALL
from csgsim.staff.rota import DUTY
from csgsim.staff.rules import DAYS_4W
from csgsim.studies import rota_model

if TYPE_CHECKING:
    from csgsim.studies.rota import Problem

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


def _window_words(p: Problem, w: int) -> str:
    """'July 2026 (4 weeks from 2026-06-29)': the month holding most of the window."""
    first = p.calendar.start + timedelta(days=w * DAYS_4W)
    days = [first + timedelta(days=i) for i in range(min(DAYS_4W, p.calendar.days - w * DAYS_4W))]
    months = [(d.year, d.month) for d in days]
    year, month = max(set(months), key=months.count)
    return f"{date(year, month, 1):%B %Y} ({len(days)} days from {first})"


def precheck(p: Problem) -> list[str]:
    """Reasons no plan can exist, found by counting: a slot nobody may hold, and per 4-week
    window more on-call days of a region's first line to cover than the people present may hold
    (each region's own casemanagers; a joint plan names the region)."""
    s, cal = p.slots, p.calendar
    out = []
    can = s.eligible & ~p.away
    for j in np.flatnonzero(~can.any(axis=0) & ~s.pooled)[:5]:
        out.append(f"{cal.start + timedelta(hours=float(s.start[j]))}: nobody who may hold line "
                   f"{s.line_ids[s.line[j]]!r} is present (leave or unavailability)")
    limit = rota_model.on_call_limit(p)
    if limit is None:
        return out
    short = _all_lines(p, limit)
    for k in (k for k, role in enumerate(s.line_role) if role == DUTY):
        whose = f"{s.line_region[k]}: " if len(p.regions) > 1 else ""
        first = (s.line == k) & (s.kind == ONCALL) & ~s.pooled
        need = np.zeros(s.n_days, dtype=bool)
        for j in np.flatnonzero(first):
            need[s.d0[j]:s.d1[j]] = True
        members = np.flatnonzero(s.eligible[:, s.line == k].any(axis=1))
        if members.size * limit < min(DAYS_4W, int(need.sum())):
            return out + [f"{whose}every 4 weeks: {min(DAYS_4W, int(need.sum()))} on-call days to cover, and the "
                          f"{limit}-per-28 limit lets {members.size} people hold at most {members.size * limit}: the "
                          "team is too small whatever the leave"]
        free = ~(p.leave | p.unavailable)[members]
        names = [p.people[q].id for q in members]
        for w in range(-(-s.n_days // DAYS_4W)):
            days = slice(w * DAYS_4W, min((w + 1) * DAYS_4W, s.n_days))
            why = _short_window(free[:, days], need[days], limit, names)
            if why:
                short.append(f"{whose}{_window_words(p, w)}: {why}")
    return out + short[:MAX_REASONS] + ([f"and {len(short) - MAX_REASONS} more 4-week windows like these"]
                                        if len(short) > MAX_REASONS else [])


def at_once(p: Problem) -> np.ndarray:
    """Per day: the most on-call slots (of every line, reserves counted as if called) that are
    open at one moment in that day's period; each needs its own person, on call that day."""
    s = p.slots
    on = np.flatnonzero((s.kind == ONCALL) & ~s.pooled)
    start, end = s.start[on], s.end[on]
    out = np.zeros(s.n_days, dtype=np.int64)
    day_start = p.regions[0].duty.period_start
    for d in range(s.n_days):
        lo, hi = d * 24.0 + day_start, (d + 1) * 24.0 + day_start
        mine = (start < hi) & (end > lo)
        moments = np.concatenate(([max(lo, 0.0)], start[mine][start[mine] > lo]))
        out[d] = ((start[mine] <= moments[:, None]) & (end[mine] > moments[:, None])).sum(axis=1).max(initial=0)
    return out


def _all_lines(p: Problem, limit: int) -> list[str]:
    """Per 4-week window: more on-call days to hold, counting the duties open at once on each
    day, than everyone who may hold an on-call slot may hold within the limit."""
    s = p.slots
    n = int(s.eligible[:, (s.kind == ONCALL) & ~s.pooled].any(axis=1).sum())
    need, out = at_once(p), []
    for w in range(-(-s.n_days // DAYS_4W)):
        k = int(need[w * DAYS_4W:(w + 1) * DAYS_4W].sum())
        if k > limit * n:
            out.append(f"{_window_words(p, w)}: {k} on-call days to hold, counting the duties of every line open at "
                       f"once (reserves as if called), and the {limit}-per-28 limit lets the {n} people who may hold "
                       f"them hold at most {limit * n}")
    return out


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
    solver = rota_model.make_solver(seed, time_limit)
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
