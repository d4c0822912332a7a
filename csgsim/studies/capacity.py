"""The capacity case: the piket's cost against the published budgets, what one more casemanager
buys, and what one long absence does, per region (docs/evidence.md#7-money).

Comparisons run the same replication indices with the same seed (common random numbers), so
each difference is a paired difference with a t-interval, as in `csgsim.studies.experiments`.
Regions are simulated independently, so one run with a change in every region gives the effect
of that change in each region.
"""

from __future__ import annotations

import calendar as stdcal
import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pandas as pd

from csgsim.analysis.costs import COST_METRICS
from csgsim.analysis.delays import delay_norms
from csgsim.analysis.metrics import REGION_METRICS
from csgsim.config import scenario as scenario_mod
from csgsim.config.schema import Scenario
from csgsim.config.staffing import ScriptedAbsence
from csgsim.runtime.executors import Backend
from csgsim.runtime.replications import RunResult, run
from csgsim.studies.differences import BASELINE, paired_differences
from csgsim.studies.patches import apply

#: Cost metrics compared per year of the period (annualised).
ANNUAL = {m if m.startswith("cost_") else f"cost_{m}": (COST_METRICS[m][0], f"{COST_METRICS[m][1]}, per year")
          for m in ("allowance", "contracts", "callout_work", "fixed", "variable", "total", "cost_per_case")}
UNITS = {**REGION_METRICS, **ANNUAL}


def in_year(data: dict[str, Any], year: int) -> dict[str, Any]:
    """A copy of a scenario document that simulates calendar year `year` (levels of that year)."""
    out = copy.deepcopy(data)
    out["scenario"] = {**out["scenario"], "start": date(year, 1, 1), "days": 366 if stdcal.isleap(year) else 365}
    return out


def annual_costs(cost_long: pd.DataFrame) -> pd.DataFrame:
    """Per replication and region (and 'national', their sum, when there are several): the
    period's costs scaled to 365 days, in long form (rep, region, metric, value), ANNUAL names."""
    wide = cost_long.pivot_table(index=["rep", "region"], columns="metric", values="value", aggfunc="sum",
                                 sort=False)
    scale = 365.0 / wide["days"]
    out = pd.DataFrame({f"cost_{m}": wide[m] * scale for m in ("allowance", "contracts", "callout_work", "fixed",
                                                               "variable", "total")})
    out["cost_per_case"] = wide["total"] / wide["reports"].where(wide["reports"] > 0)
    if len(wide.index.unique("region")) > 1:  # the national figure: the sum of the regions
        nat = out.groupby(level="rep", sort=False).sum(min_count=1)
        sums = wide[["total", "reports"]].groupby(level="rep", sort=False).sum()
        nat["cost_per_case"] = sums["total"] / sums["reports"].where(sums["reports"] > 0)
        out = pd.concat([out, nat.assign(region="national").set_index("region", append=True)])
    return out.reset_index().melt(id_vars=["rep", "region"], var_name="metric")


def _long(result: RunResult, variant: str) -> pd.DataFrame:
    parts = [result.region_long]
    if result.cost_long is not None:
        parts.append(annual_costs(result.cost_long))
    return pd.concat(parts, ignore_index=True).assign(variant=variant)


@dataclass
class Comparison:
    """Two runs on the same seeds and their paired differences per region."""

    label: str
    base: RunResult
    changed: RunResult
    differences: pd.DataFrame  # variant, region, metric, unit, baseline_mean, variant_mean, diff_mean, ci, n


def compare(base: Scenario, changed: Scenario, label: str, replications: int, seed: int, backend: Backend,
            on_progress: Callable[[int], None] | None = None, base_result: RunResult | None = None) -> Comparison:
    """Run `changed` (and `base`, unless its result is given) on the same seeds; paired differences."""
    if base_result is None:
        base_result = run(base, replications, seed, backend=backend, on_progress=on_progress)
    elif (base_result.seed, base_result.replications) != (seed, replications):
        raise ValueError("the given baseline result must have the same seed and replications")
    result = run(changed, replications, seed, backend=backend, on_progress=on_progress)
    both = pd.concat([_long(base_result, BASELINE), _long(result, label)], ignore_index=True)
    delays = {(name, *key): arrays for name, res in ((BASELINE, base_result), (label, result))
              for key, arrays in (res.delays or {}).items()}
    norms = {BASELINE: delay_norms(base.norms), label: delay_norms(changed.norms)}
    return Comparison(label, base_result, result, paired_differences(both, units=UNITS, delays=delays, norms=norms,
                                                                     seed=seed))


def plus_one(data: dict[str, Any], source: str) -> Scenario:
    """The scenario with one more casemanager in every region (the hours of the last one listed)."""
    out = copy.deepcopy(data)
    apply(out, "team_delta", 1, source)
    return scenario_mod.parse(out, f"{source} (+1 casemanager per region)")


#: The extra line priced by `plus_line`: where the acute profile peaks (models/rotterdam-two-lines.toml).
EXTRA_LINE = {"id": "extra-weekend-nights", "days": ["friday", "saturday"], "start_hour": 18, "end_hour": 6}


def plus_line(data: dict[str, Any], source: str) -> Scenario:
    """The scenario with one more on-call line in every region: Friday and Saturday 18:00-06:00,
    held in turn by the casemanagers not on the first line's duty then."""
    out = copy.deepcopy(data)
    for body in out["regions"].values():
        body["lines"] = [*body.get("lines", []), dict(EXTRA_LINE)]
    return scenario_mod.parse(out, f"{source} (+1 line per region)")


def with_scheme(data: dict[str, Any], source: str, scheme: str) -> Scenario:
    """The scenario with every region on the on-call scheme `scheme` (region overrides of the
    scheme removed): what the piket would cost if that collective agreement applied."""
    out = copy.deepcopy(data)
    out["costs"]["scheme"] = scheme
    for body in out["regions"].values():
        if isinstance(body.get("costs"), dict):
            body["costs"].pop("scheme", None)
    return scenario_mod.parse(out, f"{source} (scheme {scheme})")


def total_with_employer_costs(result: RunResult, rate: float) -> float:
    """Mean annual total of all regions had employer costs been `rate` everywhere. Exact without
    a new run: every euro of the model is hours x hourly wage cost, linear in 1 + employer_costs."""
    annual = annual_costs(result.cost_long)
    total = annual[(annual["metric"] == "cost_total") & (annual["region"] != "national")]
    factor = {rid: (1 + rate) / (1 + reg.costs.employer_costs)
              for rid, reg in result.scenario.regions.items() if reg.costs is not None}
    return float((total["value"] * total["region"].map(factor)).groupby(total["rep"]).sum().mean())


def key_person_out(sc: Scenario, weeks: int, start: date | None = None) -> tuple[Scenario, date]:
    """Every region's first casemanager out for `weeks` weeks from `start` (default: eight weeks
    into the reported period), each region on its own."""
    start = start or sc.start + timedelta(weeks=8)
    regions = {}
    for rid, region in sc.regions.items():
        absence = ScriptedAbsence(region.people[0].id, start, 7 * weeks)
        staffing = replace(region.staffing, absences=region.staffing.absences + (absence,))
        regions[rid] = replace(region, staffing=staffing)
    return replace(sc, regions=regions), start


def band_status(value: float, low: float, high: float) -> str:
    return "below" if value < low else "above" if value > high else "inside"


def budget_check(result: RunResult) -> pd.DataFrame | None:
    """Per region: the simulated total of the budget year against the published band of annual
    budgets, like with like: the total prices the contracted CSG hours as salary, used or not
    (analysis/costs.py). With what drives it: the fixed and variable parts, the contracts, and the
    contracted hours casework left unused (already inside the total; `with_idle` equals the total
    and is kept for readers of the earlier table). None when no region has a band for a
    simulated year."""
    summary = result.cost_summary()
    if summary is None:
        return None
    cell = summary.set_index(["region", "year", "metric"])
    rows = []
    for rid, region in result.scenario.regions.items():
        c = region.costs
        if c is None or c.budget_year is None or (rid, c.budget_year, "total") not in cell.index:
            continue
        get = {m: float(cell.loc[(rid, c.budget_year, m), "mean"])
               for m in ("total", "fixed", "variable", "allowance", "coordination", "contracts", "contract_hours",
                         "reports", "days", "office_hours")}
        idle = max(get["contract_hours"] - get["office_hours"], 0.0)
        total = cell.loc[(rid, c.budget_year, "total")]
        status = band_status(get["total"], c.budget_low, c.budget_high)
        rows.append({"region": rid, "name": region.name, "year": c.budget_year, "low": c.budget_low,
                     "high": c.budget_high, "total": get["total"], "ci_low": float(total["ci_low"]),
                     "ci_high": float(total["ci_high"]), "status": status, "fixed": get["fixed"],
                     "variable": get["variable"], "allowance": get["allowance"],
                     "coordination": get["coordination"], "contracts": get["contracts"],
                     "contract_hours": get["contract_hours"], "reports": get["reports"], "days": get["days"],
                     "casemanagers": region.casemanagers, "coordinator_hours": region.people[-1].hours_per_week,
                     "idle_contract_hours": idle,
                     "idle_contract_cost": idle * c.hourly_wage_cost("casemanager", c.budget_year),
                     "with_idle": get["total"], "with_idle_status": status})
    return pd.DataFrame(rows) if rows else None
