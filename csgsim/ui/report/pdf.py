"""The report's PDF: the HTML page printed by headless Chromium (Debian's `chromium` package), so
the PDF has exactly the HTML's content. `CSGSIM_CHROMIUM` names another binary."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from csgsim.core import atomic
from csgsim.ui.formatting import PLAIN

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage")


def chromium() -> str | None:
    """The Chromium binary to use, or None when none is installed."""
    given = os.environ.get("CSGSIM_CHROMIUM")
    if given:
        return shutil.which(given) or (given if Path(given).is_file() else None)
    return next((p for p in map(shutil.which, CANDIDATES) if p), None)


def print_pdf(html: Path, pdf: Path, timeout: float = 120.0) -> None:
    """Print `html` to `pdf` (A4, no header or footer) through the atomic writer; RuntimeError
    when Chromium is missing, fails or takes longer than `timeout` seconds."""
    binary = chromium()
    if binary is None:
        raise RuntimeError("no Chromium found (install Debian's chromium package, or set CSGSIM_CHROMIUM)")

    def write(tmp: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="csgsim-chromium-") as profile:
            try:
                done = subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                                       f"--print-to-pdf={tmp}", html.resolve().as_uri()],
                                      capture_output=True, text=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                raise RuntimeError(f"Chromium did not print {html.name} within {PLAIN.seconds(timeout)}") from None
        if done.returncode != 0 or tmp.stat().st_size == 0:
            raise RuntimeError(f"Chromium could not print {html.name} (exit {done.returncode}): {done.stderr[-500:]}")

    atomic.write_file(pdf, write)
