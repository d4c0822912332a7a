"""Interval tables: who is in which state when, as parallel arrays of [start, end) in hours.

Duties (`csgsim.staff.duties.Schedule`) and absences (`csgsim.staff.absence.Spells`) are the
same shape, a row per (person, start, end, kind), so they share one base. Fields are keyword
only: the two tables used to list their columns in different orders, and a positional call
would silently swap them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, kw_only=True)
class Intervals:
    """Rows (person, start, end, kind); what `kind` and the ordering mean is the subclass's."""

    person: np.ndarray
    start: np.ndarray
    end: np.ndarray
    kind: np.ndarray

    def __len__(self) -> int:
        return int(self.start.size)

    def hours(self) -> np.ndarray:
        """Length of each row in hours."""
        return self.end - self.start


def merge_intervals(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted disjoint union of intervals, and for each the index of its earliest input."""
    order = np.argsort(start, kind="stable")
    s, e = start[order], np.maximum.accumulate(end[order])
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] > e[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:], s.size) - 1
    return s[first], e[last], order[first]
