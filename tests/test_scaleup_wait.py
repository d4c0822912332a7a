"""The wait trigger of a scale-up policy (docs/model.md#scaling-up-in-peaks): a call that waited
more than `when_call_waited_min` opens the standby for exactly the next roster week, decided
during the run; the standby so opened respects absence and other duties and loses no work."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csgsim.core.errors import ScenarioError
from csgsim.model import inputs
from csgsim.model.pathways import RegionModel
from csgsim.staff.absence import overlaps
from csgsim.staff.duties import NOBODY
from csgsim.staff import scaleup
from csgsim.staff.lines import held_blocks
from csgsim.staff.scaleup import cut, week_starts
from tests.conftest import build, region_data
from tests.handbuilt import FIXED, run_inputs, scenario

WAIT = {"when_call_waited_min": 30, "start_hour": 18, "end_hour": 32}
#: A day-0 call-out keeps the duty holder busy this long (tests.handbuilt.FIXED).
BUSY = FIXED["callback"] + FIXED["phone"] + 2 * FIXED["travel"] + FIXED["on_site"]
NO_CHAIN = {"callin": False, "neighbour": "none"}


def with_arrivals(plan, inp):
    """The inputs with the standby planned from their own (hand-built) acute arrivals."""
    n_people = len(plan.region.people)
    held, standby = scaleup.standby(plan.region.scaleup, inp.acute.arrival, {p.id: k for k, p in
                                    enumerate(plan.region.people)}, plan.calendar, [inp.primary, *inp.lines[:-1]],
                                    inp.spells, n_people, week_starts(plan.calendar, "monday", 9))
    return replace(inp, lines=(*inp.lines[:-1], held), standby=standby)


def waited_run(minutes: float, policy=WAIT, at: float = 10.0, team: int = 3):
    """Two calls on Monday 6 January 2025 (hand-over Mondays 09:00), no backup, call-in or
    neighbour: the second arrives while the first is under way and waits `minutes` for it."""
    sc = scenario(team=team, days=21, escalation=NO_CHAIN, scaleup=policy)
    plan, inp = run_inputs(sc, [at, at + BUSY - minutes / 60])
    inp = with_arrivals(plan, inp)
    model = RegionModel(plan.region, plan.calendar, inp)
    return plan, inp, model, model.run()


def held_hours(schedule) -> tuple[float, float, float]:
    """First and last held hour of the standby, and its held hours in all."""
    held = schedule.person != NOBODY
    if not held.any():
        return np.nan, np.nan, 0.0
    return schedule.start[held].min(), schedule.end[held].max(), float((schedule.end - schedule.start)[held].sum())


def test_a_call_that_waited_31_minutes_opens_exactly_the_next_roster_week():
    """Weeks run from Monday 09:00 (hour 9 + 168 k): a wait crossing 30 min on Monday of the first
    week opens the standby's 18:00-08:00 openings of the second week only (Monday 13 January 18:00
    to Monday 20 January 08:00: 7 openings of 14 h), none before."""
    _, inp, model, rec = waited_run(31)
    assert rec.acute_answered[1] - rec.acute_arrival[1] == pytest.approx(31 / 60)
    assert model.trigger.opened == {2}
    assert held_hours(inp.lines[-1]) == (pytest.approx(177 + 9), pytest.approx(345 - 1), pytest.approx(7 * 14))


def test_a_call_that_waited_29_minutes_opens_nothing():
    _, inp, model, rec = waited_run(29)
    assert rec.acute_answered[1] - rec.acute_arrival[1] == pytest.approx(29 / 60)
    assert model.trigger.opened == set() and held_hours(inp.lines[-1])[2] == 0.0


def test_a_wait_in_the_last_hours_of_a_week_opens_the_week_after_the_next_hand_over():
    """A call at Monday 13 January 06:00 that waits 31 min crosses 30 min at 06:30, before that
    Monday's 09:00 hand-over: the standby opens from it (hour 177) for one week."""
    _, inp, model, _ = waited_run(31, at=7 * 24 + 6 - BUSY / 2)
    assert model.trigger.opened == {2}
    start, end, hours = held_hours(inp.lines[-1])
    assert start >= 177 and end <= 345 and hours == pytest.approx(7 * 14)


def test_the_opened_standby_answers_a_call_the_first_line_cannot():
    """In the opened week, a second call during a call-out goes to the standby at once."""
    sc = scenario(team=3, days=21, escalation=NO_CHAIN, scaleup=WAIT)
    t = 7 * 24 + 20.0  # Monday 13 January 20:00, inside the standby's first opened evening
    plan, inp = run_inputs(sc, [10.0, 10.0 + BUSY - 31 / 60, t, t + 1.0])
    inp = with_arrivals(plan, inp)
    rec = RegionModel(plan.region, plan.calendar, inp).run()
    assert not rec.acute_waited[3] and rec.acute_answered[3] == pytest.approx(t + 1.0)
    assert rec.acute_responder[3] == inp.lines[-1].holder_at(t + 1.0) != rec.acute_responder[2]


def test_a_call_in_answering_after_its_delay_counts_as_the_wait():
    """With call-in on and a fixed 40-minute call-in delay, a call nobody on duty can take waits
    40 minutes for the colleague called in: that opens the next week too."""
    delay = {"dist": "fixed", "value": 40 / 60}
    sc = scenario(team=3, days=21, escalation={"callin": True, "callin_reach": 1.0, "callin_delay": delay,
                                               "neighbour": "none"}, scaleup=WAIT)
    plan, inp = run_inputs(sc, [10.0, 11.0])
    inp = with_arrivals(plan, inp)
    model = RegionModel(plan.region, plan.calendar, inp)
    rec = model.run()
    assert rec.acute_answered[1] - rec.acute_arrival[1] == pytest.approx(40 / 60)
    assert model.trigger.opened == {2}


def test_both_triggers_together_open_the_standby_when_either_holds():
    """Arrivals alone: the standby is held in their windows; a long wait adds the next week."""
    both = WAIT | {"when_acute_reports": 2, "in_days": 1, "open_days": 1}
    _, inp, model, _ = waited_run(31, both)
    assert model.trigger.opened == {2}
    schedule = inp.lines[-1]
    held = schedule.person != NOBODY
    early = schedule.start[held] < 177  # the two calls on Monday open the first evening and night
    assert (schedule.start[held][early].min(), schedule.end[held][early].max()) == (18.0, 32.0)
    assert held_hours(schedule)[2] == pytest.approx(14 + 7 * 14)


def test_week_starts_and_cut():
    sc = scenario(days=21)
    weeks = week_starts(sc.simulation_calendar, "wednesday", 9)
    assert weeks.tolist() == [2 * 24 + 9 - 168, 2 * 24 + 9, 9 * 24 + 9, 16 * 24 + 9]
    start, end = cut((np.array([0.0, 30.0]), np.array([24.0, 40.0])), np.array([10.0, 35.0, 50.0]))
    assert start.tolist() == [0.0, 10.0, 30.0, 35.0] and end.tolist() == [10.0, 24.0, 35.0, 40.0]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.integers(1, 5), st.sampled_from([1.0, 10.0, 30.0]), st.sampled_from([150.0, 600.0]))
def test_no_standby_duty_while_absent_or_on_another_duty_and_nothing_lost(seed, team, minutes, level):
    """With sickness, a busy region (some weeks open, some not) and a short threshold, the standby
    as the run held it goes to people present and free of other duties; every acute report is
    answered or still waiting, every report answered has its call-out (the kernel's invariants,
    tests/test_kernel_properties); and the weeks opened are exactly those after a long wait."""
    body = region_data(prefix="x", team=team, acute=level, absence={"enabled": True, "short_spells_per_year": 12.0},
                       escalation=NO_CHAIN)
    body["scaleup"] = WAIT | {"when_call_waited_min": minutes, "start_hour": 12, "end_hour": 36}
    plan = inputs.plan(build({"x": body}, days=35, start=date(2025, 1, 6)), "x")
    sampled = inputs.sample(plan, seed, 0)
    model = RegionModel(plan.region, plan.calendar, sampled)
    rec = model.run()
    n_people = len(plan.region.people)
    duties = held_blocks([sampled.primary, *sampled.lines], n_people)
    for p in range(n_people):
        mine = duties.person == p
        assert np.all(duties.start[mine][1:] >= duties.end[mine][:-1])
    standby = sampled.lines[-1]
    held = standby.person != NOBODY
    away = overlaps(sampled.spells, n_people, standby.start[held], standby.end[held])
    assert not away[standby.person[held], np.arange(held.sum())].any()
    waiting = {i for i, _ in model.calls.waiting}
    assert set(np.flatnonzero(rec.acute_responder == NOBODY).tolist()) == waiting
    assert set(np.flatnonzero(rec.acute_role >= 0).tolist()) == set(rec.eng_report.tolist())
    waits = np.where(np.isnan(rec.acute_answered), plan.calendar.horizon, rec.acute_answered) - rec.acute_arrival
    weeks = week_starts(plan.calendar, "monday", 9)
    late = np.searchsorted(weeks, rec.acute_arrival[waits > minutes / 60] + minutes / 60, side="right")
    assert model.trigger.opened == set(late[late < weeks.size].tolist())


@pytest.mark.parametrize(("policy", "message"), [
    ({"start_hour": 18, "end_hour": 32}, "scaleup has no trigger"),
    ({"when_call_waited_min": 0, "start_hour": 18, "end_hour": 32}, "when_call_waited_min = 0"),
    ({"when_call_waited_min": "30", "start_hour": 18, "end_hour": 32}, "expected a number"),
    ({"when_call_waited_min": 20000, "start_hour": 18, "end_hour": 32}, "allowed range"),
    (WAIT | {"in_days": 7}, "in_days = 7 is not allowed; in_days and open_days belong to when_acute_reports"),
    (WAIT | {"when_acute_reports": 3, "in_days": 7}, "scaleup.open_days is missing"),
])
def test_bad_wait_policies_are_refused_with_the_key(policy, message):
    with pytest.raises(ScenarioError, match=message):
        build({"x": region_data(prefix="x") | {"scaleup": policy}})


def test_opening_a_week_changes_the_roles_of_that_week_alone():
    """In the run's roles, the standby is held at the hand-overs of its seven evenings in the
    opened week and at no hand-over outside it."""
    _, _, model, _ = waited_run(31)
    calls, trigger = model.calls, model.trigger
    start, end = trigger.weeks[2], trigger.weeks[3]
    standby = [(start <= t < end, row[trigger.role]) for t, row in zip(calls.changes, calls.held)]
    assert sum(inside and who != NOBODY for inside, who in standby) == 7  # its seven evenings
    assert all(who == NOBODY for inside, who in standby if not inside)
