"""Issue 22, ownership: csgsim replaces only what it wrote, leaves no lock files, and writes a
single output file only where asked (no overwrite without --overwrite, no folders made)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from csgsim.runtime import runfolder
from csgsim.ui.cli import app
from tests.conftest import ROOT
from tests.test_outputs import hidden_leftovers, run_out, small_model

COUNTS = ROOT / "calibration" / "csg_public_figures.csv"


def test_overwrite_refuses_a_users_file_in_the_batches_subfolder(tmp_path):
    """Repro: a user's file in X/batches/ of a run folder blocks --overwrite (exit 2), and stays."""
    out = tmp_path / "X"
    assert run_out(tmp_path, out).exit_code == 0
    (out / "batches").mkdir()
    (out / "batches" / "mine.txt").write_text("mine")
    res = run_out(tmp_path, out, "--overwrite")
    assert res.exit_code == 2 and "batches/mine.txt" in res.stderr, res.output
    assert (out / "batches" / "mine.txt").read_text() == "mine"
    assert hidden_leftovers(tmp_path) == []


NAME = st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=12).filter(
    lambda n: n not in (".", ".."))


@settings(max_examples=25, deadline=None)
@given(parts=st.lists(NAME, min_size=1, max_size=3), folder=st.sampled_from(["", "batches", "batches/delays"]))
def test_any_path_inside_a_run_folder_not_written_by_csgsim_is_foreign(tmp_path_factory, parts, folder):
    """Wherever a user's file lies in a run folder (top level or any subfolder), ownership names it;
    csgsim's own batch files and listed tables are never foreign."""
    path = tmp_path_factory.mktemp("own")
    manifest = {"files": ["summary_regions.parquet"], "tables": []}
    (path / "batches" / "delays").mkdir(parents=True)
    (path / "summary_regions.parquet").write_bytes(b"")
    (path / "batches" / "0000-0000000-0000003.parquet").write_bytes(b"")
    (path / "batches" / "delays" / "0000-0000000-0000003.parquet").write_bytes(b"")
    assert runfolder.foreign_entries(path, manifest) == []
    user = path / folder / Path(*parts)
    if user.exists() or runfolder._owned((*Path(folder, *parts).parts,), False, set(manifest["files"])):
        return  # the drawn name is one of csgsim's own
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("mine")
    found = runfolder.foreign_entries(path, manifest)
    assert found and any(Path(folder, *parts).as_posix().startswith(f.rstrip("/")) for f in found), found


def test_lock_files_are_removed_after_a_run_and_after_a_refusal(tmp_path):
    """Repro: every finished or refused output left a .NAME.csgsim-lock beside it."""
    out = tmp_path / "res"
    assert run_out(tmp_path, out).exit_code == 0
    assert run_out(tmp_path, out).exit_code == 2  # refused: needs --overwrite
    assert hidden_leftovers(tmp_path) == []


def test_a_removed_lock_is_not_shared(tmp_path):
    """A lock taken after the holder released (and removed) it is a new, exclusive one."""
    first = runfolder.lock(tmp_path / "res")
    first.release()
    second = runfolder.lock(tmp_path / "res")
    try:
        try:
            runfolder.lock(tmp_path / "res")
        except runfolder.RunFolderError as exc:
            assert "in use by another csgsim run" in str(exc)
        else:
            raise AssertionError("two holders of one lock")
    finally:
        second.release()
    assert hidden_leftovers(tmp_path) == []


def run_plot(tmp_path: Path, plot: Path, *extra: str):
    args = ["run", "-s", str(small_model(tmp_path)), "-n", "1", "--workers", "1", "-f", "csv", "--plot", str(plot)]
    return CliRunner().invoke(app, [*args, *extra])


def test_plot_never_overwrites_without_overwrite_nor_makes_folders(tmp_path):
    """Repro: --plot FILE replaced an existing file and created missing parent folders."""
    mine = tmp_path / "mine.png"
    mine.write_bytes(b"my picture")
    res = run_plot(tmp_path, mine)
    assert res.exit_code == 2 and "--overwrite" in res.stderr and mine.read_bytes() == b"my picture"
    assert run_plot(tmp_path, mine, "--overwrite").exit_code == 0 and mine.read_bytes() != b"my picture"
    res = run_plot(tmp_path, tmp_path / "new" / "folders" / "p.png")
    assert res.exit_code == 2 and "does not exist" in res.stderr and not (tmp_path / "new").exists()


def test_calibrate_out_and_levels_never_overwrite_nor_make_folders(tmp_path):
    """Repro: calibrate --out/--levels replaced existing files and created missing folders."""
    model = tmp_path / "model.toml"
    model.write_text("mine")
    res = CliRunner().invoke(app, ["calibrate", str(COUNTS), "--out", str(model)])
    assert res.exit_code == 2 and "--overwrite" in res.stderr and model.read_text() == "mine"
    res = CliRunner().invoke(app, ["calibrate", str(COUNTS), "--levels", str(tmp_path / "no" / "levels.csv")])
    assert res.exit_code == 2 and "does not exist" in res.stderr and not (tmp_path / "no").exists()
    res = CliRunner().invoke(app, ["calibrate", str(COUNTS), "--out", str(model), "--overwrite"])
    assert res.exit_code == 0 and model.read_text().startswith(("#", "["))


def test_options_that_need_out_are_refused_without_it(tmp_path):
    """Repro: --csv, --overwrite, --no-records (and --resume) were ignored without --out."""
    for option in ("--csv", "--overwrite", "--no-records", "--resume"):
        res = CliRunner().invoke(app, ["run", "-s", str(small_model(tmp_path)), "-n", "1", "--workers", "1",
                                       "-f", "csv", option])
        assert res.exit_code == 2 and f"{option} only applies with --out" in res.stderr, (option, res.output)
    res = CliRunner().invoke(app, ["calibrate", str(COUNTS), "--overwrite"])
    assert res.exit_code == 2 and "--overwrite only applies with --out or --levels" in res.stderr
