"""Caseload bookkeeping: who owns each case, which contacts it still needs, who does them.

Cases are numbered once for the whole region: acute report i is case i, non-acute report j is
case n_acute + j. This module is the one place that knows that numbering and the owner of a
case (the person it was given to, or the colleague it was handed to during an absence).

Each person's queue is a heap holding one entry per open case: the row of the case's next
contact, which starts with its order of work (due day, kind, index: see `tasks`). The case
keeps its other open contacts in order, and the next one goes on the queue when that contact
is done. A hand-over does not search the queue: it pushes the case's next contact on the
colleague's queue, and the stale entry left on the absent person's queue is dropped when it
reaches its top (a task whose owner is no longer that person, or that is done). So moving a
case costs O(k + log n) for its k open contacts, whatever the backlog, and a person's queue
holds cases, not every contact of them: the order of work is the same as with every contact
queued, since a case's next contact is the earliest of its contacts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from heapq import heappop, heappush, heapreplace
from itertools import compress
from operator import not_

import numpy as np

from csgsim.core.rows import distinct_rows
from csgsim.model.tasks import CASE, DONE, DUE_DAY, END, HOLDER, INTAKE, KIND, LEFT, NONACUTE_FOLLOWUP, START
from csgsim.staff.duties import NOBODY


_NAN = math.nan  # a module name: one lookup per new contact row, not two


def fewest(pool: Sequence[int], counts: list[int]) -> int:
    """The member of `pool` (non-empty, ascending) with the lowest count, the first on ties:
    `min(pool, key=counts.__getitem__)` as a plain loop, which on a team of five takes 0.10 us
    against min's 0.24 (about 900 choices a national region-year)."""
    best = pool[0]
    low = counts[best]
    for p in pool:
        if counts[p] < low:
            best, low = p, counts[p]
    return best


class Caseload:
    """Open cases per person, the contacts still due per case, and each person's task queue."""

    def __init__(self, n_people: int, casemanagers: int, n_acute: int, n_nonacute: int, absent: np.ndarray,
                 nonacute_followup_days: tuple[int, ...], nonacute_followup: np.ndarray):
        self.casemanagers = casemanagers
        self.n_acute = n_acute
        # Per day, who is away, who is in and the casemanagers in: the days of one pattern of
        # absences share its lists (a year has a few dozen patterns, not a list per day to make,
        # keep and free), and an office day goes through those it concerns, not the whole team.
        rows, which = distinct_rows(absent.T)
        away = [list(compress(range(n_people), row)) for row in rows]
        here = [list(compress(range(n_people), map(not_, row))) for row in rows]
        present = [[p for p in people if p < casemanagers] for people in here]
        self.away_on = list(map(away.__getitem__, which))
        self.here_on = list(map(here.__getitem__, which))
        self.present_on = list(map(present.__getitem__, which))
        self.last_day = absent.shape[1] - 1
        self.followup_days = nonacute_followup_days
        self.followup_durations = nonacute_followup.tolist()  # plain floats: no numpy scalars in the run
        self.owner = [NOBODY] * (n_acute + n_nonacute)
        self.open_cases = [0] * n_people
        # Per case: its open contacts' rows, earliest first; per person: a heap of rows.
        self.contacts: list[list[list] | None] = [None] * (n_acute + n_nonacute)
        self.queues: list[list[list]] = [[] for _ in range(n_people)]
        self.tasks: list[list] = []  # every contact's row (see `tasks`), in order made
        self.intake = [math.nan] * n_nonacute  # per non-acute report: its intake start (a list: no numpy store)
        self.handovers: list[tuple[int, float, int, int]] = []  # (case, time, from, to)

    def present(self, day: int) -> list[int]:
        """The casemanagers present on `day` (shared with other days: not to be changed)."""
        return self.present_on[day if day < self.last_day else self.last_day]

    def least_loaded(self, day: int) -> int:
        """The present casemanager with the fewest open cases (lowest index on ties); if the
        whole team is out, any casemanager (a new case needs an owner)."""
        return fewest(self.present(day) or range(self.casemanagers), self.open_cases)

    def open_intake(self, j: int, day: int, hours: float) -> None:
        """Non-acute report j, made on `day`: its case goes to the present casemanager with the
        fewest open cases, with one contact, the intake of `hours` due the next day. As
        `open_case` with that one contact, its row made and queued here: a quarter of a
        national region-year's cases, and no loop, sort or call for a single contact."""
        case = self.n_acute + j
        owner = self.least_loaded(day)
        self.owner[case] = owner
        self.open_cases[owner] += 1
        tasks = self.tasks
        row = [day + 1, INTAKE, len(tasks), case, owner, hours, _NAN, _NAN, hours, False, False]
        tasks.append(row)
        self.contacts[case] = [row]
        heappush(self.queues[owner], row)

    def open_case(self, case: int, owner: int, contacts: list[tuple[int, int, float]]) -> None:
        """Give the case to `owner`; it stays open until its last contact (kind, due day, hours) is done."""
        self.owner[case] = owner
        if not contacts:
            return
        self.open_cases[owner] += 1
        self.add_tasks(case, owner, contacts)

    def add_tasks(self, case: int, owner: int, contacts) -> None:
        """New contacts (kind, due day, hours) of `case`, which has none open: the earliest goes
        on `owner`'s queue, the others wait with the case."""
        tasks = self.tasks
        index = len(tasks)
        mine = []
        for kind, due_day, duration in contacts:  # a row: nothing done yet, all hours left
            row = [due_day, kind, index, case, owner, duration, _NAN, _NAN, duration, False, False]
            tasks.append(row)
            mine.append(row)
            index += 1
        mine.sort()
        self.contacts[case] = mine
        heappush(self.queues[owner], mine[0])

    def head(self, person: int) -> list | None:
        """The row of the person's next contact (earliest due, then kind, then creation),
        dropping the stale entries of contacts handed over or done; None if there is none."""
        queue = self.queues[person]
        while queue:
            task = queue[0]
            if not task[DONE] and task[HOLDER] == person:
                return task
            heappop(queue)
        return None

    def hand_over_due(self, person: int, day: int, time: float) -> None:
        """An absent person's cases with a contact due go to the least-loaded present colleague,
        who keeps the case: its open contacts, its ownership and its place in the case counts, so
        the next hand-over of the day sees the colleague's new load. If no casemanager is present
        (the whole team is out), the contacts wait with their owner."""
        pool = self.present(day)  # shared: not to be changed
        if person in pool:  # seldom: it is called for a person absent that day
            pool = [p for p in pool if p != person]
        while (task := self.head(person)) is not None and task[DUE_DAY] <= day:
            if not pool:
                return
            self.move_case(task[CASE], person, fewest(pool, self.open_cases), time)

    def move_case(self, case: int, person: int, colleague: int, time: float) -> None:
        """Give `case` and every open contact of it from `person` to `colleague`."""
        mine = self.contacts[case]
        for task in mine:
            task[HOLDER] = colleague
        heappush(self.queues[colleague], mine[0])
        self.owner[case] = colleague
        self.open_cases[person] -= 1
        self.open_cases[colleague] += 1
        self.handovers.append((case, time, person, colleague))

    def finish(self, task: list, day: int, end: float) -> None:
        """Contact `task`, its case's next and the top of its holder's queue, is done at `end`:
        it leaves the queue; an intake opens the non-acute follow-ups; the case's next contact
        takes its place on the queue (one sift, not a pop and a push); the last closes the case."""
        case = task[CASE]
        task[END] = end
        task[LEFT] = 0.0
        task[DONE] = True
        mine = self.contacts[case]
        del mine[0]
        queue = self.queues[task[HOLDER]]
        if task[KIND] == INTAKE:
            heappop(queue)
            j = case - self.n_acute
            self.intake[j] = task[START]
            if self.followup_days:
                followups = []  # a loop, not a comprehension: for two or three contacts it costs less
                for d, duration in zip(self.followup_days, self.followup_durations[j]):
                    followups.append((NONACUTE_FOLLOWUP, day + d, duration))
                self.add_tasks(case, task[HOLDER], followups)
                return
        elif mine:
            heapreplace(queue, mine[0])
            return
        else:
            heappop(queue)
        self.contacts[case] = None  # closed: its list is freed now, for the rows still to come
        self.open_cases[self.owner[case]] -= 1
