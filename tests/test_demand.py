"""The arrival sampler against its intensity, and the intensity against its parameters."""


import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from csgsim.demand import intensity as demand

from csgsim.core import streams
from csgsim.model import inputs
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
        t, _ = demand.sample_arrivals(rate, 0.0, lambda k: streams.stream(1, rep, "rotterdam", "acute_arrivals", k),
                                      streams.stream(1, rep, "rotterdam", "acute_weeks"))
        observed += np.bincount((t // 1).astype(int) % 168, minlength=168)
    expected *= reps
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert stats.chi2.sf(chi2, 167) > 0.001  # two checks on one seed: 99.9% each
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


def weekly_counts(cv: float, weekly_mean: float, weeks: int, seed: int) -> np.ndarray:
    rate = np.full(weeks * 168, weekly_mean / 168)
    t, _ = demand.sample_arrivals(rate, cv, lambda k: np.random.default_rng([seed, k]), np.random.default_rng(seed + 1))
    return np.bincount((t // 168).astype(int), minlength=weeks)


@pytest.mark.parametrize("cv", [0.3, 0.6])
def test_overdispersion_variance_follows_the_gamma_mixture(cv):
    """With week factor CV c, weekly counts have variance mu + (c mu)^2 (negative binomial)."""
    mu = 6.0
    n = weekly_counts(cv, mu, 20_000, seed=3)
    expected_var = mu + (cv * mu) ** 2
    assert n.mean() == pytest.approx(mu, rel=0.02)
    assert n.var(ddof=1) == pytest.approx(expected_var, rel=0.05)


def test_no_overdispersion_gives_poisson_weeks():
    """With CV 0 the weekly counts are Poisson: the dispersion test does not reject."""
    n = weekly_counts(0.0, 6.0, 20_000, seed=4)
    dispersion = ((n - n.mean()) ** 2).sum() / n.mean()  # ~ chi2(weeks - 1) under Poisson
    assert 0.01 < stats.chi2.sf(dispersion, n.size - 1) < 0.99


@pytest.mark.parametrize(("annual", "cv"), [(65.0, 0.0), (65.0, 0.5), (250.0, 0.0), (250.0, 0.5)])
def test_zero_and_heavy_week_shares_match_the_negative_binomial(annual, cv):
    """The reported shares of weeks with 0 and with 5+ acute reports match NB(mu, cv) analytically."""
    from csgsim.runtime import replications
    from csgsim.analysis.confidence import confidence_interval
    from tests.conftest import FLAT

    region = region_data(acute=annual, non_acute=0.0)
    region["demand"]["acute"].update({"profile": "flat", "level_year": 2025, "growth_per_year": 0.0,
                                      "seasonality": [1.0] * 12, "overdispersion_cv": cv})
    sc = build({"x": region}, days=364, profiles={"flat": FLAT})
    long = replications.run(sc, 60, seed=8, workers=1).region_long.set_index("metric")
    mu = annual / 365 * 7
    if cv == 0:
        p0, p5 = stats.poisson.pmf(0, mu), stats.poisson.sf(4, mu)
    else:
        k = 1 / cv**2
        p0, p5 = stats.nbinom.pmf(0, k, k / (k + mu)), stats.nbinom.sf(4, k, k / (k + mu))
    # Eight checks in this test: a 99.9% interval keeps the family-wise error below 1%.
    for metric, p in (("zero_week_share", p0), ("heavy_week_share", p5)):
        _, lo, hi, _ = confidence_interval(long.loc[metric, "value"], level=0.999)
        assert lo - 1e-9 <= p <= hi + 1e-9, (metric, p, lo, hi)


def _arrivals_one_mark_at_a_time(rate, cv, band_rng, week_rng, marks):
    """`sample_arrivals` as first written: the week factors always multiplied in, each mark a
    separate `random(n)` call, the columns stacked."""
    level = rate * np.repeat(demand.week_factors(cv, -(-rate.size // 168), week_rng), 168)[:rate.size]
    points = []  # (time, marks) of the kept points, band by band
    for k in itertools.count():
        floor, height = demand.BAND0 * (2**k - 1), demand.BAND0 * 2**k
        if not floor < (level.max() if rate.size else 0.0):
            break
        rng = band_rng(k)
        n = int(rng.poisson(height * rate.size))
        t, y = rng.random(n) * rate.size, rng.random(n)
        columns = [rng.random(n) for _ in range(marks)]
        kept = floor + height * y < level[t.astype(np.int64)]
        points += zip(t[kept].tolist(), np.column_stack(columns or [np.zeros(n)])[kept].tolist())
    points.sort(key=lambda point: point[0])  # stable, as argsort(kind="stable")
    t = np.array([p[0] for p in points], dtype=float)
    return t, np.array([p[1][:marks] for p in points], dtype=float).reshape(t.size, marks)


@given(hourly=st.lists(st.floats(0, 0.4), min_size=1, max_size=400), cv=st.sampled_from([0.0, 0.5]),
       marks=st.integers(0, 4), seed=st.integers(0, 2**16))
@settings(max_examples=60, deadline=None)
def test_sample_arrivals_draws_what_it_drew_one_mark_at_a_time(hourly, cv, marks, seed) -> None:
    """Drawing all marks of a band in one call, and skipping the week factors when there is no
    spread, gives the same reports, marks and streams as drawing mark by mark."""
    rate = np.array(hourly)
    streams_ = [({}, np.random.default_rng([seed, 1])) for _ in range(2)]

    def bands(cache):
        return lambda k: cache.setdefault(k, np.random.default_rng([seed, 0, k]))

    (fast_bands, fast_weeks), (slow_bands, slow_weeks) = streams_
    t, u = demand.sample_arrivals(rate, cv, bands(fast_bands), fast_weeks, marks)
    t0, u0 = _arrivals_one_mark_at_a_time(rate, cv, bands(slow_bands), slow_weeks, marks)
    assert np.array_equal(t, t0) and np.array_equal(u, u0) and u.shape == u0.shape
    assert fast_weeks.random() == slow_weeks.random()
    assert [g.random() for g in fast_bands.values()] == [g.random() for g in slow_bands.values()]


@settings(max_examples=60, deadline=None)
@given(hours=st.integers(0, 600), cv=st.sampled_from([0.0, 0.4, 1.5]), seed=st.integers(0, 2**32 - 1),
       peak=st.floats(0.01, 0.8))
def test_the_level_at_the_points_and_its_top_are_those_of_every_hour(hours, cv, seed, peak):
    """The sampler asks the level (rate x its week's factor) only at its points, and takes its top
    from each week's top rate: bit for bit the level made for every hour, at any hour, and its
    maximum, for any length, with and without weekly spread. So every point is kept or dropped
    and the bands counted as with the level made whole."""
    rng = np.random.default_rng(seed)
    rate = rng.random(hours) * peak
    factor = None if cv == 0 else demand.week_factors(cv, -(-hours // 168), rng)
    every = rate if factor is None else rate * np.repeat(factor, 168)[:hours]
    hour = np.arange(hours)
    assert demand._level(rate, factor, hour).tobytes() == every.tobytes()
    assert demand._top(rate, factor) == (float(every.max()) if hours else 0.0)
