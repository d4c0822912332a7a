"""The whole calibration: counts and regions in, levels with uncertainty and provenance out.

Why one entry point: the command line, the backtest and the model writer must use the same
rules. ``until`` fits only the data up to a year, so the same code makes a backtest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from csgsim.core.errors import CalibrationError

from .data import EXCLUDED_POINTS, LEVEL_MEASURE, NATIONAL, load_counts, load_regions, other_measures
from .fitting import GrowthFit, ShareFit, fit_acute_share, growth_fits, national_series
from .history import HistoryFit, fit_history
from .levels import Growth, forecast_levels, year_levels

DEFAULT_GROWTH = Growth(
    rate=0.05,
    national_sd=0.07,
    region_sd=0.07,
    reason=(
        "an assumption for the years after the last year with data: the 2016-2019 national rise (28%/yr) is the "
        "roll-out of the network and must not be extrapolated; 2019-2021 the regions with later counts grew 15-28% "
        "a year while the national 2020 total implied by '16,000 over 2016-2020' (about 4,000) was flat (COVID); the "
        "2021-2023 national headlines (+54%, -9%) are a broader measure; lasting jumps such as the Zedenwet (1 Jul "
        "2024: police reports +16-17%) belong in scenario events. Spread: a national and a regional part of 0.07 "
        "each in log(1 + growth), so a region's 95% range of growth is about -14% to +28% a year"),
)


@dataclass(frozen=True)
class CalibrationResult:
    """Everything calibration produced: levels with provenance and uncertainty, fits, and notes."""

    levels: pd.DataFrame  # per region and type: the forecast level (expected in level_year), sd_log, share beta
    year_levels: pd.DataFrame  # per region, type and fitted year: level, status, provenance
    history: HistoryFit
    national: pd.DataFrame
    acute_share: ShareFit
    growth: dict[str, GrowthFit]
    outlook: Growth
    pooling: dict[str, Any]
    other_measures: pd.DataFrame
    regions: pd.DataFrame
    counts: pd.DataFrame
    notes: tuple[str, ...]
    source_path: str
    until: int | None

    @property
    def reference_year(self) -> int:
        """The last year with a national count: the fitted year the levels are pooled in."""
        return max(self.history.years)

    @property
    def last_year(self) -> int:
        """The last year with any data used (a region's later counts move its level up to it)."""
        return int(self.levels["level_year"].max())


def _notes(counts: pd.DataFrame, national: pd.DataFrame, share: ShareFit, history: HistoryFit,
           growth: dict[str, GrowthFit], outlook: Growth, pooling: dict[str, Any], levels: pd.DataFrame,
           regions: pd.DataFrame, others: pd.DataFrame) -> list[str]:
    """Sentences for the reader: what was fitted, what was assumed, what was left out and why."""
    g = growth["total"]
    rates = history.year_rates.set_index(["year", "type"])["per_100k"]
    notes = [
        f"National {LEVEL_MEASURE} {min(g.years)}-{max(g.years)} grew {g.rate:.1%}/yr (95% CI {g.ci_low:.1%} to "
        f"{g.ci_high:.1%}; {g.method}). This reflects the roll-out of the network (national coverage from "
        "January 2018), not underlying demand growth.",
        f"Growth after the level year: {outlook.rate:.0%}/yr central, sd {outlook.national_sd:.2f} (national) and "
        f"{outlook.region_sd:.2f} (regional) in log(1 + growth), drawn once per replication - {outlook.reason}.",
        f"Acute share pooled over {', '.join(map(str, share.years))}: {share.share:.1%} "
        f"(95% CI {share.ci_low:.1%} to {share.ci_high:.1%}).",
        f"Levels {min(history.years)}-{max(history.years)}: {history.method}"
        + ("" if history.converged else " (WARNING: the optimiser did not report convergence)") + ".",
        "Population-share rate per 100,000 inhabitants a year (acute / non-acute): " + "; ".join(
            f"{y} {rates.at[(y, 'acute')]:.1f} / {rates.at[(y, 'non_acute')]:.1f}" for y in history.years) + ".",
        f"Partial pooling in {pooling['year']}: regions differ from the population share by sd tau = "
        f"{pooling['tau']:.2f} in log rate (posterior mean; "
        f"{'integrated over a grid given the regions with own counts' if pooling['tau_estimated'] else 'an assumption: too few regions with own counts'}); "
        f"acute shares shrunk toward the national {pooling['prior_share']:.1%} with a prior worth about "
        f"{pooling['kappa']:.0f} reports ({'integrated over a grid' if pooling['kappa_estimated'] else 'an assumption'}), "
        "then shifted together to add up to the national acute count.",
        *(f"{r.year} {r.measure} = {r.total:,.0f} is {r.ratio_to_reports:.2f} x the {r.reference_year} "
          f"{LEVEL_MEASURE}: a different measure, documented only, never used for levels or growth."
          for r in others.itertuples(index=False)),
    ]
    split_years = national.loc[national["split"], "year"].tolist()
    if split_years:
        notes.append(f"National totals-only years {', '.join(map(str, split_years))}: one rate per year, split by "
                     "the pooled acute share (not data).")
    if pooling["level_year"] > pooling["year"]:
        notes.append(
            f"Growth {pooling['year']}-{pooling['level_year']} from the later own counts of "
            f"{', '.join(pooling['growth_regions'])}: {pooling['growth']:.1%}/yr (sd {pooling['growth_sd']:.3f} in log; "
            f"prior: the stated growth). Every region's level is moved to {pooling['level_year']} with it (those "
            f"regions also by their own counts); after {pooling['level_year']} the stated growth applies.")
    estimated = sorted(set(levels.loc[levels["status"] == "estimate", "region"]))
    if estimated:
        notes.append(f"Estimated by population share (no own count): {', '.join(estimated)}.")
    excluded = [f"{y} {r} {m}: {why}" for (y, r, m), why in EXCLUDED_POINTS.items()
                if ((counts["year"] == y) & (counts["region"] == r) & (counts["measure"] == m)).any()]
    if excluded:
        notes.append("Excluded from the fit: " + "; ".join(excluded) + ".")
    uncertain = [f"{r.id} ({r.uncertain})" for r in regions.itertuples() if isinstance(r.uncertain, str) and r.uncertain]
    if uncertain:
        notes.append("Uncertain region list or area: " + "; ".join(uncertain))
    return notes


def calibrate(csv_path: str | Path, regions_path: str | Path | None = None, until: int | None = None,
              outlook: Growth = DEFAULT_GROWTH) -> CalibrationResult:
    """Run the whole calibration on a counts CSV and the regions table, using only rows up to ``until``."""
    regions = load_regions(regions_path)
    counts = load_counts(csv_path, regions)
    if until is not None:
        counts = counts[counts["year"] <= until]
    reports = counts[counts["measure"] == LEVEL_MEASURE]
    if not ((reports["region"] == NATIONAL)).any():
        raise CalibrationError(f"{csv_path}: no national '{LEVEL_MEASURE}' row"
                               + (f" up to {until}" if until is not None else "") + "; nothing to calibrate on")
    national = national_series(reports)
    share = fit_acute_share(national[~national["split"]])
    history = fit_history(reports, regions, national, share)
    levels, pooling = forecast_levels(history, reports, regions, national, share, outlook)
    growth = growth_fits(national, max(history.years))
    others = other_measures(counts, national, max(history.years))
    notes = _notes(counts, national, share, history, growth, outlook, pooling, levels, regions, others)
    return CalibrationResult(
        levels=levels, year_levels=year_levels(history, reports, regions, national, share), history=history,
        national=national, acute_share=share, growth=growth, outlook=outlook, pooling=pooling, other_measures=others,
        regions=regions, counts=counts, notes=tuple(notes), source_path=str(csv_path), until=until,
    )
