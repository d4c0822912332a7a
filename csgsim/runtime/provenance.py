"""Provenance: what a result depends on, recorded next to it (seed, scenario, versions, command)."""

from __future__ import annotations

import platform
import sys
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from csgsim import __version__
from csgsim.runtime.replications import RunResult


def versions() -> dict[str, str]:
    """The versions a result depends on: numpy does not promise the same streams across releases."""
    import numpy
    import simpy

    return {
        "csgsim_version": __version__,
        "numpy_version": numpy.__version__,
        "simpy_version": simpy.__version__,
        "pandas_version": pd.__version__,
        "python_version": platform.python_version(),
    }


def manifest(result: RunResult, command: list[str] | None = None) -> dict[str, Any]:
    """What is needed to reproduce a result: seed, scenario, versions, command line."""
    sc = result.scenario
    return {
        **versions(),
        "scenario_name": sc.name,
        "scenario_file": sc.source,
        "scenario_sha256": sc.digest,
        "regions": list(sc.regions),
        "start": sc.start.isoformat(),
        "days": sc.days,
        "seed": result.seed,
        "replications": result.replications,
        "command": command if command is not None else sys.argv,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }

