"""Reading the files a user names: only regular files of a sane size, as UTF-8 with or without BOM.

A shell hands csgsim any path: a folder, /dev/zero (endless), a FIFO (blocks), a binary file.
Each is refused with one line before a byte is read, so no read can hang or fill the memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from csgsim.core.errors import CsgsimError

#: Largest input file: the national model is about 30 kB, the calibration data a few kB.
MAX_BYTES = 10 * 1024 * 1024


def read_bytes(path: str | Path, what: str, error: type[CsgsimError], max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; otherwise `error` naming the file."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block the open
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path}: is not a regular file; give a {what}")
        if info.st_size > max_bytes:
            raise error(f"{path}: is {info.st_size:,} bytes; a {what} may have at most {max_bytes:,}")
        chunks, size = [], 0
        while size <= max_bytes and (chunk := os.read(fd, 1 << 20)):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if size > max_bytes:  # grew while being read
        raise error(f"{path}: a {what} may have at most {max_bytes:,} bytes")
    return b"".join(chunks)


def read_text(path: str | Path, what: str, error: type[CsgsimError], max_bytes: int = MAX_BYTES) -> str:
    """`read_bytes` decoded as UTF-8; a leading byte-order mark (Windows editors) is dropped."""
    try:
        return read_bytes(path, what, error, max_bytes).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: is not UTF-8 text (byte {exc.start} cannot be decoded)") from None
