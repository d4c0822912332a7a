"""Progress lines on stderr when it is not a terminal: at most one every few seconds."""

from __future__ import annotations

import io

from typer.testing import CliRunner

from csgsim.ui.cli import app
from csgsim.ui.progress import Lines


def test_lines_come_at_most_every_few_seconds_and_end_with_done() -> None:
    now = [0.0]
    out = io.StringIO()
    with Lines("replications", out, clock=lambda: now[0], every=5.0) as bar:
        task = bar.add_task("run", total=100)
        for _ in range(100):
            now[0] += 0.5  # 50 s in all: about ten lines, not a hundred
            bar.advance(task)
    lines = out.getvalue().splitlines()
    assert 9 <= len(lines) <= 11
    assert lines[0] == "run: 10/100 replications (5.0 s)"
    assert lines[-1] == "run: 100/100 replications (50 s) done"


def test_a_run_whose_stderr_is_not_a_terminal_says_it_is_alive(monkeypatch) -> None:
    """The CLI under a runner (stderr not a terminal) writes plain lines, never a rich bar."""
    monkeypatch.setattr("csgsim.ui.progress.EVERY_S", 0.0)
    res = CliRunner().invoke(app, ["run", "-s", "zeeland", "-n", "3", "--workers", "1", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert "run: 3/3 replications" in res.stderr and "\x1b[" not in res.stderr
    assert "run:" not in res.stdout
