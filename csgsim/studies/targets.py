"""Sizing targets and their verdicts: what "meets" means for a mean, a rare event and a percentile.

A target is `metric<=bound` or `metric>=bound` on a region metric. How it is judged depends on
the metric (see `Target.judge`): a t-interval for a mean, an exact binomial bound on the share
of replications beyond the bound for a rare event (never "all replications agreed"), and the
pooled share of delays within the bound for a delay percentile.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
import pandas as pd

from csgsim.config import scenario as scenario_mod
from csgsim.core import files
from csgsim.core.errors import CsgsimError
from csgsim.analysis.confidence import clean_runs_needed, clopper_pearson, pooled_share
from csgsim.analysis.metrics import REGION_METRICS
from csgsim.analysis.summary import percentile_of
from csgsim.analysis.confidence import confidence_interval
from csgsim.runtime.jobs import Replication

MEETS, FAILS, OPEN, UNMEASURED = "meets", "fails", "open", "not measured"
#: How a target is judged (Target.kind) and what its Stat holds (Stat.statistic).
MEAN_T, RARE, PERCENTILE = "mean", "rare event", "percentile"


EXCEEDANCE = "share of replications beyond the bound, exact binomial interval"


POOLED_SHARE = "pooled share of delays on the meeting side of the bound, replication-cluster interval"


#: Default largest acceptable share of replications beyond a rare-event bound (e.g. years with a gap).
RARE_RISK = 0.05


#: The range of a metric by its unit (metrics.REGION_METRICS), for bounds at its edge.
_RANGES = {"share": (0.0, 1.0), **{u: (0.0, np.inf) for u in ("count", "h", "min", "days", "cases", "ratio")}}


#: Delay -> the column of REGION_METRICS counting the reports that still wait for it at the horizon.
_OPEN_COLUMN = {"acute_contact": list(REGION_METRICS).index("acute_open_at_horizon"),
                "intake_wait": list(REGION_METRICS).index("intake_open_at_horizon")}


#: Within-norm shares of the reports answered -> (reports, still waiting at the horizon): as a target
#: the share is taken of all reports, those still waiting counted outside the norm.
_WITHIN = {"acute_contact_within_norm": ("acute_reports", "acute_open_at_horizon"),
           "intake_within_norm": ("non_acute_reports", "intake_open_at_horizon")}


_TARGET = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


class SizingError(CsgsimError):
    """A target, a size range or a sizing request that cannot be used."""


class Stat(NamedTuple):
    """What a target's replications show: an estimate with its interval, and the verdict."""

    value: float  # the mean; or the share of replications beyond the bound; or the pooled share within it
    lo: float
    hi: float
    n: int  # replications that measured it
    verdict: str
    statistic: str = MEAN_T


@dataclass(frozen=True)
class Target:
    metric: str
    op: str  # "<=" or ">="
    bound: float
    risk: float = RARE_RISK  # rare-event reading: the largest acceptable share of replications beyond the bound

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.bound:g}"

    @property
    def kind(self) -> str:
        """RARE: the bound is the edge of the metric's range (`gap_hours<=0`, a share `>=1`), so
        only the chance of a replication beyond it can be bounded; PERCENTILE: a delay
        percentile, judged on the pooled delays; MEAN_T otherwise."""
        low, high = _RANGES.get(REGION_METRICS[self.metric][0], (-np.inf, np.inf))
        if (self.op == "<=" and self.bound <= low) or (self.op == ">=" and self.bound >= high):
            return RARE
        return PERCENTILE if percentile_of(self.metric) else MEAN_T

    def per_replication(self, rep: Replication, row: int = 0) -> tuple[float, float]:
        """What one replication of the region at `row` of its job contributes: (the metric's
        value, NaN), or for a percentile target (delays on the meeting side of the bound, delays
        counting the reports still waiting at the horizon, whose delay is beyond every bound)."""
        if self.kind != PERCENTILE:
            value = float(rep.regions[row, list(REGION_METRICS).index(self.metric)])
            if self.metric in _WITHIN:  # the share of all reports, those still waiting counted as late
                total, still = (float(rep.regions[row, list(REGION_METRICS).index(m)]) for m in _WITHIN[self.metric])
                value = value * (total - still) / total if total > still >= 0 and total > 0 else value
            return value, np.nan
        delay = percentile_of(self.metric)[0]
        delays = rep.delays[row][delay]
        # pooled pNN <= b  <=>  share of delays <= b is >= q;  pooled pNN >= b  <=>  share < b is < q
        side = delays <= self.bound if self.op == "<=" else delays < self.bound
        # A report still waiting at the horizon has a delay longer than the run shows: counted as
        # beyond the bound, so an overloaded run cannot look good by answering only the early calls.
        still = float(rep.regions[row, _OPEN_COLUMN[delay]]) if delay in _OPEN_COLUMN else 0.0
        return float(side.sum()), float(delays.size) + still

    def judge(self, values: np.ndarray, level: float) -> Stat:
        """The verdict from per-replication values ((reps, 2), see `per_replication`).

        Means get a t-interval; a rare-event target, or a mean whose replications are all equal,
        an exact Clopper-Pearson bound on the share of replications beyond the bound (never
        'exact' because every replication agreed); a percentile target the pooled share of
        delays within the bound, with replications as clusters (see confidence.pooled_share).
        """
        if self.kind == PERCENTILE:
            return self._judge_percentile(values, level)
        v = values[:, 0][~np.isnan(values[:, 0])]
        if v.size == 0:
            return Stat(np.nan, np.nan, np.nan, 0, OPEN)
        if self.kind == RARE or np.all(v == v[0]):
            beyond = int((v > self.bound).sum() if self.op == "<=" else (v < self.bound).sum())
            lo, hi = clopper_pearson(beyond, v.size, level)
            verdict = MEETS if hi <= self.risk else FAILS if lo > self.risk else OPEN
            return Stat(beyond / v.size, lo, hi, int(v.size), verdict, EXCEEDANCE)
        mean, lo, hi, n = confidence_interval(pd.Series(v), level)
        low, high = _RANGES.get(REGION_METRICS[self.metric][0], (-np.inf, np.inf))
        lo, hi = max(lo, low), min(hi, high)
        good, bad = (hi <= self.bound, lo > self.bound) if self.op == "<=" else (lo >= self.bound, hi < self.bound)
        return Stat(mean, lo, hi, n, MEETS if good else FAILS if bad else OPEN)

    def _judge_percentile(self, values: np.ndarray, level: float) -> Stat:
        share, lo, hi, n = pooled_share(values[:, 0], values[:, 1], level)
        if n == 0:
            return Stat(np.nan, np.nan, np.nan, 0, OPEN, POOLED_SHARE)
        q = percentile_of(self.metric)[1]
        good, bad = (lo >= q, hi < q) if self.op == "<=" else (hi < q, lo >= q)
        return Stat(share, lo, hi, n, MEETS if good else FAILS if bad else OPEN, POOLED_SHARE)


def parse_target(text: str) -> Target:
    """`metric<=number` or `metric>=number`, the metric one of REGION_METRICS."""
    m = _TARGET.match(text)
    if not m:
        raise SizingError(f"target {text!r}: expected METRIC<=NUMBER or METRIC>=NUMBER, "
                          "e.g. 'acute_contact_p95<=30' (quote it in the shell)")
    metric, op, bound = m.group(1), m.group(2), float(m.group(3))
    if metric not in REGION_METRICS:
        raise SizingError(f"target {text!r}: unknown metric {metric!r}; allowed: {', '.join(REGION_METRICS)}")
    if REGION_METRICS[metric][0] == "share" and not 0 <= bound <= 1:
        hint = f" (did you mean {bound / 100:g}?)" if 1 < bound <= 100 else ""
        raise SizingError(f"target {text!r}: {metric} is a share, written 0-1{hint}")
    if not math.isfinite(bound):
        raise SizingError(f"target {text!r}: the bound must be a finite number")
    low, high = _RANGES.get(REGION_METRICS[metric][0], (-math.inf, math.inf))
    if (op == "<=" and bound < low) or (op == ">=" and bound > high):
        raise SizingError(f"target {text!r}: no team can meet it, {metric} is never "
                          f"{'below' if op == '<=' else 'above'} {low if op == '<=' else high:g}")
    return Target(metric, op, bound)


def load_targets(path: str | Path) -> list[Target]:
    """A TOML file with `targets = ["acute_contact_p95<=30", ...]`."""
    try:
        data = tomllib.loads(files.read_text(path, "targets file", SizingError))
    except tomllib.TOMLDecodeError as exc:
        raise SizingError(f"{path}: cannot be read as TOML ({exc})") from None
    targets = data.get("targets")
    extra = sorted(set(data) - {"targets"})
    if extra or not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
        raise SizingError(f"{path}: expected only targets = [\"metric<=number\", ...] (a non-empty list of strings)")
    try:
        return [parse_target(t) for t in targets]
    except SizingError as exc:
        raise SizingError(f"{path}: {exc}") from None


def default_targets(sc: scenario_mod.Scenario) -> list[Target]:
    """The questions a coordinator asks of a roster: acute contact within the norm (p95), no gap
    hours, and the legal limit of 14 on-call days per 4 weeks (Arbeidstijdenwet), which size the
    people; follow-ups on time and intakes within the norm, which size the casework hours.
    """
    return [parse_target(t) for t in (f"acute_contact_p95<={sc.norms.acute_contact_minutes:g}",
                                      "followup_on_time>=0.95", "gap_hours<=0", "max_oncall_days_per_4w<=14",
                                      "intake_within_norm>=0.95")]


#: Largest team tried (the largest CSG has about 20 casemanagers) and most candidates per call.
MAX_TEAM, MAX_CANDIDATES = 200, 50


def parse_sizes(text: str) -> list[int]:
    """`4-9` or `4,5,7` (or both, `3,5-8`): casemanagers per region, at least 1."""
    sizes: set[int] = set()
    for part in text.split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        low, high = (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (0, 0)
        if not m or not 1 <= low <= high <= MAX_TEAM:
            raise SizingError(f"sizes {text!r}: expected a range like 4-9 or a list like 4,5,7 of whole numbers "
                              f"from 1 to {MAX_TEAM}")
        sizes.update(range(low, high + 1))
        if len(sizes) > MAX_CANDIDATES:
            raise SizingError(f"sizes {text!r}: at most {MAX_CANDIDATES} candidate sizes at once")
    return sorted(sizes)


def describe(st: Stat) -> str:
    """A Stat's estimate in words, e.g. 'mean 0.31' or '2% of replications beyond the bound'."""
    if st.statistic == EXCEEDANCE:
        return f"{st.value:.0%} of {st.n} replications beyond the bound"
    if st.statistic == POOLED_SHARE:
        return f"{st.value:.1%} of delays within the bound"
    return f"mean {st.value:.3g}"


#: Largest cap `replications_to_settle` looks at; beyond it a verdict is called out of practical reach.
SETTLE_LIMIT = 100_000


def replications_to_settle(target: Target, st: Stat, level: float, level_at: Callable[[int], float]) -> int | None:
    """About how many replications (a cap for --max-replications) would settle an open verdict,
    if the estimate seen so far held: None when the estimate sits on the bound, or no cap up to
    SETTLE_LIMIT would do. `level` is the level `st` was judged at, `level_at(cap)` the level of
    each interval at a larger cap (more looks, so a stricter level). A rare event is checked with the exact bound at the share seen;
    a mean or a pooled share by its half-width shrinking as one over the root of the replications.
    """
    cap = st.n
    while cap < SETTLE_LIMIT:
        cap = math.ceil(cap * 1.25 / 10) * 10
        at = level_at(cap)
        if st.statistic == EXCEEDANCE:
            beyond = st.value * cap  # the share seen, at the larger cap
            if st.value < target.risk and clopper_pearson(math.ceil(beyond - 1e-9), cap, at)[1] <= target.risk:
                return cap
            if st.value > target.risk and clopper_pearson(math.floor(beyond + 1e-9), cap, at)[0] > target.risk:
                return cap
            continue
        edge = percentile_of(target.metric)[1] if st.statistic == POOLED_SHARE else target.bound
        half = (st.hi - st.lo) / 2 * math.sqrt(st.n / cap) * _z(at) / _z(level)
        if 0 < half < abs(st.value - edge):
            return cap
    return None


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def clean_replications(target: Target, level: float) -> int:
    """Replications with nothing beyond the bound that a 'meets' of a rare-event or percentile
    target needs at least (for a mean, when all its replications come out equal)."""
    pct = percentile_of(target.metric)
    risk = 1 - pct[1] if target.kind == PERCENTILE and pct else target.risk
    return clean_runs_needed(risk, level)
