"""Duty patterns: who holds the on-call phone when.

A pattern turns the roster into a `Schedule`: contiguous blocks covering the horizon, each
held by one person (an index into the region's people) or by nobody (-1, a gap). The SimPy
model only reads schedules, so re-planning around absences (see `absence` and `rules`) is a
transformation of a Schedule before the run, never a change during it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from csgsim.config.staffing import PATTERNS
from csgsim.core.calendar import HOURS_PER_DAY, HOURS_PER_WEEK, WEEKDAYS, Calendar
from csgsim.core.intervals import Intervals

NOBODY = -1
POOLED = -2  # the hour is covered by a line shared with other regions (see `staff.lines.pool`)


@dataclass(frozen=True, kw_only=True)
class Schedule(Intervals):
    """Duty blocks [start, end) in hours, sorted and contiguous from 0 to the horizon.

    `person` is NOBODY in a gap; `kind` tells office blocks (OFFICE) from on-call blocks
    (ONCALL); rules count only on-call blocks.
    """

    def holder_at(self, t: float) -> int:
        """The person on duty at hour t (NOBODY in a gap or outside the horizon)."""
        i = int(np.searchsorted(self.start, t, side="right")) - 1
        if i < 0 or t >= self.end[i]:
            return NOBODY
        return int(self.person[i])

    def gap_hours(self) -> float:
        """Hours in which no one holds the duty."""
        gap = self.person == NOBODY
        return float((self.end[gap] - self.start[gap]).sum())


ONCALL, OFFICE = 0, 1


def _blocks(bounds: np.ndarray, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Cut [0, horizon) at the given boundaries."""
    inner = bounds[(bounds > 0) & (bounds < horizon)]
    edges = np.unique(np.concatenate(([0.0], inner, [horizon])))
    return edges[:-1], edges[1:]


def _rotate(n_blocks: int, team: int, offset: int = 0) -> np.ndarray:
    return (np.arange(n_blocks) + offset) % team


def base_schedule(
    pattern: str,
    team: int,
    calendar: Calendar,
    handover_hour: int = 9,
    handover_weekday: str = "monday",
    office_start_hour: int = 9,
    office_end_hour: int = 17,
) -> Schedule:
    """The planned rotation of `team` casemanagers (people 0..team-1) before any absence."""
    if team < 1:
        raise ValueError("a duty pattern needs at least one casemanager")
    horizon = calendar.horizon
    days = np.arange(calendar.days + 1, dtype=float) * HOURS_PER_DAY
    if pattern == "rotation_24h":
        start, end = _blocks(days + handover_hour, horizon)
        person = _rotate(start.size, team)
        kind = np.full(start.size, ONCALL)
    elif pattern == "week":
        first = (WEEKDAYS.index(handover_weekday) - calendar.start.weekday()) % 7
        bounds = np.arange(first * HOURS_PER_DAY + handover_hour, horizon, HOURS_PER_WEEK, dtype=float)
        start, end = _blocks(bounds, horizon)
        person = _rotate(start.size, team)
        kind = np.full(start.size, ONCALL)
    elif pattern == "office_plus_oncall":
        working = np.append(calendar.working, False)
        bounds = np.concatenate((days + office_start_hour, days[working] + office_end_hour))
        start, end = _blocks(bounds, horizon)
        day = (start // HOURS_PER_DAY).astype(np.int64)
        hour = start - day * HOURS_PER_DAY
        is_office = working[day] & (hour >= office_start_hour) & (hour < office_end_hour)
        kind = np.where(is_office, OFFICE, ONCALL)
        person = np.empty(start.size, dtype=np.int64)
        person[is_office] = _rotate(int(is_office.sum()), team)
        # The on-call rotation is offset so the office person of a day is rarely on call that night.
        person[~is_office] = _rotate(int((~is_office).sum()), team, offset=team // 2 + 1)
    else:
        raise ValueError(f"unknown duty pattern {pattern!r}; allowed: {', '.join(PATTERNS)}")
    return Schedule(start=start, end=end, person=np.asarray(person, dtype=np.int64), kind=np.asarray(kind, dtype=np.int8))
