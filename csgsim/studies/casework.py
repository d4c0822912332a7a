"""Two resources sized apart: people on the on-call line, and CSG hours a week for the casework.

People on the roster are decided by the acute targets (contact and attendance delays, gap hours,
working-time limits); the hours a week the team needs for office work by the casework targets
(intakes within the norm, follow-ups on time: `CASEWORK_METRICS`). In the model contracted hours
only feed the office work (model/office.py), so adding hours leaves every on-call figure as it was;
and people are sized at the scenario's total hours, redistributed over the team (`set_hours`), so
adding a person does not silently add hours.

The hours answer is the smallest total a week meeting the casework targets at the people answer,
found like it: candidate totals on common random numbers, judged in doubling rounds, a coarse grid
of hours per person and then a finer one between the largest total failing and the smallest
meeting. The planning demand (`DemandPlan`) is the central forecast unless stated otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from csgsim.config.schema import Demand, Scenario, Uncertainty
from csgsim.studies.targets import SizingError, Target

#: Region metrics decided by the casework hours (office work), not by people on the on-call line.
CASEWORK_METRICS = frozenset({"followup_on_time", "intake_within_norm", "intake_wait_mean", "intake_wait_p50",
                              "intake_wait_p90", "intake_wait_p95", "intake_open_at_horizon"})
#: Coarse grid of contracted hours a week per casemanager (the finer grid lies between two of them).
COARSE_HOURS = (2, 4, 8, 12, 16, 24, 32, 48)
#: Points of the finer grid strictly between the bracketing coarse totals.
FINE_POINTS = 4


def split(targets: list[Target]) -> tuple[list[Target], list[Target]]:
    """(on-call targets, casework targets), each in the order given."""
    return ([t for t in targets if t.metric not in CASEWORK_METRICS],
            [t for t in targets if t.metric in CASEWORK_METRICS])


def _hours_of(entry: dict[str, Any]) -> float:
    value = entry.get("hours_per_week")
    value = value.get("value") if isinstance(value, dict) else value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SizingError(f"casemanager {entry.get('id')!r}: hours_per_week {value!r} is not a number, so the "
                          "hours cannot be redistributed")
    return float(value)


def set_hours(data: dict[str, Any], rid: str, total: float) -> None:
    """Scale region `rid`'s casemanagers' contracted hours (already resized by `patches.set_team`,
    so the list is the region's own) so that they add up to `total`, in their own proportions;
    no one above the schema's limit a week (a total too large for the team is cut there)."""
    from csgsim.config.limits import MAX_HOURS_PER_WEEK

    team = data["regions"][rid]["staff"]["casemanagers"]
    now = sum(_hours_of(p) for p in team)
    team[:] = [{**p, "hours_per_week": min(_hours_of(p) * total / now, MAX_HOURS_PER_WEEK)} for p in team]


def candidates(people: int, scenario_total: float) -> list[int]:
    """Coarse candidate totals a week: COARSE_HOURS per person, with the scenario's total."""
    from csgsim.config.limits import MAX_HOURS_PER_WEEK

    grid = {round(h * people) for h in COARSE_HOURS if h <= MAX_HOURS_PER_WEEK} | {round(scenario_total)}
    return sorted(h for h in grid if h >= 1)


def fine(low: int, high: int) -> list[int]:
    """Up to FINE_POINTS whole totals strictly between a failing `low` and a meeting `high` (coarse
    totals still open between them may come again: the caller keeps one cell per total)."""
    step = (high - low) / (FINE_POINTS + 1)
    return sorted({round(low + k * step) for k in range(1, FINE_POINTS + 1)} - {low, high})


@dataclass(frozen=True)
class DemandPlan:
    """The demand a team is sized for: the central forecast (input uncertainty held at its centre,
    only chance varies between replications), a factor on the scenario's level, a number of acute
    reports a year, or a percentile of the input uncertainty of the level."""

    kind: str = "central"  # "central", "factor", "reports", "percentile"
    value: float = 1.0

    def __str__(self) -> str:
        return {"central": "the central forecast", "factor": f"{self.value:g} x the scenario's level",
                "reports": f"{self.value:g} acute reports a year",
                "percentile": f"the {self.value:g}th percentile of the level's input uncertainty"}[self.kind]

    def factor(self, sc: Scenario, rid: str) -> float:
        """The multiplier on region `rid`'s level (both types) this plan asks for."""
        region = sc.regions[rid]
        if self.kind == "factor":
            return self.value
        if self.kind == "reports":
            expected = region.acute.annual_level(sc.start.year)
            if expected <= 0:
                raise SizingError(f"--demand {self.value:g}: region {rid!r} expects no acute reports, so no factor "
                                  "gives that number")
            return self.value / expected
        if self.kind == "percentile":
            from statistics import NormalDist

            sd = region.uncertainty.level_sd_log  # lognormal with mean 1 (demand/uncertainty.py)
            return math.exp(-sd * sd / 2 + NormalDist().inv_cdf(self.value / 100) * sd)
        return 1.0

    def apply(self, sc: Scenario, rid: str) -> Scenario:
        """The scenario with region `rid`'s level at the plan and its input uncertainty at its centre."""
        f = self.factor(sc, rid)
        region = sc.regions[rid]

        def scaled(d: Demand) -> Demand:
            return replace(d, level=d.level * f, levels=tuple((y, v * f) for y, v in d.levels))

        fixed = replace(region, acute=scaled(region.acute), non_acute=scaled(region.non_acute),
                        uncertainty=Uncertainty())
        return replace(sc, regions={**sc.regions, rid: fixed})


def parse_demand(text: str | None) -> DemandPlan:
    """`--demand`: none (the central forecast), `x1.5` (a factor on the level), `250` (acute
    reports a year) or `p80` (a percentile of the level's input uncertainty)."""
    if text is None or text.strip() in ("", "central"):
        return DemandPlan()
    t = text.strip().lower()
    try:
        if t.startswith("p"):
            p = float(t[1:])
            if not 0 < p < 100:
                raise ValueError
            return DemandPlan("percentile", p)
        if t.startswith("x"):
            f = float(t[1:])
            if not 0 < f <= 100:
                raise ValueError
            return DemandPlan("factor", f)
        n = float(t)
        if not 0 < n <= 1e6:
            raise ValueError
        return DemandPlan("reports", n)
    except ValueError:
        raise SizingError(f"--demand {text!r}: expected acute reports a year (e.g. 250), a factor on the level "
                          "(e.g. x1.5, above 0) or a percentile of the input uncertainty (e.g. p80, 1-99)") from None
