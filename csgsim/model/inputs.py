"""Sampled inputs: everything random about a replication, drawn before the SimPy run.

Every draw comes from the keyed streams of `csgsim.core.streams`, so results depend only on
(scenario, seed, replication index).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from csgsim.staff import absence
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.core.streams import stream
from csgsim.demand import uncertainty
from csgsim.demand.intensity import base_intensity, intensity, sample_arrivals
from csgsim.staff.duties import NOBODY, Schedule, base_schedule
from csgsim.model.pathways import AcuteInputs, NonAcuteInputs, RegionInputs
from csgsim.staff.replanning import ReplanLog, replan
from csgsim.config.staffing import get_ruleset
from csgsim.config.scenario import Event, Region, Scenario


@dataclass(frozen=True)
class RegionPlan:
    """The deterministic part of a region's inputs, computed once for all replications."""

    region: Region
    calendar: Calendar  # the simulated period, warm-up included
    since: float  # hours of warm-up: metrics count from here
    acute_rate: np.ndarray
    non_acute_rate: np.ndarray
    schedule: Schedule
    events: tuple[Event, ...] = ()  # the scenario's events, re-sized per replication when inputs are uncertain
    uncertain_inputs: bool = False  # draw level, split, growth and event sizes per replication
    base_rates: tuple[np.ndarray, np.ndarray] | None = None  # acute, non-acute before events (uncertain inputs)


def plan(scenario: Scenario, region_id: str) -> RegionPlan:
    region = scenario.regions[region_id]
    cal = scenario.simulation_calendar
    duty = region.duty
    schedule = base_schedule(duty.pattern, region.casemanagers, cal, duty.handover_hour,
                             duty.handover_weekday, duty.office_start_hour, duty.office_end_hour)
    uncertain = uncertainty.active(scenario)
    return RegionPlan(region, cal, scenario.warmup_hours, intensity(scenario, region_id, "acute", cal),
                      intensity(scenario, region_id, "non_acute", cal), schedule, scenario.events, uncertain,
                      tuple(base_intensity(region.demand(k), cal) for k in ("acute", "non_acute")) if uncertain else None)


def arrival_rates(plan: RegionPlan, seed: int, rep: int) -> tuple[np.ndarray, np.ndarray]:
    """Hourly acute and non-acute rates of replication ``rep``: central, or under its drawn inputs."""
    if not plan.uncertain_inputs:
        return plan.acute_rate, plan.non_acute_rate
    drawn = uncertainty.draw(plan.region, plan.events, seed, rep)
    acute, non_acute = plan.base_rates or (None, None)
    return (uncertainty.rate(plan.region, "acute", plan.calendar, drawn, acute),
            uncertainty.rate(plan.region, "non_acute", plan.calendar, drawn, non_acute))


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


def staff_spells(plan: RegionPlan, seed: int, rep: int) -> absence.Spells:
    """Random sick spells and departures, with the scenario's scripted dropout laid over them."""
    region, cal = plan.region, plan.calendar
    staffing = region.staffing
    n_people = len(region.people)
    spells = absence.Spells.empty()
    if staffing.absence.enabled:
        spells = absence.sample_spells(staffing.absence, n_people, cal.horizon, stream(seed, rep, region.id, "absence"))
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


def duty_rosters(plan: RegionPlan, spells: absence.Spells) -> tuple[Schedule, Schedule | None, ReplanLog]:
    """The duty and backup schedules once the absent people's duties are re-planned."""
    region = plan.region
    st = region.staffing
    n_people = len(region.people)
    backup_person = {"coordinator": n_people - 1, "external": n_people}.get(region.backup)
    order = [region.index(p) for p in st.next_in_line]
    primary, log = replan(plan.schedule, spells, region.casemanagers, get_ruleset(st.rules), st.replan,
                          order, backup_person)
    return primary, backup_schedule(region.backup, primary, region, spells), log


def sample(plan: RegionPlan, seed: int, rep: int, spells: absence.Spells | None = None) -> RegionInputs:
    """Draw one replication's reports, durations and absences for one region.

    `spells` replaces the absences drawn here (used for the load-hazard second pass).
    """
    region, pw = plan.region, plan.region.pathway
    rid = region.id
    acute_rate, non_acute_rate = arrival_rates(plan, seed, rep)
    acute_t = sample_arrivals(acute_rate, region.acute.overdispersion_cv,
                              stream(seed, rep, rid, "acute_arrivals"), stream(seed, rep, rid, "acute_weeks"))
    non_t = sample_arrivals(non_acute_rate, region.non_acute.overdispersion_cv,
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
    primary, backup, log = duty_rosters(plan, spells)
    absent = absence.absent_days(spells, len(region.people), plan.calendar.days)
    return RegionInputs(acute, non_acute, primary, backup, absent, spells, log)
