"""Intervals over replications: exact binomial bounds, pooled percentiles with bootstrap
intervals that stay inside the possible range, pooled shares, Holm's adjustment."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from csgsim.analysis import confidence as iv
from csgsim.analysis.metrics import REGION_METRICS
from csgsim.analysis.summary import MEAN, POOLED, summarise


def test_clopper_pearson_matches_the_closed_form_at_the_edges():
    """With no event in n trials the upper bound is 1 - (tail)^(1/n); with all events the lower
    bound is tail^(1/n). Twenty clean years bound the chance of a bad year only by 16.8%."""
    lo, hi = iv.clopper_pearson(0, 20, 0.95)
    assert lo == 0 and hi == pytest.approx(1 - 0.025 ** (1 / 20))
    assert hi > 0.16
    lo, hi = iv.clopper_pearson(20, 20, 0.95)
    assert hi == 1 and lo == pytest.approx(0.025 ** (1 / 20))


@pytest.mark.parametrize(("risk", "level"), [(0.05, 0.95), (0.05, 1 - 0.05 / 80), (0.01, 0.99)])
def test_clean_runs_needed_is_the_first_n_whose_exact_bound_reaches_the_risk(risk, level):
    """n clean replications bring the exact upper bound to the risk; n - 1 do not."""
    n = iv.clean_runs_needed(risk, level)
    assert iv.clopper_pearson(0, n, level)[1] <= risk < iv.clopper_pearson(0, n - 1, level)[1]


def test_clopper_pearson_covers_at_least_its_level_at_every_p():
    """Exact: for each p on a grid, the probability (summed over the binomial) that the
    interval misses p is at most 1 - level."""
    from scipy import stats

    n, level = 40, 0.9
    bounds = [iv.clopper_pearson(k, n, level) for k in range(n + 1)]
    for p in np.linspace(0.005, 0.995, 67):
        miss = sum(stats.binom.pmf(k, n, p) for k, (lo, hi) in enumerate(bounds) if not lo <= p <= hi)
        assert miss <= 1 - level + 1e-12, (p, miss)


def test_pooled_share_weights_replications_by_their_items_and_never_claims_certainty():
    """The pooled share is sum(k) / sum(n); when every item of every replication has the
    property the interval still reaches down to the exact binomial bound over replications."""
    share, lo, hi, reps = iv.pooled_share(np.array([9, 1]), np.array([10, 10]), 0.95)
    assert share == 0.5 and reps == 2 and lo < 0.5 < hi
    share, lo, hi, reps = iv.pooled_share(np.array([5, 7, 3]), np.array([5, 7, 3]), 0.95)
    assert share == 1 and hi == 1 and lo == pytest.approx(1 - iv.clopper_pearson(0, 3, 0.95)[1])


def test_holm_matches_the_step_down_definition():
    """Sorted p: 0.005, 0.01, 0.03, 0.04, 0.5 (m = 5) -> 0.025, 0.04, 0.09, 0.09, 0.5; NaN stays."""
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan, 0.5])
    assert np.allclose(iv.holm(p), [0.04, 0.09, 0.09, 0.025, np.nan, 0.5], equal_nan=True)


def test_pooled_percentile_is_an_observed_delay():
    """The pooled percentile is the smallest delay with at least q of all delays at or below it."""
    samples = [np.array([1.0, 2.0, 3.0]), np.array([4.0]), np.array([10.0, 20.0])]
    assert iv.pooled_quantiles(samples, [0.5, 0.95, 1.0]).tolist() == [3.0, 20.0, 20.0]


def skewed_replications(reps: int = 20, seed: int = 3) -> list[np.ndarray]:
    """Contact delays (min) of `reps` replications: a 0-15 min call-back, and in one
    replication in twenty a backlog that delays every call by hours."""
    rng = np.random.default_rng(seed)
    out = [rng.uniform(0, 15, 200) for _ in range(reps)]
    out[0] = out[0] + 600.0
    return out


def test_percentile_intervals_never_run_below_the_possible_minimum():
    """With a 0-15 min call-back, 95% of the delays of the 19 ordinary replications alone
    exceed 14.25 min * 19/20 of the pool, so no p95 can lie below about 13.5 min. The pooled
    percentile's bootstrap interval respects that; the old t-interval over per-replication p95
    values ran down to 0."""
    samples = skewed_replications()
    per_rep = [float(np.percentile(s, 95)) for s in samples]
    long = pd.DataFrame({"rep": range(20), "region": "x", "metric": "acute_contact_p95", "value": per_rep})
    row = summarise(long, ["region"], REGION_METRICS, {("x", "acute_contact"): samples}, seed=1).iloc[0]
    assert row["statistic"] == POOLED
    assert row["mean"] == iv.pooled_quantiles(samples, [0.95])[0]
    assert 13.5 <= row["ci_low"] <= row["mean"] <= row["ci_high"] <= max(s.max() for s in samples)
    old = summarise(long, ["region"], {"acute_contact_p95": ("min", "")}).iloc[0]  # without delays
    assert old["statistic"] != MEAN and old["ci_low"] >= min(per_rep)


def test_bootstrap_interval_of_a_pooled_percentile_covers_about_its_level():
    """Independent replications of exponential delays: the 95% bootstrap interval of the pooled
    p90 covers ln(10) in 86-99% of 150 trials (bootstrap percentile intervals cover slightly
    under their level with 30 replications; below 86% would be a broken interval, 99.9% level)."""
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(150):
        samples = [rng.exponential(1.0, rng.integers(20, 60)) for _ in range(30)]
        lo, hi = iv.bootstrap_quantiles(samples, [0.9], 0.95, rng, resamples=400)
        hits += bool(lo[0] <= math.log(10) <= hi[0])
    assert 0.86 * 150 <= hits <= 0.99 * 150, hits


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pooled_share_within_the_norm_agrees_with_the_pooled_percentile(seed):
    """The share within the norm is pooled like the percentiles: sum of delays within over all
    delays, so the pooled p95 is within the norm exactly when that share is at least 95% (the
    mean of per-replication shares could disagree with the pooled p95)."""
    samples = skewed_replications(seed=seed)
    samples[1] = samples[1] + 20.0  # a second, milder backlog: the share sits near 95%
    long = pd.DataFrame({"rep": np.tile(range(20), 2), "region": "x",
                         "metric": ["acute_contact_within_norm"] * 20 + ["acute_contact_p95"] * 20,
                         "value": [float((s <= 30).mean()) for s in samples] + [float(np.percentile(s, 95)) for s in samples]})
    out = summarise(long, ["region"], REGION_METRICS, {("x", "acute_contact"): samples}, seed=1,
                    norms={"acute_contact": 30.0}).set_index("metric")
    pooled = np.concatenate(samples)
    assert out.loc["acute_contact_within_norm", "mean"] == pytest.approx((pooled <= 30).mean())
    assert (out.loc["acute_contact_p95", "mean"] <= 30) == (out.loc["acute_contact_within_norm", "mean"] >= 0.95)
    assert 0 <= out.loc["acute_contact_within_norm", "ci_low"] and out.loc["acute_contact_within_norm", "ci_high"] <= 1


def test_paired_pooled_difference_of_identical_arms_is_exactly_zero():
    """Two arms with the same delays (a variant that changes nothing, under common random
    numbers): the pooled p95 and share within the norm differ by 0, with interval [0, 0] and p = 1."""
    samples = [np.random.default_rng(r).exponential(10.0, 30) for r in range(20)]
    for q, norms in ((0.95, None), (None, (15.0, 15.0))):
        b, c, d, lo, hi, p, n = iv.paired_pooled_difference(samples, samples, q, norms, 0.95, np.random.default_rng(1))
        assert (b, d, lo, hi, p, n) == (c, 0.0, 0.0, 0.0, 1.0, 20)


def test_paired_pooled_difference_of_a_shifted_arm_is_the_shift():
    """Every delay 5 minutes longer: the pooled p90 is 5 minutes longer in the estimate and in
    every resample (both arms resample the same replications), so the interval is [5, 5] (to
    rounding) and the difference is certain."""
    samples = [np.random.default_rng(r).exponential(10.0, 40) for r in range(25)]
    b, c, d, lo, hi, p, n = iv.paired_pooled_difference(samples, [s + 5.0 for s in samples], 0.9, None, 0.95,
                                                        np.random.default_rng(2))
    assert d == pytest.approx(5.0) and lo == pytest.approx(5.0) and hi == pytest.approx(5.0)
    assert c == pytest.approx(float(iv.pooled_quantiles(samples, [0.9])[0]) + 5.0) and p < 1e-6 and n == 25


def test_paired_pooled_difference_covers_zero_about_its_level_when_arms_are_alike():
    """Paired arms drawn alike (a common part per replication, as common random numbers give,
    plus independent noise): the 95% interval of the difference of pooled p90s covers 0 in
    86-99% of 120 trials, and p < 0.05 about as often as it misses."""
    rng = np.random.default_rng(5)
    hits = rejections = 0
    for _ in range(120):
        base, changed = [], []
        for _ in range(30):
            common = rng.exponential(1.0, rng.integers(20, 50))
            base.append(common + rng.exponential(0.3, common.size))
            changed.append(common + rng.exponential(0.3, common.size))
        _, _, _, lo, hi, p, _ = iv.paired_pooled_difference(base, changed, 0.9, None, 0.95, rng, resamples=400)
        hits += bool(lo <= 0 <= hi)
        rejections += bool(p < 0.05)
    assert 0.86 * 120 <= hits <= 0.99 * 120, hits
    assert rejections <= 0.14 * 120, rejections


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
def test_t_quantile_agrees_with_scipy(level: float) -> None:
    """csgsim's own two-sided t quantile (no scipy on the run path) is scipy's t.ppf to 1e-11."""
    from scipy import stats

    from csgsim.analysis.confidence import t_quantile

    for df in [*range(1, 60), 99, 199, 999, 4999]:
        assert t_quantile(level, df) == pytest.approx(float(stats.t.ppf(0.5 + level / 2, df)), rel=1e-11), df



@given(sizes=st.lists(st.integers(0, 40), min_size=1, max_size=12), chunk=st.integers(1, 7))
def test_bootstrap_does_not_depend_on_the_resample_chunk(sizes, chunk):
    """The bootstrap weighs a few resamples at a time to bound its memory: any chunk gives every
    resample's pooled quantiles exactly as all resamples at once (sums of whole numbers)."""
    gen = np.random.default_rng(len(sizes))
    samples = [np.round(gen.exponential(1, k), 2).astype(np.float32) for k in sizes]
    weights = gen.multinomial(len(sizes), np.full(len(sizes), 1 / len(sizes)), size=23)
    whole = iv._resampled_quantiles(samples, [0.5, 0.95], weights)
    saved = iv.RESAMPLE_CHUNK
    try:
        iv.RESAMPLE_CHUNK = chunk
        chunked = iv._resampled_quantiles(samples, [0.5, 0.95], weights)
    finally:
        iv.RESAMPLE_CHUNK = saved
    np.testing.assert_array_equal(whole, chunked)
