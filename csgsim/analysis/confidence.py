"""Confidence intervals over replications that keep their promise: exact binomial bounds for rare events,
cluster-robust and bootstrap intervals for percentiles of pooled delays, the t-interval of a
mean, Holm for many tests.

Replications are the independent units: delays inside one replication are not independent
(a busy night delays several calls), so every interval here resamples or weighs whole
replications, never single delays.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike

#: Bootstrap resamples and the most grid points a pooled percentile is searched on.
BOOTSTRAP_RESAMPLES = 1000
GRID_POINTS = 1024
#: Bootstrap resamples weighed together (bounds the memory of a pooled percentile's bootstrap).
RESAMPLE_CHUNK = 100
#: Replications whose bootstrap counts are widened to float64 at a time (see `_weighed`).
REPLICATION_BLOCK = 128


def clopper_pearson(k: int, n: int, level: float) -> tuple[float, float]:
    """Exact two-sided binomial interval for a probability: k events in n trials.

    Each side misses with probability at most (1 - level) / 2 whatever the true value.
    """
    if n == 0:
        return 0.0, 1.0
    tail = (1 - level) / 2
    if k in (0, n):  # the beta quantiles have a closed form at the ends: no scipy on that path
        edge = tail ** (1 / n)
        return (0.0, 1 - edge) if k == 0 else (edge, 1.0)
    from scipy import stats

    return float(stats.beta.ppf(tail, k, n - k + 1)), float(stats.beta.ppf(1 - tail, k + 1, n - k))


@lru_cache(maxsize=256)
def t_quantile(level: float, df: int) -> float:
    """The two-sided Student-t quantile: t with P(|T| < t) = level for `df` degrees of freedom
    (scipy's t.ppf(0.5 + level / 2, df)) without loading scipy on every command's path.

    P(|T| < t) is a finite sum in theta = atan(t / sqrt(df)) for whole df (Abramowitz and Stegun
    26.7.3-4), of positive terms, so it holds full precision; Newton's method on it, from the normal
    quantile, converges in a few steps.
    """
    if not 0 < level < 1 or df < 1 or int(df) != df:
        raise ValueError(f"t_quantile needs 0 < level < 1 and whole df >= 1, got {level!r}, {df!r}")
    df = int(df)
    if df == 1:
        return math.tan(math.pi * level / 2)
    const = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    t = NormalDist().inv_cdf(0.5 + level / 2)
    t += (t ** 3 + t) / (4 * df)  # Cornish-Fisher: near the root
    for _ in range(50):  # quadratic convergence: a handful of steps, then one more at full precision
        step = (_two_sided(t, df) - level) / (2 * const * (1 + t * t / df) ** (-(df + 1) / 2))
        t = max(t - step, t / 2)
        if abs(step) <= 1e-10 * t:
            break
    return t - (_two_sided(t, df) - level) / (2 * const * (1 + t * t / df) ** (-(df + 1) / 2))


def _two_sided(t: float, df: int) -> float:
    """P(|T| < t), t >= 0, df >= 2 whole (Abramowitz and Stegun 26.7.3-4)."""
    theta = math.atan(t / math.sqrt(df))
    c2, term = math.cos(theta) ** 2, 1.0
    if df % 2 == 0:
        total = 1.0
        for k in range(2, df, 2):  # 1 + (1/2) c^2 + (1.3 / 2.4) c^4 + ...
            term *= c2 * (k - 1) / k
            total += term
        return math.sin(theta) * total
    total = 1.0
    for k in range(3, df, 2):  # 1 + (2/3) c^2 + (2.4 / 3.5) c^4 + ...
        term *= c2 * (k - 1) / k
        total += term
    return 2 / math.pi * (theta + math.sin(theta) * math.cos(theta) * total)


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
        half = t_quantile(level, reps - 1) * se
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
    pooled = _pooled(samples)
    if pooled.size == 0:
        return np.full(len(qs), np.nan)
    return np.quantile(pooled, qs, method="inverted_cdf").astype(float)


def _pooled(samples: Sequence[np.ndarray]) -> np.ndarray:
    """All samples in one array of their own type (float32 delays stay float32: half the memory
    of float64 for a run's largest pooled delay). Order statistics and distinct values, the only
    things taken from it, are the same as of the float64 values: the cast is exact and keeps order."""
    return np.concatenate([np.asarray(s) for s in samples]) if len(samples) else np.zeros(0)


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
    # (B, R) whole numbers, drawn RESAMPLE_CHUNK rows at a time as they are weighed (the same
    # draws as all at once): the whole matrix is 8 kB a replication.
    weights = (rng.multinomial(reps, np.full(reps, 1 / reps), size=min(RESAMPLE_CHUNK, resamples - start))
               for start in range(0, resamples, RESAMPLE_CHUNK))
    values = _resampled_quantiles(samples, qs, weights)
    values = values[~np.isnan(values[:, 0])]
    tail = (1 - level) / 2
    lo, hi = np.empty(nq), np.empty(nq)
    for i in range(nq):
        lo[i], hi[i] = np.quantile(values[:, i], [tail, 1 - tail], method="inverted_cdf")
    return lo, hi


def _resampled_quantiles(samples: Sequence[np.ndarray], qs: Sequence[float],
                         weights: np.ndarray | Iterable[np.ndarray]) -> np.ndarray:
    """(B, len(qs)) pooled quantiles of each weighting of the replications (one row of `weights`
    per resample: a (B, R) array, or its rows in consecutive blocks); NaN where a resample holds
    no values. See `bootstrap_quantiles` for the grid."""
    grid = _grid(samples)
    sizes = np.array([np.asarray(s).size for s in samples], dtype=float)
    # (R, G) counts in the smallest whole type that holds them: 2 bytes a grid point where a
    # replication has fewer than 65,536 delays (float64 took 8; 8 MB at 1,000 replications).
    counts = np.empty((len(samples), grid.size), dtype=np.min_scalar_type(int(sizes.max(initial=0))))
    for r, s in enumerate(samples):  # one replication sorted at a time, not all of them at once
        counts[r] = np.searchsorted(np.sort(np.asarray(s, dtype=float)), grid, side="right")
    if isinstance(weights, np.ndarray):
        whole = weights
        weights = (whole[start:start + RESAMPLE_CHUNK] for start in range(0, whole.shape[0], RESAMPLE_CHUNK))
    # A few resamples at a time, so memory does not grow as resamples x grid: every sum is of
    # whole numbers, exact in any order, so the values do not depend on the chunking.
    blocks = []
    for part in weights:
        cum, total = _weighed(part.astype(float), counts), part.astype(float) @ sizes
        ok = total > 0
        out = np.full((len(part), len(qs)), np.nan)
        for i, q in enumerate(qs):
            out[ok, i] = grid[_first_reaching(cum[ok], q * total[ok] - 1e-9)]
        blocks.append(out)
    return np.concatenate(blocks) if blocks else np.full((0, len(qs)), np.nan)


def _weighed(weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """weights (B, R) @ counts (R, G) in float64, REPLICATION_BLOCK replications at a time, so
    only a block of the counts is ever widened to float64. Every product and sum is a whole
    number far below 2**53, so the result is exact, whatever the blocks."""
    out = np.zeros((weights.shape[0], counts.shape[1]))
    for start in range(0, counts.shape[0], REPLICATION_BLOCK):
        block = slice(start, start + REPLICATION_BLOCK)
        out += weights[:, block] @ counts[block].astype(float)
    return out


def _grid(samples: Sequence[np.ndarray]) -> np.ndarray:
    """The pooled values a bootstrap quantile is searched on (float64): all distinct ones, or
    GRID_POINTS pooled order statistics where there are more."""
    pooled = _pooled(samples)
    grid = np.unique(pooled)
    if grid.size > GRID_POINTS:
        grid = np.unique(np.quantile(pooled, np.linspace(0, 1, GRID_POINTS), method="inverted_cdf"))
    return grid.astype(float)


def _first_reaching(cum: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Per row of `cum`, the first column whose value reaches the row's threshold (the last
    column if none does), by bisection: the rows never decrease (counts of values at or below
    each grid point, weighted by whole numbers, so every sum is exact)."""
    rows, lo, hi = np.arange(cum.shape[0]), np.zeros(cum.shape[0], dtype=np.int64), np.full(cum.shape[0], cum.shape[1] - 1)
    while np.any(lo < hi):
        mid = (lo + hi) // 2
        reached = cum[rows, mid] >= threshold
        hi, lo = np.where(reached, mid, hi), np.where(reached, lo, mid + 1)
    return lo


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
    half = t_quantile(level, n - 1) * se
    return b, c, diff, diff - half, diff + half, float(2 * stats.t.sf(abs(diff) / se, n - 1)), n


def confidence_interval(values: ArrayLike, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and t-based CI over replications (NaN replications are left out)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(v.mean())
    if n == 1 or np.all(v == v[0]):
        return mean, mean, mean, n
    half = float(t_quantile(level, n - 1) * v.std(ddof=1) / np.sqrt(n))
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
