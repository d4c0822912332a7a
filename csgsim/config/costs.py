"""The cost model's parameters: the `[costs]` table of a scenario and its per-region overrides.

docs/evidence.md#7-money: the funding study (Gupta Strategists, 2020) budgets a CSG as fixed costs
(reachability and coordination) plus variable costs per victim. `[costs]` holds the rates with
their sources; `[costs.schemes.NAME]` the on-call schemes of the collective agreements (which one
applies differs per employer, so `scheme` is a choice); `[regions.ID.costs]` overrides any rate
for one region. The pricing itself is `csgsim.analysis.costs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from csgsim.core.errors import ScenarioError

#: Day types of an on-call hour, in order of precedence (a holiday on a Sunday is a holiday).
DAY_TYPES = ("weekday", "saturday", "sunday", "holiday")
#: Surcharge bands for work during on-call; where several apply, the highest counts.
SURCHARGE_BANDS = ("weekday_day", "night", "saturday", "sunday", "holiday")
MAX_SALARY = 1e6  # EUR a month: far above any salary scale, so a typo in the unit is caught
MAX_BUDGET = 1e10  # EUR a year for one region


@dataclass(frozen=True)
class Scheme:
    """An on-call scheme: allowance per on-call hour, surcharges on work, the minimum call-out."""

    name: str
    label: str
    allowance_per_hours: float  # the allowance is `allowance_hours[day]` hours of pay per this many on-call hours
    allowance_hours: tuple[float, ...]  # by DAY_TYPES
    surcharge: tuple[float, ...]  # by SURCHARGE_BANDS, as a fraction of the hourly wage
    day_start_hour: float  # weekday work from here to night_start_hour is 'weekday_day', else 'night'
    night_start_hour: float
    minimum_callout_hours: float

    def allowance_rate(self, day_type: int) -> float:
        """Hours of pay per on-call hour on a day of this type."""
        return self.allowance_hours[day_type] / self.allowance_per_hours


@dataclass(frozen=True)
class CostParams:
    """Every rate the pricing needs, for one region; money in EUR at `price_year` prices."""

    scheme: Scheme
    price_year: int
    wage_growth_per_year: float
    employer_costs: float
    hours_per_month: float
    casemanager_monthly_salary: float
    coordinator_monthly_salary: float
    backup_allowance: float
    external_callout_rate: float
    training_hours_per_year: float
    network_hours_per_year: float
    budget_year: int | None = None  # published budget band to check against (None: none given)
    standby_allowance: float = 1.0  # a scale-up standby's held hours earn this share of the allowance
    budget_low: float = 0.0
    budget_high: float = 0.0

    def hourly_wage_cost(self, role: str, year: int) -> float:
        """Salary per hour (monthly salary / hours_per_month) plus employer costs, in `year`."""
        salary = self.coordinator_monthly_salary if role == "coordinator" else self.casemanager_monthly_salary
        growth = (1.0 + self.wage_growth_per_year) ** (year - self.price_year)
        return salary / self.hours_per_month * (1.0 + self.employer_costs) * growth


def _scheme(name: str, r: Any) -> Scheme:
    hours = r.table("allowance_hours")
    allowance = tuple(hours.number(d, lo=0.0, hi=24.0) for d in DAY_TYPES)
    hours.done()
    sur = r.table("surcharge")
    surcharge = tuple(sur.number(b, lo=0.0, hi=10.0) for b in SURCHARGE_BANDS)
    sur.done()
    scheme = Scheme(
        name=name,
        label=r.name("label", default=name),
        allowance_per_hours=r.number("allowance_per_hours", lo=0.0, lo_open=True, hi=1000.0),
        allowance_hours=allowance,
        surcharge=surcharge,
        day_start_hour=r.number("day_start_hour", default=6, lo=0, hi=24),
        night_start_hour=r.number("night_start_hour", default=22, lo=0, hi=24),
        minimum_callout_hours=r.number("minimum_callout_hours", default=0.0, lo=0.0, hi=24.0),
    )
    if scheme.night_start_hour < scheme.day_start_hour:
        raise r.fail("night_start_hour", scheme.night_start_hour, "must not be before day_start_hour")
    r.done()
    return scheme


def read_schemes(r: Any) -> dict[str, Scheme]:
    """The `[costs.schemes.NAME]` tables; at least one is required."""
    if not r.data:
        raise ScenarioError(f"{r.source}: {r.path} is missing or empty; define at least one "
                            f"[{r.path}.NAME] on-call scheme")
    schemes = {name: _scheme(name, r.table(name)) for name in list(r.data)}
    r.done()
    return schemes


def read_params(r: Any, schemes: dict[str, Scheme]) -> CostParams:
    """One region's rates (the top-level [costs] merged with its overrides), every value checked."""
    name = r.choice("scheme", tuple(schemes))
    budget = r.table("budget_check", default={})
    year, low, high = None, 0.0, 0.0
    if budget.data:  # a published band of annual budgets, e.g. { year = 2019, low = 116000, high = 552000 }
        year = budget.number("year", integer=True, lo=1900, hi=2200)
        low = budget.number("low", lo=0.0, hi=MAX_BUDGET)
        high = budget.number("high", lo=low, hi=MAX_BUDGET)
    budget.done()
    params = CostParams(
        scheme=schemes[name],
        price_year=r.number("price_year", integer=True, lo=1900, hi=2200),
        wage_growth_per_year=r.number("wage_growth_per_year", default=0.0, lo=-0.5, hi=1.0),
        employer_costs=r.number("employer_costs", lo=0.0, hi=5.0),
        hours_per_month=r.number("hours_per_month", lo=0.0, lo_open=True, hi=744.0),
        casemanager_monthly_salary=r.number("casemanager_monthly_salary", lo=0.0, hi=MAX_SALARY),
        coordinator_monthly_salary=r.number("coordinator_monthly_salary", lo=0.0, hi=MAX_SALARY),
        backup_allowance=r.number("backup_allowance", default=1.0, lo=0.0, hi=10.0),
        external_callout_rate=r.number("external_callout_rate", default=1.0, lo=0.0, hi=10.0),
        standby_allowance=r.number("standby_allowance", default=1.0, lo=0.0, hi=10.0),
        training_hours_per_year=r.number("training_hours_per_year", default=0.0, lo=0.0, hi=2000.0),
        network_hours_per_year=r.number("network_hours_per_year", default=0.0, lo=0.0, hi=2000.0),
        budget_year=year,
        budget_low=low,
        budget_high=high,
    )
    r.done()
    return params
