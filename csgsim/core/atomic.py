"""The one atomic writer: every output reaches its name whole or not at all.

A file is written under a hidden temporary name in its own folder, flushed to the disk (fsync
of the file), renamed over its final name (atomic within one file system) and the folder is
fsynced, so the rename survives a crash. Temporaries are created with mode 0o666 (files) or
0o777 (folders) and the kernel takes the user's umask off, so results are as readable as any
other file the user makes; nothing here changes process-wide state. Temporary names carry the
writer's process id, so `remove_stale` recognises the leftovers of a killed writer.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from csgsim.core.errors import OutputError

#: Last part of every temporary name csgsim makes.
TAG = "csgsim-tmp"


def temp_name(path: Path) -> Path:
    """A hidden, unique name beside `path`: .NAME.PID.RANDOM.csgsim-tmp."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.{TAG}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(folder: Path, name: str | None = None) -> list[Path]:
    """Remove temporaries in `folder` (for `name`, or for any name) whose writer no longer runs."""
    gone = []
    pattern = f".{glob.escape(name)}.*.*.{TAG}" if name is not None else f".*.*.*.{TAG}"
    for tmp in Path(folder).glob(pattern):
        pid = tmp.name.rsplit(".", 3)[1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(tmp) if tmp.is_dir() and not tmp.is_symlink() else tmp.unlink(missing_ok=True)
            gone.append(tmp)
    return gone


def fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to the disk."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if Path(path).is_dir() else 0)
    try:
        fd = os.open(path, flags)
    except (IsADirectoryError, PermissionError):  # platforms that cannot open folders
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Write `path` through `write(tmp)`: temporary in the same folder, fsync, rename, fsync folder.

    A failure at any point (including Ctrl-C) removes the temporary and leaves an existing
    `path` as it was. A path naming a folder or a device is refused (OutputError): csgsim
    replaces only files.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        raise OutputError(f"{path}: exists and is not a file; choose another name")
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path.parent, path.name)
    tmp = temp_name(path)
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))  # the umask applies
    try:
        write(tmp)
        fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync(path.parent)
    return path


def write_text(path: str | Path, text: str) -> Path:
    """`write_file` for UTF-8 text, written as given (no newline translation)."""
    return write_file(path, lambda p: p.write_text(text, encoding="utf-8", newline=""))


def make_folder(target: Path) -> Path:
    """An empty hidden folder beside `target` to fill and then `publish` (the umask applies)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(target)
    tmp.mkdir(0o777)
    return tmp


def publish(folder: Path, target: Path) -> Path:
    """Move a filled `make_folder` folder to `target` in one rename, replacing what is there.

    The caller decides whether `target` may be replaced (see `csgsim.runtime.runfolder`); an
    old target is first renamed aside, so a crash leaves either the old or the new folder under
    the name, and the aside copy is a temporary that `remove_stale` clears.
    """
    folder, target = Path(folder), Path(target)
    for f in folder.rglob("*"):
        fsync(f)
    fsync(folder)
    old = None
    if target.exists() or target.is_symlink():
        old = temp_name(target)
        os.rename(target, old)
    os.rename(folder, target)
    fsync(target.parent)
    if old is not None:
        shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
    return target
