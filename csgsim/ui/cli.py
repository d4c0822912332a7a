"""The `csgsim` command line: the app with every command registered on it.

Heavy modules are imported inside the commands that need them. Every error that is the input's
fault prints one line naming the file, key and value and exits with code 2; no traceback.
"""

from __future__ import annotations

from csgsim.ui import capacity_cli, demand_cli, registrations_cli, rota_cli, run_cli, sizing_cli  # noqa: F401  (they register their commands)
from csgsim.ui.app import app
from csgsim.ui.interrupts import guarded

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point: Ctrl-C and SIGTERM say what was kept (see `interrupts`)."""
    guarded(app)
