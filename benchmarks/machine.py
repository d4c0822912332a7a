"""The machine a benchmark runs on, printed beside its figures so that a figure quoted in the
README can name it: CPU model, architecture, cores this process may use, Python, and the load
(the machine may be shared, which slows wall time)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """E.g. 'AMD EPYC (x86_64), 2 cores, Python 3.11.7, load 2.1'."""
    info = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in info.read_text().splitlines()
             if line.startswith("model name")] if info.exists() else []
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = f", load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (f"{names[0] if names else platform.processor() or 'unknown CPU'} ({platform.machine()}), {cores} cores, "
            f"Python {platform.python_version()}{load}")
