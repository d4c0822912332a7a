"""Issue 22: the nonsense the fuzz found accepted with exit 0 is refused with a clear message
(exit 2), provenance is text, and what is shown of a user's text is safe for a terminal."""

from __future__ import annotations

import copy
import tomllib
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
import tomlkit
from rich.console import Console
from typer.testing import CliRunner

from csgsim.ui.cli import app
from tests.conftest import ROOT

runner = CliRunner()
BASE = tomllib.loads((ROOT / "models" / "zeeland.toml").read_text(encoding="utf-8"))
BASE["scenario"].update({"days": 28, "warmup_days": 0, "replications": 1})


def validate(tmp_path, change) -> Any:
    data = copy.deepcopy(BASE)
    change(data)
    path = tmp_path / "model.toml"
    path.write_text(tomlkit.dumps(data), encoding="utf-8")
    return runner.invoke(app, ["validate", str(path)])


def region(data: dict) -> dict:
    return data["regions"]["zeeland"]


def absences(*entries: dict) -> Any:
    return lambda d: region(d).__setitem__("absences", list(entries))


def event(**fields: Any) -> Any:
    base = {"name": "tv", "kind": "campaign", "start": BASE["scenario"]["start"], "end": date(2025, 1, 20), "effect": 0.5}
    return lambda d: d.__setitem__("events", [{**base, **fields}])


def _defaults_leave_text(d: dict) -> None:
    del d["defaults"]["leave"]
    d["defaults"]["leave"] = "abc"


def set_path(*path: Any, value: Any) -> Any:
    def change(d: dict) -> None:
        node = d
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return change


START = BASE["scenario"]["start"]
REPROS = {
    "defaults leave = 'abc' dropped": (_defaults_leave_text, "expected a table"),
    "absence of 0.01 weeks": (absences({"person": "zl-cm3", "start": START, "weeks": 0.01}), "at least 1 day"),
    "short_mean_days = 0 with absence on": (set_path("defaults", "absence", "short_mean_days", value=0),
                                            "short_mean_days must be > 0"),
    "lognormal on_site with median 0": (set_path("defaults", "pathway", "on_site", value={
        "dist": "lognormal", "median": 0, "sigma": 0.4}), "on_site.median"),
    "exponential with mean 0": (set_path("defaults", "pathway", "travel", value={"dist": "exponential", "mean": 0}),
                                "travel.mean"),
    "norm of 0 minutes": (set_path("norms", "acute_contact_minutes", value=0), "acute_contact_minutes"),
    "event effect of -1": (event(effect=-1), "effect"),
    "duplicate absences": (absences({"person": "zl-cm3", "start": START, "weeks": 2},
                                    {"person": "zl-cm3", "start": START, "weeks": 2}), "give each once"),
    "duplicate next_in_line": (set_path("regions", "zeeland", "replan", "next_in_line", value=["zl-cm2", "zl-cm2"]),
                               "appear once"),
    "duplicate followup_days": (set_path("defaults", "pathway", "followup_days", value=[2, 2, 7]), "appear once"),
    "duplicate event regions": (event(regions=["zeeland", "zeeland"]), "appear once"),
    "empty region name": (set_path("regions", "zeeland", "name", value=""), "a name is"),
    "blank scenario name": (set_path("scenario", "name", value="   "), "a name is"),
    "empty event name": (event(name=""), "a name is"),
    "name with control characters": (set_path("regions", "zeeland", "name", value="Zee\x1b[2J\x07land"), "a name is"),
    "campaign effect 1000 round the level cap": (event(effect=1000), "allowed at most 20000"),
}


@pytest.mark.parametrize("case", sorted(REPROS))
def test_nonsense_found_by_the_fuzz_is_refused(tmp_path, case):
    """Each repro of issue 22 that validate accepted with exit 0: now exit 2 with its reason."""
    change, reason = REPROS[case]
    res = validate(tmp_path, change)
    assert res.exit_code == 2, (case, res.output)
    assert reason in res.stderr and "Traceback" not in res.output, res.stderr
    assert "\x1b" not in res.output and "\x07" not in res.output


@pytest.mark.parametrize("bad", [1, -1, True, float("nan"), [1], {"a": 1}, "", "  "])
@pytest.mark.parametrize("key", ["source", "assumption"])
def test_provenance_must_be_non_empty_text(tmp_path, key, bad):
    """Repro: 57 files set source/assumption to a number, bool, NaN, list, table or "", and
    validate printed 'assumption: -1'."""
    res = validate(tmp_path, set_path("norms", "acute_contact_minutes", value={"value": 30, key: bad}))
    assert res.exit_code == 2 and f"acute_contact_minutes.{key}" in res.stderr, res.output


def test_provenance_with_control_characters_is_shown_escaped(tmp_path):
    """Repro: ESC and BEL in user text reached the terminal raw (validate)."""
    res = validate(tmp_path, set_path("norms", "acute_contact_minutes",
                                      value={"value": 30, "source": "report\x1b]0;owned\x07 2019"}))
    assert res.exit_code == 0 and "report\\x1b]0;owned\\x07 2019" in res.stdout and "\x1b" not in res.stdout


def test_run_tables_escape_control_characters_in_names():
    """Repro: a region name with ESC and BEL was printed raw in run's tables."""
    from csgsim.config import scenario
    from csgsim.runtime import replications
    from csgsim.ui import outputs

    sc = scenario.load(ROOT / "models" / "zeeland.toml")
    zl = replace(sc.regions["zeeland"], name="Zee\x1b[31mland\x07")
    sc = replace(sc, days=28, warmup_days=0, name="S\x1b[2J", regions={"zeeland": zl})
    console = Console(width=200, record=True, force_terminal=False)
    outputs.print_tables(replications.run(sc, 2, 1, workers=1), console)
    text = console.export_text()
    assert "Zee\\x1b[31mland\\x07" in text and "\x1b" not in text and "\x07" not in text


def test_an_error_echoes_a_long_list_as_its_start_and_its_size(tmp_path):
    """Repro: an error message echoed all 3,000 entries of a list (17 KB on one line)."""
    res = validate(tmp_path, set_path("defaults", "pathway", "followup_days", value=[0] * 3000))
    assert res.exit_code == 2 and "(3000 entries)" in res.stderr and len(res.stderr) < 400, res.stderr


def test_a_size_target_no_team_can_meet_is_refused():
    """Repro: size accepted acute_contact_p95<=-1 and searched for a team."""
    res = runner.invoke(app, ["size", "-s", str(ROOT / "models" / "zeeland.toml"), "-t", "acute_contact_p95<=-1",
                              "--sizes", "3-4", "--workers", "1"])
    assert res.exit_code == 2 and "no team can meet it" in res.stderr
