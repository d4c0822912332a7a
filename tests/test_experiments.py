"""Experiments: variants as patches, paired differences with common random numbers, resumable runs."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from csgsim.studies import experiments

from csgsim.runtime import replications
from csgsim.runtime.runfolder import STOP_AFTER_BATCHES, RunFolderError
from csgsim.studies.differences import paired_differences
from csgsim.ui.cli import app
from csgsim.core.errors import CsgsimError
from csgsim.runtime.executors import make_executor
from csgsim.analysis.confidence import confidence_interval
from tests.conftest import EXAMPLE, ROOT

runner = CliRunner()


def write_experiment(tmp_path: Path, body: str, head: str = "", name: str = "exp.toml") -> Path:
    """An experiment on the shipped three-region example (absolute path, so any folder works)."""
    path = tmp_path / name
    path.write_text(f'[experiment]\nname = "test"\nscenario = "{EXAMPLE.as_posix()}"\n{head}\n{body}')
    return path


PATCHES = """
[baseline]
events = [{ name = "law", kind = "level", start = 2024-07-01, effect = 0.0 }]

[[variants]]
name = "law-and-external"
set = { "events.law.effect" = 0.5, "defaults.backup.kind" = "external" }

[[variants]]
name = "resized"
set = { "team_size.zeeland" = 7, "team_delta.friesland" = -2, "regions.rotterdam.demand.acute.level" = 300 }

[[grids]]
name = "g"
axes = { "events.law.effect" = [0.0, 0.3], team_size = [2, 3] }
labels = { "events.law.effect" = "law" }
"""


def test_variants_are_patches_of_the_scenario(tmp_path):
    """Dotted paths, events by name, team_size/team_delta and grid points each give the scenario
    the file describes; the baseline's patches apply to every variant."""
    exp = experiments.load(write_experiment(tmp_path, PATCHES, "replications = 3\nseed = 9"))
    assert exp.seed == 9 and exp.replications == 3
    names = [v.name for v in exp.variants]
    assert names == ["baseline", "law-and-external", "resized", "g[law=0, team_size=2]", "g[law=0, team_size=3]",
                     "g[law=0.3, team_size=2]", "g[law=0.3, team_size=3]"]
    base, law, resized = (v.scenario for v in exp.variants[:3])
    assert [e.effect for e in base.events] == [0.0] and [e.effect for e in law.events] == [0.5]
    assert {r.backup for r in law.regions.values()} == {"external"}
    assert {r.backup for r in base.regions.values()} == {"coordinator"}
    assert resized.regions["zeeland"].casemanagers == 7
    assert resized.regions["friesland"].casemanagers == base.regions["friesland"].casemanagers - 2
    assert resized.regions["rotterdam"].acute.level == 300
    ids = [p.id for p in resized.regions["zeeland"].people]
    assert len(set(ids)) == len(ids) and ids[5:7] == ["zeeland-added1", "zeeland-added2"]
    grid = exp.variants[-1].scenario
    assert {r.casemanagers for r in grid.regions.values()} == {3} and grid.events[0].effect == 0.3
    table = experiments.variants_table(exp)
    assert table.loc[3, "events.law.effect"] == 0.0 and table.loc[6, "team_size"] == 3


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        ('[[variants]]\nname = "x"\nset = { "events.nolaw.effect" = 1 }', "expected events.NAME.FIELD"),
        ('[[variants]]\nname = "x"\nset = { "team_size.atlantis" = 4 }', "no region 'atlantis'"),
        ('[[variants]]\nname = "x"\nset = { team_size = 0 }', "at least 1 is needed"),
        ('[[variants]]\nname = "x"\nset = { "scenario.seed" = 4 }', "cannot be patched"),
        ('[[variants]]\nname = "x"\nset = { "nonsense.key" = 4 }', "has no [nonsense] table"),
        ('[[grids]]\nname = "g"\naxes = { "defaults.backup.knd" = ["none"] }', "backup.knd is not a known key"),
        ('[[grids]]\nname = "g"\naxes = { "defaults.backup.kind" = [] }', "non-empty lists"),
        ('[[variants]]\nname = "baseline"', "used twice"),
        ('[[variants]]\nname = "x"\nsett = {}', "variants[0].sett is not a known key"),
    ],
)
def test_bad_experiments_fail_with_one_clear_line(tmp_path, body, expect):
    """Unknown events, regions, keys and grid paths exit 2 with a message naming the problem."""
    path = write_experiment(tmp_path, body)
    with pytest.raises(CsgsimError, match=None) as err:
        experiments.load(path)
    assert expect in str(err.value)
    res = runner.invoke(app, ["experiment", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and expect in res.stderr and "Traceback" not in res.output
    assert not (tmp_path / "out").exists()


def test_built_in_scenario_names_and_shipped_experiments_load():
    """Every shipped experiment file is valid, and names the built-in model by name."""
    files = sorted((ROOT / "experiments").glob("*.toml"))
    assert {f.stem for f in files} >= {"zedenwet-2024", "metoo-spike", "tv-scandal-spike", "campaign",
                                       "dropout", "roster-grid"}
    for f in files:
        exp = experiments.load(f)
        assert exp.variants[0].name == "baseline" and len(exp.variants) > 1
    grid = experiments.load(ROOT / "experiments" / "roster-grid.toml")
    assert len(grid.variants) == 1 + 5 * 5 and grid.regions == ("groningen-drenthe",)


def test_common_random_numbers_shrink_the_variance_of_a_paired_difference(tmp_path):
    """With the same streams in both arms, the per-replication difference (one casemanager fewer)
    varies far less than with independent streams: F-test at the 1% level, fixed seed."""
    exp = experiments.load(write_experiment(
        tmp_path, '[[variants]]\nname = "fewer"\nset = { "team_size.zeeland" = 4 }',
        'replications = 20\nseed = 7\nregions = ["zeeland"]'))
    with make_executor(1) as serial:
        result = experiments.run(exp, experiments.open_folder(exp, tmp_path / "run", False), serial)
    metric = "csg_hours_per_week"
    per_rep = result.regions[result.regions["metric"] == metric].pivot(index="rep", columns="variant", values="value")
    paired = per_rep["fewer"] - per_rep["baseline"]
    other = replications.run(exp.variants[1].scenario, 20, seed=8, workers=1).region_long
    independent = other[other["metric"] == metric]["value"].to_numpy() - per_rep["baseline"].to_numpy()
    ratio = independent.var(ddof=1) / paired.var(ddof=1)
    assert ratio > stats.f.ppf(0.99, 19, 19), ratio
    row = result.differences.set_index(["variant", "metric"]).loc[("fewer", metric)]
    assert np.isclose(row["diff_mean"], paired.mean())
    assert np.allclose([row["ci_low"], row["ci_high"]], confidence_interval(paired)[1:3])


def test_identical_variant_differs_by_exactly_zero(tmp_path):
    """A variant that changes nothing sees the same replications: every difference is 0, CI [0, 0]."""
    exp = experiments.load(write_experiment(
        tmp_path, '[[variants]]\nname = "same"\nset = { "defaults.backup.kind" = "coordinator" }',
        'replications = 3\nregions = ["zeeland"]'))
    with make_executor(1) as serial:
        result = experiments.run(exp, experiments.open_folder(exp, tmp_path / "run", False), serial)
    d = result.differences.dropna(subset=["diff_mean"])
    assert (d["diff_mean"] == 0).all() and (d["ci_low"] == 0).all() and (d["ci_high"] == 0).all()
    assert not d["significant"].any()


def test_delay_percentiles_are_pooled_as_a_run_pools_them(tmp_path):
    """The experiment keeps every replication's delays in its folder: the baseline's p95 is the
    pooled p95 that `run` gives on the same seed, and a variant's difference in it is the
    difference of the two pooled values, with a paired interval around it."""
    from csgsim.analysis.summary import PAIRED_POOLED, POOLED
    from csgsim.runtime import replications

    exp = experiments.load(write_experiment(
        tmp_path, '[[variants]]\nname = "fewer"\nset = { "team_size.zeeland" = 3 }',
        'replications = 6\nregions = ["zeeland"]'))
    with make_executor(1) as serial:
        result = experiments.run(exp, experiments.open_folder(exp, tmp_path / "run", False), serial)
    fresh = replications.run(exp.variants[0].scenario, 6, exp.seed).region_summary().set_index("metric")
    summary = result.summary.set_index(["variant", "metric"])
    diff = result.differences.set_index(["variant", "metric"])
    for metric in ("acute_contact_p95", "intake_wait_p90", "acute_contact_within_norm"):
        assert summary.loc[("baseline", metric), "mean"] == fresh.loc[metric, "mean"]
        assert summary.loc[("baseline", metric), "statistic"] == fresh.loc[metric, "statistic"]
        row = diff.loc[("fewer", metric)]
        assert row["statistic"] == PAIRED_POOLED
        assert row["baseline_mean"] == summary.loc[("baseline", metric), "mean"]
        assert row["diff_mean"] == pytest.approx(summary.loc[("fewer", metric), "mean"] - row["baseline_mean"])
        assert row["ci_low"] <= row["diff_mean"] <= row["ci_high"]
    assert fresh.loc["acute_contact_p95", "statistic"] == POOLED
    assert (result.differences["statistic"] == PAIRED_POOLED).sum() >= 11  # 9 percentiles, 2 shares


RESUMABLE = '[[variants]]\nname = "external"\nset = { "defaults.backup.kind" = "external" }'


def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path):
    """SIGKILL a run right after its 5th batch is on disk (a test hook, not a timer); --resume
    completes it, and the tables equal those of an uninterrupted run with other batches and workers."""
    path = write_experiment(tmp_path, RESUMABLE, 'replications = 40\nregions = ["zeeland"]')
    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT), STOP_AFTER_BATCHES: "5"}
    proc = subprocess.run([sys.executable, "-m", "csgsim", "experiment", str(path), "--out", str(killed),
                           "--workers", "1", "--batch-size", "1"], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert len(list((killed / "batches").glob("[!.]*.parquet"))) == 5
    assert json.loads((killed / "manifest.json").read_text())["complete"] is False
    assert not (killed / "replications_regions.parquet").exists()

    res = runner.invoke(app, ["experiment", str(path), "--out", str(killed), "--resume", "--workers", "1", "-f", "csv"])
    assert res.exit_code == 0, res.output
    whole = tmp_path / "whole"
    res = runner.invoke(app, ["experiment", str(path), "--out", str(whole), "--workers", "2", "--batch-size", "7",
                              "-f", "json"])
    assert res.exit_code == 0, res.output
    for name in ("replications_regions", "replications_casemanagers", "differences", "summary_regions"):
        a, b = pd.read_parquet(killed / f"{name}.parquet"), pd.read_parquet(whole / f"{name}.parquet")
        assert a.equals(b), name
    m1, m2 = (json.loads((p / "manifest.json").read_text()) for p in (killed, whole))
    assert m1["complete"] and m1["replications_sha256"] == m2["replications_sha256"]
    assert json.loads(res.stdout)["manifest"]["replications_sha256"] == m2["replications_sha256"]
    assert not list(killed.rglob(".*.tmp"))


def test_a_folder_holding_another_run_is_refused(tmp_path):
    """Without --resume an existing run is never overwritten; with it, a run of other inputs
    (here another seed) is refused, naming what differs."""
    path = write_experiment(tmp_path, RESUMABLE, 'replications = 2\nregions = ["zeeland"]\nseed = 1')
    out = tmp_path / "out"
    assert runner.invoke(app, ["experiment", str(path), "--out", str(out), "--workers", "1"]).exit_code == 0
    res = runner.invoke(app, ["experiment", str(path), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 2 and "--resume" in res.stderr
    exp = experiments.load(write_experiment(tmp_path, RESUMABLE, 'replications = 2\nregions = ["zeeland"]\nseed = 2',
                                            name="other.toml"))
    with pytest.raises(RunFolderError, match="seed = 1"):
        experiments.open_folder(exp, out, resume=True)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("mine")
    with pytest.raises(RunFolderError, match="not a csgsim run folder"):
        experiments.open_folder(exp, tmp_path / "junk", resume=False)


def test_cli_prints_differences_and_rejects_unknown_metrics(tmp_path):
    """The table names each variant with its paired differences; --metric takes names from
    REGION_METRICS only (one line listing them otherwise)."""
    path = write_experiment(tmp_path, RESUMABLE, 'replications = 3\nregions = ["zeeland"]')
    res = runner.invoke(app, ["experiment", str(path), "--out", str(tmp_path / "a"), "--workers", "1",
                              "-m", "acute_contact_p95", "-m", "gap_hours"])
    assert res.exit_code == 0, res.output
    assert "external" in res.stdout and "contact p95 min" in res.stdout and "paired" in res.stdout
    res = runner.invoke(app, ["experiment", str(path), "--out", str(tmp_path / "b"), "-m", "wait_time"])
    assert res.exit_code == 2 and "allowed: acute_reports" in res.stderr


def test_variants_that_are_not_tables_are_one_clear_error(tmp_path):
    """`variants = ["a"]` instead of [[variants]] tables names the key and the allowed form."""
    (tmp_path / "zeeland.toml").write_text((ROOT / "models" / "zeeland.toml").read_text())
    bad = tmp_path / "bad.toml"
    bad.write_text('variants = ["a"]\n[experiment]\nname = "x"\nscenario = "zeeland.toml"\n')
    with pytest.raises(CsgsimError, match=r"variants = \['a'\] is not allowed; expected \[\[variants\]\] tables"):
        experiments.load(bad)


def test_significance_marks_are_holm_adjusted_over_every_difference():
    """Paired differences with t-test p-values of 0.001, 0.02 and 0.5. In a family of three,
    Holm's adjusted p-values are 0.003, 0.04 and 0.5: the first two are marked. Repeated in 10
    variants (a family of 30), 0.02 x 29 rows is far above 5%: only the 0.001 differences keep
    their mark (before: every interval excluding 0 was marked, whatever the number of tests)."""
    rng = np.random.default_rng(4)
    n = 30

    def diffs_with_p(p: float) -> np.ndarray:
        z = rng.standard_normal(n)
        z = (z - z.mean()) / z.std(ddof=1)
        return z + stats.t.isf(p / 2, n - 1) / np.sqrt(n)  # t statistic exactly isf(p/2)

    rows = []
    for metric, p in (("acute_reports", 0.001), ("gap_hours", 0.02), ("absent_share", 0.5)):
        d = diffs_with_p(p)
        for rep in range(n):
            rows += [("baseline", rep, "x", metric, 0.0), ("v", rep, "x", metric, d[rep])]
    regions = pd.DataFrame(rows, columns=["variant", "rep", "region", "metric", "value"])
    out = paired_differences(regions).set_index("metric")
    assert np.allclose(out["p_value"], [0.001, 0.02, 0.5])
    assert np.allclose(out["p_holm"], [0.003, 0.04, 0.5])
    assert out["significant"].tolist() == [True, True, False]
    many = pd.concat([regions.assign(variant=regions["variant"].where(regions["variant"] == "baseline", f"v{k}"))
                      for k in range(10)]).drop_duplicates(["variant", "rep", "metric"])
    marked = paired_differences(many).set_index(["variant", "metric"])["significant"]
    assert marked.xs("acute_reports", level="metric").all() and not marked.xs("gap_hours", level="metric").any()
