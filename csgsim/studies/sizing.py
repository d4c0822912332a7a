"""Roster sizing: the smallest number of casemanagers that meets every on-call target, then the
casework hours a week that team needs (`casework`), each with a stated confidence.

A target is a bound on a region metric (`metrics.REGION_METRICS`), e.g. `followup_on_time>=0.95`,
read in one of three ways (`Target.kind`):
- a mean over replications, judged by its t-interval;
- a rare event, when the bound is the edge of the metric's range (`gap_hours<=0`): "at most
  `risk` (5%) of replications go beyond it", judged by an exact Clopper-Pearson bound, never by
  "every replication showed zero" (20 clean years only bound the chance of a bad one by 17%);
  a mean whose replications all came out equal is judged the same way;
- a delay percentile (`acute_contact_p95<=30`): the percentile of the pooled delays, i.e. the
  pooled share of delays within the bound against 95%, with replications as clusters.
Each candidate size runs the same replication indices (common random numbers, so sizes are
compared on the same reports and absences), in rounds that double its replications (batch,
2 batch, 4 batch, ... up to the cap), until every target's interval lies on one side of its
bound, or one target is settled as failed, or the cap is reached ("not settled"). Doubling
keeps the number of looks at the data small. A size left open gets a note with what was seen
and about how many replications would settle it if that held (`targets.replications_to_settle`):
a year with a gap in 2% of replications needs about 800 to be shown within 5% at the level of
the default design, so the cap of 200 leaves such a size open by design, not by bad luck.

People and hours are sized apart (see `casework`): the on-call targets decide the people, at the
scenario's total contracted hours shared by the team; the casework targets then decide the total
hours a week at the people answer, on a coarse grid of hours per person and a finer one inside
the bracket, judged like the sizes. Both run at a planning demand (default: the central forecast).

Confidence: every interval ever computed has level 1 - alpha / (targets x sizes x looks), with
looks the number of rounds up to the cap (targets x sizes counting the hours search's casework
targets x candidate totals too); by Bonferroni, with probability at least 1 - alpha every
settled verdict in the table is right (exactly for rare events; for means up to the normal
approximation). tests/test_sizing.py checks the error rate over many seeds on a known answer. With `monotone` (the default)
a larger team is assumed to do no worse: once size s meets every target, larger sizes are not run
further, and once s fails, smaller ones are not; such verdicts are marked as implied.

Structure: a region whose scenario marks on-call lines `optional` is sized once for every choice
of those lines (e.g. with and without a second line on Friday and Saturday nights), on the same
replications, and the answer reads "6 casemanagers without optional lines, or 8 with
weekend-nights". A region in a shared line is sized with its own lines only and pooled with its
partners (whose teams stay as the scenario has them). The Bonferroni count includes the structures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csgsim.config import scenario as scenario_mod
from csgsim.config.staffing import ScriptedAbsence
from csgsim.runtime.executors import Backend, dispatch
from csgsim.studies import casework as cw
from csgsim.studies.casework import DemandPlan
from csgsim.studies.patches import patched
from csgsim.studies.structures import ONE_STRUCTURE, structures, with_lines
from csgsim.analysis.summary import percentile_of
from csgsim.runtime.jobs import Job, make_job

from csgsim.studies.targets import (EXCEEDANCE, FAILS, MEAN_T, MEETS, OPEN, PERCENTILE, RARE,
                                     UNMEASURED, SizingError, Stat, Target, clean_replications,
                                     describe, replications_to_settle)



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


@dataclass
class Casework:
    """The casework hours a week a region's team needs, sized at `people` casemanagers (the people
    answer, else the scenario's team: `people_from` says which) against the casework targets."""

    people: int
    people_from: str  # "the people answer" or "the scenario's team"
    scenario_hours: float  # the casemanagers' contracted hours a week in the scenario
    search: RegionSizing  # its candidates are total hours a week

    @property
    def hours(self) -> int | None:
        return self.search.answer

    @property
    def enough(self) -> int | None:
        """The hours answer, else the smallest total settled as enough (`RegionSizing.enough`)."""
        return self.search.enough

    def line(self) -> str:
        """E.g. 'casework needs 41 h a week (6.8 h each); the scenario gives 48'."""
        given = f"the scenario gives {self.scenario_hours:.0f}"
        if self.hours is None and self.enough is not None:
            still = ", ".join(map(str, self.search.binding()))
            return (f"casework needs at most {self.enough} h a week ({self.enough / self.people:.1f} h each; "
                    f"less not settled on {still} within the cap); {given}")
        if self.hours is None:
            return f"casework hours at {self.people} casemanagers: {self.search.status} ({given})"
        return f"casework needs {self.hours} h a week ({self.hours / self.people:.1f} h each); {given}"


@dataclass
class Sizing:
    regions: list[RegionSizing]
    confidence: float
    level: float  # of each interval
    looks: int
    monotone: bool
    seed: int
    structures: int = 1  # line structures per region (at most), counted in the Bonferroni level
    demand: DemandPlan = DemandPlan()
    intervals: int = 0  # intervals per region and structure in the Bonferroni count (0: the people alone)

    def answer_line(self, r: RegionSizing) -> str:
        """Both answers of one region and structure, e.g. '6 casemanagers on call (bound by
        gap_hours<=0); casework needs 41 h a week (6.8 h each; bound by followup_on_time>=0.95);
        the scenario gives 48'."""
        def bound(x: RegionSizing) -> str:
            b = x.binding()
            return f"bound by {', '.join(map(str, b))}" if b else "the smallest candidate already meets"

        people = (f"{r.answer} casemanagers on call ({bound(r)})" if r.answer is not None
                  else f"at most {r.enough} casemanagers on call (fewer not settled on "
                       f"{', '.join(map(str, r.binding()))} within the cap)"
                  if r.enough is not None
                  else f"people on call: {r.status}" + (" (the scenario's team kept)" if r.casework else ""))
        if r.casework is None:
            return people
        hours = r.casework.line()
        if r.casework.hours is not None:
            hours = hours.replace(" each)", f" each; {bound(r.casework.search)})", 1)
        return f"{people}; {hours}"

    def summary(self, region: str) -> str:
        """One line per region over its structures, e.g. '6 casemanagers without optional lines,
        or 8 with weekend-nights'."""
        parts = [f"{r.answer} casemanagers" + ("" if r.structure == ONE_STRUCTURE else f" {r.structure}")
                 if r.answer is not None else f"{r.structure}: {r.status}" for r in self.regions if r.region == region]
        return ", or ".join(parts)


def _judge(cell: Cell, targets: list[Target], level: float) -> None:
    values = np.array([cell.values[r] for r in sorted(cell.values)])  # (reps, targets, 2)
    cell.stats = [t.judge(values[:, j], level) for j, t in enumerate(targets)]
    verdicts = [s[4] for s in cell.stats]
    unmeasured = any(s[3] == 0 for s in cell.stats)  # all NaN: more replications will not help
    cell.status = (FAILS if FAILS in verdicts else MEETS if all(v == MEETS for v in verdicts)
                   else UNMEASURED if unmeasured else OPEN)


def _window(cells: list[Cell]) -> tuple[int, int]:
    """Indices (lo, hi): the largest size settled failing, and the smallest above it settled meeting.

    Under monotonicity only sizes strictly between them are undecided.
    """
    fails = [i for i, c in enumerate(cells) if c.status == FAILS and not c.implied]
    lo = max(fails) if fails else -1
    hi = next((i for i in range(lo + 1, len(cells)) if cells[i].status == MEETS), len(cells))
    return lo, hi


def conclude(rid: str, name: str, targets: list[Target], cells: list[Cell], monotone: bool,
              cap: int, unit: str = "casemanagers") -> RegionSizing:
    notes = []
    n = len(cells)
    if monotone:
        lo, hi = _window(cells)
        for i, c in enumerate(cells):
            if c.status == OPEN and (i < lo or i > hi):
                c.status, c.implied = (FAILS if i < lo else MEETS), True
        clash = [c.size for c in cells[:max(lo, 0)] if c.status == MEETS]
        if clash:
            notes.append(f"size(s) {clash} met every target but {cells[lo].size} failed: the results are not "
                         "monotone in size (e.g. a rare gap seen only at the larger size), so the answer is "
                         "taken above every failing size; --no-monotone judges each size on its own")
        answer = hi if hi == lo + 1 and hi < n else None
        none_meets, undecided = lo == n - 1, cells[lo + 1:hi]
    else:
        first = next((i for i, c in enumerate(cells) if c.status == MEETS), None)
        answer = first if first is not None and all(c.status == FAILS for c in cells[:first]) else None
        none_meets, undecided, hi = all(c.status == FAILS for c in cells), cells, n if first is None else first
    unmeasured = sorted({str(t) for c in cells for t, s in zip(targets, c.stats) if s[3] == 0})
    if unmeasured:
        notes.append(f"no replication measured {', '.join(unmeasured)} (e.g. attendance in a day-1 region); "
                     "such a target cannot be settled")
    sizes = [c.size for c in cells]
    if answer is not None:
        if answer == 0:
            notes.append(f"{sizes[0]}, the smallest candidate, already meets every target; "
                         "smaller sizes were not tried")
        what = "team" if unit == "casemanagers" else "casework hours"
        return RegionSizing(rid, name, targets, cells, sizes[answer], "answer",
                            f"smallest {what} meeting every target: {sizes[answer]} {unit}", notes, unit=unit)
    if none_meets:
        worst = cells[-1]
        failing = [f"{t} ({describe(s)} at {worst.size})" for t, s in zip(targets, worst.stats) if s[4] == FAILS]
        msg = (f"no candidate ({sizes[0]}-{sizes[-1]} {unit}) meets every target; at the largest size "
               f"{'the target fails' if len(failing) == 1 else 'these targets fail'}: {'; '.join(failing)}")
        return RegionSizing(rid, name, targets, cells, None, "none meets", msg, notes, unit=unit)
    still = [c for c in undecided if c.status in (OPEN, UNMEASURED)]
    straddle = sorted({str(t) for c in still for t, s in zip(targets, c.stats) if s[4] == OPEN})
    msg = (f"not settled within {cap} replications: size(s) {[c.size for c in still]} still open on "
           f"{', '.join(straddle)}" + (f"; {sizes[hi]} meets every target" if hi < n else "")
           + " (raise --max-replications, or the bound is too close to the mean to tell)")
    return RegionSizing(rid, name, targets, cells, None, "not settled", msg, notes, unit=unit)


def region_job(data: dict[str, Any], source: str, rid: str, shape: tuple[str, dict[str, Any] | None, tuple[str, ...]],
         people: int, hours: float, mine: Sequence[ScriptedAbsence], demand: DemandPlan, seed: int
         ) -> tuple[Job, int, str]:
    """The job of region `rid` with `people` casemanagers sharing `hours` contracted hours a week,
    in one line structure, at the planning demand; the row of `rid` in its results; its name."""
    label, patch, simulated = shape
    what = f"{people} casemanagers with {hours:g} h a week in {rid}" + ("" if label == ONE_STRUCTURE else f", {label}")
    doc = patched(with_lines(data, rid, patch), [], [(f"team_size.{rid}", people)], f"{source} with {what}")
    cw.set_hours(doc, rid, hours)
    sc = demand.apply(scenario_mod.parse(doc, f"{source} ({what})"), rid).only(list(simulated))
    return make_job(scenario_mod.with_absences(sc, mine) if mine else sc, seed), list(sc.regions).index(rid), \
        sc.regions[rid].name


def _check_absences(absences: Sequence[ScriptedAbsence], regions: list[str], owner: dict[str, str]) -> None:
    """Stop before anything runs if a scripted absence cannot be placed: a person outside the
    regions sized, or 'coordinator' when several regions (so several coordinators) are sized."""
    for a in absences:
        if a.person == "coordinator" and len(regions) != 1:
            raise SizingError("a scripted absence of 'coordinator' needs exactly one region; "
                              "name the coordinator by id")
        if a.person != "coordinator" and owner.get(a.person) not in regions:
            raise SizingError(f"scripted absence: no person {a.person!r} in the region(s) sized ({', '.join(regions)})")


def _rounds(batch: int, cap: int) -> list[int]:
    """Replications after each look: batch, 2 batch, 4 batch, ... up to the cap."""
    return sorted({min(batch * 2 ** k, cap) for k in range(math.ceil(math.log2(max(cap / batch, 1))) + 1)})


def _to_settle(result: RegionSizing, level: float, level_at: Callable[[int], float]) -> list[str]:
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
            notes.append(f"{c.size} {result.unit}: {t} open, {seen}; " + (
                f"if that held, about {need} replications would settle it (--max-replications {need})" if need
                else "that estimate is too close to the bound for any practical cap to settle it"))
    return notes


def _results(cells: dict[tuple[str, str], list[Cell]], names: dict[str, str], targets: list[Target], level: float,
             monotone: bool, max_replications: int, level_at: Callable[[int], float],
             unit: str = "casemanagers") -> list[RegionSizing]:
    """One conclusion per region and structure, the structure named where there are several; a
    note per candidate left open with the replications that would settle it; and a note on every
    one when the cap is too low for some target ever to read 'meets'."""
    results = []
    for (rid, label), row in cells.items():
        result = conclude(rid, names[rid], targets, row, monotone, max_replications, unit)
        result.notes += _to_settle(result, level, level_at)
        if label != ONE_STRUCTURE:
            result.structure, result.name = label, f"{result.name}, {label}"
            result.message = f"{label}: {result.message}"
        results.append(result)
    short = [f"{t} needs {clean_replications(t, level)}" for t in targets
             if t.kind != MEAN_T and clean_replications(t, level) > max_replications]
    for r in results if short else []:
        r.notes.append(f"a 'meets' of some targets needs more clean replications than --max-replications "
                       f"({max_replications}) allows: {'; '.join(short)}; raise it to settle them")
    return results


def _due(row: list[Cell], cap: int, monotone: bool) -> list[Cell]:
    """The candidates of one search to run to their next look. Under monotonicity: the smallest
    one still open between the largest failing and the smallest meeting, and only it (bottom-up).
    A larger one matters only if this one does not meet, and settling 'meets' of a rare event
    costs the clean replications whatever the size, so running larger sizes alongside mostly
    buys verdicts that monotonicity implies anyway. Without monotonicity: every open one."""
    lo, hi = _window(row) if monotone else (-1, len(row))
    due = [c for c in row[lo + 1:hi] if c.status == OPEN and c.reps < cap]
    return due[:1] if monotone else due


def run_rounds(jobs: dict[tuple[str, str, int], Job], rows: dict[tuple[str, str, int], int],
            cells: dict[tuple[str, str], list[Cell]], targets: list[Target], level: float, rounds: list[int],
            monotone: bool, backend: Backend, on_progress: Callable[[int], None] | None) -> None:
    """Judge the candidates at the looks in `rounds` on common random numbers (replications
    0, 1, ... for every candidate), each round taking every due candidate (`_due`) of every
    search one look further. A candidate's verdict at a look depends only on the replications
    up to it, so the order in which candidates run changes which are run, never a verdict."""
    while True:
        active = {(rid, label, c.size): c for (rid, label), row in cells.items()
                  for c in _due(row, rounds[-1], monotone)}
        if not active:
            return
        pending = {k: range(c.reps, next(n for n in rounds if n > c.reps)) for k, c in active.items()}
        for key, out in dispatch(backend, {k: jobs[k] for k in active}, pending):
            for r in out:
                active[key].values[r.rep] = np.array([t.per_replication(r, rows[key]) for t in targets])
            if on_progress:
                on_progress(len(out))
        for c in active.values():
            _judge(c, targets, level)


def _hours(results: list[RegionSizing], build: Callable[..., tuple[Job, int, str]], team: dict[str, int],
           given: dict[str, float], search: Callable[..., None], monotone: bool,
           conclude: Callable[..., list[RegionSizing]]) -> None:
    """For each region and structure: the casework hours a week at its people answer (else the
    scenario's team), a coarse grid of hours per person, then a finer one inside the bracket."""
    people = {(r.region, r.structure): (r.answer, "the people answer") if r.answer is not None
              else (r.enough, "the smallest team settled as enough") if r.enough is not None
              else (team[r.region], "the scenario's team") for r in results}
    stages = [{k: cw.candidates(n, given[k[0]]) for k, (n, _) in people.items()}]
    cells: dict[tuple[str, str], list[Cell]] = {}
    for stage in range(2):
        grid = stages[stage]
        jobs, rows, stage_cells = {}, {}, {}
        for (rid, label), totals in grid.items():
            for h in totals:
                jobs[rid, label, h], rows[rid, label, h], _ = build(rid, label, people[rid, label][0], h)
            stage_cells[rid, label] = [Cell(h) for h in totals]
        search(jobs, rows, stage_cells)
        for key, row in stage_cells.items():
            cells[key] = sorted(cells.get(key, []) + row, key=lambda c: c.size)
        if stage == 0:
            brackets = {k: _window(row) for k, row in cells.items()}
            stages.append({k: [h for h in cw.fine(row[lo].size, row[hi].size) if h not in {c.size for c in row}]
                           for k, row in cells.items()
                           for lo, hi in [brackets[k]] if monotone and 0 <= lo < hi < len(row)})
    found = {(h.region, h.structure): h for h in conclude(cells)}
    for r in results:
        n, source = people[r.region, r.structure]
        r.casework = Casework(n, source, given[r.region], found[r.region, r.structure])


def size(
    data: dict[str, Any],
    source: str,
    regions: list[str],
    sizes: list[int],
    targets: list[Target],
    seed: int,
    backend: Backend,
    batch: int = 20,
    max_replications: int = 200,
    confidence: float = 0.95,
    monotone: bool = True,
    absences: Sequence[ScriptedAbsence] = (),
    on_progress: Callable[[int], None] | None = None,
    demand: DemandPlan = DemandPlan(),
) -> Sizing:
    """Size each region in `regions` of the scenario document `data` (each region on its own),
    for each of its line structures (see `structures`): one `RegionSizing` per region and structure.

    The on-call targets size the people, at the scenario's total contracted hours shared by the
    team; the casework targets (`casework.CASEWORK_METRICS`) then size the hours a week at the
    people answer (`RegionSizing.casework`). Both at the planning `demand`.
    `absences` (scripted dropout, e.g. from --absent) apply at every size of the region of the
    person named, so that person must exist at the smallest candidate size; 'coordinator' names
    the coordinator when one region is sized.
    """
    if not targets:
        raise SizingError("give at least one target")
    if not sizes:
        raise SizingError("give at least one candidate size")
    oncall, casework = cw.split(targets)
    rounds = _rounds(batch, max_replications)
    parsed = scenario_mod.parse(data, source)
    shapes = {rid: structures(data, parsed.regions[rid], parsed.shared_lines, parsed.regions) for rid in regions}
    shape_of = {(rid, shape[0]): shape for rid in regions for shape in shapes[rid]}
    n_shapes = max(len(v) for v in shapes.values())
    coarse = len(cw.COARSE_HOURS) + 1 + cw.FINE_POINTS
    intervals = len(rounds) * (len(oncall) * len(sizes) + len(casework) * coarse)
    level = 1 - (1 - confidence) / (intervals * n_shapes)

    def level_at(cap: int) -> float:  # the same count with the looks up to another cap
        return 1 - (1 - confidence) / (intervals // len(rounds) * len(_rounds(batch, cap)) * n_shapes)
    owner = {p.id: rid for rid, r in parsed.regions.items() for p in r.people}
    _check_absences(absences, regions, owner)
    team = {rid: parsed.regions[rid].casemanagers for rid in regions}
    given = {rid: sum(p.hours_per_week for p in parsed.regions[rid].people[:team[rid]]) for rid in regions}
    mine = {rid: [a for a in absences if owner.get(a.person, rid) == rid] for rid in regions}

    def build(rid: str, label: str, people: int, hours: float) -> tuple[Job, int, str]:
        return region_job(data, source, rid, shape_of[rid, label], people, hours, mine[rid], demand, seed)

    def search(jobs, rows, cells, goals=casework):
        run_rounds(jobs, rows, cells, goals, level, rounds, monotone, backend, on_progress)

    names = {rid: parsed.regions[rid].name for rid in regions}
    jobs, rows = {}, {}
    for rid, label in shape_of if oncall else ():
        for s in sizes:
            jobs[rid, label, s], rows[rid, label, s], _ = build(rid, label, s, given[rid])
    cells = {key: [Cell(s) for s in sizes] for key in shape_of if oncall}
    search(jobs, rows, cells, oncall)
    results = _results(cells, names, oncall, level, monotone, max_replications, level_at) if oncall else [
        RegionSizing(rid, names[rid] if label == ONE_STRUCTURE else f"{names[rid]}, {label}", [], [], None,
                     "not sized", "no on-call target given: the team as the scenario has it", [], label)
        for rid, label in shape_of]
    if casework:
        _hours(results, build, team, given, search, monotone,
               lambda c: _results(c, names, casework, level, monotone, max_replications, level_at, "h a week"))
    return Sizing(results, confidence, level, len(rounds), monotone, seed, n_shapes, demand, intervals)


def confidence_line(result: Sizing) -> str:
    """What the stated confidence rests on, and how many replications the exact verdicts need."""
    r = result.regions[0]
    shapes = f" x {result.structures} line structures" if result.structures > 1 else ""
    hours = r.casework.search.targets if r.casework else []
    count = (f"{len(r.targets)} on-call targets x {len(r.cells)} sizes" if r.targets else "")
    if hours:
        count += (" + " if count else "") + f"{len(hours)} casework targets x {len(cw.COARSE_HOURS) + 1 + cw.FINE_POINTS} hours"
    text = (f"Demand: {result.demand}. Confidence: at least {result.confidence:.0%} per region that every settled "
            f"verdict, of the people and of the hours, is right (Bonferroni over ({count}){shapes} x {result.looks} "
            f"looks: each interval at {100 * result.level:.3f}%). Means: t-interval (normal approximation).")
    for t in [*r.targets, *hours]:
        need = clean_replications(t, result.level)
        if t.kind == RARE:
            text += (f" {t}: a rare event, met when an exact (Clopper-Pearson) bound shows at most {t.risk:.0%} of "
                     f"replications beyond it; a 'meets' needs at least {need} replications with none beyond.")
        elif t.kind == PERCENTILE:
            q = percentile_of(t.metric)[1]
            text += (f" {t}: the pooled {q:.0%} point of the delays, judged by the share of delays within {t.bound:g} "
                     f"(replications as clusters); if no replication has a delay beyond it, a 'meets' needs at "
                     f"least {need} replications.")
    text += (f" A mean whose replications are all equal is judged like a rare event (at most "
             f"{[*r.targets, *hours][0].risk:.0%} of replications beyond the bound), never taken as exact.")
    if result.monotone:
        text += " Larger teams are assumed to do no worse (implied verdicts); --no-monotone settles every size."
    return text
