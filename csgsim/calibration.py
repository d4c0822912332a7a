"""Calibrate annual demand levels per CSG region from the public report counts.

Why this module exists: the scenario needs an annual level per region and type (acute,
non-acute) for a reference year, but the public record is patchy - national counts for
2016-2019, a handful of regional counts, partial first years, and from 2022 on a broader
"helped by any channel" headline that is a different measure. The rules here turn that record
into levels with stated provenance, so every number in the generated scenario says whether it
was published, derived or estimated. Everything is a pure function of its inputs.

Run ``python -m csgsim.calibration COUNTS.csv OUT.toml [--levels LEVELS.csv]`` to regenerate
``models/netherlands.toml``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from csgsim.errors import CalibrationError

REFERENCE_YEAR = 2019
LEVEL_MEASURE = "reports"
NATIONAL = "national"
TYPES = ("acute", "non_acute")
COUNT_COLUMNS = ("acute", "non_acute", "total")
REQUIRED_COLUMNS = ("year", "region", "measure", "acute", "non_acute", "total", "source")
REGION_COLUMNS = ("id", "name", "staff_prefix", "population", "opened", "uncertain")
DEFAULT_REGIONS_PATH = Path(__file__).resolve().parent.parent / "calibration" / "regions.csv"

DEFAULT_GROWTH = 0.05
DEFAULT_GROWTH_REASON = (
    "moderate growth after 2019: the 2016-2019 national rise reflects the roll-out of the network "
    "(national coverage only from January 2018) and must not be extrapolated; 2020 was about flat "
    "(about 4,000 implied by 16,000 over 2016-2020, COVID); the "
    "2022-2023 headline is a broader measure; event-driven jumps (campaigns, Zedenwet 1 Jul 2024: "
    "police reports +16-17%) belong in scenario events, not in the trend"
)

# Staffing rules for the generated scenario (assumptions, see write_model).
SMALL_ACUTE = 80
LARGE_ACUTE = 180
N_OFFICE_PLUS_ONCALL = 3

_WHOLE = re.compile(r"\d+")
_YEAR = re.compile(r"\d{4}")
_MEASURE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class ShareFit:
    """Pooled acute share of the national reports, with a quasi-binomial 95% CI."""

    share: float
    ci_low: float
    ci_high: float
    dispersion: float
    years: tuple[int, ...]


@dataclass(frozen=True)
class GrowthFit:
    """Log-linear trend of an annual series: rate = exp(slope) - 1 per year, with a 95% CI."""

    series: str
    rate: float
    ci_low: float
    ci_high: float
    p_value: float
    dispersion: float
    years: tuple[int, ...]
    counts: tuple[int, ...]
    method: str


@dataclass(frozen=True)
class CalibrationResult:
    """Everything calibration produced: levels with provenance, fits, and notes for the reader."""

    levels: pd.DataFrame
    national: pd.DataFrame
    acute_share: ShareFit
    growth: dict[str, GrowthFit]
    default_growth: float
    default_growth_reason: str
    other_measures: pd.DataFrame
    regions: pd.DataFrame
    counts: pd.DataFrame
    notes: tuple[str, ...]
    source_path: str
    reference_year: int = REFERENCE_YEAR


# --------------------------------------------------------------------------------------------
# Reading and validating
# --------------------------------------------------------------------------------------------


def _error(path: Path, line: int, column: str, value: object, allowed: str) -> CalibrationError:
    """One message format for every bad cell, so a user can find and fix it in the file."""
    return CalibrationError(f"{path}: row {line}, column '{column}': {value!r} is not allowed; {allowed}")


def _read_rows(path: Path, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV as (file line number, row dict) pairs; the line numbers count the header as 1."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise CalibrationError(f"{path}: cannot be read ({exc.strerror})") from exc
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise CalibrationError(f"{path}: row 1: the file is empty; expected a header {','.join(required)}")
        header = [h.strip() for h in header]
        for column in required:
            if column not in header:
                raise _error(path, 1, column, ",".join(header),
                             f"the header must name the columns {', '.join(required)}")
        rows: list[tuple[int, dict[str, str]]] = []
        previous = reader.line_num
        for record in reader:
            line, previous = previous + 1, reader.line_num
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise _error(path, line, "*", ",".join(record),
                             f"expected {len(header)} fields as in the header, got {len(record)}")
            rows.append((line, {k: v.strip() for k, v in zip(header, record)}))
    return rows


def _whole(path: Path, line: int, column: str, text: str, allowed: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise _error(path, line, column, text, allowed)
    return int(text)


def load_regions(path: str | Path | None = None) -> pd.DataFrame:
    """Read the 16-region table (id, name, staff prefix, population, opening date).

    Why: the region ids are the vocabulary every other file is checked against, and the
    populations are the weights for regions without a published count.
    """
    path = Path(path) if path is not None else DEFAULT_REGIONS_PATH
    records = []
    seen: dict[str, int] = {}
    for line, row in _read_rows(path, REGION_COLUMNS):
        rid = row["id"]
        if not re.fullmatch(r"[a-z][a-z0-9-]*", rid) or rid == NATIONAL:
            raise _error(path, line, "id", rid, "expected a lower-case slug such as 'zeeland', other than 'national'")
        if rid in seen:
            raise _error(path, line, "id", rid, f"each id may appear once (also on row {seen[rid]})")
        seen[rid] = line
        population = _whole(path, line, "population", row["population"], "expected a whole number > 0")
        if population == 0:
            raise _error(path, line, "population", row["population"], "expected a whole number > 0")
        opened = pd.NaT
        if row["opened"]:
            try:
                opened = pd.Timestamp(dt.date.fromisoformat(row["opened"]))
            except ValueError:
                raise _error(path, line, "opened", row["opened"],
                             "expected an ISO date YYYY-MM-DD or an empty cell") from None
        records.append({**row, "population": population, "opened": opened, "line": line})
    if not records:
        raise CalibrationError(f"{path}: row 2: no regions; expected one row per CSG region")
    return pd.DataFrame.from_records(records)


def load_counts(path: str | Path, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate a counts CSV (year, region, measure, acute, non_acute, total, source).

    Why: a wrong cell in this file silently shifts every region's level, so every problem is
    reported with the file, row (header = row 1), column, bad value and what is allowed.
    Region names are normalised to the region ids of ``regions`` (matched on id or name,
    case-insensitively); ``national`` stands for the whole country.
    """
    path = Path(path)
    regions = load_regions() if regions is None else regions
    lookup = {str(v).casefold(): rid for rid, name in zip(regions["id"], regions["name"]) for v in (rid, name)}
    lookup[NATIONAL] = NATIONAL
    allowed_regions = f"expected '{NATIONAL}' or a region id or name from the regions table: {', '.join(regions['id'])}"
    count_rule = "expected a whole number >= 0 or an empty cell"
    records = []
    first_line: dict[tuple[int, str, str], int] = {}
    for line, row in _read_rows(path, REQUIRED_COLUMNS):
        if not _YEAR.fullmatch(row["year"]):
            raise _error(path, line, "year", row["year"], "expected a whole four-digit year such as 2019")
        year = int(row["year"])
        region = lookup.get(row["region"].casefold())
        if region is None:
            raise _error(path, line, "region", row["region"], allowed_regions)
        measure = row["measure"]
        if not _MEASURE.fullmatch(measure):
            raise _error(path, line, "measure", measure, f"expected a lower-case name such as '{LEVEL_MEASURE}'")
        counts = {c: (_whole(path, line, c, row[c], count_rule) if row[c] else None) for c in COUNT_COLUMNS}
        if all(v is None for v in counts.values()):
            raise _error(path, line, "acute,non_acute,total", "", "at least one of the three counts must be given")
        acute, non_acute, total = (counts[c] for c in COUNT_COLUMNS)
        if total is not None and acute is not None and non_acute is not None and acute + non_acute != total:
            raise _error(path, line, "total", total, f"must equal acute + non_acute = {acute + non_acute}")
        for part in ("acute", "non_acute"):
            if total is not None and counts[part] is not None and counts[part] > total:
                raise _error(path, line, part, counts[part], f"must not exceed total = {total}")
        key = (year, region, measure)
        if key in first_line:
            raise _error(path, line, "year,region,measure", f"{year},{row['region']},{measure}",
                         f"each (year, region, measure) may appear once; row {first_line[key]} has the same key")
        first_line[key] = line
        records.append({"year": year, "region": region, "measure": measure, **counts,
                        "source": row["source"], "line": line})
    frame = pd.DataFrame.from_records(records, columns=[*REQUIRED_COLUMNS, "line"])
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    frame.attrs["path"] = str(path)
    return frame


# --------------------------------------------------------------------------------------------
# Small pure helpers
# --------------------------------------------------------------------------------------------


def fraction_open(opened: pd.Timestamp | dt.date | None, year: int) -> float:
    """Share of calendar ``year`` a centre was open, counting its opening day (0 before, 1 after).

    Why: a first-year count covers only the months since opening; comparing it with a full-year
    level without this factor would read a partial year as low demand.
    """
    if opened is None or pd.isna(opened):
        return 1.0
    opened = pd.Timestamp(opened)
    start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year + 1, 1, 1)
    if opened <= start:
        return 1.0
    if opened >= end:
        return 0.0
    return (end - opened).days / (end - start).days


def allocate_by_population(residual: int, population: Sequence[float] | np.ndarray) -> np.ndarray:
    """Split a whole count over regions in proportion to population (largest remainder).

    Why integers: scenario levels are written as whole reports per year, and the largest
    remainder method keeps their sum exactly equal to the residual being split.
    """
    weights = np.asarray(population, dtype=float)
    if residual < 0 or weights.size == 0 or np.any(weights <= 0):
        raise ValueError("residual must be >= 0 and populations > 0")
    exact = residual * weights / weights.sum()
    out = np.floor(exact).astype(np.int64)
    short = int(residual - out.sum())
    out[np.argsort(-(exact - out), kind="stable")[:short]] += 1
    return out


# --------------------------------------------------------------------------------------------
# Log-linear GLM (Poisson / NB2) by IRLS
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Glm:
    beta: np.ndarray
    cov: np.ndarray
    mu: np.ndarray
    converged: bool
    iterations: int


def _irls(X: np.ndarray, y: np.ndarray, offset: np.ndarray, alpha: float = 0.0,
          max_iter: int = 100, tol: float = 1e-10) -> _Glm:
    """Fit log E[y] = X beta + offset with variance mu + alpha mu^2 (alpha 0: Poisson)."""
    beta = np.linalg.lstsq(X, np.log(y + 0.5) - offset, rcond=None)[0]
    converged, iteration = False, 0
    for iteration in range(1, max_iter + 1):
        eta = np.clip(X @ beta + offset, -700.0, 700.0)
        mu = np.exp(eta)
        w = mu / (1.0 + alpha * mu)
        z = eta - offset + (y - mu) / mu
        xtw = X.T * w
        new = np.linalg.solve(xtw @ X, xtw @ z)
        step = np.max(np.abs(new - beta))
        beta = new
        if step < tol * (1.0 + np.max(np.abs(beta))):
            converged = True
            break
    mu = np.exp(np.clip(X @ beta + offset, -700.0, 700.0))
    w = mu / (1.0 + alpha * mu)
    cov = np.linalg.inv((X.T * w) @ X)
    return _Glm(beta, cov, mu, converged, iteration)


def _nb_loglik(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    r = 1.0 / alpha
    return float(np.sum(special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1.0)
                        + r * np.log(r / (r + mu)) + special.xlogy(y, mu / (r + mu))))


def _fit_negbin(X: np.ndarray, y: np.ndarray, offset: np.ndarray) -> tuple[_Glm, float]:
    """NB2 by maximum likelihood: profile the dispersion alpha, IRLS for beta at each alpha."""
    def nll(log_alpha: float) -> float:
        alpha = float(np.exp(log_alpha))
        return -_nb_loglik(y, _irls(X, y, offset, alpha).mu, alpha)

    best = optimize.minimize_scalar(nll, bounds=(np.log(1e-8), np.log(1e2)), method="bounded",
                                    options={"xatol": 1e-6})
    alpha = float(np.exp(best.x))
    return _irls(X, y, offset, alpha), alpha


def _pearson_dispersion(y: np.ndarray, mu: np.ndarray, alpha: float, n_params: int) -> float:
    df = y.size - n_params
    return float(np.sum((y - mu) ** 2 / (mu + alpha * mu**2)) / df) if df > 0 else float("nan")


def _as_time(values: Any) -> tuple[np.ndarray, str]:
    """Numbers stay as they are (periods); dates become years since 1970 so the trend is per year."""
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.number):
        return array.astype(float), "period"
    stamps = pd.to_datetime(pd.Series(np.atleast_1d(array)))
    return (stamps - pd.Timestamp(1970, 1, 1)).dt.days.to_numpy(dtype=float) / 365.25, "year"


def fit_event_effect(
    counts: Sequence[float] | np.ndarray,
    dates_or_periods: Sequence[Any] | np.ndarray,
    event_start: Any,
    kind: Literal["step", "pulse"] = "step",
    family: Literal["poisson", "negbin"] = "poisson",
    exposure: Sequence[float] | np.ndarray | None = None,
) -> dict[str, Any]:
    """Interrupted time series: log E[count] = a + b t + c I(event) (+ log exposure).

    Why: to read an event's size (a campaign, the Zedenwet, a media shock) off a count series
    without mistaking the underlying trend for the event. ``kind="step"`` puts I = 1 from the
    event on (a lasting change), ``"pulse"`` only on the first observation at or after it (a
    one-period spike). ``family="negbin"`` (NB2, variance mu + alpha mu^2, alpha by maximum
    likelihood) widens the interval for over-dispersed counts. Returns the relative effect
    exp(c) - 1 with a Wald 95% CI, its p-value, the trend per time unit (per year for dates),
    and the dispersion (alpha for negbin, the Pearson ratio for poisson).
    """
    y = np.asarray(counts, dtype=float)
    t, unit = _as_time(dates_or_periods)
    event = _as_time([event_start])[0][0]
    if y.ndim != 1 or y.size != t.size:
        raise CalibrationError(f"counts ({y.size}) and dates_or_periods ({t.size}) must have the same length")
    if y.size < 4 or not np.all(np.isfinite(y)) or np.any(y < 0):
        raise CalibrationError("counts must be at least 4 finite numbers >= 0")
    if kind not in ("step", "pulse") or family not in ("poisson", "negbin"):
        raise CalibrationError(f"kind {kind!r} / family {family!r} not allowed; expected step|pulse and poisson|negbin")
    after = t >= event
    if after.all() or not after.any():
        raise CalibrationError("event_start must fall after the first and at or before the last observation")
    indicator = after if kind == "step" else (t == t[after].min())
    offset = np.zeros_like(y)
    if exposure is not None:
        exposure = np.asarray(exposure, dtype=float)
        if exposure.shape != y.shape or np.any(exposure <= 0):
            raise CalibrationError("exposure must be positive and as long as counts")
        offset = np.log(exposure)
    X = np.column_stack([np.ones_like(y), t - t.mean(), indicator.astype(float)])
    if family == "negbin":
        fit, alpha = _fit_negbin(X, y, offset)
    else:
        fit, alpha = _irls(X, y, offset), 0.0
    se = np.sqrt(np.diag(fit.cov))
    beta, se_c = fit.beta[2], se[2]
    z = stats.norm.ppf(0.975)
    pearson = _pearson_dispersion(y, fit.mu, alpha, X.shape[1])
    return {
        "kind": kind,
        "family": family,
        "effect": float(np.expm1(beta)),
        "ci_low": float(np.expm1(beta - z * se_c)),
        "ci_high": float(np.expm1(beta + z * se_c)),
        "p_value": float(2.0 * stats.norm.sf(abs(beta / se_c))),
        "beta": float(beta),
        "se": float(se_c),
        "trend": float(np.expm1(fit.beta[1])),
        "time_unit": unit,
        "dispersion": alpha if family == "negbin" else pearson,
        "pearson_dispersion": pearson,
        "n": int(y.size),
        "converged": fit.converged,
    }


def fit_growth(years: Sequence[int], counts: Sequence[int], series: str = "total",
               reference_year: int = REFERENCE_YEAR) -> GrowthFit:
    """Log-linear quasi-Poisson trend of an annual series, with a t-based 95% CI.

    Why quasi-Poisson: with a handful of large annual counts a plain Poisson CI is far too
    narrow (year-to-year variation is much larger than Poisson noise); scaling the standard
    error by the Pearson dispersion (at least 1) and using t with n - 2 df keeps it honest.
    """
    x = np.asarray(years, dtype=float)
    y = np.asarray(counts, dtype=float)
    if x.size < 2:
        raise CalibrationError(f"growth of '{series}' needs at least 2 years, got {x.size}")
    X = np.column_stack([np.ones_like(x), x - reference_year])
    fit = _irls(X, y, np.zeros_like(y))
    df = x.size - 2
    dispersion = max(1.0, _pearson_dispersion(y, fit.mu, 0.0, 2)) if df > 0 else 1.0
    se = float(np.sqrt(dispersion * fit.cov[1, 1]))
    q = stats.t.ppf(0.975, df) if df > 0 else stats.norm.ppf(0.975)
    p = 2.0 * (stats.t.sf(abs(fit.beta[1] / se), df) if df > 0 else stats.norm.sf(abs(fit.beta[1] / se)))
    slope = fit.beta[1]
    return GrowthFit(
        series=series, rate=float(np.expm1(slope)), ci_low=float(np.expm1(slope - q * se)),
        ci_high=float(np.expm1(slope + q * se)), p_value=float(p), dispersion=dispersion,
        years=tuple(int(v) for v in x), counts=tuple(int(v) for v in y),
        method=f"log-linear quasi-Poisson GLM (IRLS), SE scaled by Pearson dispersion, t with {df} df",
    )


# --------------------------------------------------------------------------------------------
# Calibration steps
# --------------------------------------------------------------------------------------------


def fit_acute_share(national: pd.DataFrame) -> ShareFit:
    """Pooled acute share over the years with both acute and non-acute national counts.

    Why pooled with a quasi-binomial CI: the yearly shares (42-46%) differ by more than binomial
    noise, so the spread between years, not the huge counts, sets the uncertainty.
    """
    both = national.dropna(subset=["acute", "non_acute"])
    if both.empty:
        raise CalibrationError(
            "no year has both acute and non-acute national report counts; the acute share cannot be fitted")
    a = both["acute"].to_numpy(dtype=float)
    n = a + both["non_acute"].to_numpy(dtype=float)
    share = a.sum() / n.sum()
    k = a.size
    dispersion = max(1.0, float(np.sum((a - share * n) ** 2 / (n * share * (1 - share))) / (k - 1))) if k > 1 else 1.0
    se = np.sqrt(dispersion * share * (1 - share) / n.sum())
    q = stats.t.ppf(0.975, k - 1) if k > 1 else stats.norm.ppf(0.975)
    return ShareFit(float(share), float(share - q * se), float(share + q * se), dispersion,
                    tuple(int(v) for v in both["year"]))


def national_series(reports: pd.DataFrame, share: ShareFit | None = None) -> pd.DataFrame:
    """National acute / non-acute / total per year; totals-only years split by the fitted share.

    Why: the growth fit and the data-versus-model table need both types every year, but a
    split value is not data, so the ``split`` column marks it.
    """
    nat = reports[reports["region"] == NATIONAL].sort_values("year")
    frame = pd.DataFrame({
        "year": nat["year"].to_numpy(),
        "acute": nat["acute"].to_numpy(dtype=float, na_value=np.nan),
        "non_acute": nat["non_acute"].to_numpy(dtype=float, na_value=np.nan),
        "total": nat["total"].to_numpy(dtype=float, na_value=np.nan),
    })
    frame["acute"] = frame["acute"].fillna(frame["total"] - frame["non_acute"])
    frame["non_acute"] = frame["non_acute"].fillna(frame["total"] - frame["acute"])
    frame["total"] = frame["total"].fillna(frame["acute"] + frame["non_acute"])
    share = fit_acute_share(frame) if share is None else share
    split = frame["acute"].isna() & frame["total"].notna()
    frame.loc[split, "acute"] = np.rint(frame.loc[split, "total"] * share.share)
    frame.loc[split, "non_acute"] = frame.loc[split, "total"] - frame.loc[split, "acute"]
    frame["split"] = split
    frame["acute_share"] = frame["acute"] / frame["total"]
    return frame


def _provenance_ref(counts: pd.DataFrame, line: int) -> str:
    return f"{Path(counts.attrs.get('path', 'counts.csv')).name} row {line}"


def _label(kind: str) -> str:
    return kind.replace("_", "-")


def _region_figure(row: pd.Series, share: float, ref: str, share_text: str) -> dict[str, tuple[int, str, str]]:
    """(level, status, provenance) per type for a region with a reference-year figure."""
    given = {t: None if pd.isna(row[t]) else int(row[t]) for t in TYPES}
    total = None if pd.isna(row["total"]) else int(row["total"])
    if given["acute"] is None and given["non_acute"] is None:
        acute = int(np.rint(total * share))
        text = f"derived: published total {total} ({ref}) split by {share_text}"
        return {"acute": (acute, "derived", text), "non_acute": (total - acute, "derived", text)}
    ratio = {"non_acute": (1 - share) / share, "acute": share / (1 - share)}
    out = {}
    for t, other in (("acute", "non_acute"), ("non_acute", "acute")):
        if given[t] is not None:
            out[t] = (given[t], "published", f"{row['source']} [{ref}]")
        elif total is not None:
            out[t] = (total - given[other], "derived",
                      f"derived: published total {total} minus {_label(other)} {given[other]} ({ref})")
        else:
            out[t] = (int(np.rint(given[other] * ratio[t])), "derived",
                      f"derived: published {_label(other)} count {given[other]} ({ref}) "
                      f"x {ratio[t]:.3f} from {share_text}")
    return out


def regional_levels(reports: pd.DataFrame, regions: pd.DataFrame, national: pd.DataFrame,
                    reference_year: int = REFERENCE_YEAR) -> pd.DataFrame:
    """Per-region, per-type levels for the reference year, each with status and provenance.

    Rules, in order:
    1. a published regional count for the type is used as is (``published``);
    2. a missing type of a region with a figure is the total minus the other type, or else is
       derived from the other type by the national acute share of the reference year
       (``derived``);
    3. regions with no figure share the national residual (national minus all regions above)
       by population, whole numbers by largest remainder (``estimate``).
    The levels of each type therefore sum exactly to the national reference-year count.
    """
    ref = national[national["year"] == reference_year]
    if ref.empty or ref["split"].iloc[0]:
        raise CalibrationError(
            f"the national '{LEVEL_MEASURE}' row for {reference_year} with acute and non-acute counts is missing")
    nat = {t: int(ref[t].iloc[0]) for t in TYPES}
    share = nat["acute"] / (nat["acute"] + nat["non_acute"])
    share_text = (f"the national {reference_year} acute share {share:.1%} "
                  f"({nat['acute']:,} of {nat['acute'] + nat['non_acute']:,})")
    rows = reports[(reports["year"] == reference_year) & (reports["region"] != NATIONAL)].set_index("region")
    records = [
        {"region": rid, "type": t, "level_2019": value, "status": status, "provenance": text}
        for rid, row in rows.iterrows()
        for t, (value, status, text) in _region_figure(row, share, _provenance_ref(reports, int(row["line"])),
                                                       share_text).items()
    ]
    missing = [rid for rid in regions["id"] if rid not in rows.index]
    population = regions.set_index("id").loc[missing, "population"].to_numpy(dtype=float)
    for t in TYPES if missing else ():
        known_sum = sum(r["level_2019"] for r in records if r["type"] == t and r["status"] != "estimate")
        residual = nat[t] - known_sum
        if residual < 0:
            raise CalibrationError(
                f"regional {t} counts for {reference_year} sum to {known_sum}, more than the national {nat[t]}")
        method = (f"of the national {reference_year} {_label(t)} residual ({nat[t]:,} national minus {known_sum:,} "
                  f"in the {len(rows)} regions with a figure = {residual:,}), split over the {len(missing)} regions "
                  "without a figure by population (CBS; calibration/regions.csv)")
        records += [
            {"region": rid, "type": t, "level_2019": int(value), "status": "estimate",
             "provenance": f"estimate: population share {weight:.1%} {method}"}
            for rid, value, weight in zip(missing, allocate_by_population(residual, population),
                                          population / population.sum())
        ]
    order = {rid: i for i, rid in enumerate(regions["id"])}
    levels = pd.DataFrame.from_records(records)
    levels = levels.assign(_r=levels["region"].map(order), _t=levels["type"].map(TYPES.index))
    levels = levels.sort_values(["_r", "_t"]).drop(columns=["_r", "_t"])
    levels = levels.merge(regions[["id", "name", "population", "opened"]].rename(columns={"id": "region"}),
                          on="region")
    columns = ["region", "name", "type", "level_2019", "status", "provenance", "population", "opened"]
    return levels[columns].reset_index(drop=True)


def other_measures(counts: pd.DataFrame, national: pd.DataFrame, reference_year: int = REFERENCE_YEAR) -> pd.DataFrame:
    """National figures of other measures, as a ratio to the reference-year reports - never as levels.

    Why: the 2022/2023 headline counts everyone helped by phone, chat or in person; reading it
    as growth of the 2016-2019 'reports' series would inflate demand about threefold.
    """
    other = counts[(counts["measure"] != LEVEL_MEASURE) & (counts["region"] == NATIONAL)]
    ref_total = float(national.loc[national["year"] == reference_year, "total"].iloc[0])
    return pd.DataFrame({
        "year": other["year"].to_numpy(),
        "measure": other["measure"].to_numpy(),
        "total": other["total"].to_numpy(dtype=float, na_value=np.nan),
        "reference_year": reference_year,
        "ratio_to_reports": other["total"].to_numpy(dtype=float, na_value=np.nan) / ref_total,
        "used": False,
        "note": f"different measure from '{LEVEL_MEASURE}': documented only, not used for levels or growth",
    })


def calibrate(csv_path: str | Path, regions_path: str | Path | None = None) -> CalibrationResult:
    """Run the whole calibration on a counts CSV and the regions table.

    Why one entry point: the CLI command and the model generator must use the same rules.
    """
    regions = load_regions(regions_path)
    counts = load_counts(csv_path, regions)
    reports = counts[counts["measure"] == LEVEL_MEASURE]
    national = national_series(reports)
    share = fit_acute_share(national[~national["split"]])
    levels = regional_levels(reports, regions, national)
    direct = national[~national["split"]]
    growth = {"total": fit_growth(national["year"], national["total"], "total")}
    growth.update({t: fit_growth(direct["year"], direct[t], t) for t in TYPES})
    others = other_measures(counts, national)
    g = growth["total"]
    notes = [
        f"National {LEVEL_MEASURE} {min(g.years)}-{max(g.years)} grew {g.rate:.1%}/yr (95% CI {g.ci_low:.1%} to "
        f"{g.ci_high:.1%}; {g.method}). This reflects the roll-out of the network (national coverage from "
        "January 2018), not underlying demand growth.",
        f"Default growth after {REFERENCE_YEAR}: {DEFAULT_GROWTH:.0%}/yr, an assumption - {DEFAULT_GROWTH_REASON}.",
        f"Acute share pooled over {', '.join(map(str, share.years))}: {share.share:.1%} "
        f"(95% CI {share.ci_low:.1%} to {share.ci_high:.1%}).",
        *(f"{r.year} {r.measure} = {r.total:,.0f} is {r.ratio_to_reports:.2f} x the {r.reference_year} "
          f"{LEVEL_MEASURE}: a different measure, documented only, never used for levels or growth."
          for r in others.itertuples(index=False)),
    ]
    split_years = national.loc[national["split"], "year"].tolist()
    if split_years:
        notes.append(f"National totals-only years {', '.join(map(str, split_years))} split by the pooled acute "
                     "share (not data).")
    estimated = sorted(set(levels.loc[levels["status"] == "estimate", "region"]))
    if estimated:
        notes.append(f"Estimated by population share (no {REFERENCE_YEAR} figure): {', '.join(estimated)}.")
    uncertain = [f"{r.id} ({r.uncertain})" for r in regions.itertuples()
                 if isinstance(r.uncertain, str) and r.uncertain]
    if uncertain:
        notes.append("Uncertain region list or area: " + "; ".join(uncertain))
    return CalibrationResult(
        levels=levels, national=national, acute_share=share, growth=growth,
        default_growth=DEFAULT_GROWTH, default_growth_reason=DEFAULT_GROWTH_REASON,
        other_measures=others, regions=regions, counts=counts, notes=tuple(notes), source_path=str(csv_path),
    )


def compare(counts_df: pd.DataFrame, model_levels: pd.DataFrame, growth: float = DEFAULT_GROWTH,
            reference_year: int = REFERENCE_YEAR) -> pd.DataFrame:
    """Data versus model: each published count next to what the model expects for that year.

    Expected = level x (1 + growth)^(year - reference year) x share of the year the centre was
    open (national rows sum the regions). Why: it shows at a glance where the calibrated model
    departs from the record - roll-out years, partial first years, or figures that count
    something else. Other measures get no expectation. ``annualised`` scales a partial-year
    count to a full year.
    """
    level = model_levels.pivot(index="region", columns="type", values="level_2019").astype(float)
    level["total"] = level["acute"] + level["non_acute"]
    opened = model_levels.drop_duplicates("region").set_index("region")["opened"].reindex(level.index)
    records = []
    for row in counts_df.itertuples(index=False):
        factor = (1.0 + growth) ** (row.year - reference_year)
        fractions = np.array([fraction_open(o, row.year) for o in opened])
        for column in COUNT_COLUMNS:
            observed = getattr(row, column)
            if pd.isna(observed):
                continue
            if row.measure != LEVEL_MEASURE:
                expected, frac, note = np.nan, np.nan, f"measure '{row.measure}' is not modelled"
            elif row.region == NATIONAL:
                weights = level[column].to_numpy()
                expected = factor * float(weights @ fractions)
                frac = float(weights @ fractions / weights.sum())
                note = "sum over regions"
            else:
                frac = fractions[level.index.get_loc(row.region)]
                expected = factor * frac * level.at[row.region, column]
                note = "partial year" if 0.0 < frac < 1.0 else ""
            records.append({
                "data_point": f"{row.year} {row.region} {row.measure} {column}", "year": row.year,
                "region": row.region, "measure": row.measure, "type": column, "line": row.line,
                "observed": int(observed), "fraction_open": frac,
                "annualised": observed / frac if row.region != NATIONAL and frac and frac > 0 else np.nan,
                "expected": expected, "ratio": observed / expected if expected else np.nan, "note": note,
            })
    return pd.DataFrame.from_records(records)


# --------------------------------------------------------------------------------------------
# Scenario writer
# --------------------------------------------------------------------------------------------


def _toml_str(text: str) -> str:
    """A TOML basic string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'


def staff_rule(acute_level: float) -> tuple[int, int, int]:
    """(casemanagers, CSG hours per week each, coordinator hours) for a region's acute level.

    An assumption, not data: 5 casemanagers below 80 acute reports a year, 6 below 180, 7 from
    180 ("5 to 7 people" in several centres); 8 h/week each, 16 h from 180 a year; the
    coordinator 16 h/week, 24 h from 180 a year.
    """
    n = 5 if acute_level < SMALL_ACUTE else 6 if acute_level < LARGE_ACUTE else 7
    large = acute_level >= LARGE_ACUTE
    return n, 16 if large else 8, 24 if large else 16


SHARED_SECTIONS = ("scenario", "norms", "profiles", "defaults")


def _default_template() -> Path:
    """The example scenario: in the repository under models/, in an installed wheel under csgsim/models/."""
    here = Path(__file__).resolve().parent
    candidates = (here.parent / "models" / "three-regions.toml", here / "models" / "three-regions.toml")
    return next((c for c in candidates if c.is_file()), candidates[0])


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_str(key)


def _toml_value(value: Any) -> str:
    """One TOML value; tables become inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return _toml_str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_table(node: Mapping[str, Any], path: tuple[str, ...]) -> list[str]:
    """A [table] with its scalars, then its sub-tables; a value with provenance ({ value = ... })
    or a distribution ({ dist = ... }) stays inline, as in the example scenario."""
    def is_table(value: Any) -> bool:
        return isinstance(value, dict) and not {"value", "dist"} & set(value)

    scalars = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in node.items() if not is_table(v)]
    tables = [(k, v) for k, v in node.items() if is_table(v)]
    lines = [f"[{'.'.join(_toml_key(p) for p in path)}]", *scalars] if scalars or not tables else []
    for k, v in tables:
        lines += ["", *_toml_table(v, (*path, k))] if lines else _toml_table(v, (*path, k))
    return lines


def write_model(
    result: CalibrationResult,
    *,
    start: dt.date = dt.date(2025, 1, 1),
    days: int = 365,
    replications: int = 100,
    seed: int = 20250101,
    growth: float | None = None,
    source_label: str | None = None,
    template: str | Path | None = None,
) -> str:
    """Scenario TOML for all regions, in the format of ``models/three-regions.toml``.

    Why generated: the levels, their provenance and the staffing rule must stay in step with
    the data; regenerate instead of editing by hand. The scenario, norms, profiles and defaults
    sections are copied from ``template`` (default: the example scenario), so the national
    model follows the example's keys; only the level year and growth are replaced. Staff size,
    contracted hours and duty pattern are assumptions (see ``staff_rule``; the largest regions
    by acute level get ``office_plus_oncall``), stated in comments because they are not single
    numbers.
    """
    growth = result.default_growth if growth is None else growth
    g = result.growth["total"]
    reason = (f"{result.default_growth_reason}; national reports {min(g.years)}-{max(g.years)}: "
              f"{g.rate:.1%}/yr, 95% CI {g.ci_low:.1%} to {g.ci_high:.1%} (roll-out)")
    template_path = Path(template) if template is not None else _default_template()
    try:
        example = tomllib.loads(template_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CalibrationError(f"{template_path}: cannot be used as the scenario template ({exc})") from exc
    missing = [s for s in SHARED_SECTIONS if s not in example]
    if missing:
        raise CalibrationError(f"{template_path}: the template lacks the section(s) {', '.join(missing)}")
    shared = {s: example[s] for s in SHARED_SECTIONS}
    order = list(result.regions["id"])
    shared["scenario"] = {**shared["scenario"], "name": f"Netherlands, {len(order)} CSG regions, {start.year} "
                          f"(levels calibrated to {result.reference_year})", "start": start, "days": days,
                          "seed": seed, "replications": replications}
    demand = shared["defaults"].setdefault("demand", {})
    for t, why in (("acute", reason), ("non_acute", "as acute")):
        demand[t] = {**demand.get(t, {}), "level_year": result.reference_year,
                     "growth_per_year": {"value": float(growth), "assumption": why}}
    levels = result.levels.pivot(index="region", columns="type", values="level_2019")
    largest = set(levels["acute"].sort_values(ascending=False, kind="stable").index[:N_OFFICE_PLUS_ONCALL])
    label = source_label or Path(result.source_path).name
    lines = [
        f"# csgsim scenario: all {len(order)} CSG regions, calendar year {start.year}, "
        f"levels calibrated to {result.reference_year}.",
        "#",
        f"# GENERATED by `python -m csgsim.calibration {label} <out.toml>` from the public figures",
        "# (see calibration/README.md). Do not edit by hand: change the data or the rules and regenerate.",
        f"# The scenario, norms, profiles and defaults sections are those of {template_path.name}, with the",
        "# calibrated level year and growth; see that file for comments on each key.",
        "#",
        "# Any number may be written plainly or as { value = X, source = \"URL or citation\" } for a",
        "# published figure, or { value = X, assumption = \"why\" } for an assumed one. `csgsim show`",
        "# lists every value's provenance. Times are in hours unless the key says otherwise.",
        "#",
        "# Staff (assumption, not the regions' real rosters), by the region's "
        f"{result.reference_year} acute level:",
        f"# 5 casemanagers below {SMALL_ACUTE} a year, 6 below {LARGE_ACUTE}, 7 from {LARGE_ACUTE}; "
        f"8 CSG hours a week each, 16 from {LARGE_ACUTE};",
        f"# coordinator 16 h a week, 24 h from {LARGE_ACUTE}. Duty pattern: office_plus_oncall in the "
        f"{N_OFFICE_PLUS_ONCALL} regions",
        "# with the most acute reports, rotation_24h elsewhere (assumption).",
    ]
    for section in SHARED_SECTIONS:
        lines += ["", *_toml_table(shared[section], (section,))]
    info = result.regions.set_index("id")
    prov = result.levels.set_index(["region", "type"])
    for rid in order:
        region = info.loc[rid]
        acute = int(levels.at[rid, "acute"])
        n, hours, coord_hours = staff_rule(acute)
        prefix = region["staff_prefix"]
        lines += ["", f"[regions.{rid}]", f"name = {_toml_str(region['name'])}"]
        if isinstance(region["uncertain"], str) and region["uncertain"]:
            lines.append(f"note = {_toml_str('uncertain: ' + region['uncertain'])}")
        for t in TYPES:
            row = prov.loc[(rid, t)]
            key = "source" if row["status"] == "published" else "assumption"
            value, text = int(row["level_2019"]), _toml_str(row["provenance"])
            lines.append(f"demand.{t}.level = {{ value = {value}, {key} = {text} }}")
        pattern = "office_plus_oncall" if rid in largest else "rotation_24h"
        if pattern != "rotation_24h":
            lines.append(f'duty.pattern = "{pattern}"')
        lines.append(f"# staff: assumption - {n} casemanagers of {hours} h/week for {acute} acute reports/yr; "
                     f"duty {pattern}")
        lines.append(f'staff.coordinator = {{ id = "{prefix}-coord", hours_per_week = {coord_hours} }}')
        lines.append("staff.casemanagers = [")
        lines += [f'  {{ id = "{prefix}-cm{i}", hours_per_week = {hours} }},' for i in range(1, n + 1)]
        lines.append("]")
    return "\n".join(lines) + "\n"


def levels_table(result: CalibrationResult) -> pd.DataFrame:
    """The calibrated levels as written to ``calibration/calibrated-levels.csv``."""
    return result.levels[["region", "name", "type", "level_2019", "status", "provenance"]]


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate a scenario (and optionally the levels CSV) from a counts CSV."""
    parser = argparse.ArgumentParser(prog="python -m csgsim.calibration", description=main.__doc__)
    parser.add_argument("counts", type=Path, help="counts CSV (year,region,measure,acute,non_acute,total,source)")
    parser.add_argument("out", type=Path, help="scenario TOML to write")
    parser.add_argument("--regions", type=Path, default=None, help="regions CSV (default: calibration/regions.csv)")
    parser.add_argument("--levels", type=Path, default=None, help="also write the calibrated levels to this CSV")
    args = parser.parse_args(argv)
    result = calibrate(args.counts, args.regions)
    args.out.write_text(write_model(result, source_label=args.counts.as_posix()), encoding="utf-8")
    if args.levels is not None:
        levels_table(result).to_csv(args.levels, index=False, lineterminator="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
