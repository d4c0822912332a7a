"""Speed of `csgsim rota`, printed as figures (no assertions).

1. a year's rota for a 7-person team with leave and one line (Rotterdam's team of 7 in a 24 h
   rotation, its weekend-night line taken out, leave as in models/zeeland.toml), under the law
   alone and with the CAO's 7 on-call days per 28;
2. the same team with its two lines as models/rotterdam-two-lines.toml has them (office hours
   plus on-call, and the weekend nights), with the same leave.

Wall time on a shared machine overstates the work; the CPU time of this process is printed too.

A line shared by two regions (models/ijsselland-flevoland-shared-night.toml) is not planned:
the planner plans one region's lines (docs/rota.md says how to plan such a pair by hand).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csgsim.config import scenario  # noqa: E402
from csgsim.config.rota import RotaRules  # noqa: E402
from csgsim.config.staffing import LeaveParams  # noqa: E402
from csgsim.studies import rota as planner  # noqa: E402


def case(label: str, sc, rid: str, seed: int, limit: float) -> None:
    t, cpu = time.perf_counter(), time.process_time()
    p = planner.problem(sc, rid, seed)
    first = []
    out = planner.solve(p, seed, limit, on_progress=lambda n, obj, wall: first.append(wall) if n == 1 else None)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    gap = "" if out.bound is None or not out.objective else f", gap {(out.objective - out.bound) / out.objective:.0%}"
    print(f"{label}: {len(p.slots)} duties, {p.leave.sum()} leave days; {out.status} in {wall:.1f} s wall, {cpu:.1f} s CPU "
          f"(first plan after {first[0] if first else float('nan'):.1f} s; {limit:g} deterministic s; "
          f"unfairness {out.objective}{gap})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--time-limit", type=float, default=10.0, help="deterministic seconds per plan")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sc = scenario.load(ROOT / "models" / "rotterdam-two-lines.toml")
    rid = "rotterdam"
    leave = LeaveParams(enabled=True, statutory_weeks=4, extra_weeks=0.6, summer_share=0.45, max_at_once=2,
                        school_region="south")
    region = replace(sc.regions[rid], staffing=replace(sc.regions[rid].staffing, leave=leave))
    sc = replace(sc, regions={rid: region})
    one = replace(sc, regions={rid: replace(region, lines=(), duty=replace(region.duty, pattern="rotation_24h"))})
    cao = replace(one, regions={rid: replace(one.regions[rid], rota=RotaRules(max_oncall_days_per_4w=7))})
    print(f"{region.casemanagers} casemanagers, {sc.simulation_calendar.days} days from {sc.simulation_calendar.start}")
    case("one line, the law (14 per 4 weeks)", one, rid, args.seed, args.time_limit)
    case("one line, CAO 7 per 28", cao, rid, args.seed, args.time_limit)
    case("two lines (office + on-call, weekend nights), the law", sc, rid, args.seed, args.time_limit)


if __name__ == "__main__":
    main()
