"""Caseload bookkeeping: who owns each case, which contacts it still needs, who does them.

Cases are numbered once for the whole region: acute report i is case i, non-acute report j is
case n_acute + j. This module is the one place that knows that numbering and the owner of a
case (the person it was given to, or the colleague it was handed to during an absence).

Each person's due contacts are a heap of (due day, kind, task index). A hand-over does not
search that heap: the case's open contacts are known per case, each is re-pushed on the
colleague's heap, and the stale entries left on the absent person's heap are dropped when
they reach its top (a task whose owner is no longer that person, or that is done). So moving
a case costs O(k log n) for its k open contacts, whatever the backlog.
"""

from __future__ import annotations

from heapq import heappop, heappush

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
        self.absent_on = absent.T.tolist()  # per day: who is absent (plain bools: no numpy scalar per lookup)
        self.last_day = absent.shape[1] - 1
        self._present: dict[int, list[int]] = {}
        self.followup_days = nonacute_followup_days
        self.followup_durations = nonacute_followup.tolist()  # plain floats: no numpy scalars in the run
        self.owner = [NOBODY] * (n_acute + n_nonacute)
        self.open_cases = [0] * n_people
        self.contacts: list[list[int] | None] = [None] * (n_acute + n_nonacute)  # per open case: its contacts
        self.remaining = [0] * (n_acute + n_nonacute)  # per case: how many of its contacts are not done
        self.queues: list[list[tuple[int, int, int]]] = [[] for _ in range(n_people)]
        self.tasks: list[Task] = []
        self.intake = np.full(n_nonacute, np.nan)
        self.handovers: list[tuple[int, float, int, int]] = []  # (case, time, from, to)

    def nonacute_case(self, j: int) -> int:
        return self.n_acute + j

    def present(self, day: int) -> list[int]:
        """The casemanagers present on `day`."""
        day = min(day, self.last_day)
        present = self._present.get(day)
        if present is None:
            row = self.absent_on[day]
            present = self._present[day] = [p for p in range(self.casemanagers) if not row[p]]
        return present

    def least_loaded(self, day: int) -> int:
        """The present casemanager with the fewest open cases (lowest index on ties); if the
        whole team is out, any casemanager (a new case needs an owner)."""
        pool = self.present(day) or range(self.casemanagers)
        return min(pool, key=self.open_cases.__getitem__)  # pool ascending: min keeps the lowest index on ties

    def open_case(self, case: int, owner: int, contacts: list[tuple[int, int, float]]) -> None:
        """Give the case to `owner`; it stays open until its last contact (kind, due day, hours) is done."""
        self.owner[case] = owner
        if not contacts:
            return
        self.open_cases[owner] += 1
        self.contacts[case] = []
        self.add_tasks(case, owner, contacts)

    def add_tasks(self, case: int, owner: int, contacts) -> None:
        """New contacts (kind, due day, hours) of `case`, on `owner`'s queue."""
        tasks, queue, mine = self.tasks, self.queues[owner], self.contacts[case]
        index = len(tasks)
        for kind, due_day, duration in contacts:
            tasks.append(Task(kind, case, owner, due_day, duration, duration))
            mine.append(index)
            heappush(queue, (due_day, kind, index))
            index += 1
        self.remaining[case] += len(contacts)

    def head(self, person: int) -> int | None:
        """The index of the person's next contact (earliest due, then kind, then creation),
        dropping the stale entries of contacts handed over or done; None if there is none."""
        queue, tasks = self.queues[person], self.tasks
        while queue:
            index = queue[0][2]
            task = tasks[index]
            if not task.done and task.owner == person:
                return index
            heappop(queue)
        return None

    def hand_over_due(self, person: int, day: int, time: float) -> None:
        """An absent person's cases with a contact due go to the least-loaded present colleague,
        who keeps the case: its open contacts, its ownership and its place in the case counts, so
        the next hand-over of the day sees the colleague's new load. If no casemanager is present
        (the whole team is out), the contacts wait with their owner."""
        pool = [p for p in self.present(day) if p != person]
        load = self.open_cases.__getitem__
        while (index := self.head(person)) is not None and self.tasks[index].due_day <= day:
            if not pool:
                return
            colleague = min(pool, key=load)  # pool ascending: the lowest index on ties
            self.move_case(self.tasks[index].case, person, colleague, time)

    def move_case(self, case: int, person: int, colleague: int, time: float) -> None:
        """Give `case` and every open contact of it from `person` to `colleague`."""
        tasks, queue = self.tasks, self.queues[colleague]
        for index in self.contacts[case]:
            task = tasks[index]
            if task.done:
                continue
            task.owner = colleague
            heappush(queue, (task.due_day, task.kind, index))
        self.owner[case] = colleague
        self.open_cases[person] -= 1
        self.open_cases[colleague] += 1
        self.handovers.append((case, time, person, colleague))

    def finish(self, index: int, day: int, end: float) -> None:
        """Contact `index` is done at `end`: an intake opens the non-acute follow-ups; the
        last contact closes the case."""
        task = self.tasks[index]
        case = task.case
        task.end = end
        task.left = 0.0
        task.done = True
        if task.kind == INTAKE:
            j = case - self.n_acute
            self.intake[j] = task.start
            self.add_tasks(case, task.owner, [(NONACUTE_FOLLOWUP, day + d, duration) for d, duration
                                              in zip(self.followup_days, self.followup_durations[j])])
        remaining = self.remaining
        remaining[case] -= 1
        if remaining[case] == 0:
            self.open_cases[self.owner[case]] -= 1
