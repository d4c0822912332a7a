"""The SimPy model of one region: the acute call-out, the non-acute intake, watchful waiting.

Two kinds of work compete for a casemanager, each in its own part:

* **Acute calls** (`dispatch`): the control room reaches the duty holder, else the backup,
  else the call waits; the one reached does the call-out and then owns the case.
* **Office work** (`office`): non-acute intakes, watchful-waiting contacts and day-1 visits,
  done by the case's owner in office hours from their contracted CSG hours, after the day's
  call-outs, while the next contact fits in what is left of the day's share (a contact longer
  than the whole share is done on a day with nothing else; one longer than any free interval
  is done in pieces over several: none is put off for ever or blocks the queue).
  Which contacts each case still needs, and who owns it, is `cases`.

This module tells the two pathways and wires the parts on one environment: an acute report is
its arrival, its call-out and, when no one is free, its wait, each an event whose callback
carries the report on; a non-acute report only opens a case, which is done when the case
counts are next read. The model reads sampled inputs and writes records; it draws
no random numbers itself.
"""

from __future__ import annotations

import gc
import math
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import simpy

from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.core.rows import field_arrays
from csgsim.staff.absence import Spells
from csgsim.model.cases import Caseload
from csgsim.model.crew import Crew
from csgsim.model.dispatch import BACKUP, CALLIN, NEIGHBOUR, PRIMARY, STEPS, CallDispatch, ChainInputs
from csgsim.model.office import OfficeWork
from csgsim.model.standby import WaitTrigger
from csgsim.model.tasks import DAY1_VISIT, FOLLOWUP, INTAKE, NONACUTE_FOLLOWUP, TASK_KINDS, columns
from csgsim.staff.duties import NOBODY, Schedule
from csgsim.staff.lines import combined
from csgsim.staff.scaleup import Standby
from csgsim.staff.replanning import ReplanLog
from csgsim.config.schema import Region

__all__ = ["AcuteInputs", "NonAcuteInputs", "RegionInputs", "Records", "RegionModel", "PRIMARY", "BACKUP",
           "CALLIN", "NEIGHBOUR", "STEPS", "DAY1_VISIT", "INTAKE", "FOLLOWUP", "NONACUTE_FOLLOWUP", "TASK_KINDS"]


@dataclass
class AcuteInputs:
    """Sampled acute reports: arrival times and every duration each one will need."""

    arrival: np.ndarray
    callback: np.ndarray
    phone: np.ndarray
    travel: np.ndarray
    on_site: np.ndarray
    day1_visit: np.ndarray
    followup: np.ndarray  # (reports, contacts)


@dataclass
class NonAcuteInputs:
    arrival: np.ndarray
    intake: np.ndarray
    followup: np.ndarray  # (reports, contacts)


@dataclass
class RegionInputs:
    """Everything random about one replication of one region, sampled before the run."""

    acute: AcuteInputs
    non_acute: NonAcuteInputs
    primary: Schedule
    backup: Schedule | None  # None: no backup
    absent: np.ndarray  # (people, days) bool: no office work that day
    spells: Spells  # the absences behind `absent` and the re-planned schedules
    replan: ReplanLog  # which duties moved to whom because of them, at short notice
    more_backups: tuple[Schedule, ...] = ()  # further backup steps, in order, after `backup`
    chain: ChainInputs | None = None  # None: no call-in and no neighbouring line
    lines: tuple[Schedule, ...] = ()  # extra on-call lines (NOBODY while closed), after `primary`
    shared: tuple[Schedule, ...] = ()  # a line shared with other regions, in the group's numbering
    offset: int = 0  # where this region's people start in the group's numbering
    travel: float = 0.0  # extra hours each way when the shared line's holder is from another region
    planned: ReplanLog | None = None  # which moved around annual leave, planned weeks ahead
    standby: Standby | None = None  # the wait trigger's planned standby (the last of `lines`); None: off

    def all_duties(self, n_people: int) -> Schedule:
        """Every duty of every line this region's people hold, for load and working-time rules
        (see `staff.lines.combined`)."""
        lo, hi = self.offset, self.offset + n_people
        mine = tuple(Schedule(start=s.start, end=s.end, person=np.where((s.person >= lo) & (s.person < hi), s.person - lo,
                                                                        NOBODY), kind=s.kind) for s in self.shared)
        return combined(self.primary, self.lines + mine, n_people)

    @property
    def backups(self) -> tuple[Schedule, ...]:
        """Every backup step in order (empty: no backup)."""
        return (() if self.backup is None else (self.backup,)) + self.more_backups


@dataclass
class Records:
    """What happened, as flat arrays (see `metrics` for the definitions built on them)."""

    acute_arrival: np.ndarray
    acute_contact: np.ndarray  # NaN: not reached by the horizon
    acute_responder: np.ndarray
    acute_role: np.ndarray  # the step that answered (dispatch.STEPS); -1 not reached
    acute_answered: np.ndarray  # when the one who took the call answered (after a call-in's delay)
    acute_waited: np.ndarray  # no step could answer at once: the call waited for a free line
    acute_on_site: np.ndarray  # NaN unless attended on day 0
    acute_in_gap: np.ndarray  # arrived while neither a duty holder nor a backup was reachable
    acute_owner: np.ndarray
    nonacute_arrival: np.ndarray
    nonacute_intake: np.ndarray  # NaN: intake not done by the horizon
    nonacute_owner: np.ndarray
    task_kind: np.ndarray
    task_case: np.ndarray  # acute report i, or n_acute + non-acute report j
    task_owner: np.ndarray  # who did it (or holds it at the horizon)
    task_due_day: np.ndarray
    task_start: np.ndarray  # start of the first piece; NaN: not done by the horizon
    task_duration: np.ndarray
    task_end: np.ndarray  # end of the last piece (a contact may be done in pieces); NaN: not done
    eng_person: np.ndarray  # call-out engagements
    eng_start: np.ndarray
    eng_end: np.ndarray
    eng_report: np.ndarray
    eng_role: np.ndarray  # the step in which the call-out was taken
    eng_region: np.ndarray  # the region whose report it was (another one via a shared line)
    work_task: np.ndarray  # every piece of office work: the task (index into task_*), who, start, end
    work_person: np.ndarray
    work_start: np.ndarray
    work_end: np.ndarray
    handover_case: np.ndarray  # every hand-over during an absence, in time order: the case, when,
    handover_time: np.ndarray  # from whom and to whom
    handover_from: np.ndarray
    handover_owner: np.ndarray


class RegionModel:
    """One replication of one region's service on a simpy.Environment: a fresh one, or that of
    the regions it shares a line with (see `run_group`), whose people form one `Crew`."""

    def __init__(self, region: Region, calendar: Calendar, inputs: RegionInputs,
                 env: simpy.Environment | None = None, crew: Crew | None = None, index: int = 0):
        self.env = simpy.Environment() if env is None else env
        self.region = region
        self.calendar = calendar
        self.inp = inputs
        n_people = len(region.people)
        crew = Crew([n_people], [inputs.spells], [region.id]) if crew is None else crew
        self.day0 = region.pathway.attendance == "day0"
        a, n = inputs.acute, inputs.non_acute
        durations = (a.callback.tolist(), a.phone.tolist(), a.travel.tolist(), a.on_site.tolist())
        own = (inputs.primary, *inputs.lines)
        roles = ([crew.to_crew(own[0], index, n_people)] + [s.person for s in inputs.shared]
                 + [crew.to_crew(s, index, n_people) for s in own[1:] + inputs.backups])
        starts = [s.start for s in (own[0], *inputs.shared, *own[1:], *inputs.backups)]
        self.calls = CallDispatch(self.env, crew, index, n_people, tuple(roles), tuple(starts),
                                  len(own) + len(inputs.shared), a.arrival.tolist(), durations, self.day0,
                                  inputs.chain, inputs.travel)
        self.cases = Caseload(n_people, region.casemanagers, a.arrival.size, n.arrival.size, inputs.absent,
                              region.pathway.nonacute_followup_days, n.followup)
        # Plain floats in the run; report i's follow-up hours are followup[i * k:(i + 1) * k] for its
        # k contacts (one flat list: no list per report to build before the run).
        self.day1_visit, self.followup = a.day1_visit.tolist(), a.followup.ravel().tolist()
        self.n_followups = a.followup.shape[1]
        self.intake = n.intake.tolist()
        # The non-acute arrival times, then one that never comes (the loop needs no bound); the
        # next report not yet opened, and its time.
        self.nonacute_times, self.nonacute_next = n.arrival.tolist() + [math.inf], 0
        self.nonacute_due = self.nonacute_times[0]
        self.followup_days = region.pathway.followup_days
        offset = crew.offsets[index]
        self.office = OfficeWork(region, calendar, self.cases, crew.callouts[offset:offset + n_people])
        self.trigger = None if inputs.standby is None else WaitTrigger(  # the standby: the last of the lines
            self.calls, len(inputs.shared) + len(own) - 1, inputs.standby, offset)

    # --- the acute pathway (docs/model.md#7-the-acute-pathway) --------------------------

    def acute_arrivals(self):
        """The acute reports, each on its own timeout: the control room calls at once."""
        env = self.env
        now = env.now
        for i, t in enumerate(self.inp.acute.arrival.tolist()):
            wait = t - now if t > now else 0.0
            yield env.timeout(wait)
            now += wait  # the clock, as SimPy sets it: the time the timeout was made plus its delay
            self.acute_call(i, now)

    def acute_call(self, i: int, arrival: float) -> None:
        """Report i's call at `arrival` (now) goes down the escalation chain; if no one can take it
        now, it waits for the first who can (the wait's event carries who and at which step)."""
        who, step = self.calls.answer(i)
        if who == NOBODY:
            self.calls.wait(i).callbacks.append(lambda answered: self.call_out(i, arrival, *answered.value))
        else:
            self.call_out(i, arrival, who, step)

    def call_out(self, i: int, arrival: float, who: int, step: int) -> None:
        """The one who took the call calls the victim back and, on day-0 pathways, goes out:
        busy until the call-out's timeout, which then opens the case."""
        done = self.env.timeout(self.calls.call_out(i, who, step), (i, arrival, who, step))
        done.callbacks.append(self.watchful_waiting)

    def watchful_waiting(self, done: simpy.Event) -> None:
        """Back from the call-out: free for the next call, and the case opens with its day-1
        visit (day-1 pathways) and follow-ups. The responder owns it, unless someone from outside
        answered or the coordinator answered other than as backup (docs/model.md section 9).

        Callbacks on events, not a process per report: no generator to start and resume, and no
        event when a report's process ends (about 5% of a national run's CPU, goldens unchanged)."""
        i, arrival, who, step = done.value
        calls, cases = self.calls, self.cases
        calls.release(who)
        now = self.env.now
        self.casework(now)  # the case counts up to now, for the owner's choice
        report_day = int(arrival // HOURS_PER_DAY)
        local = who - calls.offset
        cms = cases.casemanagers
        own = 0 <= local < cms or (cms <= local < calls.n_people and step == BACKUP)
        owner = local if own else cases.least_loaded(report_day)
        contacts = [] if self.day0 else [(DAY1_VISIT, int(now // HOURS_PER_DAY) + 1, self.day1_visit[i])]
        k = self.n_followups
        for d, hours in zip(self.followup_days, self.followup[i * k:(i + 1) * k]):
            contacts.append((FOLLOWUP, report_day + d, hours))
        cases.open_case(i, owner, contacts)

    # --- the non-acute pathway ----------------------------------------------------------

    def nonacute_arrivals(self, now: float) -> None:
        """Open the non-acute reports that arrived before `now`, in arrival order: each one's case
        goes to the present casemanager with the fewest open cases, its intake due the next day.

        A non-acute report changes nothing but the case counts and the task queues, and only the
        acute pathway's owner choice and the office day read those. So the reports are opened
        when one of those is about to run (and at the horizon), not each on its own event: the
        same owners and task order, with no event per report.
        """
        if now <= self.nonacute_due:  # none arrived since the last call (the office day's common case)
            return
        cases, intake, times = self.cases, self.intake, self.nonacute_times
        j = self.nonacute_next
        while times[j] < now:
            cases.open_intake(j, int(times[j] // HOURS_PER_DAY), intake[j])
            j += 1
        self.nonacute_next = j
        self.nonacute_due = times[j]

    # --- the office -------------------------------------------------------------------------

    def casework(self, now: float) -> None:
        """The office days closed by `now` (`office.catch_up`), then the non-acute reports that
        arrived before it: the cases and queues as they stand at `now`, in the order the days,
        the reports and the acute cases came."""
        self.office.catch_up(now, self.nonacute_arrivals)
        self.nonacute_arrivals(now)

    # --- running --------------------------------------------------------------------------

    def start(self) -> None:
        env, calls = self.env, self.calls
        env.process(calls.duty_changes())
        if calls.callin:
            env.process(calls.returns())
        env.process(self.acute_arrivals())

    def run(self) -> Records:
        self.start()
        with paused_gc():  # to the end: taken apart, the run leaves the collector nothing to walk
            self.env.run(until=self.calendar.horizon)
            records = self.records()
            dismantle(self.env, self.calls.crew)
        return records

    def records(self) -> Records:
        """What happened. With a wait trigger, the inputs' standby line is from here on as the run
        held it (the metrics and costs read the inputs' lines)."""
        self.casework(self.calendar.horizon)
        calls, cases = self.calls, self.cases
        if self.trigger is not None:
            self.inp.lines = (*self.inp.lines[:-1], self.trigger.held(self.inp.lines[-1]))
        acute = calls.outcomes(self.calendar.horizon)
        owner = np.array(cases.owner, dtype=np.int64)
        t = columns(cases.tasks)
        e_person, e_start, e_end, e_report, e_role, e_region = field_arrays(calls.engagements, _ENGAGEMENT)
        w_task, w_person, w_start, w_end = self.office.pieces(t["holder"], t["start"], t["end"])
        h_case, h_time, h_from, h_owner = field_arrays(cases.handovers, _HANDOVER)
        return Records(
            acute_arrival=self.inp.acute.arrival,
            acute_contact=acute["contact"],
            acute_responder=acute["responder"],
            acute_role=acute["role"],
            acute_answered=acute["answered"],
            acute_waited=acute["waited"],
            acute_on_site=acute["on_site"],
            acute_in_gap=acute["in_gap"],
            acute_owner=owner[:cases.n_acute],
            nonacute_arrival=self.inp.non_acute.arrival,
            nonacute_intake=np.array(cases.intake, dtype=float),
            nonacute_owner=owner[cases.n_acute:],
            task_kind=t["kind"],
            task_case=t["case"],
            task_owner=t["holder"],
            task_due_day=t["due_day"],
            task_start=np.where(np.isnan(t["end"]), np.nan, t["start"]),  # begun, not done: open
            task_duration=t["duration"],
            task_end=t["end"],
            eng_person=e_person,
            eng_start=e_start,
            eng_end=e_end,
            eng_report=e_report,
            eng_role=e_role,
            eng_region=np.array(calls.crew.region_ids, dtype=object)[e_region],
            work_task=w_task,
            work_person=w_person,
            work_start=w_start,
            work_end=w_end,
            handover_case=h_case,
            handover_time=h_time,
            handover_from=h_from,
            handover_owner=h_owner,
        )


@contextmanager
def paused_gc():
    """No cyclic garbage collection during a run: it allocates many small objects that live
    until its end (tasks, events, records), so the collector's passes free little and cost
    CPU (about 3% of a Rotterdam run, 10% of a national one, measured on the example models).
    `jobs.run_chunk` pauses it for each batch of replications (5-7% of a replication's CPU,
    national and Rotterdam): sampling and metrics, too, build objects that live until its end.
    What is left is collected afterwards as usual."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


# The fields of the run's record rows, as array types: engagements (person, start, end, report,
# step, region index), hand-overs (case, time, from, to).
_ENGAGEMENT = (np.int64, float, float, np.int64, np.int8, np.int64)
_HANDOVER = (np.int64, float, np.int64, np.int64)


def dismantle(env: simpy.Environment, crew: Crew) -> None:
    """Break the reference cycles a finished run leaves: each pending event holds its process,
    whose generator holds the model, which holds the environment and its queue; the crew holds
    its dispatchers and they it. Without them, reference counting frees a run as soon as its
    records are taken, and the cyclic collector, which would otherwise walk every task and
    record of it, finds nothing (its passes were 4% of a national replication)."""
    for *_, event in env._queue:  # noqa: SLF001 - simpy keeps no public handle on pending events
        event.callbacks = None
    env._queue.clear()  # noqa: SLF001
    if crew.wakeup is not None:  # the process that sleeps until a call waits
        crew.wakeup.callbacks = None
    for calls in crew.dispatchers:
        calls.on_wait = None  # the wait trigger's bound method holds the dispatcher
        for _, answered in calls.waiting:  # a call still waiting: its callback holds the model
            answered.callbacks = None
    crew.dispatchers.clear()


def run_group(regions: list[Region], calendar: Calendar, inputs: list[RegionInputs]) -> list[Records]:
    """Regions that share a line, simulated together on one environment: one crew, one clock."""
    env = simpy.Environment()
    crew = Crew([len(r.people) for r in regions], [inp.spells for inp in inputs], [r.id for r in regions])
    models = [RegionModel(r, calendar, inp, env, crew, k) for k, (r, inp) in enumerate(zip(regions, inputs))]
    for m in models:
        m.start()
    with paused_gc():
        env.run(until=calendar.horizon)
        records = [m.records() for m in models]
        dismantle(env, crew)
    return records
