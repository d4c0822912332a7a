"""Replications: run a scenario many times, serially or in parallel, with identical results.

A replication is every region of the scenario simulated once with the streams of its index
(see `inputs.stream`), so results depend only on (scenario, seed, replication index), never on
the worker that ran them or the order they finished in. Workers receive batches of indices
(see `executors.dispatch`) and return compact arrays; the parent puts them back in index order.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import inputs as inputs_mod
from . import rules
from .calendar import HOURS_PER_DAY
from .metrics import PERSON_METRICS, REGION_METRICS, replication_metrics, summarise
from .pathways import TASK_KINDS, RegionModel, Records
from .scenario import Norms, Scenario

if TYPE_CHECKING:
    from .executors import Backend


@dataclass(frozen=True)
class Job:
    """What a worker needs: the plans (deterministic inputs) and how to draw the rest."""

    plans: tuple[inputs_mod.RegionPlan, ...]
    norms: Norms
    seed: int
    keep_records: bool


@dataclass
class Replication:
    rep: int
    regions: np.ndarray  # (regions, region metrics)
    persons: np.ndarray  # (people of all regions, person metrics)
    records: dict[str, pd.DataFrame] | None


def _record_tables(region_id: str, rep: int, rec: Records, people: list[str], since: float = 0.0
                   ) -> dict[str, pd.DataFrame]:
    """Every report, contact and call-out as tables; times in hours from the simulated start."""
    n_acute = rec.acute_arrival.size
    name = np.array(people + ["external"], dtype=object)
    reports = pd.DataFrame({
        "rep": rep,
        "region": region_id,
        "report": np.arange(n_acute + rec.nonacute_arrival.size),
        "type": ["acute"] * n_acute + ["non_acute"] * rec.nonacute_arrival.size,
        "arrival_h": np.concatenate((rec.acute_arrival, rec.nonacute_arrival)),
        "contact_h": np.concatenate((rec.acute_contact, np.full(rec.nonacute_arrival.size, np.nan))),
        "on_site_h": np.concatenate((rec.acute_on_site, np.full(rec.nonacute_arrival.size, np.nan))),
        "intake_h": np.concatenate((np.full(n_acute, np.nan), rec.nonacute_intake)),
        "responder": np.concatenate((np.where(rec.acute_responder >= 0, name[rec.acute_responder], None),
                                     np.full(rec.nonacute_arrival.size, None))),
        "answered_by": np.concatenate((np.array(["", "primary", "backup"], dtype=object)[rec.acute_role + 1],
                                       np.full(rec.nonacute_arrival.size, ""))),
        "owner": name[np.concatenate((rec.acute_owner, rec.nonacute_owner))],
        "in_gap": np.concatenate((rec.acute_in_gap, np.zeros(rec.nonacute_arrival.size, dtype=bool))),
    })
    reports["warmup"] = reports["arrival_h"] < since  # not counted in any metric
    acute = (reports["type"] == "acute").to_numpy()
    served = np.where(acute, reports["contact_h"].notna(), reports["intake_h"].notna())
    reached = reports["responder"].notna().to_numpy()
    reports["status"] = np.select(
        [served, acute & reached, acute],
        ["served", "open: call-back under way", "open: awaiting contact"],
        "open: awaiting intake",
    )
    tasks = pd.DataFrame({
        "rep": rep, "region": region_id, "report": rec.task_case,
        "kind": np.array(TASK_KINDS, dtype=object)[rec.task_kind],
        "person": name[rec.task_owner], "due_h": rec.task_due_day * float(HOURS_PER_DAY),
        "start_h": rec.task_start, "end_h": rec.task_start + rec.task_duration,
    })
    callouts = pd.DataFrame({
        "rep": rep, "region": region_id, "report": rec.eng_report, "person": name[rec.eng_person],
        "start_h": rec.eng_start, "end_h": rec.eng_end,
    })
    return {"reports": reports, "tasks": tasks, "callouts": callouts}


def run_replication(job: Job, rep: int) -> Replication:
    """All regions once, with replication `rep`'s streams."""
    region_rows, person_rows, tables = [], [], []
    for plan in job.plans:
        sampled = inputs_mod.sample(plan, job.seed, rep)
        rec = RegionModel(plan.region, plan.calendar, sampled).run()
        if plan.region.staffing.absence.enabled and plan.region.staffing.absence.load_hazard > 0:
            # Night load raises the hazard of a long spell: add those spells, then run again.
            night = rules.is_night(rec.eng_start, rec.eng_end)
            spells = inputs_mod.load_spells(plan, sampled.spells, rec.eng_person[night], rec.eng_start[night],
                                            job.seed, rep)
            sampled = inputs_mod.sample(plan, job.seed, rep, spells)
            rec = RegionModel(plan.region, plan.calendar, sampled).run()
        region_m, persons = replication_metrics(rec, plan.region, sampled, plan.calendar, job.norms, plan.since)
        region_rows.append([region_m[k] for k in REGION_METRICS])
        person_rows.append(persons[list(PERSON_METRICS)].to_numpy(dtype=float))
        if job.keep_records:
            tables.append(_record_tables(plan.region.id, rep, rec, [p.id for p in plan.region.people],
                                         plan.since))
    records = None
    if job.keep_records:
        records = {k: pd.concat([t[k] for t in tables], ignore_index=True) for k in tables[0]}
    return Replication(rep, np.array(region_rows), np.vstack(person_rows), records)


def run_chunk(job: Job, reps: list[int]) -> list[Replication]:
    return [run_replication(job, r) for r in reps]


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which reports it once (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A local pool with an explicit start method (fork where available: no re-import cost)."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_ignore_sigint)


@dataclass
class RunResult:
    """Per-replication figures in long form, plus summaries and optional raw records."""

    scenario: Scenario
    seed: int
    replications: int
    region_long: pd.DataFrame  # rep, region, metric, value
    person_long: pd.DataFrame  # rep, region, person, role, metric, value
    records: dict[str, pd.DataFrame] | None

    def region_summary(self) -> pd.DataFrame:
        return summarise(self.region_long, ["region"], REGION_METRICS)

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
    return RunResult(scenario, seed, len(results), region_long, person_long, records)


def make_job(scenario: Scenario, seed: int, keep_records: bool = False) -> Job:
    plans = tuple(inputs_mod.plan(scenario, rid) for rid in scenario.regions)
    return Job(plans, scenario.norms, seed, keep_records)


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
    from .executors import dispatch, make_executor

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
