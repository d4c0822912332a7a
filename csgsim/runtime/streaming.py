"""Record tables streamed to Parquet as batches finish, so no record is held in memory.

Every report, task and call-out of a national run is tens of thousands of rows per replication;
held whole, 200 replications took 1.3 GB. `RecordWriter` appends each finished stretch of
replications to one Parquet file per table (`pyarrow.parquet.ParquetWriter`), in replication
order whatever order the batches finish in. A writer keeps the footer of its file in memory
until it is closed, a few kB per row group; one row group per batch (a national batch is one or
two replications) made that grow with -n (measured: 2.4 MB per 100 national batches), so a
record file holds its tables, as Arrow, until RECORD_GROUP_BYTES have come, and writes them as
one row group.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from csgsim.runtime import heap
from csgsim.runtime.jobs import Replication

#: Bytes of Arrow data a record file gathers before writing them as one row group.
RECORD_GROUP_BYTES = 8_000_000


class ParquetFile:
    """One Parquet file written a table at a time, readable once closed. Tables are written as
    they come, each a row group, or with `group_bytes` held (as Arrow) until they reach that
    size and written together as one row group: the same rows, fewer row groups."""

    def __init__(self, path: Path, group_bytes: int = 0):
        self.path = Path(path)
        self.group_bytes = group_bytes
        self._writer: Any = None
        self._held: list[Any] = []
        self._held_bytes = 0

    def append(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            # A column of only missing values has no type yet: the columns that can be all
            # missing are text (who answered, who owns), so they are declared as text.
            schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema],
                               metadata=table.schema.metadata)
            self._writer = pq.ParquetWriter(self.path, schema, compression="zstd")
        self._held.append(table.cast(self._writer.schema))
        self._held_bytes += self._held[-1].nbytes
        if self._held_bytes >= self.group_bytes:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._held:
            self._writer.write_table(pa.concat_tables(self._held))
            self._held, self._held_bytes = [], 0

    def close(self) -> None:
        if self._writer is not None:
            self._flush()
            self._writer.close()
            self._writer = None


def write_in_parts(path: Path, rows: Callable[[slice], pd.DataFrame], count: int, step: int = 20) -> None:
    """Write `rows(slice)` for consecutive slices of `count` items to one Parquet file, so a long
    table is never built whole (`step` items at a time; at least one, possibly empty, part).
    What each part freed goes back to the system before the next (see `csgsim.runtime.heap`)."""
    out = ParquetFile(path)
    try:
        for start in range(0, max(count, 1), step):
            out.append(rows(slice(start, start + step)))
            heap.release()
    finally:
        out.close()


class RecordWriter:
    """Writes `NAME.parquet` per record table in `folder`; `add` batches, then `close`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.names: list[str] = []
        self._files: dict[str, ParquetFile] = {}
        self._pending: dict[int, dict[str, pd.DataFrame]] = {}
        self._next = 0

    def add(self, batch: list[Replication]) -> None:
        """Take a finished batch's records (and drop them from the batch); write what is in order."""
        for r in batch:
            if r.records is not None:
                self._pending[r.rep] = r.records
                r.records = None
        ready = []
        while self._next in self._pending:
            ready.append(self._pending.pop(self._next))
            self._next += 1
        for name in ready[0] if ready else ():
            if name not in self._files:
                self._files[name] = ParquetFile(self.folder / f"{name}.parquet", RECORD_GROUP_BYTES)
                self.names.append(f"{name}.parquet")
            self._files[name].append(pd.concat([t[name] for t in ready], ignore_index=True))

    def close(self) -> None:
        """Finish the files (a Parquet file is readable only once closed); again: nothing more."""
        for file in self._files.values():
            file.close()
