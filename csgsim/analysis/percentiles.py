"""Percentiles of one replication's delays, as numpy's default (linear) method gives them.

Why not `np.percentile` itself: most of its 20 us a call is Python around the arithmetic, and
every region-year asks it three times (each delay's median, 90th and 95th percentile). This
does the same arithmetic (virtual index (n - 1) q, its floor and the next order statistic,
numpy's two-sided interpolation), so the figures are numpy's to the last bit
(tests/test_metrics.py); a sample with a NaN or an infinity goes to numpy. For three
percents, Python floats (IEEE doubles, as numpy's) do it faster than array operations.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=16)
def _fractions(percents: tuple[float, ...]) -> tuple[float, ...]:
    """The percents as numpy's percentile turns them into quantiles (divided by 100)."""
    return tuple(np.true_divide(np.asarray(percents), 100).tolist())


def percentiles(values: np.ndarray, percents: tuple[float, ...]) -> np.ndarray:
    """`np.percentile(values, percents)` of a non-empty 1-D sample (percents in [0, 100])."""
    n = values.size
    if n == 0 or not np.isfinite(values).all():
        return np.percentile(values, list(percents))
    ordered = np.sort(values)
    out = []
    for q in _fractions(percents):
        virtual = (n - 1) * q
        below = -1 if virtual >= n - 1 else math.floor(virtual)  # the largest value: from both sides
        a, b = ordered.item(below), ordered.item(-1 if below < 0 else below + 1)
        t = virtual - below
        diff = b - a
        out.append(b - diff * (1 - t) if t >= 0.5 else a + diff * t)
    return np.array(out)
