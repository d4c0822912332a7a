"""The crew: the people of the regions simulated together, and the state their calls share.

Regions that share a line run on one clock with one crew, so a person busy with one region's
call is busy for the others, and waiting calls are served first come, first served over all
of them. A region alone has a crew of its own.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np
import simpy

from csgsim.staff.absence import Spells
from csgsim.staff.duties import NOBODY, Schedule

if TYPE_CHECKING:
    from csgsim.model.dispatch import CallDispatch


def _spells_by_person(spells: Spells, n: int) -> list[tuple[list[float], list[float]]]:
    """Persons 0..n-1's spell starts and ends, each in the order of `spells`: one stable sort
    by person, not two masks per person."""
    order = np.argsort(spells.person, kind="stable")
    bounds = np.searchsorted(spells.person[order], np.arange(n + 1)).tolist()
    start, end = spells.start[order].tolist(), spells.end[order].tolist()
    return [(start[a:b], end[a:b]) for a, b in zip(bounds, bounds[1:])]


class Crew:
    """The people of the regions simulated together, in one numbering: region k's people from
    `offsets[k]`, then one outside line per region (its external backup or neighbour). Busy
    flags, call-out intervals and call-in counts are per person, whichever region called."""

    def __init__(self, sizes: list[int], spells: list[Spells], region_ids: list[str]):
        self.region_ids = region_ids
        self.offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(int).tolist()
        self.people = int(sum(sizes))
        slots = self.people + len(sizes)
        self.busy = [False] * slots
        self.callouts: list[deque[tuple[float, float]]] = [deque() for _ in range(self.people)]  # no outside line's
        self.callins = [0] * slots
        self.spells = [person for sp, n in zip(spells, sizes) for person in _spells_by_person(sp, n)]
        self.dispatchers: list[CallDispatch] = []
        self.wakeup: simpy.Event | None = None  # fires when a call starts waiting: `call_waits`
        self.n_waiting = 0  # calls waiting, over all regions (kept by `answer` and `offer`)

    def call_waits(self, env: simpy.Environment) -> simpy.Event:
        """An event that fires when a call next starts waiting (in any region of the crew), for
        the processes that have work only while calls wait."""
        if self.wakeup is None or self.wakeup.triggered:
            self.wakeup = env.event()
        return self.wakeup

    def now_waiting(self) -> None:
        """A call has started waiting: wake the processes waiting for that."""
        if self.wakeup is not None and not self.wakeup.triggered:
            self.wakeup.succeed()

    def dispatch(self, available: tuple[int, ...] = ()) -> None:
        """Offer the waiting calls, oldest first (over all regions of a shared line: first come,
        first served), what just became available: free role holders and neighbouring lines,
        and the people in `available` as call-ins. Stops as soon as nothing is left to offer."""
        if not self.n_waiting:  # the common case at a release: no list built
            return
        waiting = self.dispatchers if len(self.dispatchers) == 1 else [d for d in self.dispatchers if d.waiting]
        if len(waiting) == 1:
            waiting[0].serve(available)
            return
        queue = sorted((d.arrivals[i], k, i) for k, d in enumerate(self.dispatchers) for i, _ in d.waiting)
        offer = list(available)
        for _, k, i in queue:
            d = self.dispatchers[k]
            if not (d.open_roles() or any(d.in_team(p) for p in offer)):
                continue
            d.offer(next(pos for pos, (j, _) in enumerate(d.waiting) if j == i), offer)

    def waiting(self) -> bool:
        """Whether any call of the regions simulated together waits."""
        return self.n_waiting > 0

    def to_crew(self, schedule: Schedule, region: int, n_people: int) -> np.ndarray:
        """A region's schedule in crew numbering: its people shifted, its outside line, else NOBODY."""
        p = schedule.person
        out = np.where((p >= 0) & (p < n_people), p + self.offsets[region], NOBODY)
        return np.where(p == n_people, self.people + region, out)
