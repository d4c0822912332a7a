"""Calibrate annual demand levels per CSG region from the public report counts.

Why this module exists: the scenario needs an annual level per region and type (acute,
non-acute), but the public record is patchy - national counts for 2016-2019, a handful of
regional counts, partial first years, and from 2022 on a broader "helped by any channel"
headline that is a different measure. The rules here (a Poisson model with region and year
effects, ``fit_history``) turn that record into an expected count per region, type and calendar
year with stated provenance, so every number in the generated scenario says whether it was
fitted to the region's own counts, derived or estimated; ``check`` simulates the written model
over each data year and sets every published count beside the simulated 95% interval.
Everything is a pure function of its inputs.

Run ``csgsim calibrate COUNTS.csv --out OUT.toml [--levels LEVELS.csv] [--check]`` (or
``python -m csgsim.calibration.calibrate COUNTS.csv OUT.toml``) to regenerate ``models/netherlands.toml``;
``--check`` simulates every data year with the written model and prints data versus model.
"""

from __future__ import annotations

import copy
import csv
import io
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

from csgsim.core import atomic, files
from csgsim.core.errors import CalibrationError, OutputError

REFERENCE_YEAR = 2019
LEVEL_MEASURE = "reports"
NATIONAL = "national"
TYPES = ("acute", "non_acute")
COUNT_COLUMNS = ("acute", "non_acute", "total")
REQUIRED_COLUMNS = ("year", "region", "measure", "acute", "non_acute", "total", "source")
REGION_COLUMNS = ("id", "name", "staff_prefix", "population", "opened", "uncertain")

DEFAULT_GROWTH = 0.05
DEFAULT_GROWTH_REASON = (
    "moderate growth after 2019: the 2016-2019 national rise reflects the roll-out of the network "
    "(national coverage only from January 2018) and must not be extrapolated; 2020 was about flat "
    "(about 4,000 implied by 16,000 over 2016-2020, COVID); the "
    "2022-2023 headline is a broader measure; event-driven jumps (campaigns, Zedenwet 1 Jul 2024: "
    "police reports +16-17%) belong in scenario events, not in the trend"
)

#: Data points that count something other than the modelled series. Each is left out of the fit
#: and printed with its reason in the data-versus-model table; keep the list short and sourced.
EXCLUDED_POINTS: dict[tuple[int, str, str], str] = {
    (2018, "amsterdam-amstelland", LEVEL_MEASURE): (
        "the source (Parool 2019, an article on domestic violence) counts 'victims of rape/assault helped', "
        "not all reports: its 193 is below Amsterdam-Amstelland's own 2019 acute count alone (230), while "
        "national reports rose 28% from 2018 to 2019"),
}
#: Why a measure other than ``reports`` is never modelled.
MEASURE_REASONS = {
    "helped_any_channel": ("measure 'helped_any_channel' counts everyone helped by phone, chat or in a centre, "
                           "a broader group than the 'reports' the model simulates (docs/evidence.md#1-report-counts)"),
}
CHECK_REPLICATIONS = 200
CHECK_SEED = 20190101
POPULATION_UNIT = 100_000  # year rates are reports per 100,000 inhabitants

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
class HistoryFit:
    """Expected reports per region, type and calendar year from the Poisson model (``fit_history``)."""

    cells: pd.DataFrame  # region, type, year, fraction_open, expected
    effects: pd.DataFrame  # per region and type: status, rate_ratio (own / population-share rate), CI, lr, points
    year_rates: pd.DataFrame  # year, type, per_100k: the population-share rate of each year
    observations: pd.DataFrame  # what the likelihood used: year, region, type, observed, fitted
    deviance: float
    df: int
    converged: bool
    years: tuple[int, ...]
    method: str


@dataclass(frozen=True)
class CalibrationResult:
    """Everything calibration produced: levels with provenance, fits, and notes for the reader."""

    levels: pd.DataFrame  # per region and type: the reference-year level, status, provenance
    year_levels: pd.DataFrame  # per region, type and fitted year: level, status, provenance
    history: HistoryFit
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
    handle = io.StringIO(files.read_text(path, "CSV file", CalibrationError), newline="")
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


def default_regions_path() -> Path:
    """The shipped regions table: calibration/regions.csv in a checkout, csgsim/data/calibration in a wheel."""
    from csgsim.core import resources

    return resources.calibration_dir() / "regions.csv"


def load_regions(path: str | Path | None = None) -> pd.DataFrame:
    """Read the 16-region table (id, name, staff prefix, population, opening date).

    Why: the region ids are the vocabulary every other file is checked against, and the
    populations are the weights for regions without a published count.
    """
    path = Path(path) if path is not None else default_regions_path()
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


def _ref(counts: pd.DataFrame, line: int) -> str:
    return f"{Path(counts.attrs.get('path', 'counts.csv')).name} row {line}"


def type_label(kind: str) -> str:
    return kind.replace("_", "-")


def _cell(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def row_status(year: int, region: str, measure: str, fit_years: Sequence[int] | set[int],
               opened: Mapping[str, Any]) -> str:
    """``compared``, or ``excluded: <reason>`` for a data point the model is not meant to reproduce.

    Why explicit: a data point may be left out only for a stated reason - another measure, a
    listed source problem (``EXCLUDED_POINTS``), a year without a national count (no fitted
    level), or a count from before the centre opened.
    """
    if measure != LEVEL_MEASURE:
        return "excluded: " + MEASURE_REASONS.get(
            measure, f"measure '{measure}' is not the modelled '{LEVEL_MEASURE}' series")
    if (year, region, measure) in EXCLUDED_POINTS:
        return "excluded: " + EXCLUDED_POINTS[(year, region, measure)]
    if year not in fit_years:
        return (f"excluded: no national '{LEVEL_MEASURE}' count for {year}, so the calibration fits no level "
                "for that year")
    if region != NATIONAL and fraction_open(opened.get(region), year) == 0.0:
        return f"excluded: {region} had not opened by the end of {year} (calibration/regions.csv)"
    return "compared"


def _row_types(row: Any) -> dict[str, int]:
    """The per-type counts of a row (a missing type from total minus the other), else {'total': n}."""
    a, n, tot = _cell(row.acute), _cell(row.non_acute), _cell(row.total)
    if a is None and n is not None and tot is not None:
        a = tot - n
    if n is None and a is not None and tot is not None:
        n = tot - a
    out = {t: v for t, v in (("acute", a), ("non_acute", n)) if v is not None}
    return out or {"total": tot}


def _fit_sums(X: np.ndarray, exposure: np.ndarray, A: np.ndarray, y: np.ndarray, theta: np.ndarray,
            free: np.ndarray) -> tuple[np.ndarray, bool]:
    """Maximise the likelihood of y ~ Poisson(A (exposure * exp(X theta))) over theta[free] (trust-region
    Newton with the exact Hessian; each observation is a sum of cells). Returns theta and whether the
    gradient vanished."""
    Xf = X[:, free]

    def parts(th: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        m = exposure * np.exp(np.clip(X @ th, -700.0, 700.0))
        mu = A @ m
        nll = 0.5 * _deviance(y, mu)  # the likelihood up to a constant, small near the optimum
        return nll, m, mu, (A * m) @ Xf, y / np.maximum(mu, 1e-300)

    def fun(tf: np.ndarray) -> tuple[float, np.ndarray]:
        th = theta.copy()
        th[free] = tf
        nll, _, _, G, ratio = parts(th)
        return nll, G.T @ (1.0 - ratio)

    def hess(tf: np.ndarray) -> np.ndarray:
        th = theta.copy()
        th[free] = tf
        _, m, mu, G, ratio = parts(th)
        weight = (A.T @ (1.0 - ratio)) * m
        return (Xf.T * weight) @ Xf + (G.T * (ratio / np.maximum(mu, 1e-300))) @ G

    best = optimize.minimize(fun, theta[free], jac=True, hess=hess, method="trust-exact",
                             options={"gtol": 1e-8, "maxiter": 500})
    out = theta.copy()
    out[free] = best.x
    return out, bool(np.max(np.abs(best.jac), initial=0.0) < 1e-6)


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """Poisson deviance 2 sum(y log(y / mu) - (y - mu)), with 0 log 0 = 0."""
    mu = np.maximum(mu, 1e-300)
    return float(2.0 * np.sum(np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0) - (y - mu)))


def fit_history(reports: pd.DataFrame, regions: pd.DataFrame, national: pd.DataFrame,
                share: ShareFit) -> HistoryFit:
    """Expected reports per region, type and calendar year for every year with a national count.

    The model (a log-linear Poisson model with region and year effects, fitted by maximum
    likelihood) is, for region r, type t and year y,

        E[count] = open(r, y) x population(r) x rate(y, t) x own(r) [x own_non_acute(r) for non-acute]

    - ``open`` is the share of calendar year y the centre was open (``fraction_open``): a
      partial first year's expected count for the whole calendar year is the prorated one,
      because the simulation runs whole calendar years;
    - ``rate(y, t)`` is a free year-and-type effect (in a totals-only year, one effect split by
      the pooled acute share);
    - ``own(r)`` is free for a region with at least one compared count of its own, in any
      year: its own counts beat a population share. Regions without one keep own = 1 and so
      share what the national count leaves by population. ``own_non_acute(r)`` is free where a
      region's counts also fix its acute/non-acute split (both types, or a total and one type);
      elsewhere the region has the acute share of the population-share regions.

    The observations are the compared regional counts and, per year and type, the national
    count minus the regional counts of that type (so no count is used twice; a regional
    count given only as a total stays inside both national remainders). Each observation is
    Poisson with the sum of its cells' expectations.
    """
    years = tuple(int(y) for y in national["year"])
    ids = list(regions["id"])
    opened = dict(zip(regions["id"], regions["opened"]))
    population = dict(zip(regions["id"], regions["population"].astype(float)))
    split = {int(r.year): bool(r.split) for r in national.itertuples()}
    nat_rows = {int(r.year): r for r in national.itertuples()}
    type_share = {"acute": share.share, "non_acute": 1.0 - share.share}

    cells = [(r, t, y) for r in ids for t in TYPES for y in years]
    index = {c: i for i, c in enumerate(cells)}
    fraction = np.array([fraction_open(opened[r], y) for r, t, y in cells])
    exposure = fraction * np.array([population[r] / POPULATION_UNIT for r, t, y in cells])
    exposure *= np.array([type_share[t] if split[y] else 1.0 for r, t, y in cells])

    # compared regional observations
    regional = reports[(reports["region"] != NATIONAL)].sort_values(["year", "line"])
    obs: list[dict[str, Any]] = []
    for row in regional.itertuples(index=False):
        if row_status(row.year, row.region, row.measure, years, opened) != "compared":
            continue
        for kind, value in _row_types(row).items():
            kinds = TYPES if kind == "total" else (kind,)
            obs.append({"year": row.year, "region": row.region, "type": kind, "observed": value,
                        "cells": [index[(row.region, t, row.year)] for t in kinds], "line": int(row.line),
                        "source": row.source})
    covered = {c for o in obs if o["type"] != "total" for c in o["cells"]}
    for y in years:
        nat = nat_rows[y]
        groups = [("total", TYPES)] if split[y] else [(t, (t,)) for t in TYPES]
        for kind, kinds in groups:
            mine = [o for o in obs if o["year"] == y and o["region"] != NATIONAL and (split[y] or o["type"] == kind)]
            used = {c for o in mine for c in o["cells"]} if split[y] else covered
            members = [index[(r, t, y)] for r in ids for t in kinds if index[(r, t, y)] not in used]
            observed = int(getattr(nat, kind)) - sum(o["observed"] for o in mine)
            if observed < 0 or (observed > 0 and not members):
                raise CalibrationError(
                    f"regional {type_label(kind)} counts for {y} sum to more than the national {int(getattr(nat, kind))}"
                    if observed < 0 else f"the national {type_label(kind)} count for {y} is not all covered by the "
                    "regional counts, but no other region is open that year")
            obs.append({"year": y, "region": NATIONAL, "type": kind, "observed": observed, "cells": members,
                        "line": 0, "source": ""})

    # design: year(-type) effects, then own(r), then own_non_acute(r)
    columns: list[tuple[str, Any]] = []
    design: list[np.ndarray] = []
    for y in years:
        for kinds in ([TYPES] if split[y] else [(t,) for t in TYPES]):
            columns.append(("rate", (y, kinds)))
            design.append(np.array([float(cy == y and ct in kinds) for cr, ct, cy in cells]))
    own = [r for r in ids if any(o["region"] == r for o in obs)]
    kinds_of = {r: {o["type"] for o in obs if o["region"] == r} for r in own}
    own_split = [r for r in own if len(kinds_of[r]) >= 2]
    for r in own:
        columns.append(("own", r))
        design.append(np.array([float(cr == r) for cr, ct, cy in cells]))
    for r in own_split:
        columns.append(("own_non_acute", r))
        design.append(np.array([float(cr == r and ct == "non_acute") for cr, ct, cy in cells]))
    X = np.column_stack(design)
    A = np.zeros((len(obs), len(cells)))
    for i, o in enumerate(obs):
        A[i, o["cells"]] = 1.0
    y_obs = np.array([o["observed"] for o in obs], dtype=float)

    theta0 = np.zeros(X.shape[1])
    for j, (kind, key) in enumerate(columns):
        if kind == "rate":
            year, kinds = key
            count = float(getattr(nat_rows[year], "total" if len(kinds) == 2 else kinds[0]))
            theta0[j] = np.log(max(count, 0.5) / max(float(exposure @ X[:, j]), 1e-9))
    free = np.ones(X.shape[1], dtype=bool)
    theta, converged = _fit_sums(X, exposure, A, y_obs, theta0, free)
    m = exposure * np.exp(X @ theta)
    mu = A @ m
    deviance = _deviance(y_obs, mu)
    G = (A * m) @ X
    cov = np.linalg.pinv((G.T * (1.0 / np.maximum(mu, 1e-300))) @ G)
    z = stats.norm.ppf(0.975)

    # per region and type: own rate relative to the population share, its CI, and how much better
    # the region's own effect fits than the population share (likelihood-ratio test)
    effects = []
    position = {key: j for j, key in enumerate(columns)}
    for r in ids:
        if r not in own:
            effects += [{"region": r, "type": t, "status": "estimate", "rate_ratio": 1.0, "ci_low": np.nan,
                         "ci_high": np.nan, "own_split": False, "lr": np.nan, "p_value": np.nan, "points": ""}
                        for t in TYPES]
            continue
        mine = [position[("own", r)]] + ([position[("own_non_acute", r)]] if r in own_split else [])
        mask = free.copy()
        mask[mine] = False
        start = theta.copy()
        start[mine] = 0.0
        restricted, _ = _fit_sums(X, exposure, A, y_obs, start, mask)
        lr = _deviance(y_obs, A @ (exposure * np.exp(X @ restricted))) - deviance
        points = "; ".join(f"{o['year']} {type_label(o['type'])} {o['observed']} ({o['source']}; "
                           f"{_ref(reports, o['line'])})" for o in obs if o["region"] == r)
        for t in TYPES:
            contrast = np.zeros(theta.size)
            contrast[mine[:2] if t == "non_acute" else mine[:1]] = 1.0
            log_ratio, se = float(contrast @ theta), float(np.sqrt(contrast @ cov @ contrast))
            effects.append({"region": r, "type": t, "status": "fitted", "rate_ratio": float(np.exp(log_ratio)),
                            "ci_low": float(np.exp(log_ratio - z * se)), "ci_high": float(np.exp(log_ratio + z * se)),
                            "own_split": r in own_split, "lr": float(lr),
                            "p_value": float(stats.chi2.sf(max(lr, 0.0), len(mine))), "points": points})
    effects = pd.DataFrame.from_records(effects)

    rates = []
    for (kind, key), value in zip(columns, theta):
        if kind != "rate":
            continue
        year, kinds = key
        split_year = len(kinds) == 2
        for t in kinds:
            per_100k = float(np.exp(value)) * (type_share[t] if split_year else 1.0)
            rates.append({"year": year, "type": t, "per_100k": per_100k, "split": split_year})
    year_rates = pd.DataFrame.from_records(rates)
    frame = pd.DataFrame({"region": [c[0] for c in cells], "type": [c[1] for c in cells],
                          "year": [c[2] for c in cells], "fraction_open": fraction, "expected": m})
    observations = pd.DataFrame({"year": [o["year"] for o in obs], "region": [o["region"] for o in obs],
                                 "type": [o["type"] for o in obs], "observed": y_obs, "fitted": mu})
    method = (f"Poisson maximum likelihood, log link, region and year effects, exposure = population x share of "
              f"the year open; {len(obs)} observations, {X.shape[1]} parameters, deviance {deviance:.2f} on "
              f"{len(obs) - X.shape[1]} df")
    return HistoryFit(cells=frame, effects=effects, year_rates=year_rates, observations=observations,
                      deviance=deviance, df=len(obs) - X.shape[1], converged=converged, years=years, method=method)


def history_levels(history: HistoryFit, reports: pd.DataFrame, regions: pd.DataFrame, national: pd.DataFrame,
                   share: ShareFit, reference_year: int = REFERENCE_YEAR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Levels per region and type (the reference year) and per calendar year, each with provenance.

    Status: ``fitted`` - the region's own counts cover this type (or a total); ``derived`` -
    its own counts are of the other type only, so the type split is that of the population-share
    regions; ``estimate`` - no own count: population share of what the national count leaves.
    Values are expected counts for the whole calendar year, rounded to 0.1.
    """
    if reference_year not in history.years or bool(national.set_index("year").at[reference_year, "split"]):
        raise CalibrationError(
            f"the national '{LEVEL_MEASURE}' row for {reference_year} with acute and non-acute counts is missing")
    info = regions.set_index("id")
    effects = history.effects.set_index(["region", "type"])
    cells = history.cells.set_index(["region", "type", "year"])
    rates = history.year_rates.set_index(["year", "type"])["per_100k"]
    nat = national.set_index("year")
    nat_line = {int(r.year): int(r.line) for r in reports[reports["region"] == NATIONAL].itertuples()}
    opened_at = dict(zip(regions["id"], regions["opened"]))
    seen: dict[tuple[str, int], list[tuple[str, int, int]]] = {}
    for row in reports[reports["region"] != NATIONAL].itertuples(index=False):
        if row_status(row.year, row.region, row.measure, history.years, opened_at) == "compared":
            seen.setdefault((row.region, row.year), []).extend(
                (k, v, int(row.line)) for k, v in _row_types(row).items())
    base_share = rates[(reference_year, "acute")] / (rates[(reference_year, "acute")]
                                                     + rates[(reference_year, "non_acute")])
    level_rows, year_rows = [], []
    for rid in regions["id"]:
        own_kinds = {k for (r, _), items in seen.items() if r == rid for k, _, _ in items}
        for t in TYPES:
            eff = effects.loc[(rid, t)]
            if eff["status"] == "estimate":
                status = "estimate"
            elif t in own_kinds or "total" in own_kinds:
                status = "fitted"
            else:
                status = "derived"
            ratio = (f"{eff['rate_ratio']:.2f} x (95% CI {eff['ci_low']:.2f}-{eff['ci_high']:.2f}) the {type_label(t)} "
                     "rate of the population-share regions")
            split_text = ("its own acute/non-acute split" if eff["own_split"] else
                          f"the acute share of the population-share regions ({base_share:.1%} in {reference_year})")
            rate_text = f"{rates[(reference_year, t)]:.1f} {type_label(t)} reports per 100,000 in {reference_year}"
            if status == "estimate":
                text = (f"estimate: no own count; {reference_year} expected count for {info.at[rid, 'name']}'s "
                        f"population ({int(info.at[rid, 'population']):,}; CBS, calibration/regions.csv) at the rate "
                        "of the regions "
                        f"without a figure ({rate_text}): the share of what the national count leaves after the "
                        "regions with a figure (Poisson model with region and year effects, calibration/README.md)")
            else:
                text = (f"{status}: {reference_year} expected count of a Poisson model with region and year effects "
                        f"(calibration/README.md); {info.at[rid, 'name']}'s own counts - {eff['points']} - put its "
                        f"rate at {ratio}; {split_text}")
            level = round(float(cells.at[(rid, t, reference_year), "expected"]), 1)
            level_rows.append({"region": rid, "type": t, "level_2019": level, "status": status,
                               "rate_ratio": float(eff["rate_ratio"]), "provenance": text})
            for year in history.years:
                cell = cells.loc[(rid, t, year)]
                value = round(float(cell["expected"]), 1)
                opened = info.at[rid, "opened"]
                if cell["fraction_open"] == 0.0:
                    note = f"0: not open in {year} (opened {opened.date()})"
                else:
                    n = nat.loc[year]
                    basis = (f"national {year} total {int(n['total']):,} [{_ref(reports, nat_line[year])}] split by "
                             f"the pooled acute share {share.share:.1%}" if n["split"] else
                             f"national {year} {type_label(t)} {int(n[t]):,} [{_ref(reports, nat_line[year])}]")
                    note = f"{status} {year} expected count (model as for level): {basis}"
                    own_counts = [f"{type_label(k)} {v} [{_ref(reports, line)}]" for k, v, line in seen.get((rid, year), [])
                                  if k in (t, "total")]
                    if own_counts:
                        note += f"; own {year} count " + ", ".join(own_counts)
                    if cell["fraction_open"] < 1.0:
                        days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
                        note += (f"; prorated: open {round(cell['fraction_open'] * days)} of {days} days "
                                 f"(opened {opened.date()})")
                year_rows.append({"region": rid, "type": t, "year": year, "level": value,
                                  "fraction_open": float(cell["fraction_open"]), "status": status, "provenance": note})
    levels = pd.DataFrame.from_records(level_rows)
    levels = levels.merge(regions[["id", "name", "population", "opened"]].rename(columns={"id": "region"}),
                          on="region")
    columns = ["region", "name", "type", "level_2019", "status", "rate_ratio", "provenance", "population", "opened"]
    return levels[columns].reset_index(drop=True), pd.DataFrame.from_records(year_rows)

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
    history = fit_history(reports, regions, national, share)
    levels, year_levels = history_levels(history, reports, regions, national, share)
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
        f"Levels {min(history.years)}-{max(history.years)}: {history.method}"
        + ("" if history.converged else " (WARNING: the optimiser did not report convergence)") + ".",
        "Population-share rate per 100,000 inhabitants a year (acute / non-acute): " + "; ".join(
            f"{y} {r.at[(y, 'acute')]:.1f} / {r.at[(y, 'non_acute')]:.1f}" for r in
            [history.year_rates.set_index(["year", "type"])["per_100k"]] for y in history.years) + ".",
        *(f"{r.year} {r.measure} = {r.total:,.0f} is {r.ratio_to_reports:.2f} x the {r.reference_year} "
          f"{LEVEL_MEASURE}: a different measure, documented only, never used for levels or growth."
          for r in others.itertuples(index=False)),
    ]
    split_years = national.loc[national["split"], "year"].tolist()
    if split_years:
        notes.append(f"National totals-only years {', '.join(map(str, split_years))}: one rate per year, split by "
                     "the pooled acute share (not data).")
    estimated = sorted(set(levels.loc[levels["status"] == "estimate", "region"]))
    if estimated:
        notes.append(f"Estimated by population share (no own count): {', '.join(estimated)}.")
    excluded = [f"{y} {r} {m}: {why}" for (y, r, m), why in EXCLUDED_POINTS.items()
                if ((counts["year"] == y) & (counts["region"] == r) & (counts["measure"] == m)).any()]
    if excluded:
        notes.append("Excluded from the fit: " + "; ".join(excluded) + ".")
    uncertain = [f"{r.id} ({r.uncertain})" for r in regions.itertuples()
                 if isinstance(r.uncertain, str) and r.uncertain]
    if uncertain:
        notes.append("Uncertain region list or area: " + "; ".join(uncertain))
    return CalibrationResult(
        levels=levels, year_levels=year_levels, history=history, national=national, acute_share=share,
        growth=growth, default_growth=DEFAULT_GROWTH, default_growth_reason=DEFAULT_GROWTH_REASON,
        other_measures=others, regions=regions, counts=counts, notes=tuple(notes), source_path=str(csv_path),
    )


def annual_counts(rate: np.ndarray, cv: float, replications: int, arrivals_rng: np.random.Generator,
                  week_rng: np.random.Generator) -> np.ndarray:
    """Reports in the period of ``rate`` for each replication, as ``demand.sample_arrivals`` draws them.

    ``sample_arrivals`` draws a Poisson count per hour with rate x the gamma factor of its 7-day
    block (``demand.week_factors``). The sum of independent Poisson counts is Poisson with the
    summed rate, so the period's count is Poisson(sum over blocks of factor x block rate): the
    same distribution, drawn for all replications at once instead of hour by hour.
    """
    from csgsim.demand.intensity import week_factors

    block = 7 * 24
    weekly = np.add.reduceat(rate, np.arange(0, rate.size, block)) if rate.size else np.zeros(0)
    factors = week_factors(cv, weekly.size * replications, week_rng).reshape(replications, weekly.size)
    return arrivals_rng.poisson(factors @ weekly)


def data_points(counts: pd.DataFrame, fit_years: Sequence[int] | set[int], opened: Mapping[str, Any]) -> pd.DataFrame:
    """One row per published count (a non-empty acute, non_acute or total cell), with its status."""
    records = []
    for row in counts.itertuples(index=False):
        status = row_status(row.year, row.region, row.measure, fit_years, opened)
        for column in COUNT_COLUMNS:
            value = getattr(row, column)
            if pd.isna(value):
                continue
            records.append({"data_point": f"{row.year} {row.region} {type_label(column)}"
                                          + ("" if row.measure == LEVEL_MEASURE else f" ({row.measure})"),
                            "year": int(row.year), "region": row.region, "measure": row.measure, "type": column,
                            "line": int(row.line), "observed": int(value), "status": status})
    return pd.DataFrame.from_records(records)


def _scenario_for_year(data: dict[str, Any], year: int, source: str) -> Any:
    """The model's scenario over calendar year ``year`` (start 1 January, 365 or 366 days)."""
    from csgsim.config import scenario

    patched = copy.copy(data)
    days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    patched["scenario"] = {**data.get("scenario", {}), "start": dt.date(year, 1, 1), "days": days}
    return scenario.parse(patched, f"{source} (calendar year {year})")


def check(counts_csv: str | Path, model_path: str | Path, replications: int = CHECK_REPLICATIONS,
          seed: int = CHECK_SEED, regions_path: str | Path | None = None) -> pd.DataFrame:
    """Data versus model: each published count next to the model's simulated count for that calendar year.

    For every year with a data point the model file is rebuilt over that calendar year and each
    region's annual count of each type is drawn ``replications`` times with the model's own
    demand generator (``demand.intensity`` - levels, growth, seasonality, events - and the
    week-factor Poisson sampling of ``demand.sample_arrivals``; see ``annual_counts``), from
    ``streams.stream(seed, year, region, ...)``. National points sum the model's regions, totals
    sum the types. Returns observed, the exact expectation, the simulated mean and 2.5%/97.5%
    quantiles, ``inside`` (observed within them) and ``status`` (``compared`` or
    ``excluded: <reason>``; excluded points are simulated too where the model covers the year).
    """
    from csgsim.demand import intensity as demand
    from csgsim.core import streams
    from csgsim.config import scenario

    if replications < 1:
        raise CalibrationError(f"replications must be at least 1, got {replications}")
    regions = load_regions(regions_path)
    counts = load_counts(counts_csv, regions)
    fit_years = set(counts.loc[(counts["region"] == NATIONAL) & (counts["measure"] == LEVEL_MEASURE), "year"])
    points = data_points(counts, fit_years, dict(zip(regions["id"], regions["opened"])))
    if points.empty:
        raise CalibrationError(f"{counts_csv}: no counts to compare")
    data, _ = scenario.read(model_path)
    draws: dict[tuple[int, str, str], np.ndarray] = {}
    means: dict[tuple[int, str, str], float] = {}
    model_regions: list[str] = []
    for year in sorted(points["year"].unique()):
        sc = _scenario_for_year(data, int(year), str(model_path))
        model_regions = list(sc.regions)
        for rid in sc.regions:
            for kind in TYPES:
                rate = demand.intensity(sc, rid, kind)
                cv = sc.regions[rid].demand(kind).overdispersion_cv
                draws[(year, rid, kind)] = annual_counts(
                    rate, cv, replications, streams.stream(seed, int(year), rid, f"{kind}_arrivals"),
                    streams.stream(seed, int(year), rid, f"{kind}_weeks"))
                means[(year, rid, kind)] = float(rate.sum())
    absent = (points["region"] != NATIONAL) & ~points["region"].isin(model_regions)
    missing = points[absent & (points["status"] == "compared")]
    if not missing.empty:
        first = missing.iloc[0]
        raise CalibrationError(
            f"{model_path}: has no region '{first['region']}', needed for the data point {first['data_point']} "
            f"({Path(counts_csv).name} row {first['line']}); the model's regions: {', '.join(model_regions)}")
    rows = []
    for p in points.itertuples(index=False):
        if p.region != NATIONAL and p.region not in model_regions:  # an excluded point: nothing to simulate
            rows.append({**p._asdict(), "expected": np.nan, "sim_mean": np.nan, "sim_low": np.nan,
                         "sim_high": np.nan, "inside": False})
            continue
        kinds = TYPES if p.type == "total" else (p.type,)
        names = model_regions if p.region == NATIONAL else [p.region]
        sim = sum(draws[(p.year, r, k)] for r in names for k in kinds)
        expected = sum(means[(p.year, r, k)] for r in names for k in kinds)
        low, high = np.quantile(sim, [0.025, 0.975])
        rows.append({**p._asdict(), "expected": expected, "sim_mean": float(np.mean(sim)), "sim_low": float(low),
                     "sim_high": float(high), "inside": bool(low <= p.observed <= high)})
    columns = ["data_point", "year", "region", "measure", "type", "line", "observed", "expected", "sim_mean",
               "sim_low", "sim_high", "inside", "status"]
    table = pd.DataFrame.from_records(rows)[columns]
    table.attrs.update(replications=replications, seed=seed, model=str(model_path), counts=str(counts_csv))
    return table

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
    from csgsim.core import resources

    return resources.models_dir() / "three-regions.toml"


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
    other_years = [y for y in result.history.years if y != result.reference_year]
    fitted_years = f"{min(other_years)}-{max(other_years)}" if other_years else "(none)"
    by_year = result.year_levels.set_index(["region", "type", "year"])
    lines = [
        f"# csgsim scenario: all {len(order)} CSG regions, calendar year {start.year}, "
        f"levels calibrated to {result.reference_year}.",
        "#",
        f"# GENERATED by `csgsim calibrate {label} --out <out.toml>` from the public figures",
        "# (see calibration/README.md). Do not edit by hand: change the data or the rules and regenerate.",
        "# `csgsim calibrate ... --check` simulates every data year with this file and prints data vs model.",
        f"# The scenario, norms, profiles and defaults sections are those of {template_path.name}, with the",
        "# calibrated level year and growth; see that file for comments on each key.",
        "#",
        "# Any number may be written plainly or as { value = X, source = \"URL or citation\" } for a",
        "# published figure, or { value = X, assumption = \"why\" } for an assumed one. `csgsim validate FILE`",
        "# lists every value's provenance. Times are in hours unless the key says otherwise.",
        "#",
        "# Staff (assumption, not the regions' real rosters), by the region's "
        f"{result.reference_year} acute level:",
        f"# 5 casemanagers below {SMALL_ACUTE} a year, 6 below {LARGE_ACUTE}, 7 from {LARGE_ACUTE}; "
        f"8 CSG hours a week each, 16 from {LARGE_ACUTE};",
        f"# coordinator 16 h a week, 24 h from {LARGE_ACUTE}. Duty pattern: office_plus_oncall in the "
        f"{N_OFFICE_PLUS_ONCALL} regions",
        "# with the most acute reports, rotation_24h elsewhere (assumption).",
        "#",
        f"# Demand levels are expected reports per calendar year: `level` is the {result.reference_year} level "
        "(level_year),",
        f"# `levels.YEAR` the fitted levels of the other data years {fitted_years} (0 before a centre opened; a",
        "# first year is prorated by its opening date, since a simulation runs whole calendar years); years",
        f"# after {result.reference_year} grow from `level` by growth_per_year.",
    ]
    for section in SHARED_SECTIONS:
        lines += ["", *_toml_table(shared[section], (section,))]
    info = result.regions.set_index("id")
    prov = result.levels.set_index(["region", "type"])
    for rid in order:
        region = info.loc[rid]
        acute = float(levels.at[rid, "acute"])
        n, hours, coord_hours = staff_rule(acute)
        prefix = region["staff_prefix"]
        lines += ["", f"[regions.{rid}]", f"name = {_toml_str(region['name'])}"]
        if isinstance(region["uncertain"], str) and region["uncertain"]:
            lines.append(f"note = {_toml_str('uncertain: ' + region['uncertain'])}")
        for t in TYPES:
            row = prov.loc[(rid, t)]
            key = "source" if row["status"] == "fitted" else "assumption"
            value, text = float(row["level_2019"]), _toml_str(row["provenance"])
            lines.append(f"demand.{t}.level = {{ value = {value!r}, {key} = {text} }}")
            for year in other_years:
                cell = by_year.loc[(rid, t, year)]
                lines.append(f"demand.{t}.levels.{year} = {{ value = {float(cell['level'])!r}, "
                             f"{key} = {_toml_str(cell['provenance'])} }}")
        pattern = "office_plus_oncall" if rid in largest else "rotation_24h"
        if pattern != "rotation_24h":
            lines.append(f'duty.pattern = "{pattern}"')
        lines.append(f"# staff: assumption - {n} casemanagers of {hours} h/week for {acute:g} acute reports/yr; "
                     f"duty {pattern}")
        lines.append(f'staff.coordinator = {{ id = "{prefix}-coord", hours_per_week = {coord_hours} }}')
        lines.append(f'backup.deputy = {{ value = "{prefix}-cm1", assumption = "the first casemanager listed stands in '
                     'for the coordinator as backup" }')
        lines.append("staff.casemanagers = [")
        lines += [f'  {{ id = "{prefix}-cm{i}", hours_per_week = {hours} }},' for i in range(1, n + 1)]
        lines.append("]")
    return "\n".join(lines) + "\n"


def levels_table(result: CalibrationResult) -> pd.DataFrame:
    """The calibrated levels as written to ``calibration/calibrated-levels.csv``: one row per region and
    type, the expected reports of each fitted calendar year, status, the region's rate relative to the
    population-share regions, and the provenance of the reference-year level."""
    wide = result.year_levels.pivot(index=["region", "type"], columns="year", values="level")
    wide.columns = [f"level_{y}" for y in wide.columns]
    out = result.levels.merge(wide.drop(columns=f"level_{result.reference_year}", errors="ignore").reset_index(),
                              on=["region", "type"])
    out["rate_vs_population"] = out["rate_ratio"].round(3)
    years = [c for c in wide.columns if c != f"level_{result.reference_year}"]
    return out[["region", "name", "type", *years, "level_2019", "status", "rate_vs_population", "provenance"]]


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write a file through csgsim's one atomic writer (a reader never sees half a file, a failed
    write leaves the old one intact, permissions follow the umask)."""
    try:
        atomic.write_text(path, text)
    except OutputError as exc:
        raise CalibrationError(str(exc)) from None
    except OSError as exc:
        raise CalibrationError(f"{path}: cannot be written ({exc.strerror or exc})") from None
