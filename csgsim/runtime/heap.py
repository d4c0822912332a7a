"""Hand the memory a finished batch freed back to the system, so a long run's main process stays flat.

The main process unpickles each finished batch (records included: tens of MB for a national
batch), writes it and drops it. glibc's allocator keeps the freed pieces in its heap, which
fragments: measured on the national model, the main process's peak grew by about 10 MB per 100
replications without a trim and not measurably with one (benchmarks/bench_memory.py).
`malloc_trim(0)` returns the free pages at the heap's top and in its middle; it costs well under a
millisecond per batch. Elsewhere (macOS, musl, Windows) there is no such call and this does nothing.

Writing records to Parquet goes through pyarrow, whose own allocator (mimalloc or jemalloc, not
glibc's) keeps what each batch's pandas-to-Arrow conversion and encoding freed: measured on the
national model, the main process stood about 30 MB higher from the first batch written on (with
pyarrow's libraries, about 10 MB more: the "jump" when batches were first read back). Its pool's
`release_unused` gives that back too; pyarrow is never imported here just to do so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable
from functools import cache


@cache
def _trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release() -> None:
    """Return freed heap pages to the system (after a batch has been written and dropped)."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    trim = _trim()
    if trim is not None:
        trim(0)
