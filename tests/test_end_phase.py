"""The end of a run (summaries, tables) works a bounded slice of replications at a time, with
the figures of the whole-table computation it replaced (issue 21: memory flat in replications)."""

import tracemalloc
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, strategies as st

from csgsim.analysis import confidence as iv
from csgsim.analysis.costs import COST_METRICS
from csgsim.analysis import summary
from csgsim.analysis.summary import summarise
from csgsim.runtime import jobs, replications
from csgsim.runtime.spill import SpilledDelays
from conftest import build, region_data


@pytest.fixture(scope="module")
def two_years() -> replications.RunResult:
    """Two small regions with costs, over a turn of the year (two cost years), 5 replications."""
    sc = build({"a": region_data(team=4, prefix="a"), "b": region_data(team=4, acute=30.0, prefix="b")},
               start=date(2025, 11, 1), days=90)
    return replications.run(sc, 5, seed=11, workers=1)


@pytest.mark.parametrize("chunk", [1, 2, 5, 50])
def test_cost_summary_from_the_cube_is_the_summary_of_the_long_table(two_years, chunk):
    """Exactly the rows, order and values of `summarise(with_national(cost_long))`, for any chunk."""
    res = two_years
    assert res.cost_long["year"].nunique() == 2  # the national rows' order differs with 2 years
    whole = summarise(replications.with_national(res.cost_long), ["region", "year"], COST_METRICS)
    streamed = replications.cost_summary_of(res.scenario, res.reps, res.cost_values, chunk)
    pd.testing.assert_frame_equal(streamed, whole, check_exact=True)
    assert res.cost_summary().equals(whole)


def test_cost_summary_never_builds_national_figures_of_more_than_a_chunk(two_years, monkeypatch):
    """The national figures (a pandas pivot) are built `chunk` replications at a time, never for
    the whole run: what kept the main process's end phase growing with -n."""
    seen = []
    national = replications._national

    def spy(cost_long):
        seen.append(cost_long["rep"].nunique())
        return national(cost_long)

    monkeypatch.setattr(replications, "_national", spy)
    replications.cost_summary_of(two_years.scenario, two_years.reps, two_years.cost_values, chunk=2)
    assert seen == [2, 2, 1]


@given(sizes=st.lists(st.integers(0, 60), min_size=1, max_size=12), seed=st.integers(0, 2**16))
def test_pooled_percentiles_of_float32_delays_are_those_of_their_float64_values(sizes, seed):
    """Delays are pooled in their own type (float32: half the memory of the former float64
    copies); every percentile and bootstrap bound is bit for bit that of the float64 values."""
    gen = np.random.default_rng(seed)
    samples = [np.round(gen.exponential(30, k), 1).astype(np.float32) for k in sizes]
    wide = [s.astype(float) for s in samples]
    qs = [0.5, 0.9, 0.95]
    assert iv.pooled_quantiles(samples, qs).tobytes() == iv.pooled_quantiles(wide, qs).tobytes()
    if sum(sizes):
        few = iv.bootstrap_quantiles(samples, qs, 0.95, np.random.default_rng(seed), resamples=50)
        exact = iv.bootstrap_quantiles(wide, qs, 0.95, np.random.default_rng(seed), resamples=50)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(few, exact))


def test_a_grid_of_many_distinct_delays_is_the_float64_grid(monkeypatch):
    """Past GRID_POINTS distinct values the grid is of pooled order statistics, the same values."""
    monkeypatch.setattr(iv, "GRID_POINTS", 16)
    samples = [np.random.default_rng(k).exponential(30, 40).astype(np.float32) for k in range(5)]
    grid = iv._grid(samples)
    assert grid.dtype == np.float64 and grid.size <= 16
    pooled = np.concatenate([s.astype(float) for s in samples])  # the former float64 grid
    former = np.unique(np.quantile(pooled, np.linspace(0, 1, 16), method="inverted_cdf"))
    assert grid.tobytes() == former.tobytes()


def test_the_spilled_delays_index_keeps_a_few_bytes_per_replication():
    """What stays in memory per replication and (region, delay) when delays are spilled is a
    few machine integers, not Python objects (a tuple of three ints took about 100 bytes)."""
    reps = 2000
    store = SpilledDelays({r: r for r in range(reps)})
    delays = [{"acute_contact": np.ones(3, np.float32)}]
    store.add(0, ["x"], delays)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for r in range(1, reps):
            store.add(r, ["x"], delays)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown / reps < 40
    assert [a.size for a in store[("x", "acute_contact")]] == [3] * reps


def test_the_replications_costs_file_is_written_in_parts_and_reads_back_whole(two_years, tmp_path, monkeypatch):
    """`run --out` writes the per-replication costs a few replications at a time (a run holds
    only the cost cube); the file reads back as the whole table, with its column types."""
    from functools import partial

    from csgsim.runtime import streaming
    from csgsim.ui import outputs

    monkeypatch.setattr(outputs, "write_in_parts", partial(streaming.write_in_parts, step=2))
    outputs.write_outputs(two_years, tmp_path)
    back = pd.read_parquet(tmp_path / "replications_costs.parquet")
    whole = two_years.cost_long
    assert len(whole) == 5 * len(two_years.scenario.regions) * 2 * len(COST_METRICS)
    pd.testing.assert_frame_equal(back, whole, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "summary_costs.parquet"), two_years.cost_summary(),
                                  check_exact=True)
    assert two_years.cost_table is None  # the run holds the cube, not the long table


def test_the_bootstrap_draws_its_weights_a_chunk_at_a_time_with_the_same_bounds():
    """The replication weights (8 kB a replication for 1,000 resamples) are drawn RESAMPLE_CHUNK
    rows at a time as they are weighed; the bounds are those of drawing the whole matrix first."""
    gen = np.random.default_rng(4)
    samples = [np.round(gen.exponential(30, k), 1).astype(np.float32) for k in (5, 0, 12, 7, 30, 2)]
    qs, resamples, reps = [0.5, 0.95], 250, 6

    class Spy:  # the generator, recording the size of each draw
        def __init__(self):
            self.rng, self.sizes = np.random.default_rng(9), []

        def multinomial(self, n, pvals, size):
            self.sizes.append(size)
            return self.rng.multinomial(n, pvals, size=size)

    spy = Spy()
    lo, hi = iv.bootstrap_quantiles(samples, qs, 0.95, spy, resamples=resamples)
    assert max(spy.sizes) <= iv.RESAMPLE_CHUNK and sum(spy.sizes) == resamples
    weights = np.random.default_rng(9).multinomial(reps, np.full(reps, 1 / reps), size=resamples)
    values = iv._resampled_quantiles(samples, qs, weights)
    values = values[~np.isnan(values[:, 0])]
    for i in range(len(qs)):
        assert [lo[i], hi[i]] == np.quantile(values[:, i], [0.025, 0.975], method="inverted_cdf").tolist()


def test_a_kept_run_closes_its_record_files_before_the_summaries(three_regions, tmp_path):
    """`PartialRun.run` closes the record writer once every batch is read back, so the Parquet
    footers it builds up (a few kB a batch, growing with -n) are gone before the end phase;
    the files then read back as the records of the run, and closing again changes nothing."""
    from csgsim.runtime.executors import make_executor
    from csgsim.runtime.partial import PartialRun
    from csgsim.runtime.streaming import RecordWriter

    kept = PartialRun.open(tmp_path / "out", {"test": 1}, resume=False, overwrite=False)
    (tmp_path / "staging").mkdir()
    writer = RecordWriter(tmp_path / "staging")
    with make_executor(1) as serial:
        result = kept.run(three_regions, 3, 4, serial, True, writer=writer)
    assert all(f._writer is None for f in writer._files.values())
    reports = pd.read_parquet(tmp_path / "staging" / "reports.parquet")
    writer.close()
    held = replications.run(three_regions, 3, seed=4, workers=1, keep_records=True)
    pd.testing.assert_frame_equal(reports, held.records["reports"], check_exact=True)
    assert result.region_summary().equals(held.region_summary())


def test_summaries_hand_memory_back_after_each_label_with_the_same_rows(two_years):
    """`after_label` (a run's heap release) is called once per label and changes no figure."""
    res, calls = two_years, []
    labels = [(r,) for r in res.scenario.regions]
    args = (res.region_values, labels, ["region"], replications.REGION_METRICS, res.delays, res.seed)
    plain = summary.summarise_values(*args)
    hooked = summary.summarise_values(*args, after_label=lambda: calls.append(1))
    pd.testing.assert_frame_equal(hooked, plain, check_exact=True)
    assert len(calls) == len(labels) == 2


def test_tables_written_in_parts_hand_memory_back_after_each_part(tmp_path, monkeypatch):
    """`write_in_parts` releases the heap after every part: what a part freed (pandas, pyarrow's
    pool) does not pile up over a long table."""
    from csgsim.runtime import heap, streaming

    released = []
    monkeypatch.setattr(heap, "release", lambda: released.append(1))
    frame = pd.DataFrame({"rep": np.arange(7), "value": np.linspace(0, 1, 7)})
    streaming.write_in_parts(tmp_path / "t.parquet", lambda part: frame.iloc[part], 7, step=3)
    assert len(released) == 3
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), frame, check_exact=True)


@given(sizes=st.lists(st.integers(0, 40), min_size=1, max_size=9), block=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_bootstrap_counts_kept_small_and_weighed_in_blocks_give_the_float64_product(sizes, block, seed):
    """The bootstrap's (replication x grid) counts are kept in a small whole type and weighed a
    block of replications at a time; every resampled quantile is that of the former float64
    product of the whole matrices."""
    gen = np.random.default_rng(seed)
    samples = [np.round(gen.exponential(30, k), 1).astype(np.float32) for k in sizes]
    reps, qs = len(sizes), [0.5, 0.9]
    weights = gen.multinomial(reps, np.full(reps, 1 / reps), size=30)
    grid = iv._grid(samples)
    counts = np.array([np.searchsorted(np.sort(s.astype(float)), grid, side="right") for s in samples], dtype=float)
    cum, total = weights.astype(float) @ counts, weights.astype(float) @ np.array(sizes, dtype=float)
    former = np.full((len(weights), len(qs)), np.nan)
    ok = total > 0
    for i, q in enumerate(qs):
        former[ok, i] = grid[iv._first_reaching(cum[ok], q * total[ok] - 1e-9)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(iv, "REPLICATION_BLOCK", block)
        assert iv._resampled_quantiles(samples, qs, weights).tobytes() == former.tobytes()
    small = iv._weighed(weights.astype(float), counts.astype(np.min_scalar_type(max(sizes))))
    assert small.tobytes() == cum.tobytes()


def test_record_files_gather_batches_into_fewer_row_groups_with_the_same_rows(three_regions, tmp_path, monkeypatch):
    """A record file holds batches (as Arrow) until RECORD_GROUP_BYTES have come and writes them
    as one row group: a writer's footer, kept in memory until it closes, grew by a few kB a
    batch. The file reads back as the run's records, row for row, whatever the group size."""
    from csgsim.runtime import streaming

    batches = [jobs.run_chunk(jobs.make_job(three_regions, 6, keep_records=True), [r]) for r in range(4)]
    held = replications.collect(three_regions, 6, [b[0] for b in batches]).records
    groups = {}
    for limit in (0, 10**9):
        monkeypatch.setattr(streaming, "RECORD_GROUP_BYTES", limit)
        folder = tmp_path / str(limit)
        folder.mkdir()
        writer = streaming.RecordWriter(folder)
        for k in (1, 0, 2, 3):  # out of order, as batches finish: three appends
            writer.add([replace(r, records=dict(r.records)) for r in batches[k]])  # add() takes the records
        writer.close()
        for name, table in held.items():
            pd.testing.assert_frame_equal(pd.read_parquet(folder / f"{name}.parquet"), table, check_exact=True)
        groups[limit] = pq.ParquetFile(folder / "reports.parquet").num_row_groups
    assert groups == {0: 3, 10**9: 1}
