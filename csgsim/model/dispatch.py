"""Call dispatch: who answers an acute call, and the call-out that follows.

The control room goes down the region's escalation chain (docs/model.md#7-the-acute-pathway): the duty
holder of each open line, in line order; the backups in order; a call-in of a present, off-duty, free team member reached for
this call (the one with the fewest call-ins so far, then the lowest index); a neighbouring
region's line; and only then does the call wait, first come first served. Whenever someone
becomes free or a duty changes hands, the waiting calls, oldest first, go down the chain again.
A person finishes the call they took even after their duty ends.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from dataclasses import dataclass

import numpy as np
import simpy

from csgsim.staff.absence import Spells
from csgsim.staff.duties import NOBODY, Schedule

#: Steps of the chain, recorded per acute call (-1: not answered by the horizon).
PRIMARY, BACKUP, CALLIN, NEIGHBOUR = 0, 1, 2, 3
STEPS = ("primary", "backup", "call-in", "neighbour")


@dataclass
class ChainInputs:
    """What the chain needs per acute report beyond the rosters, sampled before the run."""

    reached: np.ndarray  # (reports, people) bool: that person would answer a call-in for that report
    callin_delay: np.ndarray  # hours from the control room's call to a call-in answering
    neighbour_delay: np.ndarray  # hours to the neighbouring line answering
    callin: bool
    neighbour: bool
    neighbour_region: str | None = None  # the neighbouring line is that region's duty holder (else outside)


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
        self.callouts: list[deque[tuple[float, float]]] = [deque() for _ in range(slots)]
        self.callins = [0] * slots
        self.spells = [(sp.start[sp.person == p].tolist(), sp.end[sp.person == p].tolist())
                       for sp, n in zip(spells, sizes) for p in range(n)]
        self.dispatchers: list[CallDispatch] = []

    def dispatch(self) -> None:
        """Waiting calls go down their chains: one region's oldest first; across regions that
        share a line, oldest first over all of them (first come, first served on the shared line)."""
        if len(self.dispatchers) == 1:
            self.dispatchers[0].dispatch()
            return
        queue = sorted((d.arrivals[i], k, j) for k, d in enumerate(self.dispatchers) for j, (i, _) in enumerate(d.waiting))
        served: list[tuple[int, int]] = []
        for _, k, j in queue:
            d = self.dispatchers[k]
            i, answered = d.waiting[j]
            who, step = d.pick(i)
            if who != NOBODY:
                d.take(who, step)
                served.append((k, j))
                answered.succeed((who, step))
        for k, j in sorted(served, reverse=True):
            self.dispatchers[k].waiting.pop(j)

    def to_crew(self, schedule: Schedule, region: int, n_people: int) -> list[int]:
        """A region's schedule in crew numbering: its people shifted, its outside line, else NOBODY."""
        p = schedule.person
        out = np.where((p >= 0) & (p < n_people), p + self.offsets[region], NOBODY)
        return np.where(p == n_people, self.people + region, out).tolist()


class CallDispatch:
    """One region's calls: the roles now held, the calls waiting, and what each acute call got.

    People are numbered as in the `Crew` (for one region alone: the region's own numbering).
    """

    def __init__(self, env: simpy.Environment, crew: Crew, region: int, n_people: int,
                 roles: tuple[list[int], ...], starts: tuple[np.ndarray, ...], n_duty: int,
                 arrivals: list[float], durations: list[tuple[float, float, float, float]], day0: bool,
                 chain: ChainInputs | None, travel: float = 0.0):
        self.env = env
        self.crew = crew
        self.region_index = region
        crew.dispatchers.append(self)
        self.offset = crew.offsets[region]
        self.n_people = n_people
        self.holders = roles  # per role (the duty of each line, then each backup step): holder per block
        self.starts = starts  # per role: block starts
        self.n_duty = n_duty  # how many of the roles are duty holders (one per line)
        self.external = crew.people + region  # the region's outside line (external backup, neighbour)
        self.travel = travel  # extra hours each way when another region's person answers
        self.busy = crew.busy
        self.roles = [NOBODY] * len(roles)  # who holds each role now
        self.waiting: list[tuple[int, simpy.Event]] = []
        self.arrivals = arrivals
        self.durations = durations  # per report: call-back, phone, travel, on site (plain floats)
        self.day0 = day0
        self.chain = chain
        self.callin = chain is not None and chain.callin
        self.neighbour = chain is not None and chain.neighbour
        nb = None if chain is None else chain.neighbour_region
        if nb is not None and nb not in crew.region_ids:
            raise ValueError(f"region {crew.region_ids[region]!r} asks {nb!r} as its neighbour: simulate them together")
        self.neighbour_index = None if nb is None else crew.region_ids.index(nb)
        self.delays = {} if chain is None else {CALLIN: chain.callin_delay.tolist(),
                                               NEIGHBOUR: chain.neighbour_delay.tolist()}
        self.spells = crew.spells
        self.callins = crew.callins
        self.callouts = crew.callouts
        self.engagements: list[tuple[int, float, float, int, int, int]] = []  # by this region's people
        n = len(durations)
        self.contact = np.full(n, np.nan)
        self.answered = np.full(n, np.nan)
        self.waited = np.zeros(n, dtype=bool)
        self.responder = np.full(n, NOBODY, dtype=np.int64)
        self.role = np.full(n, -1, dtype=np.int8)
        self.on_site = np.full(n, np.nan)
        self.in_gap = np.zeros(n, dtype=bool)

    def away(self, person: int, t0: float, t1: float) -> bool:
        """Absent at some time in [t0, t1] (spells are sorted and do not overlap)."""
        starts, ends = self.spells[person]
        k = bisect_right(ends, t0)
        return k < len(starts) and starts[k] <= t1

    def callin_candidate(self, i: int) -> int:
        """A free team member holding no role, present from now until they answer, and reached
        for report i; NOBODY if none."""
        reached, now = self.chain.reached[i], self.env.now
        until = now + self.delays[CALLIN][i]
        best = NOBODY
        for p in range(self.offset, self.offset + self.n_people):
            if self.busy[p] or p in self.roles or not reached[p - self.offset] or self.away(p, now, until):
                continue
            if best == NOBODY or self.callins[p] < self.callins[best]:
                best = p
        return best

    def pick(self, i: int) -> tuple[int, int]:
        """Who would answer report i's call now, and at which step; (NOBODY, -1) if no one."""
        for k, who in enumerate(self.roles):
            if who != NOBODY and not self.busy[who]:
                return who, PRIMARY if k < self.n_duty else BACKUP
        if self.callin:
            who = self.callin_candidate(i)
            if who != NOBODY:
                return who, CALLIN
        if self.neighbour:
            if self.neighbour_index is None:
                if not self.busy[self.external]:
                    return self.external, NEIGHBOUR
            else:  # the neighbouring region's duty holders, in its line order
                other = self.crew.dispatchers[self.neighbour_index]
                for who in other.roles[:other.n_duty]:
                    if who != NOBODY and not self.busy[who]:
                        return who, NEIGHBOUR
        return NOBODY, -1

    def take(self, who: int, step: int) -> None:
        self.busy[who] = True
        if step == CALLIN:
            self.callins[who] += 1

    def dispatch(self) -> None:
        """Waiting calls, oldest first, go down the chain; those no one can answer keep waiting."""
        k = 0
        while k < len(self.waiting):
            i, answered = self.waiting[k]
            who, step = self.pick(i)
            if who == NOBODY:
                if not self.callin:  # the steps left are the same for every call: none is open
                    return
                k += 1
                continue
            self.take(who, step)
            self.waiting.pop(k)
            answered.succeed((who, step))

    def duty_changes(self):
        """Hand the roles over at every block boundary of the duty and backup schedules."""
        times = self.starts[0]
        for s in self.starts[1:]:
            times = np.union1d(times, s)
        index = [(np.searchsorted(s, times, side="right") - 1).tolist() for s in self.starts]
        holders = [[h[k] for k in ix] for h, ix in zip(self.holders, index)]
        for k, t in enumerate(times.tolist()):
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.roles = [h[k] for h in holders]
            self.crew.dispatch()

    def answer(self, i: int):
        """Report i's call goes down the chain, or waits. A generator for `yield from`: returns
        who took it (marked busy) and at which step."""
        self.in_gap[i] = all(who == NOBODY for who in self.roles)
        who, step = self.pick(i)
        if who == NOBODY:
            answered = self.env.event()
            self.waiting.append((i, answered))
            self.waited[i] = True
            who, step = yield answered
        else:
            self.take(who, step)
        self.responder[i] = who
        self.role[i] = step
        return who, step

    def call_out(self, i: int, who: int, step: int) -> float:
        """Start report i's call-out by `who` now; returns how long it keeps them busy.

        A call-in or the neighbouring line answers after its delay. The casemanager then calls
        the victim back: the first contact, by phone. On day-0 pathways they travel out, stay
        for the care, and travel back. The phases follow from the sampled durations, so one
        timeout holds the whole call-out.
        """
        now = self.env.now
        callback, phone, travel, on_site = self.durations[i]
        delay = self.delays[step][i] if step >= CALLIN else 0.0
        start = now + delay if step >= CALLIN else now
        self.answered[i] = start
        self.contact[i] = start + callback
        busy_for = callback + phone
        if self.day0:
            self.on_site[i] = start + callback + phone + travel
            busy_for += 2 * travel + on_site
        if step >= CALLIN:
            busy_for += delay
        if self.travel and step == PRIMARY and not self.offset <= who < self.offset + self.n_people:
            busy_for += 2 * self.travel  # another region's person on the shared line travels further
            if self.day0:
                self.on_site[i] += self.travel
        self.callouts[who].append((start, now + busy_for))
        if who >= self.crew.people:  # an outside line: its work is this region's record
            self.engagements.append((self.n_people, start, now + busy_for, i, step, self.region_index))
        else:  # the load lands on the person, in their own region's record
            home = next(d for d in reversed(self.crew.dispatchers) if d.offset <= who)
            home.engagements.append((who - home.offset, start, now + busy_for, i, step, self.region_index))
        return busy_for

    def local(self, who: np.ndarray) -> np.ndarray:
        """Crew numbers as this region's: its own people, NOBODY, or n_people for anyone outside."""
        own = (who >= self.offset) & (who < self.offset + self.n_people)
        return np.where(own, who - self.offset, np.where(who == NOBODY, NOBODY, self.n_people))

    def release(self, who: int) -> None:
        """`who` is free again: waiting calls may go to them."""
        self.busy[who] = False
        self.crew.dispatch()
