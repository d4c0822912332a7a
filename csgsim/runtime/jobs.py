"""One replication: every region of the scenario simulated once with the streams of its index.

A `Job` holds what a worker needs (the deterministic plans, the norms, the master seed); a
replication depends only on (job, index), never on the worker that ran it, so every backend of
`csgsim.runtime.executors` gives bit-identical results.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csgsim.analysis.metrics import PERSON_METRICS, REGION_METRICS, delay_samples, replication_metrics
from csgsim.config.scenario import Norms, Scenario
from csgsim.core.calendar import HOURS_PER_DAY
from csgsim.model import inputs as inputs_mod
from csgsim.model.pathways import TASK_KINDS, RegionModel, Records
from csgsim.staff import rules


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
    delays: list[dict[str, np.ndarray]] = field(default_factory=list)  # per region: metrics.delay_samples


def _record_tables(region_id: str, rep: int, rec: Records, people: list[str], since: float = 0.0
                   ) -> dict[str, pd.DataFrame]:
    """Every report, contact and call-out as tables; times in hours from the simulated start."""
    n_acute = rec.acute_arrival.size
    names = np.array(people + ["external"], dtype=object)

    def name(index: np.ndarray) -> np.ndarray:
        """Person names; "external" only for the external backup, None for nobody (NOBODY)."""
        return np.where(index >= 0, names[np.clip(index, 0, None)], None)

    reports = pd.DataFrame({
        "rep": rep,
        "region": region_id,
        "report": np.arange(n_acute + rec.nonacute_arrival.size),
        "type": ["acute"] * n_acute + ["non_acute"] * rec.nonacute_arrival.size,
        "arrival_h": np.concatenate((rec.acute_arrival, rec.nonacute_arrival)),
        "contact_h": np.concatenate((rec.acute_contact, np.full(rec.nonacute_arrival.size, np.nan))),
        "on_site_h": np.concatenate((rec.acute_on_site, np.full(rec.nonacute_arrival.size, np.nan))),
        "intake_h": np.concatenate((np.full(n_acute, np.nan), rec.nonacute_intake)),
        "responder": np.concatenate((name(rec.acute_responder),
                                     np.full(rec.nonacute_arrival.size, None))),
        "answered_by": np.concatenate((np.array(["", "primary", "backup"], dtype=object)[rec.acute_role + 1],
                                       np.full(rec.nonacute_arrival.size, ""))),
        "owner": name(np.concatenate((rec.acute_owner, rec.nonacute_owner))),
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
        "person": name(rec.task_owner), "due_h": rec.task_due_day * float(HOURS_PER_DAY),
        "start_h": rec.task_start, "end_h": rec.task_start + rec.task_duration,
    })
    callouts = pd.DataFrame({
        "rep": rep, "region": region_id, "report": rec.eng_report, "person": name(rec.eng_person),
        "start_h": rec.eng_start, "end_h": rec.eng_end,
    })
    return {"reports": reports, "tasks": tasks, "callouts": callouts}


def run_replication(job: Job, rep: int) -> Replication:
    """All regions once, with replication `rep`'s streams."""
    region_rows, person_rows, tables, delays = [], [], [], []
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
        delays.append({k: v.astype(np.float32) for k, v in delay_samples(rec, plan.since).items()})
        if job.keep_records:
            tables.append(_record_tables(plan.region.id, rep, rec, [p.id for p in plan.region.people],
                                         plan.since))
    records = None
    if job.keep_records:
        records = {k: pd.concat([t[k] for t in tables], ignore_index=True) for k in tables[0]}
    return Replication(rep, np.array(region_rows), np.vstack(person_rows), records, delays)


def run_chunk(job: Job, reps: list[int]) -> list[Replication]:
    return [run_replication(job, r) for r in reps]


def make_job(scenario: Scenario, seed: int, keep_records: bool = False) -> Job:
    plans = tuple(inputs_mod.plan(scenario, rid) for rid in scenario.regions)
    return Job(plans, scenario.norms, seed, keep_records)

