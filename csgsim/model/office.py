"""Office work: at the end of each working day, each present person does the contacts that fit.

Acute work comes first: the contacts fill the time that day's call-outs left free in office
hours, earliest due first, until the day's share of contracted hours is used. What does not
fit waits, so an overloaded casemanager builds a backlog of late contacts.
"""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np
import simpy

from csgsim.config.schema import Region
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.model.cases import Caseload


class OfficeWork:
    """The end-of-day office process of one region."""

    def __init__(self, env: simpy.Environment, region: Region, calendar: Calendar, caseload: Caseload,
                 callouts: list[deque[tuple[float, float]]]):
        self.env = env
        self.region = region
        self.calendar = calendar
        self.cases = caseload
        self.callouts = callouts  # per person: call-out intervals in start order (written by dispatch)

    def days(self):
        """At the end of each working day: hand over the absent people's due contacts, then work."""
        env, duty, cases = self.env, self.region.duty, self.cases
        people = range(len(self.region.people))
        for day in np.flatnonzero(self.calendar.working).tolist():
            yield env.timeout(day * HOURS_PER_DAY + duty.office_end_hour - env.now)
            for p in people:
                if cases.absent[p, day]:
                    cases.hand_over_due(p, day)
            for p in people:
                if not cases.absent[p, day]:
                    self.work_day(p, day)

    def free_slots(self, person: int, lo: float, hi: float) -> tuple[list[tuple[float, float]], float]:
        """The person's office hours [lo, hi) not taken by call-outs, and the hours those took."""
        callouts = self.callouts[person]
        while callouts and callouts[0][1] <= lo:  # in start order: drop the finished ones
            callouts.popleft()
        blocked = sorted((max(s, lo), min(e, hi)) for s, e in callouts if s < hi and e > lo)
        cursor, slots = lo, []
        for s, e in blocked:
            if s > cursor:
                slots.append((cursor, s))
            cursor = max(cursor, e)
        if cursor < hi:
            slots.append((cursor, hi))
        return slots, sum(e - s for s, e in blocked)

    def work_day(self, person: int, day: int) -> None:
        """Due contacts, earliest first, into the free slots while the next fits in the day's hours."""
        cases = self.cases
        queue = cases.queues[person]
        if not queue or queue[0][0] > day:
            return
        duty = self.region.duty
        lo = day * HOURS_PER_DAY + duty.office_start_hour
        slots, taken = self.free_slots(person, lo, day * HOURS_PER_DAY + duty.office_end_hour)
        budget = self.region.people[person].hours_per_week / 5 - taken
        k, fresh = 0, taken == 0 and budget > 0  # fresh: nothing done or blocked today yet
        while queue and queue[0][0] <= day and k < len(slots):
            task = cases.tasks[queue[0][2]]
            if task.duration > budget and not fresh:  # no time left today for the next contact
                return
            start, end = slots[k]
            if task.duration > end - start:  # does not fit before the next call-out: try later
                k += 1
                continue
            fresh = False
            heapq.heappop(queue)
            task.start = start
            slots[k] = (start + task.duration, end)
            budget -= task.duration
            cases.finish(task, day)
