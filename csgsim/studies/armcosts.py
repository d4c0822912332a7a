"""What each arm of an experiment costs, beside its delays and load (docs/model.md section 14).

Every replication is priced as `csgsim costs` prices it (`analysis.costs`); an experiment keeps
the allowance and the total of each region, summed over the calendar years of the reported
period, as per-replication rows beside the region metrics. They are summarised and compared with
the baseline on the same replications, but as a family of their own: adding them leaves the
significance marks of the other metrics (Holm over their family) as they were.
"""

from __future__ import annotations

import pandas as pd

from csgsim.analysis.summary import summarise
from csgsim.studies.differences import paired_differences

#: Cost figure of an arm -> (unit, description), and the `analysis.costs` metric it sums.
ARM_COSTS: dict[str, tuple[str, str]] = {
    "cost_allowance": ("EUR", "on-call allowance over the reported period (every line, backups, a standby at its rate)"),
    "cost_total": ("EUR", "total costs over the reported period (fixed + variable)"),
}
_FROM = {"allowance": "cost_allowance", "total": "cost_total"}
_COLUMNS = ["rep", "region", "metric", "value"]


def rows(cost_long: pd.DataFrame | None) -> pd.DataFrame:
    """rep, region, metric, value of ARM_COSTS from a run's cost table (`RunResult.cost_long`);
    none for a region without [costs]."""
    if cost_long is None:
        return pd.DataFrame(columns=_COLUMNS)
    picked = cost_long[cost_long["metric"].isin(list(_FROM))]
    out = picked.groupby(["rep", "region", "metric"], sort=False)["value"].sum(min_count=1).reset_index()
    out["metric"] = out["metric"].map(_FROM).astype("str")
    return out.dropna(subset=["value"])[_COLUMNS]


def split(regions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A stored arm's region rows as (region metrics, cost rows)."""
    cost = regions["metric"].isin(list(ARM_COSTS))
    return regions[~cost].reset_index(drop=True), regions[cost].reset_index(drop=True)


def compare(costs: pd.DataFrame, variants: list[str], seed: int) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(summary per variant and region, paired differences from the baseline) of the cost rows;
    None when no arm was priced."""
    if costs.empty:
        return None
    summary = pd.concat([summarise(costs[costs["variant"] == v], ["variant", "region"], ARM_COSTS)
                         for v in variants], ignore_index=True)
    return summary, paired_differences(costs, units=ARM_COSTS, seed=seed)
