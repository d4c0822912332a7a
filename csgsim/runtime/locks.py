"""One writer per output folder: a lock file beside the folder, held with `flock`, removed on release."""

from __future__ import annotations

import os
from pathlib import Path

from csgsim.core.errors import CsgsimError


class RunFolderError(CsgsimError):
    """A run folder cannot be started or resumed (it holds another run, or something else)."""


class FolderLock:
    """An exclusive lock on a hidden file beside a run folder, removed again on release.

    `flock` on the file; the holder unlinks it before letting go, and a taker checks that the
    file it locked is still the one under the name (else a holder removed it in between, and it
    tries once more), so no lock file is left behind and no two writers ever both hold one.
    """

    def __init__(self, folder: Path):
        import fcntl

        self.path = path = folder.with_name(f".{folder.name}.{LOCK_TAG}")
        for _ in range(10):
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise RunFolderError(f"{folder} is in use by another csgsim run; wait for it to finish or choose "
                                     "another output folder") from None
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._fd: int | None = fd
                return
            os.close(fd)  # the previous holder removed the file after we opened it: take the new one
        raise RunFolderError(f"{path}: could not take the lock; try again")

    def release(self) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


#: Last part of the name of a run folder's lock file (.NAME.csgsim-lock, beside the folder).
LOCK_TAG = "csgsim-lock"
