"""A built-in model's name works on the command line as in Python, from any folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import csgsim
from csgsim.core import resources
from csgsim.ui.cli import app


@pytest.mark.parametrize("name", ["zeeland", "zeeland.toml"])
def test_a_built_in_name_resolves_from_any_folder(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resources.find_model(name) == resources.models_dir() / "zeeland.toml"
    assert list(csgsim.load(name).regions) == ["zeeland"]
    res = CliRunner().invoke(app, ["run", "--scenario", name, "-n", "2", "--workers", "1", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert '"zeeland"' in res.stdout


def test_a_file_in_the_folder_wins_and_a_missing_name_is_a_clear_error(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "zeeland.toml").write_text("not toml [", encoding="utf-8")
    assert resources.find_model("zeeland.toml") == Path("zeeland.toml")  # the user's own file
    res = CliRunner().invoke(app, ["run", "--scenario", "no-such-model", "-n", "2"])
    assert res.exit_code == 2 and "no-such-model" in res.output and "Traceback" not in res.output
