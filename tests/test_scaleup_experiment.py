"""Scale-up policies compared in an experiment: each arm's cost (allowance and total, as `costs`
prices it) with its interval and paired difference beside the delays and load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from csgsim.runtime.executors import make_executor
from csgsim.studies import experiments
from csgsim.studies.armcosts import ARM_COSTS
from csgsim.ui.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
ARMS = '''
[baseline]
set = { "scenario.days" = 84, "scenario.warmup_days" = 0, "regions.zeeland.demand.acute.level" = 400, "costs.standby_allowance" = 0.5 }

[[variants]]
name = "fixed"
set = { "regions.zeeland.lines" = [{ id = "second", start_hour = 18, end_hour = 32 }] }

[[variants]]
name = "standby"
set = { "regions.zeeland.scaleup" = { when_acute_reports = 6, in_days = 7, open_days = 7, when_call_waited_min = 30, start_hour = 18, end_hour = 32 } }
'''


def write(tmp_path: Path, replications: int = 3) -> Path:
    path = tmp_path / "scaleup.toml"
    path.write_text(f'[experiment]\nname = "scale-up"\nscenario = "{ROOT / "models" / "zeeland.toml"}"\n'
                    f"replications = {replications}\n{ARMS}")
    return path


def test_every_arm_has_its_cost_with_an_interval_and_a_paired_difference(tmp_path):
    """Three arms, three replications: allowance and total per arm with a finite interval; the
    fixed line costs more allowance than none, the standby (half the rate, part of the time)
    less than the fixed line; the region metrics' table is as without costs."""
    exp = experiments.load(write(tmp_path))
    with make_executor(1) as backend:
        result = experiments.run(exp, experiments.open_folder(exp, tmp_path / "run", False), backend)
    costs = result.costs.set_index(["variant", "metric"])
    assert set(costs.index) == {(v, m) for v in ("baseline", "fixed", "standby") for m in ARM_COSTS}
    assert np.isfinite(costs[["mean", "ci_low", "ci_high"]].to_numpy()).all() and (costs["n"] == 3).all()
    allowance = costs.xs("cost_allowance", level="metric")["mean"]
    assert allowance["baseline"] < allowance["standby"] < allowance["fixed"]
    diff = result.cost_differences.set_index(["variant", "metric"])
    assert set(diff.index) == {(v, m) for v in ("fixed", "standby") for m in ARM_COSTS}
    assert diff.loc[("fixed", "cost_allowance"), "diff_mean"] > 0
    assert not result.regions["metric"].isin(list(ARM_COSTS)).any()
    assert not result.differences["metric"].isin(list(ARM_COSTS)).any()  # a Holm family of their own


def test_the_experiment_table_shows_the_cost_columns(tmp_path):
    res = runner.invoke(app, ["experiment", str(write(tmp_path, 2)), "--out", str(tmp_path / "out"), "--workers", "1",
                              "-m", "acute_contact_p95", "-m", "callins_per_person_per_4w",
                              "-m", "max_oncall_days_per_4w"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    baseline, difference, per_arm = out.split("Difference from the baseline")[0], *out.split("Difference from the baseline")[1].split("cost per arm")
    for table in (baseline, difference, per_arm):  # costs beside the metrics, then each arm's
        assert "cost allowance" in table and "cost total" in table
    assert "contact p95 min" in difference and "their own 4" in " ".join(difference.split())
    assert per_arm.count("\u00b1") >= 6 and all(v in per_arm for v in ("baseline", "fixed", "standby"))
    res = runner.invoke(app, ["experiment", str(write(tmp_path, 2)), "--out", str(tmp_path / "csv"), "--workers", "1",
                              "-f", "csv"])
    assert res.exit_code == 0 and "cost_total" in res.stdout


def test_the_shipped_scaleup_experiments_compare_the_three_policies():
    """experiments/scaleup.toml (media wave) and scaleup-zedenwet.toml (law step): no scale-up, a
    fixed second line and a standby with both triggers, the standby at half the allowance (an
    assumption, said as such)."""
    for name in ("scaleup.toml", "scaleup-zedenwet.toml"):
        exp = experiments.load(ROOT / "experiments" / name)
        assert [v.name for v in exp.variants] == ["baseline", "fixed-second-line", "triggered-standby"]
        base, fixed, standby = (v.scenario.regions["groningen-drenthe"] for v in exp.variants)
        assert base.scaleup is None and not base.lines and [x.id for x in fixed.lines] == ["second"]
        policy = standby.scaleup
        assert (policy.when_acute_reports, policy.when_call_waited_min) == (8, 30)
        assert standby.costs.standby_allowance == 0.5
        assert exp.variants[0].scenario.provenance["costs.standby_allowance"].startswith("assumption:")
