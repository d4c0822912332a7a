"""Ctrl-C and SIGTERM: one line saying what was kept and how to go on; exit 130 and 143."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_outputs import small_model


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "csgsim", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def wait_for(proc: subprocess.Popen, ready, limit: float = 60.0) -> None:
    """Poll until `ready()` (the command is under way), failing if the command ended first."""
    end = time.monotonic() + limit
    while not ready():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < end, "the command never got under way"
        time.sleep(0.05)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_keeps_its_batches_and_says_how_to_resume(tmp_path, signum, code):
    """A run stopped half-way prints one line naming the kept batches and the --resume command,
    exits 128+signal, leaves --out untouched (an earlier result there would be intact), no
    staging folder and no lock file."""
    model = small_model(tmp_path)
    proc = start(["run", "-s", str(model), "-n", "100000", "--workers", "1", "--out", "res"], tmp_path)
    kept = tmp_path / ".res.csgsim-partial" / "batches"
    wait_for(proc, lambda: kept.is_dir() and len(list(kept.glob("[!.]*.pkl"))) >= 2)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    count = len(list(kept.glob("*.pkl")))
    assert err.strip().splitlines() == [f"interrupted: {count} finished batches are kept in .res.csgsim-partial; "
                                        f"complete the run with: csgsim run -s {model} -n 100000 --workers 1 "
                                        "--out res --resume"]
    assert count >= 2 and not (tmp_path / "res").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [".res.csgsim-partial"]


@pytest.mark.timeout(120)
def test_interrupted_experiment_says_what_was_kept_and_how_to_resume(tmp_path):
    """An experiment stopped after some batches names how many are kept and the --resume command."""
    model = small_model(tmp_path)
    exp = tmp_path / "exp.toml"
    exp.write_text(f'[experiment]\nname = "t"\nscenario = "{model.as_posix()}"\nreplications = 100000\n'
                   '[[variants]]\nname = "fewer"\nset = { team_delta = -1 }\n')
    proc = start(["experiment", str(exp), "--workers", "1", "--batch-size", "2", "--out", "run"], tmp_path)
    wait_for(proc, lambda: len(list((tmp_path / "run" / "batches").glob("[!.]*.parquet"))) >= 2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    kept = len(list((tmp_path / "run" / "batches").glob("*.parquet")))
    assert err.strip().splitlines()[-1] == (f"interrupted: {kept} finished batches are kept in run; complete the "
                                            f"run with: csgsim experiment {exp} --resume --out run")
