"""The goal figures of issue 21, printed against their goals (no assertions): run with
`python benchmarks/bench_goals.py` (about half a minute on 2 cores).

Model figures are CPU time (time.process_time) per region-year: a whole replication (sampling,
both re-plans, the SimPy run, the metrics) divided by the regions simulated, serial. Each is also
given as a ratio to a plain-SimPy baseline run in the same process on the same sampled arrivals
and durations: one duty holder (a Resource) handed over by a daily process, each acute report a
process that holds the duty for its call-back, phone call and (day 0) visit, and an office process
that works the same contacts (day-1 visits, follow-ups on the pathway's days, intakes and the
non-acute follow-ups they open) due each working day, 09:00-17:00. The baseline is
the floor a hand-written model of the same events reaches; the ratio is what csgsim's rules,
rosters, absences and records cost on top. A second line splits that ratio: the model run
alone (`RegionModel` built and run on the same sampled inputs, gc paused as in a replication:
no sampling, re-plans or metrics) against the baseline, and the SimPy events each schedules
per region-year; a third line times the rest apart: the sampling (with both re-plans) and the
metrics and costs of the same runs, which the baseline does not do at all. Each part is timed
step by step over the regions, as a replication runs them (`jobs._replication`).

csgsim and its baseline are timed in turns, replication by replication, so a drift of the
machine's speed (several per cent within a minute) falls on both. With `--rounds R` each model
is timed R times so, and the medians are given.

Every model runs the same replications 1..N: the national model draws its demand per replication
(level uncertainty up to a factor 3), so a few replications are not a fair sample of its cost
(replications 1-2 cost 9.8 ms per region-year, 1-10 cost 12.3 ms, on the same idle machine).

`--neighbour MB` times everything with a second process streaming through MB megabytes of
memory meanwhile, as a busy neighbour on a shared machine does: it evicts the cache the cores
share. csgsim, whose steps touch more code and keep more data per region, slows much more under
it than its baseline, whose few functions and short-lived objects stay in a core's own cache, so
the ratio depends on what else the machine runs; this shows by how much (the bite varies with
where the host places the cores: a direction, not a figure to hold a change to).
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from heapq import heappop, heappush
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csgsim.config import scenario  # noqa: E402
from csgsim.core.calendar import HOURS_PER_DAY  # noqa: E402
from csgsim.model import inputs  # noqa: E402
from csgsim.analysis.costs import replication_costs  # noqa: E402
from csgsim.analysis.delays import delay_samples  # noqa: E402
from csgsim.analysis.metrics import replication_metrics  # noqa: E402
from csgsim.model.pathways import RegionModel, paused_gc  # noqa: E402
from csgsim.runtime import jobs  # noqa: E402
from benchmarks.bench_model import cpu_after_collection, mm2_times  # noqa: E402
from benchmarks.machine import describe  # noqa: E402

OFFICE_START, OFFICE_END = 9.0, 17.0


def plain_simpy(sampled, horizon: float, pathway, handover_hour: float = 9.0) -> int:
    """The baseline: the same reports and the same contacts, with a daily hand-over and an office
    day; returns the events it scheduled.

    Each acute report holds the duty for its call-back, phone call and (day 0) visit, then asks
    its day-1 visit (when the pathway has one) and its follow-ups on the pathway's days; each
    non-acute report asks its intake the next day and, once the intake is done, its follow-ups
    on the pathway's days. The office works what is due, earliest first, from 09:00 while the
    day lasts to 17:00 on weekdays, one timeout per contact.
    """
    env = simpy.Environment()
    duty = simpy.Resource(env, capacity=1)
    office: list[tuple[float, int, float]] = []  # heap of (due hour, intake of report j or -1, hours)
    acute, non_acute = sampled.acute, sampled.non_acute
    day0 = pathway.attendance == "day0"
    followup_days, nonacute_days = pathway.followup_days, pathway.nonacute_followup_days
    acute_followup, nonacute_followup = acute.followup.tolist(), non_acute.followup.tolist()
    holder = [0]

    def hand_over():
        yield env.timeout(handover_hour)
        while True:
            holder[0] = (holder[0] + 1) % 5
            yield env.timeout(HOURS_PER_DAY)

    def acute_report(i: int):
        day = env.now // HOURS_PER_DAY
        with duty.request() as req:
            yield req
            yield env.timeout(acute.callback[i] + acute.phone[i])
            if day0:
                yield env.timeout(2 * acute.travel[i] + acute.on_site[i])
        if not day0:
            heappush(office, ((env.now // HOURS_PER_DAY + 1) * HOURS_PER_DAY, -1, acute.day1_visit[i]))
        for d, hours in zip(followup_days, acute_followup[i]):
            heappush(office, ((day + d) * HOURS_PER_DAY, -1, hours))

    def arrivals(times: np.ndarray, on_arrival):
        for i, t in enumerate(times.tolist()):
            yield env.timeout(max(t - env.now, 0.0))
            on_arrival(i)

    def non_acute_report(j: int):
        heappush(office, ((env.now // HOURS_PER_DAY + 1) * HOURS_PER_DAY, j, non_acute.intake[j]))

    def office_days():
        day = 0
        while True:
            yield env.timeout(max(day * HOURS_PER_DAY + OFFICE_START - env.now, 0.0))
            closes = day * HOURS_PER_DAY + OFFICE_END
            if day % 7 < 5:
                while office and office[0][0] <= env.now < closes:
                    _, j, hours = heappop(office)
                    yield env.timeout(hours)
                    if j >= 0:  # an intake done: the report's follow-ups
                        for d, more in zip(nonacute_days, nonacute_followup[j]):
                            heappush(office, ((day + d) * HOURS_PER_DAY, -1, more))
            day += 1

    env.process(hand_over())
    env.process(office_days())
    env.process(arrivals(acute.arrival, lambda i: env.process(acute_report(i))))
    env.process(arrivals(non_acute.arrival, non_acute_report))
    env.run(until=horizon)
    return next(env._eid)


def region_year(model: str, regions: list[str] | None, reps: int) -> dict[str, float]:
    """CPU per region-year of csgsim (whole replications), of its model run alone and of the
    baseline on the same arrivals, and the events each schedules per region-year.

    Timed in turns, replication by replication (csgsim's replication, then the baseline on its
    inputs, then the parts apart): a drift of the machine's speed, which is of several per cent
    within a minute, falls on all of them alike, not on whichever was timed in its window.

    csgsim's replication and the baseline are timed by `bench_model.cpu_after_collection`, and
    the parts apart after a full collection too: a replication pauses the collector
    (`paused_gc`), and what it put off landed in the baseline's window that followed (0.46-0.83
    ms per national region-year, 7-12% of the baseline, with a collection of the whole process
    now and then)."""
    sc = scenario.load(ROOT / "models" / model)
    if regions:
        sc = sc.only(regions)
    job = jobs.make_job(sc, 1)
    jobs.run_replication(job, 0)  # warm: imports, caches
    ours = base = sample = run = after = 0.0
    base_events = run_events = 0
    for rep in range(1, reps + 1):
        ours += cpu_after_collection(lambda: jobs.run_replication(job, rep), paused=True)
        with paused_gc():  # as in a replication
            t = time.process_time()
            sampled = inputs.sample_regions(job.plans, 1, rep)
            sample += time.process_time() - t
        events = []
        base += cpu_after_collection(lambda: events.extend(plain_simpy(s, plan.calendar.horizon, plan.region.pathway)
                                                           for plan, s in zip(job.plans, sampled)))
        base_events += sum(events)
        gc.collect()
        with paused_gc():  # for all the regions, as a replication does (jobs.run_replication): paused
            recs = []  # per model, the collections the pauses put off fell into the timed windows
            for plan, s in zip(job.plans, sampled):  # (Zeeland's run alone read 3x its 1.3x)
                t = time.process_time()  # every region's run, then their figures, as a replication
                model = RegionModel(plan.region, plan.calendar, s)
                recs.append(model.run())
                run += time.process_time() - t
                run_events += next(model.env._eid)  # events scheduled: simpy's own counter
            t = time.process_time()
            for plan, s, rec in zip(job.plans, sampled, recs):
                found = delay_samples(rec, plan.since)
                replication_metrics(rec, plan.region, s, plan.calendar, job.norms, plan.since, found)
                replication_costs(rec, plan.region, s, plan.calendar, plan.since)
            after += time.process_time() - t
    n = reps * len(job.plans)
    return {"ours": ours / n, "base": base / n, "run": run / n, "regions": len(job.plans), "sample": sample / n,
            "after": after / n, "events": run_events / n, "base_events": base_events / n}


def startup_cpu() -> float:
    """CPU seconds of `csgsim run --region zeeland -n 1`, start to first table (a fresh process)."""
    code = ("import time, resource; from typer.testing import CliRunner; from csgsim.ui.cli import app; "
            "r = CliRunner().invoke(app, ['run', '--region', 'zeeland', '-n', '1']); "
            "u = resource.getrusage(resource.RUSAGE_SELF); print(u.ru_utime + u.ru_stime)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _stream(megabytes: int, ready, stop, core: int | None) -> None:
    """The busy neighbour: adds to every number of a buffer of `megabytes`, again and again, until
    `stop` is set (on `core` alone, where given); `ready` once the buffer is there."""
    if core is not None:
        os.sched_setaffinity(0, {core})
    try:
        buffer = np.ones(megabytes * 2**20 // 8)
    except MemoryError:  # the parent, never told `ready`, says so
        return
    ready.set()
    while not stop.is_set():
        buffer += 1.0


@contextmanager
def neighbour(megabytes: int) -> Iterator[None]:
    """A process streaming through `megabytes` of memory while the block runs (none for 0). Where
    the system lets a process choose its cores and gives this one two or more, the neighbour
    runs on the last and this process on the others, so that the two never share a core's time:
    what the neighbour does to this one is through the cache and memory they share."""
    if megabytes <= 0:
        yield
        return
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_setaffinity") else []
    pinned = len(cores) >= 2
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    process = multiprocessing.Process(target=_stream, args=(megabytes, ready, stop, cores[-1] if pinned else None),
                                      daemon=True)
    process.start()
    while not ready.wait(0.1):  # what is printed says a neighbour runs: not a word of it unless one does
        if not process.is_alive():
            why = "no memory for its buffer" if process.exitcode == 0 else f"it ended with code {process.exitcode}"
            print(f"bench_goals: --neighbour {megabytes}: the neighbour could not start ({why}); give fewer megabytes",
                  file=sys.stderr)
            sys.exit(2)
    if pinned:
        os.sched_setaffinity(0, set(cores[:-1]))
    try:
        yield
    finally:
        stop.set()
        process.join()
        if pinned:
            os.sched_setaffinity(0, set(cores))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3,
                    help="time each model this many times, csgsim and its baseline in turns, and give the medians "
                         "(the machine's speed drifts; default 3)")
    ap.add_argument("--neighbour", type=int, default=0, metavar="MB",
                    help="time everything with a process streaming through MB megabytes of memory meanwhile "
                         "(a busy neighbour on a shared machine; default 0: none)")
    args = ap.parse_args()
    machine = describe()  # before the neighbour takes a core from this process
    with neighbour(args.neighbour):  # printed once the neighbour, if any, runs
        busy = f"; a neighbour streams through {args.neighbour} MB of memory meanwhile" if args.neighbour > 0 else ""
        print(f"machine: {machine}{busy}")
        goals(args.replications, args.rounds)


def goals(n: int, rounds: int) -> None:
    """Print each goal's figure (see the module docstring)."""
    print("figure | measured | goal")
    rows = [("national", "netherlands.toml", None, n), ("Rotterdam", "rotterdam.toml", None, n),
            ("Zeeland", "zeeland.toml", None, n)]
    for name, model, regions, reps in rows:
        found = [region_year(model, regions, reps) for _ in range(rounds)]
        f = found[-1]

        def mid(figure) -> float:  # the median over the rounds (the figure itself with one round)
            return statistics.median(figure(g) for g in found)

        goal = {"national": "<= 10 ms, <= 1.5x baseline", "Rotterdam": "<= 2x baseline"}.get(name, "(no goal)")
        each = "; ".join(f"{1000 * g['ours']:.1f} ms, baseline {1000 * g['base']:.1f} ms, ratio {g['ours'] / g['base']:.2f}x"
                         for g in found)
        median = (f" -> median {1000 * mid(lambda g: g['ours']):.1f} ms, ratio "
                  f"{mid(lambda g: g['ours'] / g['base']):.2f}x" if len(found) > 1 else "")
        print(f"{name} region-year, CPU ({reps} reps x {f['regions']} regions) | {each}{median} | {goal}")
        of = " (medians over the rounds)" if len(found) > 1 else ""
        print(f"  of which the model run alone{of} | {1000 * mid(lambda g: g['run']):.1f} ms, "
              f"ratio {mid(lambda g: g['run'] / g['base']):.2f}x; SimPy events per region-year {f['events']:,.0f} vs "
              f"baseline {f['base_events']:,.0f} | (no goal)")
        print(f"  and besides the run, timed apart{of} | sampling and re-plans "
              f"{1000 * mid(lambda g: g['sample']):.1f} ms, metrics and costs {1000 * mid(lambda g: g['after']):.1f} ms "
              "(the run's figure holds its records) | (no goal)")

    ours, theirs, (_, sampled) = mm2_times()
    print(f"M/M/2 / hand-written SimPy ({sampled.acute.arrival.size:,} arrivals, CPU, medians of 9 in turns) | {ours / theirs:.2f}x "
          "| <= 1.1x")
    print(f"csgsim run --region zeeland -n 1, start to first table, CPU | {startup_cpu():.2f} s | <= 1 s")
    print("not measured here: size --region (<= 30 s), size --all-regions (<= 5 min), make test (<= 3 min): "
          "time the commands; run --out memory: benchmarks/bench_memory.py")


if __name__ == "__main__":
    main()
