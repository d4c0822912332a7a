"""A rota: who holds each duty slot of a period, and what that means for each person.

A slot is one block of a line: a block of a region's duty pattern (its first line, as
`duties.base_schedule` cuts it, on-call or office), an opening of an extra line or of a line
shared by several regions (`lines.openings`), or an opening of a scale-up policy's standby line,
for which the rota names a reserve. A rota of regions that share a line plans them together: in
the shared hours the regions' first lines are pooled (`lines.pool`) and the shared line's slots
hold them. A rota names one holder per slot. Days are the 24 h periods the working-time rules
count, from the roster's hand-over hour (`Duty.period_start`), so "on call on day d" means what
`rules.oncall_days_per_4w` means by it.

The planner that fills a rota is `csgsim.studies.rota`; this module holds what both the planner
and the simulation read: the slots, the rota as data, its duties per region (`Planned`), and its
figures per person (`tally`), computed here without the planner's model so that they check it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from csgsim.config.lines import SharedLine
from csgsim.config.schema import Region
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.staff import lines
from csgsim.staff.duties import ONCALL, POOLED, Schedule, base_schedule
from csgsim.staff.rules import free_pairs

NIGHT_END_HOUR = 6  # a night: 00:00-06:00, as the working-time rules count night work
SATURDAY = 5
#: What a line is to the rota: a region's duty pattern, an extra line, a line shared by regions,
#: or a standby line whose slots name reserves.
DUTY, LINE, SHARED, RESERVE = "duty", "line", "shared", "reserve"


@dataclass(frozen=True)
class Slots:
    """Every slot of every line over a calendar, in line order then time order."""

    line: np.ndarray  # index into line_ids
    line_ids: tuple[str, ...]
    line_region: tuple[str, ...]  # per line: its region, or the regions of a shared line joined by '+'
    line_role: tuple[str, ...]  # per line: DUTY, LINE, SHARED or RESERVE
    start: np.ndarray  # hours from the calendar's start
    end: np.ndarray
    kind: np.ndarray  # duties.ONCALL or duties.OFFICE
    eligible: np.ndarray  # (people, slots) bool: the line lets the person hold the slot
    pooled: np.ndarray  # a first-line block a shared line holds: no holder of its own
    d0: np.ndarray  # the periods a slot touches, [d0, d1) (empty before the first period)
    d1: np.ndarray
    weekend: np.ndarray  # on-call slot starting on a Saturday or Sunday
    nights: np.ndarray  # 00:00-06:00 spans an on-call slot overlaps
    holiday: np.ndarray  # on-call slot starting on a Dutch public holiday
    hours: np.ndarray
    n_days: int

    def __len__(self) -> int:
        return int(self.start.size)

    @property
    def reserve(self) -> np.ndarray:
        """Per slot: a standby opening whose holder is a reserve (on call only when it opens)."""
        return np.isin(self.line, [k for k, role in enumerate(self.line_role) if role == RESERVE])


def first_line_id(region: Region) -> str:
    """The name the first line (the `[duty]` pattern) goes by in a rota."""
    return region.duty.pattern


def _night_count(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """How many 00:00-06:00 spans each [start, end) overlaps."""
    first = np.floor((start - NIGHT_END_HOUR) / HOURS_PER_DAY).astype(np.int64) + 1
    last = np.ceil(end / HOURS_PER_DAY).astype(np.int64) - 1
    return np.maximum(last - first + 1, 0)


@dataclass
class _Part:
    start: np.ndarray
    end: np.ndarray
    kind: np.ndarray
    members: list[int]
    region: str
    line_id: str
    role: str
    pooled: np.ndarray


def _line_part(line: lines.Line, calendar: Calendar, ids: list[str], region: str, role: str) -> _Part:
    s, e = lines.openings(line, calendar)
    return _Part(s, e, np.full(s.size, ONCALL, dtype=np.int8), [ids.index(p) for p in line.people], region, line.id,
                 role, np.zeros(s.size, dtype=bool))


def _parts(regions: Sequence[Region], calendar: Calendar, shared: Sequence[SharedLine]) -> list[_Part]:
    ids = [p.id for r in regions for p in r.people]
    parts, offset = [], 0
    for region in regions:
        duty = region.duty
        base = base_schedule(duty.pattern, region.casemanagers, calendar, duty.handover_hour, duty.handover_weekday,
                             duty.office_start_hour, duty.office_end_hour)
        for pool in shared:
            if region.id in pool.regions:
                base = lines.pool(base, *lines.openings(pool.line, calendar))
        parts.append(_Part(base.start, base.end, base.kind, list(range(offset, offset + region.casemanagers)),
                           region.id, first_line_id(region), DUTY, base.person == POOLED))
        parts += [_line_part(line, calendar, ids, region.id, LINE) for line in region.lines]
        if region.scaleup is not None:
            parts.append(_line_part(region.scaleup.line, calendar, ids, region.id, RESERVE))
        offset += len(region.people)
    return parts + [_line_part(pool.line, calendar, ids, "+".join(pool.regions), SHARED) for pool in shared]


def make_slots(regions: Region | Sequence[Region], calendar: Calendar, shared: Sequence[SharedLine] = ()) -> Slots:
    """The slots of the regions' lines over `calendar` (people numbered region after region):
    a first line held by its region's casemanagers, except in the hours of a shared line among
    `shared`; each extra, shared or standby line by the people it names."""
    regions = [regions] if isinstance(regions, Region) else list(regions)
    parts = _parts(regions, calendar, shared)
    n_people = sum(len(r.people) for r in regions)
    line = np.concatenate([np.full(p.start.size, k, dtype=np.int64) for k, p in enumerate(parts)])
    start, end, kind, pooled = (np.concatenate([getattr(p, f) for p in parts]) for f in ("start", "end", "kind", "pooled"))
    eligible = np.zeros((n_people, start.size), dtype=bool)
    for k, p in enumerate(parts):
        eligible[np.ix_(p.members, np.flatnonzero(line == k))] = True
    eligible[:, pooled] = False
    day_start = regions[0].duty.period_start
    d0 = np.clip(np.floor((start - day_start) / HOURS_PER_DAY).astype(np.int64), 0, calendar.days)
    d1 = np.clip(np.ceil((end - day_start) / HOURS_PER_DAY).astype(np.int64), 0, calendar.days)
    day = np.minimum((start // HOURS_PER_DAY).astype(np.int64), calendar.days - 1)
    oncall = (kind == ONCALL) & ~pooled
    return Slots(line, tuple(p.line_id for p in parts), tuple(p.region for p in parts), tuple(p.role for p in parts),
                 start, end, kind.astype(np.int8), eligible, pooled, d0, d1,
                 oncall & (calendar.weekday[day] >= SATURDAY), np.where(oncall, _night_count(start, end), 0),
                 oncall & calendar.holiday[day], np.rint(end - start).astype(np.int64), calendar.days)


@dataclass(frozen=True)
class Planned:
    """One region's duties as a rota plans them, for the simulation (`model.inputs`): the first
    line (the region's numbering, POOLED in a shared line's hours), each extra line's openings
    with their holders (in `[[regions.ID.lines]]` order), the standby line's openings with their
    reserves, and each shared line's openings with holders as indices into `people`."""

    primary: Schedule
    lines: tuple[Schedule, ...]
    reserve: Schedule | None
    shared: dict[str, Schedule]
    people: tuple[str, ...]  # the ids the shared lines' holders index


@dataclass(frozen=True)
class Rota:
    """One holder (a person index, people numbered region after region) per slot, and the days
    each person is away."""

    regions: tuple[str, ...]
    people: tuple[str, ...]  # ids of the regions' people, in the scenario's order, region after region
    home: tuple[str, ...]  # per person: their region
    calendar: Calendar
    slots: Slots
    holder: np.ndarray  # per slot (POOLED for a block a shared line holds)
    leave: np.ndarray  # (people, days) bool: planned leave (also in the simulation)
    unavailable: np.ndarray  # (people, days) bool: unavailable for on-call, but at work

    @property
    def region(self) -> str:
        """The regions planned, as one name ('a+b' for a joint plan)."""
        return "+".join(self.regions)

    def schedules(self) -> tuple[Schedule, ...]:
        """Each line's slots with their holders, in line order (a region's first line tiles the
        period; the others hold only their openings)."""
        s = self.slots
        return tuple(self._line(k) for k in range(len(s.line_ids)))

    def _line(self, k: int, offset: int = 0) -> Schedule:
        s = self.slots
        mine = s.line == k
        person = self.holder[mine].astype(np.int64)
        return Schedule(start=s.start[mine], end=s.end[mine], kind=s.kind[mine],
                        person=np.where(person >= 0, person - offset, person))

    def planned(self, rid: str) -> Planned:
        """Region `rid`'s duties for the simulation."""
        s = self.slots
        offset = self.home.index(rid)
        of = [k for k in range(len(s.line_ids)) if s.line_region[k] == rid]
        role = {k: s.line_role[k] for k in of}
        reserve = [self._line(k, offset) for k in of if role[k] == RESERVE]
        return Planned(self._line(next(k for k in of if role[k] == DUTY), offset),
                       tuple(self._line(k, offset) for k in of if role[k] == LINE), reserve[0] if reserve else None,
                       {s.line_ids[k]: self._line(k) for k in range(len(s.line_ids))
                        if s.line_role[k] == SHARED and rid in s.line_region[k].split("+")}, self.people)


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
    """Per person: duties (slots held), on-call hours, weekends, nights, public holidays, reserve
    slots, on-call days in the busiest fixed 4-week window, the fewest free 2-day spells in a
    full one (as `rules.free_pairs` counts them), and the longest run of on-call days. A reserve
    counts in the limits as if its standby opened (the worst case), not in the duties and hours."""
    s, h = rota.slots, rota.holder
    held = (h >= 0) & ~s.reserve
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
        "reserves": np.bincount(h[s.reserve & (h >= 0)], minlength=n_people),
        "max_oncall_days_per_4w": padded.reshape(n_people, n_4w, 28).sum(axis=2).max(axis=1),
        "min_free_pairs_per_4w": free_pairs(~days[:, :full * 28].reshape(n_people * full, 28)).reshape(
            n_people, full).min(axis=1) if full else np.zeros(n_people, dtype=np.int64),
        "longest_run": np.array([longest_run(r) for r in days]),
    }
