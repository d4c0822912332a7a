"""Variance reduction of common random numbers, printed as figures (no assertions): run with
`python benchmarks/crn_variance.py [--model zeeland] [--replications 100] [--workers N]`.

For three comparisons against the model as shipped - one casemanager more (team 5 vs 6),
demand +5% and demand +50% (both types: the Zedenwet and campaign experiments) - each metric's per-replication difference is computed twice: paired
(the variant on the baseline's seed: common random numbers) and independent (the variant on
another seed). The factor var(independent) / var(paired) is how many times fewer replications
a paired comparison needs for the same precision; 1 means the streams share nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csgsim.config import scenario  # noqa: E402
from csgsim.runtime import replications  # noqa: E402
from csgsim.studies.patches import patched  # noqa: E402

METRICS = ("acute_reports", "acute_contact_mean", "acute_contact_p95", "intake_wait_mean", "followup_on_time",
           "csg_hours_per_week", "active_caseload", "absent_share", "gap_hours", "acute_answered_by_callin",
           "callins_per_person_per_4w")


def per_rep(doc: dict, seed: int, reps: int, workers: int) -> dict[str, np.ndarray]:
    sc = scenario.parse(doc, "<benchmark>")
    long = replications.run(sc, reps, seed, workers=workers).region_long
    return {m: long[long["metric"] == m].sort_values("rep")["value"].to_numpy() for m in METRICS}


def level(doc: dict, region: str, kind: str) -> float:
    value = doc["regions"][region]["demand"][kind]["level"]
    return float(value["value"] if isinstance(value, dict) else value)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="zeeland")
    ap.add_argument("--replications", type=int, default=100)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    doc, _ = scenario.read(ROOT / "models" / f"{args.model}.toml")
    region = next(iter(doc["regions"]))
    seed, n = 101, args.replications
    variants = {
        "team 5 -> 6": (patched(doc, [], [(f"team_size.{region}", 5)], "5"),
                        patched(doc, [], [(f"team_size.{region}", 6)], "6")),
        **{f"demand +{round(100 * (f - 1))}%": (doc, patched(doc, [], [(f"regions.{region}.demand.{k}.level",
                                                                       f * level(doc, region, k))
                                                                      for k in ("acute", "non_acute")], f"x{f}"))
           for f in (1.05, 1.5)},
    }
    print(f"{args.model} ({region}), {n} replications per arm; factor = var(independent diff) / var(paired diff)")
    for name, (base_doc, variant_doc) in variants.items():
        base = per_rep(base_doc, seed, n, args.workers)
        paired = per_rep(variant_doc, seed, n, args.workers)
        other = per_rep(variant_doc, seed + 1, n, args.workers)
        print(f"\n{name}")
        print(f"  {'metric':<22} {'mean diff':>10} {'sd paired':>10} {'sd indep.':>10} {'factor':>8}")
        for m in METRICS:
            d_pair, d_ind = paired[m] - base[m], other[m] - base[m]
            ok_p, ok_i = ~np.isnan(d_pair), ~np.isnan(d_ind)
            vp, vi = np.var(d_pair[ok_p], ddof=1), np.var(d_ind[ok_i], ddof=1)
            factor = vi / vp if vp > 0 else np.inf
            print(f"  {m:<22} {np.nanmean(d_pair):>10.4g} {np.sqrt(vp):>10.4g} {np.sqrt(vi):>10.4g} {factor:>8.1f}")


if __name__ == "__main__":
    main()
