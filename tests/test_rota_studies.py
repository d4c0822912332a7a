"""A plan in hand (`csgsim rota`) in `size` and `experiment` (docs/rota.md): every arm simulates
the plan; `size` checks the plan's team against the targets and sizes the hours for it; input
that does not fit is refused with exit 2."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from typer.testing import CliRunner

from csgsim.config import scenario as scenario_mod
from csgsim.runtime import replications as reps
from csgsim.studies import experiments
from csgsim.studies import rota as planner
from csgsim.ui.cli import app
from csgsim.ui.rota_files import read_plan
from csgsim.ui.run_cli import rota_arms
from tests.conftest import region_data, scenario_data

pytest.importorskip("ortools")
runner = CliRunner()
STANDBY = {"when_call_waited_min": 30, "start_hour": 18, "end_hour": 32}


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """A 4-week scenario of 5 casemanagers with a wait-triggered standby, and a rota made for it."""
    import tomlkit

    tmp = tmp_path_factory.mktemp("rotastudies")
    body = region_data(prefix="a", team=5, acute=300.0)
    body["scaleup"] = STANDBY
    path = tmp / "s.toml"
    path.write_text(tomlkit.dumps(scenario_data({"a": body}, days=28, start=date(2025, 3, 3))))
    result = invoke("rota", "--scenario", path, "--out", tmp / "rota", "--time-limit", 1)
    assert result.exit_code == 0, result.output
    return tmp, path, tmp / "rota" / "rota.csv"


def experiment_file(tmp, path, variants: str = "") -> str:
    exp = tmp / "e.toml"
    exp.write_text(f'[experiment]\nname = "plan"\nscenario = "{path}"\nreplications = 2\n[baseline]\n'
                   f'set = {{ "regions.a.demand.acute.level" = 300 }}\n{variants}')
    return exp


def test_every_arm_of_an_experiment_simulates_the_plan(planned):
    """The baseline arm with --rota gives, replication by replication, what `run --rota` gives."""
    tmp, path, rota = planned
    exp, duties = rota_arms(experiments.load(experiment_file(tmp, path, '[[variants]]\nname = "calm"\n'
                                                            'set = { "regions.a.demand.acute.level" = 100 }\n')),
                            rota)
    plan = read_plan(rota, exp.variants[0].scenario)
    assert set(duties) == {0, 1}
    for arm in duties.values():
        assert np.array_equal(arm["a"].primary.person, plan.schedules()[0].person)
    from csgsim.runtime.executors import make_executor

    with make_executor(1) as backend:
        result = experiments.run(exp, experiments.open_folder(exp, tmp / "run", False, "x"), backend, duties=duties)
    sc, alone, _ = planner.simulated(scenario_mod.load(path), plan)
    direct = reps.run(sc, 2, exp.seed, workers=1, duties=alone).region_long
    base = result.regions[result.regions["variant"] == "baseline"].reset_index(drop=True)
    assert np.array_equal(base["value"].to_numpy(), direct["value"].to_numpy(), equal_nan=True)


def test_experiment_cli_takes_the_rota_and_refuses_an_arm_it_does_not_fit(planned):
    tmp, path, rota = planned
    ok = invoke("experiment", experiment_file(tmp, path), "--rota", rota, "--out", tmp / "e1", "--workers", 1)
    assert ok.exit_code == 0, ok.output
    bigger = experiment_file(tmp, path, '[[variants]]\nname = "four"\nset = { "team_size.a" = 4 }\n')
    res = invoke("experiment", bigger, "--rota", rota, "--out", tmp / "e2", "--workers", 1)
    assert res.exit_code == 2 and "variant 'four'" in res.output and "rota" in res.output, res.output


def test_size_with_the_rota_checks_the_plans_team_and_says_so(planned):
    """One candidate, the plan's 5 casemanagers; the statement names the plan and the policy."""
    import json

    tmp, path, rota = planned
    res = invoke("size", "-s", path, "--rota", rota, "--batch", 2, "--max-replications", 2, "--workers", 1,
                 "-f", "json")
    assert res.exit_code == 0, res.output
    (region,) = json.loads(res.stdout)["regions"]
    assert [row["size"] for row in region["sizes"]] == [5]
    assert any("the people answer is the plan's: 5 casemanagers" in n for n in region["notes"])
    assert any("scale-up policy on" in n for n in region["notes"])
    assert region["casework"]["people"] == 5


@pytest.mark.parametrize(("extra", "message"), [
    (["--sizes", "3-6"], "give --sizes or --rota, not both"),
    (["--holds"], "give --holds or --rota, not both"),
    (["--all-regions"], "is a plan for region 'a'"),
])
def test_size_refuses_what_a_plan_cannot_answer(planned, extra, message):
    _, path, rota = planned
    res = invoke("size", "-s", path, "--rota", rota, *extra)
    assert res.exit_code == 2 and message in res.output, res.output


def test_a_missing_rota_file_is_a_clear_error(planned, tmp_path):
    tmp, path, _ = planned
    for args in (("size", "-s", path), ("experiment", experiment_file(tmp, path), "--out", tmp_path / "x")):
        res = invoke(*args, "--rota", tmp_path / "none.csv")
        assert res.exit_code == 2 and "none.csv" in res.output and "Traceback" not in res.output, res.output


def test_the_plan_joins_the_run_folders_identity(planned):
    """--resume refuses a folder made with another plan (or none): the plan's digest is in the identity."""
    tmp, path, _ = planned
    exp = experiments.load(experiment_file(tmp, path))
    assert "rota_sha256" not in experiments.identity(exp)
    assert experiments.identity(exp, "abc")["rota_sha256"] == "abc"


def test_a_bad_wait_policy_exits_2_naming_the_key(tmp_path):
    import tomlkit

    body = region_data(prefix="a") | {"scaleup": STANDBY | {"when_call_waited_min": -5}}
    path = tmp_path / "bad.toml"
    path.write_text(tomlkit.dumps(scenario_data({"a": body})))
    res = invoke("validate", path)
    assert res.exit_code == 2 and "regions.a.scaleup.when_call_waited_min = -5 is not allowed" in res.output, res.output
