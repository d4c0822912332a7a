"""Issue 22: every numeric option is bounded in one place (ui/app.py) with the bound in --help;
--workers is capped with a note; a scheduler address is parsed and refused cleanly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from csgsim.runtime.executors import BackendError, check_scheduler
from csgsim.ui import app as app_mod
from csgsim.ui.cli import app
from tests.conftest import ROOT
from tests.test_outputs import small_model

runner = CliRunner()


COUNTS = str(ROOT / "calibration" / "csg_public_figures.csv")


@pytest.mark.parametrize("line", [["run"], ["costs"], ["report", "--out", "r"], ["whatif"], ["demand", "-r", "x"],
                                  ["roster"], ["experiment", str(ROOT / "experiments" / "dropout.toml")],
                                  ["calibrate", COUNTS], ["backtest", COUNTS, "--until", "2019"]])
def test_replications_above_the_bound_are_refused_with_the_bound_in_help(line):
    """Repro: costs -n 1000000000 and report -n 1000000000 were accepted and ran until killed."""
    res = runner.invoke(app, [*line, "-n", "1000000000"], env={"COLUMNS": "250"})
    assert res.exit_code == 2 and "less than or equal to 1000000" in res.output, res.output
    help_text = runner.invoke(app, [line[0], "--help"], env={"COLUMNS": "250"}).output
    assert f"<={app_mod.MAX_REPLICATIONS}" in help_text


def test_workers_are_capped_at_a_multiple_of_the_cores_with_a_note(tmp_path, monkeypatch):
    """Repro: --workers 1024 started 1,024 processes for 2 replications."""
    monkeypatch.setattr(app_mod, "cores", lambda: 1)
    started = []
    import csgsim.runtime.executors as executors

    real = executors.process_pool
    monkeypatch.setattr(executors, "process_pool", lambda n: started.append(n) or real(n))
    res = runner.invoke(app, ["run", "-s", str(small_model(tmp_path)), "-n", "2", "--workers", "1024", "-f", "csv"])
    assert res.exit_code == 0, res.output
    assert "--workers 1024 is more than 4 per core; using 4" in res.stderr and started == [4]


@pytest.mark.parametrize("address", ["tcp://", "tcp://[::1", "tcp://:", "tcp://host", "tcp://host:99999",
                                     "nowhere", "http://host:1"])
def test_malformed_scheduler_addresses_are_one_line_errors(address):
    """Repro: --scheduler tcp:// (also tcp://[::1 and tcp://:) ended in a ValueError traceback."""
    res = runner.invoke(app, ["run", "-n", "1", "--scheduler", address])
    assert res.exit_code == 2 and res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert res.stderr.startswith("error: --scheduler") and "tcp://HOST:PORT" in res.stderr


@settings(max_examples=200, deadline=None)
@given(address=st.one_of(st.text(max_size=30), st.builds(lambda s, h: f"{s}://{h}", st.sampled_from(
    ["tcp", "tls", "ws", "inproc", "x"]), st.text(max_size=20))))
def test_any_scheduler_address_is_accepted_or_refused_with_a_backend_error(address):
    """Whatever the text, the parser accepts it or raises BackendError; nothing else escapes."""
    try:
        assert check_scheduler(address) == address
    except BackendError as exc:
        assert "expected 'local' or an address like tcp://HOST:PORT" in str(exc)
