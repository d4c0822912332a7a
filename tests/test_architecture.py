"""The layering of the package is enforced: a wrong-way import fails the suite.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter checks them on the
import graph, including imports inside functions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c; "
                           "sys.argv = ['lint-imports', '--no-cache']; c()"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_contracts_are_kept() -> None:
    """Every layer imports only the layers below it, and only ui imports rich, typer or matplotlib."""
    res = lint(ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 broken" in res.stdout


@pytest.mark.parametrize("module, line", [
    ("csgsim/core/_wrong.py", "from csgsim.model import pathways\n"),
    ("csgsim/analysis/_wrong.py", "def f():\n    import rich\n"),
])
def test_a_wrong_way_import_is_caught(tmp_path: Path, module: str, line: str) -> None:
    """A copy of the package with one wrong-way import (even inside a function) breaks a contract."""
    shutil.copytree(ROOT / "csgsim", tmp_path / "csgsim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / module).write_text(line)
    res = lint(tmp_path)
    assert res.returncode != 0
    assert "1 broken" in res.stdout


def test_no_module_imports_itself_back() -> None:
    """No import cycle at run time (imports for type checking aside): the command modules
    register on `ui.app`, and only `ui.cli` imports them."""
    import grimp

    graph = grimp.build_graph("csgsim", exclude_type_checking_imports=True)
    cycles = sorted((m, n) for m in graph.modules for n in graph.find_modules_directly_imported_by(m)
                    if graph.find_shortest_chain(importer=n, imported=m))
    assert cycles == []
