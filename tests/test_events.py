"""Dated events change the expected count by exactly what their parameters say, only in their dates."""

import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csgsim.demand import intensity as demand
from tests.conftest import FLAT, build, region_data

START = date(2025, 1, 1)
DAYS = 365


#: Reports per hour of the flat scenario: low enough that the largest events drawn here keep the
#: rate under the level cap (limits.MAX_LEVEL), which refuses a higher one.
RATE = 0.01


def flat_scenario(events):
    """RATE reports per hour, flat over the year, so extra reports are easy to integrate by hand."""
    region = region_data(acute=365 * 24 * RATE, non_acute=365 * 24 * RATE)
    for kind in ("acute", "non_acute"):
        region["demand"][kind].update({"profile": "flat", "level_year": 2025, "growth_per_year": 0.0,
                                       "seasonality": [1.0] * 12})
    return build({"x": region}, days=DAYS, start=START, events=events, profiles={"flat": FLAT})


def added(events, kind="acute"):
    """Expected extra reports over the horizon at one report an hour, and the multiplier per hour."""
    sc = flat_scenario(events)
    m = demand.intensity(sc, "x", kind) / RATE
    return m.sum() - DAYS * 24, m


def hours_from_start(d):
    return (d - START).days * 24


@settings(max_examples=30, deadline=None)
@given(day=st.integers(-100, 300), effect=st.floats(0.0, 2.0), ramp=st.integers(0, 60))
def test_level_change_adds_effect_times_ramped_exposure(day, effect, ramp):
    """A level change of +u from day s with ramp R adds u*(T - s - R/2) reports at 1/h."""
    start = date.fromordinal(START.toordinal() + day)
    extra, m = added([{"name": "law", "kind": "level", "start": start, "effect": effect, "ramp_days": ramp}])
    s, r, t = hours_from_start(start), ramp * 24, DAYS * 24

    def g(x):  # integral of the ramp from -inf to x
        x = max(x - s, 0.0)
        return x if r == 0 else (x * x / (2 * r) if x < r else r / 2 + x - r)

    assert extra == pytest.approx(effect * (g(t) - g(0)), rel=1e-9, abs=1e-6)
    if s > 0:
        assert np.all(m[: s] == 1.0)  # nothing before the start date


@settings(max_examples=30, deadline=None)
@given(day=st.integers(0, 300), peak=st.floats(0.1, 30.0), decay=st.floats(0.5, 60.0), lasting=st.floats(0.0, 1.0))
def test_spike_adds_its_decaying_and_lasting_parts(day, peak, decay, lasting):
    """A spike adds A*(L*(T-s) + (1-L)*tau*(1-exp(-(T-s)/tau))) and nothing before its day."""
    start = date.fromordinal(START.toordinal() + day)
    ev = {"name": "tv", "kind": "spike", "start": start, "effect": peak, "decay_days": decay, "lasting": lasting,
          "types": ["non_acute"]}
    extra, m = added([ev], kind="non_acute")
    s, tau, t = hours_from_start(start), decay * 24, DAYS * 24
    expect = peak * (lasting * (t - s) + (1 - lasting) * tau * -math.expm1(-(t - s) / tau))
    assert extra == pytest.approx(expect, rel=1e-9)
    assert np.all(m[:s] == 1.0)
    acute_extra, _ = added([ev], kind="acute")
    assert acute_extra == pytest.approx(0.0, abs=1e-6)  # the spike is non-acute only


@pytest.mark.parametrize("carry", [0.0, 10.0])
def test_campaign_bump_ramps_holds_and_carries_over(carry):
    """A campaign adds A*((E-s) - R/2 + tau*(1-exp(-(T-E)/tau))) and nothing outside its reach."""
    start, end = date(2025, 3, 1), date(2025, 5, 1)
    ev = {"name": "c", "kind": "campaign", "start": start, "end": end, "effect": 0.5, "ramp_days": 14,
          "decay_days": carry}
    extra, m = added([ev])
    s, e, r, t = hours_from_start(start), hours_from_start(end), 14 * 24, DAYS * 24
    tail = carry * 24 * -math.expm1(-(t - e) / (carry * 24)) if carry else 0.0
    assert extra == pytest.approx(0.5 * ((e - s) - r / 2 + tail), rel=1e-9)
    assert np.all(m[:s] == 1.0)
    if not carry:
        assert np.all(m[e:] == 1.0)  # a campaign with no carry-over ends on its end date
    else:
        assert np.all(m[e:] >= 1.0) and m[-1] - 1 < 1e-6


def test_events_apply_only_to_their_regions():
    """An event for one region leaves the other region's intensity unchanged."""
    ev = {"name": "local", "kind": "level", "start": date(2025, 6, 1), "effect": 0.5, "regions": ["a"]}
    sc = build({"a": region_data(prefix="a"), "b": region_data(prefix="b")}, events=[ev])
    base = build({"a": region_data(prefix="a"), "b": region_data(prefix="b")})
    assert demand.intensity(sc, "a", "acute").sum() > demand.intensity(base, "a", "acute").sum()
    assert np.array_equal(demand.intensity(sc, "b", "acute"), demand.intensity(base, "b", "acute"))


def test_events_never_wrap_into_a_second_year():
    """A one-off campaign in 2025 has no effect in 2026 of a two-year horizon."""
    ev = {"name": "c", "kind": "campaign", "start": date(2025, 10, 1), "end": date(2025, 11, 1), "effect": 1.0}
    sc = build({"x": region_data()}, days=730, events=[ev])
    base = build({"x": region_data()}, days=730)
    ratio = demand.intensity(sc, "x", "acute") / demand.intensity(base, "x", "acute")
    assert np.all(ratio[365 * 24:] == 1.0) and ratio[hours_from_start(date(2025, 10, 15))] == 2.0
