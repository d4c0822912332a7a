"""Clamping arrays into bounds, as np.clip does, without np.clip's Python wrapper.

The wrapper costs a few microseconds a call; the steps that clamp run per region and
replication (sampling, metrics, costs), so they call `clamp` instead.
"""

from __future__ import annotations

import numpy as np


def clamp(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """`np.clip(x, lo, hi)`: the same values (NaN stays NaN), for lo <= hi."""
    return np.minimum(np.maximum(x, lo), hi)
