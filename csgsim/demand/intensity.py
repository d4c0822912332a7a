"""Demand: when reports arrive, per region and type.

The intensity is piecewise constant per hour (docs/model.md#2-demand):

    annual level x seasonality x hour-of-week profile x event multipliers x week factor

The annual level is the expected count in each calendar year before events, so seasonality,
profile and holidays only move reports around within the year. Arrivals are sampled exactly
for a piecewise-constant intensity, by thinning a dominating process in fixed height bands
(`sample_arrivals`), so that more demand adds reports without moving the others.
Nothing wraps around: every factor is looked up by real calendar date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np

from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.config.schema import Demand, Event, Scenario


def _year_shape(demand: Demand, year: int) -> np.ndarray:
    """Relative weight of each hour of one calendar year (seasonality x profile)."""
    cal = Calendar(date(year, 1, 1), (date(year + 1, 1, 1) - date(year, 1, 1)).days)
    day_of_week = cal.weekday.copy()
    if demand.profile.holidays_as_sunday:
        day_of_week[cal.holiday] = 6
    how = (day_of_week[:, None] * HOURS_PER_DAY + np.arange(HOURS_PER_DAY)).ravel()
    season = demand.seasonality[cal.month] / demand.seasonality.mean()
    return demand.profile.weights[how] * np.repeat(season, HOURS_PER_DAY)


def base_intensity(demand: Demand, calendar: Calendar) -> np.ndarray:
    """Expected reports in each hour of the horizon, before events and week factors."""
    parts = []
    first, last = calendar.start, calendar.dates[-1]
    for year in range(first.year, last.year + 1):
        shape = _year_shape(demand, year)
        rate = demand.annual_level(year) * shape / shape.sum()
        lo = max(0, (first - date(year, 1, 1)).days) * HOURS_PER_DAY
        hi = (min(last, date(year, 12, 31)) - date(year, 1, 1)).days * HOURS_PER_DAY + HOURS_PER_DAY
        parts.append(rate[lo:hi])
    return np.concatenate(parts)


# --- events -------------------------------------------------------------------------------


def _ramp_integral(t: np.ndarray, ramp: float) -> np.ndarray:
    """Integral from 0 to t of min(max(s / ramp, 0), 1) ds (a step when ramp is 0)."""
    t = np.maximum(t, 0.0)
    if ramp <= 0:
        return t
    return np.where(t < ramp, t * t / (2 * ramp), ramp / 2 + (t - ramp))


def _decay_integral(t: np.ndarray, tau: float) -> np.ndarray:
    """Integral from 0 to t of exp(-s / tau) ds, zero before 0."""
    t = np.maximum(t, 0.0)
    return tau * -np.expm1(-t / tau)


def event_uplift_integral(event: Event, calendar: Calendar, t: np.ndarray) -> np.ndarray:
    """Integral over [-inf, t] of the event's relative uplift e(s), t in hours since the start.

    level:    e = effect x ramp(s)                                 from `start`
    spike:    e = effect x (lasting + (1 - lasting) exp(-s / decay)) from `start`
    campaign: e = effect x ramp(s) until `end`, then decays with e-folding time `decay_days`
    """
    s = np.asarray(t, dtype=float) - calendar.hour_of(event.start)
    ramp = event.ramp_days * HOURS_PER_DAY
    if event.kind == "level":
        return event.effect * _ramp_integral(s, ramp)
    if event.kind == "spike":
        tau = event.decay_days * HOURS_PER_DAY
        return event.effect * (event.lasting * np.maximum(s, 0.0) + (1 - event.lasting) * _decay_integral(s, tau))
    length = calendar.hour_of(event.end) - calendar.hour_of(event.start)
    during = _ramp_integral(np.minimum(s, length), ramp)
    level_at_end = min(length / ramp, 1.0) if ramp > 0 else 1.0
    tau = event.decay_days * HOURS_PER_DAY
    after = level_at_end * _decay_integral(s - length, tau) if tau > 0 else 0.0
    return event.effect * (during + after)


def event_multiplier(events: list[Event], calendar: Calendar) -> np.ndarray:
    """Per-hour multiplier: the product over events of 1 + (the uplift's exact hourly mean)."""
    edges = np.arange(calendar.days * HOURS_PER_DAY + 1, dtype=float)
    m = np.ones(edges.size - 1)
    for ev in events:
        m *= 1.0 + np.diff(event_uplift_integral(ev, calendar, edges))
    return m


def intensity(scenario: Scenario, region: str, kind: str, calendar: Calendar | None = None) -> np.ndarray:
    """Expected reports per hour, events included (week factors have mean 1).

    The hours are those of `calendar`, by default the scenario's reported period.
    """
    demand = scenario.regions[region].demand(kind)
    cal = scenario.calendar if calendar is None else calendar
    events = [e for e in scenario.events if e.applies(region, kind)]
    return base_intensity(demand, cal) * event_multiplier(events, cal)


# --- sampling -----------------------------------------------------------------------------


def week_factors(cv: float, n_weeks: int, rng: np.random.Generator) -> np.ndarray:
    """Gamma(mean 1, CV cv) factor per 7-day block from the start; cv = 0 gives ones."""
    if cv == 0:
        return np.ones(n_weeks)
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, n_weeks)


#: Height of the first band of the thinned process (reports per hour); band k spans
#: [BAND0 (2^k - 1), BAND0 (2^(k+1) - 1)). Absolute, so a variant's rate never moves the bands.
BAND0 = 2.0**-6
#: Hours of a week: the week factor's block.
WEEK = 7 * HOURS_PER_DAY


def sample_arrivals(
    rate: np.ndarray, cv: float, band_rng: Callable[[int], np.random.Generator], week_rng: np.random.Generator,
    marks: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Arrival times (hours, sorted) of a Poisson process with hourly rates `rate` x week factor,
    and `marks` uniform numbers per arrival (the report's durations, by inverse CDF).

    Thinning in two dimensions: band k (its own stream, `band_rng(k)`) holds a homogeneous
    Poisson process of points (t, y) over the horizon and the band's heights; a point is a
    report if y < rate(t) x factor(t). A band's points depend only on its height and the
    horizon, never on the rate, so a variant with a higher rate keeps every report of a lower
    one, each with its own marks. The week factor (gamma, mean 1, CV cv) makes weekly counts
    over-dispersed when cv > 0.
    """
    hours = rate.size
    # No spread: the factors are ones, drawn from nothing, and the rate times one is the rate.
    factor = None if cv == 0 else week_factors(cv, -(-hours // WEEK), week_rng)
    top = _top(rate, factor)
    times, marked = [np.zeros(0)], [np.zeros((0, marks))]
    k = 0
    while BAND0 * (2**k - 1) < top:
        rng = band_rng(k)
        low, width = BAND0 * (2**k - 1), BAND0 * 2**k
        n = int(rng.poisson(width * hours))
        t = rng.random(n) * hours
        keep = low + width * rng.random(n) < _level(rate, factor, t.astype(np.int64))
        u = rng.random((marks, n)).T  # mark j of each point: the j-th run of n uniforms, as drawn one by one
        times.append(t[keep])
        marked.append(u[keep])
        k += 1
    t, u = np.concatenate(times), np.concatenate(marked)
    order = t.argsort(kind="stable")
    return t[order], u[order]


def _level(rate: np.ndarray, factor: np.ndarray | None, hour: np.ndarray) -> np.ndarray:
    """The level of the thinned process at the given hours: the rate times the factor of the
    hour's week (`factor`: per week; None: ones). Asked only at the bands' points, not made for
    every hour (two arrays of the horizon's length a call)."""
    return rate[hour] if factor is None else rate[hour] * factor[hour // WEEK]


def _top(rate: np.ndarray, factor: np.ndarray | None) -> float:
    """The highest level of any hour (0 for none), from each week's top rate: a product's
    rounding keeps the order of what one factor multiplies, so this is exactly the top."""
    if not rate.size:
        return 0.0
    if factor is None:
        return float(rate.max())
    return float((np.maximum.reduceat(rate, np.arange(0, rate.size, WEEK)) * factor).max())
