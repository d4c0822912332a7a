"""Progress when stderr is not a terminal (a log, `make run` in CI, a pipe): plain lines, at most
one every few seconds, so a long run shows it is alive without filling the log. On a terminal the
commands show rich's bar instead (see `app.progress_bar`); both have this small API."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

EVERY_S = 5.0  # at most one line per this many seconds


class Lines:
    """`with Lines(label) as bar: task = bar.add_task(name, total=N); bar.advance(task, k)`."""

    def __init__(self, label: str, stream: IO[str] | None = None, clock: Callable[[], float] = time.monotonic,
                 every: float | None = None) -> None:
        self.label, self.stream, self.clock = label, stream or sys.stderr, clock
        self.every = EVERY_S if every is None else every
        self.tasks: dict[int, list[Any]] = {}  # id: [name, total, done]
        self.start = self.last = clock()

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None and any(done for _, _, done in self.tasks.values()):
            self._say("done")

    def add_task(self, name: str, total: int | None = None) -> int:
        self.tasks[len(self.tasks)] = [name, total, 0]
        return len(self.tasks) - 1

    def advance(self, task: int, k: float = 1) -> None:
        self.tasks[task][2] += k
        if self.clock() - self.last >= self.every:
            self._say()

    def _say(self, tail: str = "") -> None:
        from csgsim.ui.formatting import PLAIN

        now = self.clock()
        self.last = now
        for name, total, done in self.tasks.values():
            of = f"/{PLAIN.given(total)}" if total else ""
            print(f"{name}: {PLAIN.given(done)}{of} {self.label} ({PLAIN.seconds(now - self.start)})"
                  f"{' ' + tail if tail else ''}",
                  file=self.stream, flush=True)
