"""Demand outlook: expected reports per calendar year under named sets of events (e.g. the Zedenwet
at a low, central and high uplift), from the scenario's levels, trend and events.

The expected count is the integral of the intensity over the year (`csgsim.demand.intensity`), so
it follows the calibrated level, the growth per year and every dated event exactly. The band is
the 95% interval of a Poisson count with that mean: chance variation only. It leaves out the
uncertainty of the level and of the growth, and says so wherever it is shown.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from csgsim.config.schema import TYPES, Event, Scenario
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.demand.intensity import intensity


def expected_by_year(sc: Scenario, variants: dict[str, tuple[Event, ...]], first: int, last: int) -> pd.DataFrame:
    """Rows (variant, region, type, year, expected) for every region, report type and year."""
    cal = Calendar(date(first, 1, 1), (date(last + 1, 1, 1) - date(first, 1, 1)).days)
    year = np.array([d.year for d in cal.dates])
    rows = []
    for name, events in variants.items():
        keep = tuple(replace(e, regions=tuple(r for r in e.regions if r in sc.regions)) for e in events
                     if not e.regions or set(e.regions) & set(sc.regions))
        varied = replace(sc, events=keep)
        for rid in sc.regions:
            for kind in TYPES:
                per_day = intensity(varied, rid, kind, cal).reshape(-1, HOURS_PER_DAY).sum(axis=1)
                sums = np.bincount(year - first, weights=per_day)
                rows += [(name, rid, kind, first + k, float(v)) for k, v in enumerate(sums)]
    return pd.DataFrame(rows, columns=["variant", "region", "type", "year", "expected"])


def national(table: pd.DataFrame) -> pd.DataFrame:
    """Per variant and year: the expected national count (both types) and its Poisson 95% band."""
    from scipy import stats

    out = table.groupby(["variant", "year"], sort=False)["expected"].sum().reset_index()
    out["low"] = stats.poisson.ppf(0.025, out["expected"])
    out["high"] = stats.poisson.ppf(0.975, out["expected"])
    return out
