"""A rota: who holds each duty slot of a period, and what that means for each person.

A slot is one block of a line: a block of the region's duty pattern (the first line, as
`duties.base_schedule` cuts it, on-call or office) or an opening of an extra line
(`lines.openings`). A rota names one holder per slot. Days are the 24 h periods the working-time
rules count, from the roster's hand-over hour (`Duty.period_start`), so "on call on day d" means
what `rules.oncall_days_per_4w` means by it.

The planner that fills a rota is `csgsim.studies.rota`; this module holds what both the planner
and the simulation read: the slots, the rota as data, its duty schedules, and its figures per
person (`tally`), computed here without the planner's model so that they check it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from csgsim.config.schema import Region
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.staff import lines
from csgsim.staff.duties import NOBODY, ONCALL, Schedule, base_schedule
from csgsim.staff.rules import free_pairs

NIGHT_END_HOUR = 6  # a night: 00:00-06:00, as the working-time rules count night work
SATURDAY = 5


@dataclass(frozen=True)
class Slots:
    """Every slot of every line over a calendar, in line order then time order."""

    line: np.ndarray  # index into line_ids
    line_ids: tuple[str, ...]
    start: np.ndarray  # hours from the calendar's start
    end: np.ndarray
    kind: np.ndarray  # duties.ONCALL or duties.OFFICE
    eligible: np.ndarray  # (people, slots) bool: the line lets the person hold the slot
    d0: np.ndarray  # the periods a slot touches, [d0, d1) (empty before the first period)
    d1: np.ndarray
    weekend: np.ndarray  # on-call slot starting on a Saturday or Sunday
    nights: np.ndarray  # 00:00-06:00 spans an on-call slot overlaps
    holiday: np.ndarray  # on-call slot starting on a Dutch public holiday
    hours: np.ndarray
    n_days: int

    def __len__(self) -> int:
        return int(self.start.size)


def first_line_id(region: Region) -> str:
    """The name the first line (the `[duty]` pattern) goes by in a rota."""
    return region.duty.pattern


def _night_count(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """How many 00:00-06:00 spans each [start, end) overlaps."""
    first = np.floor((start - NIGHT_END_HOUR) / HOURS_PER_DAY).astype(np.int64) + 1
    last = np.ceil(end / HOURS_PER_DAY).astype(np.int64) - 1
    return np.maximum(last - first + 1, 0)


def make_slots(region: Region, calendar: Calendar) -> Slots:
    """The slots of the region's lines over `calendar`; the first line is held by the
    casemanagers, each extra line by the people it names."""
    duty = region.duty
    base = base_schedule(duty.pattern, region.casemanagers, calendar, duty.handover_hour, duty.handover_weekday,
                         duty.office_start_hour, duty.office_end_hour)
    parts = [(base.start, base.end, base.kind)]
    ids = [p.id for p in region.people]
    members = [list(range(region.casemanagers))]
    for line in region.lines:
        s, e = lines.openings(line, calendar)
        parts.append((s, e, np.full(s.size, ONCALL, dtype=np.int8)))
        members.append([ids.index(p) for p in line.people])
    line = np.concatenate([np.full(p[0].size, k, dtype=np.int64) for k, p in enumerate(parts)])
    start, end, kind = (np.concatenate([p[i] for p in parts]) for i in range(3))
    eligible = np.zeros((len(ids), start.size), dtype=bool)
    for k, who in enumerate(members):
        eligible[np.ix_(who, np.flatnonzero(line == k))] = True
    day_start = duty.period_start
    d0 = np.clip(np.floor((start - day_start) / HOURS_PER_DAY).astype(np.int64), 0, calendar.days)
    d1 = np.clip(np.ceil((end - day_start) / HOURS_PER_DAY).astype(np.int64), 0, calendar.days)
    day = np.minimum((start // HOURS_PER_DAY).astype(np.int64), calendar.days - 1)
    oncall = kind == ONCALL
    return Slots(line, (first_line_id(region), *(x.id for x in region.lines)), start, end, kind.astype(np.int8),
                 eligible, d0, d1, oncall & (calendar.weekday[day] >= SATURDAY),
                 np.where(oncall, _night_count(start, end), 0), oncall & calendar.holiday[day],
                 np.rint(end - start).astype(np.int64), calendar.days)


@dataclass(frozen=True)
class Rota:
    """One holder (a person index of the region) per slot, and the days each person is away."""

    region: str
    people: tuple[str, ...]  # ids of the region's people, in the scenario's order
    calendar: Calendar
    slots: Slots
    holder: np.ndarray  # per slot
    leave: np.ndarray  # (people, days) bool: planned leave (also in the simulation)
    unavailable: np.ndarray  # (people, days) bool: unavailable for on-call, but at work

    def schedules(self) -> tuple[Schedule, ...]:
        """The duty schedule of each line, in line order (the first is the `[duty]` pattern's)."""
        s = self.slots
        out = []
        for k in range(len(s.line_ids)):
            mine = s.line == k
            out.append(Schedule(start=s.start[mine], end=s.end[mine], person=self.holder[mine].astype(np.int64),
                                kind=s.kind[mine]))
        return tuple(out)


def oncall_days(slots: Slots, holder: np.ndarray, n_people: int) -> np.ndarray:
    """(people, days) bool: the person holds an on-call slot touching that period."""
    out = np.zeros((n_people, slots.n_days), dtype=bool)
    for s in np.flatnonzero((slots.kind == ONCALL) & (holder >= 0)):
        out[holder[s], slots.d0[s]:slots.d1[s]] = True
    return out


def runs(row: np.ndarray) -> list[tuple[int, int]]:
    """[first, stop) of each run of True values."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def longest_run(row: np.ndarray) -> int:
    """Most consecutive True values."""
    return max((b - a for a, b in runs(row)), default=0)


def tally(rota: Rota, n_people: int) -> dict[str, np.ndarray]:
    """Per person: duties (slots held), on-call hours, weekends, nights, public holidays, on-call
    days in the busiest fixed 4-week window, the fewest free 2-day spells in a full one (as
    `rules.free_pairs` counts them), and the longest run of on-call days."""
    s, h = rota.slots, rota.holder
    held = h >= 0
    oncall = held & (s.kind == ONCALL)
    days = oncall_days(s, h, n_people)
    n_4w, full = -(-s.n_days // 28), s.n_days // 28
    padded = np.zeros((n_people, n_4w * 28), dtype=bool)
    padded[:, :s.n_days] = days
    return {
        "duties": np.bincount(h[held], minlength=n_people),
        "oncall_hours": np.bincount(h[oncall], weights=s.hours[oncall], minlength=n_people),
        "weekends": np.bincount(h[oncall], weights=s.weekend[oncall], minlength=n_people),
        "nights": np.bincount(h[oncall], weights=s.nights[oncall], minlength=n_people),
        "holidays": np.bincount(h[oncall], weights=s.holiday[oncall], minlength=n_people),
        "max_oncall_days_per_4w": padded.reshape(n_people, n_4w, 28).sum(axis=2).max(axis=1),
        "min_free_pairs_per_4w": free_pairs(~days[:, :full * 28].reshape(n_people * full, 28)).reshape(
            n_people, full).min(axis=1) if full else np.zeros(n_people, dtype=np.int64),
        "longest_run": np.array([longest_run(r) for r in days]),
    }


def gaps(rota: Rota) -> int:
    """Slots with no holder (a plan the solver returns has none)."""
    return int((rota.holder == NOBODY).sum())
