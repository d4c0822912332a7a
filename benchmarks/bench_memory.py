"""Memory of `csgsim run --out` against the number of replications, printed as figures.

Run with `python benchmarks/bench_memory.py [-n 50 100 200 1000] [--workers 2]`. For each count
it runs the national model (models/netherlands.toml, one year) as a user does, in a fresh
process writing every record to a run folder, and samples the resident memory of that process
and of its worker processes every 50 ms. It prints per count: peak resident memory (RSS) of the
main process and of the whole process tree, the tree's peak proportional memory (PSS: pages
shared by forked workers counted once), wall time, bytes written; then the slope of the main process's
peak against replications (least squares), which is what "memory flat in replications" means:
records stream to Parquet per finished batch (csgsim.runtime.streaming), whose files are closed
once the batches are read back; per-replication figures (about 30 kB a national replication) and
delay samples are kept on disk (csgsim.runtime.spill), read a label or a (region, delay) at a
time; at the end, summaries take a bounded slice at a time (national cost figures 50
replications at a time, pooled delays in their float32 type, bootstrap weights 100 resamples at a
time and its counts in a small whole type) and tables are written 20 replications at a time; the
heap, pyarrow's pool included, is handed back after each batch, label and part
(csgsim.runtime.heap). What still grows with replications: one (region, delay)'s pooled delays
and bootstrap counts while its percentile is computed (for the largest, Rotterdam's, 4.2 kB of
float32 delays, a few passing copies of them, and 2 kB of counts a national replication), and a
few hundred bytes a replication of positions and index.
Goal (issue 21): the main process's peak at most 400 MB at 1,000 national replications, flat in
replications. Besides the slope it prints the peak extrapolated to 1,000 replications from the
measured points (least squares), against that goal; "flat" is read as a slope of at most
FLAT_MB_PER_100 MB per 100 replications (50 MB over 1,000 replications). Small counts are
quick but their slope is noisy: a few MB either way between runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
#: Goal of issue 21: the main process's peak at 1,000 replications, and what counts as flat.
GOAL_MB, GOAL_REPLICATIONS, FLAT_MB_PER_100 = 400, 1000, 5.0


def measure(model: Path, n: int, workers: int, out: Path) -> dict[str, float]:
    """Run `csgsim run --out` once; peak RSS of the main process and of the tree, time, bytes."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [sys.executable, "-m", "csgsim", "run", "-s", str(model), "-n", str(n), "--workers", str(workers),
               "-f", "csv", "--out", str(out)]
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    main = psutil.Process(proc.pid)
    peak_main = peak_tree = peak_pss = 0
    while proc.poll() is None:
        try:
            tree = [main, *main.children(recursive=True)]
            rss = [p.memory_info().rss for p in tree]
            # Forked workers share the parent's pages; RSS counts them in every process, PSS
            # splits them, so the tree's PSS is the memory the run really takes.
            pss = sum(p.memory_full_info().pss for p in tree) if hasattr(psutil.Process, "memory_full_info") else 0
        except (psutil.Error, AttributeError):  # a process ended between listing and reading
            continue
        peak_main, peak_tree, peak_pss = max(peak_main, rss[0]), max(peak_tree, sum(rss)), max(peak_pss, pss)
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"csgsim exited {proc.returncode}: {proc.stderr.read()}")
    written = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {"n": n, "main_mb": peak_main / MB, "tree_mb": peak_tree / MB, "pss_mb": peak_pss / MB,
            "seconds": seconds, "mb": written / MB}


def fit(points: list[dict[str, float]]) -> tuple[float, float]:
    """Least-squares line of the main process's peak: (MB per 100 replications, MB at GOAL_REPLICATIONS)."""
    xs, ys = [p["n"] for p in points], [p["main_mb"] for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if not sxx:
        return float("nan"), float("nan")
    per_rep = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return 100 * per_rep, my + per_rep * (GOAL_REPLICATIONS - mx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--replications", type=int, nargs="+", default=[25, 50, 100, 200])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "netherlands.toml")
    args = parser.parse_args()
    print(f"csgsim run --out, {args.model.name}, {args.workers} workers, {os.cpu_count()} CPUs")
    print(f"{'replications':>12} {'main RSS MB':>12} {'tree RSS MB':>12} {'tree PSS MB':>12} {'time s':>8} "
          f"{'written MB':>11}")
    points = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.replications:
            p = measure(args.model, n, args.workers, Path(tmp) / f"out-{n}")
            points.append(p)
            print(f"{n:>12} {p['main_mb']:>12.0f} {p['tree_mb']:>12.0f} {p['pss_mb']:>12.0f} {p['seconds']:>8.1f} "
                  f"{p['mb']:>11.1f}", flush=True)
    if len(points) > 1:
        per_100, at_goal = fit(points)
        flat = "flat" if abs(per_100) <= FLAT_MB_PER_100 else "NOT flat"
        print(f"slope of the main process's peak: {per_100:+.1f} MB per 100 replications "
              f"(goal: flat, |slope| <= {FLAT_MB_PER_100:g}): {flat}")
        meets = "meets" if at_goal <= GOAL_MB else "misses"
        print(f"main process's peak extrapolated to {GOAL_REPLICATIONS:,} replications: {at_goal:.0f} MB "
              f"(goal <= {GOAL_MB} MB): {meets} the goal, by a straight line through the counts measured")


if __name__ == "__main__":
    main()
