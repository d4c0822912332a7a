"""Delay samples and per-replication figures kept on disk, so a run's main process does not grow
with its replications.

The pooled delay percentiles of a summary need every delay of every replication (see
`csgsim.analysis.summary`): for the national model about 60 kB a replication, the largest part
of what a run kept in memory. `SpilledDelays` appends each replication's delays to one file per
(region, delay) in a temporary folder as batches finish, and reads one (region, delay) back,
whole, when a summary asks for it. The values are the workers' arrays byte for byte, so every
summary is bit-identical to one computed from arrays in memory. The folder is removed when the
object is garbage collected or the program ends.

The per-replication figures (about 30 kB a national replication: regions x metrics, people x
metrics, costs) go the same way: `FigureCube` is a (replication, label, metric) array in an
unnamed temporary file (gone when closed), laid out label by label, so a summary reads one
label's (replication, metric) block at a time and a table one stretch of replications at a
time; neither holds the whole array.
"""

from __future__ import annotations

import errno
import shutil
import tempfile
import weakref
from array import array
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from csgsim.core.errors import CsgsimError

Key = tuple[str, str]  # (region, delay)


class SpillError(CsgsimError):
    """The temporary folder cannot hold what a run keeps on disk (full, or not writable)."""


@contextmanager
def _on_disk(what: str):
    """Turn a failed write or read of the run's temporary files into a `SpillError` that says
    where and what to do: the commands report a CsgsimError in one line (exit 2)."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SpillError(f"cannot keep the run's {what} in the temporary folder {tempfile.gettempdir()} "
                         f"({reason}): free space there, or set TMPDIR to a folder with room") from None


class SpilledDelays(Mapping[Key, list[np.ndarray]]):
    """{(region, delay): [one array per replication, in replication order]}, held in files.

    `positions` maps a replication index to its place in the run's (ascending) order. Reading a
    key reads its file once; the arrays handed out are views into that one buffer.
    """

    def __init__(self, positions: Mapping[int, int]):
        self._positions = dict(positions)
        with _on_disk("delays"):
            self._folder = Path(tempfile.mkdtemp(prefix="csgsim-delays-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._folder, True)
        self._files: dict[Key, Path] = {}
        self._dtypes: dict[Key, np.dtype] = {}
        # Per key, (position, offset, count) per replication, flat in a machine-integer array:
        # 24 bytes a replication and key, where a tuple of three ints took about 100.
        self._index: dict[Key, array] = {}
        self._sizes: dict[Key, int] = {}

    def add(self, rep: int, regions: list[str], delays: list[dict[str, np.ndarray]]) -> None:
        """Append replication `rep`'s delays (per region, as `jobs.Replication.delays`)."""
        for rid, kinds in zip(regions, delays):
            for kind, values in kinds.items():
                self._append((rid, kind), rep, np.ascontiguousarray(values))

    def _append(self, key: Key, rep: int, values: np.ndarray) -> None:
        if key not in self._files:
            self._files[key] = self._folder / f"{len(self._files)}.bin"
            self._dtypes[key], self._index[key], self._sizes[key] = values.dtype, array("q"), 0
        if values.dtype != self._dtypes[key]:
            raise TypeError(f"delays {key} of replication {rep} are {values.dtype}, not {self._dtypes[key]}")
        with _on_disk("delays"), self._files[key].open("ab") as fh:
            values.tofile(fh)
        self._index[key].extend((self._positions[rep], self._sizes[key], values.size))
        self._sizes[key] += values.size

    def __getitem__(self, key: Key) -> list[np.ndarray]:
        if key not in self._files:
            raise KeyError(key)
        data = np.fromfile(self._files[key], dtype=self._dtypes[key])
        out: list[np.ndarray] = [np.empty(0, dtype=self._dtypes[key])] * len(self._positions)
        for position, offset, count in np.frombuffer(self._index[key], dtype=np.int64).reshape(-1, 3).tolist():
            out[position] = data[offset:offset + count]
        return out

    def __iter__(self) -> Iterator[Key]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __reduce__(self):
        """Pickled (sent to another process) as a plain dict: the folder is this process's."""
        return dict, (dict(self.items()),)


class FigureCube:
    """A (replication, label, metric) float64 array in a file, stored label by label.

    `put(position, block)` writes one replication's (label, metric) block; `cube[part]` (a slice of
    positions) reads those replications' (k, label, metric) array and `cube[:, i]` label i's
    (replication, metric) block, each with the bytes that were put, so whatever is computed from
    them equals the computation on an array in memory. Positions never put read as zeros.
    """

    def __init__(self, reps: int, labels: int, metrics: int):
        self.shape = (reps, labels, metrics)
        with _on_disk("figures"):
            self._file = tempfile.TemporaryFile(prefix="csgsim-figures-", buffering=0)
            self._file.truncate(reps * labels * metrics * 8)

    def _offset(self, label: int, position: int) -> int:
        return (label * self.shape[0] + position) * self.shape[2] * 8

    def put(self, position: int, block: np.ndarray) -> None:
        """Replication at `position`: its (label, metric) figures."""
        block = np.ascontiguousarray(block, dtype=np.float64)
        if block.shape != self.shape[1:]:
            raise ValueError(f"a replication's figures are {self.shape[1:]}, not {block.shape}")
        with _on_disk("figures"):
            for label in range(self.shape[1]):
                self._file.seek(self._offset(label, position))
                if self._file.write(block[label].data) != block[label].nbytes:
                    raise OSError(errno.ENOSPC, "the figures file took only part of a write")

    def _read(self, label: int, start: int, stop: int) -> np.ndarray:
        out = np.empty((stop - start, self.shape[2]))
        self._file.seek(self._offset(label, start))
        if self._file.readinto(out.data) != out.nbytes:
            raise OSError("the figures file is shorter than written")
        return out

    def __getitem__(self, key: slice | tuple[slice, int]) -> np.ndarray:
        n, labels, metrics = self.shape
        if isinstance(key, tuple):  # [:, label]
            whole, label = key
            if whole != slice(None) or not 0 <= label < labels:
                raise IndexError(f"a figure cube reads [:, label] with 0 <= label < {labels}, not {key!r}")
            return self._read(label, 0, n)
        start, stop, step = key.indices(n)
        if step != 1:
            raise IndexError("a figure cube reads consecutive replications")
        out = np.empty((max(stop - start, 0), labels, metrics))
        for label in range(labels) if stop > start else ():
            out[:, label] = self._read(label, start, stop)
        return out

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)

    def __reduce__(self):
        """Pickled (sent to another process) as the array itself: the file is this process's."""
        return np.asarray, (self[:],)
