"""Call dispatch: who answers an acute call, and the call-out that follows.

The control room goes down the region's escalation chain (docs/model.md#7-the-acute-pathway): the duty
holder of each open line, in line order; the backups in order; a call-in of a present, off-duty, free team member reached for
this call (the one with the fewest call-ins so far, then the lowest index); a neighbouring
region's line; and only then does the call wait, first come first served.

Waiting calls are served by events, not by polling: when someone becomes free, a duty changes
hands, or a team member comes back from an absence, the waiting calls, oldest first, are
offered what that event made available - a free role holder or neighbouring line, or the one
person who became available as a call-in. Each offer of a call-in is a new attempt, with its
own chance of reaching the person (`Reach`), so a colleague not reached at 02:00 may be at
03:00. A person finishes the call they took even after their duty ends.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from csgsim.core.streams import keyed_uniform
from csgsim.model.crew import Crew
from csgsim.staff.duties import NOBODY

#: Steps of the chain, recorded per acute call (-1: not answered by the horizon).
PRIMARY, BACKUP, CALLIN, NEIGHBOUR = 0, 1, 2, 3
STEPS = ("primary", "backup", "call-in", "neighbour")


class Reach:
    """Whether a team member answers the `attempt`-th call-in attempt for an acute report.

    A mark of the report (`report_key`, drawn with its arrival), the person's key and the
    attempt number give one uniform number each (`keyed_uniform`): adding reports or people
    moves no other report's or person's answers, and every new attempt is a new chance.
    """

    def __init__(self, report_key: list[int], person_key: list[int], probability: float):
        self.report_key, self.person_key, self.probability = report_key, person_key, probability

    def __call__(self, i: int, person: int, attempt: int) -> bool:
        if self.probability >= 1.0:
            return True
        return keyed_uniform(self.report_key[i], self.person_key[person], attempt) < self.probability


@dataclass
class ChainInputs:
    """What the chain needs per acute report beyond the rosters, sampled before the run."""

    reached: Reach | np.ndarray  # (report, person, attempt) -> answers; a (reports, people) bool array: fixed
    callin_delay: np.ndarray  # hours from the control room's call to a call-in answering
    neighbour_delay: np.ndarray  # hours to the neighbouring line answering
    callin: bool
    neighbour: bool
    neighbour_region: str | None = None  # the neighbouring line is that region's duty holder (else outside)


class CallDispatch:
    """One region's calls: the roles now held, the calls waiting, and what each acute call got.

    People are numbered as in the `Crew` (for one region alone: the region's own numbering).
    """

    def __init__(self, env: simpy.Environment, crew: Crew, region: int, n_people: int,
                 roles: tuple[np.ndarray, ...], starts: tuple[np.ndarray, ...], n_duty: int,
                 arrivals: list[float], durations: tuple[list[float], ...], day0: bool,
                 chain: ChainInputs | None, travel: float = 0.0):
        self.env = env
        self.crew = crew
        self.region_index = region
        crew.dispatchers.append(self)
        self.offset = crew.offsets[region]
        self.n_people = n_people
        self.n_duty = n_duty  # how many of the roles are duty holders (one per line)
        times = starts[0]
        for s in starts[1:]:  # lines and backups mostly share the duty's blocks: no union to make
            if s.shape != times.shape or not (s == times).all():
                times = np.union1d(times, s)
        # `roles`: per role (the duty of each line, then each backup step) its holder per block of
        # `starts`; `held`: at every hand-over time, who holds each role from then on
        self.changes = times.tolist()
        self.held = np.column_stack([h[np.searchsorted(s, times, side="right") - 1]
                                     for h, s in zip(roles, starts)]).tolist()
        self._roles, self.change = [NOBODY] * len(roles), 0  # the roles now, the next change to apply
        self.gap = True  # no role is held now (kept with `_roles`: read per call)
        self.next_change = self.changes[0] if self.changes else math.inf
        self.external = crew.people + region  # the region's outside line (external backup, neighbour)
        self.travel = travel  # extra hours each way when another region's person answers
        self.busy = crew.busy
        self.waiting: list[tuple[int, simpy.Event]] = []  # in arrival order
        self.attempts: dict[tuple[int, int], int] = {}  # (report, person): call-in attempts so far
        self.arrivals = arrivals
        self.durations = durations  # call-back, phone, travel, on site: per report (plain floats)
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
        self.reached: Callable[[int, int, int], bool] = (
            (lambda i, p, attempt: False) if chain is None
            else chain.reached if isinstance(chain.reached, Reach)
            else (lambda i, p, attempt, fixed=chain.reached: bool(fixed[i, p])))
        self.spells = crew.spells
        self.callins = crew.callins
        self.callouts = crew.callouts
        self.engagements: list[tuple[int, float, float, int, int, int]] = []  # by this region's people
        n = len(arrivals)  # per report, plain lists in the run (no numpy scalar per write): `outcomes`
        self.contact = [math.nan] * n
        self.answered = [math.nan] * n
        self.waited = [False] * n
        self.responder = [NOBODY] * n
        self.role = [-1] * n
        self.on_site = [math.nan] * n
        self.in_gap = [False] * n
        self.on_wait: Callable[[int], None] | None = None  # told of each call not answered at once

    @property
    def roles(self) -> list[int]:
        """Who holds each role now (NOBODY: no one). Brought up to date when read, so a duty
        hand-over needs no event of its own (see `duty_changes`)."""
        now = self.env.now
        if self.next_change <= now:
            changes = self.changes
            self.change = k = bisect_right(changes, now, self.change)
            self._roles = row = self.held[k - 1]
            self.gap = row.count(NOBODY) == len(row)
            self.next_change = changes[k] if k < len(changes) else math.inf
        return self._roles

    def away(self, person: int, t0: float, t1: float) -> bool:
        """Absent at some time in [t0, t1] (spells are sorted and do not overlap)."""
        starts, ends = self.spells[person]
        k = bisect_right(ends, t0)
        return k < len(starts) and starts[k] <= t1

    def in_team(self, person: int) -> bool:
        return self.callin and self.offset <= person < self.offset + self.n_people

    def callin_candidate(self, i: int, people) -> int:
        """Of `people`, a free team member holding no role, present from now until they answer,
        and reached at this attempt for report i (each one tried is an attempt); of those, the
        one with the fewest call-ins so far, then the lowest index; NOBODY if none."""
        now = self.env.now
        until = now + self.delays[CALLIN][i]
        best = NOBODY
        for p in people:
            if self.busy[p] or p in self.roles or not self.in_team(p) or self.away(p, now, until):
                continue
            attempt = self.attempts.get((i, p), 0)
            self.attempts[(i, p)] = attempt + 1
            if not self.reached(i, p - self.offset, attempt):
                continue
            if best == NOBODY or self.callins[p] < self.callins[best]:
                best = p
        return best

    def open_roles(self) -> bool:
        """Whether a role holder or the neighbouring line is free now (then a call need not wait)."""
        return self.pick_fixed(self.roles) != (NOBODY, -1)

    def pick_fixed(self, roles: list[int]) -> tuple[int, int]:
        """The first free holder of `roles` (the roles now), else the free neighbouring line;
        (NOBODY, -1) if none."""
        for k, who in enumerate(roles):
            if who != NOBODY and not self.busy[who]:
                return who, PRIMARY if k < self.n_duty else BACKUP
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

    def pick(self, i: int, people) -> tuple[int, int]:
        """Who would answer report i's call now, and at which step, trying `people` as call-ins;
        (NOBODY, -1) if no one."""
        who, step = self.pick_fixed(self.roles)
        if step in (PRIMARY, BACKUP):
            return who, step
        if self.callin:
            callin = self.callin_candidate(i, people)
            if callin != NOBODY:
                return callin, CALLIN
        return who, step  # the neighbouring line, or no one

    def take(self, i: int, who: int, step: int) -> None:
        """`who` takes report i's call at `step`: busy until the call-out ends."""
        self.busy[who] = True
        if step == CALLIN:
            self.callins[who] += 1
        self.responder[i], self.role[i] = who, step

    def offer(self, k: int, available: list[int]) -> bool:
        """Offer the k-th waiting call what is free now, with `available` as call-ins; a person
        taken leaves `available`. Returns whether the call was answered."""
        i, answered = self.waiting[k]
        who, step = self.pick(i, available)
        if who == NOBODY:
            return False
        del self.waiting[k]
        self.crew.n_waiting -= 1
        self.take(i, who, step)
        if who in available:
            available.remove(who)
        answered.succeed((who, step))
        return True

    def serve(self, available: tuple[int, ...] | list[int]) -> None:
        """This region's waiting calls, oldest first, offered what is free; stop when nothing is."""
        if self.callin:
            roles = self.roles
            available = [p for p in available if self.in_team(p) and not self.busy[p] and p not in roles]
        else:  # no call-ins: only the fixed steps can answer
            available = []
        k = 0
        while k < len(self.waiting):
            if not self.offer(k, available):
                if not available:  # the fixed steps are the same for every call: none is open
                    return
                k += 1

    def duty_changes(self):
        """While calls wait, offer them what each duty hand-over makes available: the new role
        holders, and as call-ins those who just left a role. The roles themselves follow the
        clock when read (`roles`); this process sleeps while no call waits, so the hand-overs of
        a quiet day cost no event."""
        env, changes, held, busy = self.env, self.changes, self.held, self.busy
        while True:
            if not self.crew.waiting():
                yield self.crew.call_waits(env)
            k = bisect_right(changes, env.now)  # the next hand-over
            if k == len(changes):
                return
            yield env.timeout(changes[k] - env.now)
            if self.crew.waiting():
                before, after = held[k - 1] if k else (), held[k]
                self.crew.dispatch(tuple(p for p in before if p != NOBODY and p not in after and not busy[p]))

    def returns(self):
        """When a team member's absence ends while calls wait, the waiting calls are offered them
        as a call-in. Like `duty_changes`, this process sleeps while no call waits: the end of an
        absence on a quiet day costs no event."""
        env = self.env
        ends = sorted((e, p) for p in range(self.offset, self.offset + self.n_people) for e in self.spells[p][1])
        times = [t for t, _ in ends]
        while True:
            if not self.crew.waiting():
                yield self.crew.call_waits(env)
            k = bisect_right(times, env.now)  # the next end of an absence
            if k == len(times):
                return
            yield env.timeout(times[k] - env.now)
            for _, p in ends[k:bisect_right(times, env.now, k + 1)]:  # this end, and any at the same time
                if self.waiting and not self.busy[p]:
                    self.crew.dispatch((p,))

    def answer(self, i: int) -> tuple[int, int]:
        """Report i's call goes down the chain: who takes it now (marked busy) and at which
        step; (NOBODY, -1) if no one can (then the call `wait`s)."""
        who, step = self.pick(i, range(self.offset, self.offset + self.n_people))
        self.in_gap[i] = self.gap  # kept with the roles, which pick brought up to date
        if self.on_wait is not None and (who == NOBODY or step >= CALLIN):
            self.on_wait(i)
        if who != NOBODY:
            self.take(i, who, step)
        return who, step

    def wait(self, i: int) -> simpy.Event:
        """Report i's call waits, first come first served: an event whose value is who took it
        (marked busy) and at which step (see `offer`)."""
        answered = self.env.event()
        self.waiting.append((i, answered))
        self.crew.n_waiting += 1
        self.crew.now_waiting()
        self.waited[i] = True
        return answered

    def call_out(self, i: int, who: int, step: int) -> float:
        """Start report i's call-out by `who` now; returns how long it keeps them busy.

        A call-in or the neighbouring line answers after its delay. The casemanager then calls
        the victim back: the first contact, by phone. On day-0 pathways they travel out, stay
        for the care, and travel back. The phases follow from the sampled durations, so one
        timeout holds the whole call-out.
        """
        now = self.env.now
        callbacks, phones, travels, on_sites = self.durations
        callback, phone, travel, on_site = callbacks[i], phones[i], travels[i], on_sites[i]
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
        if who >= self.crew.people:  # an outside line: its work is this region's record (no office work)
            self.engagements.append((self.n_people, start, now + busy_for, i, step, self.region_index))
        else:  # the load lands on the person, in their own region's record; their office work waits
            self.callouts[who].append((start, now + busy_for))
            dispatchers = self.crew.dispatchers
            home = self if len(dispatchers) == 1 else next(d for d in reversed(dispatchers) if d.offset <= who)
            home.engagements.append((who - home.offset, start, now + busy_for, i, step, self.region_index))
        return busy_for

    def outcomes(self, horizon: float) -> dict[str, np.ndarray]:
        """What each acute call got, as arrays; times at or after the horizon (a call-out still
        under way) as NaN."""
        out = {}
        for name in ("contact", "on_site", "answered"):
            times = np.array(getattr(self, name), dtype=float)
            times[times >= horizon] = np.nan
            out[name] = times
        return out | {"waited": np.array(self.waited, dtype=bool), "in_gap": np.array(self.in_gap, dtype=bool),
                      "responder": self.local(np.array(self.responder, dtype=np.int64)),
                      "role": np.array(self.role, dtype=np.int8)}

    def local(self, who: np.ndarray) -> np.ndarray:
        """Crew numbers as this region's: its own people, NOBODY, or n_people for anyone outside."""
        own = (who >= self.offset) & (who < self.offset + self.n_people)
        return np.where(own, who - self.offset, np.where(who == NOBODY, NOBODY, self.n_people))

    def release(self, who: int) -> None:
        """`who` is free again: waiting calls may go to them."""
        self.busy[who] = False
        if self.crew.n_waiting:
            self.crew.dispatch((who,))
