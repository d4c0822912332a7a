"""Ctrl-C and SIGTERM: one line saying what was kept and how to go on, and the usual exit codes.

The command line turns both signals into `Interrupted`, a BaseException raised in the main
thread, so every `with` and `finally` on the way out cleans up (staging folders, temporaries,
locks, worker pools) before the line is printed. It is not a KeyboardInterrupt, which Typer
would swallow into a silent exit 130. Only the command line installs the handlers.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from csgsim.core.text import safe

#: Exit codes of the shells' convention: 128 + the signal's number.
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupted(BaseException):
    """The user or the system asked the command to stop; `kept` says what stays on disk."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.kept: str | None = None


@contextmanager
def keeping(note: Callable[[], str]) -> Iterator[None]:
    """An interrupt within the block reports `note()`, evaluated once the block has cleaned up."""
    try:
        yield
    except Interrupted as exc:
        exc.kept = exc.kept or note()
        raise


def _raise(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def guarded(main: Callable[[], object]) -> None:
    """Run `main` with both signals turned into `Interrupted`; report what was kept and exit."""
    previous = {sig: signal.signal(sig, _raise) for sig in EXIT_CODES}
    try:
        main()
    except Interrupted as exc:
        for sig in EXIT_CODES:  # a second signal while reporting ends the process plainly
            signal.signal(sig, signal.SIG_DFL)
        print(f"interrupted: {safe(exc.kept or 'nothing was written; run the command again')}", file=sys.stderr)
        sys.exit(EXIT_CODES.get(exc.signum, 128 + exc.signum))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
