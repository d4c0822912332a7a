"""Overload is named: a growing backlog or norms met in a small share show in the tables and the JSON."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from csgsim.analysis.overload import BACKLOG_SHARE, NORM_SHARE, overload
from csgsim.ui.cli import app
from csgsim.ui.outputs import _share as SHARE
from tests.test_outputs import small_model


def summary(**means: float) -> pd.DataFrame:
    return pd.DataFrame({"region": "r", "metric": list(means), "mean": list(means.values())})


def test_thresholds_of_the_two_signs():
    """A backlog above BACKLOG_SHARE of the reports, or a norm share below NORM_SHARE, is named;
    values at the thresholds and metrics without cases (nan) are not."""
    fine = dict(acute_reports=100.0, acute_open_at_horizon=100 * BACKLOG_SHARE, non_acute_reports=0.0,
                intake_open_at_horizon=0.0, acute_contact_within_norm=NORM_SHARE, intake_within_norm=float("nan"),
                followup_on_time=0.9)
    assert overload(summary(**fine), SHARE) == {}
    late = overload(summary(**{**fine, "acute_open_at_horizon": 11.0, "followup_on_time": 0.001}), SHARE)["r"]
    assert late[0].startswith("11.0% of acute reports still wait for contact") and late[1] == (
        "only 0.1% of follow-up contacts on time")  # a share as the tables write it


def test_an_overloaded_run_says_so_in_tables_and_json(tmp_path):
    """Zeeland with 3,000 reports of each type a year and five casemanagers: the table marks the
    region and lists the reasons; the JSON carries them; the ordinary model lists none."""
    path = small_model(tmp_path)
    text = path.read_text()
    path.write_text(text.replace("demand.acute.level = { value = 40", "demand.acute.level = { value = 3000")
                    .replace("demand.non_acute.level = { value = 48", "demand.non_acute.level = { value = 3000"))
    args = ["run", "-s", str(path), "-n", "1", "--workers", "1"]
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0 and "Zeeland (overloaded)" in table.stdout
    assert "OVERLOADED Zeeland:" in table.stdout and "still wait for intake" in table.stdout
    data = json.loads(CliRunner().invoke(app, [*args, "-f", "json"]).stdout)
    assert [o["region"] for o in data["overload"]] == ["zeeland"]
    assert any("follow-up contacts on time" in r for r in data["overload"][0]["reasons"])
    (zl,) = data["overload"]
    assert (zl["contracted_hours_per_week"], zl["casemanagers"]) == (40, 5)  # what it was measured against
    assert zl["hours"].startswith("against 40 contracted CSG hours a week (5 casemanagers")
    assert "csgsim size --region zeeland" in zl["hours"] and "against 40 contracted" in table.stdout
    plain = CliRunner().invoke(app, ["run", "-s", str(small_model(tmp_path)), "-n", "1", "--workers", "1", "-f", "json"])
    assert json.loads(plain.stdout)["overload"] == []


def test_the_2019_national_run_is_free_of_overload():
    """Issue 19: the built-in model run for 2019 (demand about half of 2025's, the 2019 teams and
    hours) marks no region overloaded; two replications on the same seeds as the model's."""
    from csgsim.config import scenario as scenario_mod
    from csgsim.core import resources
    from csgsim.runtime.replications import run
    from csgsim.studies.capacity import in_year

    path = resources.models_dir() / "netherlands.toml"
    data, _ = scenario_mod.read(path)
    result = run(scenario_mod.parse(in_year(data, 2019), "netherlands 2019"), 2, workers=1)
    assert len(result.scenario.regions) == 16
    assert overload(result.region_summary(), SHARE) == {}
