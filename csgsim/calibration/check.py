"""Data versus model, in sample (``check``) and out of sample (``backtest``).

Why: a fit that only reproduces the data it was fitted on says little about its forecasts. The
backtest fits the data up to a year, writes the model as the shipped one is written, and sets
every later published figure on the same measure beside the model's 95% band for that year.
Bands include the model's input uncertainty (drawn per replication) and the Poisson and
week-factor chance; the band without input uncertainty and the share of the variance due to
the inputs are shown beside them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csgsim.core.errors import CalibrationError

from csgsim.demand.annual import calendar_year, simulate_year

from .data import COMPARED, LATER, LEVEL_MEASURE, NATIONAL, TYPES, data_points, load_counts, load_regions
from .pipeline import DEFAULT_GROWTH, Growth, calibrate
from .writer import write_model

CHECK_REPLICATIONS = 200
CHECK_SEED = 20190101


def _compare(points: pd.DataFrame, data: dict[str, Any], source: str, replications: int, seed: int,
             counts_name: str) -> pd.DataFrame:
    """Each data point beside the simulated counts of its calendar year."""
    from csgsim.config import scenario

    model = scenario.parse(data, source)
    model_regions = list(model.regions)
    sims = {int(year): simulate_year(calendar_year(model, int(year)), int(year), replications, seed)
            for year in sorted(points["year"].unique())}
    usable = points["status"].isin([COMPARED, LATER])
    missing = points[usable & (points["region"] != NATIONAL) & ~points["region"].isin(model_regions)]
    if not missing.empty:
        first = missing.iloc[0]
        raise CalibrationError(
            f"{source}: has no region '{first['region']}', needed for the data point {first['data_point']} "
            f"({counts_name} row {first['line']}); the model's regions: {', '.join(model_regions)}")
    rows = []
    for p in points.itertuples(index=False):
        if p.region != NATIONAL and p.region not in model_regions:  # an excluded point: nothing to simulate
            rows.append({**p._asdict(), "inside": False})
            continue
        kinds = TYPES if p.type == "total" else (p.type,)
        cells = [sims[p.year][(r, k)] for r in (model_regions if p.region == NATIONAL else [p.region]) for k in kinds]
        full = sum(c["full"] for c in cells)
        stochastic = sum(c["stochastic"] for c in cells)
        expected = sum(c["expected"] for c in cells)
        low, high = np.quantile(full, [0.025, 0.975])
        s_low, s_high = np.quantile(stochastic, [0.025, 0.975])
        var = float(np.var(full))
        rows.append({**p._asdict(), "expected": sum(c["central"] for c in cells), "sim_mean": float(np.mean(full)),
                     "sim_low": float(low), "sim_high": float(high), "stoch_low": float(s_low),
                     "stoch_high": float(s_high), "input_share": min(1.0, float(np.var(expected)) / var) if var else 0.0,
                     "inside": bool(low <= p.observed <= high),
                     "side": "inside" if low <= p.observed <= high else "below" if p.observed < low else "above"})
    columns = ["data_point", "year", "region", "measure", "type", "line", "observed", "expected", "sim_mean",
               "sim_low", "sim_high", "stoch_low", "stoch_high", "input_share", "inside", "side", "status"]
    table = pd.DataFrame.from_records(rows).reindex(columns=columns)
    table.attrs.update(replications=replications, seed=seed, model=source)
    return table


def _points(counts: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    fit_years = set(counts.loc[(counts["region"] == NATIONAL) & (counts["measure"] == LEVEL_MEASURE), "year"])
    points = data_points(counts, fit_years, dict(zip(regions["id"], regions["opened"])))
    if points.empty:
        raise CalibrationError(f"{counts.attrs.get('path', 'counts')}: no counts to compare")
    return points


def check(counts_csv: str | Path, model_path: str | Path, replications: int = CHECK_REPLICATIONS,
          seed: int = CHECK_SEED, regions_path: str | Path | None = None) -> pd.DataFrame:
    """Data versus model: each published count next to the model's simulated count for that calendar year.

    For every year with a data point the model file is rebuilt over that calendar year and each
    region's annual count of each type is drawn ``replications`` times with the model's own demand
    generator (``demand.intensity``, the input draws of ``demand.uncertainty`` and the week-factor
    Poisson sampling; see ``annual_counts``). National points sum the model's regions, totals sum
    the types. ``status``: ``compared`` (a fitted year), ``later`` (after the last national count)
    or ``excluded: <reason>``.
    """
    from csgsim.config import scenario

    if replications < 1:
        raise CalibrationError(f"replications must be at least 1, got {replications}")
    regions = load_regions(regions_path)
    counts = load_counts(counts_csv, regions)
    data, _ = scenario.read(model_path)
    table = _compare(_points(counts, regions), data, str(model_path), replications, seed, Path(counts_csv).name)
    table.attrs["counts"] = str(counts_csv)
    return table


def backtest(counts_csv: str | Path, until: int, replications: int = CHECK_REPLICATIONS, seed: int = CHECK_SEED,
             regions_path: str | Path | None = None, outlook: Growth = DEFAULT_GROWTH,
             template: str | Path | None = None) -> pd.DataFrame:
    """Fit the data up to ``until``, then set every later figure on the same measure beside the band.

    The model is calibrated with ``calibrate(..., until=until)`` and written exactly as the shipped
    model is (``write_model``), so the backtest tests the method that made the shipped model. Only
    ``reports`` rows after ``until`` are compared (other measures are never mixed in); rows left
    out for a listed reason stay out.
    """
    if replications < 1:
        raise CalibrationError(f"replications must be at least 1, got {replications}")
    regions = load_regions(regions_path)
    counts = load_counts(counts_csv, regions)
    later = _points(counts, regions)
    later = later[(later["year"] > until) & (later["measure"] == LEVEL_MEASURE)
                  & later["status"].isin([COMPARED, LATER])]
    if later.empty:
        raise CalibrationError(f"{counts_csv}: no '{LEVEL_MEASURE}' figure after {until} to check the forecast against")
    result = calibrate(counts_csv, regions_path, until=until, outlook=outlook)
    data = tomllib.loads(write_model(result, template=template))
    table = _compare(later.assign(status="later"), data, f"model fitted up to {until}", replications, seed,
                     Path(counts_csv).name)
    table.attrs.update(counts=str(counts_csv), until=until, last_year=result.last_year)
    return table


def coverage(table: pd.DataFrame) -> Mapping[str, Any]:
    """How many compared points lie inside their band, below and above."""
    usable = table[table["status"].isin([COMPARED, LATER])]
    sides = usable["side"].value_counts()
    return {"points": int(len(usable)), "inside": int(usable["inside"].sum()),
            "below": int(sides.get("below", 0)), "above": int(sides.get("above", 0))}
