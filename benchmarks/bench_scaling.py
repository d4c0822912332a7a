"""Scaling of csgsim's backends, printed as figures (no assertions): run with
`python benchmarks/bench_scaling.py`.

1. the national model (models/netherlands.toml), one year x 100 replications, serially and on
   all cores (the process pool experiments and sizing use): speed-up, efficiency, cost per
   replication, tasks and per-task overhead, and whether both give the same digest; in
   `--repeat` rounds (3 by default), serial and pool in turns so that a drift in the machine's
   speed falls on both, with the median efficiency at the end;
   with --scheduler (e.g. local) also on that Dask backend. Wall time shows the efficiency on
   an idle machine only; the CPU time of this process and its workers (pool start included)
   against the serial run's shows the work the pool adds whatever else runs on the machine,
   and that CPU over workers x wall time how busy the pool kept its cores (efficiency is the
   busy share over the CPU ratio, as the serial run keeps its one core busy);
2. `csgsim size --region R` with the default targets, timed as a user runs it (a fresh
   process: imports, pool start-up and all).
Targets: efficiency at least 0.95 on 2 cores (issue 21, on an idle machine); one-region sizing
at most 30 s (issue 21). `--no-size` leaves out part 2.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csgsim.runtime import executors

from csgsim.runtime import jobs, replications

from csgsim.config import scenario  # noqa: E402
from csgsim.runtime.runfolder import digest  # noqa: E402


def cpu_seconds() -> float:
    """User + system CPU of this process and of its finished children (pool workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed_run(sc: scenario.Scenario, n: int, workers: int, scheduler: str | None
              ) -> tuple[float, float, int, str, str]:
    """Wall time of n replications through `dispatch` (backend start-up excluded), CPU time of
    this process and its workers (all of it: start-up, shut-down), tasks, digest."""
    cpu = cpu_seconds()
    with executors.make_executor(workers, scheduler) as backend:
        job = jobs.make_job(sc, sc.seed)
        t = time.perf_counter()
        done, tasks = [], 0
        for _, batch in executors.dispatch(backend, {0: job}, {0: range(n)}):
            done.extend(batch)
            tasks += 1
        wall = time.perf_counter() - t
        label = backend.label
    return wall, cpu_seconds() - cpu, tasks, digest(replications.collect(sc, sc.seed, done).region_long), label


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replications", type=int, default=100)
    ap.add_argument("--workers", type=int, default=None, help="default: all cores")
    ap.add_argument("--scheduler", default=None, help="also time this Dask backend (e.g. local)")
    ap.add_argument("--region", default="groningen-drenthe", help="region for the sizing timing")
    ap.add_argument("--no-size", action="store_true", help="leave out the sizing timing")
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds of serial then pool, in turns, for a median efficiency (default 3)")
    args = ap.parse_args()
    workers = args.workers or executors.default_workers()
    sc = scenario.load(ROOT / "models" / "netherlands.toml")
    n = args.replications

    print(f"1. national model ({len(sc.regions)} regions, {sc.days} days) x {n} replications, "
          f"{args.repeat} round(s), serial and pool in turns:")
    backends = [(workers, None)] + ([(workers, args.scheduler)] if args.scheduler else [])
    found: dict[str, list[float]] = {}
    busy: dict[str, list[float]] = {}  # per backend: CPU of the pool run / (workers x its wall time)
    slower: dict[str, list[float]] = {}  # per backend: CPU of the pool run / CPU of the serial run
    for round_ in range(1, args.repeat + 1):
        serial, serial_cpu, _, ref, _ = timed_run(sc, n, 1, None)
        print(f"   round {round_}, serial: {serial:.1f} s = {1000 * serial / n:.0f} ms per replication "
              f"({1000 * serial / n / len(sc.regions):.1f} ms per region-year); CPU {serial_cpu:.1f} s")
        for w, sched in backends:
            wall, cpu, tasks, dig, label = timed_run(sc, n, w, sched)
            speedup = serial / wall
            found.setdefault(label, []).append(speedup / w)
            overhead = max(wall * w - serial, 0.0) / tasks
            print(f"   round {round_}, {label}: {wall:.1f} s -> speed-up {speedup:.2f}, efficiency {speedup / w:.2f}; "
                  f"{tasks} tasks, {1000 * overhead:.0f} ms lost per task; "
                  f"same digest as serial: {'yes' if dig == ref else 'NO'}")
            print(f"   round {round_}, {label}: CPU {cpu:.1f} s (this process and its workers) = "
                  f"{cpu / serial_cpu:.3f} x the serial CPU, {1000 * (cpu - serial_cpu) / tasks:.0f} ms more per task; "
                  f"the {w} cores busy {cpu / (w * wall):.2f} of the wall time")
            busy.setdefault(label, []).append(cpu / (w * wall))
            slower.setdefault(label, []).append(cpu / serial_cpu)
    for label, effs in found.items():
        print(f"   {label}: efficiency {', '.join(f'{e:.2f}' for e in effs)}; median {statistics.median(effs):.2f} "
              f"(goal >= 0.95 on 2 cores, idle machine)")
        print(f"   {label}: efficiency ~ busy share / CPU ratio; cores busy {statistics.median(busy[label]):.2f} of the "
              f"wall time (median: what dispatch leaves idle), the same work at {statistics.median(slower[label]):.3f} x "
              "the serial CPU (median: the cores slowing each other and whatever else runs here)")
    if args.no_size:
        return

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "csgsim", "size", "--region", args.region, "--workers", str(workers)]
    t = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    answer = next((line for line in out.stdout.splitlines() if line.startswith(f"{args.region}:")),
                  (out.stderr.strip().splitlines() or ["(no output)"])[-1])
    print(f"2. `csgsim size --region {args.region}` (default targets, sizes 2-10, {workers} workers): "
          f"{wall:.1f} s in a fresh process -> {answer}")


if __name__ == "__main__":
    main()
