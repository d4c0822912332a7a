"""Runs hold per-replication figures in arrays and delays on disk, with the same results."""

import gc
import pickle

import numpy as np
import pytest
from hypothesis import given, strategies as st

from csgsim.runtime import jobs, replications
from csgsim.runtime.spill import SpilledDelays

# Per replication, per region, per delay: how many samples (0 allowed: a replication without any).
SIZES = st.lists(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=3),
                 min_size=1, max_size=6)


@given(sizes=SIZES, order=st.randoms(use_true_random=False))
def test_spilled_delays_give_back_every_array_in_replication_order(sizes, order):
    """Whatever order the replications are added in, each key reads back the same bytes and dtype
    at the replication's position; a replication's empty array stays empty."""
    n_regions = min(len(r) for r in sizes)
    rng = np.random.default_rng(len(sizes))
    kept = {rep: [{"a": rng.random(a).astype(np.float32), "b": rng.random(b).astype(np.float32)}
                  for a, b in regions[:n_regions]] for rep, regions in enumerate(sizes)}
    reps = [10 * k + 3 for k in range(len(sizes))]  # indices need not start at 0
    store = SpilledDelays({rep: k for k, rep in enumerate(reps)})
    added = list(range(len(sizes)))
    order.shuffle(added)
    names = [f"r{i}" for i in range(n_regions)]
    for k in added:
        store.add(reps[k], names, kept[k])
    assert set(store) == {(r, kind) for r in names for kind in "ab"} and len(store) == 2 * n_regions
    for i, region in enumerate(names):
        for kind in "ab":
            back = store[(region, kind)]
            assert len(back) == len(sizes)
            for k, arr in enumerate(back):
                assert arr.dtype == np.float32 and arr.tobytes() == kept[k][i][kind].tobytes()


def test_spilled_delays_missing_key_pickle_and_cleanup():
    """An unknown key is a KeyError; a pickled store is a plain dict with the same arrays; the
    folder goes when the store does."""
    store = SpilledDelays({0: 0, 1: 1})
    store.add(1, ["x"], [{"acute_contact": np.array([1.5, 2.5], dtype=np.float32)}])
    store.add(0, ["x"], [{"acute_contact": np.array([], dtype=np.float32)}])
    with pytest.raises(KeyError):
        store[("y", "acute_contact")]
    assert store.get(("y", "acute_contact")) is None
    copy = pickle.loads(pickle.dumps(store))
    assert type(copy) is dict and [a.tolist() for a in copy[("x", "acute_contact")]] == [[], [1.5, 2.5]]
    folder = store._folder
    assert folder.is_dir()
    del store
    gc.collect()
    assert not folder.exists()


def test_spilled_delays_refuse_another_dtype():
    store = SpilledDelays({0: 0, 1: 1})
    store.add(0, ["x"], [{"acute_contact": np.zeros(2, dtype=np.float32)}])
    with pytest.raises(TypeError, match="float64"):
        store.add(1, ["x"], [{"acute_contact": np.zeros(2)}])


def test_streamed_run_equals_collecting_every_replication(three_regions):
    """`run` takes batches as they finish and spills the delays; its tables, delays and
    summaries are those of stacking all replications in memory (the former way)."""
    streamed = replications.run(three_regions, 5, seed=3, workers=1)
    held = replications.collect(three_regions, 3, jobs.run_chunk(jobs.make_job(three_regions, 3), [4, 2, 0, 1, 3]))
    assert isinstance(streamed.delays, SpilledDelays) and isinstance(held.delays, dict)
    assert list(streamed.delays) == list(held.delays)
    for key, arrays in held.delays.items():
        assert [a.tobytes() for a in streamed.delays[key]] == [a.tobytes() for a in arrays]
    assert streamed.region_long.equals(held.region_long) and streamed.person_long.equals(held.person_long)
    assert streamed.cost_long.equals(held.cost_long)
    assert streamed.region_summary().equals(held.region_summary())
    assert streamed.cost_summary().equals(held.cost_summary())
