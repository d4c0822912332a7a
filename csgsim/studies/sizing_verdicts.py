"""What a sizing search concludes: the smallest candidate meeting every target, the targets
that bind it, or why there is no answer, in words a coordinator reads.

Under monotonicity (a larger team does no worse) a size below one settled failing is taken to
fail and a size above one settled meeting to meet; such verdicts are marked implied. A size left
open within the cap gets a note with what was seen and about how many replications would settle
it if that held (`targets.replications_to_settle`).

Targets are written by `spell` (default: their syntax, `gap_hours<=0`); the command line passes
one that leads with the metric's label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from csgsim.studies.sizing_search import Cell, window
from csgsim.studies.structures import ONE_STRUCTURE
from csgsim.studies.targets import (EXCEEDANCE, FAILS, MEAN_T, MEETS, OPEN, UNMEASURED, Target,
                                     clean_replications, describe, replications_to_settle)

if TYPE_CHECKING:
    from csgsim.studies.sizing_hours import Casework

#: How a target is written in a message.
Spell = Callable[[Target], str]


def spelled(targets: list[Target], spell: Spell = str) -> str:
    return ", ".join(map(spell, targets))


@dataclass
class RegionSizing:
    """The answer for one region: the smallest size meeting every target, or why there is none."""

    region: str
    name: str
    targets: list[Target]
    cells: list[Cell]
    answer: int | None
    status: str  # "answer", "none meets", "not settled"
    message: str
    notes: list[str]
    structure: str = ONE_STRUCTURE  # which optional lines run (see `structures`)
    unit: str = "casemanagers"  # of the candidates: "casemanagers", or "h a week" for the casework hours
    casework: Casework | None = None  # the hours answer, sized apart at the people answer

    @property
    def enough(self) -> int | None:
        """The answer, else (a smaller candidate not settled within the cap) the smallest candidate
        settled as meeting every target: enough for sure, perhaps more than needed."""
        if self.answer is not None or self.status != "not settled":
            return self.answer
        return next((c.size for c in self.cells if c.status == MEETS), None)

    def binding(self) -> list[Target]:
        """The targets that fail at the largest candidate below the answer (run, not implied): what
        keeps the answer from being smaller. Empty when the answer is the smallest candidate. For
        an 'at most' answer (`enough`): the targets still open below it."""
        if self.answer is None:
            below = [c for c in self.cells if c.status == OPEN and c.size < (self.enough or 0)]
            return [t for j, t in enumerate(self.targets) if any(c.stats[j].verdict == OPEN for c in below)]
        below = [c for c in self.cells if c.size < self.answer and c.status == FAILS and not c.implied]
        return [t for t, st in zip(self.targets, below[-1].stats) if st.verdict == FAILS] if below else []

    def table(self) -> pd.DataFrame:
        rows = []
        for c in self.cells:
            row: dict[str, Any] = {"region": self.region, "structure": self.structure, "unit": self.unit, "size": c.size,
                                   "replications": c.reps,
                                   "verdict": c.status + (" (implied)" if c.implied else "")}
            for t, st in zip(self.targets, c.stats):
                row.update({f"{t}:value": st.value, f"{t}:ci_low": st.lo, f"{t}:ci_high": st.hi,
                            f"{t}:verdict": st.verdict, f"{t}:statistic": st.statistic})
            rows.append(row)
        return pd.DataFrame(rows)


def _imply(cells: list[Cell]) -> tuple[int, int, list[str]]:
    """Monotone: mark the open sizes outside the window implied; (lo, hi) and a note on a clash."""
    lo, hi = window(cells)
    for i, c in enumerate(cells):
        if c.status == OPEN and (i < lo or i > hi):
            c.status, c.implied = (FAILS if i < lo else MEETS), True
    clash = [c.size for c in cells[:max(lo, 0)] if c.status == MEETS]
    return lo, hi, [f"size(s) {clash} met every target but {cells[lo].size} failed: the results are not "
                    "monotone in size (e.g. a rare gap seen only at the larger size), so the answer is "
                    "taken above every failing size; --no-monotone judges each size on its own"] if clash else []


def conclude(rid: str, name: str, targets: list[Target], cells: list[Cell], monotone: bool,
             cap: int, unit: str = "casemanagers", spell: Spell = str) -> RegionSizing:
    """The search's answer, 'none meets' or 'not settled', with its message and notes."""
    notes, n, sizes = [], len(cells), [c.size for c in cells]
    if monotone:
        lo, hi, notes = _imply(cells)
        answer = hi if hi == lo + 1 and hi < n else None
        none_meets, undecided = lo == n - 1, cells[lo + 1:hi]
    else:
        first = next((i for i, c in enumerate(cells) if c.status == MEETS), None)
        answer = first if first is not None and all(c.status == FAILS for c in cells[:first]) else None
        none_meets, undecided, hi = all(c.status == FAILS for c in cells), cells, n if first is None else first
    unmeasured = [t for j, t in enumerate(targets) if any(c.stats and c.stats[j].n == 0 for c in cells)]
    if unmeasured:
        notes.append(f"no replication measured {spelled(unmeasured, spell)} (e.g. attendance in a day-1 region); "
                     "such a target cannot be settled")
    if answer is not None:
        if answer == 0:
            notes.append(f"{sizes[0]}, the smallest candidate, already meets every target; "
                         "smaller sizes were not tried")
        what = "team" if unit == "casemanagers" else "casework hours"
        return RegionSizing(rid, name, targets, cells, sizes[answer], "answer",
                            f"smallest {what} meeting every target: {sizes[answer]} {unit}", notes, unit=unit)
    if none_meets:
        worst = cells[-1]
        failing = [f"{spell(t)} ({describe(s)} at {worst.size})" for t, s in zip(targets, worst.stats)
                   if s.verdict == FAILS]
        msg = (f"no candidate ({sizes[0]}-{sizes[-1]} {unit}) meets every target; at the largest size "
               f"{'the target fails' if len(failing) == 1 else 'these targets fail'}: {'; '.join(failing)}")
        return RegionSizing(rid, name, targets, cells, None, "none meets", msg, notes, unit=unit)
    still = [c for c in undecided if c.status in (OPEN, UNMEASURED)]
    straddle = [t for j, t in enumerate(targets) if any(c.stats and c.stats[j].verdict == OPEN for c in still)]
    msg = (f"not settled within {cap} replications: size(s) {[c.size for c in still]} still open on "
           f"{spelled(straddle, spell)}" + (f"; {sizes[hi]} meets every target" if hi < n else "")
           + " (raise --max-replications, or the bound is too close to the mean to tell)")
    return RegionSizing(rid, name, targets, cells, None, "not settled", msg, notes, unit=unit)


def to_settle(result: RegionSizing, level: float, level_at: Callable[[int], float], spell: Spell = str) -> list[str]:
    """For an answer left open below: per open candidate and target, what was seen and about how
    many replications would settle it if that held (a cap too small is a design limit, not bad luck)."""
    notes = []
    for c in result.cells if result.status == "not settled" else ():
        for t, st in zip(result.targets, c.stats):
            if c.status != OPEN or st.verdict != OPEN:
                continue
            need = replications_to_settle(t, st, level, level_at)
            seen = (f"{round(st.value * st.n)} of {st.n} replications beyond the bound" if st.statistic == EXCEEDANCE
                    else f"{describe(st)} over {st.n} replications")
            notes.append(f"{c.size} {result.unit}: {spell(t)} open, {seen}; " + (
                f"if that held, about {need} replications would settle it (--max-replications {need})" if need
                else "that estimate is too close to the bound for any practical cap to settle it"))
    return notes


def results(cells: dict[tuple[str, str], list[Cell]], names: dict[str, str], targets: list[Target], level: float,
            monotone: bool, max_replications: int, level_at: Callable[[int], float],
            unit: str = "casemanagers", spell: Spell = str) -> list[RegionSizing]:
    """One conclusion per region and structure, the structure named where there are several; a
    note per candidate left open with the replications that would settle it; and a note on every
    one when the cap is too low for some target ever to read 'meets'."""
    out = []
    for (rid, label), row in cells.items():
        result = conclude(rid, names[rid], targets, row, monotone, max_replications, unit, spell)
        result.notes += to_settle(result, level, level_at, spell)
        if label != ONE_STRUCTURE:
            result.structure, result.name = label, f"{result.name}, {label}"
            result.message = f"{label}: {result.message}"
        out.append(result)
    short = [f"{spell(t)} needs {clean_replications(t, level)}" for t in targets
             if t.kind != MEAN_T and clean_replications(t, level) > max_replications]
    for r in out if short else []:
        r.notes.append(f"a 'meets' of some targets needs more clean replications than --max-replications "
                       f"({max_replications}) allows: {'; '.join(short)}; raise it to settle them")
    return out
