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
def test_interrupted_run_says_nothing_was_written_and_leaves_nothing(tmp_path, signum, code):
    """A run stopped half-way prints one line naming the untouched --out folder, exits 128+signal,
    and leaves no staging folder (an earlier result there would be intact)."""
    model = small_model(tmp_path)
    proc = start(["run", "-s", str(model), "-n", "100000", "--workers", "1", "--out", "res"], tmp_path)
    wait_for(proc, lambda: any(p.name.endswith("csgsim-tmp") for p in tmp_path.iterdir()))
    time.sleep(0.3)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    lines = err.strip().splitlines()
    assert lines == ["interrupted: nothing was written to res: results are written only when every "
                     "replication has finished; run the command again"]
    assert not (tmp_path / "res").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith("csgsim-tmp")]


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
