"""How far a team holds: the demand up to which a team size still meets the on-call targets.

For the people answer and one more, the planning level is scaled by the factors in `FACTORS`
and judged like the sizes are (common random numbers, doubling rounds, a larger demand assumed
to do no better), each holds figure at its own Bonferroni level over factors x sizes x looks
x targets. From the level's input uncertainty (lognormal with mean 1, `level_sd_log`) follows
the chance that the year's expected demand exceeds what the team holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from csgsim.config import scenario as scenario_mod
from csgsim.config.staffing import ScriptedAbsence
from csgsim.runtime.executors import Backend
from csgsim.studies.casework import DemandPlan
from csgsim.studies.sizing import Cell, Sizing, conclude, region_job, run_rounds
from csgsim.studies.structures import ONE_STRUCTURE, structures
from csgsim.studies.targets import Target

#: Demand in percent of the planning level at which each team size is tried.
FACTORS = (50, 75, 100, 125, 150, 200, 300, 400)


@dataclass(frozen=True)
class Holds:
    """Up to which demand `size` casemanagers meet the on-call targets (`percent` of the planning
    level, the largest settled as meeting below the smallest settled as failing)."""

    region: str
    size: int
    percent: int | None
    status: str  # "answer", "none meets", "not settled"
    reports: float | None  # expected acute reports a year at `percent`
    exceed: float | None  # chance that the year's expected demand is above it (input uncertainty)

    def line(self) -> str:
        if self.percent is None:
            return f"{self.size} holds: {self.status} within {FACTORS[0]}-{FACTORS[-1]}% of the planning level"
        top = " or more" if self.percent == FACTORS[-1] else ""
        chance = "" if self.exceed is None else f"; chance the year's demand is above it: {self.exceed:.0%}"
        return (f"{self.size} holds up to about {self.reports:.0f} acute reports a year{top} "
                f"({self.percent}% of the planning level){chance}")


def exceed_chance(sd_log: float, factor: float) -> float:
    """P(level multiplier > factor) for a lognormal multiplier with mean 1 and log-sd `sd_log`."""
    if sd_log <= 0:
        return float(factor < 1)
    return 1 - NormalDist().cdf((math.log(factor) + sd_log * sd_log / 2) / sd_log)


def holds(data: dict[str, Any], source: str, sized: Sizing, targets: list[Target], backend: Backend,
          batch: int, max_replications: int, confidence: float, absences: Sequence[ScriptedAbsence] = (),
          on_progress: Callable[[int], None] | None = None) -> tuple[list[Holds], float]:
    """Per region sized (its first line structure) with a people answer: how far the answer and
    one more hold. Returns the figures and the level of each interval."""
    parsed = scenario_mod.parse(data, source)
    answered = [r for r in sized.regions if r.answer is not None and r.structure == ONE_STRUCTURE]
    rounds = sorted({min(batch * 2 ** k, max_replications)
                     for k in range(math.ceil(math.log2(max(max_replications / batch, 1))) + 1)})
    level = 1 - (1 - confidence) / max(len(targets) * len(FACTORS) * 2 * len(rounds), 1)
    owner = {p.id: rid for rid, r in parsed.regions.items() for p in r.people}
    built, cells, base = {}, {}, {}
    for r in answered:
        rid, region = r.region, parsed.regions[r.region]
        shape = structures(data, region, parsed.shared_lines, parsed.regions)[0]
        hours = sum(p.hours_per_week for p in region.people[:region.casemanagers])
        mine = [a for a in absences if owner.get(a.person, rid) == rid]
        base[rid] = sized.demand.factor(parsed, rid)
        for size in (r.answer, r.answer + 1):
            key = (rid, str(size))
            for pct in FACTORS:
                plan = DemandPlan("factor", base[rid] * pct / 100)
                built[(*key, -pct)] = region_job(data, source, rid, shape, size, hours, mine, plan, sized.seed)[:2]
            cells[key] = [Cell(-pct) for pct in reversed(FACTORS)]  # less demand = a larger candidate
    run_rounds(built, cells, targets, level, rounds, True, backend, on_progress)
    out = []
    for (rid, size), row in cells.items():
        found = conclude(rid, rid, targets, row, True, max_replications)
        pct = -found.answer if found.answer is not None else None
        region = parsed.regions[rid]
        reports = None if pct is None else region.acute.annual_level(parsed.start.year) * base[rid] * pct / 100
        exceed = None if pct is None else exceed_chance(region.uncertainty.level_sd_log, base[rid] * pct / 100)
        out.append(Holds(rid, int(size), pct, found.status, reports, exceed))
    return out, level
