"""Sampled inputs: everything random about a replication, drawn before the SimPy run.

Every draw comes from the keyed streams of `csgsim.core.streams`, so results depend only on
(scenario, seed, replication index).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from csgsim.staff import absence
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.core.streams import COORDINATOR_KEY, person_stream, stream
from csgsim.demand.intensity import intensity, sample_arrivals
from csgsim.staff.duties import NOBODY, Schedule, base_schedule
from csgsim.model.pathways import AcuteInputs, NonAcuteInputs, RegionInputs
from csgsim.staff.leave import plan_leave
from csgsim.staff.replanning import PLANNED, ReplanLog, replan
from csgsim.config.staffing import get_ruleset
from csgsim.config.scenario import Region, Scenario


@dataclass(frozen=True)
class RegionPlan:
    """The deterministic part of a region's inputs, computed once for all replications."""

    region: Region
    calendar: Calendar  # the simulated period, warm-up included
    since: float  # hours of warm-up: metrics count from here
    acute_rate: np.ndarray
    non_acute_rate: np.ndarray
    schedule: Schedule


def base_roster(region: Region, cal: Calendar) -> Schedule:
    """The region's duty pattern over the calendar, before any absence."""
    duty = region.duty
    return base_schedule(duty.pattern, region.casemanagers, cal, duty.handover_hour,
                         duty.handover_weekday, duty.office_start_hour, duty.office_end_hour)


def plan(scenario: Scenario, region_id: str) -> RegionPlan:
    region = scenario.regions[region_id]
    cal = scenario.simulation_calendar
    return RegionPlan(region, cal, scenario.warmup_hours, intensity(scenario, region_id, "acute", cal),
                      intensity(scenario, region_id, "non_acute", cal), base_roster(region, cal))


def backup_schedule(kind: str, primary: Schedule, region: Region, spells: absence.Spells) -> Schedule | None:
    """Who takes a second call while the duty holder is busy (NOBODY where they are out)."""
    if kind == "none":
        return None
    n_people = len(region.people)
    if kind == "external":
        person = np.full(len(primary), n_people)
    elif kind == "coordinator":
        person = np.full(len(primary), n_people - 1)
    else:  # next_in_line: whoever holds the next duty
        person = np.append(primary.person[1:], primary.person[:1])
    person = np.where(person == primary.person, NOBODY, person)
    away = absence.overlaps(spells, n_people, primary.start, primary.end)
    inside = (person >= 0) & (person < n_people)
    person = np.where(inside & away[np.clip(person, 0, n_people - 1), np.arange(len(primary))], NOBODY, person)
    return Schedule(start=primary.start, end=primary.end, person=person.astype(np.int64), kind=primary.kind)


def annual_leave(plan: RegionPlan, seed: int, rep: int) -> absence.Spells:
    """The planned annual leave of everyone in the region, from one stream per person."""
    region = plan.region
    cms = region.casemanagers
    gens: dict[int, np.random.Generator] = {}

    def rng(person: int) -> np.random.Generator:
        if person not in gens:
            key = person if person < cms else COORDINATOR_KEY + person - cms
            gens[person] = person_stream(seed, rep, region.id, "annual_leave", key)
        return gens[person]

    return plan_leave(region.staffing.leave, cms, len(region.people), plan.calendar, rng, region.duty.period_start)


def staff_spells(plan: RegionPlan, seed: int, rep: int) -> absence.Spells:
    """Random sick spells and departures, annual leave laid over them (where someone is both
    sick and on leave the day counts as leave), and the scenario's scripted dropout over all."""
    region, cal = plan.region, plan.calendar
    staffing = region.staffing
    n_people = len(region.people)
    spells = absence.Spells.empty()
    if staffing.absence.enabled:
        spells = absence.sample_spells(staffing.absence, n_people, cal.horizon, stream(seed, rep, region.id, "absence"))
    spells = absence.overlay(spells, annual_leave(plan, seed, rep), cal.horizon)
    index = {p.id: i for i, p in enumerate(region.people)}
    return absence.apply_scripted(spells, list(staffing.absences), index, cal, staffing.absence)


def load_spells(plan: RegionPlan, spells: absence.Spells, night_person: np.ndarray, night_time: np.ndarray,
                seed: int, rep: int) -> absence.Spells:
    """Long spells caused by night load (an assumption, off unless absence.load_hazard > 0).

    The night call-outs come from a first run without these spells; the hazard is applied
    week by week over the horizon.
    """
    params, region = plan.region.staffing.absence, plan.region
    rng = stream(seed, rep, region.id, "load_absence")
    week = 7 * HOURS_PER_DAY
    for t0 in np.arange(0.0, plan.calendar.horizon, week):
        spells = absence.sample_load_spells(params, spells, night_person, night_time, t0, t0 + week,
                                            len(region.people), plan.calendar.horizon, rng)
    return spells


def duty_rosters(plan: RegionPlan, spells: absence.Spells
                 ) -> tuple[Schedule, Schedule | None, ReplanLog, ReplanLog]:
    """The duty and backup schedules, and the logs of the two re-plans behind them.

    First the roster is made around annual leave, weeks ahead (policy "planned": within the
    rules, else the backup, else a breach); then the duties of people who fall ill or drop
    out are re-planned at short notice by the region's policy.
    """
    region = plan.region
    st = region.staffing
    n_people = len(region.people)
    backup_person = {"coordinator": n_people - 1, "external": n_people}.get(region.backup)
    order = [region.index(p) for p in st.next_in_line]
    rules, day_start = get_ruleset(st.rules), region.duty.period_start
    on_leave = absence.of_kind(spells, absence.ANNUAL)
    planned, plan_log = replan(plan.schedule, on_leave, region.casemanagers, rules, PLANNED, order, backup_person,
                               day_start)
    primary, log = replan(planned, spells, region.casemanagers, rules, st.replan, order, backup_person, day_start)
    return primary, backup_schedule(region.backup, primary, region, spells), log, plan_log


def sample(plan: RegionPlan, seed: int, rep: int, spells: absence.Spells | None = None) -> RegionInputs:
    """Draw one replication's reports, durations and absences for one region.

    `spells` replaces the absences drawn here (used for the load-hazard second pass).
    """
    region, pw = plan.region, plan.region.pathway
    rid = region.id
    acute_t = sample_arrivals(plan.acute_rate, region.acute.overdispersion_cv,
                              stream(seed, rep, rid, "acute_arrivals"), stream(seed, rep, rid, "acute_weeks"))
    non_t = sample_arrivals(plan.non_acute_rate, region.non_acute.overdispersion_cv,
                            stream(seed, rep, rid, "non_acute_arrivals"), stream(seed, rep, rid, "non_acute_weeks"))
    rng = stream(seed, rep, rid, "acute_durations")
    n = acute_t.size
    acute = AcuteInputs(
        arrival=acute_t,
        callback=pw.callback.sample(rng, n),
        phone=pw.phone.sample(rng, n),
        travel=pw.travel.sample(rng, n),
        on_site=pw.on_site.sample(rng, n),
        day1_visit=pw.day1_visit.sample(rng, n),
        followup=pw.followup_duration.sample(rng, (n, len(pw.followup_days))),
    )
    rng = stream(seed, rep, rid, "non_acute_durations")
    m = non_t.size
    non_acute = NonAcuteInputs(
        arrival=non_t,
        intake=pw.intake_duration.sample(rng, m),
        followup=pw.followup_duration.sample(rng, (m, len(pw.nonacute_followup_days))),
    )
    spells = staff_spells(plan, seed, rep) if spells is None else spells
    primary, backup, log, plan_log = duty_rosters(plan, spells)
    absent = absence.absent_days(spells, len(region.people), plan.calendar.days)
    return RegionInputs(acute, non_acute, primary, backup, absent, spells, log, plan_log)
