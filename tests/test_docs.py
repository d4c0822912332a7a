"""The README's examples run as tests: every `$ csgsim ...` line must succeed as written."""

import re
import shlex

import pytest
from typer.testing import CliRunner

from csgsim.ui.cli import app
from tests.conftest import ROOT

EXAMPLES = re.findall(r"^\$ csgsim (.+)$", (ROOT / "README.md").read_text(), flags=re.M)


def test_readme_has_examples():
    """The README shows the commands a coordinator starts with."""
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("line", EXAMPLES)
def test_readme_example_runs(line, tmp_path, monkeypatch):
    """Each example exits 0 when run from a folder that holds the repository's data folders."""
    for folder in ("models", "experiments", "calibration"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, shlex.split(line))
    assert result.exit_code == 0, result.output
