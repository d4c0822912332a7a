"""Run folders: each finished batch reaches the disk at once, so an interrupted run keeps it.

    manifest.json                    what the run is (its identity), versions, command line;
                                     `complete` turns true when the final tables are written
    batches/ARM-FIRST-LAST.parquet   one file per finished batch: per-replication rows of one arm
    <name>.parquet                   the final tables, assembled from the batches

Every file is written under a temporary name and renamed into place, so a file that exists is
whole; a run killed at any moment (Ctrl-C, SIGKILL, power cut of the process) leaves finished
batches and at most some hidden temporaries, which `open(..., resume=True)` removes. Final
tables are always assembled from the batch files in replication order, never from memory, so a
resumed run gives the same tables, byte for byte in value, as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from csgsim.core.errors import CsgsimError
from csgsim.runtime.provenance import versions


#: Environment variable for tests: kill this process (SIGKILL) right after it has written that
#: many batches, so an interrupted run can be tested without depending on timing.
STOP_AFTER_BATCHES = "CSGSIM_TEST_STOP_AFTER_BATCHES"


class RunFolderError(CsgsimError):
    """A run folder cannot be started or resumed (it holds another run, or something else)."""


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through `write(tmp)` to a hidden temporary beside `path`, then rename it in place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def digest(table: pd.DataFrame) -> str:
    """SHA-256 of a table's values, column names and types: equal digests, equal results."""
    h = hashlib.sha256(json.dumps([list(table.columns), [str(t) for t in table.dtypes]]).encode())
    h.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


#: Versions a resumed run must share with the start: numpy does not promise the same random
#: streams across versions, and csgsim's model may change between versions.
MUST_MATCH = ("csgsim_version", "numpy_version")


class RunFolder:
    """A folder holding one run: its manifest, its finished batches, and at the end its tables."""

    def __init__(self, path: Path, manifest: dict[str, Any]):
        self.path = path
        self.batches = path / "batches"
        self.manifest = manifest
        self.written = 0  # batches this process has added

    @classmethod
    def open(cls, path: str | Path, identity: dict[str, Any], resume: bool,
             info: dict[str, Any] | None = None) -> RunFolder:
        """Start a run in `path`, or with `resume` continue the one there if its identity matches.

        `identity` is what must be equal to resume (seed, inputs' digests; the versions in
        MUST_MATCH are added); `info` is recorded too but may differ (file paths).
        """
        path = Path(path)
        current = versions()
        identity = {**identity, **{k: current[k] for k in MUST_MATCH}}
        manifest_file = path / "manifest.json"
        if manifest_file.is_file():
            if not resume:
                raise RunFolderError(f"{path} already holds a run; pass --resume to complete it, "
                                     "or choose another output folder")
            try:
                old = json.loads(manifest_file.read_text())
            except (OSError, json.JSONDecodeError) as exc:
                raise RunFolderError(f"{path}/manifest.json cannot be read ({exc})") from None
            for key, value in identity.items():
                if old.get(key) != value:
                    raise RunFolderError(f"{path}: the run there has {key} = {old.get(key)!r}, this one "
                                         f"{value!r}; refusing to resume (choose another output folder)")
            folder = cls(path, old)
            for tmp in [*path.glob(".*.tmp"), *folder.batches.glob(".*.tmp")]:
                tmp.unlink(missing_ok=True)
            return folder
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise RunFolderError(f"{path} exists and is not a csgsim run folder; choose another output folder")
        manifest = {
            "kind": "csgsim run folder",
            **identity,
            **(info or {}),
            **current,
            "command": sys.argv,
            "created_utc": _now(),
            "complete": False,
        }
        folder = cls(path, manifest)
        folder.batches.mkdir(parents=True, exist_ok=True)
        folder._write_manifest()
        return folder

    def _write_manifest(self) -> None:
        text = json.dumps(self.manifest, indent=2, default=str) + "\n"
        atomic_write(self.path / "manifest.json", lambda p: p.write_text(text))

    def _files(self) -> list[tuple[int, int, Path]]:
        """Finished batch files as (arm, first replication, path), in that order."""
        out = []
        for f in self.batches.glob("[!.]*.parquet"):
            arm, first, _ = f.stem.split("-")
            out.append((int(arm), int(first), f))
        return sorted(out)

    def finished(self) -> dict[int, set[int]]:
        """Replication indices already on disk, per arm."""
        import pyarrow.parquet as pq

        done: dict[int, set[int]] = {}
        for arm, _, f in self._files():
            done.setdefault(arm, set()).update(pq.read_table(f, columns=["rep"]).column("rep").to_pylist())
        return done

    def add(self, arm: int, regions: pd.DataFrame, persons: pd.DataFrame) -> None:
        """Store one finished batch of arm `arm` (region and person rows in one file)."""
        reps = regions["rep"]
        rows = pd.concat([regions.assign(level="region"), persons.assign(level="person")], ignore_index=True)
        name = f"{arm:04d}-{reps.min():07d}-{reps.max():07d}.parquet"
        atomic_write(self.batches / name, lambda p: rows.to_parquet(p, index=False, compression="zstd"))
        self.written += 1
        if self.written == int(os.environ.get(STOP_AFTER_BATCHES, 0) or -1):
            os.kill(os.getpid(), signal.SIGKILL)  # a test hook: die like a crash, at a known point

    def tables(self, arms: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Every stored replication as (region rows, person rows), arm by arm in replication order,
        with the arm's name in a first column `variant`.
        """
        parts = [pd.read_parquet(f).assign(arm=arm) for arm, _, f in self._files()]
        rows = pd.concat(parts, ignore_index=True).sort_values(["arm", "rep"], kind="stable")
        rows.insert(0, "variant", rows["arm"].map(dict(enumerate(arms))).astype("str"))
        regions = rows[rows["level"] == "region"][["variant", "rep", "region", "metric", "value"]]
        persons = rows[rows["level"] == "person"][["variant", "rep", "region", "person", "role", "metric", "value"]]
        return regions.reset_index(drop=True), persons.reset_index(drop=True)

    def complete(self, tables: dict[str, pd.DataFrame]) -> None:
        """Write the final tables, then mark the manifest complete (with the results' digest)."""
        for name, df in tables.items():
            atomic_write(self.path / f"{name}.parquet",
                         lambda p, df=df: df.to_parquet(p, index=False, compression="zstd"))
        self.manifest.update({
            "complete": True,
            "completed_utc": _now(),
            "replications_sha256": digest(tables["replications_regions"]),
            "tables": sorted(f"{name}.parquet" for name in tables),
        })
        self._write_manifest()
