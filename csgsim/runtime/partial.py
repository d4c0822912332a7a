"""`run --out` keeps its finished batches, so an interrupted run can be completed (`--resume`).

Beside the output folder X lies, while its run is under way or after it was interrupted, the
hidden folder `.X.csgsim-partial/`:

    manifest.json                 what the run is (seed, replications, scenario digest, regions,
                                  scripted absences, records or not) and the versions
    batches/0000-FIRST-LAST.pkl   one file per finished batch: its replications, records included

Each batch file is written atomically (see `csgsim.core.atomic`) as soon as its batch finishes.
A resumed run runs only the missing replications, and the result is always assembled from the
batch files in replication order, so a resumed run's tables equal an uninterrupted one's. The
folder is removed once the result is published. Batch files are pickles, read back only from a
folder whose manifest matches the run (the user's own earlier run of the same inputs).
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from csgsim.config.schema import Scenario
from csgsim.core import atomic
from csgsim.core.text import first_few
from csgsim.runtime import heap
from csgsim.runtime.executors import RECORDS_TASK_SECONDS, TARGET_TASK_SECONDS, Backend, dispatch
from csgsim.runtime.jobs import Replication, make_job
from csgsim.runtime.provenance import versions
from csgsim.runtime.replications import Collector, RunResult
from csgsim.runtime.runfolder import MUST_MATCH, STOP_AFTER_BATCHES, RunFolderError, foreign_entries, read_manifest
from csgsim.runtime.streaming import RecordWriter
from csgsim.staff.rota import Planned

#: Last part of the name of the folder that keeps an unfinished run's batches.
TAG = "csgsim-partial"


def partial_path(target: Path) -> Path:
    """Where the batches of a run into `target` are kept: `.NAME.csgsim-partial` beside it."""
    return Path(target).with_name(f".{Path(target).name}.{TAG}")


class PartialRun:
    """The finished batches of one run into an output folder (the caller holds its lock)."""

    def __init__(self, path: Path, manifest: dict[str, Any]):
        self.path = path
        self.batches = path / "batches"
        self.manifest = manifest
        self.written = 0  # batches this process has added

    @classmethod
    def open(cls, target: Path, identity: dict[str, Any], resume: bool, overwrite: bool) -> PartialRun:
        """The kept batches of the run into `target` if `resume` and they are of this run (same
        `identity` and versions), else a new, empty set; an interrupted run is discarded only
        with `overwrite`, and a folder holding anything csgsim did not write is never touched."""
        current = versions()
        identity = {**identity, **{k: current[k] for k in MUST_MATCH}}
        path = partial_path(target)
        if path.exists() or path.is_symlink():
            old = read_manifest(path) if path.is_dir() and not path.is_symlink() else None
            foreign = foreign_entries(path, old) if old is not None else ["(no csgsim manifest)"]
            if foreign:
                raise RunFolderError(f"{path} holds files csgsim did not write ({first_few(foreign)}); "
                                     "move them away first")
            if resume:
                for key, value in identity.items():
                    if old.get(key) != value:
                        raise RunFolderError(f"{path}: the interrupted run there has {key} = {old.get(key)!r}, "
                                             f"this one {value!r}; refusing to resume (pass --overwrite without "
                                             "--resume to start over)")
                folder = cls(path, old)
                atomic.remove_stale(path)
                atomic.remove_stale(folder.batches)
                return folder
            if not overwrite:
                raise RunFolderError(f"an interrupted run into {target} is kept in {path}; pass --resume to "
                                     "complete it, or --overwrite to start over")
            shutil.rmtree(path)
        path.mkdir(0o777)
        folder = cls(path, {"kind": "csgsim partial run", **identity, **current})
        folder.batches.mkdir()
        atomic.write_text(path / "manifest.json", json.dumps(folder.manifest, indent=2, default=str) + "\n")
        return folder

    def _files(self) -> list[Path]:
        """Finished batch files in replication order."""
        return sorted(self.batches.glob("[!.]*.pkl"), key=lambda f: int(f.stem.split("-")[1]))

    def batch_count(self) -> int:
        return len(self._files())

    def finished(self) -> set[int]:
        """Replication indices whose batch is on disk (from the file names)."""
        done: set[int] = set()
        for f in self._files():
            _, first, last = f.stem.split("-")
            done.update(range(int(first), int(last) + 1))
        return done

    def add(self, batch: list[Replication]) -> None:
        """Store one finished batch, a file per stretch of consecutive replications (a resumed
        run's batch may span replications that were already on disk), named by its first and last."""
        batch = sorted(batch, key=lambda r: r.rep)
        starts = [i for i, r in enumerate(batch) if i == 0 or r.rep != batch[i - 1].rep + 1]
        for a, b in zip(starts, [*starts[1:], len(batch)]):
            part = batch[a:b]
            name = f"0000-{part[0].rep:07d}-{part[-1].rep:07d}.pkl"
            atomic.write_file(self.batches / name, lambda p, part=part: _dump(part, p))
        self.written += 1
        if self.written == int(os.environ.get(STOP_AFTER_BATCHES, 0) or -1):
            os.kill(os.getpid(), signal.SIGKILL)  # a test hook: die like a crash, at a known point

    def run(self, scenario: Scenario, replications: int, seed: int, backend: Backend, keep_records: bool,
            on_progress: Callable[[int], None] | None = None, writer: RecordWriter | None = None,
            duties: dict[str, Planned] | None = None) -> RunResult:
        """Run the replications not yet on disk, storing each batch; then assemble the result from
        the batch files in replication order (records into `writer`, a batch at a time, which is
        then closed: its files' footers, a few kB a batch, leave memory before the summaries are
        computed). `duties`: a rota's plans, as in `replications.run`."""
        done = self.finished()
        pending = [r for r in range(replications) if r not in done]
        if on_progress:
            on_progress(replications - len(pending))
        job = make_job(scenario, seed, keep_records, duties)
        seconds = RECORDS_TASK_SECONDS if keep_records else TARGET_TASK_SECONDS
        for _, batch in dispatch(backend, {0: job}, {0: pending}, target_seconds=seconds):
            self.add(batch)
            if on_progress:
                on_progress(len(batch))
            del batch
            heap.release()
        collector = Collector(scenario, seed, list(range(replications)))
        for f in self._files():  # one batch in memory at a time
            with f.open("rb") as fh:  # streamed: no second copy of the batch as bytes
                batch = pickle.load(fh)
            if writer is not None:
                writer.add(batch)
            collector.add(batch)
            del batch
            heap.release()
        if writer is not None:
            writer.close()
            heap.release()
        return collector.result()

    def remove(self) -> None:
        """Remove the kept batches (the run's result has been published)."""
        shutil.rmtree(self.path, ignore_errors=True)


def _dump(batch: list[Replication], path: Path) -> None:
    """A batch to `path`, pickled straight into the file: no copy of it as bytes in memory."""
    with path.open("wb") as fh:
        pickle.dump(batch, fh, protocol=pickle.HIGHEST_PROTOCOL)
