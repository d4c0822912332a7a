"""Overload: a run whose queue outgrows its service, or whose norms are met in a small share.

Averages over replications of such a run are not a steady state: they grow with the horizon,
so the tables must not read as if all were well. Two signs, both from the region metrics:

- a backlog at the end: more than BACKLOG_SHARE of the period's reports still wait for their
  first contact or intake when the period ends (in a stable system the waiting reports are
  those of the last hours or days, a tiny share of the period's);
- norms met in a small share: fewer than NORM_SHARE of acute contacts within the norm,
  intakes within the norm or follow-up contacts on time.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from csgsim.config.schema import Region

#: Share of the period's reports still waiting at its end above which the queue is growing.
BACKLOG_SHARE = 0.10
#: Share of cases within a norm below which the norm is met only in a small share.
NORM_SHARE = 0.5

_BACKLOG = (
    ("acute_open_at_horizon", "acute_reports", "acute reports still wait for contact"),
    ("intake_open_at_horizon", "non_acute_reports", "non-acute reports still wait for intake"),
)
_NORMS = (
    ("acute_contact_within_norm", "acute contacts within the norm"),
    ("intake_within_norm", "intakes within the norm"),
    ("followup_on_time", "follow-up contacts on time"),
)


#: Reasons that concern the casework (office hours), not the on-call line.
CASEWORK_SIGNS = ("still wait for intake", "intakes within the norm", "follow-up contacts on time")


def contracted_hours(region: Region) -> float:
    """The casemanagers' contracted CSG hours a week: what the casework is done from."""
    return float(sum(p.hours_per_week for p in region.people[:region.casemanagers]))


def against(region: Region, reasons: list[str]) -> str:
    """What an overload was measured against and how to learn what is needed, e.g. 'against 40
    contracted CSG hours a week (5 casemanagers); csgsim size --region zeeland answers the hours
    a week the casework needs'. Empty when no reason concerns the casework."""
    if not any(sign in r for r in reasons for sign in CASEWORK_SIGNS):
        return ""
    return (f"against {contracted_hours(region):g} contracted CSG hours a week ({region.casemanagers} "
            f"casemanagers, as the scenario assumes); `csgsim size --region {region.id}` answers the "
            "hours a week the casework needs")


def overload(summary: pd.DataFrame, share: Callable[[float], str]) -> dict[str, list[str]]:
    """Region -> the reasons it is overloaded, in words (regions without any are left out).

    `summary` is a region summary (region, metric, mean, ...): the means over replications;
    `share` writes a share as the tables around the reasons do (csgsim.ui.formatting).
    """
    means = summary.pivot_table(index="region", columns="metric", values="mean", sort=False, dropna=False)
    found: dict[str, list[str]] = {}
    for region, row in means.iterrows():
        reasons = []
        for waiting, total, what in _BACKLOG:
            if row.get(total, 0) > 0 and row.get(waiting, 0) / row[total] > BACKLOG_SHARE:
                reasons.append(f"{share(row[waiting] / row[total])} of {what} at the end of the period "
                               "(the queue grows faster than it is served, so these figures grow with the "
                               "length of the period)")
        for metric, what in _NORMS:
            if row.get(metric, 1.0) < NORM_SHARE:  # nan (no cases) compares false
                reasons.append(f"only {share(row[metric])} of {what}")
        if reasons:
            found[str(region)] = reasons
    return found
