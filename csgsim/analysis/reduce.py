"""Means, sums and counts of one replication's small arrays, to the last bit as numpy's own.

Why: a replication takes some forty of them, of a few to a few thousand values, and
`ndarray.mean`, `np.sum` and `ndarray.any` go through Python wrappers that cost more than
the arithmetic (1-2 us a call). These call the ufunc reductions those wrappers call, with
the same dtype and the same division, so every figure stays the same (tests/test_reduce.py).
"""

from __future__ import annotations

import numpy as np


def mean(values: np.ndarray) -> float:
    """`float(values.mean())` of a non-empty 1-D array of floats or bools (a share)."""
    return float(np.add.reduce(values, dtype=np.float64) / values.size)


def total(values: np.ndarray) -> float:
    """`float(values.sum())` of a 1-D array of numbers."""
    return float(np.add.reduce(values))


def count(mask: np.ndarray) -> int:
    """`int(mask.sum())` of a bool array: how many are True."""
    return int(np.count_nonzero(mask))


def first_index(key: np.ndarray, size: int) -> np.ndarray:
    """Per value 0..size-1, the index of its first appearance in `key` (ints in [0, size)),
    `key.size` where it does not appear: `np.unique(key, return_index=True)` without sorting."""
    first = np.full(size, key.size)
    np.minimum.at(first, key, np.arange(key.size))
    return first
