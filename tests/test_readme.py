"""Every command in the README's examples runs: exit 0, from a folder that holds the repository's
data folders, at a reduced number of replications where the command takes one (the README's
own counts are for a reader's results, not for a test); a sizing example gives an answer."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csgsim.ui.cli import app
from tests.conftest import ROOT

EXAMPLES = re.findall(r"^\$ csgsim (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.M)
REDUCED = 2  # replications per run in the test
#: Examples that take 5 s or more even reduced (the national model, fits, sizing): marked slow.
HEAVY = ("size ", "calibrate ", "backtest ", "demand --region all", "experiment experiments/zedenwet")


def reduced(line: str) -> list[str]:
    """The example's arguments with every replication count at REDUCED (a sizing cap untouched)."""
    args = shlex.split(line)
    for i, arg in enumerate(args[:-1]):
        if arg in ("--replications", "-n"):
            args[i + 1] = str(REDUCED)
    return args


def cases() -> list:
    return [pytest.param(line, id=line.split(" --")[0][:40] + f"-{i}",
                         marks=[pytest.mark.slow] if line.startswith(HEAVY) else [])
            for i, line in enumerate(EXAMPLES)]


def test_the_readme_shows_every_command() -> None:
    """Each command of the CLI has at least one example."""
    import typer

    names = set(typer.main.get_command(app).commands)
    shown = {line.split()[0] for line in EXAMPLES}
    assert names <= shown, names - shown


@pytest.mark.parametrize("line", cases())
def test_a_readme_example_runs(line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in ("models", "experiments", "calibration", "examples"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, reduced(line))
    assert result.exit_code == 0, result.output
    if line.startswith("size "):
        assert "smallest team meeting every target:" in result.stdout, result.stdout[-2000:]
        assert "not settled" not in result.stdout
