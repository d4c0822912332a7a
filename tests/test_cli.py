"""The command line: happy paths, and bad input that ends in one clear line and exit code 2."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from csgsim.analysis.summary import MEAN, POOLED
from csgsim.ui.cli import app
from tests.conftest import EXAMPLE, ROOT

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_run_json_gives_figures_with_confidence_intervals():
    """`run --format json` prints the manifest and each region metric with its estimate, CI and
    what the estimate is (a mean, or a percentile of the pooled delays)."""
    res = invoke("run", "-s", EXAMPLE, "--region", "zeeland", "-n", 4, "--workers", 1, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["manifest"]["seed"] == 20250101 and data["manifest"]["replications"] == 4
    rows = {r["metric"]: r for r in data["regions"]}
    p95, mean = rows["acute_contact_p95"], rows["acute_contact_mean"]
    assert p95["statistic"] == POOLED and mean["statistic"] == MEAN
    assert 0 < p95["ci_high"] - p95["ci_low"] and 0 < mean["ci_high"] - mean["ci_low"]
    assert {r["person"] for r in data["casemanagers"]} >= {"zl-cm1", "zl-coord"}


def test_run_table_names_every_region():
    """The default table output has a row for each region."""
    res = invoke("run", "-s", EXAMPLE, "-n", 2, "--workers", 1)
    assert res.exit_code == 0, res.output
    for name in ("Zeeland", "Friesland", "Rotterdam"):
        assert name in res.stdout


def test_out_writes_tables_and_manifest(tmp_path):
    """--out writes Parquet tables (reports included), CSV summaries and a manifest."""
    out = tmp_path / "res"
    res = invoke("run", "-s", EXAMPLE, "-r", "zeeland", "-n", 2, "--workers", 1, "--out", out, "--csv", "-f", "csv")
    assert res.exit_code == 0, res.output
    names = {p.name for p in out.iterdir()}
    assert {"manifest.json", "summary_regions.parquet", "summary_regions.csv", "reports.parquet",
            "tasks.parquet", "callouts.parquet", "summary_casemanagers.parquet"} <= names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_sha256"] and manifest["numpy_version"] and manifest["seed"] == 20250101
    reports = pd.read_parquet(out / "reports.parquet")
    assert set(reports["rep"]) == {0, 1} and reports["status"].notna().all()
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert left == []  # no temporary, no kept batches and no lock file left behind (issue 22)


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        (None, "no such scenario file"),
        ("[scenario\n", "TOML syntax error"),
        (EXAMPLE.read_text().replace('attendance = "day0"', 'attendance = "day7"'),
         "pathway.attendance = 'day7' is not allowed"),
    ],
)
def test_bad_scenarios_exit_2_with_one_line(tmp_path, text, expect):
    """Missing file, syntax error, out-of-range value: exit 2, one message, no traceback."""
    path = tmp_path / "bad.toml"
    if text is not None:
        path.write_text(text)
    res = invoke("run", "-s", path, "-n", 1)
    assert res.exit_code == 2
    assert expect in res.stderr and "bad.toml" in res.stderr
    assert "Traceback" not in res.output


def test_bad_option_value_exits_2():
    """Typer's own validation (replications below 1) exits 2 and names the option."""
    res = invoke("run", "-n", 0)
    assert res.exit_code == 2 and "--replications" in res.output


def test_unknown_region_exits_2():
    res = invoke("run", "-s", EXAMPLE, "--region", "atlantis")
    assert res.exit_code == 2 and "atlantis" in res.stderr and "zeeland" in res.stderr


def test_validate_lists_provenance():
    """`validate` reports the regions and the source or assumption of each value."""
    res = invoke("validate", EXAMPLE)
    assert res.exit_code == 0
    assert "zeeland" in res.stdout and "assumption" in res.stdout


def test_validate_without_a_file_checks_the_built_in_model_and_takes_its_names():
    """Like `run`, `validate` with no file checks the built-in national model, and a built-in
    model's name stands for its file."""
    res = invoke("validate")
    assert res.exit_code == 0 and "netherlands.toml: valid" in res.stdout and "16 regions" in res.stdout
    named = invoke("validate", "zeeland")
    assert named.exit_code == 0 and "zeeland.toml: valid" in named.stdout and "1 region, 0 events" in named.stdout


def test_cli_script_and_module_run_the_default_model_from_any_folder(tmp_path):
    """`python cli.py` and `python -m csgsim` are one program; the default model is found anywhere."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["run", "-r", "zeeland", "-n", "2", "--workers", "1", "-f", "json"]
    a = subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    b = subprocess.run([sys.executable, "-m", "csgsim", *args], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert a.returncode == 0, a.stderr
    assert json.loads(a.stdout)["regions"] == json.loads(b.stdout)["regions"]


def test_demand_view_prints_counts_and_draws_them(tmp_path):
    """`demand` prints expected and simulated counts per period and writes the plot."""
    png = tmp_path / "z.png"
    res = invoke("demand", "-s", EXAMPLE, "-r", "zeeland", "--from", "2025-01-01", "--to", "2025-03-31",
                 "--by", "month", "-n", 20, "--plot", png)
    assert res.exit_code == 0, res.output
    assert "2025-02-01" in res.stdout and "total" in res.stdout
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_demand_view_rejects_reversed_dates_and_bad_plot_type(tmp_path):
    """Reversed dates and an unknown plot format exit 2 with one line."""
    res = invoke("demand", "-s", EXAMPLE, "-r", "zeeland", "--from", "2025-03-01", "--to", "2025-01-01")
    assert res.exit_code == 2 and "before" in res.stderr
    res = invoke("demand", "-s", EXAMPLE, "-r", "zeeland", "--plot", tmp_path / "x.gif")
    assert res.exit_code == 2 and ".png" in res.stderr


def test_whatif_reports_paired_differences_of_a_dropout():
    """`whatif --absent` runs both arms on the same seeds: the absence moves duties to others."""
    res = invoke("whatif", "-s", EXAMPLE, "-r", "zeeland", "--absent", "zl-cm3:2025-03-01:12w", "-n", 6,
                 "--workers", 1, "-f", "json")
    assert res.exit_code == 0, res.output
    rows = {r["metric"]: r for r in json.loads(res.stdout)}
    assert rows["extra_duties_per_4w"]["diff_mean"] > 0 and rows["extra_duties_per_4w"]["significant"]
    assert rows["acute_reports"]["diff_mean"] == 0  # common random numbers: the same reports


def test_whatif_without_a_dropout_exits_2():
    res = invoke("whatif", "-s", EXAMPLE, "-r", "zeeland")
    assert res.exit_code == 2 and "--absent" in res.stderr


def test_bad_dropout_options_exit_2():
    """A malformed --absent and an unknown person both give one line and exit 2."""
    res = invoke("run", "-s", EXAMPLE, "-n", 1, "--absent", "zl-cm3:2025-3-1:12w")
    assert res.exit_code == 2 and "PERSON:YYYY-MM-DD:N(w|d)" in res.stderr
    res = invoke("run", "-s", EXAMPLE, "-n", 1, "--absent", "nobody:2025-03-01:2w")
    assert res.exit_code == 2 and "zl-cm1" in res.stderr


def test_unwritable_output_folder_exits_2(tmp_path):
    """An --out that cannot be created is one line and exit 2, not a traceback."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    res = invoke("run", "-s", EXAMPLE, "-r", "zeeland", "-n", 1, "--workers", 1, "--out", blocker / "sub", "-f", "csv")
    assert res.exit_code == 2 and "cannot write" in res.stderr


def test_run_plot_draws_the_key_figures(tmp_path):
    """`run --plot` writes a picture of the key figures; rerunning gives the same bytes."""
    pictures = []
    for name in ("a.png", "b.png"):
        res = invoke("run", "-s", EXAMPLE, "-n", 2, "--workers", 1, "-f", "csv", "--plot", tmp_path / name)
        assert res.exit_code == 0, res.output
        pictures.append((tmp_path / name).read_bytes())
    assert pictures[0][:4] == b"\x89PNG" and pictures[0] == pictures[1]


def test_run_loads_no_scipy_nor_matplotlib() -> None:
    """The CLI module and `run --region zeeland -n 1` load neither scipy nor matplotlib: they are
    imported only by the commands that use them (a second of start-up each time otherwise)."""
    code = ("import sys; from typer.testing import CliRunner; from csgsim.ui.cli import app; "
            "loaded = sorted(m for m in ('scipy', 'matplotlib') if m in sys.modules); "
            "r = CliRunner().invoke(app, ['run', '--region', 'zeeland', '-n', '1']); "
            "print(r.exit_code, loaded, sorted(m for m in ('scipy', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0 [] []"
