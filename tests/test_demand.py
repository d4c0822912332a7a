"""The arrival sampler against its intensity, and the intensity against its parameters."""

from datetime import date

import numpy as np
import pytest
from scipy import stats

from csgsim import demand, inputs
from tests.conftest import build, region_data


def test_hourly_counts_fit_the_integrated_intensity(three_regions):
    """Counts per hour-of-week over many replications agree with the intensity (chi-square)."""
    plan = inputs.plan(three_regions, "rotterdam")
    rate = plan.acute_rate
    how = np.arange(rate.size) % 168  # the horizon starts at 00:00, so hour index mod 168 is fixed
    expected = np.bincount(how, rate, minlength=168)
    observed = np.zeros(168)
    reps = 40
    for rep in range(reps):
        t = demand.sample_arrivals(rate, 0.0, inputs.stream(1, rep, "rotterdam", "acute_arrivals"),
                                   inputs.stream(1, rep, "rotterdam", "acute_weeks"))
        observed += np.bincount((t // 1).astype(int) % 168, minlength=168)
    expected *= reps
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert stats.chi2.sf(chi2, 167) > 0.01
    assert abs(observed.sum() / expected.sum() - 1) < 0.02


def test_annual_level_is_the_expected_count_of_each_calendar_year(three_regions):
    """Seasonality, profile and holidays move reports within a year, never change its total."""
    region = three_regions.regions["friesland"]
    for kind in ("acute", "non_acute"):
        rate = demand.intensity(three_regions, "friesland", kind)
        assert rate.sum() == pytest.approx(region.demand(kind).annual_level(2025), rel=1e-12)


def test_default_acute_profile_puts_55_percent_outside_business_hours(three_regions):
    """The shipped acute profile matches the Canberra figure: 55% outside Mon-Fri 09-17."""
    w = three_regions.regions["zeeland"].acute.profile.weights.reshape(7, 24)
    inside = w[:5, 9:17].sum() / w.sum()
    assert 1 - inside == pytest.approx(0.55, abs=0.01)


def test_arrivals_are_sorted_and_inside_the_horizon(three_regions):
    """Arrival times are increasing and fall in [0, horizon)."""
    plan = inputs.plan(three_regions, "zeeland")
    t = inputs.sample(plan, 5, 0).non_acute.arrival
    assert np.all(np.diff(t) >= 0) and t.min() >= 0 and t.max() < plan.calendar.horizon
