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
import re
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csgsim.analysis.delays import DELAYS
from csgsim.core import atomic
from csgsim.core.text import first_few
from csgsim.runtime.locks import FolderLock, RunFolderError
from csgsim.runtime.provenance import versions

#: Environment variable for tests: kill this process (SIGKILL) right after it has written that
#: many batches, so an interrupted run can be tested without depending on timing.
STOP_AFTER_BATCHES = "CSGSIM_TEST_STOP_AFTER_BATCHES"


def named(path: str | Path) -> Path:
    """`path` if it names a folder csgsim may create or replace; the root, "." or ".." and any
    folder holding the current one are refused (replacing them would pull the floor away)."""
    path = Path(path)
    if not path.name or path.name == ".." or Path.cwd().resolve().is_relative_to(path.resolve()):
        raise RunFolderError(f"{path} is the current folder or holds it; give the run folder its own name, "
                             "e.g. results/run1")
    return path


def lock(path: Path) -> FolderLock:
    """Hold the lock of run folder `path` (a hidden file beside it) or refuse at once.

    One writer per folder: a second run or resume into a folder in use ends with a
    RunFolderError instead of interleaving batches. The lock lies beside the folder, not in it,
    because `run --out` replaces the folder by a rename; it is removed when released.
    """
    path = named(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return FolderLock(path)


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest of a csgsim run folder at `path`, or None if `path` holds no readable one."""
    try:
        data = json.loads((Path(path) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and "csgsim_version" in data else None


#: Files csgsim writes under batches/ (ARM-FIRST-LAST, see the module docstring), and the
#: folders it makes there; these are not listed in the manifest, which is written before them.
BATCH_FILE = re.compile(r"\d{4}-\d{7}-\d{7}\.(parquet|pkl)")
BATCH_FOLDERS = ("delays", "records")


def _owned(rel: tuple[str, ...], is_dir: bool, own: set[str]) -> bool:
    """Whether csgsim wrote the entry at relative path `rel` of a run folder."""
    if rel[-1].endswith(atomic.TAG):
        return True  # a temporary of a killed writer, removed on resume
    if len(rel) == 1:
        return rel[0] in own and not is_dir or rel[0] == "batches" and is_dir
    if rel[0] != "batches":
        return False
    if is_dir:
        return rel[1] in BATCH_FOLDERS and (len(rel) == 2 or rel[1] == "records" and len(rel) == 3)
    return bool(BATCH_FILE.fullmatch(rel[-1])) and (len(rel) == 2 or rel[1] in BATCH_FOLDERS)


def foreign_entries(path: Path, manifest: dict[str, Any]) -> list[str]:
    """What in run folder `path`, subfolders included, csgsim did not write: not in its
    manifest's file lists, nor a batch file; links are never csgsim's. Paths relative to `path`."""
    own = {"manifest.json", *manifest.get("files", []), *manifest.get("tables", [])}
    foreign = []
    for folder, dirs, files in os.walk(path):
        base = Path(folder).relative_to(path).parts
        for name in sorted(dirs):
            entry = Path(folder) / name
            if entry.is_symlink() or not _owned((*base, name), True, own):
                foreign.append(Path(*base, name).as_posix() + "/")
                dirs.remove(name)  # not looked into: none of it is csgsim's
        for name in files:
            entry = Path(folder) / name
            if entry.is_symlink() or not _owned((*base, name), False, own):
                foreign.append(Path(*base, name).as_posix())
    return sorted(foreign)


def check_target(path: Path, overwrite: bool) -> None:
    """Refuse an output folder whose contents csgsim did not write, or its own without `overwrite`.

    Allowed: no such path, an empty folder, or (with `overwrite`) a run folder holding only
    the files its manifest lists.
    """
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise RunFolderError(f"{path} exists and is not a folder (or is a link); choose another output folder")
    if not path.exists() or not any(path.iterdir()):
        return
    manifest = read_manifest(path)
    if manifest is None:
        raise RunFolderError(f"{path} is not empty and is not a csgsim run folder; choose another output folder")
    foreign = foreign_entries(path, manifest)
    if foreign and "files" not in manifest and "tables" not in manifest:
        raise RunFolderError(f"{path} was written by an older csgsim that did not list its files, so it cannot "
                             "tell them from yours; remove the folder yourself or choose another output folder")
    if foreign:
        raise RunFolderError(f"{path} holds files csgsim did not write ({first_few(foreign)}); "
                             "choose another output folder")
    if not overwrite:
        raise RunFolderError(f"{path} holds an earlier csgsim run; pass --overwrite to replace it, "
                             "or choose another output folder")


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


def _delay_table(delays: dict[tuple[str, str], list[np.ndarray]], reps: list[int]) -> pd.DataFrame:
    """Delay samples as one long table (rep, region, delay, value as float32), for Parquet."""
    keys = [(region, delay, rep, a) for (region, delay), arrays in delays.items() for rep, a in zip(reps, arrays)]
    sizes = [a.size for *_, a in keys]
    return pd.DataFrame({
        "rep": np.repeat(np.array([k[2] for k in keys], dtype=np.int32), sizes),
        "region": pd.Categorical(np.repeat(np.array([k[0] for k in keys], dtype=object), sizes)),
        "delay": pd.Categorical(np.repeat(np.array([k[1] for k in keys], dtype=object), sizes)),
        "value": np.concatenate([a.astype(np.float32) for *_, a in keys]) if keys else np.zeros(0, np.float32),
    })


class RunFolder:
    """A folder holding one run: its manifest, its finished batches, and at the end its tables."""

    def __init__(self, path: Path, manifest: dict[str, Any], held: FolderLock | None = None):
        self.path = path
        self.batches = path / "batches"
        self.delay_dir = self.batches / "delays"
        self.manifest = manifest
        self._lock = held
        self.written = 0  # batches this process has added

    def close(self) -> None:
        """Release the folder's lock (also done when the object is collected)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def open(cls, path: str | Path, identity: dict[str, Any], resume: bool,
             info: dict[str, Any] | None = None) -> RunFolder:
        """Start a run in `path`, or with `resume` continue the one there if its identity matches.

        `identity` is what must be equal to resume (seed, inputs' digests; the versions in
        MUST_MATCH are added); `info` is recorded too but may differ (file paths). The folder
        stays locked until `close` (one writer per folder).
        """
        path = named(path)
        held = lock(path)
        try:
            return cls._open(path, identity, resume, info, held)
        except BaseException:
            held.release()
            raise

    @classmethod
    def _open(cls, path: Path, identity: dict[str, Any], resume: bool, info: dict[str, Any] | None,
              held: FolderLock) -> RunFolder:
        current = versions()
        identity = {**identity, **{k: current[k] for k in MUST_MATCH}}
        old = read_manifest(path) if path.is_dir() else None
        if old is not None:
            if not resume:
                raise RunFolderError(f"{path} already holds a run; pass --resume to complete it, "
                                     "or choose another output folder")
            foreign = foreign_entries(path, old)
            if foreign:
                raise RunFolderError(f"{path} holds files csgsim did not write ({first_few(foreign)}); "
                                     "refusing to resume (move them away first)")
            for key, value in identity.items():
                if old.get(key) != value:
                    raise RunFolderError(f"{path}: the run there has {key} = {old.get(key)!r}, this one "
                                         f"{value!r}; refusing to resume (choose another output folder)")
            folder = cls(path, old, held)
            atomic.remove_stale(path)
            atomic.remove_stale(folder.batches)
            if folder.delay_dir.is_dir():
                atomic.remove_stale(folder.delay_dir)
            return folder
        if path.is_symlink() or (path.exists() and (not path.is_dir() or any(path.iterdir()))):
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
        folder = cls(path, manifest, held)
        folder.batches.mkdir(parents=True, exist_ok=True)
        folder._write_manifest()
        return folder

    def _write_manifest(self) -> None:
        text = json.dumps(self.manifest, indent=2, default=str) + "\n"
        atomic.write_text(self.path / "manifest.json", text)

    def _files(self) -> list[tuple[int, int, Path]]:
        """Finished batch files as (arm, first replication, path), in that order."""
        out = []
        for f in self.batches.glob("[!.]*.parquet"):
            arm, first, _ = f.stem.split("-")
            out.append((int(arm), int(first), f))
        return sorted(out)

    def batch_count(self) -> int:
        """Finished batches on disk."""
        return len(self._files())

    def finished(self) -> dict[int, set[int]]:
        """Replication indices already on disk, per arm."""
        import pyarrow.parquet as pq

        done: dict[int, set[int]] = {}
        for arm, _, f in self._files():
            done.setdefault(arm, set()).update(pq.read_table(f, columns=["rep"]).column("rep").to_pylist())
        return done

    def add(self, arm: int, regions: pd.DataFrame, persons: pd.DataFrame,
            delays: dict[tuple[str, str], list[np.ndarray]] | None = None) -> None:
        """Store one finished batch of arm `arm`: region and person rows in one file, and the
        batch's delay samples ({(region, delay): one array per replication, in the order of the
        batch's replications}) in a file of the same name under batches/delays/. That one is
        written first, so every finished batch has its delays."""
        reps = regions["rep"]
        rows = pd.concat([regions.assign(level="region"), persons.assign(level="person")], ignore_index=True)
        name = f"{arm:04d}-{reps.min():07d}-{reps.max():07d}.parquet"
        if delays is not None:
            table = _delay_table(delays, np.unique(reps).tolist())  # as RunResult.reps: ascending
            self.delay_dir.mkdir(exist_ok=True)
            atomic.write_file(self.delay_dir / name, lambda p: table.to_parquet(p, index=False, compression="zstd"))
        atomic.write_file(self.batches / name, lambda p: rows.to_parquet(p, index=False, compression="zstd"))
        self.written += 1
        if self.written == int(os.environ.get(STOP_AFTER_BATCHES, 0) or -1):
            os.kill(os.getpid(), signal.SIGKILL)  # a test hook: die like a crash, at a known point

    def delays(self, arms: list[str], reps: list[int], regions: list[str]
               ) -> dict[tuple[str, str, str], list[np.ndarray]] | None:
        """Every stored delay sample as {(arm name, region, delay): one array per replication of
        `reps`}; None if a finished batch has none (a folder of an older csgsim)."""
        files = [(arm, self.delay_dir / f.name) for arm, _, f in self._files()]
        if not all(f.is_file() for _, f in files):
            return None
        empty = np.zeros(0, dtype=np.float32)
        found: dict[tuple[str, str, str, int], np.ndarray] = {}
        for arm, f in files:
            table = pd.read_parquet(f)
            for (region, delay, rep), grp in table.groupby(["region", "delay", "rep"], sort=False, observed=True):
                found[(arms[arm], str(region), str(delay), int(rep))] = grp["value"].to_numpy()
        return {(name, region, delay): [found.get((name, region, delay, r), empty) for r in reps]
                for name in arms for region in regions for delay in DELAYS}

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
            atomic.write_file(self.path / f"{name}.parquet",
                         lambda p, df=df: df.to_parquet(p, index=False, compression="zstd"))
        self.manifest.update({
            "complete": True,
            "completed_utc": _now(),
            "replications_sha256": digest(tables["replications_regions"]),
            "tables": sorted(f"{name}.parquet" for name in tables),
        })
        self._write_manifest()


class OutputFolder:
    """The folder of `run --out`: locked, checked, filled in a hidden staging folder beside it,
    and published in one rename, so a reader never sees half a result and an interrupted run
    leaves what was there before untouched.
    """

    def __init__(self, target: str | Path, overwrite: bool):
        self.target = named(target)
        self._lock: FolderLock | None = lock(self.target)
        try:
            check_target(self.target, overwrite)
            atomic.remove_stale(self.target.parent, self.target.name)
            self.staging: Path | None = atomic.make_folder(self.target)
        except BaseException:
            self.close()
            raise

    def publish(self) -> list[Path]:
        """Put the staged files in place of the target; return them."""
        assert self.staging is not None, "published twice"
        atomic.publish(self.staging, self.target)
        self.staging = None
        return sorted(self.target.iterdir())

    def close(self) -> None:
        """Remove an unpublished staging folder and release the lock."""
        import shutil

        if getattr(self, "staging", None) is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
