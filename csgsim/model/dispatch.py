"""Call dispatch: who answers an acute call, and the call-out that follows.

The control room goes down the region's escalation chain (MODEL.md section 3): the duty
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


class CallDispatch:
    """The roles now held, who is busy, the calls waiting, and what each acute call got."""

    def __init__(self, env: simpy.Environment, n_people: int, roles: tuple[Schedule, ...], n_duty: int,
                 spells: Spells, durations: list[tuple[float, float, float, float]], day0: bool, chain: ChainInputs | None):
        self.env = env
        self.n_people = n_people
        self.schedules = roles  # the duty of each line, then each backup step
        self.n_duty = n_duty  # how many of the roles are duty holders (one per line)
        self.external = n_people  # index of the outside line (an external backup, a neighbour)
        self.busy = [False] * (n_people + 1)
        self.roles = [NOBODY] * len(roles)  # who holds each role now
        self.waiting: list[tuple[int, simpy.Event]] = []
        self.durations = durations  # per report: call-back, phone, travel, on site (plain floats)
        self.day0 = day0
        self.chain = chain
        self.callin = chain is not None and chain.callin
        self.neighbour = chain is not None and chain.neighbour
        self.delays = {} if chain is None else {CALLIN: chain.callin_delay.tolist(),
                                               NEIGHBOUR: chain.neighbour_delay.tolist()}
        self.spells = [(spells.start[spells.person == p].tolist(), spells.end[spells.person == p].tolist())
                       for p in range(n_people)]
        self.callins = [0] * n_people
        self.callouts: list[deque[tuple[float, float]]] = [deque() for _ in range(n_people + 1)]
        self.engagements: list[tuple[int, float, float, int, int]] = []
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
        for p in range(self.n_people):
            if self.busy[p] or p in self.roles or not reached[p] or self.away(p, now, until):
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
        if self.neighbour and not self.busy[self.external]:
            return self.external, NEIGHBOUR
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
        times = self.schedules[0].start
        for s in self.schedules[1:]:
            times = np.union1d(times, s.start)
        index = [np.searchsorted(s.start, times, side="right") - 1 for s in self.schedules]
        holders = [s.person[ix].tolist() for s, ix in zip(self.schedules, index)]
        for k, t in enumerate(times.tolist()):
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.roles = [h[k] for h in holders]
            self.dispatch()

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
        self.callouts[who].append((start, now + busy_for))
        self.engagements.append((who, start, now + busy_for, i, step))
        return busy_for

    def release(self, who: int) -> None:
        """`who` is free again: waiting calls may go to them."""
        self.busy[who] = False
        self.dispatch()
