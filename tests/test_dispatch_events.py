"""Waiting calls are served by events (issue 18, item 2) and the chain's random quantities are
marks of each report (item 5): hand-built runs and paired variants."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from csgsim.core.streams import keyed_uniform
from csgsim.model import inputs
from csgsim.model.dispatch import CALLIN, ChainInputs, Reach
from csgsim.model.pathways import AcuteInputs, RegionModel
from csgsim.staff.absence import Spells
from csgsim.staff.duties import ONCALL, Schedule
from tests.conftest import build, region_data
from tests.test_escalation import ON_SITE, tiny_region


def run_with_absence(arrivals, absent_until: float, reach=None, absent_from: float = 0.0):
    """Person 0 holds the duty, no backup, person 1 is off duty and absent from `absent_from`
    until `absent_until`; the coordinator (2) is never reached for a call-in."""
    sc = build({"x": tiny_region(backup={"kind": "none"})}, days=3)
    plan = inputs.plan(sc, "x")
    sampled = inputs.sample(plan, 0, 0)
    n, horizon = len(arrivals), plan.calendar.horizon
    zeros = np.zeros(n)
    whole = (np.array([0.0]), np.array([horizon]), np.array([ONCALL], dtype=np.int8))
    sampled = replace(
        sampled,
        acute=AcuteInputs(np.array(arrivals, float), zeros, zeros, zeros, np.full(n, ON_SITE), zeros, np.zeros((n, 0))),
        primary=Schedule(start=whole[0], end=whole[1], person=np.array([0]), kind=whole[2]),
        backup=None, more_backups=(),
        spells=Spells(person=np.array([1]), start=np.array([absent_from]), end=np.array([absent_until]),
                      kind=np.array([0], dtype=np.int8)),
        chain=ChainInputs(np.tile([True, True, False], (n, 1)) if reach is None else reach, zeros, zeros, True, False),
    )
    return RegionModel(plan.region, plan.calendar, sampled).run()


def test_a_waiting_call_goes_to_a_colleague_back_from_absence():
    """The duty holder is on a 3 h call-out from 0 h; a call at 1 h waits; the off-duty colleague
    is back at 2 h and is called in then (before: at 3 h, when the duty holder was free again,
    because only a release or a duty change retried waiting calls)."""
    rec = run_with_absence([0.0, 1.0], absent_until=2.0)
    assert rec.acute_role.tolist()[1] == CALLIN
    assert rec.acute_answered[1] == pytest.approx(2.0)


def test_a_colleague_not_reached_at_first_is_asked_again_when_available_anew():
    """Reach is drawn per attempt: the colleague does not answer the attempt when call 1 comes
    in (0.5 h); after an absence from 1 h to 2 h they are asked again and answer (before: drawn
    once per report, so call 1 waited for the duty holder until 3 h)."""
    class SecondTime(Reach):
        def __init__(self):
            super().__init__([], [], 0.5)

        def __call__(self, i, person, attempt):
            return person == 1 and attempt >= 1

    rec = run_with_absence([0.0, 0.5], absent_until=2.0, reach=SecondTime(), absent_from=1.0)
    assert rec.acute_role.tolist()[1] == CALLIN
    assert rec.acute_answered[1] == pytest.approx(2.0)


def test_keyed_uniform_depends_on_every_key_and_only_on_them():
    a = [keyed_uniform(7, p, k) for p in range(3) for k in range(3)]
    assert len(set(a)) == 9 and all(0.0 <= x < 1.0 for x in a)
    assert keyed_uniform(7, 1, 2) == a[5]
    u = np.array([keyed_uniform(r, 99, 0) for r in range(4000)])
    assert abs(u.mean() - 0.5) < 0.02 and abs((u < 0.25).mean() - 0.25) < 0.03


def test_more_demand_keeps_every_baseline_report_s_chain_draws():
    """With +50% acute demand, every baseline report keeps its call-in delay, neighbour delay
    and call-in answers (before: only about 6% kept them, drawn by position in arrival order)."""
    esc = {"callin": True, "callin_reach": 0.5, "callin_delay": {"dist": "uniform", "low": 0.0, "high": 1.0},
           "neighbour": "external", "neighbour_delay": {"dist": "uniform", "low": 0.0, "high": 1.0}}
    base, more = (build({"x": region_data(prefix="x", team=4, acute=level, escalation=esc)}, days=120)
                  for level in (200.0, 300.0))
    a, b = (inputs.sample(inputs.plan(sc, "x"), 3, 1) for sc in (base, more))
    keep = np.flatnonzero(np.isin(b.acute.arrival, a.acute.arrival))
    assert a.acute.arrival.size > 20 and keep.size == a.acute.arrival.size
    assert np.array_equal(a.chain.callin_delay, b.chain.callin_delay[keep])
    assert np.array_equal(a.chain.neighbour_delay, b.chain.neighbour_delay[keep])
    answers = [[r(i, p, k) for p in range(4) for k in range(3)] for r, idx in ((a.chain.reached, range(keep.size)),
                                                                           (b.chain.reached, keep.tolist()))
               for i in idx]
    half = len(answers) // 2
    assert answers[:half] == answers[half:]


def test_a_waiting_call_goes_to_the_next_duty_holder_at_the_hand_over():
    """Duty in 1 h blocks: person 0 until 10 h after nine quiet hand-overs, person 1 from then.
    Person 0 takes a 3 h call-out at 8 h; a call at 8.5 h finds no one free (no backup, no
    call-in) and is answered at the 10 h hand-over by person 1, not at 11 h when person 0 is
    free again. Duty hand-overs have no event while no call waits: this checks that a waiting
    call wakes them, and that the roles read at 10 h are the new ones."""
    sc = build({"x": tiny_region(backup={"kind": "none"})}, days=2)
    plan = inputs.plan(sc, "x")
    sampled = inputs.sample(plan, 0, 0)
    horizon = plan.calendar.horizon
    starts = np.arange(0.0, horizon, 1.0)
    holders = np.where(starts < 10.0, 0, 1)
    n = 2
    zeros = np.zeros(n)
    sampled = replace(
        sampled,
        acute=AcuteInputs(np.array([8.0, 8.5]), zeros, zeros, zeros, np.full(n, ON_SITE), zeros, np.zeros((n, 0))),
        primary=Schedule(start=starts, end=starts + 1.0, person=holders, kind=np.full(starts.size, ONCALL, np.int8)),
        backup=None, more_backups=(), spells=Spells.empty(), chain=None,
    )
    rec = RegionModel(plan.region, plan.calendar, sampled).run()
    assert rec.acute_responder.tolist() == [0, 1]
    assert rec.acute_waited.tolist() == [False, True]
    assert rec.acute_answered[1] == pytest.approx(10.0)


def test_a_run_with_calls_still_waiting_at_the_horizon_leaves_no_cycle_of_its_own():
    """`dismantle` breaks every reference cycle a finished run leaves, calls still waiting at
    the horizon included (their callback holds the model), so reference counting frees the run
    and the collector finds only the few objects simpy.Environment binds to itself."""
    import gc

    arrivals = [0.1 * k for k in range(300)]  # 300 call-outs of 3 h: the last wait past the horizon
    run_with_absence(arrivals, absent_until=1000.0)  # imports and caches first
    gc.collect()
    gc.disable()
    try:
        rec = run_with_absence(arrivals, absent_until=1000.0)
        found = gc.collect()
    finally:
        gc.enable()
    assert (rec.acute_role == -1).sum() > 0  # some calls were still waiting
    assert found < 100, found  # simpy's Environment and its bound methods: 8 (the model: over 1,000)
