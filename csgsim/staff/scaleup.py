"""A standby line opened in peaks (docs/model.md#scaling-up-in-peaks).

Arrivals are drawn before the run, so whether the arrival trigger holds at a moment is known in
advance: the standby line is an extra line (see `staff.lines`) whose openings are its weekly
hours cut to the windows in which the policy keeps it open. The kernel sees it as any other
extra line.

A wait is known only during the run. For the wait trigger the standby is planned in advance
for every roster week (`Standby.candidate`: its openings cut at the week starts, held in turn
around absences and the other duties, as a rota's reserve), and the run opens a week of it when
a call waited too long in the week before (`model.standby`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from csgsim.config.scaleup import ScaleUp
from csgsim.core.calendar import HOURS_PER_DAY, WEEKDAYS, Calendar
from csgsim.staff.absence import Spells
from csgsim.staff.duties import NOBODY, Schedule
from csgsim.staff.lines import line_schedule, openings


@dataclass(frozen=True)
class Standby:
    """What the run needs for the wait trigger: the planned standby over every roster week
    (blocks as the region's standby line, none across a week start), the week starts, and the
    wait (hours) after which the next week's standby opens."""

    candidate: Schedule
    week_starts: np.ndarray
    threshold: float

    def held(self, schedule: Schedule, opened: set[int]) -> Schedule:
        """The standby line (`schedule`, the same blocks) with the `opened` weeks' holders added."""
        week = np.searchsorted(self.week_starts, self.candidate.start, side="right") - 1
        add = np.isin(week, sorted(opened)) & (self.candidate.person != NOBODY)
        return Schedule(start=schedule.start, end=schedule.end, person=np.where(add, self.candidate.person,
                                                                                schedule.person), kind=schedule.kind)


def week_starts(calendar: Calendar, weekday: str, hour: float) -> np.ndarray:
    """The roster weeks' starts (the hand-over weekday at `hour`) before the horizon, the first at
    or before hour 0."""
    first = (WEEKDAYS.index(weekday) - calendar.start.weekday()) % 7 - 7
    starts = (first + 7 * np.arange(calendar.days // 7 + 3)) * float(HOURS_PER_DAY) + hour
    return starts[starts < calendar.horizon]


def cut(a: tuple[np.ndarray, np.ndarray], points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted, disjoint intervals `a` cut at `points` (each piece inside one interval)."""
    start, end = a
    if not start.size:
        return a
    edges = np.unique(np.concatenate([start, end, points]))
    lo, hi = edges[:-1], edges[1:]
    at = np.searchsorted(start, lo, side="right") - 1
    keep = (at >= 0) & (hi <= end[np.clip(at, 0, None)])
    return lo[keep], hi[keep]


def split(schedule: Schedule, points: np.ndarray) -> Schedule:
    """The schedule's blocks cut at `points` (inside the horizon), holders kept."""
    edges = np.unique(np.concatenate((schedule.start, points[(points > 0) & (points < schedule.end[-1])],
                                      schedule.end[-1:])))
    src = np.searchsorted(schedule.start, edges[:-1], side="right") - 1
    return Schedule(start=edges[:-1], end=edges[1:], person=schedule.person[src], kind=schedule.kind[src])


def windows(arrivals: np.ndarray, reports: int, in_days: float, open_days: float, horizon: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """[start, end) of the times the standby is open, merged and cut at the horizon.

    At each arrival t at which `reports` or more arrivals lie in (t - in_days, t] (a report
    exactly in_days earlier no longer counts), the standby opens for [t, t + open_days). The
    count in the look-back only grows at an arrival, so these are all the moments it holds.
    """
    t = np.sort(np.asarray(arrivals, dtype=float))
    count = np.arange(t.size) - np.searchsorted(t, t - in_days * HOURS_PER_DAY, side="right") + 1
    hit = t[count >= reports]
    if not hit.size:
        return np.empty(0), np.empty(0)
    new = np.concatenate(([True], hit[1:] > hit[:-1] + open_days * HOURS_PER_DAY))
    last = np.concatenate((new[1:], [True]))
    start, end = hit[new], hit[last] + open_days * HOURS_PER_DAY
    keep = start < horizon
    return start[keep], np.minimum(end[keep], horizon)


def intersect(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The pieces of the sorted, disjoint intervals `a` that lie inside the sorted intervals `b`
    (disjoint and not touching, as `windows` gives them): one piece per pair that meets."""
    edges = np.unique(np.concatenate([*a, *b]))
    if edges.size < 2:
        return np.empty(0), np.empty(0)
    lo, hi = edges[:-1], edges[1:]
    mid = (lo + hi) / 2

    def inside(s: np.ndarray, e: np.ndarray) -> np.ndarray:
        at = np.searchsorted(s, mid, side="right") - 1
        return (at >= 0) & (mid < e[np.clip(at, 0, None)]) if s.size else np.zeros(mid.size, dtype=bool)

    keep = inside(*a) & inside(*b)
    if not keep.any():
        return np.empty(0), np.empty(0)
    lo, hi = lo[keep], hi[keep]
    new = np.concatenate(([True], (lo[1:] != hi[:-1]) | np.isin(lo[1:], a[0])))  # a gap, or a's next opening
    last = np.concatenate((new[1:], [True]))
    return lo[new], hi[last]


def standby(policy: ScaleUp, acute: np.ndarray, index: dict[str, int], calendar: Calendar,
            taken: list[Schedule], spells: Spells, n_people: int, weeks: np.ndarray, reserve: Schedule | None = None
            ) -> tuple[Schedule, Standby | None]:
    """The standby line over the horizon as held before the run (its hours inside the arrival
    trigger's windows, NOBODY while closed), held in turn around the duties in `taken` and the
    absences; and with the wait trigger on, the plan the run opens weeks of (else None).

    With the wait trigger on, the turn goes round every opening of the line (cut at the roster
    weeks `weeks`), whichever trigger opens it, so one opening keeps one holder. With a rota's
    `reserve` (a holder per opening of the line), each piece goes to its opening's reserve when free."""
    open_at = (windows(acute, policy.when_acute_reports, policy.in_days, policy.open_days, calendar.horizon)
               if policy.on_arrivals else (np.empty(0), np.empty(0)))
    members = [index[p] for p in policy.line.people]
    if policy.wait_hours is None:
        opened = intersect(openings(policy.line, calendar), open_at)
        return line_schedule(policy.line, members, calendar, taken, spells, n_people, opened,
                             _reserves(reserve, opened[0])), None
    pieces = cut(openings(policy.line, calendar), weeks)
    planned = line_schedule(policy.line, members, calendar, taken, spells, n_people, pieces,
                            _reserves(reserve, pieces[0]))
    candidate = split(planned, np.concatenate(open_at))
    at = np.searchsorted(open_at[0], candidate.start, side="right") - 1
    inside = (at >= 0) & (candidate.start < open_at[1][np.clip(at, 0, None)]) if open_at[0].size else False
    held = Schedule(start=candidate.start, end=candidate.end, person=np.where(inside, candidate.person, NOBODY),
                    kind=candidate.kind)
    return held, Standby(candidate, weeks, policy.wait_hours)


def _reserves(reserve: Schedule | None, starts: np.ndarray) -> np.ndarray | None:
    """The rota's reserve for each opening starting at `starts` (None: no rota)."""
    return None if reserve is None else reserve.person[np.searchsorted(reserve.start, starts, side="right") - 1]
