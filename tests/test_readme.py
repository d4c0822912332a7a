"""The README's example commands are true: every command of the CLI has one, and each runs (exit 0)
from a folder that holds the repository's data folders, prints its figure in its place and writes
the file it names. They run at a reduced size where the example allows it: the README's counts are
for a reader's results, not for a test. A sizing example gives an answer, and an output the README
quotes is the example's own. The four commands of its registrations walkthrough run in order."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import NamedTuple

import pytest
from typer.testing import CliRunner

from csgsim.ui.cli import app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"^\$ csgsim (.+)$", README, flags=re.M)

#: The reduced size: each of these options, where an example gives it, takes this value.
REDUCED = {"--replications": "2", "-n": "2", "--time-limit": "1"}
#: Options added where a command's own default is large and the example does not set them.
#: Not reduced: the sizing caps (`--batch`, `--max-replications`: fewer leave a size "not settled"),
#: and `calibrate --check` and `backtest`, whose verdict (exit 1 when the data fall outside the
#: simulated bands) needs their default number of simulated years.
ADDED = {"demand": {"--replications": "2"}, "size": {"--breakdown-replications": "2"}}
#: Examples that take seconds even reduced (the national model, fits, sizing): marked slow.
HEAVY = ("size ", "calibrate ", "backtest ", "demand --region all", "experiment experiments/zedenwet")

#: A table's figure with its 95% interval, as ui/formatting.py writes it: "350 ±83", "52.0 (0.0 to
#: 115.5)", "14.8% ±7.1%".
FIGURE = r"[1-9][\d.,]*%?(?: ±[\d.,]+%?| \([\d.,]+%? to [\d.,]+%?\))"
#: A paired difference: signed, with its half-width.
DIFFERENCE = r"[-+]\d[\d.,]*%? ±[\d.,]+%?"
#: Outputs the README quotes, by the example that prints them: each must be that example's output,
#: word for word (the sizing examples run at full size, so their answers are a reader's).
QUOTED = {key: re.search(rf'for the {name} example above: "([^"]+)"', README).group(1)
          for key, name in (("size --scenario zeeland", "Zeeland"), ("size --scenario rotterdam-two-lines", "Rotterdam"))}


class Check(NamedTuple):
    """What one example must show: `figure`, a regex on its output (stdout and stderr) that finds
    a figure in its place; `file`, a file it must write; `in_file`, a regex on that file's text,
    for a command whose figures go to the file."""

    key: str  # text of the example's line that picks this check (in exactly one example)
    figure: str
    file: str | None = None
    in_file: str | None = None


CHECKS = [
    Check("--format json", r'"metric": "acute_reports",\s+"unit": "count",\s+"mean": [1-9]'),
    Check("--out results/three --csv", rf"│ Rotterdam\s+│\s+{FIGURE} │", "results/three/summary_regions.csv"),
    Check("demand --region rotterdam --by month", r"│\s+total │\s+365 │\s+[1-9][\d.]* │"),
    Check("validate", r"rotterdam: Rotterdam, [1-9]\d* acute \+ [1-9]\d* non-acute in \d{4}, [1-9]\d* casemanagers"),
    Check("--leaves coordinator", rf"│ Zeeland\s+│\s+{FIGURE} │"),
    # whatif: the paired difference of the duties taken over from the absent casemanager
    Check("whatif", r"│ zl-cm3:2025-03-01:12w absent\s+│\s+[\d.]+ │\s+\+\d[\d.]* ±[\d.]+ │"),
    Check("size --scenario zeeland", r"zeeland: [1-9]\d* casemanagers on call \(bound by .*\); casework needs [1-9]\d* h a week"),
    Check("size --scenario rotterdam-two-lines", r"rotterdam, by line structure: [1-9]\d* casemanagers without optional "
          r"lines, or [1-9]\d* casemanagers with weekend-nights"),
    Check("roster", r"│ legal floor\s+│\s+[1-9]\d* │\s+\+\d+ │"),
    # rota: a person's row (hours a week, leave days, duties), the plan as CSV
    Check("rota", r"│ zl-cm1 │\s+\d+ │\s+\d+ │\s+[1-9]\d* │", "results/zeeland-rota/rota.csv"),
    Check("synthetic-export", r"wrote zeeland-synthetic.csv: [1-9]\d* synthetic reports of zeeland", "zeeland-synthetic.csv"),
    # import-registrations: own count, its interval, the model's figure
    Check("import-registrations", r"│ acute 2023\s+│ [1-9][\d.,]*\s+│ [\d.]+ to [\d.]+\s+│ [1-9][\d.]*\s+│"),
    Check("zedenwet-2024", rf"│ central\s+│ friesland\s+│\s+{DIFFERENCE} │", "results/zedenwet-2024/differences.parquet"),
    Check("pooled-nights", rf"│ separate-nights\s+│ ijsselland\s+│\s+{DIFFERENCE} │\s+{DIFFERENCE} │",
          "results/pooled-nights/differences.parquet"),
    # calibrate: Rotterdam's acute levels 2016-2019, then the forecast level
    Check("calibrate", r"│ rotterdam\s+│ acute\s+│(?:\s+[\d.]+ │){4}\s+[1-9][\d.]* \(20\d\d\) │"),
    Check("backtest", r"\d+ of [1-9]\d* compared data points lie inside the simulated 95% band"),
    Check("--outlook-to 2030", r"│ all\s+│ 2030 │\s+[1-9][\d.]* │\s+[\d.]+ │\s+\d+ │\s+\d+ to \d+ │"),
    # costs --marginal: what one more casemanager costs a year, with its interval as every command writes it
    Check("costs", rf"What one more casemanager buys(?s:.*?)│ Zeeland │\s+{DIFFERENCE} │"),
    # report: its key figure is in the page, not on the terminal
    Check("report", r"wrote results/zeeland-report", "results/zeeland-report/rapport.html",
          r'Meldingen per jaar \(acuut en niet-acuut\)</td><td[^>]*><span[^>]*>[1-9][\d.]* \('),
]


def reduced(line: str) -> list[str]:
    """The example's arguments at the reduced size."""
    args = shlex.split(line)
    args = [REDUCED.get(args[i - 1], arg) if i else arg for i, arg in enumerate(args)]
    for option, value in ADDED.get(args[0], {}).items():
        if option not in args and not (option == "--replications" and "-n" in args):
            args += [option, value]
    return args


def check_of(line: str) -> Check:
    found = [check for check in CHECKS if check.key in line]
    assert len(found) == 1, f"README example {line!r} needs exactly one entry in CHECKS, has {len(found)}"
    return found[0]


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


def test_every_check_has_its_example() -> None:
    """A check whose example left the README (or now matches two) is stale."""
    stale = [check.key for check in CHECKS if sum(check.key in line for line in EXAMPLES) != 1]
    assert not stale, stale


def test_an_example_without_a_check_fails() -> None:
    with pytest.raises(AssertionError, match="needs exactly one entry in CHECKS"):
        check_of("dance --region zeeland")


def test_the_reduction() -> None:
    """Replication counts and the solver's time come down; sizing caps stay; a large default is cut."""
    assert reduced("run -n 200 --replications 50 --time-limit 5") == [
        "run", "-n", "2", "--replications", "2", "--time-limit", "1"]
    assert reduced("size --batch 10 --max-replications 40") == [
        "size", "--batch", "10", "--max-replications", "40", "--breakdown-replications", "2"]
    assert reduced("demand --region all") == ["demand", "--region", "all", "--replications", "2"]
    assert reduced("demand -n 50") == ["demand", "-n", "2"]


@pytest.mark.parametrize("line", cases())
def test_a_readme_example_runs(line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit 0, its figure in its place, its file written; a sizing example answers."""
    check = check_of(line)
    for folder in ("models", "experiments", "calibration", "examples"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, reduced(line))
    assert result.exit_code == 0, result.output
    assert re.search(check.figure, result.output), (check.figure, result.output[-3000:])
    if check.file is not None:
        written = tmp_path / check.file
        assert written.is_file(), check.file
        if check.in_file is not None:
            assert re.search(check.in_file, written.read_text(encoding="utf-8")), check.in_file
    if line.startswith("size "):
        assert "smallest team meeting every target:" in result.stdout, result.stdout[-2000:]
        assert "not settled" not in result.stdout
    for key, quote in QUOTED.items():
        if key in line:  # rich may wrap a long line: compare the words
            assert " ".join(quote.split()) in " ".join(result.stdout.split()), (quote, result.stdout[-3000:])


def test_every_quoted_output_has_its_example() -> None:
    assert all(sum(key in line for line in EXAMPLES) == 1 for key in QUOTED), QUOTED


#: The four commands of "A centre's own registrations", in order.
WALKTHROUGH = [shlex.split(line)[1:] for line in
               re.search(r"^```sh\n(.*?)^```", README, flags=re.M | re.S).group(1).splitlines()]
#: At a reduced size: the report at 2 replications; the sizing at a small cap, since its answer at
#: full size takes about a minute on 2 cores (too long for a test).
WALK_REDUCED = {"report": ["-n", "2"], "size": ["--batch", "10", "--max-replications", "20", "--breakdown-replications", "2"]}


def _walk(folder: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, [*args, *WALK_REDUCED.get(args[0], [])])
    assert result.exit_code == 0, (args, result.output[-3000:])
    return result.output


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where the first two commands ran: the synthetic export, and the scenario imported from it."""
    assert [args[0] for args in WALKTHROUGH] == ["synthetic-export", "import-registrations", "size", "report"]
    folder = tmp_path_factory.mktemp("walk")
    (folder / "models").symlink_to(ROOT / "models")
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert "synthetic reports of zeeland" in _walk(folder, WALKTHROUGH[0], monkeypatch)
        assert "wrote zeeland-own.toml" in _walk(folder, WALKTHROUGH[1], monkeypatch)
    return folder


def test_the_registrations_walkthrough_reports_on_the_imported_scenario(walked: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's commands, in its order, exit 0: the export is written, the scenario imported
    from it (the fixture), and the report built on it."""
    assert "wrote results/zeeland-own" in _walk(walked, WALKTHROUGH[3], monkeypatch)


@pytest.mark.slow
def test_the_registrations_walkthrough_sizes_the_imported_scenario(walked: Path, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    """`size` runs on the imported scenario and gives a line for the region (at the reduced cap
    the line may say 'not settled'; the answer takes the full cap)."""
    assert "zeeland: " in _walk(walked, WALKTHROUGH[2], monkeypatch)
