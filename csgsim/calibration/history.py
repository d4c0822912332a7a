"""The history fit: expected reports per region, type and calendar year for every year with a national count.

Why hand-written rather than a statsmodels GLM: each observation here is the national count
minus the regional counts, i.e. a *sum* of cell expectations (a composite-link Poisson model),
which a GLM's one-mean-per-row form cannot express. The likelihood is small (about 20
observations and parameters) and is maximised with scipy's trust-region Newton on the exact
gradient and Hessian.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csgsim.core.errors import CalibrationError

from .data import NATIONAL, TYPES, fraction_open, ref, row_status, row_types, type_label
from .fitting import ShareFit

POPULATION_UNIT = 100_000  # year rates are reports per 100,000 inhabitants


@dataclass(frozen=True)
class HistoryFit:
    """Expected reports per region, type and calendar year from the Poisson model (``fit_history``)."""

    cells: pd.DataFrame  # region, type, year, fraction_open, expected
    effects: pd.DataFrame  # per region and type: status, rate_ratio (own / population-share rate), CI, lr, points
    year_rates: pd.DataFrame  # year, type, per_100k: the population-share rate of each year
    observations: pd.DataFrame  # what the likelihood used: year, region, type, observed, fitted
    totals: pd.DataFrame  # per region, last year: log total rate ratio vs population share and its SE
    deviance: float
    df: int
    converged: bool
    years: tuple[int, ...]
    method: str


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

    from scipy import optimize

    best = optimize.minimize(fun, theta[free], jac=True, hess=hess, method="trust-exact",
                             options={"gtol": 1e-8, "maxiter": 500})
    out = theta.copy()
    out[free] = best.x
    return out, bool(np.max(np.abs(best.jac), initial=0.0) < 1e-6)


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """Poisson deviance 2 sum(y log(y / mu) - (y - mu)), with 0 log 0 = 0."""
    mu = np.maximum(mu, 1e-300)
    return float(2.0 * np.sum(np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0) - (y - mu)))


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """Poisson deviance 2 sum(y log(y / mu) - (y - mu)), with 0 log 0 = 0."""
    mu = np.maximum(mu, 1e-300)
    return float(2.0 * np.sum(np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0) - (y - mu)))


@dataclass
class _Problem:
    """The likelihood's pieces: cells (region, type, year), exposure, observations as sums of cells, design."""

    cells: list[tuple[str, str, int]]
    fraction: np.ndarray
    exposure: np.ndarray  # 100,000s of inhabitants x share of the year open (x type share in a totals-only year)
    full_year: np.ndarray  # the same as if open all year
    obs: list[dict[str, Any]]
    columns: list[tuple[str, Any]]
    X: np.ndarray
    A: np.ndarray
    y: np.ndarray


def _cells(regions: pd.DataFrame, years: tuple[int, ...], split: dict[int, bool],
           share: ShareFit) -> tuple[list[tuple[str, str, int]], np.ndarray, np.ndarray]:
    """Every (region, type, year) cell with the share of the year open and its exposure (100,000s open)."""
    opened = dict(zip(regions["id"], regions["opened"]))
    population = dict(zip(regions["id"], regions["population"].astype(float)))
    type_share = {"acute": share.share, "non_acute": 1.0 - share.share}
    cells = [(r, t, y) for r in regions["id"] for t in TYPES for y in years]
    fraction = np.array([fraction_open(opened[r], y) for r, t, y in cells])
    exposure = np.array([population[r] / POPULATION_UNIT * (type_share[t] if split[y] else 1.0) for r, t, y in cells])
    return cells, fraction, exposure


def _regional_observations(reports: pd.DataFrame, regions: pd.DataFrame, years: tuple[int, ...],
                           index: dict[tuple[str, str, int], int]) -> list[dict[str, Any]]:
    """The compared regional counts, one observation per type (or per total) and row."""
    opened = dict(zip(regions["id"], regions["opened"]))
    obs: list[dict[str, Any]] = []
    regional = reports[(reports["region"] != NATIONAL)].sort_values(["year", "line"])
    for row in regional.itertuples(index=False):
        if row_status(row.year, row.region, row.measure, years, opened) != "compared":
            continue
        for kind, value in row_types(row).items():
            kinds = TYPES if kind == "total" else (kind,)
            obs.append({"year": row.year, "region": row.region, "type": kind, "observed": value,
                        "cells": [index[(row.region, t, row.year)] for t in kinds], "line": int(row.line),
                        "source": row.source})
    return obs


def _national_remainders(obs: list[dict[str, Any]], national: pd.DataFrame, ids: list[str],
                         index: dict[tuple[str, str, int], int]) -> list[dict[str, Any]]:
    """Per year and type, the national count minus the regional counts, over the cells they leave."""
    covered = {c for o in obs if o["type"] != "total" for c in o["cells"]}
    out = []
    for nat in national.itertuples():
        y, split = int(nat.year), bool(nat.split)
        for kind, kinds in ([("total", TYPES)] if split else [(t, (t,)) for t in TYPES]):
            mine = [o for o in obs if o["year"] == y and (split or o["type"] == kind)]
            used = {c for o in mine for c in o["cells"]} if split else covered
            members = [index[(r, t, y)] for r in ids for t in kinds if index[(r, t, y)] not in used]
            observed = int(getattr(nat, kind)) - sum(o["observed"] for o in mine)
            if observed < 0 or (observed > 0 and not members):
                raise CalibrationError(
                    f"regional {type_label(kind)} counts for {y} sum to more than the national "
                    f"{int(getattr(nat, kind))}" if observed < 0 else
                    f"the national {type_label(kind)} count for {y} is not all covered by the regional counts, "
                    "but no other region is open that year")
            out.append({"year": y, "region": NATIONAL, "type": kind, "observed": observed, "cells": members,
                        "line": 0, "source": ""})
    return out


def _design(cells: list[tuple[str, str, int]], years: tuple[int, ...], split: dict[int, bool], ids: list[str],
            obs: list[dict[str, Any]]) -> tuple[list[tuple[str, Any]], np.ndarray]:
    """Columns: year(-type) rates, then own(r) for regions with own counts, then own_non_acute(r)."""
    columns: list[tuple[str, Any]] = []
    design: list[np.ndarray] = []
    for y in years:
        for kinds in ([TYPES] if split[y] else [(t,) for t in TYPES]):
            columns.append(("rate", (y, kinds)))
            design.append(np.array([float(cy == y and ct in kinds) for cr, ct, cy in cells]))
    own = [r for r in ids if any(o["region"] == r for o in obs)]
    kinds_of = {r: {o["type"] for o in obs if o["region"] == r} for r in own}
    for r in own:
        columns.append(("own", r))
        design.append(np.array([float(cr == r) for cr, ct, cy in cells]))
    for r in (r for r in own if len(kinds_of[r]) >= 2):
        columns.append(("own_non_acute", r))
        design.append(np.array([float(cr == r and ct == "non_acute") for cr, ct, cy in cells]))
    return columns, np.column_stack(design)


def _problem(reports: pd.DataFrame, regions: pd.DataFrame, national: pd.DataFrame, share: ShareFit) -> _Problem:
    years = tuple(int(y) for y in national["year"])
    split = {int(r.year): bool(r.split) for r in national.itertuples()}
    ids = list(regions["id"])
    cells, fraction, full_year = _cells(regions, years, split, share)
    exposure = fraction * full_year
    index = {c: i for i, c in enumerate(cells)}
    obs = _regional_observations(reports, regions, years, index)
    obs += _national_remainders(obs, national, ids, index)
    columns, X = _design(cells, years, split, ids, obs)
    A = np.zeros((len(obs), len(cells)))
    for i, o in enumerate(obs):
        A[i, o["cells"]] = 1.0
    return _Problem(cells, fraction, exposure, full_year, obs, columns, X, A,
                    np.array([o["observed"] for o in obs], float))


def _start(p: _Problem, national: pd.DataFrame) -> np.ndarray:
    """Starting values: each year rate at the national count over the exposure, own effects at 0."""
    nat_rows = {int(r.year): r for r in national.itertuples()}
    theta0 = np.zeros(p.X.shape[1])
    for j, (kind, key) in enumerate(p.columns):
        if kind == "rate":
            year, kinds = key
            count = float(getattr(nat_rows[year], "total" if len(kinds) == 2 else kinds[0]))
            theta0[j] = np.log(max(count, 0.5) / max(float(p.exposure @ p.X[:, j]), 1e-9))
    return theta0


def _effects(p: _Problem, theta: np.ndarray, cov: np.ndarray, deviance: float, ids: list[str],
             reports: pd.DataFrame) -> pd.DataFrame:
    """Per region and type: own rate relative to the population share, its CI, and a likelihood-ratio
    test of the region's own effect against the population share."""
    from scipy import stats

    z = stats.norm.ppf(0.975)
    position = {key: j for j, key in enumerate(p.columns)}
    free = np.ones(theta.size, dtype=bool)
    rows = []
    for r in ids:
        if ("own", r) not in position:
            rows += [{"region": r, "type": t, "status": "estimate", "rate_ratio": 1.0, "ci_low": np.nan,
                      "ci_high": np.nan, "own_split": False, "lr": np.nan, "p_value": np.nan, "points": ""}
                     for t in TYPES]
            continue
        mine = [position[("own", r)]] + ([position[("own_non_acute", r)]] if ("own_non_acute", r) in position else [])
        mask = free.copy()
        mask[mine] = False
        start = theta.copy()
        start[mine] = 0.0
        restricted, _ = _fit_sums(p.X, p.exposure, p.A, p.y, start, mask)
        lr = _deviance(p.y, p.A @ (p.exposure * np.exp(p.X @ restricted))) - deviance
        points = "; ".join(f"{o['year']} {type_label(o['type'])} {o['observed']} ({o['source']}; "
                           f"{ref(reports, o['line'])})" for o in p.obs if o["region"] == r)
        for t in TYPES:
            contrast = np.zeros(theta.size)
            contrast[mine[:2] if t == "non_acute" else mine[:1]] = 1.0
            log_ratio, se = float(contrast @ theta), float(np.sqrt(contrast @ cov @ contrast))
            rows.append({"region": r, "type": t, "status": "fitted", "rate_ratio": float(np.exp(log_ratio)),
                         "ci_low": float(np.exp(log_ratio - z * se)), "ci_high": float(np.exp(log_ratio + z * se)),
                         "own_split": len(mine) == 2, "lr": float(lr),
                         "p_value": float(stats.chi2.sf(max(lr, 0.0), len(mine))), "points": points})
    return pd.DataFrame.from_records(rows)


def _year_rates(p: _Problem, theta: np.ndarray, share: ShareFit) -> pd.DataFrame:
    """The population-share rate per 100,000 of each year and type (a totals-only year split by the share)."""
    type_share = {"acute": share.share, "non_acute": 1.0 - share.share}
    rates = []
    for (kind, key), value in zip(p.columns, theta):
        if kind != "rate":
            continue
        year, kinds = key
        for t in kinds:
            per_100k = float(np.exp(value)) * (type_share[t] if len(kinds) == 2 else 1.0)
            rates.append({"year": year, "type": t, "per_100k": per_100k, "split": len(kinds) == 2})
    return pd.DataFrame.from_records(rates)


def _totals(p: _Problem, theta: np.ndarray, cov: np.ndarray, ids: list[str], year: int) -> pd.DataFrame:
    """Per region, its total expected count in ``year`` as if open all year (a forecast runs whole years), and
    the log of that over its population-share count with the delta-method SE (inf where the region has no own
    count): the input of the partial pooling."""
    m = p.full_year * np.exp(p.X @ theta)
    own_cols = np.array([kind != "rate" for kind, _ in p.columns])
    rows = []
    for r in ids:
        at = [i for i, (cr, _, cy) in enumerate(p.cells) if cr == r and cy == year]
        total = float(m[at].sum())
        grad = (m[at] @ p.X[at]) / total if total > 0 else np.zeros(theta.size)
        grad = np.where(own_cols, grad, 0.0)
        has_own = bool(np.any(p.X[np.ix_(at, np.flatnonzero(own_cols))])) if own_cols.any() else False
        pop_share = float((p.full_year[at] * np.exp(p.X[at][:, ~own_cols] @ theta[~own_cols])).sum())
        rows.append({"region": r, "total": total, "log_ratio": float(np.log(total / pop_share)) if has_own else np.nan,
                     "se": float(np.sqrt(grad @ cov @ grad)) if has_own else np.inf})
    return pd.DataFrame.from_records(rows)


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
    p = _problem(reports, regions, national, share)
    ids = list(regions["id"])
    theta, converged = _fit_sums(p.X, p.exposure, p.A, p.y, _start(p, national), np.ones(p.X.shape[1], dtype=bool))
    m = p.exposure * np.exp(p.X @ theta)
    mu = p.A @ m
    deviance = _deviance(p.y, mu)
    G = (p.A * m) @ p.X
    cov = np.linalg.pinv((G.T * (1.0 / np.maximum(mu, 1e-300))) @ G)
    years = tuple(int(y) for y in national["year"])
    frame = pd.DataFrame({"region": [c[0] for c in p.cells], "type": [c[1] for c in p.cells],
                          "year": [c[2] for c in p.cells], "fraction_open": p.fraction, "expected": m})
    observations = pd.DataFrame({"year": [o["year"] for o in p.obs], "region": [o["region"] for o in p.obs],
                                 "type": [o["type"] for o in p.obs], "observed": p.y, "fitted": mu})
    method = (f"Poisson maximum likelihood, log link, region and year effects, exposure = population x share of "
              f"the year open; {len(p.obs)} observations, {p.X.shape[1]} parameters, deviance {deviance:.2f} on "
              f"{len(p.obs) - p.X.shape[1]} df")
    return HistoryFit(cells=frame, effects=_effects(p, theta, cov, deviance, ids, reports),
                      year_rates=_year_rates(p, theta, share), observations=observations,
                      totals=_totals(p, theta, cov, ids, max(years)), deviance=deviance,
                      df=len(p.obs) - p.X.shape[1], converged=converged, years=years, method=method)
