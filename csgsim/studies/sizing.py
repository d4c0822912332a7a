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
keeps the number of looks at the data small. Under monotonicity the sizes run bottom-up: only
the smallest one still undecided runs on (`sizing_search.due`). A size left open gets a note with what was seen
and about how many replications would settle it if that held (`targets.replications_to_settle`).
The default cap, `DEFAULT_CAP` (640, the sixth round from a batch of 20), settles a share of
years with a gap up to about 1.7% (11 of 640) as within 5% at the level of the default design;
a size with a gap in 2% of its years needs about 800, so the cap leaves it open by design, not by
bad luck (at a cap of 200, one gap year in 200 already left a size open).

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

The parts: `sizing_search` (candidates, looks and the order they run in), `sizing_verdicts`
(what a search concludes, in words), `sizing_hours` (the casework hours); this module puts them
together for the regions asked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from csgsim.analysis.summary import percentile_of
from csgsim.config import scenario as scenario_mod
from csgsim.config.staffing import ScriptedAbsence
from csgsim.runtime.executors import Backend
from csgsim.runtime.jobs import Job, make_job
from csgsim.studies import casework as cw
from csgsim.studies.casework import DemandPlan
from csgsim.studies.patches import patched
from csgsim.studies.sizing_hours import Casework, Cells, size_hours
from csgsim.studies.sizing_search import Built, Cell, rounds, run_rounds
from csgsim.studies.sizing_verdicts import RegionSizing, Spell, conclude, results, spelled
from csgsim.studies.structures import ONE_STRUCTURE, structures, with_lines
from csgsim.studies.targets import PERCENTILE, RARE, SizingError, Target, clean_replications
from csgsim.config.schema import Scenario
from csgsim.staff.rota import Planned

#: A plan in hand (`size --rota`): a scenario -> the scenario that simulates the plan, and its duties.
PlanInHand = Callable[[Scenario], tuple[Scenario, dict[str, Planned]]]

#: What callers (holds, the report, the command line) and tests name through this module.
__all__ = ["Casework", "Cell", "RegionSizing", "Sizing", "conclude", "confidence_line", "region_job", "run_rounds",
           "size"]


#: Replications a candidate runs at most (`csgsim size --max-replications`; the CLI repeats the
#: number, and tests/test_sizing.py holds the two equal).
DEFAULT_CAP = 640


@dataclass
class Sizing:
    """Every region's answers (one `RegionSizing` per region and line structure) and the design
    they were judged under."""

    regions: list[RegionSizing]
    confidence: float
    level: float  # of each interval
    looks: int
    monotone: bool
    seed: int
    structures: int = 1  # line structures per region (at most), counted in the Bonferroni level
    demand: DemandPlan = DemandPlan()
    intervals: int = 0  # intervals per region and structure in the Bonferroni count (0: the people alone)

    def answer_line(self, r: RegionSizing, spell: Spell = str) -> str:
        """Both answers of one region and structure, e.g. '6 casemanagers on call (bound by
        gap_hours<=0); casework needs 41 h a week (6.8 h each; bound by followup_on_time>=0.95);
        the scenario gives 48'."""
        def bound(x: RegionSizing) -> str:
            b = x.binding()
            return f"bound by {spelled(b, spell)}" if b else "the smallest candidate already meets"

        people = (f"{r.answer} casemanagers on call ({bound(r)})" if r.answer is not None
                  else f"at most {r.enough} casemanagers on call (fewer not settled on "
                       f"{spelled(r.binding(), spell)} within the cap)"
                  if r.enough is not None
                  else f"people on call: {r.status}" + (" (the scenario's team kept)" if r.casework else ""))
        if r.casework is None:
            return people
        hours = r.casework.line(spell)
        if r.casework.hours is not None:
            hours = hours.replace(" each)", f" each; {bound(r.casework.search)})", 1)
        return f"{people}; {hours}"

    def summary(self, region: str) -> str:
        """One line per region over its structures, e.g. '6 casemanagers without optional lines,
        or 8 with weekend-nights'."""
        parts = [f"{r.answer} casemanagers" + ("" if r.structure == ONE_STRUCTURE else f" {r.structure}")
                 if r.answer is not None else f"{r.structure}: {r.status}" for r in self.regions if r.region == region]
        return ", or ".join(parts)


@dataclass(frozen=True)
class Design:
    """The Bonferroni design: every interval ever computed is at `level` = 1 - alpha / (intervals
    x structures), intervals = looks x (on-call targets x sizes + casework targets x hour totals)."""

    batch: int
    looks: list[int]
    intervals: int
    structures: int
    confidence: float

    @classmethod
    def of(cls, oncall: int, sizes: int, casework: int, batch: int, cap: int, confidence: float,
           structures: int) -> Design:
        hours = len(cw.COARSE_HOURS) + 1 + cw.FINE_POINTS
        looks = rounds(batch, cap)
        return cls(batch, looks, len(looks) * (oncall * sizes + casework * hours), structures, confidence)

    @property
    def level(self) -> float:
        return 1 - (1 - self.confidence) / (self.intervals * self.structures)

    def level_at(self, cap: int) -> float:
        """The level with the looks up to another cap (for 'about N replications would settle it')."""
        looks = len(rounds(self.batch, cap))
        return 1 - (1 - self.confidence) / (self.intervals // len(self.looks) * looks * self.structures)


def region_job(data: dict[str, Any], source: str, rid: str, shape: tuple[str, dict[str, Any] | None, tuple[str, ...]],
         people: int, hours: float, mine: Sequence[ScriptedAbsence], demand: DemandPlan, seed: int,
         rota: PlanInHand | None = None) -> tuple[Job, int, str]:
    """The job of region `rid` with `people` casemanagers sharing `hours` contracted hours a week,
    in one line structure, at the planning demand; the row of `rid` in its results; its name.
    `rota` turns the scenario into one that simulates a plan in hand (its duties and leave)."""
    label, patch, simulated = shape
    what = f"{people} casemanagers with {hours:g} h a week in {rid}" + ("" if label == ONE_STRUCTURE else f", {label}")
    doc = patched(with_lines(data, rid, patch), [], [(f"team_size.{rid}", people)], f"{source} with {what}")
    cw.set_hours(doc, rid, hours)
    sc = demand.apply(scenario_mod.parse(doc, f"{source} ({what})"), rid).only(list(simulated))
    sc = scenario_mod.with_absences(sc, mine) if mine else sc
    if rota is None:
        job = make_job(sc, seed)
    else:  # a plan in hand: its duties and leave instead of the pattern's
        planned, duties = rota(sc)
        job = make_job(planned, seed, duties=duties)
    return job, list(sc.regions).index(rid), sc.regions[rid].name


def _absences_by_region(absences: Sequence[ScriptedAbsence], regions: list[str], parsed: scenario_mod.Scenario
                        ) -> dict[str, list[ScriptedAbsence]]:
    """The scripted absences of each region sized. Stops before anything runs if one cannot be
    placed: a person outside the regions sized, or 'coordinator' when several regions (so several
    coordinators) are sized."""
    owner = {p.id: rid for rid, r in parsed.regions.items() for p in r.people}
    for a in absences:
        if a.person == "coordinator" and len(regions) != 1:
            raise SizingError("a scripted absence of 'coordinator' needs exactly one region; "
                              "name the coordinator by id")
        if a.person != "coordinator" and owner.get(a.person) not in regions:
            raise SizingError(f"scripted absence: no person {a.person!r} in the region(s) sized ({', '.join(regions)})")
    return {rid: [a for a in absences if owner.get(a.person, rid) == rid] for rid in regions}


def size(
    data: dict[str, Any],
    source: str,
    regions: list[str],
    sizes: list[int],
    targets: list[Target],
    seed: int,
    backend: Backend,
    batch: int = 20,
    max_replications: int = DEFAULT_CAP,
    confidence: float = 0.95,
    monotone: bool = True,
    absences: Sequence[ScriptedAbsence] = (),
    on_progress: Callable[[int], None] | None = None,
    demand: DemandPlan = DemandPlan(),
    rota: PlanInHand | None = None,
    spell: Spell = str,
) -> Sizing:
    """Size each region in `regions` of the scenario document `data` (each region on its own),
    for each of its line structures (see `structures`): one `RegionSizing` per region and structure.

    The on-call targets size the people, at the scenario's total contracted hours shared by the
    team; the casework targets (`casework.CASEWORK_METRICS`) then size the hours a week at the
    people answer (`RegionSizing.casework`). Both at the planning `demand`.
    `absences` (scripted dropout, e.g. from --absent) apply at every size of the region of the
    person named, so that person must exist at the smallest candidate size; 'coordinator' names
    the coordinator when one region is sized. `spell` writes a target in messages.
    """
    if not targets:
        raise SizingError("give at least one target")
    if not sizes:
        raise SizingError("give at least one candidate size")
    oncall, casework = cw.split(targets)
    parsed = scenario_mod.parse(data, source)
    shape_of = {(rid, shape[0]): shape for rid in regions
                for shape in structures(data, parsed.regions[rid], parsed.shared_lines, parsed.regions)}
    n_shapes = max(Counter(rid for rid, _ in shape_of).values())
    design = Design.of(len(oncall), len(sizes), len(casework), batch, max_replications, confidence, n_shapes)
    mine = _absences_by_region(absences, regions, parsed)
    team = {rid: parsed.regions[rid].casemanagers for rid in regions}
    given = {rid: sum(p.hours_per_week for p in parsed.regions[rid].people[:team[rid]]) for rid in regions}
    names = {rid: parsed.regions[rid].name for rid in regions}

    def build(rid: str, label: str, people: int, hours: float) -> tuple[Job, int]:
        return region_job(data, source, rid, shape_of[rid, label], people, hours, mine[rid], demand, seed, rota)[:2]

    def search(built: Built, cells: Cells, goals: list[Target] = casework) -> None:
        run_rounds(built, cells, goals, design.level, design.looks, monotone, backend, on_progress)

    def verdicts(cells: Cells, goals: list[Target] = casework, unit: str = "h a week") -> list[RegionSizing]:
        return results(cells, names, goals, design.level, monotone, max_replications, design.level_at, unit, spell)

    people = Built(lambda k: build(*k, given[k[0]]))  # k: (region, structure, casemanagers)
    found = _people(list(shape_of), sizes, names, oncall, lambda c: search(people, c, oncall),
                    lambda c: verdicts(c, oncall, "casemanagers"))
    if casework:
        size_hours(found, build, team, given, search, monotone, verdicts)
    return Sizing(found, confidence, design.level, len(design.looks), monotone, seed, n_shapes, demand,
                  design.intervals)


def _people(keys: list[tuple[str, str]], sizes: list[int], names: dict[str, str], oncall: list[Target],
            search: Callable[[Cells], None], verdicts: Callable[[Cells], list[RegionSizing]]) -> list[RegionSizing]:
    """The people search of every region and structure; without on-call targets, the scenario's team."""
    if not oncall:
        return [RegionSizing(rid, names[rid] if label == ONE_STRUCTURE else f"{names[rid]}, {label}", [], [], None,
                             "not sized", "no on-call target given: the team as the scenario has it", [], label)
                for rid, label in keys]
    cells = {key: [Cell(s) for s in sizes] for key in keys}
    search(cells)
    return verdicts(cells)


def confidence_line(result: Sizing, spell: Spell = str) -> str:
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
            text += (f" {spell(t)}: a rare event, met when an exact (Clopper-Pearson) bound shows at most {t.risk:.0%} of "
                     f"replications beyond it; a 'meets' needs at least {need} replications with none beyond.")
        elif t.kind == PERCENTILE:
            q = percentile_of(t.metric)[1]
            text += (f" {spell(t)}: the pooled {q:.0%} point of the delays, judged by the share of delays within {t.bound:g} "
                     f"(replications as clusters); if no replication has a delay beyond it, a 'meets' needs at "
                     f"least {need} replications.")
    text += (f" A mean whose replications are all equal is judged like a rare event (at most "
             f"{[*r.targets, *hours][0].risk:.0%} of replications beyond the bound), never taken as exact.")
    if result.monotone:
        text += " Larger teams are assumed to do no worse (implied verdicts); --no-monotone settles every size."
    return text
