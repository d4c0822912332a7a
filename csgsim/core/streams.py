"""Random streams: one independent generator per (replication, region, process).

Each stochastic process of each region has its own stream, rebuilt anywhere from
`SeedSequence(seed, spawn_key=(replication, region key, stream))`. Keying on the replication
index and a stable hash of the region id, not on the scenario, gives common random numbers:
two scenarios that differ in roster or rules see the same reports with the same durations.
"""

from __future__ import annotations

import zlib

import numpy as np

STREAMS = (
    "acute_arrivals",
    "non_acute_arrivals",
    "acute_weeks",
    "non_acute_weeks",
    "acute_durations",
    "non_acute_durations",
    "absence",
    "load_absence",
    "inputs",  # input uncertainty of a region (csgsim.demand.uncertainty)
    "national_inputs",  # the growth shared by all regions (keyed on the name "national")
    "event_inputs",  # an event's drawn size (keyed on "event:<name>")
)


def stream(seed: int, rep: int, region_id: str, name: str) -> np.random.Generator:
    """The random stream `name` of one region in replication `rep`."""
    key = (rep, zlib.crc32(region_id.encode()), STREAMS.index(name))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
