"""Partial pooling of region levels and acute shares, and the local-level update after the fit years.

Why hand-written: these are two textbook hierarchical models (normal-normal for log rate
ratios, beta-binomial for shares; the one hyperparameter of each integrated over a grid) and a
two-state Kalman filter; each is a few lines of closed-form algebra, smaller and easier to test
than a general mixed-model fit (statsmodels has no beta-binomial or Poisson mixed model with
these offsets and composite national observations).
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
    """Normal-normal hierarchical model: log ratio_r ~ N(0, tau^2), estimate_r ~ N(log ratio_r, se_r^2).

    ``se`` = inf (or a nan estimate) marks a region without own counts: its posterior is the
    prior, i.e. the population share with a wide band. tau is integrated over a grid (flat prior
    on tau, 0-3) given the regions with own counts (marginal estimate_r ~ N(0, tau^2 + se_r^2)),
    so a spread estimated from few regions widens the bands instead of being taken as exact; with
    fewer than ``MIN_REGIONS`` such regions tau is ``FALLBACK_TAU``. Each posterior, a mixture
    over tau, is summarised by its mean and sd. Mean 0 is the population share by construction of
    the history fit (the reference rate is that of the regions without own counts).
    """
    est = np.asarray(estimate, dtype=float)
    s = np.asarray(se, dtype=float)
    own = np.isfinite(est) & np.isfinite(s) & (s > 0)
    grid, estimated = np.array([FALLBACK_TAU]), False
    weight = np.ones(1)
    if own.sum() >= MIN_REGIONS:
        grid, estimated = np.linspace(0.0, 3.0, 601), True
        v = grid[:, None] ** 2 + s[own][None, :] ** 2
        log_like = -0.5 * np.sum(np.log(v) + est[own][None, :] ** 2 / v, axis=1)
        weight = np.exp(log_like - log_like.max())
        weight /= weight.sum()
    t2 = grid[:, None] ** 2
    s2 = np.where(own, s, 1.0)[None, :] ** 2
    shrink = np.where(own[None, :], t2 / np.maximum(t2 + s2, 1e-300), 0.0)
    cond_mean = shrink * np.where(own, est, 0.0)[None, :]
    cond_var = np.where(own[None, :], shrink * s2, t2)
    mean = weight @ cond_mean
    var = weight @ (cond_var + cond_mean**2) - mean**2
    return PooledRatios(mean, np.sqrt(var), float(weight @ grid), estimated, weight @ shrink)


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
    """Beta-binomial hierarchical model: share_r ~ Beta(p kappa, (1 - p) kappa), acute_r ~ Bin(total_r, share_r).

    ``p`` is the national acute share; kappa (how many reports the national split is worth) is
    integrated over a log grid from 2 to 10,000 with prior density proportional to kappa^-3/2 (the
    usual weakly informative prior for a beta-binomial's concentration), given the regions with a
    split (total > 0); with fewer than ``MIN_REGIONS`` of them kappa is ``FALLBACK_KAPPA``. Each
    region's posterior, a mixture of betas, is summarised by the beta with the same mean and
    variance. A region without a split gets the national share.
    """
    from scipy import special

    a = np.asarray(acute, dtype=float)
    n = np.asarray(total, dtype=float)
    has = n > 0
    grid, weight, estimated = np.array([FALLBACK_KAPPA]), np.ones(1), False
    if has.sum() >= MIN_REGIONS:
        grid, estimated = np.exp(np.linspace(np.log(2.0), np.log(1e4), 400)), True
        al, be = prior_share * grid[:, None], (1 - prior_share) * grid[:, None]
        log_like = np.sum(special.betaln(a[has] + al, n[has] - a[has] + be) - special.betaln(al, be), axis=1)
        log_post = log_like - 0.5 * np.log(grid)  # kappa^-3/2 on a log grid: kappa^-1/2 per grid step
        weight = np.exp(log_post - log_post.max())
        weight /= weight.sum()
    pa = prior_share * grid[:, None] + a[None, :]
    pb = (1 - prior_share) * grid[:, None] + (n - a)[None, :]
    cond_mean = pa / (pa + pb)
    cond_var = pa * pb / ((pa + pb) ** 2 * (pa + pb + 1))
    mean = weight @ cond_mean
    var = weight @ (cond_var + cond_mean**2) - mean**2
    strength = mean * (1 - mean) / var - 1
    return PooledShares(mean * strength, (1 - mean) * strength, prior_share, float(np.exp(weight @ np.log(grid))),
                        estimated)


def anchor_level(mean: float, var: float, start: int, end: int, observations: dict[int, tuple[float, float]],
                 drift: float, drift_var: float) -> tuple[float, float, float, float]:
    """Log level in year ``end`` given its estimate in ``start`` and later counts (a two-state Kalman filter).

    The state is (log level x, log growth g) with x_{y+1} = x_y + g and g a persistent unknown
    drawn from N(drift, drift_var): the same growth model as the forecast. ``observations[y]`` is
    (log count, variance) for years after ``start`` (a Poisson count c has variance about 1 / c).
    Returns the mean and variance of x in ``end``, and the mean and variance of g.
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
    return float(m[0]), float(p[0, 0]), float(m[1]), float(p[1, 1])


def pooled_growth(drift: float, national_var: float, region_var: float,
                  posteriors: list[tuple[float, float]]) -> tuple[float, float]:
    """The national log growth from the regions' own later counts: g_r = gamma + nu_r, gamma ~ N(drift, national_var),
    nu_r ~ N(0, region_var).

    ``posteriors`` are each region's growth posterior (mean, variance) from ``anchor_level`` under
    the prior N(drift, national_var + region_var); the prior is divided out to get what the
    region's counts alone say (mean d_r, variance u_r), and gamma's posterior is the normal update
    with d_r ~ N(gamma, region_var + u_r). Returns gamma's mean and variance (the prior without data).
    """
    prior = national_var + region_var
    precision, weighted = 1.0 / national_var, drift / national_var
    for mean, var in posteriors:
        info = 1.0 / var - 1.0 / prior
        if info <= 1e-12:
            continue
        d, u = (mean / var - drift / prior) / info, 1.0 / info
        precision += 1.0 / (region_var + u)
        weighted += d / (region_var + u)
    return weighted / precision, 1.0 / precision


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
