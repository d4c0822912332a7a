"""Call dispatch: who answers an acute call, and the call-out that follows.

A call goes to whoever holds the on-call duty now; while that person is busy, to the backup
(achterwacht); otherwise it waits, first come first served. A person finishes the call they
took even after their duty ends; waiting calls go to the next duty holder.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import simpy

from csgsim.staff.duties import NOBODY, Schedule

PRIMARY, BACKUP = 0, 1


class CallDispatch:
    """The roles now held, who is busy, the calls waiting, and what each acute call got."""

    def __init__(self, env: simpy.Environment, n_people: int, primary: Schedule, backup: Schedule | None,
                 durations: list[tuple[float, float, float, float]], day0: bool):
        self.env = env
        self.schedules = primary, backup
        self.external = n_people  # index of an external backup (neighbouring region, pool)
        self.busy = [False] * (n_people + 1)
        self.primary = NOBODY
        self.backup = NOBODY
        self.waiting: list[simpy.Event] = []
        self.durations = durations  # per report: call-back, phone, travel, on site (plain floats)
        self.day0 = day0
        self.callouts: list[deque[tuple[float, float]]] = [deque() for _ in range(n_people + 1)]
        self.engagements: list[tuple[int, float, float, int]] = []
        n = len(durations)
        self.contact = np.full(n, np.nan)
        self.responder = np.full(n, NOBODY, dtype=np.int64)
        self.role = np.full(n, -1, dtype=np.int8)
        self.on_site = np.full(n, np.nan)
        self.in_gap = np.zeros(n, dtype=bool)

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
        p, b = self.schedules
        times = p.start if b is None else np.union1d(p.start, b.start)
        p_idx = np.searchsorted(p.start, times, side="right") - 1
        b_idx = None if b is None else np.searchsorted(b.start, times, side="right") - 1
        for k, t in enumerate(times.tolist()):
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.primary = int(p.person[p_idx[k]])
            self.backup = NOBODY if b_idx is None else int(b.person[b_idx[k]])
            self.dispatch()

    def answer(self, i: int):
        """The control room calls the on-call casemanager; if busy, the backup; else the call waits.

        A generator for `yield from`: returns who took report i's call, marked busy.
        """
        self.in_gap[i] = self.primary == NOBODY and self.backup == NOBODY
        who = self.free_responder()
        if who == NOBODY:
            answered = self.env.event()
            self.waiting.append(answered)
            who = yield answered
        else:
            self.busy[who] = True
        self.responder[i] = who
        self.role[i] = PRIMARY if who == self.primary else BACKUP
        return who

    def call_out(self, i: int, who: int) -> float:
        """Start report i's call-out by `who` now; returns how long it keeps them busy.

        The casemanager calls the victim back: the first contact, by phone. On day-0 pathways
        they then travel out, stay for the care, and travel back. The phases follow from the
        sampled durations, so one timeout holds the whole call-out.
        """
        now = self.env.now
        callback, phone, travel, on_site = self.durations[i]
        self.contact[i] = now + callback
        busy_for = callback + phone
        if self.day0:
            self.on_site[i] = now + callback + phone + travel
            busy_for += 2 * travel + on_site
        self.callouts[who].append((now, now + busy_for))
        self.engagements.append((who, now, now + busy_for, i))
        return busy_for

    def release(self, who: int) -> None:
        """`who` is free again: waiting calls may go to them."""
        self.busy[who] = False
        self.dispatch()
