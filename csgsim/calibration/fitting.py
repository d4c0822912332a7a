"""Standard count models: the national growth trend, the acute share, and event effects.

Why statsmodels: these are textbook GLMs (log-linear Poisson and NB2 with an offset); the
library's fits and standard errors are tested far beyond what a hand-written IRLS would be.
Only the small conventions on top are ours: the quasi-Poisson scale of at least 1 with t
intervals, and the quasi-binomial pooled share.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from csgsim.core.errors import CalibrationError

from .data import NATIONAL, TYPES


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


def _glm(y: np.ndarray, X: np.ndarray, offset: np.ndarray, alpha: float = 0.0) -> Any:
    """statsmodels GLM with a log link: Poisson (alpha 0) or NB2 with a known alpha."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    family = sm.families.Poisson() if alpha == 0.0 else sm.families.NegativeBinomial(alpha=alpha)
    with warnings.catch_warnings():  # two points fit exactly (no residual df): the caller handles df = 0
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        return sm.GLM(y, X, family=family, offset=offset).fit(tol=1e-12, maxiter=200)


def _nb2_alpha(y: np.ndarray, X: np.ndarray, offset: np.ndarray) -> float:
    """NB2 dispersion alpha by maximum likelihood (statsmodels' discrete NegativeBinomial)."""
    from statsmodels.discrete.discrete_model import NegativeBinomial

    fit = NegativeBinomial(y, X, loglike_method="nb2", offset=offset).fit(disp=0, maxiter=500)
    return float(max(fit.params[-1], 1e-8))


def _as_time(values: Any) -> tuple[np.ndarray, str]:
    """Numbers stay as they are (periods); dates become years since 1970 so the trend is per year."""
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.number):
        return array.astype(float), "period"
    stamps = pd.to_datetime(pd.Series(np.atleast_1d(array)))
    return (stamps - pd.Timestamp(1970, 1, 1)).dt.days.to_numpy(dtype=float) / 365.25, "year"


def _event_design(counts: Any, dates_or_periods: Any, event_start: Any, kind: str, family: str,
                  exposure: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Checked inputs of ``fit_event_effect``: y, the design (intercept, centred trend, indicator), offset."""
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
    return y, X, offset, unit


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
    likelihood) widens the interval for over-dispersed counts; its coefficient covariance is the
    GLM's at the fitted alpha. Returns the relative effect exp(c) - 1 with a Wald 95% CI, its
    p-value, the trend per time unit (per year for dates), and the dispersion (alpha for negbin,
    the Pearson ratio for poisson).
    """
    from scipy import stats

    y, X, offset, unit = _event_design(counts, dates_or_periods, event_start, kind, family, exposure)
    alpha = _nb2_alpha(y, X, offset) if family == "negbin" else 0.0
    fit = _glm(y, X, offset, alpha)
    beta, se_c = float(fit.params[2]), float(fit.bse[2])
    z = stats.norm.ppf(0.975)
    pearson = float(fit.pearson_chi2 / fit.df_resid) if fit.df_resid > 0 else float("nan")
    return {
        "kind": kind,
        "family": family,
        "effect": float(np.expm1(beta)),
        "ci_low": float(np.expm1(beta - z * se_c)),
        "ci_high": float(np.expm1(beta + z * se_c)),
        "p_value": float(2.0 * stats.norm.sf(abs(beta / se_c))),
        "beta": beta,
        "se": se_c,
        "trend": float(np.expm1(fit.params[1])),
        "time_unit": unit,
        "dispersion": alpha if family == "negbin" else pearson,
        "pearson_dispersion": pearson,
        "n": int(y.size),
        "converged": bool(fit.converged),
    }


def fit_growth(years: Sequence[int], counts: Sequence[int], series: str, reference_year: int) -> GrowthFit:
    """Log-linear quasi-Poisson trend of an annual series, with a t-based 95% CI.

    Why quasi-Poisson: with a handful of large annual counts a plain Poisson CI is far too
    narrow (year-to-year variation is much larger than Poisson noise); scaling the standard
    error by the Pearson dispersion (at least 1) and using t with n - 2 df keeps it honest.
    """
    from scipy import stats

    x = np.asarray(years, dtype=float)
    y = np.asarray(counts, dtype=float)
    if x.size < 2:
        raise CalibrationError(f"growth of '{series}' needs at least 2 years, got {x.size}")
    fit = _glm(y, np.column_stack([np.ones_like(x), x - reference_year]), np.zeros_like(y))
    df = x.size - 2
    dispersion = max(1.0, float(fit.pearson_chi2 / df)) if df > 0 else 1.0
    slope = float(fit.params[1])
    se = float(np.sqrt(dispersion) * fit.bse[1])
    q = stats.t.ppf(0.975, df) if df > 0 else stats.norm.ppf(0.975)
    p = 2.0 * (stats.t.sf(abs(slope / se), df) if df > 0 else stats.norm.sf(abs(slope / se)))
    return GrowthFit(
        series=series, rate=float(np.expm1(slope)), ci_low=float(np.expm1(slope - q * se)),
        ci_high=float(np.expm1(slope + q * se)), p_value=float(p), dispersion=dispersion,
        years=tuple(int(v) for v in x), counts=tuple(int(v) for v in y),
        method=f"log-linear quasi-Poisson GLM (statsmodels), SE scaled by Pearson dispersion, t with {df} df",
    )


def fit_acute_share(national: pd.DataFrame) -> ShareFit:
    """Pooled acute share over the years with both acute and non-acute national counts.

    Why pooled with a quasi-binomial CI: the yearly shares (42-46%) differ by more than binomial
    noise, so the spread between years, not the huge counts, sets the uncertainty.
    """
    from scipy import stats

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


def growth_fits(national: pd.DataFrame, reference_year: int) -> dict[str, GrowthFit]:
    """The trend of the national total (every year) and of each type (years with both counts)."""
    direct = national[~national["split"]]
    growth = {"total": fit_growth(national["year"], national["total"], "total", reference_year)}
    growth.update({t: fit_growth(direct["year"], direct[t], t, reference_year) for t in TYPES})
    return growth
