"""Office work: at the end of each working day, each present person does the contacts that fit.

Acute work comes first: the contacts fill the time that day's call-outs left free in office
hours, earliest due first, until the day's share of contracted hours is used. What does not
fit waits, so an overloaded casemanager builds a backlog of late contacts.

No contact blocks the queue: one that fits whole in none of the day's free intervals (it is
longer than the office window, or call-outs cut the day into pieces too short for it) is done
in pieces, starting in the current free interval, resumed after each call-out and on the next
working days until done. Every piece is recorded (`pieces`), in office hours, between
call-outs, on a day the person is present: almost every contact is done in one piece, which
its own row describes (its index, holder, start and end), so the log of work keeps only its
index, and the few pieces of a contact done in parts are kept whole apart.

An office day needs no event of its own. Its work reads the queues, the case counts and the
call-outs that started before it closed, and changes only the queues and case counts, which
nothing but the acute pathway's owner choice and the next office day read. So each day is
worked when the first of those comes after its close (`catch_up`), in the order of the days,
with the same arguments and the same result as an event at its close: about 270 events less
per region-year.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from csgsim.config.schema import Region
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.core.rows import array_of, field_arrays
from csgsim.model.cases import Caseload
from csgsim.model.tasks import DONE, DUE_DAY, HOLDER, INDEX, LEFT, START, STARTED

_EPS = 1e-9
PART = -1  # in the log of work: a piece of a contact done in parts


@lru_cache(maxsize=64)
def _office_hours(calendar: Calendar, start_hour: float, end_hour: float) -> tuple[tuple[float, float], ...]:
    """Per day, the hours its office opens and closes, the same in every replication: a day's
    work reads them, and its first free interval is this very tuple, with no numbers to make."""
    return tuple((day * HOURS_PER_DAY + start_hour, day * HOURS_PER_DAY + end_hour) for day in range(calendar.days))


@lru_cache(maxsize=64)
def _closes(calendar: Calendar, start_hour: float, end_hour: float) -> tuple[tuple[int, float], ...]:
    """Each working day and the hour its office closes (`_office_hours`), then a day that never
    closes (-1, inf): a loop over the days closed by a time needs no bound. A run to the horizon
    does nothing at the horizon itself: when the office closes at midnight, the last day closes a
    moment before."""
    hours, last = _office_hours(calendar, start_hour, end_hour), calendar.horizon - _EPS
    return tuple((day, min(hours[day][1], last))
                 for day in np.flatnonzero(calendar.working).tolist()) + ((-1, math.inf),)


def free_slots(callouts: deque[tuple[float, float]], lo: float, hi: float) -> tuple[list[tuple[float, float]], float]:
    """The hours [lo, hi) not taken by `callouts`, and the hours those took."""
    blocked = []  # plain loops: a generator's frame costs more than the day's few call-outs
    for s, e in callouts:
        if s < hi and e > lo:
            blocked.append((s if s > lo else lo, e if e < hi else hi))
    blocked.sort()
    cursor, slots, taken = lo, [], 0
    for s, e in blocked:
        if s > cursor:
            slots.append((cursor, s))
        if e > cursor:
            cursor = e
        taken += e - s
    if cursor < hi:
        slots.append((cursor, hi))
    return slots, taken


class OfficeWork:
    """The office days of one region, each worked once it has closed (`catch_up`)."""

    def __init__(self, region: Region, calendar: Calendar, caseload: Caseload,
                 callouts: list[deque[tuple[float, float]]]):
        self.cases = caseload
        self.callouts = callouts  # per person: call-out intervals in start order (written by dispatch)
        # The pieces in the order worked: a contact's index where one piece did it whole, else
        # PART, and each PART's (index, person, start, end) in `parts`.
        self.worked: list[int] = []
        self.parts: list[tuple[int, int, float, float]] = []
        self.share = [p.hours_per_week / 5 for p in region.people]  # contracted hours of a day
        hours = (calendar, region.duty.office_start_hour, region.duty.office_end_hour)
        self.office_hours = _office_hours(*hours)
        self.closes = _closes(*hours)
        self.next_day = 0  # the first day not worked yet, and its close
        self.next_close = self.closes[0][1]

    def catch_up(self, now: float, arrived: Callable[[float], None]) -> None:
        """Work every office day that closed at or before `now` and is not worked yet, each as at
        its close: hand over the absent people's due contacts, then work. `arrived(t)` first
        opens the cases of the reports that arrived before the close t."""
        if now < self.next_close:  # the common case: no day closed since the last call
            return
        cases = self.cases
        queues, away_on, here_on, closes = cases.queues, cases.away_on, cases.here_on, self.closes
        k = self.next_day
        while closes[k][1] <= now:  # the last, a day that never closes, ends the loop
            day, close = closes[k]
            arrived(close)
            for p in away_on[day]:  # a queue whose top (stale or not) is not due has nothing due
                if queues[p] and queues[p][0][0] <= day:
                    cases.hand_over_due(p, day, close)
            for p in here_on[day]:
                if queues[p] and queues[p][0][0] <= day:
                    self.work_day(p, day)
            k += 1
        self.next_day = k
        self.next_close = closes[k][1]

    def work_day(self, person: int, day: int) -> None:
        """Due contacts, earliest first, into the free slots while the next fits in the day's hours.
        `catch_up` calls it only when the top of the person's queue (stale or not) is due.

        A contact is started only if it fits in what is left of the day's share, or if the person
        has done nothing today and had no call-out in office hours (so a contact longer than the
        share is not put off for ever). It goes whole into the first free interval it fits in;
        if it fits in none, it is done in pieces from the current interval on. A contact already
        started continues first, whatever is left of the share.
        """
        cases = self.cases
        queue = cases.queues[person]
        task = queue[0]
        if task[DONE] or task[HOLDER] != person:  # a stale entry: find the real head
            task = cases.head(person)
            if task is None or task[DUE_DAY] > day:
                return
        lo, hi = hours = self.office_hours[day]
        callouts = self.callouts[person]
        while callouts and callouts[0][1] <= lo:  # in start order: drop the finished ones
            callouts.popleft()
        if not callouts or callouts[0][0] >= hi:  # none starts before the office closes
            slots, taken = [hours], 0
        else:
            slots, taken = free_slots(callouts, lo, hi)
            if not slots:
                return
        budget = self.share[person] - taken
        k, fresh = 0, taken == 0 and budget > 0  # fresh: nothing done or blocked today yet
        worked = self.worked
        while True:
            left = task[LEFT]
            if task[DUE_DAY] > day or (not task[STARTED] and left > budget and not fresh):
                return
            fresh = False
            start, end = slots[k]
            whole = not task[STARTED]  # this piece is the first
            if whole:
                if left > end - start:  # whole into the first interval it fits in, else in pieces from here
                    for j in range(k + 1, len(slots)):
                        if slots[j][1] - slots[j][0] >= left:
                            k = j
                            start, end = slots[j]
                            break
                task[START], task[STARTED] = start, True
            piece = left if left <= end - start else end - start
            stop = start + piece
            task[LEFT] = left = left - piece
            budget -= piece
            if whole and left <= _EPS:  # the contact in one piece: its row holds the piece
                worked.append(task[INDEX])
            else:
                worked.append(PART)
                self.parts.append((task[INDEX], person, start, stop))
            if left <= _EPS:  # done: the heap's top (the stale entries above it are dropped)
                cases.finish(task, day, stop)
            if stop < end - _EPS:
                slots[k] = (stop, end)
            else:
                k += 1
                if k == len(slots):
                    return
            if not queue:
                return
            task = queue[0]
            if task[DONE] or task[HOLDER] != person:
                task = cases.head(person)
                if task is None:
                    return

    def pieces(self, holder: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, ...]:
        """Every piece of work in the order worked: contact index, person, start and end. A
        contact done in one piece is read from its row's recorded fields (`holder`, `start`,
        `end`: its holder did it, and nobody takes a contact done over), the others' pieces
        from `parts`."""
        worked = array_of(self.worked, np.int64)
        whole, task = worked != PART, worked.copy()
        person, begin, stop = np.empty(worked.size, dtype=np.int64), np.empty(worked.size), np.empty(worked.size)
        done = worked[whole]
        person[whole], begin[whole], stop[whole] = holder[done], start[done], end[done]
        split = ~whole
        task[split], person[split], begin[split], stop[split] = field_arrays(self.parts, _PART)
        return task, person, begin, stop


# The fields of a piece done in parts, as array types: contact index, person, start, end.
_PART = (np.int64, np.int64, float, float)
