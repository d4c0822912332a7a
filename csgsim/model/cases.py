"""Caseload bookkeeping: who owns each case, which contacts it still needs, who does them.

Cases are numbered once for the whole region: acute report i is case i, non-acute report j is
case n_acute + j. This module is the one place that knows that numbering and the owner of a
case (the person it was given to; a colleague who covers a due contact during an absence does
that contact without taking the case).
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
        """An absent person's due contacts go to a present colleague, who does them for the owner."""
        queue = self.queues[person]
        while queue and queue[0][0] <= day:
            due, kind, index = heapq.heappop(queue)
            colleague = self.least_loaded(day)
            if colleague == person:  # the whole team is out: the contact waits
                heapq.heappush(queue, (due, kind, index))
                return
            self.tasks[index].owner = colleague
            heapq.heappush(self.queues[colleague], (due, kind, index))

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
