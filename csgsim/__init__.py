"""csgsim: how many casemanagers does the on-call duty of a Centre for Sexual Violence need?

Data flows one way: scenario file -> validated Scenario -> sampled inputs -> SimPy run ->
records -> metrics -> outputs. From a notebook:

    import csgsim
    sc = csgsim.load("zeeland.toml")          # a file, or a built-in model's name; None: the default
    res = csgsim.run(sc, replications=20, seed=1)
    res.region_summary()                       # pandas DataFrames, nothing printed
    res.cost_summary()                         # costs per region and year (with [costs])

This path imports neither rich, Typer nor matplotlib (a test checks it).
"""

from __future__ import annotations

import os
from pathlib import Path

# csgsim runs in parallel over processes; OpenBLAS threads on top of them only spin. On 2 shared
# cores one bootstrap product of the summaries cost 19 ms of CPU with its threads, 1.7 ms in one.
# Set before numpy loads (a user's own setting wins; no effect if numpy is already loaded).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from csgsim.config.schema import Scenario
    from csgsim.runtime.replications import RunResult

__version__ = "0.1.0"
__all__ = ["__version__", "load", "run"]


def load(path: str | Path | None = None, regions: list[str] | None = None) -> Scenario:
    """A validated scenario: a TOML file, the name of a built-in model (`zeeland.toml`), or None
    for the built-in Netherlands model; `regions` keeps only those regions."""
    from csgsim.config import scenario
    from csgsim.core import resources

    sc = scenario.load(resources.default_model() if path is None else resources.find_model(path))
    return sc.only(regions) if regions else sc


def run(scenario: Scenario, replications: int | None = None, seed: int | None = None, workers: int = 1,
        records: bool = False) -> RunResult:
    """Simulate `scenario`; the result holds per-replication tables and `region_summary()`,
    `person_summary()` (means with 95% CIs); `records=True` keeps every report, task and call-out.
    One worker by default (a notebook rarely wants a process pool); results do not depend on it."""
    from csgsim.runtime import replications as reps

    return reps.run(scenario, replications=replications, seed=seed, workers=workers, keep_records=records)
