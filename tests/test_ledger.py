"""The Ledger's 4-week day rules against the straightforward count on a whole roster.

`Ledger` keeps per person and window the counts its questions need and walks a block's windows
(`_groups`) with byte counts; these tests redo each answer from the roster's busy days with numpy.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from csgsim.config.staffing import RuleSet
from csgsim.core.calendar import Calendar
from csgsim.staff.duties import NOBODY, ONCALL, PATTERNS, Schedule, base_schedule
from csgsim.staff.ledger import Ledger
from csgsim.staff.rules import DAYS_4W, _day_span, free_pairs


def busy_days(person: np.ndarray, sched: Schedule, p: int, n_days: int, day_start: float) -> np.ndarray:
    """Days on which `p` holds an on-call block, straight from the roster."""
    d0, d1 = _day_span(sched.start, sched.end, n_days, day_start)
    busy = np.zeros(n_days, dtype=bool)
    for b in np.flatnonzero((person == p) & (sched.kind == ONCALL)).tolist():
        busy[d0[b]:d1[b]] = True
    return busy


def days_fit_reference(ledger: Ledger, person: np.ndarray, sched: Schedule, p: int, b: int,
                       day_start: float) -> bool:
    """The day rules by their definition: no window whose on-call days rise ends above the
    maximum, and no whole window whose free pairs fall ends below the minimum."""
    n_days = len(ledger._touch[p])
    before = busy_days(person, sched, p, n_days, day_start)
    taken = person.copy()
    taken[b] = p
    after = busy_days(taken, sched, p, n_days, day_start)
    rs = ledger.ruleset
    for lo, hi in ledger._bounds:
        was, now = int(before[lo:hi].sum()), int(after[lo:hi].sum())
        if rs.max_oncall_days_per_4w is not None and now > was and now > rs.max_oncall_days_per_4w:
            return False
        if rs.min_free_pairs_per_4w is not None and hi - lo == DAYS_4W:
            was, now = int(free_pairs(~before[lo:hi])[0]), int(free_pairs(~after[lo:hi])[0])
            if now < was and now < rs.min_free_pairs_per_4w:
                return False
    return True


@st.composite
def edited_rosters(draw):
    """A base roster, random hand-overs applied to it, and on-call blocks then vacated to probe."""
    team = draw(st.integers(2, 6))
    cal = Calendar(draw(st.sampled_from([date(2025, 9, 1), date(2025, 12, 20)])), draw(st.integers(28, 84)))
    sched = base_schedule(draw(st.sampled_from(PATTERNS)), team, cal)
    day_start, origin = draw(st.sampled_from([0.0, 9.0])), 24.0 * draw(st.integers(0, 30))
    oncall = np.flatnonzero(sched.kind == ONCALL).tolist()
    moves = draw(st.lists(st.tuples(st.sampled_from(oncall), st.integers(NOBODY, team - 1)), max_size=40))
    probes = draw(st.lists(st.sampled_from(oncall), min_size=1, max_size=6, unique=True))
    return sched, team, day_start, origin, moves, probes


def tight_rules(data, ledger: Ledger, probes: list[int]) -> RuleSet:
    """Day rules that bite: a minimum of free pairs at or one above what a whole window that a
    probed block touches has, where one new on-call day decides; any maximum of days."""
    pairs = {ledger._free[p][w] for p in range(len(ledger._free)) for b in probes
             for w, _, _, lo, hi in ledger._groups[b] if hi - lo == DAYS_4W} - {None}
    least = data.draw(st.none() | st.sampled_from(sorted(pairs | {2})))
    return RuleSet(name="tight", max_oncall_days_per_4w=data.draw(st.none() | st.integers(1, 14)),
                   min_free_pairs_per_4w=None if least is None else least + data.draw(st.integers(0, 1)))


def edited(sched: Schedule, team: int, rules: RuleSet, day_start: float, origin: float,
           moves: list[tuple[int, int]], probes: list[int]) -> tuple[Ledger, np.ndarray]:
    """A ledger of `sched` taken through the hand-overs and the vacated probes, and the roster's holders."""
    ledger, person = Ledger(sched, team, rules, day_start, origin), sched.person.copy()
    for b, p in moves + [(b, NOBODY) for b in probes]:
        ledger.remove(b)
        person[b] = NOBODY
        if p != NOBODY:
            ledger.add(p, b)
            person[b] = p
    return ledger, person


@settings(max_examples=150, deadline=None)
@given(case=edited_rosters(), data=st.data())
def test_days_fit_and_counts_follow_the_roster(case, data) -> None:
    """After any hand-overs (`remove`, `add`), `_days_fit` answers as the day rules counted on
    the whole roster do, and the kept counts are those a ledger built from scratch has."""
    sched, team, day_start, origin, moves, probes = case
    _, person = edited(sched, team, RuleSet(name="none"), day_start, origin, moves, probes)
    # Built from scratch (every window's free pairs counted), with rules drawn from its counts.
    fresh = Ledger(Schedule(start=sched.start, end=sched.end, person=person, kind=sched.kind), team,
                   RuleSet(name="none"), day_start, origin)
    rules = tight_rules(data, fresh, probes)
    ledger, _ = edited(sched, team, rules, day_start, origin, moves, probes)
    assert ledger._touch == fresh._touch and ledger._busy == fresh._busy
    assert ledger._busy_days == fresh._busy_days
    for kept, counted in zip(ledger._free, fresh._free):
        assert all(k is None or k == c for k, c in zip(kept, counted))
    for b in probes:
        for p in range(team):
            assert ledger._days_fit(p, b) == days_fit_reference(ledger, person, sched, p, b, day_start), (b, p)
