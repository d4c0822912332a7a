"""Views of demand: counts per week or month, whole calendar years with and without input uncertainty, the outlook.

Why a shortcut beside the hour-by-hour sampler: a year's count is all a calibration check or a
multi-year outlook needs, and it has the same distribution as ``sample_arrivals`` summed over
the year (see ``annual_counts``), drawn for all replications at once. Each year is simulated
twice on the same arrival streams - with the inputs drawn per replication and with the central
inputs - so a band can be split into its input and its stochastic part.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from csgsim.config.schema import TYPES, Scenario
from csgsim.core.calendar import HOURS_PER_DAY
from csgsim.core.streams import stream

from . import uncertainty
from .intensity import base_intensity, event_multiplier, intensity, sample_arrivals, week_factors

if TYPE_CHECKING:
    import pandas as pd

WEEK_HOURS = 7 * 24


def _counts(weekly: np.ndarray, cv: float, arrivals_rng: np.random.Generator,
            week_rng: np.random.Generator) -> np.ndarray:
    """Reports per replication given each replication's expected reports per 7-day block (rows)."""
    factors = week_factors(cv, weekly.size, week_rng).reshape(weekly.shape)
    return arrivals_rng.poisson((factors * weekly).sum(axis=1))


def annual_counts(rate: np.ndarray, cv: float, replications: int, arrivals_rng: np.random.Generator,
                  week_rng: np.random.Generator) -> np.ndarray:
    """Reports in the period of ``rate`` for each replication, as ``demand.sample_arrivals`` draws them.

    ``sample_arrivals`` draws a Poisson process with rate x the gamma factor of its 7-day block
    (``demand.week_factors``), whose count over the period is Poisson(sum over blocks of factor x
    block rate): the same distribution, drawn for all replications at once.
    """
    weekly = np.add.reduceat(rate, np.arange(0, rate.size, WEEK_HOURS)) if rate.size else np.zeros(0)
    return _counts(np.tile(weekly, (replications, 1)), cv, arrivals_rng, week_rng)


def simulate_year(sc: Any, year: int, replications: int, seed: int) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """Per region and type, ``replications`` simulated counts of calendar year ``year``: ``full`` with the
    inputs drawn per replication (``demand.uncertainty``), ``stochastic`` with the central inputs, both
    on the same arrival streams, and ``expected`` (each replication's expected count given its inputs)."""
    uncertain = uncertainty.active(sc)
    draws = {rid: [uncertainty.draw(r, sc.events, seed, rep) for rep in range(replications)]
             for rid, r in sc.regions.items()} if uncertain else {}
    multipliers: dict[tuple[int, tuple[str, ...]], np.ndarray] = {}
    out = {}
    for rid, region in sc.regions.items():
        for kind in TYPES:
            central = intensity(sc, rid, kind)
            cv = region.demand(kind).overdispersion_cv
            blocks = np.arange(0, central.size, WEEK_HOURS)
            weekly = np.tile(np.add.reduceat(central, blocks), (replications, 1))
            if uncertain:
                base = base_intensity(region.demand(kind), sc.calendar)
                rows = []
                for rep, d in enumerate(draws[rid]):
                    events = tuple(e for e in d.events if e.applies(rid, kind))
                    key = (rep, tuple(e.name for e in events))
                    if key not in multipliers:
                        multipliers[key] = event_multiplier(list(events), sc.calendar)
                    rows.append(np.add.reduceat(base * multipliers[key], blocks)
                                * uncertainty.year_factor(region, kind, year, d))
                full_weekly = np.array(rows)
            else:
                full_weekly = weekly
            streams = [stream(seed, year, rid, f"{kind}_{name}") for name in ("arrivals", "weeks")]
            again = [stream(seed, year, rid, f"{kind}_{name}") for name in ("arrivals", "weeks")]
            out[(rid, kind)] = {"full": _counts(full_weekly, cv, *streams), "stochastic": _counts(weekly, cv, *again),
                                "expected": full_weekly.sum(axis=1), "central": float(central.sum())}
    return out


def calendar_year(scenario: Scenario, year: int) -> Scenario:
    """The scenario over calendar year ``year`` (1 January, 365 or 366 days, no warm-up)."""
    days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    return replace(scenario, start=dt.date(year, 1, 1), days=days, warmup_days=0)


def _band(values: np.ndarray) -> tuple[float, float]:
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


def outlook(scenario: Scenario, regions: list[str], kind: str, years: range, replications: int,
            seed: int) -> pd.DataFrame:
    """Reports of ``kind`` per region (and their sum, 'all') and calendar year, with 95% bands.

    ``mean``, ``median`` and the band include the input uncertainty (level, split, growth,
    event sizes, drawn once per replication and kept over the years); ``stoch_low``/``stoch_high``
    is the band with the central inputs (Poisson and week-factor chance only); ``input_share``
    is the share of the variance due to the inputs (law of total variance: the variance of each
    replication's expected count over the variance of the count).
    """
    import pandas as pd

    rows = []
    for year in years:
        sims = simulate_year(calendar_year(scenario, year), year, replications, seed)
        groups = [(rid, [rid]) for rid in regions] + ([("all", regions)] if len(regions) > 1 else [])
        for name, members in groups:
            full = sum(sims[(r, kind)]["full"] for r in members)
            stochastic = sum(sims[(r, kind)]["stochastic"] for r in members)
            expected = sum(sims[(r, kind)]["expected"] for r in members)
            var = float(np.var(full))
            rows.append({"region": name, "year": year, "central": sum(sims[(r, kind)]["central"] for r in members),
                         "mean": float(np.mean(full)), "median": float(np.median(full)),
                         "low": _band(full)[0], "high": _band(full)[1], "stoch_low": _band(stochastic)[0],
                         "stoch_high": _band(stochastic)[1],
                         "input_share": min(1.0, float(np.var(expected)) / var) if var else 0.0})
    return pd.DataFrame.from_records(rows)


def by_period(scenario: Scenario, region: str, kind: str, by: str = "week", replications: int = 200,
              seed: int | None = None) -> pd.DataFrame:
    """Expected reports per week or month with and without events, and simulated 95% bands.

    `event_effect` is what the scenario's events add in expectation; the simulated columns come
    from the same sampler the model uses, with the inputs drawn per replication where the scenario
    says they are uncertain, so over-dispersion and input uncertainty show in the band's width.
    """
    import pandas as pd

    seed = scenario.seed if seed is None else seed
    cal = scenario.calendar
    base = base_intensity(scenario.regions[region].demand(kind), cal)
    rate = intensity(scenario, region, kind)
    day = np.repeat(np.arange(cal.days), HOURS_PER_DAY)
    dates = pd.to_datetime(cal.start) + pd.to_timedelta(day, unit="D")
    period = (dates.to_period("W-SUN") if by == "week" else dates.to_period("M")).start_time
    labels, idx = np.unique(period, return_inverse=True)
    cv = scenario.regions[region].demand(kind).overdispersion_cv
    sims = np.empty((replications, labels.size))
    drawn = uncertainty.active(scenario)
    for rep in range(replications):
        inputs = uncertainty.draw(scenario.regions[region], scenario.events, seed, rep) if drawn else None
        t, _ = sample_arrivals(rate if inputs is None else uncertainty.rate(scenario.regions[region], kind, cal, inputs),
                               cv, lambda k: stream(seed, rep, region, f"{kind}_arrivals", k),
                               stream(seed, rep, region, f"{kind}_weeks"))
        sims[rep] = np.bincount(idx[t.astype(np.int64)], minlength=labels.size)
    return pd.DataFrame({
        "period_start": pd.Series(dates).groupby(idx).min().dt.date.to_numpy(),  # clipped to the horizon
        "days": np.bincount(idx, minlength=labels.size) / HOURS_PER_DAY,
        "expected": np.bincount(idx, rate, minlength=labels.size),
        "without_events": np.bincount(idx, base, minlength=labels.size),
        "simulated_mean": sims.mean(axis=0),
        "simulated_low": np.percentile(sims, 2.5, axis=0),
        "simulated_high": np.percentile(sims, 97.5, axis=0),
    }).assign(event_effect=lambda d: d["expected"] - d["without_events"])
