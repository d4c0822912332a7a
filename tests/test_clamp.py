"""`core.clamp.clamp` is np.clip, value for value, for the bounds the package clamps to."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from csgsim.core.clamp import clamp


@given(arrays(float, st.integers(0, 30), elements=st.floats(allow_nan=True, allow_infinity=True)),
       st.floats(-1e6, 1e6), st.floats(0, 1e6))
def test_clamp_is_np_clip_bit_for_bit(x, lo, width):
    hi = lo + width
    assert np.array_equal(clamp(x, lo, hi), np.clip(x, lo, hi), equal_nan=True)
    assert np.array_equal(np.signbit(clamp(x, lo, hi)), np.signbit(np.clip(x, lo, hi)))


@given(arrays(np.int64, st.integers(0, 30), elements=st.integers(-10**6, 10**6)), st.integers(0, 1000))
def test_clamp_of_ints_stays_int_and_in_range(i, last):
    out = clamp(i, 0, last)
    assert out.dtype == np.int64 and np.array_equal(out, np.clip(i, 0, last))
