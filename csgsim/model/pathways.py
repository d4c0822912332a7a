"""The SimPy model of one region: the acute call-out, the non-acute intake, watchful waiting.

Two kinds of work compete for a casemanager:

* **Acute calls** go to whoever holds the on-call duty now; while that person is busy, to the
  backup (achterwacht); otherwise the call waits, first come first served. A person finishes
  the call they took even after their duty ends; waiting calls go to the next duty holder.
* **Office work** (non-acute intakes, watchful-waiting contacts, day-1 visits) is done by the
  case's owner in office hours on working days, from their contracted CSG hours. Acute work
  comes first: at the end of each office day the owner's contacts fill the time that day's
  call-outs left free, earliest due first, until the day's share of contracted hours is used.
  What does not fit waits, so an overloaded casemanager builds a backlog of late contacts.

The model reads sampled inputs and writes records; it draws no random numbers itself.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

import numpy as np
import simpy

from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.staff.absence import Spells
from csgsim.staff.duties import NOBODY, Schedule
from csgsim.staff.replanning import ReplanLog
from csgsim.config.scenario import Region

# Task kinds, in the order an owner does them when several are due.
DAY1_VISIT, INTAKE, FOLLOWUP, NONACUTE_FOLLOWUP = 0, 1, 2, 3
TASK_KINDS = ("day1_visit", "intake", "followup", "nonacute_followup")
PRIMARY, BACKUP = 0, 1


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
    planned: ReplanLog | None = None  # which moved around annual leave, planned weeks ahead


@dataclass
class Records:
    """What happened, as flat arrays (see `metrics` for the definitions built on them)."""

    acute_arrival: np.ndarray
    acute_contact: np.ndarray  # NaN: not reached by the horizon
    acute_responder: np.ndarray
    acute_role: np.ndarray  # PRIMARY or BACKUP; -1 not reached
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
    task_start: np.ndarray  # NaN: not done by the horizon
    task_duration: np.ndarray
    eng_person: np.ndarray  # call-out engagements
    eng_start: np.ndarray
    eng_end: np.ndarray
    eng_report: np.ndarray


class RegionModel:
    """One replication of one region's service, built on a fresh simpy.Environment."""

    def __init__(self, region: Region, calendar: Calendar, inputs: RegionInputs):
        self.env = simpy.Environment()
        self.region = region
        self.calendar = calendar
        self.inp = inputs
        n_people = len(region.people)
        self.external = n_people  # index of an external backup (neighbouring region, pool)
        self.busy = [False] * (n_people + 1)
        self.primary = NOBODY
        self.backup = NOBODY
        self.waiting: list[simpy.Event] = []
        self.casemanagers = region.casemanagers
        self.day0 = region.pathway.attendance == "day0"
        a = inputs.acute  # plain floats: numpy scalars are slow in the event loop
        self.durations = list(zip(a.callback.tolist(), a.phone.tolist(), a.travel.tolist(), a.on_site.tolist()))
        self.open_cases = [0] * n_people
        self.remaining: dict[int, int] = {}
        self.queues: list[list[tuple[int, int, int]]] = [[] for _ in range(n_people)]
        self.callouts: list[deque[tuple[float, float]]] = [deque() for _ in range(n_people + 1)]

        na, nn = inputs.acute.arrival.size, inputs.non_acute.arrival.size
        self.contact = np.full(na, np.nan)
        self.responder = np.full(na, NOBODY, dtype=np.int64)
        self.role = np.full(na, -1, dtype=np.int8)
        self.on_site = np.full(na, np.nan)
        self.in_gap = np.zeros(na, dtype=bool)
        self.acute_owner = np.full(na, NOBODY, dtype=np.int64)
        self.intake = np.full(nn, np.nan)
        self.nonacute_owner = np.full(nn, NOBODY, dtype=np.int64)
        self.tasks: list[list[float]] = []  # kind, case, owner, due_day, start, duration
        self.engagements: list[tuple[int, float, float, int]] = []

    # --- who answers an acute call ------------------------------------------------------

    def free_responder(self) -> int:
        """The duty holder if free, else the backup if free, else NOBODY."""
        for who in (self.primary, self.backup):
            if who != NOBODY and not self.busy[who]:
                return who
        return NOBODY

    def dispatch(self) -> None:
        """Give waiting calls, oldest first, to whoever is free to take them."""
        while self.waiting:
            who = self.free_responder()
            if who == NOBODY:
                return
            self.busy[who] = True
            self.waiting.pop(0).succeed(who)

    def duty_changes(self):
        """Hand the phone over at every duty boundary of the duty and backup schedules."""
        p, b = self.inp.primary, self.inp.backup
        times = p.start if b is None else np.union1d(p.start, b.start)
        p_idx = np.searchsorted(p.start, times, side="right") - 1
        b_idx = None if b is None else np.searchsorted(b.start, times, side="right") - 1
        for k, t in enumerate(times.tolist()):
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.primary = int(p.person[p_idx[k]])
            self.backup = NOBODY if b_idx is None else int(b.person[b_idx[k]])
            self.dispatch()

    # --- the acute pathway (MODEL.md section 1) -----------------------------------------

    def acute_arrivals(self):
        env = self.env
        for i, t in enumerate(self.inp.acute.arrival.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(self.acute_report(i))

    def acute_report(self, i: int):
        """One acute report, from the control room's call to the start of watchful waiting."""
        env, a = self.env, self.durations
        arrival = env.now
        self.in_gap[i] = self.primary == NOBODY and self.backup == NOBODY
        # The control room calls the on-call casemanager; if busy, the backup; else it waits.
        who = self.free_responder()
        if who == NOBODY:
            answered = env.event()
            self.waiting.append(answered)
            who = yield answered
        else:
            self.busy[who] = True
        self.responder[i] = who
        self.role[i] = PRIMARY if who == self.primary else BACKUP
        # Reached, the casemanager calls the victim back: the first contact, by phone. On
        # day-0 pathways they then travel out, stay for the care, and travel back. The phases
        # follow from the sampled durations, so one timeout holds the whole call-out.
        callback, phone, travel, on_site = a[i]
        self.contact[i] = env.now + callback
        busy_for = callback + phone
        if self.day0:
            self.on_site[i] = env.now + callback + phone + travel
            busy_for += 2 * travel + on_site
        self.callouts[who].append((env.now, env.now + busy_for))
        self.engagements.append((who, env.now, env.now + busy_for, i))
        yield env.timeout(busy_for)
        self.busy[who] = False
        self.dispatch()
        # Watchful waiting: the responder owns the case, unless the backup was external.
        owner = who if who != self.external else self.least_loaded(int(arrival // HOURS_PER_DAY))
        self.acute_owner[i] = owner
        today = int(env.now // HOURS_PER_DAY)
        report_day = int(arrival // HOURS_PER_DAY)
        acute = self.inp.acute
        contacts = [] if self.day0 else [(DAY1_VISIT, today + 1, acute.day1_visit[i])]
        contacts += [(FOLLOWUP, report_day + d, acute.followup[i, k])
                     for k, d in enumerate(self.region.pathway.followup_days)]
        self.open_case(i, owner, contacts)

    # --- the non-acute pathway ----------------------------------------------------------

    def nonacute_arrivals(self):
        env, n = self.env, self.inp.non_acute
        offset = self.inp.acute.arrival.size
        for j, t in enumerate(n.arrival.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            day = int(t // HOURS_PER_DAY)
            owner = self.least_loaded(day)
            self.nonacute_owner[j] = owner
            self.open_case(offset + j, owner, [(INTAKE, day + 1, n.intake[j])])

    # --- office work ----------------------------------------------------------------------

    def least_loaded(self, day: int) -> int:
        """The present casemanager with the fewest open cases (lowest index on ties)."""
        day = min(day, self.calendar.days - 1)
        present = [p for p in range(self.casemanagers) if not self.inp.absent[p, day]]
        pool = present or list(range(self.casemanagers))
        return min(pool, key=lambda p: (self.open_cases[p], p))

    def open_case(self, case: int, owner: int, contacts: list[tuple[int, int, float]]) -> None:
        if not contacts:
            return
        self.open_cases[owner] += 1
        self.remaining[case] = len(contacts)
        for kind, due, duration in contacts:
            self.add_task(kind, case, owner, due, duration)

    def add_task(self, kind: int, case: int, owner: int, due_day: int, duration: float) -> None:
        task = len(self.tasks)
        self.tasks.append([kind, case, owner, due_day, np.nan, duration])
        heapq.heappush(self.queues[owner], (due_day, kind, task))

    def office_days(self):
        """At the end of each working day, each present person does the contacts that fit."""
        env, cal, duty = self.env, self.calendar, self.region.duty
        for day in np.flatnonzero(cal.working).tolist():
            t_end = day * HOURS_PER_DAY + duty.office_end_hour
            yield env.timeout(t_end - env.now)
            for p in range(len(self.region.people)):
                if self.inp.absent[p, day]:
                    self.hand_over_due(p, day)
            for p in range(len(self.region.people)):
                if not self.inp.absent[p, day]:
                    self.work_office_day(p, day)

    def hand_over_due(self, person: int, day: int) -> None:
        """An absent person's due contacts go to a present colleague, who keeps the case."""
        queue = self.queues[person]
        while queue and queue[0][0] <= day:
            due, kind, task = heapq.heappop(queue)
            colleague = self.least_loaded(day)
            if colleague == person:  # the whole team is out: the contact waits
                heapq.heappush(queue, (due, kind, task))
                return
            self.tasks[task][2] = colleague
            heapq.heappush(self.queues[colleague], (due, kind, task))

    def work_office_day(self, person: int, day: int) -> None:
        queue = self.queues[person]
        if not queue or queue[0][0] > day:
            return
        duty = self.region.duty
        lo = day * HOURS_PER_DAY + duty.office_start_hour
        hi = day * HOURS_PER_DAY + duty.office_end_hour
        callouts = self.callouts[person]
        while callouts and callouts[0][1] <= lo:  # call-outs are in start order; drop finished ones
            callouts.popleft()
        blocked = sorted((max(s, lo), min(e, hi)) for s, e in callouts if s < hi and e > lo)
        budget = self.region.people[person].hours_per_week / 5 - sum(e - s for s, e in blocked)
        cursor, slots = lo, []
        for s, e in blocked:
            if s > cursor:
                slots.append((cursor, s))
            cursor = max(cursor, e)
        if cursor < hi:
            slots.append((cursor, hi))
        k = 0
        while queue and queue[0][0] <= day and budget > 0 and k < len(slots):
            task = self.tasks[queue[0][2]]
            start, end = slots[k]
            if task[5] > end - start:  # does not fit before the next call-out: try later
                k += 1
                continue
            heapq.heappop(queue)
            task[4] = start
            slots[k] = (start + task[5], end)
            budget -= task[5]
            self.task_done(task, day)

    def task_done(self, task: list[float], day: int) -> None:
        kind, case = int(task[0]), int(task[1])
        if kind == INTAKE:
            j = case - self.inp.acute.arrival.size
            self.intake[j] = task[4]
            for d, duration in zip(self.region.pathway.nonacute_followup_days, self.inp.non_acute.followup[j]):
                self.remaining[case] += 1
                self.add_task(NONACUTE_FOLLOWUP, case, int(task[2]), day + d, duration)
        self.remaining[case] -= 1
        if self.remaining[case] == 0:
            owner = int(self.acute_owner[case]) if case < self.inp.acute.arrival.size else int(
                self.nonacute_owner[case - self.inp.acute.arrival.size])
            self.open_cases[owner] -= 1

    # --- running --------------------------------------------------------------------------

    def run(self) -> Records:
        env = self.env
        env.process(self.duty_changes())
        env.process(self.acute_arrivals())
        env.process(self.nonacute_arrivals())
        env.process(self.office_days())
        env.run(until=self.calendar.horizon)
        horizon = self.calendar.horizon
        self.contact[self.contact >= horizon] = np.nan  # call-outs still under way at the horizon
        self.on_site[self.on_site >= horizon] = np.nan
        t = np.array(self.tasks, dtype=float).reshape(-1, 6)
        e = np.array(self.engagements, dtype=float).reshape(-1, 4)
        return Records(
            acute_arrival=self.inp.acute.arrival,
            acute_contact=self.contact,
            acute_responder=self.responder,
            acute_role=self.role,
            acute_on_site=self.on_site,
            acute_in_gap=self.in_gap,
            acute_owner=self.acute_owner,
            nonacute_arrival=self.inp.non_acute.arrival,
            nonacute_intake=self.intake,
            nonacute_owner=self.nonacute_owner,
            task_kind=t[:, 0].astype(np.int8),
            task_case=t[:, 1].astype(np.int64),
            task_owner=t[:, 2].astype(np.int64),
            task_due_day=t[:, 3].astype(np.int64),
            task_start=t[:, 4],
            task_duration=t[:, 5],
            eng_person=e[:, 0].astype(np.int64),
            eng_start=e[:, 1],
            eng_end=e[:, 2],
            eng_report=e[:, 3].astype(np.int64),
        )
