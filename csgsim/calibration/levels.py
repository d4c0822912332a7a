"""Levels with provenance: per fitted year from the history fit, and the forecast level with its uncertainty.

Why two kinds: a fitted year's level reproduces what the national and regional counts say; the
level a forecast starts from is uncertain (a region without own counts is only a population
share; a region's split and its growth since the last count are uncertain too), so it carries a
partially pooled estimate and a standard deviation that the simulation draws from per
replication (``csgsim.model.uncertainty``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .data import COMPARED, LATER, NATIONAL, TYPES, ref, row_status, row_types, type_label
from .fitting import ShareFit
from .history import HistoryFit
from .pooling import anchor_level, match_national, pool_log_ratios, pool_shares, pooled_growth


@dataclass(frozen=True)
class Growth:
    """The stated distribution of growth after the last data year: log(1 + g) ~ N(log(1 + rate), sd^2),
    with sd^2 = national_sd^2 + region_sd^2 (a national part shared by all regions, drawn once per
    replication, and a regional part)."""

    rate: float
    national_sd: float
    region_sd: float
    reason: str

    @property
    def drift(self) -> float:
        return float(np.log1p(self.rate))

    @property
    def var(self) -> float:
        return self.national_sd**2 + self.region_sd**2


def own_counts(reports: pd.DataFrame, regions: pd.DataFrame, years: tuple[int, ...],
               ) -> dict[tuple[str, int], list[tuple[str, int, int, str]]]:
    """(region, year) -> [(type or 'total', count, CSV line, status)] of the compared and later regional rows."""
    opened = dict(zip(regions["id"], regions["opened"]))
    seen: dict[tuple[str, int], list[tuple[str, int, int, str]]] = {}
    for row in reports[reports["region"] != NATIONAL].itertuples(index=False):
        status = row_status(row.year, row.region, row.measure, years, opened)
        if status in (COMPARED, LATER):
            seen.setdefault((row.region, int(row.year)), []).extend(
                (k, v, int(row.line), status) for k, v in row_types(row).items())
    return seen


def _status(effect_status: str, own_kinds: set[str], kind: str) -> str:
    if effect_status == "estimate":
        return "estimate"
    return "fitted" if kind in own_kinds or "total" in own_kinds else "derived"


def year_levels(history: HistoryFit, reports: pd.DataFrame, regions: pd.DataFrame, national: pd.DataFrame,
                share: ShareFit) -> pd.DataFrame:
    """Expected reports per region, type and fitted calendar year (rounded to 0.1), with provenance."""
    info = regions.set_index("id")
    effects = history.effects.set_index(["region", "type"])
    cells = history.cells.set_index(["region", "type", "year"])
    nat = national.set_index("year")
    nat_line = {int(r.year): int(r.line) for r in reports[reports["region"] == NATIONAL].itertuples()}
    seen = own_counts(reports, regions, history.years)
    rows = []
    for rid in regions["id"]:
        own_kinds = {k for (r, y), items in seen.items() if r == rid and y in history.years for k, *_ in items}
        for t in TYPES:
            status = _status(effects.at[(rid, t), "status"], own_kinds, t)
            for year in history.years:
                cell = cells.loc[(rid, t, year)]
                opened = info.at[rid, "opened"]
                if cell["fraction_open"] == 0.0:
                    note = f"0: not open in {year} (opened {opened.date()})"
                else:
                    n = nat.loc[year]
                    basis = (f"national {year} total {int(n['total']):,} [{ref(reports, nat_line[year])}] split by "
                             f"the pooled acute share {share.share:.1%}" if n["split"] else
                             f"national {year} {type_label(t)} {int(n[t]):,} [{ref(reports, nat_line[year])}]")
                    note = f"{status} {year} expected count (Poisson model with region and year effects): {basis}"
                    mine = [f"{type_label(k)} {v} [{ref(reports, line)}]" for k, v, line, _ in seen.get((rid, year), [])
                            if k in (t, "total")]
                    if mine:
                        note += f"; own {year} count " + ", ".join(mine)
                    if cell["fraction_open"] < 1.0:
                        days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
                        note += (f"; prorated: open {round(cell['fraction_open'] * days)} of {days} days "
                                 f"(opened {opened.date()})")
                rows.append({"region": rid, "type": t, "year": year, "level": round(float(cell["expected"]), 1),
                             "fraction_open": float(cell["fraction_open"]), "status": status, "provenance": note})
    return pd.DataFrame.from_records(rows)


def _pooled_totals(history: HistoryFit) -> tuple[pd.DataFrame, Any]:
    """Each region's reference-year total, partially pooled between its own counts and its population share,
    scaled so that the regions still add up to the national count of that year."""
    totals = history.totals.copy()
    pooled = pool_log_ratios(totals["log_ratio"], totals["se"])
    own = np.isfinite(totals["se"].to_numpy())
    log_ratio = np.where(own, totals["log_ratio"].fillna(0.0).to_numpy(), 0.0)
    population_share = totals["total"].to_numpy() / np.exp(log_ratio)
    central = population_share * np.exp(pooled.mean)
    totals["pooled"] = central * totals["total"].sum() / central.sum()
    totals["sd_log"] = pooled.sd
    totals["weight_own"] = pooled.shrinkage
    return totals, pooled


def _split_counts(seen: dict[tuple[str, int], list[tuple[str, int, int, str]]], ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per region, acute and total summed over the rows that give both types."""
    acute, total = np.zeros(len(ids)), np.zeros(len(ids))
    for i, rid in enumerate(ids):
        for (r, _), items in seen.items():
            kinds = {k: v for k, v, *_ in items}
            if r == rid and "acute" in kinds and "non_acute" in kinds:
                acute[i] += kinds["acute"]
                total[i] += kinds["acute"] + kinds["non_acute"]
    return acute, total


def _later_observations(seen: dict[tuple[str, int], list[tuple[str, int, int, str]]], rid: str, share: float,
                        share_var: float) -> dict[int, tuple[float, float]]:
    """(log total, variance) per later year of a region: a total as it is, an acute-only count through the share."""
    out = {}
    for (r, year), items in seen.items():
        kinds = {k: v for k, v, _, status in items if status == LATER}
        if r != rid or not kinds:
            continue
        total = kinds.get("total") or (kinds["acute"] + kinds["non_acute"] if len(kinds) == 2 else None)
        if total:
            out[year] = (float(np.log(total)), 1.0 / total)
        elif kinds.get("acute"):
            out[year] = (float(np.log(kinds["acute"] / share)), 1.0 / kinds["acute"] + share_var / share**2)
        elif kinds.get("non_acute"):
            out[year] = (float(np.log(kinds["non_acute"] / (1 - share))),
                         1.0 / kinds["non_acute"] + share_var / (1 - share) ** 2)
    return out


def _forecast_text(rid: str, info: pd.DataFrame, t: str, status: str, eff: pd.Series, row: pd.Series,
                   shares: Any, i: int, year: int, level_year: int, later: dict[int, tuple[float, float]],
                   gamma: float) -> str:
    """Provenance of a forecast level: what it rests on and how uncertain it is."""
    name = info.at[rid, "name"]
    if status == "estimate":
        basis = (f"no own count: population share ({int(info.at[rid, 'population']):,} inhabitants, CBS, "
                 f"calibration/regions.csv) of what the national {year} count leaves after the regions with a figure")
    else:
        basis = (f"{name}'s own counts - {eff['points']} - partially pooled with its population share "
                 f"(weight on own counts {row['weight_own']:.2f}; rate {eff['rate_ratio']:.2f} x the population-share "
                 f"rate, 95% CI {eff['ci_low']:.2f}-{eff['ci_high']:.2f})")
    split = (f"acute share {shares.mean[i]:.1%} (own split shrunk toward the national {shares.prior_share:.1%}, "
             f"prior worth {shares.kappa:.0f} reports)")
    own_later = f" and its own counts of {', '.join(str(y) for y in sorted(later))} (Kalman update)" if later else ""
    moved = (f"; moved from {year} to {level_year} with the growth the regions' later counts show "
             f"({np.expm1(gamma):.1%}/yr){own_later}" if level_year > year else "")
    return (f"{status}: expected {type_label(t)} reports in {level_year}; {basis}; {split}{moved}; "
            f"sd of log level {row['sd_level']:.2f} (calibration/README.md, rules 4 and 10)")


def _anchor_all(totals: pd.DataFrame, later: dict[str, dict[int, tuple[float, float]]], ids: list[str], year: int,
                growth: Growth) -> tuple[list[tuple[float, float]], int, float, float]:
    """Every region's log level in the last year with any data, and the growth up to that year.

    The growth from ``year`` to the last data year is estimated from the regions' own later counts
    (``pooled_growth``: a national part shared by all regions and each region's own part, prior
    the stated growth); every region then moves to that year under it, updated by its own later
    counts where it has them (``anchor_level``). After that year the stated growth applies.
    """
    start = {rid: (float(np.log(totals.at[i, "pooled"])), float(totals.at[i, "sd_log"]) ** 2)
             for i, rid in enumerate(ids)}
    last = max((y for obs in later.values() for y in obs), default=year)
    posteriors = [anchor_level(*start[rid], year, max(obs), obs, growth.drift, growth.var)[2:]
                  for rid, obs in later.items() if obs]
    gamma, gamma_var = pooled_growth(growth.drift, growth.national_sd**2, growth.region_sd**2, posteriors)
    anchored = [anchor_level(*start[rid], year, last, later[rid], gamma, gamma_var + growth.region_sd**2)[:2]
                for rid in ids]
    return anchored, last, gamma, gamma_var


def forecast_levels(history: HistoryFit, reports: pd.DataFrame, regions: pd.DataFrame, national: pd.DataFrame,
                    share: ShareFit, growth: Growth) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The level each region's forecast starts from, per type, with its uncertainty.

    1. The last fitted year's total per region, as if open all year, is partially pooled
       (``pool_log_ratios``) between its own counts and its population share, keeping the sum.
    2. The acute share is shrunk toward the national split of that year (``pool_shares``), then all
       regions' shares move by one common shift on the logit scale so that the regions' acute
       reports add up to the national acute count of that year (``match_national``).
    3. If regions have own counts after that year, every region moves forward to the last such
       year (``_anchor_all``): the growth up to then comes from those counts, and each region's
       own later counts update its level. ``level_year`` is that year (else the last fitted year).
    Returns one row per region and type and a summary of the pooling for the notes.
    """
    year = max(history.years)
    ids = list(regions["id"])
    info = regions.set_index("id")
    effects = history.effects.set_index(["region", "type"])
    totals, pooled = _pooled_totals(history)
    seen = own_counts(reports, regions, history.years)
    nat = national.set_index("year")
    prior = float(nat.at[year, "acute_share"]) if not nat.at[year, "split"] else share.share
    shares = pool_shares(*_split_counts(seen, ids), prior)
    if not nat.at[year, "split"]:  # the national acute count, scaled like the totals to whole years open
        target = float(nat.at[year, "acute"]) * totals["pooled"].sum() / float(nat.at[year, "total"])
        shares = match_national(shares, totals["pooled"].to_numpy(), target)
    share_var = shares.a * shares.b / ((shares.a + shares.b) ** 2 * (shares.a + shares.b + 1))
    later = {rid: _later_observations(seen, rid, shares.mean[i], float(share_var[i])) for i, rid in enumerate(ids)}
    anchored, level_year, gamma, gamma_var = _anchor_all(totals, later, ids, year, growth)
    rows = []
    for i, rid in enumerate(ids):
        (m, v), p = anchored[i], shares.mean[i]
        row = totals.loc[i].copy()
        row["sd_level"] = float(np.sqrt(v))
        own_kinds = {k for (r, _), items in seen.items() if r == rid for k, *_ in items}
        for t in TYPES:
            status = _status(effects.at[(rid, t), "status"], own_kinds, t)
            rows.append({"region": rid, "name": info.at[rid, "name"], "type": t,
                         "level": round(float(np.exp(m)) * (p if t == "acute" else 1 - p), 1), "level_year": level_year,
                         "sd_log": round(float(np.sqrt(v)), 3), "share_a": round(float(shares.a[i]), 2),
                         "share_b": round(float(shares.b[i]), 2), "status": status,
                         "rate_ratio": float(effects.at[(rid, t), "rate_ratio"]),
                         "provenance": _forecast_text(rid, info, t, status, effects.loc[(rid, t)], row, shares, i,
                                                      year, level_year, later[rid], gamma),
                         "population": int(info.at[rid, "population"]), "opened": info.at[rid, "opened"]})
    summary = {"tau": pooled.tau, "tau_estimated": pooled.tau_estimated, "kappa": shares.kappa,
               "kappa_estimated": shares.kappa_estimated, "prior_share": prior, "year": year,
               "level_year": level_year, "growth": float(np.expm1(gamma)), "growth_sd": float(np.sqrt(gamma_var)),
               "growth_regions": sorted(rid for rid, obs in later.items() if obs)}
    return pd.DataFrame.from_records(rows), summary
