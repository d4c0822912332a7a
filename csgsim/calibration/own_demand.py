"""A centre's own demand from its registrations: levels with intervals, trend, acute share, profiles.

Why these estimators: the level per year is a count, so its interval is Poisson (Garwood's exact
interval), or, when the weekly counts vary more than Poisson allows (a dispersion test on them),
negative binomial with the variance the weekly counts show. The level the scenario carries is
the fitted level of the last year under a log-linear trend (Poisson regression on daily counts)
where more than a year is registered, and its standard error is what replaces the population
share's ``level_sd_log`` in the input draws. Profiles are shrunk toward the shipped ones
(``own_profiles``). docs/registrations.md explains each step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from csgsim.config.schema import Profile, Scenario

from .own_profiles import Distributions, ProfileEstimate, distributions, hour_of_week_profile, seasonality
from .registrations import RegistrationError, Registrations

Z95 = 1.959963984540054
DISPERSION_P = 0.05  # weekly counts over-dispersed when Poisson's chi-square test rejects at this level
KINDS = ("acute", "non_acute")


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class YearLevel:
    """Reports of one type in one calendar year: the count, the part of the year registered, and
    the expected count for the whole year with its 95% interval."""

    year: int
    kind: str
    count: int
    fraction: float
    level: Interval


@dataclass(frozen=True)
class OwnDemand:
    """Everything estimated from one region's registrations (aggregates only)."""

    reports: int
    start: date
    end: date
    sha256: str
    years: tuple[YearLevel, ...]
    dispersion: float  # variance / mean of the weekly counts (1: Poisson)
    model: str  # "Poisson" or "negative binomial"
    level_year: int
    total: Interval  # expected reports of both types in level_year
    sd_log: float  # standard error of log(total): the scenario's level_sd_log
    growth: Interval | None  # growth per year (None: a year or less registered)
    growth_sd_log: float  # standard error of log(1 + growth)
    share: Interval  # acute share
    share_beta: tuple[float, float]
    profiles: dict[str, ProfileEstimate] = field(default_factory=dict)
    seasonality: dict[str, ProfileEstimate] = field(default_factory=dict)
    optional: Distributions | None = None

    def level(self, kind: str) -> float:
        share = self.share.value if kind == "acute" else 1.0 - self.share.value
        return self.total.value * share

    def provenance(self) -> str:
        return (f"own registration, {self.reports:,} reports {self.start} to {self.end}, "
                f"file SHA-256 {self.sha256}")


def period_of(calls: np.ndarray, start: date | None = None, end: date | None = None) -> tuple[date, date]:
    """The registered period: given, else the whole months from the first call to the last."""
    first = calls.min().astype("datetime64[D]").item()
    last = calls.max().astype("datetime64[D]").item()
    if start is None:
        start = first.replace(day=1)
    if end is None:
        end = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start, end


def daily_counts(calls: np.ndarray, start: date, days: int) -> np.ndarray:
    day = (calls.astype("datetime64[D]") - np.datetime64(start, "D")).astype(int)
    return np.bincount(day[(day >= 0) & (day < days)], minlength=days)


def dispersion(daily: np.ndarray, years: np.ndarray) -> tuple[float, bool]:
    """Variance over mean of the full weeks' counts around each year's mean; whether a chi-square
    test says they vary more than Poisson (then the intervals are negative binomial)."""
    from scipy.stats import chi2

    weeks = daily.size // 7
    if weeks < 8:
        return 1.0, False
    counts = daily[:weeks * 7].reshape(weeks, 7).sum(axis=1).astype(float)
    year = years[:weeks * 7:7]
    x2, df = 0.0, 0
    for y in np.unique(year):
        c = counts[year == y]
        if c.size > 1 and c.mean() > 0:
            x2 += float(((c - c.mean()) ** 2).sum() / c.mean())
            df += c.size - 1
    if df == 0:
        return 1.0, False
    phi = x2 / df
    return phi, bool(chi2.sf(x2, df) < DISPERSION_P and phi > 1.0)


def _garwood(count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from scipy.stats import chi2

    low = np.where(count > 0, chi2.ppf(0.025, 2 * np.maximum(count, 1)) / 2, 0.0)
    return low, chi2.ppf(0.975, 2 * count + 2) / 2


def year_levels(calls: np.ndarray, acute: np.ndarray, days: np.ndarray, phi: float,
                seasons: dict[str, np.ndarray]) -> tuple[YearLevel, ...]:
    """Expected reports per calendar year and type; the interval is Garwood's (Poisson), or
    lognormal with the variance times `phi` (negative binomial) when phi is not 1. A part-year is
    scaled by its share of the year's reports under the shipped seasonality (`fraction`)."""
    out = []
    year_of_call = calls.astype("datetime64[Y]").astype(int) + 1970
    for year in np.unique(days.astype("datetime64[Y]").astype(int) + 1970):
        whole = np.arange(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"))
        registered = (whole >= days[0]) & (whole <= days[-1])
        month = whole.astype("datetime64[M]").astype(int) % 12
        for kind, mask in (("acute", acute), ("non_acute", ~acute)):
            weight = seasons[kind][month]
            fraction = float(weight[registered].sum() / weight.sum())
            n = int(((year_of_call == year) & mask).sum())
            if phi == 1.0:
                low, high = _garwood(np.array(n))
            else:
                half = Z95 * np.sqrt(phi / max(n, 1))
                low, high = n * np.exp(-half), max(n, 1) * np.exp(half)
            out.append(YearLevel(int(year), kind, n, fraction,
                                 Interval(n / fraction, float(low) / fraction, float(high) / fraction)))
    return tuple(out)


def poisson_trend(daily: np.ndarray, offset: np.ndarray, t: np.ndarray, trend: bool) -> tuple[np.ndarray, np.ndarray]:
    """Poisson regression log E[count_d] = a + b t_d + offset_d (Newton-Raphson): (a, b) and their
    covariance. Without `trend` only a, in closed form."""
    if not trend:
        n, exposure = daily.sum(), np.exp(offset).sum()
        a = np.log(max(n, 0.5) / exposure)
        return np.array([a, 0.0]), np.array([[1.0 / max(n, 0.5), 0.0], [0.0, 0.0]])
    x = np.column_stack([np.ones_like(t), t])
    beta = np.array([np.log(max(daily.sum(), 0.5) / np.exp(offset).sum()), 0.0])
    for _ in range(30):
        mu = np.exp(x @ beta + offset)
        info = x.T @ (x * mu[:, None])
        step = np.linalg.solve(info, x.T @ (daily - mu))
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            break
    mu = np.exp(x @ beta + offset)
    return beta, np.linalg.inv(x.T @ (x * mu[:, None]))


def _season_offset(days: np.ndarray, shares: tuple[float, float], targets: dict[str, np.ndarray]) -> np.ndarray:
    """Log of each day's expected share under the shipped seasonality of both types, mixed by the
    acute share (so a part-year is not mistaken for a level)."""
    month = days.astype("datetime64[M]").astype(int) % 12
    mix = sum(s * targets[k][month] / targets[k].mean() for s, k in zip(shares, KINDS))
    return np.log(mix)


def event_days(scenario: Scenario, region: str, start: date, end: date) -> dict[str, np.ndarray]:
    """Each type's mean event multiplier per day of [start, end] under the scenario's events."""
    from csgsim.core.calendar import Calendar
    from csgsim.demand.intensity import event_multiplier

    cal = Calendar(start, (end - start).days + 1)
    return {k: event_multiplier([e for e in scenario.events if e.applies(region, k)], cal).reshape(-1, 24).mean(axis=1)
            for k in KINDS}


def estimate(reg: Registrations, targets: dict[str, Profile], target_seasons: dict[str, np.ndarray],
             start: date | None = None, end: date | None = None, contact_norm_minutes: float = 30.0,
             events: Callable[[date, date], dict[str, np.ndarray]] | None = None) -> OwnDemand:
    """The region's demand from its registrations in [start, end] (default: their whole months).

    `events(start, end)` gives each type's event multiplier per day: the scenario's level is the
    expected count before events (which the scenario applies on top), so the trend is fitted with
    the events as an offset and a known jump is not taken for growth."""
    from scipy.stats import beta as beta_dist

    start, end = period_of(reg.first_call, start, end)
    if end < start:
        raise RegistrationError(f"{reg.source}: the registered period ends ({end}) before it starts ({start})")
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    inside = (reg.first_call >= days[0]) & (reg.first_call < days[-1] + 1)
    if not inside.any():
        raise RegistrationError(f"{reg.source}: no report has its first call from {start} to {end}")
    calls, acute = reg.first_call[inside], reg.acute[inside]
    daily = daily_counts(calls, start, days.size)
    years = days.astype("datetime64[Y]").astype(int) + 1970
    phi_seen, over = dispersion(daily, years)
    phi = phi_seen if over else 1.0
    n_acute = int(acute.sum())
    a, b = n_acute + 0.5, int((~acute).sum()) + 0.5  # Jeffreys prior
    share = Interval(a / (a + b), float(beta_dist.ppf(0.025, a, b)), float(beta_dist.ppf(0.975, a, b)))
    level_year = int(years[-1])
    length = (date(level_year + 1, 1, 1) - date(level_year, 1, 1)).days
    middle = np.datetime64(date(level_year, 7, 2), "D")
    t = (days - middle).astype(float) / 365.25
    trend = days.size > 366
    offset = _season_offset(days, (share.value, 1 - share.value), target_seasons)
    if events is not None:
        uplift = events(start, end)
        offset = offset + np.log(share.value * uplift["acute"] + (1 - share.value) * uplift["non_acute"])
    (a0, b1), cov = poisson_trend(daily, offset, t, trend)
    sd, sd_growth = float(np.sqrt(cov[0, 0] * phi)), float(np.sqrt(cov[1, 1] * phi))
    total = Interval(*(float(np.exp(a0 + k * Z95 * sd) * length) for k in (0, -1, 1)))
    growth = None
    if trend:
        growth = Interval(*(float(np.expm1(b1 + k * Z95 * sd_growth)) for k in (0, -1, 1)))
    expected = np.exp(a0 + b1 * t)
    return OwnDemand(
        reports=int(calls.size), start=start, end=end, sha256=reg.sha256,
        years=year_levels(calls, acute, days, phi, target_seasons), dispersion=phi_seen,
        model="negative binomial" if over else "Poisson", level_year=level_year, total=total, sd_log=sd,
        growth=growth, growth_sd_log=sd_growth if trend else 0.0, share=share, share_beta=(a, b),
        profiles={k: hour_of_week_profile(calls[acute == (k == "acute")], days, targets[k]) for k in KINDS},
        seasonality={k: seasonality(calls[acute == (k == "acute")], days, expected, target_seasons[k])
                     for k in KINDS},
        optional=distributions(reg.only(inside), contact_norm_minutes))
