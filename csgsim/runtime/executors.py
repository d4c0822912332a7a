"""Where replications run: one `concurrent.futures.Executor` seam for every backend.

`make_executor` opens a backend: this process (one worker, no scheduler), a local process pool
(the default, all cores, explicit start method: see `process_pool`), a local Dask
cluster (`scheduler="local"`) or a remote one (`scheduler="tcp://host:port"`, through
`Client.get_executor`, whose futures are standard `concurrent.futures` futures). `dispatch`
feeds any backend batches of replication indices. A replication depends only on its job and
index, never on the batch or worker that ran it, so results are bit-identical on every backend
and worker count; batching only decides overhead and how often progress is reported.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from csgsim.core.errors import CsgsimError
from csgsim.runtime.jobs import Job, Replication, run_chunk

#: Seconds of work per task: per-task overhead (a few ms in a pool: sending the replications'
#: figures back, waking the parent; 1.7 ms with Dask) stays under 1%, the guided end of
#: `dispatch` still lets workers finish together, and an interrupted run loses at most this much
#: per worker. (The pickled job goes to each worker once: see `timed_chunk`.)
TARGET_TASK_SECONDS = 1.0
#: The same for runs that keep every record: each finished batch, records included (about 6 MB
#: a national replication), is unpickled whole in the parent, and up to two per worker may wait
#: there, so less work per task keeps the parent's peak lower and steadier (national,
#: `benchmarks/bench_memory.py -n 100`: 349 MB at 1 s, 299 MB at 0.5 s; at 0.2 s a national task
#: holds one or two replications, and the parent's peak while they ran, -n 400 once each, was
#: 240 MB against 282 MB at 0.5 s). A task still costs well under 1% of its work in overhead.
RECORDS_TASK_SECONDS = 0.2

K = TypeVar("K", bound=Hashable)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _die_with_parent(parent: int) -> None:
    """Make this pool worker end when the process that started it ends, however it ends.

    Linux: the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG). Elsewhere a
    daemon thread checks once a second whether the parent changed. Either way a SIGKILLed
    `csgsim` leaves no workers computing for minutes. A parent already gone ends it now.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="csgsim-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


#: prctl option: the signal this process receives when its parent thread ends (linux/prctl.h).
PR_SET_PDEATHSIG = 1


def _start_worker(parent: int) -> None:
    """Pool workers leave Ctrl-C to the parent, which reports it once (no traceback per worker),
    end on SIGTERM (not the command line's handler, inherited through fork), and die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A local pool with an explicit start method (fork where available: no re-import cost)."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_start_worker, initargs=(os.getpid(),))


def _stop(pool: ProcessPoolExecutor, interrupted: bool) -> None:
    """Shut a pool down; when the block was left by an error or an interrupt, end the workers at
    once (their batches are lost either way) instead of waiting for their tasks to finish."""
    if interrupted:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
    pool.shutdown(wait=True, cancel_futures=True)


class BackendError(CsgsimError):
    """A backend cannot be started or reached (Dask missing, scheduler unreachable)."""


#: Address schemes Dask's comms understand.
SCHEMES = ("tcp", "tls", "ws", "wss", "inproc", "ucx")


def check_scheduler(address: str) -> str:
    """`address` if it is 'local' or SCHEME://HOST:PORT with a known scheme, a host and a port
    in 1-65535; else a BackendError saying what is expected."""
    from urllib.parse import urlsplit

    if address == "local":
        return address
    expected = f"--scheduler {address!r}: expected 'local' or an address like tcp://HOST:PORT"
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:
        raise BackendError(f"{expected} (this one cannot be parsed)") from None
    if parts.scheme not in SCHEMES:
        raise BackendError(f"{expected}; allowed schemes: {', '.join(SCHEMES)}")
    if parts.scheme != "inproc" and (not parts.hostname or port is None or port == 0):
        raise BackendError(f"{expected} (a host and a port from 1 to 65535 are needed)")
    return address


def _as_is(blob: bytes) -> Any:
    return blob


@dataclass(frozen=True)
class Backend:
    """An open backend: `executor` is None when replications run in this process.

    `share` places a pickled job where workers fetch it once (Dask: scattered to every worker,
    17 ms less per task for the national model); tasks then carry a reference. A process pool
    sends the bytes with each task.
    """

    executor: Executor | None
    slots: int  # replications that can run at once
    label: str
    share: Callable[[bytes], Any] = _as_is


@contextmanager
def make_executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[Backend]:
    """Open a backend for the duration of a `with` block; shut it down however the block ends.

    workers: processes (default all cores; 1 without a scheduler = this process).
    scheduler: None, "local" (a local Dask cluster of `workers` processes) or a Dask address.
    """
    if scheduler is None:
        n = default_workers() if workers is None else workers
        if n <= 1:
            yield Backend(None, 1, "serial (this process)")
            return
        pool = process_pool(n)
        try:
            yield Backend(pool, n, f"process pool ({n} workers)")
        except BaseException:
            _stop(pool, interrupted=True)
            raise
        _stop(pool, interrupted=False)
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise BackendError("--scheduler needs Dask: pip install 'csgsim[dask]'") from None
    import logging

    cluster = None
    if scheduler == "local":
        n = default_workers() if workers is None else workers
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout=10)
        except (OSError, TimeoutError) as exc:
            raise BackendError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") from None
    try:
        slots = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()) or 1
        where = "local Dask cluster" if cluster is not None else f"Dask at {scheduler}"
        yield Backend(client.get_executor(pure=False), slots, f"{where} ({slots} worker threads)",
                      share=lambda blob: client.scatter(blob, broadcast=True, hash=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def timed(job: Job, reps: list[int]) -> tuple[list[Replication], float]:
    """Run a batch and say how long it took, to size the next batches."""
    t = time.perf_counter()
    out = run_chunk(job, reps)
    return out, time.perf_counter() - t


#: Jobs this worker process has unpickled, by digest, least recently used first, with their
#: pickled size: kept up to JOB_CACHE_BYTES (a national job is about 5 MB pickled). A Dask worker
#: may run tasks in several threads, hence the lock.
_JOBS: OrderedDict[str, tuple[Job, int]] = OrderedDict()
_JOBS_LOCK = threading.Lock()
JOB_CACHE_BYTES = 100_000_000


def timed_chunk(token: str, blob: bytes | None, reps: list[int]) -> tuple[list[Replication], float] | None:
    """`timed` in a worker, or None when the task names a job this worker does not hold and
    carries no bytes of it (the parent then sends the task again with them). A job travels
    pickled once from the parent and is unpickled once per worker, kept by its digest: sending
    the bytes with every task cost about 9 ms a task for the national model (5 MB)."""
    with _JOBS_LOCK:
        held = _JOBS.get(token)
        if held is not None:
            _JOBS.move_to_end(token)
    if held is None and blob is None:
        return None
    if held is None:
        held = (pickle.loads(blob), len(blob))
        with _JOBS_LOCK:
            _JOBS[token] = held
            while len(_JOBS) > 1 and sum(n for _, n in _JOBS.values()) > JOB_CACHE_BYTES:
                _JOBS.popitem(last=False)
    return timed(held[0], reps)


class _Batches:
    """The scheduling of `dispatch`: `take()` gives the next (job key, replications), `measure`
    learns what a finished batch cost; true while replications are left to hand out."""

    def __init__(self, pending: Mapping[K, Sequence[int]], slots: int, batch_size: int | None,
                 target_seconds: float):
        self.queue = deque((k, list(reps)) for k, reps in pending.items() if reps)
        self.remaining = sum(len(reps) for _, reps in self.queue)
        self.slots, self.batch_size, self.target = slots, batch_size, target_seconds
        self.spent, self.measured = 0.0, 0

    def __bool__(self) -> bool:
        return bool(self.queue)

    def take(self) -> tuple[Any, list[int]]:
        k, reps = self.queue[0]
        if self.batch_size is not None:
            size = self.batch_size
        elif not self.measured:
            size = 1
        else:
            size = min(math.ceil(self.target * self.measured / max(self.spent, 1e-9)),
                       math.ceil(self.remaining / (2 * self.slots)))
        chunk = reps[:max(1, size)]
        del reps[:len(chunk)]
        if not reps:
            self.queue.popleft()
        self.remaining -= len(chunk)
        return k, chunk

    def measure(self, reps: int, seconds: float) -> None:
        self.spent += seconds
        self.measured += reps


def dispatch(
    backend: Backend,
    jobs: Mapping[K, Job],
    pending: Mapping[K, Sequence[int]],
    batch_size: int | None = None,
    target_seconds: float = TARGET_TASK_SECONDS,
) -> Iterator[tuple[K, list[Replication]]]:
    """Run `pending[k]` replications of `jobs[k]` for every k; yield (k, batch) as batches finish.

    Batches are sized from the measured cost per replication so each task holds at least
    `target_seconds` of work (or one replication), but never more than an equal share of half
    the remaining work per worker (guided self-scheduling: the last tasks are small, so workers
    finish together). The first tasks hold one replication each, to measure the cost;
    `batch_size` fixes the size. At most two tasks per worker are in flight, so an interrupted
    run has little work under way.
    """
    batches = _Batches(pending, backend.slots, batch_size, target_seconds)
    if backend.executor is None:
        while batches:
            k, reps = batches.take()
            out, seconds = timed(jobs[k], reps)
            batches.measure(len(reps), seconds)
            yield k, out
        return
    yield from _in_pool(backend, jobs, batches)


def _in_pool(backend: Backend, jobs: Mapping[K, Job], batches: _Batches) -> Iterator[tuple[K, list[Replication]]]:
    """`dispatch` on an executor. Each job is pickled once here; with a shared place (Dask) tasks
    carry a reference to it, else only the first `slots` tasks of a job carry its bytes, and a
    worker that misses them answers None and gets the task again with them."""
    executor = backend.executor
    assert executor is not None
    blobs = {k: pickle.dumps(jobs[k], protocol=pickle.HIGHEST_PROTOCOL) for k, _ in batches.queue}
    tokens = {k: hashlib.blake2b(blob, digest_size=16).hexdigest() for k, blob in blobs.items()}
    shared = {k: backend.share(blob) for k, blob in blobs.items()}
    once = backend.share is _as_is
    sent: dict[K, int] = {}
    in_flight: dict[Future, tuple[K, list[int]]] = {}

    def submit(k: K, reps: list[int], carry: bool) -> None:
        in_flight[executor.submit(timed_chunk, tokens[k], shared[k] if carry else None, reps)] = (k, reps)

    try:
        while batches or in_flight:
            while batches and len(in_flight) < 2 * backend.slots:
                k, reps = batches.take()
                sent[k] = sent.get(k, 0) + 1
                submit(k, reps, not once or sent[k] <= backend.slots)
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for fut in done:
                k, reps = in_flight.pop(fut)
                result = fut.result()
                if result is None:  # this worker lacked the job: again, with its bytes
                    submit(k, reps, True)
                    continue
                batches.measure(len(result[0]), result[1])
                yield k, result[0]
    finally:
        for fut in in_flight:
            fut.cancel()
