"""Caseload bookkeeping: who owns each case, which contacts it still needs, who does them.

Cases are numbered once for the whole region: acute report i is case i, non-acute report j is
case n_acute + j. This module is the one place that knows that numbering and the owner of a
case (the person it was given to, or the colleague it was handed to during an absence).
"""

from __future__ import annotations

import heapq

import numpy as np

from csgsim.model.tasks import INTAKE, NONACUTE_FOLLOWUP, Task
from csgsim.staff.duties import NOBODY


class Caseload:
    """Open cases per person, the contacts still due per case, and each person's task queue."""

    def __init__(self, n_people: int, casemanagers: int, n_acute: int, n_nonacute: int, absent: np.ndarray,
                 nonacute_followup_days: tuple[int, ...], nonacute_followup: np.ndarray):
        self.casemanagers = casemanagers
        self.n_acute = n_acute
        self.absent = absent  # (people, days) bool
        self.last_day = absent.shape[1] - 1
        self.followup_days = nonacute_followup_days
        self.followup_durations = nonacute_followup
        self.owner = [NOBODY] * (n_acute + n_nonacute)
        self.open_cases = [0] * n_people
        self.remaining: dict[int, int] = {}
        self.queues: list[list[tuple[int, int, int]]] = [[] for _ in range(n_people)]
        self.tasks: list[Task] = []
        self.intake = np.full(n_nonacute, np.nan)

    def nonacute_case(self, j: int) -> int:
        return self.n_acute + j

    def least_loaded(self, day: int) -> int:
        """The present casemanager with the fewest open cases (lowest index on ties)."""
        day = min(day, self.last_day)
        present = [p for p in range(self.casemanagers) if not self.absent[p, day]]
        pool = present or list(range(self.casemanagers))
        return min(pool, key=lambda p: (self.open_cases[p], p))

    def open_case(self, case: int, owner: int, contacts: list[tuple[int, int, float]]) -> None:
        """Give the case to `owner`; it stays open until its last contact (kind, due day, hours) is done."""
        self.owner[case] = owner
        if not contacts:
            return
        self.open_cases[owner] += 1
        self.remaining[case] = len(contacts)
        for kind, due, duration in contacts:
            self.add_task(kind, case, owner, due, duration)

    def add_task(self, kind: int, case: int, owner: int, due_day: int, duration: float) -> None:
        index = len(self.tasks)
        self.tasks.append(Task(kind, case, owner, due_day, duration))
        heapq.heappush(self.queues[owner], (due_day, kind, index))

    def hand_over_due(self, person: int, day: int) -> None:
        """An absent person's cases with a contact due go to the least-loaded present colleague,
        who keeps the case: its open contacts, its ownership and its place in the case counts, so
        the next hand-over of the day sees the colleague's new load."""
        queue = self.queues
        while queue[person] and queue[person][0][0] <= day:
            colleague = self.least_loaded(day)
            if colleague == person:  # the whole team is out: the contact waits
                return
            self.move_case(self.tasks[queue[person][0][2]].case, person, colleague)

    def move_case(self, case: int, person: int, colleague: int) -> None:
        """Give `case` and every queued contact of it from `person` to `colleague`."""
        mine = [entry for entry in self.queues[person] if self.tasks[entry[2]].case == case]
        self.queues[person] = [entry for entry in self.queues[person] if self.tasks[entry[2]].case != case]
        heapq.heapify(self.queues[person])
        for entry in mine:
            self.tasks[entry[2]].owner = colleague
            heapq.heappush(self.queues[colleague], entry)
        self.owner[case] = colleague
        self.open_cases[person] -= 1
        self.open_cases[colleague] += 1

    def finish(self, task: Task, day: int) -> None:
        """A contact is done: an intake opens the non-acute follow-ups; the last contact closes the case."""
        case = task.case
        if task.kind == INTAKE:
            j = case - self.n_acute
            self.intake[j] = task.start
            for d, duration in zip(self.followup_days, self.followup_durations[j]):
                self.remaining[case] += 1
                self.add_task(NONACUTE_FOLLOWUP, case, task.owner, day + d, duration)
        self.remaining[case] -= 1
        if self.remaining[case] == 0:
            self.open_cases[self.owner[case]] -= 1
