"""The reductions of `csgsim.analysis.reduce` are numpy's own, to the last bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, strategies as st

from csgsim.analysis.reduce import count, first_index, mean, total

floats = st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=300).map(np.array)
bools = st.lists(st.booleans(), min_size=1, max_size=300).map(np.array)


@given(values=floats)
def test_mean_and_total_of_floats_are_numpys(values) -> None:
    """Same pairwise sum as ndarray.mean/sum (over 8 values too), same division by the count."""
    assert mean(values) == float(values.mean()) and total(values) == float(values.sum())
    assert mean(values[::2]) == float(values[::2].mean())  # a strided view sums the same way


@given(mask=bools)
def test_shares_and_counts_of_bools_are_numpys(mask) -> None:
    assert mean(mask) == float(mask.mean()) and count(mask) == int(mask.sum())


@given(key=st.lists(st.integers(0, 9), max_size=40).map(lambda k: np.array(k, dtype=np.int64)))
def test_first_index_is_uniques(key) -> None:
    """Each present value's first index as np.unique gives it; absent values get key.size."""
    got = first_index(key, 10)
    values, at = np.unique(key, return_index=True)
    assert got[values].tolist() == at.tolist()
    assert (got[np.setdiff1d(np.arange(10), values)] == key.size).all()
