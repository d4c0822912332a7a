"""Sampled inputs: everything random about a replication, drawn before the SimPy run.

Every draw comes from the keyed streams of `csgsim.core.streams`, so results depend only on
(scenario, seed, replication index).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from csgsim.staff import absence, lines, scaleup
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.core.clamp import clamp
from csgsim.core.streams import mark_keys, person_key, stream
from csgsim.demand import uncertainty
from csgsim.demand.intensity import base_intensity, intensity, sample_arrivals
from csgsim.staff.duties import NOBODY, Schedule, base_schedule
from csgsim.staff.rota import Planned
from csgsim.model.dispatch import ChainInputs, Reach
from csgsim.model.pathways import AcuteInputs, NonAcuteInputs, RegionInputs
from csgsim.staff.leave import plan_leave
from csgsim.staff.person_absence import person_spells
from csgsim.staff.replanning import PLANNED, ReplanLog, ledger_for, replan
from csgsim.config.staffing import get_ruleset
from csgsim.config.limits import MAX_LEVEL
from csgsim.config.escalation import NEIGHBOURS
from csgsim.config.lines import SharedLine
from csgsim.config.schema import Event, Region, Scenario
from csgsim.core.errors import ScenarioError


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
    planned: Planned | None = None  # a rota's duties (`schedule` is then its first line)


#: Most reports a region's simulated year may hold, events included: three times the largest
#: level a scenario may set (`limits.MAX_LEVEL`), so a run of one replication stays in seconds.
MAX_REPORTS_PER_YEAR = 3 * MAX_LEVEL


def base_roster(region: Region, cal: Calendar) -> Schedule:
    """The region's duty pattern over the calendar, before any absence."""
    duty = region.duty
    return base_schedule(duty.pattern, region.casemanagers, cal, duty.handover_hour,
                         duty.handover_weekday, duty.office_start_hour, duty.office_end_hour)


def plan(scenario: Scenario, region_id: str) -> RegionPlan:
    """The deterministic inputs; refuses a demand (levels times events) too large to simulate."""
    region = scenario.regions[region_id]
    cal = scenario.simulation_calendar
    rates = {kind: intensity(scenario, region_id, kind, cal) for kind in ("acute", "non_acute")}
    for kind, rate in rates.items():
        per_year = float(rate.sum()) * HOURS_PER_DAY * 365 / cal.horizon
        if not per_year <= MAX_REPORTS_PER_YEAR:  # also catches nan
            raise ScenarioError(f"{scenario.source}: regions.{region_id}: the {kind} demand, events included, "
                                f"comes to {per_year:,.0f} reports a year; at most {MAX_REPORTS_PER_YEAR:,.0f} can "
                                "be simulated (check the levels and the events' effect)")
    schedule = base_roster(region, cal)
    for shared in scenario.shared_lines:
        if region_id in shared.regions:  # in the shared hours the shared line holds this region's duty
            schedule = lines.pool(schedule, *lines.openings(shared.line, cal))
    uncertain = uncertainty.active(scenario)
    return RegionPlan(region, cal, scenario.warmup_hours, rates["acute"], rates["non_acute"], schedule, scenario.events,
                      uncertain,
                      tuple(base_intensity(region.demand(k), cal) for k in ("acute", "non_acute")) if uncertain else None)


def arrival_rates(plan: RegionPlan, seed: int, rep: int) -> tuple[np.ndarray, np.ndarray]:
    """Hourly acute and non-acute rates of replication ``rep``: central, or under its drawn inputs."""
    if not plan.uncertain_inputs:
        return plan.acute_rate, plan.non_acute_rate
    drawn = uncertainty.draw(plan.region, plan.events, seed, rep)
    acute, non_acute = plan.base_rates or (None, None)
    return (uncertainty.rate(plan.region, "acute", plan.calendar, drawn, acute),
            uncertainty.rate(plan.region, "non_acute", plan.calendar, drawn, non_acute))


def check(scenario: Scenario) -> None:
    """Everything `run` computes before it draws: `validate` calls this for every region."""
    for region_id in scenario.regions:
        plan(scenario, region_id)


def backup_schedules(primary: Schedule, region: Region, spells: absence.Spells,
                     away: np.ndarray | None = None) -> tuple[Schedule, ...]:
    """Who takes a call while the duty holder is busy, per backup step in order, on the duty's blocks.

    The first step is the `[backup]` kind (the deputy stands in where that person is absent),
    then each person named in `also`. A step is NOBODY in a block where its person holds the
    duty or is absent at any time in it. `away`: `absence.overlaps` of the spells with the
    blocks, for at least the region's people, where the caller has it.
    """
    kind, chain = region.backup, region.escalation
    if kind == "none" and not chain.also:
        return ()
    n_people = len(region.people)
    blocks = np.arange(len(primary))
    if away is None or away.shape[0] < n_people:
        away = absence.overlaps(spells, n_people, primary.start, primary.end)

    def reachable(person: np.ndarray) -> np.ndarray:
        inside = (person >= 0) & (person < n_people)
        gone = inside & away[clamp(person, 0, n_people - 1), blocks]
        # absent, a gap or hours a shared line holds (person < 0), or the duty holder
        return np.where(gone | (person < 0) | (person == primary.person), NOBODY, person).astype(np.int64)

    steps = []
    if kind != "none":
        if kind == "external":
            person = np.full(len(primary), n_people)
        elif kind == "coordinator":
            person = np.full(len(primary), n_people - 1)
        else:  # next_in_line: whoever holds the next duty
            person = np.append(primary.person[1:], primary.person[:1])
        first = reachable(person)
        if chain.deputy is not None:
            person_away = (first == NOBODY) & (person != primary.person)
            first = np.where(person_away, reachable(np.full(len(primary), region.index(chain.deputy))), first)
        steps.append(first)
    steps += [reachable(np.full(len(primary), region.index(pid))) for pid in chain.also]
    return tuple(Schedule(start=primary.start, end=primary.end, person=person, kind=primary.kind) for person in steps)


def annual_leave(plan: RegionPlan, seed: int, rep: int) -> absence.Spells:
    """The planned annual leave of everyone in the region, from one stream per person."""
    region = plan.region
    cms = region.casemanagers
    gens: dict[int, np.random.Generator] = {}

    def rng(person: int) -> np.random.Generator:
        if person not in gens:  # keyed by the person's id, like the absence streams
            gens[person] = stream(seed, rep, region.id, "annual_leave", person_key(region.people[person].id))
        return gens[person]

    return plan_leave(region.staffing.leave, cms, len(region.people), plan.calendar, rng, region.duty.period_start)


def staff_spells(plan: RegionPlan, seed: int, rep: int) -> absence.Spells:
    """Random sick spells and departures, annual leave laid over them (where someone is both
    sick and on leave the day counts as leave), and the scenario's scripted dropout over all."""
    region, cal = plan.region, plan.calendar
    staffing = region.staffing
    spells = absence.Spells.empty()
    if staffing.absence.enabled:  # one stream per person: a person's spells do not move with the team
        spells = absence.Spells.stack([
            person_spells(staffing.absence, cal.horizon, stream(seed, rep, region.id, "absence", person_key(p.id)))
            for p in region.people])
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
    rngs = [stream(seed, rep, region.id, "load_absence", person_key(p.id)) for p in region.people]
    week = 7 * HOURS_PER_DAY
    for t0 in np.arange(0.0, plan.calendar.horizon, week):
        spells = absence.sample_load_spells(params, spells, night_person, night_time, t0, t0 + week,
                                            len(region.people), plan.calendar.horizon, rngs)
    return spells


def duty_rosters(plan: RegionPlan, spells: absence.Spells
                 ) -> tuple[Schedule, tuple[Schedule, ...], ReplanLog, ReplanLog]:
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
    # One ledger of duty counts for both: the first re-plan leaves it as the planned roster stands.
    ledger = ledger_for(plan.schedule, region.casemanagers, rules, backup_person, day_start, plan.since)
    planned, plan_log = replan(plan.schedule, on_leave, region.casemanagers, rules, PLANNED, order, backup_person,
                               day_start, plan.since, ledger)
    # Both steps after it ask who is away in which block of the same blocks: asked once.
    away = absence.overlaps(spells, n_people + 1, planned.start, planned.end)  # + 1: an external backup
    primary, log = replan(planned, spells, region.casemanagers, rules, st.replan, order, backup_person, day_start,
                          plan.since, ledger, away)
    return primary, backup_schedules(primary, region, spells, away), log, plan_log


#: The marks of an acute report, in column order (more follow: one per watchful-waiting contact).
ACUTE_MARKS = ("callback", "phone", "travel", "on_site", "day1_visit", "callin_delay", "neighbour_delay", "reach_key")


def chain_inputs(region: Region, marks: np.ndarray) -> ChainInputs:
    """Per acute report: the call-in and neighbour delays, and who answers a call-in attempt.

    All come from the report's own marks (drawn with its arrival), whether or not a step is
    on, so switching a step on or off, or adding reports, changes no other report's draws.
    Whether a person answers is keyed on the report's mark, the person's id and the attempt
    (`dispatch.Reach`), so a colleague added or removed moves nobody else's answers.
    """
    esc = region.escalation
    reach = Reach(mark_keys(marks[:, ACUTE_MARKS.index("reach_key")]),
                  [person_key(p.id) for p in region.people], esc.callin_reach)
    return ChainInputs(reach, esc.callin_delay.quantile(marks[:, ACUTE_MARKS.index("callin_delay")]),
                       esc.neighbour_delay.quantile(marks[:, ACUTE_MARKS.index("neighbour_delay")]),
                       esc.callin, esc.neighbour != "none",
                       esc.neighbour if esc.neighbour not in NEIGHBOURS else None)


def sample(plan: RegionPlan, seed: int, rep: int, spells: absence.Spells | None = None) -> RegionInputs:
    """Draw one replication's reports, durations and absences for one region.

    `spells` replaces the absences drawn here (used for the load-hazard second pass).
    """
    return sample_regions([plan], seed, rep, None if spells is None else [spells])[0]


def sample_regions(plans: Sequence[RegionPlan], seed: int, rep: int | Sequence[int],
                   spells: Sequence[absence.Spells | None] | None = None) -> list[RegionInputs]:
    """`sample` of each region (`rep`: the replication, or one per plan; `spells`: as there, per
    region; None draws them), one step for all before the next: the reports, the absences, the
    rosters, the rest. Each step's code then stays in the processor's own caches from one region
    to the next (national, in turns with region by region: 8-9% less CPU for the sampling, 1-2%
    for a whole replication; with a busy neighbour 9-11% and 1-5%). Every draw comes from the
    region's and replication's own streams, so the order changes no number."""
    reps = rep if isinstance(rep, Sequence) else [rep] * len(plans)
    reports = [_reports(p, seed, r) for p, r in zip(plans, reps)]
    drawn = [staff_spells(p, seed, r) if sp is None else sp
             for p, r, sp in zip(plans, reps, spells if spells is not None else [None] * len(plans))]
    rosters = [duty_rosters(p, sp) for p, sp in zip(plans, drawn)]
    return [_assembled(p, *made, sp, roster) for p, made, sp, roster in zip(plans, reports, drawn, rosters)]


def _reports(plan: RegionPlan, seed: int, rep: int) -> tuple[AcuteInputs, NonAcuteInputs, np.ndarray]:
    """The region's acute and non-acute reports with their durations, and the acute reports' marks."""
    region, pw = plan.region, plan.region.pathway
    rid = region.id
    acute_rate, non_acute_rate = arrival_rates(plan, seed, rep)
    acute_t, u = sample_arrivals(acute_rate, region.acute.overdispersion_cv,
                                 lambda k: stream(seed, rep, rid, "acute_arrivals", k),
                                 stream(seed, rep, rid, "acute_weeks"), len(ACUTE_MARKS) + len(pw.followup_days))
    acute_marks = u
    acute = AcuteInputs(  # each report's durations come from its own marks (see sample_arrivals)
        arrival=acute_t,
        callback=pw.callback.quantile(u[:, 0]),
        phone=pw.phone.quantile(u[:, 1]),
        travel=pw.travel.quantile(u[:, 2]),
        on_site=pw.on_site.quantile(u[:, 3]),
        day1_visit=pw.day1_visit.quantile(u[:, 4]),
        followup=pw.followup_duration.quantile(u[:, len(ACUTE_MARKS):]),
    )
    non_t, u = sample_arrivals(non_acute_rate, region.non_acute.overdispersion_cv,
                               lambda k: stream(seed, rep, rid, "non_acute_arrivals", k),
                               stream(seed, rep, rid, "non_acute_weeks"), 1 + len(pw.nonacute_followup_days))
    non_acute = NonAcuteInputs(arrival=non_t, intake=pw.intake_duration.quantile(u[:, 0]),
                               followup=pw.followup_duration.quantile(u[:, 1:]))
    return acute, non_acute, acute_marks


def _assembled(plan: RegionPlan, acute: AcuteInputs, non_acute: NonAcuteInputs, acute_marks: np.ndarray,
               spells: absence.Spells, rosters: tuple[Schedule, tuple[Schedule, ...], ReplanLog, ReplanLog]
               ) -> RegionInputs:
    """The region's inputs from its reports, absences and rosters: its lines (and standby) around
    them, the days each person is away, and the escalation chain's draws."""
    region = plan.region
    primary, backups, log, plan_log = rosters
    n_people = len(region.people)
    index = {p.id: i for i, p in enumerate(region.people)}
    planned = plan.planned
    if planned is None:
        extra = lines.assign(region.lines, index, plan.calendar, primary, spells, n_people)
    else:  # a rota's holders, each asked first, around the re-planned duties and the absences
        extra = ()
        for line, mine in zip(region.lines, planned.lines):
            extra += (lines.line_schedule(line, [index[p] for p in line.people], plan.calendar, [primary, *extra],
                                          spells, n_people, (mine.start, mine.end), mine.person),)
    standby = None
    if region.scaleup is not None:  # the standby line, from this replication's acute arrivals (and waits)
        weeks = scaleup.week_starts(plan.calendar, region.duty.handover_weekday, region.duty.period_start)
        held, standby = scaleup.standby(region.scaleup, acute.arrival, index, plan.calendar, [primary, *extra], spells,
                                        n_people, weeks, planned.reserve if planned is not None else None)
        extra += (held,)
    absent = absence.absent_days(spells, n_people, plan.calendar.days)
    return RegionInputs(acute, non_acute, primary, backups[0] if backups else None, absent, spells, log,
                        backups[1:], chain_inputs(region, acute_marks), extra, planned=plan_log, standby=standby)


def grouped(plans: list[RegionPlan], shared: tuple[SharedLine, ...], parts: list[RegionInputs]) -> list[RegionInputs]:
    """Inputs of regions simulated together (they share a line, or one asks another as its
    neighbouring line), from their own inputs `parts` (`sample_regions`): in the group's numbering
    (region k's people from the k-th offset), plus each shared line's holders, around everyone's
    own duties and absences. An opening nobody can hold leaves its regions a gap. A region alone
    with no shared line is its own inputs, as drawn."""
    sizes = [len(p.region.people) for p in plans]
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(int)
    parts = [replace(part, offset=int(off)) if off else part for part, off in zip(parts, offsets)]  # as drawn: 0
    if not shared:
        return parts
    number = {person.id: int(off) + k for p, off in zip(plans, offsets) for k, person in enumerate(p.region.people)}

    def crew(s: Schedule, k: int) -> Schedule:
        mine = (s.person >= 0) & (s.person < sizes[k])
        return Schedule(start=s.start, end=s.end, person=np.where(mine, s.person + offsets[k], NOBODY), kind=s.kind)

    taken = [crew(s, k) for k, part in enumerate(parts)
             for s in (part.primary, *part.lines, *([part.standby.candidate] if part.standby else []))]
    away = absence.Spells(person=np.concatenate([part.spells.person + off for part, off in zip(parts, offsets)]),
                          start=np.concatenate([part.spells.start for part in parts]),
                          end=np.concatenate([part.spells.end for part in parts]),
                          kind=np.concatenate([part.spells.kind for part in parts]))
    ids = [p.region.id for p in plans]
    for pool in shared:
        rota = next((p.planned for p in plans if p.planned is not None and pool.line.id in p.planned.shared), None)
        mine = rota.shared[pool.line.id] if rota is not None else None
        line = lines.line_schedule(pool.line, [number[pid] for pid in pool.line.people], plans[0].calendar,
                                   taken, away, int(sum(sizes)), None if mine is None else (mine.start, mine.end),
                                   None if mine is None else np.array([number[rota.people[q]] for q in mine.person]))
        for rid, travel in zip(pool.regions, pool.travel):
            k = ids.index(rid)
            parts[k] = replace(parts[k], primary=lines.unstaffed(parts[k].primary, line), shared=(line,),
                               travel=travel)
    return parts
