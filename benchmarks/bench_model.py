"""Speed of the model, printed as figures (no assertions): run with `make bench`.

1. SimPy events of the full model (one region-year of the biggest example region): per report,
   per second and the run time (fewer events per report lower the events per second, so compare
   run times, not events per second, across versions);
2. one region-year x N replications, serial and in a process pool (speed-up, efficiency);
3. the model reduced to M/M/2 against a hand-written SimPy M/M/2 on the same arrivals.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csgsim.model import inputs

from csgsim.runtime import executors, replications

from csgsim.config import scenario  # noqa: E402
from csgsim.model.pathways import RegionModel  # noqa: E402
from tests.conftest import queue_scenario  # noqa: E402


def median_time(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def events_per_second(sc: scenario.Scenario, region: str, reps: int = 20) -> tuple[float, float, float]:
    """SimPy events processed per second of run time, and events per report."""
    plan = inputs.plan(sc, region)
    events = reports = 0
    run_time = 0.0
    for rep in range(reps):
        sampled = inputs.sample(plan, 1, rep)
        model = RegionModel(plan.region, plan.calendar, sampled)
        t = time.perf_counter()
        model.run()
        run_time += time.perf_counter() - t
        events += next(model.env._eid)  # events scheduled: simpy's own counter
        reports += sampled.acute.arrival.size + sampled.non_acute.arrival.size
    return events / run_time, events / reports, run_time / reps


def hand_written_mm2(arrivals: np.ndarray, service: np.ndarray) -> float:
    """The textbook SimPy M/M/2: a Resource of capacity 2, one process per customer."""
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=2)
    waits = []

    def customer(i):
        with servers.request() as req:
            t = env.now
            yield req
            waits.append(env.now - t)
            yield env.timeout(service[i])

    def source():
        for i, t in enumerate(arrivals.tolist()):
            yield env.timeout(t - env.now)
            env.process(customer(i))

    env.process(source())
    env.run()
    return float(np.mean(waits))


def cpu_after_collection(run, paused: bool = False) -> float:
    """CPU seconds of `run()`, started after a full collection, untimed, so that it pays for no
    garbage another left. `paused`: `run` pauses the collector (csgsim's runs do), so its time
    ends with a collection of the young generation, the part of what it put off that the next
    run would pay; otherwise that would fall into whatever is timed next."""
    gc.collect()
    t = time.process_time()
    run()
    if paused:
        gc.collect(0)
    return time.process_time() - t


def mm2_times(repeat: int = 9):
    """Median CPU seconds (time.process_time) of the reduced M/M/2 (5 years) in csgsim and in
    the hand-written SimPy model on the same arrivals and services, timed in turns (ours, theirs,
    ours, ...) so that both see the same machine; with the plan and inputs used.

    Each run is timed by `cpu_after_collection`: csgsim's run pauses the collector, and what it
    put off would otherwise fall into the hand-written model's time."""
    mm2 = queue_scenario(1.0, 1.0, "external", days=365 * 5)
    plan = inputs.plan(mm2, "q")
    sampled = inputs.sample(plan, 3, 0)
    arr, svc = sampled.acute.arrival, sampled.acute.on_site
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(cpu_after_collection(lambda: RegionModel(plan.region, plan.calendar, sampled).run(), paused=True))
        theirs.append(cpu_after_collection(lambda: hand_written_mm2(arr, svc)))
    return statistics.median(ours), statistics.median(theirs), (plan, sampled)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--replications", type=int, default=200)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    workers = args.workers or executors.default_workers()
    sc = scenario.load(ROOT / "models" / "three-regions.toml")

    eps, per_report, run_s = events_per_second(sc, "rotterdam")
    print(f"1. the model's SimPy events (Rotterdam, 1 year): {per_report:.1f} events per report; "
          f"{eps:,.0f} events/s; {1000 * run_s:.1f} ms per region-year run (the figure to compare)")

    one = sc.only(["rotterdam"])
    n = args.replications
    serial = median_time(lambda: replications.run(one, n, workers=1), repeat=3)
    pooled = median_time(lambda: replications.run(one, n, workers=workers), repeat=3)
    print(f"2. one region-year x {n} replications (Rotterdam): serial {serial:.2f} s, "
          f"{workers} workers {pooled:.2f} s -> speed-up {serial / pooled:.2f}, "
          f"efficiency {serial / pooled / workers:.2f} (medians of 3)")

    ours, theirs, (plan, sampled) = mm2_times()
    arr, svc = sampled.acute.arrival, sampled.acute.on_site
    rec = RegionModel(plan.region, plan.calendar, sampled).run()
    print(f"3. M/M/2, {arr.size:,} arrivals: csgsim {ours:.3f} s vs hand-written SimPy {theirs:.3f} s of CPU "
          f"-> CPU ratio {ours / theirs:.2f} (medians of 9, in turns); mean waits "
          f"{np.nanmean(rec.acute_contact - rec.acute_arrival):.4f} h vs {hand_written_mm2(arr, svc):.4f} h "
          f"(Erlang C: 0.3333 h)")


if __name__ == "__main__":
    main()
