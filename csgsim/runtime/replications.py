"""Replications: run a scenario many times, serially or in parallel, with identical results.

A replication is every region of the scenario simulated once with the streams of its index
(see `csgsim.core.streams.stream`), so results depend only on (scenario, seed, replication index), never on
the worker that ran them or the order they finished in. Workers receive batches of indices
(see `csgsim.runtime.executors.dispatch`) and return compact arrays; the parent puts them back in index order.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csgsim.analysis.metrics import PERSON_METRICS, REGION_METRICS, summarise
from csgsim.config.scenario import Scenario
from csgsim.runtime.executors import Backend, dispatch, make_executor
from csgsim.runtime.jobs import Replication, make_job


@dataclass
class RunResult:
    """Per-replication figures in long form, plus summaries and optional raw records."""

    scenario: Scenario
    seed: int
    replications: int
    region_long: pd.DataFrame  # rep, region, metric, value
    person_long: pd.DataFrame  # rep, region, person, role, metric, value
    records: dict[str, pd.DataFrame] | None
    delays: dict[tuple[str, str], list[np.ndarray]] | None = None  # (region, delay): one array per rep

    def region_summary(self) -> pd.DataFrame:
        """Means with t-intervals; delay percentiles and shares within the norms pooled over replications."""
        norms = self.scenario.norms
        return summarise(self.region_long, ["region"], REGION_METRICS, self.delays, self.seed,
                         {"acute_contact": norms.acute_contact_minutes, "acute_attendance": norms.acute_attendance_minutes})

    def person_summary(self) -> pd.DataFrame:
        return summarise(self.person_long, ["region", "person", "role"], PERSON_METRICS)


def collect(scenario: Scenario, seed: int, results: list[Replication]) -> RunResult:
    """Stack replications (in index order) into long tables."""
    results = sorted(results, key=lambda r: r.rep)
    reps = np.array([r.rep for r in results])
    regions = list(scenario.regions)
    metrics = list(REGION_METRICS)
    cube = np.stack([r.regions for r in results])  # rep, region, metric
    region_long = pd.DataFrame({
        "rep": np.repeat(reps, len(regions) * len(metrics)),
        "region": np.tile(np.repeat(regions, len(metrics)), len(reps)),
        "metric": np.tile(metrics, len(reps) * len(regions)),
        "value": cube.ravel(),
    })
    people = [(rid, p.id, p.role) for rid, reg in scenario.regions.items() for p in reg.people]
    pmetrics = list(PERSON_METRICS)
    pcube = np.stack([r.persons for r in results])  # rep, person, metric
    person_long = pd.DataFrame({
        "rep": np.repeat(reps, len(people) * len(pmetrics)),
        "region": np.tile(np.repeat([p[0] for p in people], len(pmetrics)), len(reps)),
        "person": np.tile(np.repeat([p[1] for p in people], len(pmetrics)), len(reps)),
        "role": np.tile(np.repeat([p[2] for p in people], len(pmetrics)), len(reps)),
        "metric": np.tile(pmetrics, len(reps) * len(people)),
        "value": pcube.ravel(),
    })
    records = None
    if results and results[0].records is not None:
        records = {k: pd.concat([r.records[k] for r in results], ignore_index=True) for k in results[0].records}
    delays = {(rid, kind): [r.delays[i][kind] for r in results]
              for i, rid in enumerate(regions) for kind in (results[0].delays[i] if results else {})}
    return RunResult(scenario, seed, len(results), region_long, person_long, records, delays)


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    keep_records: bool = False,
    backend: Backend | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run `replications` replications (default: the scenario's) of every region.

    On `backend` if given (see `executors`), else on `workers` local processes (default: all).
    """
    seed = scenario.seed if seed is None else seed
    n = scenario.replications if replications is None else replications
    job = make_job(scenario, seed, keep_records)
    done: list[Replication] = []
    with nullcontext(backend) if backend is not None else make_executor(workers) as opened:
        for _, batch in dispatch(opened, {0: job}, {0: list(range(n))}):
            done.extend(batch)
            if on_progress:
                on_progress(len(batch))
    return collect(scenario, seed, done)
