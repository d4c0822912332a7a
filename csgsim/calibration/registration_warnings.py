"""Warnings about an export that is valid but may not be complete: gaps and sudden level changes.

Why warnings and not errors: a month without reports can be a real quiet month in a small
region, and a level can truly change (a campaign, a new police practice). But a month with
nothing in a region that registers 20 a month, or a level that jumps from one month to the
next, more often means that the registration changed; the coordinator should look before the
level is trusted. Both tests are on monthly counts against a Poisson rate.
"""

from __future__ import annotations

from datetime import date

import numpy as np

GAP_P = 1e-3  # a month this unlikely under the region's usual rate is called a gap
MIN_EXPECTED = 5.0  # below this a month's count says little
CHANGE_LR = 20.0  # likelihood-ratio statistic of a two-level fit (about p < 1e-5 for one split)
CHANGE_RATIO = 1.5  # and the levels differ by at least this factor
MIN_MONTHS_EACH_SIDE = 3


def monthly(calls: np.ndarray, start: date, end: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(months, counts, registered days) of each calendar month in the period."""
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    month_of_day = days.astype("datetime64[M]")
    months = np.unique(month_of_day)
    index = np.searchsorted(months, calls.astype("datetime64[M]"))
    inside = (calls >= days[0]) & (calls < days[-1] + 1)
    counts = np.bincount(index[inside], minlength=months.size).astype(float)
    exposure = np.bincount(np.searchsorted(months, month_of_day), minlength=months.size).astype(float)
    return months, counts, exposure


def _loglik(counts: np.ndarray, exposure: np.ndarray) -> float:
    n, e = counts.sum(), exposure.sum()
    return float(n * np.log(n / e)) - n if n > 0 else 0.0


def gaps(months, counts, exposure) -> list[str]:
    from scipy.stats import poisson

    rate = float(np.median(counts / exposure))
    expected = rate * exposure
    low = (expected >= MIN_EXPECTED) & (poisson.cdf(counts, expected) < GAP_P)
    return [f"registration gap? {m}: {int(c)} reports where about {e:.0f} were expected (the region's usual "
            f"{rate * 30.4:.0f} a month)" for m, c, e in zip(months[low], counts[low], expected[low])]


def level_change(months, counts, exposure) -> list[str]:
    """The best single split of the months into two Poisson levels, when it is strong and large."""
    best = (0.0, 0)
    whole = _loglik(counts, exposure)
    for k in range(MIN_MONTHS_EACH_SIDE, months.size - MIN_MONTHS_EACH_SIDE + 1):
        lr = 2 * (_loglik(counts[:k], exposure[:k]) + _loglik(counts[k:], exposure[k:]) - whole)
        best = max(best, (lr, k))
    lr, k = best
    if k == 0 or lr < CHANGE_LR:
        return []
    before, after = (counts[:k].sum() / exposure[:k].sum(), counts[k:].sum() / exposure[k:].sum())
    if max(before, after) < CHANGE_RATIO * min(before, after):
        return []
    return [f"sudden level change from {months[k]}: {before * 30.4:.1f} reports a month from {months[0]} to "
            f"{months[k - 1]}, {after * 30.4:.1f} a month from {months[k]} to {months[-1]}; a changed registration?"]


def warnings(calls: np.ndarray, start: date, end: date) -> list[str]:
    """Every warning about the reports of one region in [start, end]."""
    months, counts, exposure = monthly(calls, start, end)
    if counts.sum() == 0:
        return []
    return gaps(months, counts, exposure) + level_change(months, counts, exposure)
