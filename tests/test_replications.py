"""Replications: seeds, streams and parallel execution give reproducible results."""

import numpy as np

from csgsim.core import streams
from csgsim.model import inputs

from csgsim.runtime import jobs, replications


def test_serial_and_parallel_runs_are_identical(three_regions):
    """The same seed gives bit-identical per-replication figures serially and in a pool."""
    serial = replications.run(three_regions, 6, seed=11, workers=1)
    pooled = replications.run(three_regions, 6, seed=11, workers=2)
    assert serial.region_long.equals(pooled.region_long)
    assert serial.person_long.equals(pooled.person_long)


def test_replication_depends_only_on_its_index(three_regions):
    """Each replication is the same run alone or in a chunk, which draws, runs and figures a few
    at a time step by step (here 5 of 3 regions, then 2: a batch's edge falls inside the chunk)."""
    job = jobs.make_job(three_regions, seed=5)
    assert jobs.STEP_REGIONS // len(job.plans) == 5
    chunk = jobs.run_chunk(job, [6, 0, 1, 2, 3, 9, 4])
    assert [r.rep for r in chunk] == [6, 0, 1, 2, 3, 9, 4]
    for got in chunk:
        alone = jobs.run_replication(job, got.rep)
        assert np.array_equal(alone.regions, got.regions, equal_nan=True)
        assert np.array_equal(alone.persons, got.persons, equal_nan=True)
        assert np.array_equal(alone.costs, got.costs, equal_nan=True)


def test_different_seeds_and_indices_give_different_streams():
    """Streams differ across replications, regions and processes; they rebuild identically."""
    draws = {(rep, reg, s): streams.stream(1, rep, reg, s).random()
             for rep in range(3) for reg in ("a", "b") for s in streams.STREAMS}
    assert len(set(draws.values())) == len(draws)
    assert streams.stream(1, 2, "a", "absence").random() == draws[(2, "a", "absence")]


def test_roster_change_keeps_the_arrivals(three_regions):
    """Common random numbers: a different roster sees the same reports and durations."""
    from dataclasses import replace

    region = three_regions.regions["friesland"]
    smaller = replace(three_regions, regions={"friesland": replace(region, people=region.people[:3] + region.people[-1:])})
    a = inputs.sample(inputs.plan(three_regions, "friesland"), 9, 4)
    b = inputs.sample(inputs.plan(smaller, "friesland"), 9, 4)
    assert np.array_equal(a.acute.arrival, b.acute.arrival)
    assert np.array_equal(a.acute.on_site, b.acute.on_site)


def test_regions_drawn_together_are_drawn_as_alone(three_regions):
    """`sample_regions` draws step by step for all regions; each region's inputs are still those
    `sample` draws for it alone, to the bit (its own streams, whatever the order), the index a
    Python or a numpy integer."""
    plans = [inputs.plan(three_regions, rid) for rid in three_regions.regions]
    together = inputs.sample_regions(plans, 7, 2)
    for plan, got in zip(plans, together):
        alone = inputs.sample(plan, 7, np.int64(2))
        pairs = [(getattr(got.acute, f), getattr(alone.acute, f)) for f in vars(alone.acute)]
        pairs += [(getattr(got.non_acute, f), getattr(alone.non_acute, f)) for f in vars(alone.non_acute)]
        pairs += [(got.absent, alone.absent), (got.spells.start, alone.spells.start),
                  (got.spells.person, alone.spells.person), (got.primary.person, alone.primary.person),
                  (got.replan.new, alone.replan.new), (got.planned.new, alone.planned.new)]
        assert got.acute.arrival.size and all(np.array_equal(a, b, equal_nan=True) for a, b in pairs)
