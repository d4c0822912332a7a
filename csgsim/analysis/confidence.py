"""Confidence intervals over replications that keep their promise: exact binomial bounds for rare events,
cluster-robust and bootstrap intervals for percentiles of pooled delays, the t-interval of a
mean, Holm for many tests.

Replications are the independent units: delays inside one replication are not independent
(a busy night delays several calls), so every interval here resamples or weighs whole
replications, never single delays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

#: Bootstrap resamples and the most grid points a pooled percentile is searched on.
BOOTSTRAP_RESAMPLES = 1000
GRID_POINTS = 1024


def clopper_pearson(k: int, n: int, level: float) -> tuple[float, float]:
    """Exact two-sided binomial interval for a probability: k events in n trials.

    Each side misses with probability at most (1 - level) / 2 whatever the true value.
    """
    from scipy import stats

    if n == 0:
        return 0.0, 1.0
    tail = (1 - level) / 2
    lo = 0.0 if k == 0 else float(stats.beta.ppf(tail, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - tail, k + 1, n - k))
    return lo, hi


def clean_runs_needed(risk: float, level: float) -> int:
    """Replications with no event needed before the exact upper bound drops to `risk`.

    With k = 0 the Clopper-Pearson upper bound is 1 - tail**(1/n); it is <= risk once
    n >= log(tail) / log(1 - risk).
    """
    if not 0 < risk < 1:
        raise ValueError(f"risk must lie strictly between 0 and 1, got {risk!r}")
    tail = (1 - level) / 2
    return math.ceil(math.log(tail) / math.log1p(-risk) - 1e-9)


def pooled_share(k: np.ndarray, n: np.ndarray, level: float) -> tuple[float, float, float, int]:
    """Share sum(k) / sum(n) pooled over replications, with a ratio-estimator t-interval.

    k[r] of n[r] items of replication r have the property (e.g. a delay within a bound). The
    variance treats replications as the independent clusters. When every replication sits at
    the same share of 0 or 1 that variance is 0; the interval then comes from the exact
    binomial bound on the chance that a replication holds any item on the other side.
    """
    from scipy import stats

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    used = n > 0
    k, n = k[used], n[used]
    reps = int(n.size)
    if reps == 0:
        return np.nan, np.nan, np.nan, 0
    share = float(k.sum() / n.sum())
    if reps > 1:
        resid = k - share * n
        se = math.sqrt(reps / (reps - 1) * float(resid @ resid)) / float(n.sum())
        half = float(stats.t.ppf(0.5 + level / 2, reps - 1)) * se
    else:
        half = np.inf
    lo, hi = max(share - half, 0.0), min(share + half, 1.0)
    inside = int((k == n).sum())
    none = int((k == 0).sum())
    if inside == reps:  # every item of every replication has the property
        lo = min(lo, 1 - clopper_pearson(0, reps, level)[1])
    if none == reps:
        hi = max(hi, clopper_pearson(0, reps, level)[1])
    return share, lo, hi, reps


def within_counts(samples: Sequence[np.ndarray], norm: float) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: how many delays are within the norm (at most it), and how many there are."""
    return (np.array([float((np.asarray(s) <= norm + 1e-9).sum()) for s in samples]),
            np.array([float(np.asarray(s).size) for s in samples]))


def pooled_quantiles(samples: Sequence[np.ndarray], qs: Sequence[float]) -> np.ndarray:
    """Percentiles of all replications' values together: the smallest value whose share of
    values at or below it reaches q (an observed value, never an interpolation)."""
    pooled = np.concatenate([np.asarray(s, dtype=float) for s in samples]) if samples else np.zeros(0)
    if pooled.size == 0:
        return np.full(len(qs), np.nan)
    return np.quantile(pooled, qs, method="inverted_cdf")


def bootstrap_quantiles(samples: Sequence[np.ndarray], qs: Sequence[float], level: float,
                        rng: np.random.Generator, resamples: int = BOOTSTRAP_RESAMPLES
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap interval of each pooled quantile, resampling whole replications.

    Every bootstrap value is an observed value, so the interval lies inside the observed range.
    The search runs on a grid of at most GRID_POINTS pooled order statistics, so a bound may
    be rounded up to the next of them (less than 1/GRID_POINTS of the ranks).
    """
    nq = len(qs)
    if sum(np.asarray(s).size for s in samples) == 0:
        return np.full(nq, np.nan), np.full(nq, np.nan)
    reps = len(samples)
    weights = rng.multinomial(reps, np.full(reps, 1 / reps), size=resamples).astype(float)  # (B, R)
    values = _resampled_quantiles(samples, qs, weights)
    values = values[~np.isnan(values[:, 0])]
    tail = (1 - level) / 2
    lo, hi = np.empty(nq), np.empty(nq)
    for i in range(nq):
        lo[i], hi[i] = np.quantile(values[:, i], [tail, 1 - tail], method="inverted_cdf")
    return lo, hi


def _resampled_quantiles(samples: Sequence[np.ndarray], qs: Sequence[float], weights: np.ndarray) -> np.ndarray:
    """(B, len(qs)) pooled quantiles of each weighting of the replications (one row of `weights`
    per resample); NaN where a resample holds no values. See `bootstrap_quantiles` for the grid."""
    arrays = [np.sort(np.asarray(s, dtype=float)) for s in samples]
    pooled = np.concatenate(arrays)
    grid = np.unique(pooled)
    if grid.size > GRID_POINTS:
        grid = np.unique(np.quantile(pooled, np.linspace(0, 1, GRID_POINTS), method="inverted_cdf"))
    counts = np.array([np.searchsorted(a, grid, side="right") for a in arrays], dtype=float)  # (R, G)
    sizes = np.array([a.size for a in arrays], dtype=float)
    cum, total = weights @ counts, weights @ sizes
    out = np.full((weights.shape[0], len(qs)), np.nan)
    ok = total > 0
    for i, q in enumerate(qs):
        first = np.argmax(cum[ok] >= q * total[ok, None] - 1e-9, axis=1)
        out[ok, i] = grid[first]
    return out


def paired_pooled_difference(base: Sequence[np.ndarray], changed: Sequence[np.ndarray], q: float | None,
                             norms: tuple[float, float] | None, level: float, rng: np.random.Generator,
                             resamples: int = BOOTSTRAP_RESAMPLES
                             ) -> tuple[float, float, float, float, float, float, int]:
    """A pooled delay statistic of `changed` minus that of `base`, replications paired by index
    (common random numbers): the pooled quantile `q`, or (q None) the pooled share of delays
    within the arm's norm (`norms`: base's, changed's).

    Returns (base value, changed value, difference, low, high, p, n). The values are those of
    `pooled_quantiles` (or delays within / all delays). Its standard error is the bootstrap's,
    resampling replication *pairs* so both arms are weighted alike, scaled by sqrt(n / (n - 1))
    as a sample standard deviation is; interval and two-sided p use Student's t with n - 1
    degrees of freedom, like the paired t-test of the means, so a handful of replications is
    not taken for certainty, and the interval excludes 0 exactly when p < 1 - level. Pairs in
    which neither arm has a delay carry no information and are left out; n counts the others.
    """
    from scipy import stats

    keep = [i for i in range(len(base)) if np.asarray(base[i]).size or np.asarray(changed[i]).size]
    base, changed = [np.asarray(base[i], dtype=float) for i in keep], [np.asarray(changed[i], dtype=float) for i in keep]
    n = len(keep)
    if n < 2 or not sum(s.size for s in base) or not sum(s.size for s in changed):
        return np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, n
    weights = rng.multinomial(n, np.full(n, 1 / n), size=resamples).astype(float)  # (B, pairs)
    if q is None:
        def arm(samples: list[np.ndarray], norm: float) -> tuple[float, np.ndarray]:
            within, sizes = within_counts(samples, norm)
            with np.errstate(invalid="ignore", divide="ignore"):
                return float(within.sum() / sizes.sum()), (weights @ within) / (weights @ sizes)
        (b, b_draws), (c, c_draws) = arm(base, norms[0]), arm(changed, norms[1])
    else:
        b, c = float(pooled_quantiles(base, [q])[0]), float(pooled_quantiles(changed, [q])[0])
        b_draws, c_draws = (_resampled_quantiles(x, [q], weights)[:, 0] for x in (base, changed))
    draws = (c_draws - b_draws)[~np.isnan(c_draws - b_draws)]
    diff = c - b
    se = float(draws.std(ddof=1)) * math.sqrt(n / (n - 1)) if draws.size > 1 else 0.0
    if se == 0:  # no resample moves the difference: it is what it is
        return b, c, diff, diff, diff, 1.0 if diff == 0 else 0.0, n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * se
    return b, c, diff, diff - half, diff + half, float(2 * stats.t.sf(abs(diff) / se, n - 1)), n


def confidence_interval(values: ArrayLike, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and t-based CI over replications (NaN replications are left out)."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(v.mean())
    if n == 1 or np.all(v == v[0]):
        return mean, mean, mean, n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def bootstrap_mean(values: np.ndarray, level: float, rng: np.random.Generator,
                   resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float, float, int]:
    """Mean over replications with a percentile-bootstrap interval (inside the observed range)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return np.nan, np.nan, np.nan, 0
    means = v[rng.integers(0, v.size, (resamples, v.size))].mean(axis=1)
    tail = (1 - level) / 2
    lo, hi = np.quantile(means, [tail, 1 - tail])
    return float(v.mean()), float(lo), float(hi), int(v.size)


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control); NaN stays NaN."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


def paired_t_pvalue(diffs: np.ndarray) -> float:
    """Two-sided p-value of a paired t-test that the mean difference is 0 (NaN pairs left out).

    Differences that are all equal are certain: p = 1 if they are all 0, else p = 0. Fewer than
    two pairs: NaN (no test).
    """
    from scipy import stats

    d = np.asarray(diffs, dtype=float)
    d = d[~np.isnan(d)]
    if d.size < 2:
        return np.nan
    if np.all(d == d[0]):
        return 1.0 if d[0] == 0 else 0.0
    t = d.mean() / (d.std(ddof=1) / math.sqrt(d.size))
    return float(2 * stats.t.sf(abs(t), d.size - 1))
