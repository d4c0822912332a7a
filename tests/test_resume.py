"""Issue 22: `run` resumes after a crash with the uninterrupted result, and no worker outlives
its parent. The crash is a SIGKILL at a known point (after N batches: runfolder.STOP_AFTER_BATCHES)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from csgsim.ui.cli import app
from tests.test_interrupts import wait_for
from tests.test_outputs import hidden_leftovers, small_model


def csgsim(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "csgsim", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.name: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_run_killed_halfway_and_resumed_equals_an_uninterrupted_run(tmp_path, workers):
    """SIGKILL after two batches, then --resume: every table equals an uninterrupted run's, exactly."""
    model = small_model(tmp_path)
    args = ["run", "-s", str(model), "-n", "8", "--seed", "3", "--workers", workers, "-f", "csv"]
    whole = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "whole")])
    assert whole.exit_code == 0, whole.output
    killed = csgsim([*args, "--out", "cut"], tmp_path, {"CSGSIM_TEST_STOP_AFTER_BATCHES": "2"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    kept = list((tmp_path / ".cut.csgsim-partial" / "batches").glob("*.pkl"))
    done = sum(int(f.stem.split("-")[2]) - int(f.stem.split("-")[1]) + 1 for f in kept)
    assert 0 < done < 8 and not (tmp_path / "cut").exists()
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "cut")])
    assert res.exit_code == 2 and "--resume" in res.stderr  # kept batches are not dropped silently
    resumed = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "cut"), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert resumed.stdout == whole.stdout
    a, b = tables(tmp_path / "whole"), tables(tmp_path / "cut")
    assert a.keys() == b.keys() and "reports.parquet" in a
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
    assert hidden_leftovers(tmp_path) == []


def test_resume_refuses_another_runs_batches(tmp_path):
    """Kept batches of another seed are not mixed in: --resume names the difference (exit 2)."""
    model = small_model(tmp_path)
    args = ["run", "-s", str(model), "-n", "4", "--workers", "1", "-f", "csv", "--out", "cut"]
    assert csgsim([*args, "--seed", "1"], tmp_path, {"CSGSIM_TEST_STOP_AFTER_BATCHES": "1"}).returncode < 0
    res = CliRunner().invoke(app, [*args[:-1], str(tmp_path / "cut"), "--seed", "2", "--resume"])
    assert res.exit_code == 2 and "seed = 1" in res.stderr and "refusing to resume" in res.stderr


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == pid and state != "Z":
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return int(fields[11]) / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.timeout(120)
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT])
def test_no_worker_outlives_its_parent(tmp_path, signum):
    """Repro: after kill -9 of an experiment its pool workers ran on for minutes. Each worker here
    holds a batch of a minute or more; 5 s after SIGKILL (or Ctrl-C) of the parent none is alive."""
    exp = tmp_path / "exp.toml"
    exp.write_text('[experiment]\nname = "t"\nscenario = "netherlands"\nreplications = 1000\n'
                   '[[variants]]\nname = "fewer"\nset = { team_delta = -1 }\n')
    proc = subprocess.Popen([sys.executable, "-m", "csgsim", "experiment", str(exp), "--workers", "2",
                             "--batch-size", "500", "--out", "run"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # no pipe a worker holds
    workers: list[int] = []
    try:
        wait_for(proc, lambda: len(children(proc.pid)) >= 2)
        workers = children(proc.pid)
        wait_for(proc, lambda: all(cpu_seconds(pid) > 1.0 for pid in workers), 90)  # computing their batches
        proc.send_signal(signum)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 5.0  # none alive within 5 s: looked at until then, not slept through
        while [pid for pid in workers if alive(pid)] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in workers if alive(pid)] == []
    finally:  # the test's own processes: never left running, whatever happened
        for pid in [proc.pid, *workers]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait()
