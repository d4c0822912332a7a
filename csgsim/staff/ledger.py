"""The re-planning ledger: who holds which on-call block, so that "can p take block b?" is cheap.

It answers for the duty-count rules of `rules` only (work rules need the run's call-outs),
and counts their windows as the metrics do: from `origin`, the reported start (the end of the
warm-up), so that a hand-over the ledger allows is one the reported figures find legal. Hours
before the origin fall in windows of their own (the first perhaps short), which count towards
the maxima but, being short, not towards the minimum of free days.

Everything a question needs is kept per person and window as plain Python numbers, updated as
blocks change hands: a question costs the days and windows the block touches, not a numpy call
on a 4-week slice per candidate.
"""

from __future__ import annotations

import math

import numpy as np

from csgsim.config.staffing import RuleSet
from csgsim.core.calendar import HOURS_PER_DAY
from csgsim.staff.duties import NOBODY, ONCALL, Schedule
from csgsim.staff.rules import _EPS, DAYS_4W, HOURS_16W, HOURS_7D, _day_span, _duties, _window_counts, free_pairs


def _pairs(busy: bytearray) -> int:
    """Disjoint pairs of consecutive free days in `busy` (1 on call, 0 free, a byte a day): the
    non-overlapping count of two free days, which takes half of each free run, rounded down."""
    return busy.count(b"\x00\x00")


class Ledger:
    """Who holds which on-call block, kept so that "can p take block b?" is cheap.

    A block fits if, with it, no rule window that it makes worse ends up in breach: a window whose
    count does not rise is not looked at, so a base roster that already breaches a rule does
    not block changes elsewhere, and re-planning never adds to a breach.
    """

    def __init__(self, schedule: Schedule, n_people: int, ruleset: RuleSet, day_start: float = 0.0,
                 origin: float = 0.0) -> None:
        self.ruleset = ruleset
        self._start, self._end = schedule.start.tolist(), schedule.end.tolist()
        self._oncall = (schedule.kind == ONCALL).tolist()
        holder = np.where((schedule.kind == ONCALL) & (schedule.person >= 0) & (schedule.person < n_people),
                          schedule.person, NOBODY).astype(np.int64)
        self._holder = holder.tolist()
        horizon = float(schedule.end[-1]) if len(schedule) else 0.0
        n_days = int(np.ceil(horizon / HOURS_PER_DAY))
        d0, d1 = _day_span(schedule.start, schedule.end, n_days, day_start)
        self._day_windows(n_days, int(origin // HOURS_PER_DAY))
        held = holder >= 0
        size, row = n_people * (n_days + 1), holder[held] * (n_days + 1)
        touch = (np.bincount(row + d0[held], minlength=size) - np.bincount(row + d1[held], minlength=size))
        touch = np.cumsum(touch.reshape(n_people, n_days + 1), axis=1)[:, :n_days]
        self._touch = touch.tolist()
        busy = touch > 0
        self._busy_days = [bytearray(row) for row in busy.astype(np.uint8)]
        lows = [lo for lo, _ in self._bounds]
        self._busy = (np.add.reduceat(busy, lows, axis=1, dtype=np.int64) if lows else busy[:, :0]).tolist()
        full = [w for w, (lo, hi) in enumerate(self._bounds) if hi - lo == DAYS_4W]  # contiguous windows
        free = np.zeros((n_people, len(self._bounds)), dtype=np.int64)
        if full:
            lo = self._bounds[full[0]][0]
            days = ~busy[:, lo: lo + len(full) * DAYS_4W].reshape(n_people * len(full), DAYS_4W)
            free[:, full] = free_pairs(days).reshape(n_people, len(full))
        self._free: list[list[int | None]] = free.tolist()
        d_person, d_start, _ = _duties(Schedule(start=schedule.start, end=schedule.end, person=holder,
                                                kind=schedule.kind), n_people)
        self._limits = {width: limit for width, limit in ((HOURS_7D, ruleset.max_duties_per_7d),
                                                           (HOURS_16W, ruleset.max_duties_per_16w))
                        if limit is not None}
        self._starts = {w: _window_counts(d_person, d_start, w, n_people, horizon, origin).tolist()
                        for w in self._limits}
        self._origin = origin
        self._before = {w: math.ceil(origin / w) for w in self._limits}  # windows before the origin
        self._duty_rules = ruleset.max_duty_hours is not None or bool(self._limits)
        self._days_rules = ruleset.max_oncall_days_per_4w is not None or ruleset.min_free_pairs_per_4w is not None
        self._groups = [self._windows_of_days(a, b) for a, b in zip(d0.tolist(), d1.tolist())]

    def _windows_of_days(self, first: int, stop: int) -> tuple[tuple[int, int, int, int, int], ...]:
        """The days [first, stop) of a block cut by 4-week window: (window, first, stop, window's first
        day, window's stop), so that a question about a block walks its windows, not its days."""
        cuts = []
        d = first
        while d < stop:
            w = self._window_of[d]
            lo, hi = self._bounds[w]
            cuts.append((w, d, min(stop, hi), lo, hi))
            d = min(stop, hi)
        return tuple(cuts)

    def copy(self) -> Ledger:
        """A ledger to change without changing this one. A roster's ledger is the same in every
        replication (`replanning.ledger_for` builds it once): what `add`, `remove` and `fits`
        change is copied, the roster's fixed facts (blocks, days, windows) are shared."""
        new = object.__new__(Ledger)
        new.__dict__.update(self.__dict__)
        new._holder = self._holder.copy()
        new._touch = [row.copy() for row in self._touch]
        new._busy_days = [bytearray(row) for row in self._busy_days]
        new._busy = [row.copy() for row in self._busy]
        new._free = [row.copy() for row in self._free]
        new._starts = {w: [row.copy() for row in rows] for w, rows in self._starts.items()}
        return new

    def _day_windows(self, n_days: int, origin_day: int) -> None:
        """The 4-week windows of days: from `origin_day` on, and before it back to day 0."""
        edges = sorted({0, n_days} | {d for d in range(origin_day % DAYS_4W, n_days, DAYS_4W) if 0 < d < n_days})
        self._bounds = list(zip(edges[:-1], edges[1:])) if n_days else []
        self._window_of = [w for w, (lo, hi) in enumerate(self._bounds) for _ in range(lo, hi)]

    def _hour_window(self, t: float, width: float, n_windows: int) -> int:
        """The index of the `width`-hour window of time t (as `rules._window_counts` counts)."""
        return min(max(int((t - self._origin) // width) + self._before[width], 0), n_windows - 1)

    def _run(self, person: int, block: int) -> tuple[int, int]:
        """First and last block of the duty `block` would be part of if `person` held it."""
        left = block
        while left > 0 and self._linked(left - 1, person):
            left -= 1
        right = block
        while right + 1 < len(self._holder) and self._linked(right + 1, person):
            right += 1
        return left, right

    def _linked(self, other: int, person: int) -> bool:
        return self._oncall[other] and self._holder[other] == person

    def _start_deltas(self, person: int, block: int) -> list[tuple[float, int]]:
        """Duty starts that change if `person` takes `block`: (time, +1 or -1)."""
        left, right = self._run(person, block)
        deltas = []
        if left == block:
            deltas.append((self._start[block], 1))
        if right > block:
            deltas.append((self._start[block + 1], -1))
        return deltas

    def fits(self, person: int, block: int) -> bool:
        """Can `person` take the unheld on-call `block` without breaching a duty-count rule?"""
        if self._duty_rules and not self._duties_fit(person, block):
            return False
        return not self._days_rules or self._days_fit(person, block)

    def _duties_fit(self, person: int, block: int) -> bool:
        """The rules on duties: the longest duty, and duty starts per 7 days and per 16 weeks."""
        rs = self.ruleset
        if rs.max_duty_hours is not None:
            left, right = self._run(person, block)
            if self._end[right] - self._start[left] > rs.max_duty_hours + _EPS:
                return False
        for width, limit in self._limits.items():
            counts = self._starts[width][person]
            change: dict[int, int] = {}
            for t, d in self._start_deltas(person, block):
                w = self._hour_window(t, width, len(counts))
                change[w] = change.get(w, 0) + d
            if any(d > 0 and counts[w] + d > limit for w, d in change.items()):
                return False
        return True

    def _days_fit(self, person: int, block: int) -> bool:
        """The 4-week rules: on-call days at most the maximum, and free pairs not newly below the minimum."""
        most, least = self.ruleset.max_oncall_days_per_4w, self.ruleset.min_free_pairs_per_4w
        days, busy, free = self._busy_days[person], self._busy[person], self._free[person]
        for w, first, stop, lo, hi in self._groups[block]:
            new = days.count(0, first, stop)  # the block's days the person is not yet on call
            if not new:
                continue
            if most is not None and busy[w] + new > most:
                return False
            if least is None or hi - lo != DAYS_4W:
                continue
            before = free[w]
            if before is None:  # counted again only when asked
                before = free[w] = _pairs(days[lo:hi])
            # Each new on-call day breaks at most one pair: only a window near the minimum can fall below it.
            if before - new < least:
                trial = days[lo:hi]
                trial[first - lo : stop - lo] = b"\x01" * (stop - first)
                after = _pairs(trial)
                if after < before and after < least:
                    return False
        return True

    def _touch_days(self, person: int, block: int, step: int) -> None:
        """Add `step` (+1 or -1) to the person's on-call count on the days of `block`, keeping the
        busy days of the windows whose days turn busy or free (their free pairs are counted again
        when next asked)."""
        row, days, busy, free = self._touch[person], self._busy_days[person], self._busy[person], self._free[person]
        turns, now = (0, 1) if step > 0 else (1, 0)  # the count at which a day turns busy (free), and to what
        for w, first, stop, _, _ in self._groups[block]:
            for d in range(first, stop):
                if row[d] == turns:
                    busy[w] += step
                    free[w] = None
                    days[d] = now
                row[d] += step

    def _shift_starts(self, person: int, block: int, sign: int) -> None:
        for width, starts in self._starts.items():
            for t, d in self._start_deltas(person, block):
                starts[person][self._hour_window(t, width, len(starts[person]))] += sign * d

    def add(self, person: int, block: int) -> None:
        """Give the unheld on-call `block` to `person`."""
        if self._starts:
            self._shift_starts(person, block, 1)
        self._holder[block] = person
        self._touch_days(person, block, 1)

    def remove(self, block: int) -> None:
        """Take on-call `block` from its holder (a no-op for an unheld block)."""
        person = self._holder[block]
        if person == NOBODY:
            return
        self._holder[block] = NOBODY
        # Undoing `add`: the deltas of taking the block back, with the signs flipped.
        if self._starts:
            self._shift_starts(person, block, -1)
        self._touch_days(person, block, -1)
