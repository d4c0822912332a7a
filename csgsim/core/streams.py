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
    "escalation",  # retired (the call-in and neighbour delays are marks of each report): kept so indices hold
    "annual_leave",
    "inputs",  # input uncertainty of a region (csgsim.demand.uncertainty)
    "national_inputs",  # the growth shared by all regions (keyed on the name "national")
    "event_inputs",  # an event's drawn size (keyed on "event:<name>")
    "callin_reach",  # retired (call-in answers are now `keyed_uniform` of a report's mark): kept so indices hold
)


def person_key(person_id: str) -> int:
    """The stream key of a person: a stable hash of the id, not the person's place in the team."""
    return zlib.crc32(person_id.encode())


def stream(seed: int, rep: int, region_id: str, name: str, *keys: int) -> np.random.Generator:
    """The random stream `name` of one region in replication `rep` (`keys`: a person, a band):
    the generator of `SeedSequence(seed, spawn_key=(rep, region, stream, *keys))`.

    About 25 are made per region and replication, so the seed sequence is given the words it
    would assemble from seed and key as one array (`_entropy`), which saves it reading each part
    again: the same pool, the same state (tests/test_streams.py holds the two equal)."""
    key = (rep, zlib.crc32(region_id.encode()), STREAMS.index(name), *keys)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(_entropy(seed, key))))


_WORD = (1 << 32) - 1


def _entropy(seed: int, spawn_key: tuple[int, ...]) -> np.ndarray:
    """The words `SeedSequence(seed, spawn_key=spawn_key)` mixes into its pool: the seed's 32-bit
    words (least significant first) padded with zeros to the pool's 4 words, then each key's."""
    words = _words(seed)
    words += [0] * (4 - len(words))
    for k in spawn_key:
        if 0 <= k <= _WORD:  # one word, itself (almost every key: a crc32, an index)
            words.append(k)
        else:
            words += _words(k)
    return np.array(words, dtype=np.uint32)


def _words(n: int) -> list[int]:
    """A non-negative integer as 32-bit words, least significant first (0 is one word)."""
    if n < 0:
        raise ValueError("expected non-negative integer")
    out = [int(n) & _WORD]
    n = int(n) >> 32
    while n:
        out.append(n & _WORD)
        n >>= 32
    return out


_MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    """SplitMix64's finaliser: a bijection of 64-bit integers that scatters every input bit."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def keyed_uniform(*keys: int) -> float:
    """A uniform number in [0, 1) that is a fixed function of `keys` (non-negative integers).

    For draws that belong to a combination of things, none of which owns a stream: whether
    a person answers the n-th call-in attempt for a report is `keyed_uniform(report mark,
    person key, n)`, so it moves neither when reports nor when people are added.
    """
    x = 0
    for key in keys:
        x = _mix(x ^ (key & _MASK))
    return (x >> 11) / float(1 << 53)


def mark_keys(u: np.ndarray) -> list[int]:
    """Reports' keys from one of their uniform marks in [0, 1) (53 random bits each): int(u x 2^53),
    for all at once (times 2^53 is exact, and the conversion to int64 truncates as int() does)."""
    return (u * float(1 << 53)).astype(np.int64).tolist()
