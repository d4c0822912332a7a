"""One replication: every region of the scenario simulated once with the streams of its index.

A `Job` holds what a worker needs (the deterministic plans, the norms, the master seed); a
replication depends only on (job, index), never on the worker that ran it, so every backend of
`csgsim.runtime.executors` gives bit-identical results.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from csgsim.analysis.costs import replication_costs
from csgsim.analysis.delays import DELAYS, delay_samples, delays_of
from csgsim.analysis.metrics import PERSON_METRICS, REGION_METRICS, replication_metrics
from csgsim.config.schema import Norms, Scenario
from csgsim.core.calendar import HOURS_PER_DAY
from csgsim.model import inputs as inputs_mod
from csgsim.config.lines import SharedLine
from csgsim.model.pathways import STEPS, TASK_KINDS, RegionInputs, RegionModel, Records, paused_gc, run_group
from csgsim.staff import rules
from csgsim.staff.rota import Planned


@dataclass(frozen=True)
class Job:
    """What a worker needs: the plans (deterministic inputs) and how to draw the rest."""

    plans: tuple[inputs_mod.RegionPlan, ...]
    norms: Norms
    seed: int
    keep_records: bool
    # Regions simulated together (plan indices) and the lines they share; a region alone: ().
    groups: tuple[tuple[tuple[int, ...], tuple[SharedLine, ...]], ...] = ()


@dataclass
class Replication:
    rep: int
    regions: np.ndarray  # (regions, region metrics)
    persons: np.ndarray  # (people of all regions, person metrics)
    records: dict[str, pd.DataFrame] | None
    delays: list[dict[str, np.ndarray]] = field(default_factory=list)  # per region: delays.delay_samples
    costs: np.ndarray | None = None  # (regions, years of the reported period, cost metrics)


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
        "answered_by": np.concatenate((np.array(("",) + STEPS, dtype=object)[rec.acute_role + 1],
                                       np.full(rec.nonacute_arrival.size, ""))),
        "answered_h": np.concatenate((rec.acute_answered, np.full(rec.nonacute_arrival.size, np.nan))),
        "waited": np.concatenate((rec.acute_waited, np.zeros(rec.nonacute_arrival.size, dtype=bool))),
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
        "start_h": rec.task_start, "end_h": rec.task_end,
    })
    callouts = pd.DataFrame({
        "rep": rep, "region": region_id, "report": rec.eng_report, "person": name(rec.eng_person),
        "start_h": rec.eng_start, "end_h": rec.eng_end, "step": np.array(STEPS, dtype=object)[rec.eng_role],
        "report_region": rec.eng_region,
    })
    return {"reports": reports, "tasks": tasks, "callouts": callouts}


def delays_from_reports(reports: pd.DataFrame, regions: list[str], reps: np.ndarray
                        ) -> dict[tuple[str, str], list[np.ndarray]]:
    """The delay samples of a run (as `RunResult.delays`) rebuilt from its `reports` table: the
    same values (`delays.delays_of`, as float32), so a summary of a stored run pools its delays
    as the run itself did."""
    empty = np.empty(0, dtype=np.float32)
    out = {(region, kind): [empty] * len(reps) for region in regions for kind in DELAYS}
    place = {int(rep): i for i, rep in enumerate(reps)}
    for (region, rep), grp in reports[~reports["warmup"]].groupby(["region", "rep"], sort=False):
        acute, other = grp[grp["type"] == "acute"], grp[grp["type"] == "non_acute"]
        found = delays_of(*(acute[c].to_numpy(dtype=float) for c in ("arrival_h", "contact_h", "on_site_h")),
                          *(other[c].to_numpy(dtype=float) for c in ("arrival_h", "intake_h")))
        for kind, values in found.items():
            if (region, kind) in out and int(rep) in place:
                out[(region, kind)][place[int(rep)]] = values.astype(np.float32)
    return out


def simulate(plans: list[inputs_mod.RegionPlan], shared: tuple[SharedLine, ...], seed: int, rep: int,
             spells: list | None = None) -> tuple[list[RegionInputs], list[Records]]:
    """One replication of one region, or of regions simulated together (one environment)."""
    sampled = inputs_mod.grouped(plans, shared, inputs_mod.sample_regions(plans, seed, rep, spells))
    return sampled, run_inputs(plans, shared, sampled)


def run_inputs(plans: list[inputs_mod.RegionPlan], shared: tuple[SharedLine, ...], sampled: list[RegionInputs]
               ) -> list[Records]:
    """The run `simulate` makes of drawn inputs: one region's model, or one environment for regions
    simulated together."""
    if len(plans) == 1 and not shared:
        return [RegionModel(plans[0].region, plans[0].calendar, sampled[0]).run()]
    return run_group([p.region for p in plans], plans[0].calendar, sampled)


def _with_load_spells(plans: list[inputs_mod.RegionPlan], shared: tuple[SharedLine, ...], seed: int, rep: int,
                      sampled: list[RegionInputs], recs: list[Records]) -> tuple[list[RegionInputs], list[Records]]:
    """Night load raises the hazard of a long spell (where the scenario says so): add those
    spells, then run again."""
    hazard = [p.region.staffing.absence.enabled and p.region.staffing.absence.load_hazard > 0 for p in plans]
    if not any(hazard):
        return sampled, recs
    spells = []
    for plan, s, rec, on in zip(plans, sampled, recs, hazard):
        night = rules.is_night(rec.eng_start, rec.eng_end)
        spells.append(inputs_mod.load_spells(plan, s.spells, rec.eng_person[night], rec.eng_start[night], seed, rep)
                      if on else s.spells)
    return simulate(plans, shared, seed, rep, spells)


#: Region-years a batch of `run_chunk` draws, runs and figures step by step: a national
#: replication's 16 regions, or as many replications of a smaller job. Its inputs and records
#: live until the batch's figures: 16 MB at its peak national, 8 MB for 16 of Rotterdam alone.
STEP_REGIONS = 16


def run_replication(job: Job, rep: int) -> Replication:
    """All regions once, with replication `rep`'s streams."""
    return run_chunk(job, [rep])[0]


def run_chunk(job: Job, reps: list[int]) -> list[Replication]:
    """Replications `reps`, in batches of about STEP_REGIONS region-years, each batch step by step
    (`_batch`). Cyclic garbage collection waits until a batch's end: what it builds lives until
    then (see `pathways.paused_gc`)."""
    per = max(1, STEP_REGIONS // len(job.plans))
    out: list[Replication] = []
    for lo in range(0, len(reps), per):
        with paused_gc():
            out += _batch(job, reps[lo:lo + per])
    return out


def _batch(job: Job, reps: list[int]) -> list[Replication]:
    """Every replication's inputs drawn, then each one's groups run, then every region's figures:
    one step for all the batch's region-years before the next. A step's code then stays in the
    processor's own caches from one region to the next; region by region, each step fetched it
    again from the cache it shares with other processes, which a busy neighbour empties.
    National, against region by region in turns in one process: 5% and 7% less CPU, 9% and 13%
    less with a neighbour streaming through memory (as `benchmarks/bench_goals.py --neighbour`
    runs one); Zeeland and Rotterdam alone, 16 replications at a time against one by one: 7-10%
    and 5% less. Every draw comes from its region's and replication's own streams, so the order
    changes no number."""
    groups = [(members, [job.plans[i] for i in members], shared)
              for members, shared in job.groups or tuple(((i,), ()) for i in range(len(job.plans)))]
    n = len(job.plans)
    own = inputs_mod.sample_regions(job.plans * len(reps), job.seed, [rep for rep in reps for _ in range(n)])
    sampled = [[inputs_mod.grouped(plans, shared, [own[k * n + i] for i in members])
                for members, plans, shared in groups] for k in range(len(reps))]
    runs = [[run_inputs(plans, shared, s) for (_, plans, shared), s in zip(groups, mine)] for mine in sampled]
    return [_replication(job, rep, groups, mine, recs) for rep, mine, recs in zip(reps, sampled, runs)]


def _replication(job: Job, rep: int, groups: list[tuple[tuple[int, ...], list[inputs_mod.RegionPlan], tuple]],
                 sampled: list[list[RegionInputs]], runs: list[list[Records]]) -> Replication:
    """One replication from its groups (plan indices, plans, shared lines), their inputs and runs
    (each group run again first where night load adds absences): every region's figures."""
    figures: dict[int, tuple] = {}
    for (members, plans, shared), s, recs in zip(groups, sampled, runs):
        s, recs = _with_load_spells(plans, shared, job.seed, rep, s, recs)
        for i, si, rec in zip(members, s, recs):
            figures[i] = _region_figures(job, job.plans[i], rep, si, rec)
    region_rows, person_rows, delays, cost_rows, tables = zip(*(figures[i] for i in range(len(job.plans))))
    records = None
    if job.keep_records:
        records = {k: pd.concat([t[k] for t in tables], ignore_index=True) for k in tables[0]}
    return Replication(rep, np.array(region_rows), np.vstack(person_rows), records, list(delays), np.stack(cost_rows))


def _region_figures(job: Job, plan: inputs_mod.RegionPlan, rep: int, sampled: RegionInputs, rec: Records) -> tuple:
    """One region's figures of a replication: its region metrics, per-person metrics, delay
    samples (float32, for pooling), costs and, where the job keeps them, its record tables."""
    found = delay_samples(rec, plan.since)  # for the metrics and, as float32, for pooling
    region_m, persons = replication_metrics(rec, plan.region, sampled, plan.calendar, job.norms, plan.since, found)
    return ([region_m[k] for k in REGION_METRICS],
            np.column_stack([np.asarray(persons[k], dtype=float) for k in PERSON_METRICS]),
            {k: v.astype(np.float32) for k, v in found.items()},
            replication_costs(rec, plan.region, sampled, plan.calendar, plan.since),
            _record_tables(plan.region.id, rep, rec, [p.id for p in plan.region.people], plan.since)
            if job.keep_records else None)


def make_job(scenario: Scenario, seed: int, keep_records: bool = False,
             duties: dict[str, Planned] | None = None) -> Job:
    """The job of a scenario; `duties` replaces a region's duty pattern by a plan in hand (a rota)."""
    plans = tuple(inputs_mod.plan(scenario, rid) for rid in scenario.regions)
    plans = tuple(replace(p, schedule=duties[p.region.id].primary, planned=duties[p.region.id])
                  if p.region.id in (duties or {}) else p for p in plans)
    return Job(plans, scenario.norms, seed, keep_records, groups(scenario))


def groups(scenario: Scenario) -> tuple[tuple[tuple[int, ...], tuple[SharedLine, ...]], ...]:
    """Regions that must run in one environment: linked by a shared line or by a neighbouring
    line that is another region (plan indices in scenario order), with their shared lines."""
    order = list(scenario.regions)
    root = list(range(len(order)))

    def find(i: int) -> int:
        while root[i] != i:
            i = root[i]
        return i

    links = [s.regions for s in scenario.shared_lines]
    links += [(rid, r.escalation.neighbour) for rid, r in scenario.regions.items() if r.escalation.neighbour in order]
    for linked in links:
        for other in linked[1:]:
            root[find(order.index(other))] = find(order.index(linked[0]))
    members: dict[int, list[int]] = {}
    for i in range(len(order)):
        members.setdefault(find(i), []).append(i)
    return tuple((tuple(m), tuple(s for s in scenario.shared_lines if order.index(s.regions[0]) in m))
                 for m in sorted(members.values()))

