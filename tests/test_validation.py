"""`validate` checks everything `run` needs: every crash cause found by fuzzing is a clear exit 2.

Each case is one reproduced crash or nonsense value of issue 11 (a traceback, a hang, or a
silently wrong run before); now `validate` refuses it naming the file, the key and the rule.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csgsim.ui.cli import app
from tests.conftest import EXAMPLE
from tests.test_outputs import small_model

ACUTE_LEVEL = 'demand.acute.level = { value = 40'
ON_SITE = 'on_site = { dist = "lognormal", median = 3.0, sigma = 0.45, low = 1.0, high = 8.0,'
ABSENCE = '\n[[regions.zeeland.absences]]\nperson = "zl-cm3"\nstart = 2025-01-05\n'
SPIKE = '\n[[events]]\nname = "x"\nkind = "spike"\nstart = 2025-01-03\neffect = 1000\n'

#: (name, old text, new text (or text appended when old is ""), words the message must hold)
CASES = [
    ("integer beyond 64 bits", "seed = 20250101", "seed = 123456789012345678901234567890", "scenario.seed"),
    ("level 1e308", ACUTE_LEVEL, 'demand.acute.level = { value = 1e308', "demand.acute.level"),
    ("level 2^63-1", ACUTE_LEVEL, 'demand.acute.level = { value = 9223372036854775807', "[0, 20000]"),
    ("level 1e9 (hang)", ACUTE_LEVEL, 'demand.acute.level = { value = 1e9', "demand.acute.level"),
    ("start in year 1", "start = 2025-01-01", "start = 0001-01-01", "scenario.start = 0001-01-01"),
    ("start in year 9999", "start = 2025-01-01", "start = 9999-06-01", "allowed dates 1900-01-01 to 2200-12-31"),
    ("period past 2200", "start = 2025-01-01", "start = 2200-12-20", "simulated period must lie within"),
    ("distribution name as a list", 'callback = { dist = "uniform"', 'callback = { dist = ["uniform"]',
     "pathway.callback.dist"),
    ("events = [1]", "[scenario]", "events = [1]\n[scenario]", "events[0] = 1"),
    ("absence of 1e308 weeks", "", ABSENCE + "weeks = 1e308\n", "absences[0].weeks"),
    ("absence outside the period", "", ABSENCE.replace("2025-01-05", "2030-01-05") + "weeks = 2\n",
     "absences[0]: the absence of 'zl-cm3' from 2030-01-05"),
    ("growth over two centuries", "start = 2025-01-01", "start = 2199-01-01", "reports in 2199"),
    ("profile weight 1e308", "hours = { value = [0.7,", "hours = { value = [1e308,", "profiles.acute.hours"),
    ("spike without end", "", SPIKE + "decay_days = 1e308\n", "events[0].decay_days"),
    ("demand with events too large", "", 2 * SPIKE.replace('"spike"', '"level"'),
     "with the events 'x', 'x' at their height comes to"),  # refused when read (issue 22)
    ("on-site 1e300 hours", ON_SITE, 'on_site = { dist = "fixed", value = 1e300,', "pathway.on_site.value"),
    ("sigma 1e300", "sigma = 0.45", "sigma = 1e300", "on_site.sigma"),
    ("follow-up day 2^63-1", "nonacute_followup_days = { value = [14, 28]",
     "nonacute_followup_days = { value = [14, 9223372036854775807]", "[1, 365]"),
    ("norm of 1e308 minutes", "acute_contact_minutes = { value = 30", "acute_contact_minutes = { value = 1e308",
     "norms.acute_contact_minutes"),
    ("hours_per_week = 0", '{ id = "zl-cm1", hours_per_week = 8 }', '{ id = "zl-cm1", hours_per_week = 0 }',
     "allowed range (0, 60]"),
    ("load hazard 1e308", "", "\n[regions.zeeland.absence]\nload_hazard = 1e308\n", "absence.load_hazard"),
    ("empty id", '{ id = "zl-cm1"', '{ id = ""', "an id is 1-64 letters"),
    ("id with a colon", '{ id = "zl-cm1"', '{ id = "zl:cm1"', "casemanagers[0].id = 'zl:cm1'"),
    ("region id with markup", "regions.zeeland", 'regions."[bold]z"', "region id '[bold]z'"),
    ("share written as a percentage", "callin_reach = { value = 0.5", "callin_reach = { value = 50",
     "did you mean 0.5?"),
    ("level year 2^66", ACUTE_LEVEL, 'demand.acute.levels = { "99999999999999999999" = 5 }\n' + ACUTE_LEVEL,
     "keys are years"),
]


def mutated(tmp_path: Path, old: str, new: str) -> Path:
    path = small_model(tmp_path)
    text = path.read_text()
    assert old in text
    path.write_text(text + new if old == "" else text.replace(old, new, 1))
    return path


def cli(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize(("name", "old", "new", "words"), CASES, ids=[c[0] for c in CASES])
def test_validate_refuses_what_run_cannot_simulate(tmp_path, name, old, new, words):
    """validate exits 2 with one line naming the file and key; run refuses the same file the same way."""
    path = mutated(tmp_path, old, new)
    res = cli("validate", path)
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"error: {path}") and words in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    run = cli("run", "-s", path, "-n", 1, "--workers", 1)
    assert run.exit_code == 2 and run.stderr == res.stderr


def test_ids_are_unique_across_regions(tmp_path):
    """The same person id in two regions is refused (--absent would hit the wrong region)."""
    path = tmp_path / "dup.toml"
    path.write_text(EXAMPLE.read_text().replace('"fr-cm1"', '"zl-cm1"'))  # the person and the deputy naming them
    res = cli("validate", path)
    assert res.exit_code == 2 and "'zl-cm1' is used in regions zeeland and friesland" in res.stderr


def test_names_with_markup_and_dollars_are_printed_as_written(tmp_path):
    """Free-text names are escaped for rich tables and matplotlib: `[/bold]` and `$x$` print as such."""
    path = mutated(tmp_path, 'name = "Zeeland"', 'name = "[/bold] $x^$"')
    res = cli("run", "-s", path, "-n", 1, "--workers", 1, "--plot", tmp_path / "p.png")
    assert res.exit_code == 0, res.output
    assert "[/bold] $x^$" in res.stdout and (tmp_path / "p.png").stat().st_size > 0


def test_byte_order_mark_is_accepted(tmp_path):
    """A UTF-8 file saved with a byte-order mark (Windows editors) reads like one without."""
    path = small_model(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert cli("validate", path).exit_code == 0


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", ["device", "folder", "fifo", "binary", "huge"])
def test_odd_files_are_refused_without_reading_them(tmp_path, kind):
    """/dev/zero, a folder, a FIFO, a binary file, an oversized file: exit 2 at once, never a hang."""
    path = {"device": Path("/dev/zero"), "folder": tmp_path, "fifo": tmp_path / "f", "binary": tmp_path / "b",
            "huge": tmp_path / "h"}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif kind == "huge":
        with path.open("wb") as f:
            f.truncate(11 * 1024 * 1024)
    for args in (("validate", path), ("run", "-s", path, "-n", 1), ("calibrate", path)):
        res = cli(*args)
        assert res.exit_code == 2 and res.stderr.startswith(f"error: {path}"), (args, res.output)


@pytest.mark.parametrize(("args", "words"), [
    (("size", "--sizes", "1-100000000"), "whole numbers from 1 to 200"),
    (("size", "--sizes", "1-60"), "at most 50 candidate sizes"),
    (("size", "-t", "followup_on_time>=95"), "a share, written 0-1 (did you mean 0.95?)"),
    (("demand", "-r", "zeeland", "--to", "9999-12-31"), "allowed dates 1900-01-01 to 2200-12-31"),
    (("run", "--absent", "zl-cm1:2025-01-05:99999999999999999999w"), "the length must be 1 to 10950 days"),
    (("run", "--absent", "zl-cm1:2030-01-05:2w"), "lies outside the simulated period"),
    (("run", "-n", "99999999999"), "--replications"),
])
def test_command_line_values_are_bounded(tmp_path, args, words):
    """Sizes, dates, lengths, shares and counts on the command line have bounds: exit 2 before any work."""
    res = cli(*args, "-s", small_model(tmp_path))
    assert res.exit_code == 2 and words in res.output, res.output
