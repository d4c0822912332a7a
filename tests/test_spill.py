"""Runs hold per-replication figures in arrays and delays on disk, with the same results."""

import gc
import pickle
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from csgsim.runtime import jobs, replications
from csgsim.runtime.spill import FigureCube, SpilledDelays

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


@given(shape=st.tuples(st.integers(1, 7), st.integers(1, 4), st.integers(1, 5)), order=st.randoms(use_true_random=False),
       start=st.integers(0, 8), stop=st.integers(0, 8))
def test_a_figure_cube_reads_back_the_array_that_was_put(shape, order, start, stop):
    """Whatever order replications are put in, a stretch of replications, a label's block, the
    whole and a pickled copy are the bytes of the same array in memory."""
    whole = np.random.default_rng(sum(shape)).normal(size=shape)
    cube = FigureCube(*shape)
    positions = list(range(shape[0]))
    order.shuffle(positions)
    for i in positions:
        cube.put(i, whole[i])
    assert cube[start:stop].tobytes() == whole[start:stop].tobytes() and cube[start:stop].shape == whole[start:stop].shape
    for label in range(shape[1]):
        assert cube[:, label].tobytes() == np.ascontiguousarray(whole[:, label]).tobytes()
    assert np.asarray(cube).tobytes() == whole.tobytes()
    copy = pickle.loads(pickle.dumps(cube))
    assert type(copy) is np.ndarray and copy.tobytes() == whole.tobytes()


def test_a_figure_cube_refuses_what_it_does_not_hold():
    """A block of another shape, a label out of range and a strided read are clear errors."""
    cube = FigureCube(3, 2, 4)
    with pytest.raises(ValueError, match=r"\(2, 4\)"):
        cube.put(0, np.zeros((4, 2)))
    with pytest.raises(IndexError):
        cube[:, 2]
    with pytest.raises(IndexError):
        cube[::2]
    assert cube[1:2].tolist() == [[[0.0] * 4] * 2]  # never put: zeros


def test_summaries_of_a_figure_cube_read_one_label_at_a_time(three_regions):
    """A run's region, person and cost summaries, from figures on disk read a label (or, for the
    national costs, COST_CHUNK replications) at a time, are those of the arrays in memory."""
    streamed = replications.run(three_regions, 4, seed=5, workers=1)
    held = replications.collect(three_regions, 5, jobs.run_chunk(jobs.make_job(three_regions, 5), [0, 1, 2, 3]))
    assert isinstance(streamed.person_values, FigureCube) and isinstance(held.person_values, np.ndarray)
    reads = []
    getitem = FigureCube.__getitem__

    def spy(self, key):
        reads.append(key)
        return getitem(self, key)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(FigureCube, "__getitem__", spy)
        pd.testing.assert_frame_equal(streamed.person_summary(), held.person_summary(), check_exact=True)
        pd.testing.assert_frame_equal(streamed.region_summary(), held.region_summary(), check_exact=True)
        pd.testing.assert_frame_equal(streamed.cost_summary(), held.cost_summary(), check_exact=True)
    assert reads and all(isinstance(k, tuple) or k.stop - k.start <= replications.COST_CHUNK for k in reads)


def test_a_spilling_collector_keeps_a_few_bytes_per_replication(three_regions):
    """With `spill`, a replication's figures go to disk: what a run's collector holds per
    replication is a few hundred bytes (its position, the delays' index: 24 bytes a key), not
    the figures' arrays as without it (here 5 kB, for the national model 30 kB)."""
    reps = 300
    one = jobs.run_chunk(jobs.make_job(three_regions, 1), [0])[0]
    size = one.regions.nbytes + one.persons.nbytes + one.costs.nbytes

    def held(spill: bool) -> tuple[float, replications.Collector]:
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            collector = replications.Collector(three_regions, 1, range(reps), spill=spill)
            for r in range(reps):
                one.rep = r
                collector.add([one])
            return (tracemalloc.get_traced_memory()[0] - before) / reps, collector
        finally:
            tracemalloc.stop()

    per_rep, collector = held(True)
    assert per_rep < 1_000 < size <= held(False)[0]
    result = collector.result()
    assert np.asarray(result.person_values[reps - 2:]).tobytes() == np.stack([one.persons] * 2).tobytes()


def test_a_full_temporary_folder_is_a_clear_error_not_a_traceback(monkeypatch):
    """A run keeps its figures and delays in temporary files: when the folder takes no more (a
    short write, or the system's 'no space left'), `csgsim run` says where and what to do, in one
    line, and exits 2."""
    import errno

    from typer.testing import CliRunner

    from csgsim.runtime.spill import SpillError
    from csgsim.ui.cli import app

    cube = FigureCube(2, 3, 4)
    monkeypatch.setattr(cube, "_file", type("Short", (), {"seek": lambda self, at: None,
                                                        "write": lambda self, data: len(data) - 1})())
    with pytest.raises(SpillError, match="figures.*set TMPDIR"):
        cube.put(0, np.ones((3, 4)))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("csgsim.runtime.spill.tempfile.TemporaryFile", full)
    monkeypatch.setattr("csgsim.runtime.spill.tempfile.mkdtemp", full)
    with pytest.raises(SpillError, match="delays.*No space left"):
        SpilledDelays({0: 0})
    res = CliRunner().invoke(app, ["run", "--region", "zeeland", "-n", "1", "--workers", "1"])
    assert res.exit_code == 2, res.output
    assert "error: cannot keep the run's" in res.output and "set TMPDIR" in res.output
    assert "Traceback" not in res.output
