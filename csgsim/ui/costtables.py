"""Terminal tables of the cost model: costs per region and year, the budget check, and what one
more casemanager buys (the only printing of `csgsim.studies.capacity` results)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.table import Table

from csgsim.runtime.replications import RunResult
from csgsim.studies.capacity import Comparison
from csgsim.ui.formatting import PLAIN, label
from csgsim.ui.markup import escape

#: (metric, heading) of the cost table.
COST_COLUMNS = [("allowance", "on-call allowance"), ("coordination", "coordination"), ("contracts", "contracts"),
                ("training_network", "training+network"), ("fixed", "fixed"), ("variable", "variable"),
                ("total", "total"), ("cost_per_case", "per case")]
#: Headings of the annual costs (`studies.capacity.ANNUAL`: per year, where an experiment's
#: costs are over its period); a region metric is headed by its label, as in every table.
ANNUAL_HEADINGS = {"cost_total": "total EUR/yr", "cost_contracts": "contract EUR/yr",
                   "cost_allowance": "allowance EUR/yr", "cost_callout_work": "call-outs EUR/yr"}


def _cell(row: pd.Series) -> str:
    return PLAIN.interval(row["mean"], row["ci_low"], row["ci_high"], row["unit"])


def print_costs(result: RunResult, console: Any) -> None:
    """One table per year: each region and the national sum, EUR mean \u00b1 95% CI half-width (the
    command refuses a scenario without a [costs] table before it runs)."""
    summary = result.cost_summary()
    cell = summary.set_index(["region", "year", "metric"])
    sc = result.scenario
    names = {rid: escape(r.name) for rid, r in sc.regions.items()} | {"national": "national (sum)"}
    for year in sorted(summary["year"].unique()):
        days = cell.loc[("national", year, "days"), "mean"]
        table = Table(title=f"Costs {year} (EUR of {year}; {PLAIN.number(days)} days of the year simulated)",
                      caption=f"{result.replications} replications, seed {result.seed}; mean \u00b1 95% CI "
                              "half-width (low to high where cut at 0). Contracts: the casemanagers' contracted CSG hours, paid used or "
                              "not. Not priced: exams, PR, housing, overhead, mileage.")
        table.add_column("region")
        for _, heading in COST_COLUMNS:
            table.add_column(heading, justify="right")
        for rid in [*sc.regions, "national"] if len(sc.regions) > 1 else list(sc.regions):
            table.add_row(names[rid], *[_cell(cell.loc[(rid, year, m)]) for m, _ in COST_COLUMNS])
        console.print(table)


def print_budget_check(check: pd.DataFrame | None, console: Any) -> None:
    """Model totals of the budget year against the published band, and what the model leaves out."""
    if check is None:
        console.print(escape("no budget check: no region has a [costs] budget_check band for a simulated year"))
        return
    first = check.iloc[0]
    table = Table(title=f"{first['year']}: model total against the published regional budgets "
                        f"(EUR {PLAIN.money(first['low'])} to {PLAIN.money(first['high'])})")
    for col in ("region", "model total", "95% CI", "band", "fixed", "contracts", "variable", "reports",
                "contract h unused (EUR, in the total)"):
        table.add_column(col, justify="left" if col in ("region", "band") else "right")
    for row in check.itertuples():
        table.add_row(escape(row.name), PLAIN.money(row.total), PLAIN.band(row.total, row.ci_low, row.ci_high, "EUR"),
                      row.status,
                      PLAIN.money(row.fixed), PLAIN.money(row.contracts), PLAIN.money(row.variable),
                      PLAIN.number(row.reports), f"{PLAIN.number(row.idle_contract_hours)} ({PLAIN.money(row.idle_contract_cost)})")
    console.print(table)
    counts = check["status"].value_counts()
    inside = counts.get("inside", 0)
    console.print(f"{inside} region{'' if inside == 1 else 's'} inside the band, {counts.get('below', 0)} below, "
                  f"{counts.get('above', 0)} above. The total prices the piket, coordination and the casemanagers' "
                  "contracted CSG hours, used or not (the unused part in the last column); a budget also pays "
                  "PR, housing and overhead, which the model does not price.")


def heading(metric: str) -> str:
    """A column of `costs --marginal`: an annual cost's heading, else the metric's label."""
    return ANNUAL_HEADINGS.get(metric) or label(metric)


def print_marginal(comparison: Comparison, console: Any, metrics: list[str]) -> None:
    """Paired differences (with minus without one more casemanager) per region."""
    diff = comparison.differences.set_index(["region", "metric"])
    table = Table(title=f"What {escape(comparison.label)} buys: paired difference, mean \u00b1 95% CI half-width")
    table.add_column("region")
    for m in metrics:
        table.add_column(heading(m), justify="right")
    for rid, region in comparison.base.scenario.regions.items():
        cells = [PLAIN.interval(row["diff_mean"], row["ci_low"], row["ci_high"], row["unit"], difference=True)
                 for row in (diff.loc[(rid, m)] for m in metrics)]
        table.add_row(escape(region.name), *cells)
    console.print(table)
