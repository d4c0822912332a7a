"""Extra on-call lines: who holds each opening of a line, around the first line's duties.

Openings go in rotation over the line's people; an opening passes to the next person in the
rotation when its turn-holder is absent at any time in it or already holds a duty (of the first
line or an earlier extra line) that overlaps it; if nobody can, the line stays closed for that
opening (it is extra capacity: the first line still covers the hour). Assignment does not consult
the duty-count rules; the working-time check after the run counts every line's duties together
(see `combined`).
"""

from __future__ import annotations

import numpy as np

from csgsim.config.lines import Line
from csgsim.core.calendar import HOURS_PER_DAY, WEEKDAYS, Calendar
from csgsim.staff.absence import Spells, overlaps
from csgsim.staff.duties import NOBODY, ONCALL, POOLED, Schedule


def openings(line: Line, calendar: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """[start, end) of every opening of the line inside the horizon (one that began the evening
    before the first day is cut at 0)."""
    days = np.arange(-1, calendar.days)
    weekday = (calendar.start.weekday() + days) % 7
    start = days[np.isin(weekday, [WEEKDAYS.index(d) for d in line.days])] * float(HOURS_PER_DAY) + line.start_hour
    end = start + line.hours
    keep = (end > 0) & (start < calendar.horizon)
    return np.maximum(start[keep], 0.0), np.minimum(end[keep], calendar.horizon)


def _opening_at(start: np.ndarray, end: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each time: the index of the last opening starting at or before it (clipped to 0), and
    whether the time lies inside that opening."""
    at = np.searchsorted(start, t, side="right") - 1
    if not start.size:
        return np.zeros(t.size, dtype=np.int64), np.zeros(t.size, dtype=bool)
    clipped = np.clip(at, 0, None)
    return clipped, (at >= 0) & (t < end[clipped])


def held_blocks(schedules: list[Schedule], n_people: int) -> Spells:
    """Every held block of the schedules as one table sorted by person and start (duties of one
    person never overlap, so it has the shape of absence spells)."""
    person = np.concatenate([s.person for s in schedules])
    start = np.concatenate([s.start for s in schedules])
    end = np.concatenate([s.end for s in schedules])
    kind = np.concatenate([s.kind for s in schedules])
    keep = (person >= 0) & (person < n_people)
    order = np.lexsort((start[keep], person[keep]))
    return Spells(person=person[keep][order], start=start[keep][order], end=end[keep][order], kind=kind[keep][order])


def combined(primary: Schedule, lines: tuple[Schedule, ...], n_people: int) -> Schedule:
    """All duties of all lines as one schedule (sorted by person and start; not a tiling), for
    the working-time rules and the load per person. With no extra line: the first line itself."""
    if not lines:
        return primary
    h = held_blocks([primary, *lines], n_people)
    return Schedule(start=h.start, end=h.end, person=h.person, kind=h.kind)


def line_schedule(line: Line, members: list[int], calendar: Calendar, taken: list[Schedule], spells: Spells,
                  n_people: int, opened: tuple[np.ndarray, np.ndarray] | None = None,
                  planned: np.ndarray | None = None) -> Schedule:
    """The line over the whole horizon: its openings (or `opened`, sorted [start, end) of the
    openings to use instead) with their holders, NOBODY while closed. `planned` (a rota's
    holder per opening, one of `members`) is asked first, then the others in line order after."""
    start, end = openings(line, calendar) if opened is None else opened
    away = overlaps(spells, n_people, start, end) | overlaps(held_blocks(taken, n_people), n_people, start, end)
    holder = np.full(start.size, NOBODY, dtype=np.int64)
    turn = 0
    for j in range(start.size):
        first = turn if planned is None else members.index(int(planned[j]))
        for k in range(len(members)):
            p = members[(first + k) % len(members)]
            if not away[p, j]:
                holder[j], turn = p, (first + k + 1) % len(members)
                break
    edges = np.unique(np.concatenate(([0.0], start, end, [calendar.horizon])))
    edges = edges[edges <= calendar.horizon]
    block_start, block_end = edges[:-1], edges[1:]
    at, inside = _opening_at(start, end, block_start)
    person = np.where(inside, holder[at] if start.size else NOBODY, NOBODY).astype(np.int64)
    return Schedule(start=block_start, end=block_end, person=person, kind=np.full(block_start.size, ONCALL, dtype=np.int8))


def assign(lines: tuple[Line, ...], index: dict[str, int], calendar: Calendar, primary: Schedule, spells: Spells,
           n_people: int) -> tuple[Schedule, ...]:
    """Each extra line's schedule, in file order, each around the duties assigned before it."""
    out: list[Schedule] = []
    for line in lines:
        out.append(line_schedule(line, [index[p] for p in line.people], calendar, [primary, *out], spells, n_people))
    return tuple(out)


def pool(schedule: Schedule, start: np.ndarray, end: np.ndarray) -> Schedule:
    """The schedule cut at the shared line's openings [start, end), with POOLED inside them:
    in those hours the shared line, not the region's own first line, holds the duty."""
    edges = np.unique(np.concatenate((schedule.start, start, end, [schedule.end[-1]])))
    edges = edges[edges <= schedule.end[-1]]
    block_start, block_end = edges[:-1], edges[1:]
    src = np.searchsorted(schedule.start, block_start, side="right") - 1
    _, inside = _opening_at(start, end, block_start)
    person = np.where(inside, POOLED, schedule.person[src]).astype(np.int64)
    return Schedule(start=block_start, end=block_end, person=person, kind=schedule.kind[src])


def unstaffed(schedule: Schedule, shared: Schedule) -> Schedule:
    """POOLED blocks whose shared opening has no holder become gaps (NOBODY)."""
    at = np.searchsorted(shared.start, schedule.start, side="right") - 1
    empty = (schedule.person == POOLED) & (shared.person[at] == NOBODY)
    return Schedule(start=schedule.start, end=schedule.end, person=np.where(empty, NOBODY, schedule.person), kind=schedule.kind)
