"""Percentiles of one replication's delays, as numpy's default (linear) method gives them.

Why not `np.percentile` itself: most of its 20 us a call is Python around the arithmetic, and
every region-year asks it three times (each delay's median, 90th and 95th percentile). This
does the same arithmetic (virtual index (n - 1) q, its floor and the next order statistic,
numpy's two-sided interpolation), so the figures are numpy's to the last bit
(tests/test_metrics.py); a sample with a NaN or an infinity goes to numpy.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=16)
def _fractions(percents: tuple[float, ...]) -> np.ndarray:
    """The percents as numpy's percentile turns them into quantiles (divided by 100)."""
    q = np.true_divide(np.asarray(percents), 100)
    q.setflags(write=False)
    return q


def percentiles(values: np.ndarray, percents: tuple[float, ...]) -> np.ndarray:
    """`np.percentile(values, percents)` of a non-empty 1-D sample (percents in [0, 100])."""
    n = values.size
    if n == 0 or not np.isfinite(values).all():
        return np.percentile(values, list(percents))
    virtual = (n - 1) * _fractions(percents)
    below, above = np.floor(virtual), np.floor(virtual) + 1
    last = virtual >= n - 1  # the largest value: numpy takes it from both sides
    below[last] = above[last] = -1
    below, above = below.astype(np.intp), above.astype(np.intp)
    ordered = np.sort(values)
    a, b = ordered[below], ordered[above]
    t = virtual - below
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)
