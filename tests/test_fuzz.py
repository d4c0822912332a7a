"""Fuzzing: mutated shipped models and odd command lines end in exit 0 or exit 2, never a traceback.

Hypothesis mutates one value of a shipped model (type, range, deletion, unicode, markup, dates
outside the calendar, huge integers) or draws a command line from each command's options with
odd values and odd files. Every case runs in this process under a SIGALRM deadline, so a hang
fails the case instead of the suite. A file that `validate` accepts must run one replication
with exit 0 (issue 11: "any file validate accepts runs one replication without a traceback").

CSGSIM_FUZZ_EXAMPLES=N runs N cases per test (default 40, under a minute in all);
CSGSIM_FUZZ_SEED=S draws other cases; CSGSIM_FUZZ_REPORT=FILE appends the counts (cases, exit 0,
exit 2, tracebacks, hangs) as JSON.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import tomllib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from csgsim.ui.cli import app
from tests.conftest import ROOT

EXAMPLES = int(os.environ.get("CSGSIM_FUZZ_EXAMPLES", "40"))
CASE_SECONDS = 30
#: A backstop for the whole test; its thread method leaves SIGALRM to the per-case deadline.
WHOLE_TEST = pytest.mark.timeout(max(600, 10 * EXAMPLES), method="thread")
#: CSGSIM_FUZZ_SEED=S draws other cases than the fixed default (which CI repeats exactly).
SEED = os.environ.get("CSGSIM_FUZZ_SEED")
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=SEED is None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def seeded(test: Any) -> Any:
    return seed(int(SEED))(test) if SEED is not None else test


MODELS = ("zeeland.toml", "rotterdam.toml", "three-regions.toml", "netherlands.toml")


class Hang(Exception):
    """A case ran past its deadline."""


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def expire(*_: object) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


TALLY: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_tally() -> Iterator[None]:
    yield
    target = os.environ.get("CSGSIM_FUZZ_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(dict(TALLY)) + "\n")


def invoke(args: list[str], kind: str) -> Any:
    """Run one command line; every outcome but exit 0, 1 (a failed check) or 2 with a message fails."""
    with deadline(CASE_SECONDS):
        try:
            res = CliRunner().invoke(app, args)
        except Hang:
            res = None
    TALLY[f"{kind} cases"] += 1
    if res is None or isinstance(res.exception, Hang):
        TALLY[f"{kind} hangs"] += 1
        pytest.fail(f"hang: csgsim {' '.join(args)}")
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        TALLY[f"{kind} tracebacks"] += 1
        raise AssertionError(f"traceback from csgsim {' '.join(args)}") from res.exception
    TALLY[f"{kind} exit {res.exit_code}"] += 1
    assert res.exit_code in (0, 1, 2), (args, res.output)
    if res.exit_code == 2:
        assert res.output.strip(), f"exit 2 without a message: {args}"
    return res


# --- mutated scenario files -------------------------------------------------------------------


def base_model(name: str) -> dict[str, Any]:
    """A shipped model cut to four weeks without warm-up, so one replication takes about a second."""
    data = tomllib.loads((ROOT / "models" / name).read_text(encoding="utf-8"))
    data["scenario"].update({"days": 28, "warmup_days": 0, "replications": 1})
    return data


BASES = {name: base_model(name) for name in MODELS}


def leaves(node: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every path to a value (through tables and lists), the containers included."""
    if path:
        yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaves(v, (*path, i))


PATHS = {name: sorted(leaves(data), key=str) for name, data in BASES.items()}

ODD = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2, 24, 100, 2**63 - 1, 2**63, 2**64, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.5, 1.5, 95.0, 1e-308, 1e308, float("nan"), float("inf")]),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["", " ", "[/bold]", "[red]x", "a:b", "$x^$", "zl-cm1", "uniform", "spike", "\u00e9\u00e8",
                     "\U0001f600", "x" * 200]),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.sampled_from([date(1, 1, 1), date(1899, 12, 31), date(2200, 12, 31), date(9999, 12, 31)]),
    st.sampled_from([[], [1], ["x"], [1.0] * 24, [[1]], [{}], {}, {"value": 1}, {"dist": "fixed"},
                     {"value": 1, "source": 2}, {"dist": ["uniform"], "low": 0, "high": 1}]),
)


FACTORS = st.sampled_from([0, -1, 0.5, 2, 10, 100, 1000, 1e6, 1e300, 2**62])


def mutate(data: dict[str, Any], path: tuple, action: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    *parents, last = path
    node = data
    for key in parents:
        node = node[key]
    if action == "delete":
        del node[last]
    elif action == "scale":  # a plausible slip: a number off by a factor, or its sign flipped
        old = node[last]["value"] if isinstance(node[last], dict) and "value" in node[last] else node[last]
        if isinstance(old, (int, float)) and not isinstance(old, bool) and isinstance(value, (int, float)):
            scaled = old * value
            node[last] = int(scaled) if isinstance(old, int) and float(scaled).is_integer() else scaled
    elif action == "add" and isinstance(node, dict):
        node[f"{last}_typo"] = value
    else:
        node[last] = value
    return data


@st.composite
def mutated_models(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(MODELS))
    path = draw(st.sampled_from(PATHS[name]))
    action = draw(st.sampled_from(["replace", "replace", "scale", "scale", "delete", "add"]))
    value = draw(FACTORS if action == "scale" else ODD)
    text = tomlkit.dumps(mutate(BASES[name], path, action, value))
    damage = draw(st.sampled_from(["none"] * 8 + ["truncate", "bom", "bytes"]))
    if damage == "truncate":
        text = text[:draw(st.integers(0, len(text)))]
    elif damage == "bom":
        text = "\ufeff" + text
    elif damage == "bytes":
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.text(min_size=1, max_size=4)) + text[cut:]
    return f"{name} {action} {'.'.join(map(str, path))}", text


@WHOLE_TEST
@seeded
@FUZZ
@given(case=mutated_models())
def test_mutated_models_validate_cleanly_and_valid_ones_run(tmp_path_factory, case):
    """validate ends in exit 0 or exit 2 with one message; a file it accepts runs one replication
    (exit 0, no numpy warnings)."""
    label, text = case
    path = tmp_path_factory.mktemp("fuzz") / "model.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    res = invoke(["validate", str(path)], "model")
    if res.exit_code != 0:
        return
    data = tomllib.loads(text.removeprefix("\ufeff"))
    days = data["scenario"]["days"]
    days = days["value"] if isinstance(days, dict) else days
    warmup = data["scenario"].get("warmup_days", 0)
    warmup = warmup["value"] if isinstance(warmup, dict) else warmup
    if days + warmup > 400:  # a long period is valid but slow: validated, not run, here
        TALLY["model valid but not run (long period)"] += 1
        return
    run = invoke(["run", "-s", str(path), "-n", "1", "--workers", "1", "-f", "json"], "run of a valid model")
    assert run.exit_code == 0, (label, run.output)
    assert "Warning" not in run.stderr, (label, run.stderr)  # e.g. numpy dividing by a zero contract


# --- command lines -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def odd_files(tmp_path_factory) -> dict[str, str]:
    """Paths a careless user may give: the small model, a folder, /dev/zero, a FIFO, binary, empty..."""
    folder = tmp_path_factory.mktemp("files")
    small = folder / "small.toml"
    data = base_model("zeeland.toml")
    data["scenario"]["replications"] = 2
    small.write_text(tomlkit.dumps(data), encoding="utf-8")
    (folder / "bom.toml").write_bytes(b"\xef\xbb\xbf" + small.read_bytes())
    (folder / "binary").write_bytes(bytes(range(256)) * 8)
    (folder / "empty").write_bytes(b"")
    (folder / "exp.toml").write_text(f'[experiment]\nname = "f"\nscenario = "{small.as_posix()}"\nreplications = 2\n'
                                     '[[variants]]\nname = "fewer"\nset = { team_delta = -1 }\n', encoding="utf-8")
    (folder / "counts.csv").write_text("year,region,measure,acute,non_acute,total,source\n2019,x,y,1,2,3,z\n")
    os.mkfifo(folder / "fifo")
    files = {p.name: str(p) for p in folder.iterdir()}
    return {**files, "folder": str(folder), "zero": "/dev/zero", "missing": str(folder / "missing.toml"),
            "out": str(folder / "out"), "dot": ".", "root": "/"}


NUMBERS = st.sampled_from(["1", "2", "0", "-1", "x", "1.5", "99999999999999999999", "1e3", ""])
DATES = st.one_of(st.sampled_from(["2025-01-10", "2025-02-30", "0001-01-01", "9999-12-31", "2025-1-1", "x"]),
                  st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str))
TEXT = st.one_of(st.text(max_size=10), st.sampled_from(["zeeland", "nobody", "[/bold]", "a:b:c", ""]))
ABSENT = st.one_of(TEXT, st.tuples(st.sampled_from(["zl-cm1", "coordinator", "x"]), DATES,
                                   st.sampled_from(["2w", "0d", "99999999999w", "3x"])).map(":".join))
SIZES = st.one_of(TEXT, st.sampled_from(["3-4", "4", "1-100000000", "5-3", "0-2", "3,4", "1-60"]))
TARGETS = st.one_of(TEXT, st.sampled_from(["followup_on_time>=95", "acute_contact_p95<=30", "gap_hours<=inf",
                                           "x<=1", "followup_on_time>=0.9"]))


def file_choice(files: dict[str, str]) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(files)).map(files.get)


def command_lines(files: dict[str, str]) -> st.SearchStrategy[list[str]]:
    """A command with a random selection of its options, each with an ordinary or odd value."""
    model = st.one_of(st.just(files["small.toml"]), file_choice(files))
    n = st.one_of(st.just("1"), NUMBERS)
    common = {"-s": model, "-n": n, "--seed": NUMBERS, "-r": TEXT}
    options = {
        "run": {**common, "--absent": ABSENT, "--leaves": ABSENT, "--out": file_choice(files),
                "--plot": st.sampled_from(["p.png", "p.pdf", "p.gif", files["folder"] + "/x.png"]), "-f": TEXT},
        "validate": {},
        "demand": {**common, "--from": DATES, "--to": DATES, "--by": TEXT, "-t": TEXT},
        "size": {**common, "--sizes": SIZES, "-t": TARGETS, "--targets": file_choice(files),
                 "--confidence": NUMBERS, "--absent": ABSENT},
        "whatif": {**common, "--absent": ABSENT, "--leaves": ABSENT, "-m": TEXT},
        "experiment": {"-n": n, "--out": file_choice(files), "--batch-size": NUMBERS, "-m": TEXT, "-f": TEXT},
        "calibrate": {"--regions": file_choice(files), "--out": file_choice(files)},
        "costs": {**common, "--year": NUMBERS, "-f": TEXT},
        "report": {"-s": model, "-r": TEXT, "--seed": NUMBERS, "--out": file_choice(files), "--from": file_choice(files),
                   "--lang": TEXT, "--outlook": file_choice(files)},
    }
    fixed = {"run": ["--workers", "1", "-f", "csv"], "demand": ["-r", "zeeland", "-n", "2"],
             "size": ["--workers", "1", "--batch", "2", "--max-replications", "4", "--sizes", "3-4"],
             "whatif": ["--workers", "1", "-f", "csv"], "experiment": ["--workers", "1", "-f", "csv"],
             "validate": [], "calibrate": [], "costs": ["--workers", "1", "--marginal"],
             "report": ["--workers", "1", "-n", "2", "--no-pdf"]}
    positional = {"validate": model, "experiment": st.one_of(st.just(files["exp.toml"]), file_choice(files)),
                  "calibrate": st.one_of(st.just(files["counts.csv"]), file_choice(files))}

    @st.composite
    def draw_line(draw: st.DrawFn) -> list[str]:
        command = draw(st.sampled_from(sorted(options)))
        args = [command, *([draw(positional[command])] if command in positional else []), *fixed[command]]
        names = draw(st.lists(st.sampled_from(sorted(options[command]) or ["--help"]), max_size=4))
        for name in names:
            args += [name] if name == "--help" else [name, draw(options[command][name])]
        if command in ("run", "demand", "size", "whatif", "costs") and "-s" not in names:
            args += ["-s", files["small.toml"]]
        if draw(st.integers(0, 9)) == 0:
            args.append(draw(st.sampled_from(["--bogus", "extra", "--overwrite", "--resume", "--csv"])))
        return args

    return draw_line()


@WHOLE_TEST
@seeded
@FUZZ
@given(data=st.data())
def test_odd_command_lines_exit_0_or_2(odd_files, tmp_path_factory, data):
    """Any command line ends in exit 0, exit 2 with a message (or exit 1 of a failed calibration
    check), within the deadline; never a traceback."""
    args = data.draw(command_lines(odd_files))
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))  # relative outputs (p.png, results/) land here
    try:
        invoke(args, "command line")
    finally:
        os.chdir(cwd)


# --- issue 22: one generated test per class of the second pass --------------------------------

SMALL = BASES["zeeland.toml"]
CONTROL = st.characters(codec="utf-8", categories=["Cc"])
ANY_TEXT = st.text(st.one_of(st.characters(codec="utf-8", exclude_categories=["Cs"]), CONTROL), max_size=20)


def validated(tmp_path_factory: Any, data: dict[str, Any], kind: str) -> Any:
    path = tmp_path_factory.mktemp("fuzz22") / "model.toml"
    path.write_text(tomlkit.dumps(data), encoding="utf-8")
    res = invoke(["validate", str(path)], kind)
    assert not any(ord(c) < 32 and c != "\n" or 0x7f <= ord(c) <= 0x9f for c in res.output), res.output
    return res


@WHOLE_TEST
@seeded
@FUZZ
@given(value=st.one_of(ANY_TEXT, st.integers(), st.floats(), st.booleans(), st.lists(st.integers(), max_size=3),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)),
       key=st.sampled_from(["source", "assumption"]))
def test_provenance_is_non_empty_text_and_shown_safely(tmp_path_factory, value, key):
    """Any provenance value: accepted exactly when it is non-empty text, and never shown raw."""
    data = copy.deepcopy(SMALL)
    data["norms"]["acute_contact_minutes"] = {"value": 30, key: value}
    res = validated(tmp_path_factory, data, "provenance")
    assert (res.exit_code == 0) == (isinstance(value, str) and bool(value.strip())), (value, res.output)


@WHOLE_TEST
@seeded
@FUZZ
@given(name=ANY_TEXT, where=st.sampled_from(["scenario", "region", "event"]))
def test_names_are_one_line_of_text_and_shown_safely(tmp_path_factory, name, where):
    """Any name: accepted exactly when not blank and free of control characters; never shown raw."""
    data = copy.deepcopy(SMALL)
    if where == "scenario":
        data["scenario"]["name"] = name
    elif where == "region":
        data["regions"]["zeeland"]["name"] = name
    else:
        data["events"] = [{"name": name, "kind": "level", "start": date(2025, 1, 10), "effect": 0.1}]
    res = validated(tmp_path_factory, data, "name")
    ok = bool(name.strip()) and not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f for c in name)
    assert (res.exit_code == 0) == ok, (repr(name), res.output)


@WHOLE_TEST
@seeded
@FUZZ
@given(days=st.lists(st.integers(1, 60), min_size=1, max_size=6),
       order=st.lists(st.sampled_from(["zl-cm1", "zl-cm2", "zl-cm3"]), max_size=4))
def test_lists_where_identity_matters_refuse_duplicates(tmp_path_factory, days, order):
    """followup_days and next_in_line: accepted exactly when no entry repeats."""
    data = copy.deepcopy(SMALL)
    data["defaults"]["pathway"]["followup_days"] = days
    data["regions"]["zeeland"]["replan"] = {"next_in_line": order}
    res = validated(tmp_path_factory, data, "duplicates")
    assert (res.exit_code == 0) == (len(set(days)) == len(days) and len(set(order)) == len(order)), res.output


@WHOLE_TEST
@seeded
@FUZZ
@given(effect=st.one_of(st.floats(-2, 1000, allow_nan=False), st.sampled_from([-1.0, 0.0, 1000.0])),
       level=st.floats(1, 20_000, allow_nan=False))
def test_events_never_lift_demand_over_the_level_cap(tmp_path_factory, effect, level):
    """A level and a campaign effect: accepted exactly when the effect is above -1 and the
    rate at the campaign's height stays within 20,000 reports a year."""
    data = copy.deepcopy(SMALL)
    data["regions"]["zeeland"]["demand"]["acute"].update({"level": level, "growth_per_year": 0.0})
    data["events"] = [{"name": "c", "kind": "campaign", "start": date(2025, 1, 5), "end": date(2025, 1, 12),
                       "effect": effect, "types": ["acute"]}]
    res = validated(tmp_path_factory, data, "event cap")
    assert (res.exit_code == 0) == (effect > -1 and level * (1 + max(effect, 0)) <= 20_000), res.output


@WHOLE_TEST
@seeded
@FUZZ
@given(line=st.one_of(
    st.tuples(st.just("--workers"), st.sampled_from(["1", "2", "64", "1024", "99999999"])),
    st.tuples(st.just("--scheduler"), st.one_of(st.sampled_from(["tcp://", "tcp://[::1", "tcp://:", "tcp://h",
                                                                 "tcp://h:0", "tcp://h:70000", "udp://h:1"]),
                                                st.text(max_size=10).filter(lambda t: t != "local"))),
    st.tuples(st.sampled_from(["--csv", "--overwrite", "--no-records", "--resume"]), st.just(None))),
    command=st.sampled_from(["run", "whatif", "costs"]))
def test_bounded_options_exit_0_or_2_with_a_message(odd_files, tmp_path_factory, line, command):
    """Workers beyond the cap run capped, malformed scheduler addresses and --out-only flags
    without --out are one-line errors; never a traceback."""
    name, value = line
    if command != "run" and value is None:
        return
    args = [command, "-s", odd_files["small.toml"], "-n", "2", name, *([value] if value is not None else [])]
    args += ["--absent", "zl-cm1:2025-01-05:1w"] if command == "whatif" else []
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    try:
        res = invoke(args, "bounded option")
    finally:
        os.chdir(cwd)
    if name == "--scheduler" or value is None:
        assert res.exit_code == 2 and res.stderr.startswith("error:"), res.output
    else:
        assert res.exit_code == 0, res.output
