"""Summaries: per-replication figures collapsed into one estimate with a 95% interval each.

A mean gets a t-interval; a delay percentile is the percentile of the pooled delays of all
replications with a bootstrap interval over replications (or, where the delays were not kept,
the mean of the replications' own percentiles); a share within a norm is pooled the same way.
Every summary row says in its `statistic` column which of these it is, so no output claims
more than was computed. The metrics themselves are defined in `csgsim.analysis.metrics`.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable

import numpy as np
import pandas as pd

from csgsim.analysis.confidence import (bootstrap_mean, bootstrap_quantiles, confidence_interval,
                                        paired_pooled_difference, pooled_quantiles, pooled_share,
                                        within_counts)

_PERCENTILE = re.compile(r"(acute_contact|acute_attendance|intake_wait)_p(\d\d)")
_WITHIN = re.compile(r"(acute_contact|acute_attendance)_within_norm")
#: What the `mean` column of a summary row holds (its `statistic` column).
MEAN = "mean, t interval"
POOLED = "pooled percentile, bootstrap interval"
PER_REPLICATION = "mean of the replications' percentiles, bootstrap interval"
POOLED_SHARE = "pooled share of the delays, replication-cluster t interval"
#: What the difference columns of a paired-differences row hold (its `statistic` column).
PAIRED_MEAN = "mean of the paired differences, t interval"
PAIRED_POOLED = "difference of the pooled values, t interval on the paired-bootstrap standard error"


def percentile_of(metric: str) -> tuple[str, float] | None:
    """('acute_contact', 0.95) for 'acute_contact_p95': which delay and which quantile; None if none."""
    m = _PERCENTILE.fullmatch(metric)
    return (m.group(1), int(m.group(2)) / 100) if m else None


def pooled_delay_of(metric: str) -> tuple[str, float | None] | None:
    """The delay behind a metric that is pooled over replications: ('acute_contact', 0.95) for
    a percentile, ('acute_contact', None) for a share within the norm; None for any other."""
    pct = percentile_of(metric)
    if pct is not None:
        return pct
    m = _WITHIN.fullmatch(metric)
    return (m.group(1), None) if m else None


def pooled_difference(key: tuple[str, ...], base: list[np.ndarray], changed: list[np.ndarray],
                      norms: tuple[float, float] | None, seed: int, level: float = 0.95) -> tuple[float, ...]:
    """(baseline, variant, difference, low, high, p, n) of a pooled delay metric `key[-1]`
    between two arms whose replications are paired by index; the bootstrap is seeded from
    `seed` and the row, as the summaries are."""
    _, q = pooled_delay_of(key[-1])
    rng = np.random.default_rng([seed, zlib.crc32(repr(key).encode())])
    return paired_pooled_difference(base, changed, q, norms, level, rng)


def _percentile_row(values: pd.Series, samples: list[np.ndarray] | None, q: float, rng: np.random.Generator
                    ) -> tuple[float, float, float, int, str]:
    """A delay percentile over replications: pooled if the delays are at hand, else the mean of
    the replications' own percentiles; either way with a bootstrap interval over replications."""
    if samples is None:
        return (*bootstrap_mean(values.to_numpy(dtype=float), 0.95, rng), PER_REPLICATION)
    used = [s for s in samples if s.size]
    estimate = float(pooled_quantiles(used, [q])[0])
    lo, hi = bootstrap_quantiles(used, [q], 0.95, rng)
    return estimate, float(lo[0]), float(hi[0]), len(used), POOLED


def _pooled_within(samples: list[np.ndarray], norm: float) -> tuple[float, float, float, int, str]:
    """The share of all replications' delays within the norm, replications as clusters."""
    return (*pooled_share(*within_counts(samples, norm), 0.95), POOLED_SHARE)


def summarise(long: pd.DataFrame, keys: list[str], units: dict[str, tuple[str, str]],
              delays: dict[tuple[str, ...], list[np.ndarray]] | None = None, seed: int = 0,
              norms: dict[str, float] | None = None) -> pd.DataFrame:
    """Collapse per-replication rows (keys..., metric, value) into an estimate and 95% CI.

    Means get a t-interval (clipped to the metric's range). A delay percentile is the percentile
    of all replications' delays pooled when `delays` holds them ({(*key, delay): [one array per
    replication]}), else (experiment folders keep no delays) the mean of the replications' own
    percentiles; both with a bootstrap interval over replications, seeded from `seed` and the
    group, which stays inside the observed delays. With the delays and `norms` ({delay: norm}),
    a share within a norm is pooled the same way, so it agrees with the pooled percentiles (p95
    within the norm exactly when at least 95% of the delays are). Column `statistic` says which.
    Groups keep the order in which they first appear, i.e. scenario and metric order.
    """
    rows = [_summary_row(key, grp["value"], units, delays, seed, norms)
            for key, grp in long.groupby(keys + ["metric"], sort=False)]
    return pd.DataFrame(rows, columns=keys + ["metric", "unit", "mean", "ci_low", "ci_high", "n", "statistic"])


def _summary_row(key: tuple[str, ...], values: pd.Series, units: dict[str, tuple[str, str]],
                 delays: dict[tuple[str, ...], list[np.ndarray]] | None, seed: int,
                 norms: dict[str, float] | None) -> tuple:
    """One summary row (key..., unit, estimate, ci_low, ci_high, n, statistic): see `summarise`."""
    unit = units[key[-1]][0]
    within = _WITHIN.fullmatch(key[-1])
    samples = None if delays is None or within is None else delays.get((*key[:-1], within.group(1)))
    if samples is not None and norms and within.group(1) in norms and values.notna().any():
        return (*key, unit, *_pooled_within(samples, norms[within.group(1)]))
    pct = percentile_of(key[-1])
    if pct is not None:
        rng = np.random.default_rng([seed, zlib.crc32(repr(key).encode())])
        samples = None if delays is None else delays.get((*key[:-1], pct[0]))
        return (*key, unit, *_percentile_row(values, samples, pct[1], rng))
    mean, lo, hi, n = confidence_interval(values)
    if unit == "share":  # a share's interval stays inside [0, 1]
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    elif unit in ("count", "h", "min", "days", "cases", "EUR"):
        lo = max(lo, 0.0)
    return (*key, unit, mean, lo, hi, n, MEAN)


def summarise_values(cube: np.ndarray, labels: list[tuple[str, ...]], keys: list[str],
                     units: dict[str, tuple[str, str]], delays: dict[tuple[str, ...], list[np.ndarray]] | None = None,
                     seed: int = 0, norms: dict[str, float] | None = None,
                     after_label: Callable[[], None] | None = None) -> pd.DataFrame:
    """`summarise` of a (replication, label, metric) array: the same rows, without long tables.

    `cube` may be anything whose `cube[:, i]` is label i's (replication, metric) array (a run's
    figures on disk are read one label at a time). Each (label, metric) column is taken in
    replication order as one contiguous vector, so every estimate and interval is computed from
    the same numbers in the same order as from the long table. `after_label` is called once a
    label's rows are done (a run hands its memory back there: see `csgsim.runtime.heap`).
    """
    rows = []
    for i, label in enumerate(labels):
        block = cube[:, i]
        rows += [_summary_row((*label, metric), pd.Series(np.ascontiguousarray(block[:, j]), dtype=float), units,
                              delays, seed, norms) for j, metric in enumerate(units)]
        if after_label is not None:
            after_label()
    return pd.DataFrame(rows, columns=keys + ["metric", "unit", "mean", "ci_low", "ci_high", "n", "statistic"])
