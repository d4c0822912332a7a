"""Record tables streamed to Parquet as batches finish, so memory stays flat in replications.

Every report, task and call-out of a national run is tens of thousands of rows per replication;
held whole, 200 replications took 1.3 GB. `RecordWriter` appends each finished stretch of
replications to one Parquet file per table as a row group (`pyarrow.parquet.ParquetWriter`),
in replication order whatever order the batches finish in, and keeps nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from csgsim.runtime.jobs import Replication


class RecordWriter:
    """Writes `NAME.parquet` per record table in `folder`; `add` batches, then `close`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.names: list[str] = []
        self._writers: dict[str, Any] = {}
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
        if ready:
            self._write({k: pd.concat([t[k] for t in ready], ignore_index=True) for k in ready[0]})

    def _write(self, tables: dict[str, pd.DataFrame]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for name, df in tables.items():
            table = pa.Table.from_pandas(df, preserve_index=False)
            writer = self._writers.get(name)
            if writer is None:
                # A column of only missing values has no type yet: the record columns that can be
                # all missing are text (who answered, who owns), so they are declared as text.
                schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f
                                    for f in table.schema], metadata=table.schema.metadata)
                writer = pq.ParquetWriter(self.folder / f"{name}.parquet", schema, compression="zstd")
                self._writers[name] = writer
                self.names.append(f"{name}.parquet")
            writer.write_table(table.cast(writer.schema))

    def close(self) -> None:
        """Finish the files (a Parquet file is readable only once closed)."""
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
