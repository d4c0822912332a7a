"""Outputs never destroy what csgsim did not write: one atomic writer, safe --out, one writer per folder."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from csgsim.core import atomic
from csgsim.runtime import runfolder
from csgsim.runtime.runfolder import digest
from csgsim.ui.cli import app
from tests.conftest import ROOT
from tests.test_golden import GOLDEN_ZEELAND

ZEELAND = ROOT / "models" / "zeeland.toml"


def small_model(tmp_path: Path) -> Path:
    """Zeeland cut to four weeks without warm-up: a run costs well under a second."""
    text = ZEELAND.read_text().replace("days = 365", "days = 28")
    text = text.replace("warmup_days = { value = 28", "warmup_days = { value = 0")
    path = tmp_path / "small.toml"
    path.write_text(text)
    return path


def run_out(tmp_path: Path, out: Path, *extra: str):
    args = ["run", "-s", str(small_model(tmp_path)), "-n", "1", "--workers", "1", "-f", "csv", "--out", str(out)]
    return CliRunner().invoke(app, [*args, *extra])


def hidden_leftovers(folder: Path) -> list[str]:
    """Hidden entries: temporaries, kept batches, lock files (issue 22: none should stay)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_out_refuses_a_folder_with_a_users_file(tmp_path):
    """--out into a non-empty folder that is not a csgsim run folder: exit 2, the user's file intact."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    res = run_out(tmp_path, out)
    assert res.exit_code == 2 and "not a csgsim run folder" in res.stderr
    assert [p.name for p in out.iterdir()] == ["thesis.docx"] and (out / "thesis.docx").read_text() == "years of work"
    assert hidden_leftovers(tmp_path) == []


def test_out_refuses_an_existing_file(tmp_path):
    """--out naming a file: exit 2, the file unchanged and not moved aside."""
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    res = run_out(tmp_path, target)
    assert res.exit_code == 2 and "not a folder" in res.stderr
    assert target.read_text() == "keep me" and hidden_leftovers(tmp_path) == []


def test_out_replaces_an_earlier_run_only_with_overwrite(tmp_path):
    """A second run into a run folder needs --overwrite; a foreign file in it blocks even that."""
    out = tmp_path / "res"
    assert run_out(tmp_path, out).exit_code == 0
    first = json.loads((out / "manifest.json").read_text())
    assert first["kind"] == "csgsim run output" and "reports.parquet" in first["files"]
    res = run_out(tmp_path, out)
    assert res.exit_code == 2 and "--overwrite" in res.stderr
    assert run_out(tmp_path, out, "--overwrite").exit_code == 0
    (out / "my-notes.txt").write_text("mine")
    res = run_out(tmp_path, out, "--overwrite")
    assert res.exit_code == 2 and "my-notes.txt" in res.stderr and (out / "my-notes.txt").read_text() == "mine"
    assert hidden_leftovers(tmp_path) == []


def test_outputs_follow_the_umask(tmp_path):
    """Folders and files get 0777/0666 less the umask (not mkdtemp's private 0700)."""
    old = os.umask(0o027)
    try:
        assert run_out(tmp_path, tmp_path / "res").exit_code == 0
        assert CliRunner().invoke(app, ["run", "-s", str(small_model(tmp_path)), "-n", "1", "--workers", "1",
                                        "-f", "csv", "--plot", str(tmp_path / "p.png")]).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "res").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "res" / "reports.parquet").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "p.png").stat().st_mode) == 0o640


def test_atomic_writer_has_no_process_wide_side_effects(tmp_path, monkeypatch):
    """The writer never touches the umask (a process-wide setting) and fsyncs file and folder."""
    def forbidden(*_):
        raise AssertionError("os.umask called")

    synced = []
    monkeypatch.setattr(os, "umask", forbidden)
    monkeypatch.setattr(atomic, "fsync", lambda p: synced.append(Path(p)))
    atomic.write_text(tmp_path / "a.txt", "x")
    assert (tmp_path / "a.txt").read_text() == "x"
    assert synced[-1] == tmp_path and synced[0].name.endswith(atomic.TAG)


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path):
    """A writer that fails half-way (here: raises) leaves the old file as it was and no temporary."""
    target = tmp_path / "model.toml"
    target.write_text("old")

    def half(p: Path) -> None:
        p.write_text("ne")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic.write_file(target, half)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["model.toml"]


def dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_stale_temporaries_of_killed_writers_are_removed(tmp_path):
    """Leftovers of a writer that no longer runs go at the next write of the same target;
    those of a live writer stay."""
    dead, live = dead_pid(), os.getppid()
    stale = tmp_path / f".res.{dead}.0badc0de.{atomic.TAG}"
    stale.mkdir()
    (stale / "reports.parquet").write_text("half")
    busy = tmp_path / f".res.{live}.0badc0de.{atomic.TAG}"
    busy.mkdir()
    assert run_out(tmp_path, tmp_path / "res").exit_code == 0
    assert not stale.exists() and busy.exists()


def test_second_writer_of_a_folder_is_refused(tmp_path):
    """While one process holds a run folder, run --out and experiment --resume into it exit 2."""
    out = tmp_path / "res"
    held = runfolder.lock(out)
    try:
        res = run_out(tmp_path, out)
        assert res.exit_code == 2 and "in use by another csgsim run" in res.stderr
        res = CliRunner().invoke(app, ["experiment", str(ROOT / "experiments" / "dropout.toml"), "-n", "1",
                                       "--workers", "1", "--resume", "--out", str(out)])
        assert res.exit_code == 2 and "in use by another csgsim run" in res.stderr
    finally:
        held.release()
    assert not out.exists() or not any(out.iterdir())
    assert run_out(tmp_path, out).exit_code == 0  # released: the folder is free again


def test_streamed_records_equal_the_pinned_results(tmp_path):
    """Records streamed batch by batch over two workers (finishing in any order) equal the pinned
    in-memory tables of the golden test, value for value and type for type."""
    out = tmp_path / "res"
    res = CliRunner().invoke(app, ["run", "-s", str(ZEELAND), "-n", "3", "--seed", "11", "--workers", "2",
                                   "-f", "csv", "--out", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("reports", "tasks", "callouts"):
        assert digest(pd.read_parquet(out / f"{name}.parquet")) == GOLDEN_ZEELAND[name], name


def test_summaries_from_arrays_equal_summaries_of_long_tables():
    """Region and person summaries computed from the per-replication arrays equal, bit for bit,
    those of the long tables (mean, clipped CI, n) for a run with missing values."""
    from csgsim.analysis.metrics import PERSON_METRICS, REGION_METRICS
    from csgsim.analysis.summary import summarise
    from csgsim.config import scenario as scenario_mod
    from csgsim.runtime import replications

    res = replications.run(scenario_mod.load(ROOT / "models" / "three-regions.toml"), 4, seed=3, workers=1)
    norms = {"acute_contact": res.scenario.norms.acute_contact_minutes,
             "acute_attendance": res.scenario.norms.acute_attendance_minutes}
    assert res.region_summary().equals(summarise(res.region_long, ["region"], REGION_METRICS, res.delays, res.seed,
                                                 norms))
    assert res.person_summary().equals(summarise(res.person_long, ["region", "person", "role"], PERSON_METRICS))


def test_per_replication_tables_written_in_parts_equal_the_long_tables(tmp_path):
    """replications_*.parquet, written a few replications at a time, read back equal to the long tables."""
    from csgsim.config import scenario as scenario_mod
    from csgsim.runtime import replications
    from csgsim.runtime.streaming import write_in_parts

    res = replications.run(scenario_mod.load(small_model(tmp_path)), 5, seed=2, workers=1)
    write_in_parts(tmp_path / "r.parquet", res.person_rows, res.replications, step=2)
    assert digest(pd.read_parquet(tmp_path / "r.parquet")) == digest(res.person_long)


def test_single_file_outputs_never_replace_folders_or_devices(tmp_path):
    """--plot naming a folder exits 2 and leaves it; the writer refuses /dev/null (as root a rename
    would replace the device itself)."""
    from csgsim.core.errors import OutputError

    folder = tmp_path / "p.png"
    folder.mkdir()
    (folder / "mine").write_text("x")
    res = CliRunner().invoke(app, ["run", "-s", str(small_model(tmp_path)), "-n", "1", "--workers", "1", "-f", "csv",
                                   "--plot", str(folder)])
    assert res.exit_code == 2 and "is not a file" in res.stderr and (folder / "mine").read_text() == "x"
    with pytest.raises(OutputError):
        atomic.write_text("/dev/null", "x")
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize("name", [".", "..", "/", "CWD"])
def test_out_never_names_the_current_folder_or_above(tmp_path, monkeypatch, name):
    """--out ., .., / or the current folder's own path: exit 2, nothing replaced (even if empty)."""
    here = tmp_path / "empty"
    here.mkdir()
    monkeypatch.chdir(here)
    res = run_out(tmp_path, Path(str(here) if name == "CWD" else name))
    assert res.exit_code == 2 and "current folder" in res.stderr
    assert here.is_dir() and list(here.iterdir()) == []


def test_an_older_run_folder_without_a_file_list_is_not_replaced(tmp_path):
    """A run folder from before manifests listed their files cannot be told from a user's files:
    --overwrite refuses it with a reason and leaves it whole."""
    out = tmp_path / "old"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"csgsim_version": "0.1.0", "seed": 1}))
    (out / "reports.parquet").write_bytes(b"PAR1")
    with pytest.raises(runfolder.RunFolderError, match="older csgsim"):
        runfolder.check_target(out, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "reports.parquet"]
