"""Backends: one Executor seam; batches sized to the work; identical results on every backend."""

import sys
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from csgsim.runtime import executors

from csgsim.studies import experiments

from csgsim.runtime import jobs, replications

from csgsim.config import scenario
from csgsim.runtime.runfolder import digest
from csgsim.ui.cli import app
from tests.conftest import EXAMPLE

runner = CliRunner()


def fake_timed(seconds_per_rep: float):
    """Stands in for the model: returns placeholder replications and a made-up run time."""
    def run(job, reps):
        return [SimpleNamespace(rep=r, job=job) for r in reps], seconds_per_rep * len(reps)
    return run


def test_batches_hold_about_the_target_work_and_shrink_at_the_end(monkeypatch):
    """After a first one-replication task measures the cost, a batch holds about the target work
    (0.5 s here: 10 replications at 0.05 s), never more than half the remaining work per worker;
    every replication of every job runs exactly once."""
    monkeypatch.setattr(executors, "timed", fake_timed(0.05))
    backend = executors.Backend(None, 2, "test")
    batches = list(executors.dispatch(backend, {"a": "A", "b": "B"}, {"a": range(100), "b": range(30)},
                                      target_seconds=0.5))
    sizes = [len(out) for _, out in batches]
    assert sizes[0] == 1 and max(sizes) == 10 and sizes[-1] < 10
    done = sorted((k, r.rep) for k, out in batches for r in out)
    assert done == sorted([("a", r) for r in range(100)] + [("b", r) for r in range(30)])
    assert all(r.job == k.upper() for k, out in batches for r in out)
    fixed = list(executors.dispatch(backend, {"a": "A"}, {"a": range(10)}, batch_size=4))
    assert [len(out) for _, out in fixed] == [4, 4, 2]


class OneWorker(Executor):
    """Runs each task at once in this process, as one pool worker would; `forgets`: as if each
    task went to a fresh worker that holds no job. Counts the tasks that carried a job's bytes."""

    def __init__(self, forgets: bool):
        self.forgets, self.tasks, self.carried = forgets, 0, 0

    def submit(self, fn, *args):
        if self.forgets:
            executors._JOBS.clear()
        self.tasks += 1
        self.carried += args[1] is not None
        fut = Future()
        fut.set_result(fn(*args))
        return fut


def test_a_job_travels_to_a_worker_once_and_again_only_when_it_is_missing(monkeypatch):
    """In a pool only the first `slots` tasks of a job carry its pickled bytes; a worker that
    holds the job runs the rest from its copy, and one that lacks it gets the task again with
    the bytes. Either way every replication runs exactly once, with its own job."""
    monkeypatch.setattr(executors, "timed", fake_timed(0.05))
    pending = {"a": range(40), "b": range(12)}
    for forgets in (False, True):
        executors._JOBS.clear()
        pool = OneWorker(forgets)
        batches = list(executors.dispatch(executors.Backend(pool, 2, "one worker"), {"a": "A", "b": "B"}, pending))
        done = sorted((k, r.rep, r.job) for k, out in batches for r in out)
        assert done == sorted([("a", r, "A") for r in range(40)] + [("b", r, "B") for r in range(12)])
        if forgets:  # every task without bytes was missed once and sent again with them
            assert pool.tasks == len(batches) + (len(batches) - 4) and pool.carried == len(batches)
        else:
            assert pool.carried == 4 and pool.tasks == len(batches) > 4


def by_rep(backend: executors.Backend, job: jobs.Job) -> dict[int, bytes]:
    return {r.rep: r.regions.tobytes() for _, out in executors.dispatch(backend, {0: job}, {0: range(4)})
            for r in out}


def test_any_concurrent_futures_executor_fits_the_seam():
    """A plain ThreadPoolExecutor as backend gives the same replications as a serial run."""
    job = jobs.make_job(scenario.load(EXAMPLE).only(["zeeland"]), 3)
    with ThreadPoolExecutor(2) as pool:
        assert by_rep(executors.Backend(None, 1, "serial"), job) == by_rep(executors.Backend(pool, 2, "threads"), job)


def test_missing_dask_and_bad_schedulers_are_one_line_errors(monkeypatch):
    """--scheduler without Dask installed says how to install it; a malformed address is named."""
    res = runner.invoke(app, ["run", "-s", str(EXAMPLE), "-r", "zeeland", "-n", "1", "--scheduler", "nowhere"])
    assert res.exit_code == 2 and "expected 'local' or an address like tcp://HOST:PORT" in res.stderr
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    res = runner.invoke(app, ["run", "-s", str(EXAMPLE), "-r", "zeeland", "-n", "1", "--scheduler", "local"])
    assert res.exit_code == 2 and "pip install 'csgsim[dask]'" in res.stderr and "Traceback" not in res.output


def experiment_digest(tmp_path, name, backend) -> str:
    path = tmp_path / "exp.toml"
    path.write_text(f'[experiment]\nname = "b"\nscenario = "{EXAMPLE.as_posix()}"\nreplications = 6\n'
                    'regions = ["zeeland", "friesland"]\n'
                    '[[variants]]\nname = "fewer"\nset = { team_delta = -1 }\n')
    exp = experiments.load(path)
    return digest(experiments.run(exp, experiments.open_folder(exp, tmp_path / name, False), backend).regions)


def test_same_digest_serially_in_a_pool_and_on_dask(tmp_path):
    """The per-replication table has the same SHA-256 serially, in a 2-process pool, on a local
    Dask cluster and through a Dask scheduler address (TCP); a plain run agrees across backends too."""
    pytest.importorskip("dask.distributed", reason="the Dask backend needs pip install 'csgsim[dask]'")
    from dask.distributed import LocalCluster

    digests, runs = {}, {}
    sc = scenario.load(EXAMPLE).only(["zeeland"])
    for name, workers, scheduler in [("serial", 1, None), ("pool", 2, None), ("dask", 2, "local")]:
        with executors.make_executor(workers, scheduler) as backend:
            digests[name] = experiment_digest(tmp_path, name, backend)
            runs[name] = digest(replications.run(sc, 5, 4, backend=backend).region_long)
    with LocalCluster(n_workers=1, threads_per_worker=2, dashboard_address=None) as cluster:
        with executors.make_executor(scheduler=cluster.scheduler_address) as backend:
            assert backend.slots == 2
            digests["tcp"] = experiment_digest(tmp_path, "tcp", backend)
    assert len(set(digests.values())) == 1, digests
    assert len(set(runs.values())) == 1, runs
