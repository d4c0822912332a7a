"""Every command's --help reads at 80 columns: no line wider, every option name whole, and no
text lost against the source (no markup eaten, as rich once ate '[dask]')."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from csgsim.ui.cli import app

COMMAND = typer.main.get_command(app)
NAMES = sorted(COMMAND.commands)


def words(text: str) -> str:
    """The text's words on one line; a word the wrapper broke after its hyphen ("follow-\n ups") is whole."""
    return re.sub(r"(?<=\w)- (?=\w)", "-", " ".join(text.split()))


def render(*args: str) -> str:
    res = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "80", "TERM": "dumb"})
    assert res.exit_code == 0, res.output
    return res.output


def test_every_command_is_listed_in_the_main_help() -> None:
    text = render()
    assert all(name in text for name in NAMES) and "\u2026" not in text
    assert max(map(len, text.splitlines())) <= 80


@pytest.mark.parametrize("name", NAMES)
def test_a_commands_help_fits_80_columns_and_loses_nothing(name: str) -> None:
    """Lines at most 80 wide; every option name and secondary name whole; the command's docstring
    and each option's help text appear word for word (whitespace aside)."""
    text = render(name)
    assert max(map(len, text.splitlines())) <= 80, name
    assert "\u2026" not in text, name  # nothing cut with an ellipsis
    command = COMMAND.commands[name]
    flat = words(text)
    for param in command.params:
        for opt in [*param.opts, *param.secondary_opts]:
            assert opt in text.split() or f"{opt}," in text or any(tok.startswith(opt) for tok in text.split()), opt
        if getattr(param, "help", None):
            assert words(param.help) in flat, (name, param.help)
    assert words((command.help or "").split("\f")[0]) in flat, name


def test_the_scheduler_help_keeps_its_extra() -> None:
    assert "pip install 'csgsim[dask]'" in words(render("run"))
