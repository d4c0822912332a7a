"""Paired differences: each variant minus the baseline, on common random numbers.

Arms run on the same seed and replication indices see the same random streams, so a
difference is taken replication by replication (a mean metric) or between the pooled delays of
both arms with replication pairs resampled together (a delay percentile or share within the
norm). Experiments, `whatif` and the report's comparisons all compare this way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csgsim.analysis.confidence import confidence_interval, holm, paired_t_pvalue
from csgsim.analysis.metrics import REGION_METRICS
from csgsim.analysis.summary import PAIRED_MEAN, PAIRED_POOLED, pooled_delay_of, pooled_difference

BASELINE = "baseline"
#: Family-wise error rate of the significance marks (Holm over every paired difference).
FAMILY_ALPHA = 0.05
#: Delay samples of the arms: (variant, region, delay) -> one array per replication.
Delays = dict[tuple[str, str, str], list[np.ndarray]]


def paired_differences(regions: pd.DataFrame, baseline: str = BASELINE, level: float = 0.95,
                       units: dict[str, tuple[str, str]] = REGION_METRICS, delays: Delays | None = None,
                       norms: dict[str, dict[str, float]] | None = None, seed: int = 0) -> pd.DataFrame:
    """Each variant minus the baseline, replication by replication, with a t-interval.

    Replications where either side is NaN (nothing measured) are left out of that pair. With
    the arms' delays ({(variant, region, delay): [one array per replication]}), a delay
    percentile, and with `norms` ({variant: {delay: norm}}) a share within the norm, is
    compared as the summaries show it: the difference of the pooled values, with a t-interval
    on its bootstrap standard error over replication pairs (`analysis.summary.pooled_difference`). Column
    `statistic` says which. An experiment tests dozens of differences at once, so `significant`
    is decided by Holm's step-down adjustment of the p-values over every row (every variant,
    region and metric): the chance of marking any true zero difference is at most FAMILY_ALPHA.
    The intervals themselves are the unadjusted 95% ones.
    """
    keys = ["rep", "region", "metric"]
    base = regions[regions["variant"] == baseline][keys + ["value"]]
    other = regions[regions["variant"] != baseline]
    pairs = other.merge(base, on=keys, how="left", suffixes=("", "_base"), sort=False)
    pairs["diff"] = pairs["value"] - pairs["value_base"]
    rows = []
    for (variant, region, metric), grp in pairs.groupby(["variant", "region", "metric"], sort=False):
        measured = grp["value"].notna().any() and grp["value_base"].notna().any()
        pooled = _pooled_pair(variant, region, metric, baseline, delays, norms, seed, level) if measured else None
        if pooled is not None:
            rows.append((variant, region, metric, units[metric][0], *pooled, PAIRED_POOLED))
            continue
        ok = grp["diff"].notna()
        mean, lo, hi, n = confidence_interval(grp["diff"], level)
        rows.append((variant, region, metric, units[metric][0],
                     float(grp["value_base"][ok].mean()) if n else np.nan,
                     float(grp["value"][ok].mean()) if n else np.nan, mean, lo, hi,
                     paired_t_pvalue(grp["diff"].to_numpy()), n, PAIRED_MEAN))
    cols = ["variant", "region", "metric", "unit", "baseline_mean", "variant_mean", "diff_mean",
            "ci_low", "ci_high", "p_value", "n", "statistic"]
    out = pd.DataFrame(rows, columns=cols)
    out["p_holm"] = holm(out["p_value"].to_numpy())
    out["significant"] = out["p_holm"] < FAMILY_ALPHA
    return out[["variant", "region", "metric", "unit", "baseline_mean", "variant_mean", "diff_mean", "ci_low",
                "ci_high", "n", "p_value", "p_holm", "significant", "statistic"]]


def _pooled_pair(variant: str, region: str, metric: str, baseline: str, delays: Delays | None,
                 norms: dict[str, dict[str, float]] | None, seed: int, level: float) -> tuple | None:
    """(baseline, variant, difference, low, high, p, n) of a pooled delay metric, or None where
    the metric is not pooled or the delays (or, for a share, the norms) are not at hand."""
    what = pooled_delay_of(metric)
    if what is None or delays is None:
        return None
    kind, q = what
    arms = (delays.get((baseline, region, kind)), delays.get((variant, region, kind)))
    if arms[0] is None or arms[1] is None:
        return None
    norm = tuple((norms or {}).get(v, {}).get(kind) for v in (baseline, variant)) if q is None else None
    if norm is not None and None in norm:
        return None
    return pooled_difference((variant, region, metric), *arms, norm, seed, level)
