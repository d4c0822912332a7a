"""Scaling up in peaks (docs/model.md#scaling-up-in-peaks): the trigger opens the standby exactly
when its condition holds, the standby line holds only those hours, it answers calls, and bad
input is refused with the key and value."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csgsim.core.errors import ScenarioError
from csgsim.model import inputs
from csgsim.model.pathways import PRIMARY, RegionModel
from csgsim.staff.duties import NOBODY
from csgsim.staff.absence import overlaps
from csgsim.staff.lines import held_blocks, openings
from csgsim.staff.scaleup import intersect, windows
from tests.conftest import build, region_data

DAY = 24.0
POLICY = {"when_acute_reports": 5, "in_days": 7, "open_days": 7, "start_hour": 18, "end_hour": 32}


def test_exactly_k_reports_in_d_days_open_the_standby_at_the_kth_for_w_days():
    """3 reports within 7 days: open from the third for 7 days; a fourth inside keeps it open."""
    start, end = windows(np.array([0.0, 2 * DAY, 6.5 * DAY]), 3, 7, 7, 1000 * DAY)
    assert start.tolist() == [6.5 * DAY] and end.tolist() == [13.5 * DAY]
    start, end = windows(np.array([0.0, 2 * DAY, 6.5 * DAY, 8 * DAY]), 3, 7, 7, 1000 * DAY)
    assert start.tolist() == [6.5 * DAY] and end.tolist() == [15 * DAY]  # (1, 8]: three again at day 8


def test_reports_just_outside_d_days_or_one_short_open_nothing():
    """A report exactly D days before no longer counts; K - 1 reports never open the standby."""
    assert windows(np.array([0.0, 2 * DAY, 7 * DAY]), 3, 7, 7, 1000 * DAY)[0].size == 0
    assert windows(np.array([0.01, 2 * DAY, 7 * DAY]), 3, 7, 7, 1000 * DAY)[0].tolist() == [7 * DAY]  # just inside
    assert windows(np.array([0.0, 1.0]), 3, 7, 7, 1000 * DAY)[0].size == 0
    assert windows(np.array([]), 1, 7, 7, 1000 * DAY)[0].size == 0


def test_windows_are_cut_at_the_horizon():
    start, end = windows(np.array([0.0, 1.0, 2.0, 50 * DAY]), 3, 7, 7, 5 * DAY)
    assert start.tolist() == [2.0] and end.tolist() == [5 * DAY]


@given(st.lists(st.floats(0, 60 * DAY), max_size=25), st.integers(1, 5), st.integers(1, 10), st.integers(1, 10),
       st.lists(st.floats(0, 70 * DAY), min_size=1, max_size=30))
def test_windows_agree_with_the_rule_counted_by_hand(arrivals, k, d, w, probes):
    """Open at x exactly when some arrival t in (x - W, x] had K or more arrivals in (t - D, t]."""
    t = np.array(arrivals)
    start, end = windows(t, k, d, w, 80 * DAY)
    assert np.all(start[1:] > end[:-1])  # merged, not touching
    for x in probes:
        fired = [a for a in arrivals if x - w * DAY < a <= x and sum(a - d * DAY < b <= a for b in arrivals) >= k]
        is_open = bool(((start <= x) & (x < end)).any())
        assert is_open == bool(fired), (x, fired)


def test_intersect_cuts_the_line_hours_to_the_windows():
    """Evening-and-night openings 18:00-08:00 meet a window from hour 30 to hour 70."""
    opening = (np.array([18.0, 42.0, 66.0, 90.0]), np.array([32.0, 56.0, 80.0, 104.0]))
    start, end = intersect(opening, (np.array([30.0]), np.array([70.0])))
    assert start.tolist() == [30.0, 42.0, 66.0] and end.tolist() == [32.0, 56.0, 70.0]
    touching = (np.array([0.0, 24.0]), np.array([24.0, 48.0]))  # a 24-hour line: each opening its own piece
    assert intersect(touching, (np.array([10.0]), np.array([40.0])))[0].tolist() == [10.0, 24.0]
    assert intersect(opening, (np.array([]), np.array([])))[0].size == 0


def scaleup_region(policy=None, acute=200.0):
    body = region_data(prefix="x", team=5, acute=acute, absence={"enabled": False})
    if policy is not None:
        body["scaleup"] = dict(policy)
    return body


def sampled_run(policy, seed=5):
    sc = build({"x": scaleup_region(policy)}, days=56, start=date(2025, 1, 6), scenario={"warmup_days": 0})
    plan = inputs.plan(sc, "x")
    sampled = inputs.sample(plan, seed, 0)
    return plan, sampled, RegionModel(plan.region, plan.calendar, sampled).run()


def test_standby_holds_only_triggered_evening_and_night_hours_and_answers_calls():
    """The standby line is held in exactly its 18:00-08:00 hours inside the trigger's windows (5
    people, no absence: someone is always free), and some weeks stay closed; with it, more acute calls are answered at the first step by someone other than the duty holder than
    in the same seed without it (there is no other extra line)."""
    plan, sampled, rec = sampled_run(POLICY)
    (standby,) = sampled.lines
    held = standby.person != NOBODY
    start, end = windows(sampled.acute.arrival, 5, 7, 7, plan.calendar.horizon)
    assert 0 < (end - start).sum() < plan.calendar.horizon - 7 * DAY  # some weeks open, some closed
    at = np.searchsorted(start, standby.start[held], side="right") - 1
    assert np.all(at >= 0) and np.all(standby.end[held] <= end[at])
    line_hours = intersect(openings(plan.region.scaleup.line, plan.calendar), (start, end))
    assert (standby.end - standby.start)[held].sum() == pytest.approx((line_hours[1] - line_hours[0]).sum())
    hour = standby.start[held] % DAY
    assert np.all((hour >= 18) | (hour < 8)) and np.all(standby.end[held] - standby.start[held] <= 14)
    for s, e, p in zip(standby.start[held], standby.end[held], standby.person[held]):
        overlap = (sampled.primary.start < e) & (sampled.primary.end > s)
        assert p not in sampled.primary.person[overlap]

    def by_second(rec, sampled):
        first = rec.eng_role == PRIMARY
        return sum(p != sampled.primary.holder_at(t) for p, t in zip(rec.eng_person[first], rec.eng_start[first]))

    _, base_sampled, base_rec = sampled_run(None)
    assert np.array_equal(base_sampled.acute.arrival, sampled.acute.arrival)
    assert by_second(base_rec, base_sampled) == 0 < by_second(rec, sampled)


def test_a_policy_in_defaults_applies_to_every_region_and_keeps_provenance():
    data = {"scaleup": POLICY | {"when_acute_reports": {"value": 4, "assumption": "four in a week is a peak"}}}
    sc = build({"x": region_data(prefix="x"), "y": region_data(prefix="y")}, defaults=data)
    assert sc.regions["x"].scaleup.when_acute_reports == 4 and sc.regions["y"].scaleup.line.id == "standby"
    assert sc.provenance["regions.x.scaleup.when_acute_reports"].startswith("assumption:")
    assert build({"x": region_data(prefix="x")}).regions["x"].scaleup is None


@pytest.mark.parametrize(("patch", "key", "allowed"), [
    ({"when_acute_reports": 0}, "scaleup.when_acute_reports = 0", "allowed range"),
    ({"in_days": 2.5}, "scaleup.in_days = 2.5", "integer"),
    ({"open_days": -1}, "scaleup.open_days = -1", "allowed range"),
    ({"end_hour": 50}, "scaleup.end_hour = 50", "allowed range"),
    ({"people": ["nobody"]}, "scaleup.people", "allowed"),
    ({"optional": True}, "scaleup.optional = True", "trigger"),
    ({"when": 3}, "scaleup.when", "not a known key"),
])
def test_bad_policies_name_key_value_and_rule(patch, key, allowed):
    with pytest.raises(ScenarioError, match=allowed) as err:
        build({"x": scaleup_region(POLICY | patch)})
    assert key in str(err.value)


def test_missing_trigger_key_is_named():
    with pytest.raises(ScenarioError, match="scaleup.in_days is missing"):
        build({"x": scaleup_region({k: v for k, v in POLICY.items() if k != "in_days"})})


def test_standby_hours_are_priced_as_on_call_hours_of_a_line():
    """The cost model prices every line a region's people hold: the standby adds exactly its
    held hours to the priced on-call hours, and so to the allowance."""
    from csgsim.analysis.costs import year_costs

    out = []
    for policy in (None, POLICY):
        plan, sampled, rec = sampled_run(policy)
        out.append(year_costs(rec, plan.region, sampled, plan.calendar, 2025, 0.0, plan.calendar.horizon))
    (standby,) = sampled.lines
    held = standby.person != NOBODY
    assert out[1]["oncall_hours"] - out[0]["oncall_hours"] == pytest.approx((standby.end - standby.start)[held].sum())
    assert out[1]["allowance"] > out[0]["allowance"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.integers(1, 6), st.integers(1, 8))
def test_standby_is_never_held_by_someone_absent_or_on_another_duty(seed, team, k):
    """With sickness and an extra weekend line, the standby goes round people who are present
    and hold no other duty at the time, like any extra line."""
    weekend = {"id": "weekend", "days": ["saturday"], "start_hour": 9, "end_hour": 21}
    body = region_data(prefix="x", team=team, acute=300.0, absence={"enabled": True, "short_spells_per_year": 12.0})
    body["lines"], body["scaleup"] = [weekend], POLICY | {"when_acute_reports": k, "start_hour": 12, "end_hour": 36}
    plan = inputs.plan(build({"x": body}, days=42), "x")
    sampled = inputs.sample(plan, seed, 0)
    n_people = len(plan.region.people)
    duties = held_blocks([sampled.primary, *sampled.lines], n_people)
    for p in range(n_people):
        mine = duties.person == p
        assert np.all(duties.start[mine][1:] >= duties.end[mine][:-1])
    standby = sampled.lines[1]
    held = standby.person != NOBODY
    away = overlaps(sampled.spells, n_people, standby.start[held], standby.end[held])
    assert not away[standby.person[held], np.arange(held.sum())].any()
