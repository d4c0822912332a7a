"""Partial pooling of region levels and splits, and the level update after the last national year
(csgsim.calibration.pooling), checked by simulation from known parameters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csgsim.calibration import pooling


def _simulate_regions(rng: np.random.Generator, tau: float, exposure: np.ndarray) -> tuple[np.ndarray, ...]:
    """True log ratios ~ N(0, tau^2); own counts ~ Poisson(exposure x exp(ratio)); the usual estimate and SE."""
    truth = rng.normal(0.0, tau, exposure.size)
    counts = rng.poisson(exposure * np.exp(truth))
    estimate = np.log((counts + 0.5) / exposure)
    return truth, estimate, 1.0 / np.sqrt(counts + 0.5)


def test_pooled_intervals_cover_the_true_region_rates_near_95_percent() -> None:
    """Simulation-based check: 400 data sets of 16 regions (true log rate ratios from N(0, 0.4^2), own counts of
    20-300 expected reports) are pooled; the 95% posterior intervals hold the true ratio in 93-97% of the 6,400
    cases (binomial 99.9% band around 95% is +-0.9 points; empirical Bayes with tau estimated runs a little low)."""
    rng = np.random.default_rng(20251201)
    hits = total = 0
    for _ in range(400):
        exposure = rng.uniform(20, 300, 16)
        truth, estimate, se = _simulate_regions(rng, 0.4, exposure)
        post = pooling.pool_log_ratios(estimate, se)
        hits += int(np.sum(np.abs(truth - post.mean) <= 1.96 * post.sd))
        total += truth.size
    assert 0.93 <= hits / total <= 0.97


def test_a_region_without_own_counts_gets_the_population_share_with_a_wide_band_that_covers() -> None:
    """A region without own counts (se = inf) gets log ratio 0 (the population share) and sd tau; over 2,000
    simulated data sets its 95% interval holds the true ratio of a new region in 93-97% of cases, and its band is
    at least three times as wide as that of a region with 200 own reports."""
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(2000):
        exposure = rng.uniform(20, 300, 12)
        _, estimate, se = _simulate_regions(rng, 0.4, exposure)
        new_truth = rng.normal(0.0, 0.4)
        post = pooling.pool_log_ratios(np.append(estimate, np.nan), np.append(se, np.inf))
        assert post.mean[-1] == 0.0 and post.shrinkage[-1] == 0.0
        hits += abs(new_truth) <= 1.96 * post.sd[-1]
    assert 0.93 <= hits / 2000 <= 0.97
    post = pooling.pool_log_ratios([np.log(2.0), 0.1, -0.2, 0.3, np.nan], [1 / np.sqrt(200), 0.1, 0.1, 0.1, np.inf])
    assert post.sd[-1] >= 3 * post.sd[0]


@settings(max_examples=40, deadline=None)
@given(own=st.floats(-1.0, 1.0), others=st.lists(st.floats(-1.0, 1.0), min_size=3, max_size=8))
def test_rich_own_counts_make_the_pooled_rate_the_regions_own(own: float, others: list[float]) -> None:
    """With 100,000 own reports (se 0.003) a region's pooled log ratio is its own estimate within 0.01; with 10
    (se 0.32) it is pulled toward the population share (|pooled| <= |own|)."""
    se_rest = [0.2] * len(others)
    rich = pooling.pool_log_ratios([own, *others], [1 / np.sqrt(1e5), *se_rest])
    assert rich.mean[0] == pytest.approx(own, abs=0.01)
    poor = pooling.pool_log_ratios([own, *others], [1 / np.sqrt(10), *se_rest])
    assert abs(poor.mean[0]) <= abs(own) + 1e-12
    assert poor.shrinkage[0] <= rich.shrinkage[0]


def test_too_few_regions_with_own_counts_fall_back_to_the_stated_spread() -> None:
    """With fewer than MIN_REGIONS own-count regions tau is not estimated: it is FALLBACK_TAU, and says so."""
    post = pooling.pool_log_ratios([0.5, np.nan, np.nan], [0.1, np.inf, np.inf])
    assert not post.tau_estimated and post.tau == pooling.FALLBACK_TAU
    assert post.sd[1] == pytest.approx(pooling.FALLBACK_TAU)


def test_shares_are_shrunk_toward_the_national_split_and_cover_the_truth() -> None:
    """Beta-binomial pooling: 300 data sets of 8 regions with true acute shares from Beta(45.5, 54.5) (national
    share 45.5%, prior worth 100 reports) and 20-200 reports each; the posterior 95% intervals hold the true share
    in 93-97.5% of cases; a region without a split gets the national share."""
    from scipy import stats

    rng = np.random.default_rng(3)
    hits = total = 0
    for _ in range(300):
        true = rng.beta(45.5, 54.5, 8)
        n = rng.integers(20, 200, 8)
        acute = rng.binomial(n, true)
        post = pooling.pool_shares(np.append(acute, 0), np.append(n, 0), 0.455)
        low, high = stats.beta.ppf([[0.025], [0.975]], post.a[:-1], post.b[:-1])
        hits += int(np.sum((low <= true) & (true <= high)))
        total += true.size
        assert post.mean[-1] == pytest.approx(0.455)
    assert 0.93 <= hits / total <= 0.975


def test_shifted_shares_add_up_to_the_national_acute_count() -> None:
    """match_national moves every share by one logit shift so that the acute levels add up to the national count,
    keeping each region's prior strength and the regions' order."""
    shares = pooling.pool_shares([34, 111, 106, 0, 0], [57, 218, 193, 0, 0], 0.455)
    totals = np.array([70.0, 220.0, 300.0, 500.0, 400.0])
    moved = pooling.match_national(shares, totals, 600.0)
    assert np.sum(totals * moved.mean) == pytest.approx(600.0)
    assert np.allclose(moved.a + moved.b, shares.a + shares.b)
    assert (np.argsort(moved.mean) == np.argsort(shares.mean)).all()


def test_anchor_level_follows_later_counts_and_widens_without_them() -> None:
    """The Kalman update: with later counts 290 and 359 the 2021 log level is close to log(359) and its variance
    small; without them it is the prior moved by the central growth, its variance grown by 2^2 x the growth
    variance (a persistent growth)."""
    drift, gvar = np.log(1.05), 0.0098
    m, v, _, _ = pooling.anchor_level(np.log(218), 0.01, 2019, 2021,
                                {2020: (np.log(290), 1 / 290), 2021: (np.log(359), 1 / 359)}, drift, gvar)
    assert abs(m - np.log(359)) < 0.05 and v < 0.003
    m0, v0, g0, gv0 = pooling.anchor_level(np.log(218), 0.01, 2019, 2021, {}, drift, gvar)
    assert m0 == pytest.approx(np.log(218) + 2 * drift)
    assert v0 == pytest.approx(0.01 + 4 * gvar)
    assert (g0, gv0) == (pytest.approx(drift), pytest.approx(gvar))


def test_anchor_level_intervals_cover_simulated_truth() -> None:
    """Simulation-based check of the update: 2,000 paths with a known start level (sd 0.1), growth drawn from the
    stated distribution and Poisson counts in two later years; the 95% interval of the last log level holds the
    truth in 93.5-96.5% of paths."""
    rng = np.random.default_rng(11)
    drift, gvar, hits = np.log(1.05), 0.0098, 0
    for _ in range(2000):
        start = rng.normal(np.log(150), 0.1)
        g = rng.normal(drift, np.sqrt(gvar))
        truth = {2020: start + g, 2021: start + 2 * g}
        obs = {y: (np.log(max(c, 1)), 1 / max(c, 1)) for y, c in
               ((y, rng.poisson(np.exp(x))) for y, x in truth.items())}
        m, v, _, _ = pooling.anchor_level(np.log(150), 0.01, 2019, 2021, obs, drift, gvar)
        hits += abs(truth[2021] - m) <= 1.96 * np.sqrt(v)
    assert 0.935 <= hits / 2000 <= 0.965


def test_pooled_growth_recovers_the_national_growth_from_regions_later_counts() -> None:
    """Simulation-based check of pooled_growth: 1,000 data sets where 3 regions grow by a national rate drawn from the
    prior (5%/yr, sd 0.07 in log) plus their
    own N(0, 0.07^2), seen through two later Poisson counts each; the 95% interval of the national log growth holds
    the truth in 92-98% of data sets, and without later counts the answer is the prior."""
    rng = np.random.default_rng(5)
    drift, nat_var, reg_var, hits = np.log(1.05), 0.0049, 0.0049, 0
    for _ in range(1000):
        gamma = rng.normal(drift, np.sqrt(nat_var))
        posts = []
        for _ in range(3):
            start = np.log(rng.uniform(100, 400))
            g = gamma + rng.normal(0, np.sqrt(reg_var))
            obs = {2019 + k: (np.log(c), 1 / c) for k, c in
                   ((k, max(rng.poisson(np.exp(start + k * g)), 1)) for k in (1, 2))}
            posts.append(pooling.anchor_level(start, 0.002, 2019, 2021, obs, drift, nat_var + reg_var)[2:])
        mean, var = pooling.pooled_growth(drift, nat_var, reg_var, posts)
        hits += abs(gamma - mean) <= 1.96 * np.sqrt(var)
    assert 0.92 <= hits / 1000 <= 0.98
    assert pooling.pooled_growth(drift, nat_var, reg_var, []) == (pytest.approx(drift), pytest.approx(nat_var))
