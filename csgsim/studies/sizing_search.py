"""The sequential search behind `size`: candidates (team sizes, or hours a week) judged at a few
looks on common random numbers, run bottom-up under monotonicity.

Every candidate of a search runs the same replication indices (0, 1, ...), so candidates are
compared on the same reports and absences. A candidate is judged at the looks `rounds` gives
(batch, 2 batch, 4 batch, ... up to the cap): few looks keep the Bonferroni count small. It
stops at the first look where every target's interval lies on one side of its bound, or one
target is settled as failed, or at the cap (open). Its verdict at a look depends only on the
replications up to it, so the order in which candidates run decides which are run, never what
a run candidate shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from csgsim.runtime.executors import Backend, dispatch
from csgsim.runtime.jobs import Job
from csgsim.studies.targets import FAILS, MEETS, OPEN, UNMEASURED, Stat, Target

#: A candidate of one search: (region, line structure, size or hours a week).
Key = tuple[str, str, int]


@dataclass
class Cell:
    """One candidate size of one region: its replications so far and its verdicts."""

    size: int
    values: dict[int, np.ndarray] = field(default_factory=dict)  # rep -> values of the targets
    status: str = OPEN
    implied: bool = False
    stats: list[Stat] = field(default_factory=list)

    @property
    def reps(self) -> int:
        return len(self.values)


def rounds(batch: int, cap: int) -> list[int]:
    """Replications after each look: batch, 2 batch, 4 batch, ... up to the cap."""
    return sorted({min(batch * 2 ** k, cap) for k in range(math.ceil(math.log2(max(cap / batch, 1))) + 1)})


def judge(cell: Cell, targets: list[Target], level: float) -> None:
    """Each target's verdict on the cell's replications, and the cell's: fails if one target
    fails, meets if all meet, not measured if a target has no value at all, else open."""
    values = np.array([cell.values[r] for r in sorted(cell.values)])  # (reps, targets, 2)
    cell.stats = [t.judge(values[:, j], level) for j, t in enumerate(targets)]
    verdicts = [s.verdict for s in cell.stats]
    unmeasured = any(s.n == 0 for s in cell.stats)  # all NaN: more replications will not help
    cell.status = (FAILS if FAILS in verdicts else MEETS if all(v == MEETS for v in verdicts)
                   else UNMEASURED if unmeasured else OPEN)


def window(cells: list[Cell]) -> tuple[int, int]:
    """Indices (lo, hi): the largest size settled failing, and the smallest above it settled meeting.

    Under monotonicity only sizes strictly between them are undecided.
    """
    fails = [i for i, c in enumerate(cells) if c.status == FAILS and not c.implied]
    lo = max(fails) if fails else -1
    hi = next((i for i in range(lo + 1, len(cells)) if cells[i].status == MEETS), len(cells))
    return lo, hi


def due(row: list[Cell], cap: int, monotone: bool) -> list[Cell]:
    """The candidates of one search to run to their next look. Under monotonicity: the smallest
    one still open between the largest failing and the smallest meeting, and only it (bottom-up).
    A larger one matters only if this one does not meet, and settling 'meets' of a rare event
    costs the clean replications whatever the size, so running larger sizes alongside mostly
    buys verdicts that monotonicity implies anyway. Without monotonicity: every open one."""
    lo, hi = window(row) if monotone else (-1, len(row))
    todo = [c for c in row[lo + 1:hi] if c.status == OPEN and c.reps < cap]
    return todo[:1] if monotone else todo


class Built(dict):
    """Candidates' (job, row of the region in its results), made on first use by `make(key)`:
    under bottom-up search most sizes above the answer never run, so their jobs are never built."""

    def __init__(self, make: Callable[[Key], tuple[Job, int]]):
        super().__init__()
        self.make = make

    def __missing__(self, key: Key) -> tuple[Job, int]:
        self[key] = self.make(key)
        return self[key]


def run_rounds(built: Mapping[Key, tuple[Job, int]], cells: dict[tuple[str, str], list[Cell]],
               targets: list[Target], level: float, looks: list[int], monotone: bool, backend: Backend,
               on_progress: Callable[[int], None] | None) -> None:
    """Judge the candidates at the `looks`, each round taking every due candidate (`due`) of
    every search one look further, all in one dispatch (so searches of several regions share
    the workers). `built[k]`: the job of candidate k and the row of its region in the results."""
    while True:
        active = {(rid, label, c.size): c for (rid, label), row in cells.items()
                  for c in due(row, looks[-1], monotone)}
        if not active:
            return
        pending = {k: range(c.reps, next(n for n in looks if n > c.reps)) for k, c in active.items()}
        for key, out in dispatch(backend, {k: built[k][0] for k in active}, pending):
            row = built[key][1]
            for r in out:
                active[key].values[r.rep] = np.array([t.per_replication(r, row) for t in targets])
            if on_progress:
                on_progress(len(out))
        for c in active.values():
            judge(c, targets, level)
