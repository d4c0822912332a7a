"""Work per 24 hours: the most work any person did in a rolling 24 h, and the episodes above a limit.

The law counts any 24 hours, so the windows roll: work in [x, x + 24) is piecewise linear in x,
and evaluating it at the breakpoints (window edges meeting call-out edges) finds the maximum and
every episode exactly. Everyone's call-outs are handled in one pass, each person a row of their own.
"""

from __future__ import annotations

import numpy as np

from csgsim.core.calendar import HOURS_PER_DAY

_EPS = 1e-9


def work_24h(person: np.ndarray, start: np.ndarray, worked: np.ndarray, n_people: int, limit: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """Per person, the most work in any 24 h and the episodes above `limit` (a figure and a
    breach count from one pass over everyone's call-outs).

    Work in the window [x, x + 24) is piecewise linear in x with breakpoints where a window
    edge meets a call-out edge, so evaluating it there finds the maximum and every episode.
    Work done before t is sum(min(max(t - s, 0), L)) = sum over s < t of (t - s) minus sum
    over e < t of (t - e): two sorted prefix sums (`_Sorted`) per person, all people at once.
    """
    most = np.zeros(n_people)
    episodes = np.zeros(n_people, dtype=np.int64)
    if start.size == 0:
        return most, episodes
    p, first, window = _windows(person, start, worked, n_people, np.ones(start.size, dtype=bool))
    most[p[first]] = np.maximum.reduceat(window, first)
    episodes[:] = _rising(p, first, window > limit + _EPS, n_people)
    return most, episodes


def _windows(person: np.ndarray, start: np.ndarray, worked: np.ndarray, n_people: int, asked: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Work in [x, x + 24) at the breakpoints x of the `asked` call-outs by person then x (and
    each person's first index), from all call-outs' prefix sums (`work_24h`)."""
    end = start + worked
    s, e = start[asked], end[asked]
    p, x = _unique_pairs(np.tile(person[asked], 4), np.concatenate((s, e, s - HOURS_PER_DAY, e - HOURS_PER_DAY)))
    # Row p of the table: p's starts; row n_people + p: p's ends. One search answers, for both
    # window edges t, how many starts and ends come before t and their sums.
    table = _Sorted(np.concatenate((person, person + n_people)), np.concatenate((start, end)), 2 * n_people)
    t = np.concatenate((x + HOURS_PER_DAY, x))
    i, cum = table.count_and_sum(np.concatenate((p, p, p + n_people, p + n_people)), np.concatenate((t, t)))
    by_start, by_end = i[:t.size] * t - cum[:t.size], i[t.size:] * t - cum[t.size:]
    work_before = by_start - by_end
    window = work_before[:x.size] - work_before[x.size:]
    return p, np.flatnonzero(np.append(True, p[1:] != p[:-1])), window


def _rising(p: np.ndarray, first: np.ndarray, over: np.ndarray, n_people: int) -> np.ndarray:
    """Per person, the runs of True in `over` (by person, each person's from index `first` on)."""
    rising = over.copy()
    rising[1:] &= ~over[:-1]
    rising[first] = over[first]
    return np.bincount(p[rising], minlength=n_people)


def episodes_24h(person: np.ndarray, start: np.ndarray, worked: np.ndarray, n_people: int, limit: float
                  ) -> np.ndarray:
    """`work_24h`'s episodes from the windows of the stretches that can exceed the limit
    (`_may_exceed`; elsewhere `work_24h` finds none): the same, for a fraction of the work."""
    episodes = np.zeros(n_people, dtype=np.int64)
    asked = _may_exceed(person, start, worked, limit) if limit < np.inf else None
    if asked is not None and np.count_nonzero(asked):
        p, first, window = _windows(person, start, worked, n_people, asked)
        episodes[:] = _rising(p, first, window > limit + _EPS, n_people)
    return episodes


def _may_exceed(person: np.ndarray, start: np.ndarray, worked: np.ndarray, limit: float) -> np.ndarray:
    """The call-outs in stretches whose work adds up to more than `limit` less a margin.

    A stretch is a person's call-outs with less than 24 h from the end of all before to the
    next start: no 24 h window holds work of two, and between two the window is empty, so an
    episode lies within one. The margin (far above the rounding of `_windows`' prefix sums)
    keeps the windows left out under the limit as computed too; cuts are 24 h beyond rounding."""
    if not start.size:
        return np.zeros(0, dtype=bool)
    end = start + worked
    scale = 2.0 * (float(np.abs(start).max()) + float(end.max()) + 2 * HOURS_PER_DAY)
    order = np.lexsort((start, person))
    shift = person[order] * scale  # each person's times in a range of their own: one running max
    reach = np.maximum.accumulate(end[order] + shift)
    tol = 1e-9 * scale * (float(person.max()) + 1)
    cut = np.append(True, start[order][1:] + shift[1:] >= reach[:-1] + HOURS_PER_DAY + tol)
    stretch = np.cumsum(cut) - 1
    total = np.bincount(stretch, worked[order])
    margin = 1e-6 + 1e-15 * (start.size + 4) ** 2 * scale  # above the worst rounding of n prefix sums
    out = np.empty(start.size, dtype=bool)
    out[order] = total[stretch] > limit - margin
    return out


def _unique_pairs(person: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (person, t) pairs, by person then t: each person's `np.unique(t)`."""
    order = np.lexsort((t, person))
    person, t = person[order], t[order]
    new = np.append(True, (person[1:] != person[:-1]) | (t[1:] != t[:-1]))
    return person[new], t[new]


class _Sorted:
    """Each person's times sorted, as rows of a table (padded with inf), with each row's running
    sums from 0: `count_and_sum` answers "how many of p's times are <= t, and their sum" for many
    (p, t) at once, with the same sums a person-by-person np.cumsum gives."""

    def __init__(self, person: np.ndarray, t: np.ndarray, n_people: int) -> None:
        order = np.lexsort((t, person))
        person, t = person[order], t[order]
        counts = np.bincount(person, minlength=n_people)
        self.width = int(counts.max())
        col = np.arange(person.size) - (np.cumsum(counts) - counts)[person]
        table = np.full((n_people, self.width), np.inf)
        table[person, col] = t
        # (row, time) as complex numbers sort as pairs: one search over all rows finds p's place.
        self.keys = _as_pairs(np.repeat(np.arange(n_people), self.width), table.ravel())
        cum = np.zeros((n_people, self.width + 1))
        cum[person, col + 1] = t
        self.cum = np.cumsum(cum, axis=1)  # row by row, in order: each person's own sums from 0

    def count_and_sum(self, person: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i = np.searchsorted(self.keys, _as_pairs(person, t), side="right") - person * self.width
        return i, self.cum[person, i]


def _as_pairs(row: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(row, t) as complex numbers, which numpy orders as pairs (row first); built part by part
    so an infinite t stays (row, inf)."""
    out = np.empty(t.size, dtype=complex)
    out.real, out.imag = row, t
    return out


def episodes_with_and_without(person: np.ndarray, start: np.ndarray, worked: np.ndarray, callin: np.ndarray,
                              n_people: int, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Per person, the episodes with all their call-outs, and those their call-ins (`callin`)
    caused: the episodes with them less those without, for the people called in (0 for others).

    "Person p without their call-ins" is row n_people + p of the same pass: rows never mix, so
    each count is what a pass of its own gives, for one set of sorts and prefix sums.
    """
    called = np.zeros(n_people, dtype=bool)
    called[person[callin]] = True
    again = ~callin & called[person]
    both = episodes_24h(np.concatenate((person, person[again] + n_people)), np.concatenate((start, start[again])),
                        np.concatenate((worked, worked[again])), 2 * n_people, limit)
    with_them = both[:n_people]
    return with_them, np.where(called, with_them - both[n_people:], 0).astype(float)
