"""Profiles and durations from registrations: shrunk toward the shipped profile where data are few.

Why shrink, and how much: a centre with 60 reports a year has about one report per three cells
of the hour-of-week grid, so its raw profile is mostly noise. The estimate is the positive-part
James-Stein mix ``w = lam x own + (1 - lam) x shipped`` with ``lam = max(0, 1 - q / X2)``,
X2 being Pearson's chi-square of the counts against the shipped profile over K cells and q its
99th percentile under the shipped profile (a cautious James-Stein: plain James-Stein takes q =
K - 1 and leaves a small centre's monthly profile jagged about half the time). Counts that differ
from the shipped profile no more than chance does keep it; the more data and the clearer the
difference, the more the own profile counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from csgsim.config.schema import Profile

from .registrations import Registrations

MIN_REPORTS = 20  # fewer registered values of an optional column: not estimated
CAUTION = 0.99  # the chi-square quantile a profile must pass before the own data get weight
OFFICE = (9, 17)  # Mon-Fri 09-17, the hours the non-acute line is staffed


@dataclass(frozen=True)
class ProfileEstimate:
    """Weights (168 hours of the week, or 12 months; mean 1) with the weight the data got."""

    weights: np.ndarray
    data_weight: float
    reports: int
    outside_office: tuple[float, float, float] | None = None  # share outside Mon-Fri 09-17, 95% interval
    model_outside_office: float | None = None  # the same share under the shipped profile
    holidays_as_sunday: bool = True


@dataclass(frozen=True)
class Distributions:
    """The optional columns' summaries (acute reports; follow-ups per type)."""

    contact: dict[str, float] | None
    on_site: dict[str, float] | None
    forensic: tuple[int, tuple[float, float, float]] | None
    followups: dict[str, tuple[int, tuple[int, ...]]]


def jeffreys(k: int, n: int) -> tuple[float, float, float]:
    """A share k/n with its 95% Jeffreys interval."""
    from scipy.stats import beta

    a, b = k + 0.5, n - k + 0.5
    return k / n, float(beta.ppf(0.025, a, b)), float(beta.ppf(0.975, a, b))


def _pearson(counts: np.ndarray, expected: np.ndarray) -> tuple[float, int]:
    """Pearson's chi-square with the cells expecting fewer than 5 pooled into one (the usual rule:
    sparse cells would inflate it); and the number of cells it is taken over."""
    small = expected < 5
    x2 = float(((counts - expected) ** 2 / expected)[~small].sum())
    if small.any() and expected[small].sum() > 0:
        x2 += float((counts[small].sum() - expected[small].sum()) ** 2 / expected[small].sum())
    return x2, int((~small).sum() + small.any())


def shrink(counts: np.ndarray, exposure: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """James-Stein mix of the own rates (counts / exposure) and the target weights; mean 1."""
    target = target / target.mean()
    n = counts.sum()
    seen = exposure > 0
    if n == 0 or seen.sum() < 2:
        return target, 0.0
    expected = n * target * exposure / (target * exposure).sum()
    x2, cells = _pearson(counts[seen], expected[seen])
    from scipy.stats import chi2

    lam = max(0.0, 1.0 - float(chi2.ppf(CAUTION, cells - 1)) / x2) if x2 > 0 and cells > 1 else 0.0
    own = np.where(seen, counts / np.where(seen, exposure, 1.0), 0.0)
    own = np.where(seen, own / (n / (target * exposure).sum()), target)  # on the target's scale
    w = lam * own + (1 - lam) * target
    return w / w.mean(), lam


def _effective_weekday(days: np.ndarray, as_sunday: bool) -> np.ndarray:
    from csgsim.core.calendar import Calendar

    first = days[0].astype(object)
    weekday = (days.astype("datetime64[D]").astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    if as_sunday:
        weekday = np.where(Calendar(first, days.size).holiday, 6, weekday)
    return weekday


def hour_of_week_profile(calls: np.ndarray, days: np.ndarray, target: Profile) -> ProfileEstimate:
    """The hour-of-week profile of one type (holidays as Sunday where the shipped profile says so)."""
    weekday = _effective_weekday(days, target.holidays_as_sunday)
    exposure = np.repeat(np.bincount(weekday, minlength=7), 24).astype(float)
    index = (calls.astype("datetime64[D]") - days[0]).astype(int)
    hour = (calls - calls.astype("datetime64[D]")).astype("timedelta64[h]").astype(int)
    slot = weekday[index] * 24 + hour
    counts = np.bincount(slot, minlength=168).astype(float)
    weights, lam = shrink(counts, exposure, target.weights)
    office = np.zeros(168, dtype=bool)
    for d in range(5):
        office[d * 24 + OFFICE[0]:d * 24 + OFFICE[1]] = True
    p = target.weights * exposure / (target.weights * exposure).sum()
    n = int(counts.sum())
    outside = jeffreys(int(counts[~office].sum()), n) if n else None
    return ProfileEstimate(weights, lam, n, outside, float(p[~office].sum()), target.holidays_as_sunday)


def seasonality(calls: np.ndarray, days: np.ndarray, expected: np.ndarray, target: np.ndarray) -> ProfileEstimate:
    """Monthly factors of one type: counts per calendar month against the trend's expectation."""
    month = days.astype("datetime64[M]").astype(int) % 12
    exposure = np.bincount(month, weights=expected, minlength=12)
    counts = np.bincount(calls.astype("datetime64[M]").astype(int) % 12, minlength=12).astype(float)
    weights, lam = shrink(counts, exposure, np.asarray(target, dtype=float))
    return ProfileEstimate(weights, lam, int(counts.sum()))


def scenario_profile(weights: np.ndarray) -> dict[str, list[float]]:
    """168 weights as the scenario's ``hours`` (Mon-Fri), ``weekend_hours`` and ``days`` (the
    closest the format holds: one hour shape on weekdays, one at weekends, a factor per day)."""
    grid = weights.reshape(7, 24)
    days = grid.mean(axis=1)
    shape = grid / days[:, None]
    return {"hours": [round(float(v), 4) for v in shape[:5].mean(axis=0)],
            "weekend_hours": [round(float(v), 4) for v in shape[5:].mean(axis=0)],
            "days": [round(float(v), 4) for v in days / days.mean()]}


def _followups(reg: Registrations) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Per type: reports, and the median day of the j-th follow-up for j up to the median number."""
    out = {}
    rows, days = reg.followups
    order = np.lexsort((days, rows))
    rows, days = rows[order], days[order]
    rank = np.arange(rows.size) - np.searchsorted(rows, rows)
    per_report = np.bincount(rows, minlength=len(reg))
    for kind, mask in (("acute", reg.acute), ("non_acute", ~reg.acute)):
        if mask.sum() < MIN_REPORTS:
            continue
        k = int(np.median(per_report[mask]))
        picked = mask[rows]
        schedule, last = [], 0
        for j in range(k):
            day = int(round(float(np.median(days[picked & (rank == j)]))))
            last = max(day, last + 1)
            schedule.append(last)
        out[kind] = (int(mask.sum()), tuple(schedule))
    return out


def distributions(reg: Registrations, contact_norm_minutes: float) -> Distributions:
    """Contact delay, on-site time and forensic share of acute reports; follow-up schedules."""
    contact = on_site = forensic = None
    if reg.contact_minutes is not None:
        m = reg.contact_minutes[reg.acute & ~np.isnan(reg.contact_minutes)]
        if m.size >= MIN_REPORTS:
            share = jeffreys(int((m <= contact_norm_minutes).sum()), m.size)
            contact = {"n": m.size, "median": float(np.median(m)), "p90": float(np.quantile(m, 0.9)),
                       "within_norm": share[0], "within_low": share[1], "within_high": share[2]}
    if reg.on_site_minutes is not None:
        m = reg.on_site_minutes[reg.acute & (reg.on_site_minutes > 0)] / 60.0
        if m.size >= MIN_REPORTS:
            logs = np.log(m)
            half = 1.96 * logs.std(ddof=1) / np.sqrt(m.size)
            on_site = {"n": m.size, "median": float(np.exp(logs.mean())), "sigma": float(logs.std(ddof=1)),
                       "median_low": float(np.exp(logs.mean() - half)), "median_high": float(np.exp(logs.mean() + half)),
                       "low": float(np.quantile(m, 0.01)), "high": float(np.quantile(m, 0.99))}
    if reg.forensic is not None:
        f = reg.forensic[reg.acute & ~np.isnan(reg.forensic)]
        if f.size >= MIN_REPORTS:
            forensic = (f.size, jeffreys(int(f.sum()), f.size))
    followups = _followups(reg) if reg.followups is not None else {}
    return Distributions(contact, on_site, forensic, followups)
