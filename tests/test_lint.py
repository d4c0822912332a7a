"""Static checks that run with the suite, so a wrong name fails CI before any run reaches it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_undefined_or_unused_names():
    """ruff's pyflakes rules (F) pass on the package, the tests and the benchmarks: no undefined
    name, no unused import or variable, no shadowed import, no f-string without a placeholder."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff is not None, "ruff is a dev dependency: pip install -e '.[dev]'"
    done = subprocess.run([ruff, "check", "--no-cache", "--select", "F", "csgsim", "tests", "benchmarks"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
