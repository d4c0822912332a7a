"""Sizing one region, people and hours, with the default targets: wall and CPU time per region.

Run with `python benchmarks/bench_sizing.py [--region zeeland ...] [--workers 2]` (default: every
region of the built-in model, models/netherlands.toml). Per region it runs what `csgsim size
--region ID` runs (default targets, sizes 2-10, batch 20, the default cap, no roster breakdown) and prints
the wall time, the CPU time of this process and its workers (the machine may be shared, so wall
time alone can mislead), the replications run, and both answers with the binding targets; then
whether the region is marked overloaded with the scenario's team and hours and with the answers,
on the same seeds (6 replications, central forecast). At the end a Markdown table of the regions
with the sums. Goal (issue 19): at most 60 s wall per region on 2 cores (issue 21: 30 s).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from csgsim.analysis.overload import overload
from csgsim.config import scenario as scenario_mod
from csgsim.core import resources
from csgsim.runtime.executors import make_executor
from csgsim.runtime.replications import run
from csgsim.studies import casework, sizing
from csgsim.studies.patches import patched
from csgsim.studies.structures import ONE_STRUCTURE
from csgsim.studies.targets import OPEN, default_targets, describe, parse_sizes


def cpu_seconds() -> float:
    """User + system CPU of this process and of its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def overloaded(data: dict, rid: str, seed: int, people: int | None = None, hours: float | None = None) -> bool:
    """Whether region `rid` alone is marked overloaded (6 replications, central forecast)."""
    doc = data if people is None else patched(data, [], [(f"team_size.{rid}", people)], "bench")
    if hours is not None:
        casework.set_hours(doc, rid, hours)
    sc = casework.DemandPlan().apply(scenario_mod.parse(doc, "bench"), rid).only([rid])
    return rid in overload(run(sc, 6, seed, workers=1).region_summary(), str)


def cells_line(r: sizing.RegionSizing) -> str:
    """The candidates that were run, with the estimate of each target still open there, e.g.
    '5 open 640 reps (gap_hours<=0: 2% of 640 replications beyond the bound)': why an answer
    reads 'at most'."""
    def cell(c: sizing.Cell) -> str:
        still = [f"{t}: {describe(st)}" for t, st in zip(r.targets, c.stats) if st.verdict == OPEN]
        return f"{c.size} {c.status} {c.reps}" + (f" ({'; '.join(still)})" if still else "")
    return f"{r.unit}: " + ", ".join(cell(c) for c in r.cells if c.reps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", action="append", help="Region id (repeatable; default: all).")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-replications", type=int, default=sizing.DEFAULT_CAP)
    args = ap.parse_args()
    path = resources.models_dir() / "netherlands.toml"
    data, digest = scenario_mod.read(path)
    sc = scenario_mod.parse(data, str(path), digest)
    goals = default_targets(sc)
    print(f"targets: {', '.join(map(str, goals))}; workers {args.workers}; cap {args.max_replications}")
    rows = []
    for rid in args.region or list(sc.regions):
        reps = [0]
        start, cpu = time.perf_counter(), cpu_seconds()
        with make_executor(args.workers) as backend:  # a fresh pool, so its CPU counts as finished children
            result = sizing.size(data, str(path), [rid], parse_sizes("2-10"), goals, sc.seed, backend, 20,
                                 args.max_replications, on_progress=lambda k: reps.__setitem__(0, reps[0] + k))
        wall, used = time.perf_counter() - start, cpu_seconds() - cpu
        rows += [(rid, used, wall, reps[0], result.answer_line(r)) for r in result.regions]
        for r in result.regions:
            print(f"{rid:24s} wall {wall:6.1f} s  cpu {used:6.1f} s  reps {reps[0]:5d}  {result.answer_line(r)}",
                  flush=True)
            for search in (r, r.casework.search if r.casework else None):
                if search is not None:
                    print(f"{'':24s} {cells_line(search)}", flush=True)
                    for note in (n for n in search.notes if "settle it" in n):
                        print(f"{'':24s} {note}", flush=True)
            people, hours = r.enough, r.casework.enough if r.casework else None
            if r.structure == ONE_STRUCTURE and people is not None and hours is not None:
                print(f"{'':24s} overloaded as the scenario has it: {overloaded(data, rid, sc.seed)}; with "
                      f"{people} on call and {hours} h a week: {overloaded(data, rid, sc.seed, people, hours)}",
                      flush=True)
    print_table(rows)


def print_table(rows: list[tuple[str, float, float, int, str]]) -> None:
    """The per-region figures as a Markdown table, with their sums: `size --all-regions` runs the
    same replications, so its CPU time is about the sum of the regions'."""
    print("\n| region | CPU s | wall s | replications | answer |\n|---|---:|---:|---:|---|")
    for rid, used, wall, n, line in rows:
        print(f"| {rid} | {used:.1f} | {wall:.1f} | {n:,} | {line} |")
    cpu, wall = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"| sum | {cpu:.1f} | {wall:.1f} | {sum(r[3] for r in rows):,} | |")
    print(f"CPU per region: median {statistics.median(r[1] for r in rows):.1f} s, most {max(r[1] for r in rows):.1f} s; "
          f"the sum over 2 free cores would be about {cpu / 2:.0f} s of wall time")


if __name__ == "__main__":
    main()
