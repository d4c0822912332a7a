"""`runtime.heap.release` gives a fragmented heap's free pages back (what keeps `run --out` flat)."""

from __future__ import annotations

import platform

import psutil
import pytest

from csgsim.runtime import heap

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's; elsewhere release() does nothing")
def test_release_returns_the_free_pages_inside_a_fragmented_heap():
    """Blocks of 4 kB come from glibc's heap (not Python's small-object arenas). Freeing all but
    every 50th leaves the heap's top in use, so free() alone cannot shrink it; release() must."""
    process = psutil.Process()
    blocks = [bytes(4096 - 33) for _ in range(20_000)]  # about 80 MB
    kept = blocks[::50]
    del blocks
    before = process.memory_info().rss
    heap.release()
    after = process.memory_info().rss
    assert kept and before - after > 40 * 2**20, (before, after)


def test_release_is_harmless_anywhere():
    heap.release()
    heap.release()


def test_release_returns_what_pyarrow_kept_of_a_conversion():
    """pyarrow's pool (mimalloc or jemalloc) keeps freed buffers for itself, out of malloc_trim's
    reach: after a table is built and dropped, release() gives them back to the system."""
    import numpy as np
    import pyarrow as pa

    process = psutil.Process()
    pool = pa.default_memory_pool()
    if pool.backend_name == "system":
        pytest.skip("pyarrow allocates with the system's malloc here: release() trims it as any other")
    pool.release_unused()
    tables = [pa.array(np.arange(k, k + 400_000, dtype=np.int64)).cast(pa.float64()) for k in range(40)]
    assert pool.bytes_allocated() > 100 * 2**20  # 40 arrays of 3.2 MB in the pool
    del tables
    before = process.memory_info().rss
    heap.release()
    after = process.memory_info().rss
    assert before - after > 40 * 2**20, (pool.backend_name, before, after)
