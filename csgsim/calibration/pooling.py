"""Partial pooling of region levels and acute shares, and the local-level update after the fit years.

Why hand-written: these are two textbook empirical-Bayes models (normal-normal for log rate
ratios, beta-binomial for shares) and a one-dimensional Kalman filter; each is a few lines of
closed-form algebra plus a one-parameter likelihood, smaller and easier to test than a general
mixed-model fit (statsmodels has no beta-binomial or Poisson mixed model with these offsets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Between-region spread of log rate ratios used when fewer than MIN_REGIONS regions have own counts
#: (an assumption: the 2019 own-count regions differ from the population share by 0.5 in log on average).
FALLBACK_TAU = 0.5
#: Prior strength (pseudo-reports) of the national acute share when fewer than MIN_REGIONS regions
#: report a split (an assumption).
FALLBACK_KAPPA = 50.0
MIN_REGIONS = 3


@dataclass(frozen=True)
class PooledRatios:
    """Posterior of each region's log rate ratio (own rate / population-share rate)."""

    mean: np.ndarray
    sd: np.ndarray
    tau: float
    tau_estimated: bool
    shrinkage: np.ndarray  # weight on the own estimate (1 = own rate, 0 = population share)


def pool_log_ratios(estimate: Sequence[float], se: Sequence[float]) -> PooledRatios:
    """Normal-normal empirical Bayes: log ratio_r ~ N(0, tau^2), estimate_r ~ N(log ratio_r, se_r^2).

    ``se`` = inf (or nan estimate) marks a region without own counts: its posterior is the
    prior N(0, tau^2), i.e. the population share with a wide band. tau is the maximum-likelihood
    value over the regions with own counts (marginal estimate_r ~ N(0, tau^2 + se_r^2)); with
    fewer than ``MIN_REGIONS`` such regions it is ``FALLBACK_TAU``. Mean 0 is the population
    share by construction of the history fit (the reference rate is that of the regions
    without own counts).
    """
    from scipy import optimize

    est = np.asarray(estimate, dtype=float)
    s = np.asarray(se, dtype=float)
    own = np.isfinite(est) & np.isfinite(s) & (s > 0)
    tau, estimated = FALLBACK_TAU, False
    if own.sum() >= MIN_REGIONS:
        e2, s2 = est[own] ** 2, s[own] ** 2

        def nll(t: float) -> float:
            v = t * t + s2
            return float(0.5 * np.sum(np.log(v) + e2 / v))

        best = optimize.minimize_scalar(nll, bounds=(0.0, 5.0), method="bounded", options={"xatol": 1e-6})
        tau, estimated = float(best.x), True
    t2 = tau * tau
    weight = np.where(own, t2 / (t2 + np.where(own, s, 1.0) ** 2), 0.0)
    mean = np.where(own, weight * np.where(own, est, 0.0), 0.0)
    var = np.where(own, weight * np.where(own, s, 1.0) ** 2, t2)
    return PooledRatios(mean, np.sqrt(var), tau, estimated, weight)


@dataclass(frozen=True)
class PooledShares:
    """Beta posterior of each region's acute share, shrunk toward the national share."""

    a: np.ndarray
    b: np.ndarray
    prior_share: float
    kappa: float
    kappa_estimated: bool

    @property
    def mean(self) -> np.ndarray:
        return self.a / (self.a + self.b)


def pool_shares(acute: Sequence[float], total: Sequence[float], prior_share: float) -> PooledShares:
    """Beta-binomial empirical Bayes: share_r ~ Beta(p kappa, (1 - p) kappa), acute_r ~ Bin(total_r, share_r).

    ``p`` is the national acute share; kappa (how many reports the national split is worth) is
    the maximum-likelihood value over regions with a split (total > 0), else ``FALLBACK_KAPPA``.
    A region without a split (total 0) gets the prior: the national share.
    """
    from scipy import optimize, special

    a = np.asarray(acute, dtype=float)
    n = np.asarray(total, dtype=float)
    has = n > 0
    kappa, estimated = FALLBACK_KAPPA, False
    if has.sum() >= MIN_REGIONS:
        ah, nh = a[has], n[has]

        def nll(log_k: float) -> float:
            k = np.exp(log_k)
            al, be = prior_share * k, (1 - prior_share) * k
            return -float(np.sum(special.betaln(ah + al, nh - ah + be) - special.betaln(al, be)))

        best = optimize.minimize_scalar(nll, bounds=(np.log(2.0), np.log(1e4)), method="bounded")
        kappa, estimated = float(np.exp(best.x)), True
    return PooledShares(prior_share * kappa + a, (1 - prior_share) * kappa + n - a, prior_share, kappa, estimated)


def anchor_level(mean: float, var: float, start: int, end: int, observations: dict[int, tuple[float, float]],
                 drift: float, drift_var: float) -> tuple[float, float]:
    """Log level in year ``end`` given its estimate in ``start`` and later counts (a two-state Kalman filter).

    The state is (log level x, log growth g) with x_{y+1} = x_y + g and g a persistent unknown
    drawn from N(drift, drift_var): the same growth model as the forecast. ``observations[y]`` is
    (log count, variance) for years after ``start`` (a Poisson count c has variance about 1 / c).
    Returns the mean and variance of x in ``end``.
    """
    m = np.array([mean, drift])
    p = np.diag([var, drift_var])
    step = np.array([[1.0, 1.0], [0.0, 1.0]])
    for year in range(start + 1, end + 1):
        m, p = step @ m, step @ p @ step.T
        if year in observations:
            z, r = observations[year]
            gain = p[:, 0] / (p[0, 0] + r)
            m = m + gain * (z - m[0])
            p = p - np.outer(gain, p[0, :])
    return float(m[0]), float(p[0, 0])


def match_national(shares: PooledShares, totals: np.ndarray, national_acute: float) -> PooledShares:
    """Shift every region's share by one constant on the logit scale so that sum(total x share) equals the
    national acute count; each region keeps its prior strength (a + b) and its place relative to the others.

    Why: shrinking toward the national split keeps small regions' splits plausible, but the national
    count of each type is known far better than any regional split.
    """
    from scipy import optimize, special

    weight = shares.a + shares.b
    logit = special.logit(shares.mean)

    def gap(shift: float) -> float:
        return float(np.sum(totals * special.expit(logit + shift)) - national_acute)

    shift = optimize.brentq(gap, -10.0, 10.0, xtol=1e-12)
    mean = special.expit(logit + shift)
    return PooledShares(mean * weight, (1 - mean) * weight, shares.prior_share, shares.kappa, shares.kappa_estimated)
