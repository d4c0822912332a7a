"""The public Python API: the README's Python examples run, and the path stays light."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import csgsim
from tests.conftest import ROOT

PYTHON_EXAMPLES = re.findall(r"^```python\n(.*?)^```", (ROOT / "README.md").read_text(), flags=re.M | re.S)


def test_readme_has_a_python_example() -> None:
    """The README shows the notebook path."""
    assert PYTHON_EXAMPLES


@pytest.mark.parametrize("code", PYTHON_EXAMPLES)
def test_readme_python_example_runs(code: str, tmp_path, monkeypatch) -> None:
    """Each Python block of the README runs as written, from any folder (its asserts included)."""
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})


def test_the_api_imports_no_presentation_library() -> None:
    """Loading and running a scenario imports neither rich, Typer nor matplotlib."""
    code = ("import sys, csgsim; r = csgsim.run(csgsim.load('zeeland.toml'), replications=1); "
            "print(sorted(m for m in ('rich', 'typer', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_load_defaults_to_the_netherlands_model() -> None:
    """No argument: the built-in 16-region model."""
    assert len(csgsim.load().regions) == 16


def test_run_gives_the_same_figures_as_the_runtime() -> None:
    """The API is a thin door: same seed, same per-replication table as the runtime's run."""
    from csgsim.runtime import replications

    sc = csgsim.load("zeeland.toml")
    a = csgsim.run(sc, replications=2, seed=3).region_long
    b = replications.run(sc, replications=2, seed=3, workers=1).region_long
    assert a.equals(b)
