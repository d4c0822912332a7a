"""A standby line opened in peaks (docs/model.md#scaling-up-in-peaks), from the sampled arrivals.

Arrivals are drawn before the run, so whether the trigger holds at a moment is known in advance:
the standby line is an extra line (see `staff.lines`) whose openings are its weekly hours cut to
the windows in which the policy keeps it open. The kernel sees it as any other extra line.
"""

from __future__ import annotations

import numpy as np

from csgsim.config.scaleup import ScaleUp
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.staff.absence import Spells
from csgsim.staff.duties import Schedule
from csgsim.staff.lines import line_schedule, openings


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
            taken: list[Schedule], spells: Spells, n_people: int, reserve: Schedule | None = None) -> Schedule:
    """The standby line over the horizon: its hours inside the trigger's windows, held in turn
    around the duties in `taken` and the absences, NOBODY while closed; with a rota's `reserve`
    (a holder per opening of the line), each piece goes to its opening's reserve when free."""
    open_at = windows(acute, policy.when_acute_reports, policy.in_days, policy.open_days, calendar.horizon)
    opened = intersect(openings(policy.line, calendar), open_at)
    planned = None if reserve is None else reserve.person[np.searchsorted(reserve.start, opened[0], side="right") - 1]
    return line_schedule(policy.line, [index[p] for p in policy.line.people], calendar, taken, spells, n_people,
                         opened, planned)
