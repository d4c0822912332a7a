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
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from csgsim.core.errors import CsgsimError
from csgsim.runtime.jobs import Job, Replication, run_chunk

#: Seconds of work per task: per-task overhead (a few ms in a pool, 1.7 ms with Dask, plus
#: shipping the pickled job) stays near 1%, and an interrupted run loses at most this much per worker.
TARGET_TASK_SECONDS = 0.5

K = TypeVar("K", bound=Hashable)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _die_with_parent(parent: int) -> None:
    """Make this pool worker end when the process that started it ends, however it ends.

    Linux: the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG). Elsewhere a
    daemon thread checks once a second whether the parent changed. Either way a SIGKILLed
    `csgsim` leaves no workers computing for minutes. A parent already gone ends it now.
    """
    import threading

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


#: Jobs this worker process has unpickled, by digest (a few: the variants or sizes in flight).
_JOBS: dict[str, Job] = {}


def timed_chunk(token: str, blob: bytes, reps: list[int]) -> tuple[list[Replication], float]:
    """`timed` in a worker. The job arrives pickled once by the parent (a national job is about
    3 MB: pickling it per task cost 14 ms) and is unpickled once per worker, keyed by its digest.
    """
    job = _JOBS.get(token)
    if job is None:
        if len(_JOBS) >= 16:
            _JOBS.clear()
        job = _JOBS[token] = pickle.loads(blob)
    return timed(job, reps)


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
    queue = deque((k, list(reps)) for k, reps in pending.items() if reps)
    remaining = sum(len(reps) for _, reps in queue)
    spent, measured = 0.0, 0

    def next_batch() -> tuple[K, list[int]]:
        nonlocal remaining
        k, reps = queue[0]
        if batch_size is not None:
            size = batch_size
        elif not measured:
            size = 1
        else:
            size = min(math.ceil(target_seconds * measured / max(spent, 1e-9)),
                       math.ceil(remaining / (2 * backend.slots)))
        take = reps[:max(1, size)]
        del reps[:len(take)]
        if not reps:
            queue.popleft()
        remaining -= len(take)
        return k, take

    if backend.executor is None:
        while queue:
            k, reps = next_batch()
            out, seconds = timed(jobs[k], reps)
            spent, measured = spent + seconds, measured + len(reps)
            yield k, out
        return
    blobs = {k: pickle.dumps(jobs[k], protocol=pickle.HIGHEST_PROTOCOL) for k, _ in queue}
    tokens = {k: hashlib.blake2b(blob, digest_size=16).hexdigest() for k, blob in blobs.items()}
    shared = {k: backend.share(blob) for k, blob in blobs.items()}
    in_flight: dict[Future, K] = {}
    try:
        while queue or in_flight:
            while queue and len(in_flight) < 2 * backend.slots:
                k, reps = next_batch()
                in_flight[backend.executor.submit(timed_chunk, tokens[k], shared[k], reps)] = k
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for fut in done:
                k = in_flight.pop(fut)
                out, seconds = fut.result()
                spent, measured = spent + seconds, measured + len(out)
                yield k, out
    finally:
        for fut in in_flight:
            fut.cancel()
