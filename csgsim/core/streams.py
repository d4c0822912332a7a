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
    "annual_leave",
)


def stream(seed: int, rep: int, region_id: str, name: str) -> np.random.Generator:
    """The random stream `name` of one region in replication `rep`."""
    key = (rep, zlib.crc32(region_id.encode()), STREAMS.index(name))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


#: The key of the coordinator's own stream, apart from casemanager indices (which shift with the team).
COORDINATOR_KEY = 1 << 20


def person_stream(seed: int, rep: int, region_id: str, name: str, person_key: int) -> np.random.Generator:
    """The stream `name` of one person (casemanager index or COORDINATOR_KEY) of one region.

    A person's draws then do not move when the team grows or shrinks.
    """
    key = (rep, zlib.crc32(region_id.encode()), STREAMS.index(name), person_key)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
