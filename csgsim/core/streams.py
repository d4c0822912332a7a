"""Random streams: one independent generator per (replication, region, process[, key]).

Each stochastic process of each region has its own stream, rebuilt anywhere from
`SeedSequence(seed, spawn_key=(replication, region key, stream, *keys))`. Keying on the
replication index and stable hashes, not on the scenario or on how many things there are,
gives common random numbers that stay common when a variant changes the team or the demand:

- absences, annual leave and whether a person answers a call-in: one stream per person, keyed
  by a hash of the person's id (`person_key`), so a person's draws do not move when the team
  grows or shrinks;
- arrivals: per region and type, one stream per height band of the thinned Poisson process
  (`csgsim.demand.intensity.sample_arrivals`), which carries each report's durations with it, so
  a variant with more demand keeps every report of the baseline, with the same durations.
"""

from __future__ import annotations

import zlib

import numpy as np

STREAMS = (
    "acute_arrivals",
    "non_acute_arrivals",
    "acute_weeks",
    "non_acute_weeks",
    "absence",
    "load_absence",
    "escalation",
    "annual_leave",
    "inputs",  # input uncertainty of a region (csgsim.demand.uncertainty)
    "national_inputs",  # the growth shared by all regions (keyed on the name "national")
    "event_inputs",  # an event's drawn size (keyed on "event:<name>")
    "callin_reach",  # per person (keyed like absence): answers a call-in for each acute report or not
)


def person_key(person_id: str) -> int:
    """The stream key of a person: a stable hash of the id, not the person's place in the team."""
    return zlib.crc32(person_id.encode())


def stream(seed: int, rep: int, region_id: str, name: str, *keys: int) -> np.random.Generator:
    """The random stream `name` of one region in replication `rep` (`keys`: a person, a band)."""
    key = (rep, zlib.crc32(region_id.encode()), STREAMS.index(name), *keys)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
