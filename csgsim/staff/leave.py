"""Annual leave, planned weeks ahead: blocks, a summer share, and the coordinator's rule.

Every person takes `LeaveParams.weeks` a calendar year: one block of `summer_weeks` inside the
school summer holiday of the region's school region, the rest in blocks of `block_weeks` spread
over the year. The coordinator's rule: at most `max_at_once` casemanagers away on any day, and
summer blocks rotate between years (whoever went first this summer goes later next summer).
Blocks start on Saturdays, as school holidays do. The coordinator plans their own leave too;
the rule counts the casemanagers, who carry the duty.

The plan draws only from the person's own stream (`rngs(person)`): their place in the summer
rotation and the order of their other blocks. So a person's leave does not move because
another stream or the team size changed, except where the rule makes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from csgsim.core.clamp import clamp
from csgsim.config.staffing import SUMMER_WEEKS, LeaveParams
from csgsim.core.calendar import HOURS_PER_DAY, Calendar, school_summer_holiday
from csgsim.core.errors import ScenarioError
from csgsim.staff.absence import ANNUAL, Spells

SATURDAY = 5


class _Year:
    """Who is away on which day of one calendar year, while it is being planned.

    Per person a bytearray of days (1: on leave) and per day the casemanagers away: `first_fit` is
    asked for every candidate start, and these plain slices answer it several times faster
    than numpy calls on (people, days) arrays would.
    """

    def __init__(self, year: int, n_people: int, casemanagers: int, k: int) -> None:
        self.first = date(year, 1, 1)
        self.days = (date(year + 1, 1, 1) - self.first).days
        self.own = [bytearray(self.days) for _ in range(n_people)]
        self.away = [0] * self.days  # casemanagers on leave, per day
        self.casemanagers, self.k = casemanagers, k
        self.saturdays = _saturdays(year)

    def first_fit(self, person: int, starts: Sequence[int], length: int) -> int | None:
        """The first of `starts` at which the block fits: inside the year, not on the person's own
        leave, and (casemanagers) within the rule; None if none does. One loop over plain slices:
        it is asked for every block of every person."""
        own, away, k, days = self.own[person], self.away, self.k, self.days
        counted = person < self.casemanagers and length > 0
        for start in starts:
            end = start + length
            if start < 0 or end > days or 1 in own[start:end]:
                continue
            if not counted or max(away[start:end]) < k:
                return start
        return None

    def take(self, person: int, start: int | None, length: int, what: str) -> None:
        """Book the block; None (no start fits) is the error a user can act on."""
        if start is None:
            raise ScenarioError(f"the annual leave of {self.first.year} cannot be planned with at most {self.k} "
                                f"casemanagers away at once ({what} of person {person} does not fit); "
                                "raise leave.max_at_once or lower the weeks")
        self.own[person][start : start + length] = b"\x01" * length
        if person < self.casemanagers:
            self.away[start : start + length] = [n + 1 for n in self.away[start : start + length]]


@lru_cache(maxsize=64)
def _saturdays(year: int) -> np.ndarray:
    """The days of `year` (0: 1 January) that are Saturdays, on which leave blocks start (read
    only: the same for every person and replication)."""
    first = date(year, 1, 1)
    days = np.arange((SATURDAY - first.weekday()) % 7, (date(year + 1, 1, 1) - first).days, 7)
    days.setflags(write=False)
    return days


def _summer(year: _Year, order: list[int], slot: dict[int, int], weeks: int, holiday: tuple[date, date]) -> None:
    """Summer blocks, in `order`: each person prefers the start `slot[person]` weeks into the
    holiday, then the nearest start that keeps the rule, inside the holiday first."""
    length = 7 * weeks
    h0, h1 = ((d - year.first).days for d in holiday)
    for person in order:
        ranked = _summer_starts(year.first.year, h0, h1, length, slot[person])
        _place(year, person, ranked, length, f"the {weeks}-week summer block")


@lru_cache(maxsize=256)
def _summer_starts(y: int, h0: int, h1: int, length: int, slot: int) -> tuple[int, ...]:
    """The starts (days of year y) a summer block of `length` days `slot` weeks into the holiday
    [h0, h1) is tried at, in order: inside the holiday nearest the slot's start, then the year's
    other Saturdays nearest the holiday's start. The same every replication: worked out once."""
    inside = list(range(h0, h1 - length + 1, 7))
    saturdays = _saturdays(y).tolist()
    outside = sorted(set(saturdays) - set(inside), key=lambda s: (abs(s - h0), s))
    target = inside[min(slot, len(inside) - 1)]
    return tuple(sorted(inside, key=lambda s: (abs(s - target), s)) + outside)


def _spread(year: _Year, order: list[int], days: int, block_days: int,
            rngs: Callable[[int], np.random.Generator]) -> None:
    """The rest: each block on the first Saturday, in the person's random order, that fits."""
    for person in order:
        starts = year.saturdays[rngs(person).permutation(year.saturdays.size)].tolist()
        left = days
        while left > 0:
            length = min(block_days, left)
            _place(year, person, starts, length, f"a {length}-day block")
            left -= length


def _place(year: _Year, person: int, starts: Sequence[int], length: int, what: str) -> None:
    """Book the block on the first start that fits. A block that fits nowhere whole is split
    into weeks, as a coordinator would, each on the first start that fits: this keeps every
    plan that `LeaveParams.problem` lets through plannable (see `LeaveParams._plannable`)."""
    start = year.first_fit(person, starts, length)
    if start is not None or length <= 7:
        year.take(person, start, length, what)
        return
    for piece in [7] * (length // 7) + ([length % 7] if length % 7 else []):
        year.take(person, year.first_fit(person, starts, piece), piece, f"a week of {what}")


def _given(given: tuple[tuple[int, date, int], ...], calendar: Calendar, day_start: float) -> Spells:
    """A leave plan in hand as spells, clipped to the horizon."""
    p = np.array([g[0] for g in given], dtype=np.int64)
    s = np.array([calendar.hour_of(g[1]) + day_start for g in given], dtype=float)
    e = s + np.array([g[2] for g in given], dtype=float) * HOURS_PER_DAY
    s, e = np.clip(s, 0, calendar.horizon), np.clip(e, 0, calendar.horizon)
    keep = e > s
    order = np.lexsort((s[keep], p[keep]))
    return Spells(person=p[keep][order], start=s[keep][order], end=e[keep][order],
                  kind=np.full(int(keep.sum()), ANNUAL, np.int8))


def plan_leave(params: LeaveParams, casemanagers: int, n_people: int, calendar: Calendar,
               rngs: Callable[[int], np.random.Generator], day_start: float = 0.0) -> Spells:
    """Annual-leave spells (kind ANNUAL) of people 0..n_people-1 over the calendar's horizon.

    People 0..casemanagers-1 are the casemanagers. Every calendar year the calendar touches is
    planned whole and then clipped to the horizon. `rngs(person)` returns the person's stream
    (the same generator on every call). Leave days run from `day_start` (the roster's hand-over
    hour) to the next, so that on every duty period at most k casemanagers are away.
    """
    if not params.enabled or n_people == 0:
        return Spells.empty()
    if params.given is not None:
        return _given(params.given, calendar, day_start)
    total = int(round(7 * params.weeks))
    summer_weeks = params.summer_weeks  # a property: worked out once here
    summer = 7 * summer_weeks
    block = max(1, int(round(7 * params.block_weeks)))
    person, start, end = [], [], []
    last = calendar.start + timedelta(days=calendar.days - 1)
    # Each person's place in the summer rotation is their own draw, not their position in the
    # team: a colleague added or removed moves nobody's leave, except where the rule makes it.
    phase = [rngs(p).random() for p in range(n_people)]
    for y in range(calendar.start.year, last.year + 1):
        year = _Year(y, n_people, casemanagers, params.max_at_once)
        # the holiday holds `slots` whole summer blocks; each summer everyone's moves one later (cyclically)
        slots = max(1, SUMMER_WEEKS // max(1, summer_weeks))
        slot = {p: (int(phase[p] * slots) + y) % slots * summer_weeks for p in range(n_people)}
        order = sorted(range(casemanagers), key=lambda p: (slot[p], phase[p])) + list(range(casemanagers, n_people))
        if summer_weeks:
            _summer(year, order, slot, summer_weeks, school_summer_holiday(y, params.school_region))
        _spread(year, order, total - summer, block, rngs)
        offset = calendar.hour_of(year.first) + day_start
        # Everyone's days at once, a zero day either side: each row's edges alternate start, end.
        own = np.zeros((n_people, year.days + 2), dtype=np.int8)
        own[:, 1:-1] = np.frombuffer(b"".join(year.own), dtype=np.uint8).reshape(n_people, year.days)
        who, edges = np.nonzero(np.diff(own, axis=1))
        person += who[::2].tolist()
        start += (offset + edges[::2] * HOURS_PER_DAY).tolist()
        end += (offset + edges[1::2] * HOURS_PER_DAY).tolist()
    s = clamp(np.array(start, dtype=float), 0.0, calendar.horizon)
    e = clamp(np.array(end, dtype=float), 0.0, calendar.horizon)
    p = np.array(person, dtype=np.int64)
    keep = e > s
    order_ = np.lexsort((s[keep], p[keep]))
    return Spells(person=p[keep][order_], start=s[keep][order_], end=e[keep][order_],
                  kind=np.full(int(keep.sum()), ANNUAL, np.int8))
