"""Importing a registration export, timed and measured, printed as figures (no assertions): run with
`python benchmarks/bench_registrations.py` (about a minute; --xlsx adds the large workbook, slow to write).

1. 10,000 synthetic registrations (all optional columns): read, checked and estimated in this
   process (the import's own work), and `csgsim import-registrations` as a user runs it (a fresh
   process: imports and all). Target (issue 20): under 5 s.
2. 1,000,000 rows: refused before a byte is read (the file is over the size limit); the peak
   resident memory of the refusing process is printed. With --xlsx, a workbook of 160,000 rows,
   small enough in bytes to be opened: refused while its rows are streamed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csgsim.calibration import own_demand, own_writer, synthetic  # noqa: E402
from csgsim.calibration.registrations import MAX_ROWS, read_export  # noqa: E402
from csgsim.config import scenario  # noqa: E402

ZEELAND = ROOT / "models" / "zeeland.toml"


def ten_thousand(folder: Path) -> Path:
    """A synthetic Zeeland export of about 10,000 reports over two years (levels scaled up)."""
    data = tomllib.loads(ZEELAND.read_text())
    demand = data["regions"]["zeeland"]["demand"]
    demand["acute"]["level"], demand["non_acute"]["level"] = 2000.0, 2000.0  # 2019; x 1.05^4.5 by 2023-2024
    sc = scenario.parse(data, "bench")
    reports = synthetic.generate(sc, "zeeland", date(2023, 1, 1), date(2024, 12, 31), 1)
    path = folder / "bench-synthetic.csv"
    synthetic.write_export(synthetic.to_frame(reports, "synthetic benchmark"), path)
    return path


def in_process(path: Path) -> tuple[int, float, float]:
    region = own_writer.shipped(scenario.read(ZEELAND)[0], str(ZEELAND), "zeeland")
    t = time.perf_counter()
    reg = read_export(path)
    read = time.perf_counter() - t
    own_demand.estimate(reg, {k: region.demand(k).profile for k in own_demand.KINDS},
                        {k: region.demand(k).seasonality for k in own_demand.KINDS})
    return len(reg), read, time.perf_counter() - t


#: Runs csgsim's entry point and, at exit, prints the process's own peak resident memory (KiB).
PEAK = ("import atexit, resource, sys; atexit.register(lambda: print('peak', "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); "
        "sys.argv = ['csgsim'] + sys.argv[1:]; from csgsim.ui.cli import main; main()")


def run(args: list[str]) -> tuple[float, float, int, str]:
    """Wall time, peak RSS (MiB) and exit code of a fresh `csgsim` process, and its message."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *args], capture_output=True, text=True)
    wall = time.perf_counter() - t
    lines = done.stderr.strip().splitlines()
    peak = next(int(x.split()[1]) for x in lines if x.startswith("peak "))
    said = [x for x in lines if not x.startswith("peak ")] or done.stdout.strip().splitlines()
    return wall, peak / 1024, done.returncode, (said[-1] if said else "")[:150]


def million_rows(folder: Path) -> Path:
    path = folder / "million.csv"
    with path.open("w") as f:
        f.write("id,first_call,type\n")
        for i in range(1_000_000):
            f.write(f"{i},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d} {i % 24:02d}:{i % 60:02d},acute\n")
    return path


def big_workbook(folder: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("reports")
    sheet.append(["id", "first_call", "type"])
    for i in range(MAX_ROWS + 10_000):
        sheet.append([i, f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d} 10:00", "acute"])
    path = folder / "big.xlsx"
    book.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--xlsx", action="store_true", help="also write and import a 160,000-row workbook")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = ten_thousand(folder)
        n, read, total = in_process(path)
        print(f"10k: {n:,} reports read and checked in {read:.2f} s, estimated by {total:.2f} s (in process)")
        wall, peak, code, _ = run(["import-registrations", str(path), "-s", str(ZEELAND), "-r", "zeeland",
                                   "--out", str(folder / "own.toml")])
        print(f"10k: csgsim import-registrations (fresh process, --out): {wall:.2f} s, peak RSS {peak:.0f} MiB, "
              f"exit {code}")
        big = million_rows(folder)
        wall, peak, code, last = run(["import-registrations", str(big), "-s", str(ZEELAND), "-r", "zeeland"])
        print(f"1M rows ({big.stat().st_size / 2**20:.0f} MiB): exit {code} in {wall:.2f} s, peak RSS of the "
              f"process {peak:.0f} MiB: {last}")
        if args.xlsx:
            book = big_workbook(folder)
            wall, peak, code, last = run(["import-registrations", str(book), "-s", str(ZEELAND), "-r", "zeeland"])
            print(f"{MAX_ROWS + 10_000:,}-row .xlsx ({book.stat().st_size / 2**20:.1f} MiB): exit {code} in "
                  f"{wall:.2f} s, peak RSS {peak:.0f} MiB: {last}")


if __name__ == "__main__":
    main()
