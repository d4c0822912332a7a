"""Outputs: terminal tables, JSON, CSV and Parquet files with a manifest, written atomically."""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .replications import RunResult

#: Terminal tables: (title, [(metric, heading)]); kept to six columns so 80 columns suffice.
TABLES = [
    ("Acute delays", [
        ("acute_reports", "acute/run"),
        ("acute_contact_p50", "contact p50 min"),
        ("acute_contact_p95", "contact p95 min"),
        ("acute_contact_within_norm", "contact in norm"),
        ("acute_attendance_p90", "on site p90 min"),
        ("acute_answered_by_backup", "to backup"),
    ]),
    ("Non-acute intake and watchful waiting", [
        ("non_acute_reports", "non-acute/run"),
        ("intake_wait_mean", "intake wait d"),
        ("intake_wait_p90", "wait p90 d"),
        ("intake_within_norm", "intake in norm"),
        ("followup_on_time", "follow-ups on time"),
    ]),
    ("Casemanager load (per casemanager)", [
        ("duties_per_4w", "duties /4wk"),
        ("callouts_per_duty", "call-outs /duty"),
        ("night_callouts_per_16w", "nights /16wk"),
        ("csg_hours_vs_contract", "h / contract"),
        ("active_caseload", "caseload"),
        ("heavy_week_share", "weeks 5+"),
    ]),
    ("Absence, working-time rules and coverage", [
        ("absent_share", "absent"),
        ("extra_duties_per_4w", "taken over /4wk"),
        ("max_oncall_days_per_4w", "max on-call days /4wk"),
        ("rule_breaches", "rule breaches"),
        ("backup_only_hours", "backup-only h"),
        ("gap_hours", "gap h"),
        ("acute_in_gap", "acute in gap"),
    ]),
]


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


def format_value(value: float, unit: str) -> str:
    """A figure with as many digits as a table needs; shares as percentages."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "share":
        return f"{100 * value:.0f}%" if abs(value) >= 0.1 or value == 0 else f"{100 * value:.1f}%"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _cell(row: pd.Series) -> str:
    """Mean \u00b1 half the 95% CI (the interval is symmetric before clipping)."""
    mean, lo, hi = row["mean"], row["ci_low"], row["ci_high"]
    if math.isnan(mean):
        return "-"
    half = max(mean - lo, hi - mean)
    if math.isclose(half, 0.0, abs_tol=1e-12):
        return format_value(mean, row["unit"])
    return f"{format_value(mean, row['unit'])} \u00b1{format_value(half, row['unit'])}"


def print_tables(result: RunResult, console: Any) -> None:
    """Three tables, one row per region: acute delays, non-acute work, load and coverage."""
    from rich.table import Table

    summary = result.region_summary().set_index(["region", "metric"])
    names = {rid: r.name for rid, r in result.scenario.regions.items()}
    sc = result.scenario
    caption = (f"{sc.name}: {sc.start} + {sc.days} days, {result.replications} replications, "
               f"seed {result.seed}. Mean \u00b1 95% CI half-width over replications.")
    for k, (title, columns) in enumerate(TABLES):
        table = Table(title=title, caption=caption if k == len(TABLES) - 1 else None)
        table.add_column("region")
        for _, heading in columns:
            table.add_column(heading, justify="right")
        for rid in sc.regions:
            table.add_row(names[rid], *[_cell(summary.loc[(rid, m)]) for m, _ in columns])
        console.print(table)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records", double_precision=10))


def to_json(result: RunResult, command: list[str] | None = None) -> str:
    payload = {
        "manifest": manifest(result, command),
        "regions": _records(result.region_summary()),
        "casemanagers": _records(result.person_summary()),
    }
    return json.dumps(payload, indent=2)


def write_outputs(result: RunResult, out_dir: Path, csv: bool = False, command: list[str] | None = None) -> list[Path]:
    """Write summary, per-casemanager and per-report tables plus a manifest, atomically.

    Everything goes to a temporary folder beside `out_dir` that replaces it in one rename, so
    a reader never sees half a result and an interrupted write leaves the old one intact.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        tables = {
            "summary_regions": result.region_summary(),
            "summary_casemanagers": result.person_summary(),
            "replications_regions": result.region_long,
            "replications_casemanagers": result.person_long,
        }
        if result.records is not None:
            tables.update(result.records)
        for name, df in tables.items():
            df.to_parquet(tmp / f"{name}.parquet", index=False, compression="zstd")
        if csv:
            for name in ("summary_regions", "summary_casemanagers"):
                tables[name].to_csv(tmp / f"{name}.csv", index=False)
        (tmp / "manifest.json").write_text(json.dumps(manifest(result, command), indent=2) + "\n")
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(out_dir.iterdir())


def plot_demand(table: pd.DataFrame, title: str, path: Path) -> None:
    """Expected reports per period (with and without events) and the simulated 95% band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = pd.to_datetime(table["period_start"])
    x = pd.DatetimeIndex([*start, start.iloc[-1] + pd.Timedelta(days=float(table["days"].iloc[-1]))])

    def steps(col: str) -> list[float]:  # repeat the last value so the last period is drawn
        return [*table[col], table[col].iloc[-1]]

    fig, ax = plt.subplots(figsize=(9, 4), dpi=110)
    ax.fill_between(x, steps("simulated_low"), steps("simulated_high"), step="post", alpha=0.25,
                    label="simulated 95% band")
    ax.step(x, steps("expected"), where="post", label="expected")
    if (table["event_effect"].abs() > 1e-9).any():
        ax.step(x, steps("without_events"), where="post", linestyle="--", label="expected without events")
    ax.set_title(title)
    ax.set_ylabel("reports per period")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", frameon=False)
    fig.tight_layout()
    _atomic_savefig(fig, Path(path))
    plt.close(fig)


#: Panels of `plot_summary`: (metric, title).
SUMMARY_PANELS = [
    ("acute_contact_p95", "acute contact delay p95 (min)"),
    ("followup_on_time", "watchful-waiting contacts on time"),
    ("duties_per_4w", "on-call duties per casemanager per 4 weeks"),
    ("csg_hours_vs_contract", "CSG hours / contracted hours"),
    ("extra_duties_per_4w", "duties taken over from absent colleagues per 4 weeks"),
    ("gap_hours", "hours with no one reachable"),
]


def plot_summary(result: RunResult, path: Path) -> None:
    """One panel per key figure, one bar per region with its 95% confidence interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = result.region_summary().set_index(["region", "metric"])
    regions = list(result.scenario.regions)
    names = [result.scenario.regions[r].name for r in regions]
    fig, axes = plt.subplots(len(SUMMARY_PANELS) // 2, 2, figsize=(11, 2.2 + 0.28 * len(regions) * 3), dpi=100)
    for ax, (metric, title) in zip(axes.ravel(), SUMMARY_PANELS):
        rows = summary.loc[[(r, metric) for r in regions]]
        mean = rows["mean"].to_numpy()
        err = [mean - rows["ci_low"].to_numpy(), rows["ci_high"].to_numpy() - mean]
        y = range(len(regions))
        ax.barh(y, mean, xerr=err, capsize=2, color="#4c72b0")
        ax.set_yticks(list(y), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    sc = result.scenario
    fig.suptitle(f"{sc.name}: mean and 95% CI over {result.replications} replications (seed {result.seed})",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    _atomic_savefig(fig, Path(path))
    plt.close(fig)


def _atomic_savefig(fig: Any, path: Path) -> None:
    """Save without timestamps (reruns are byte-identical) through a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".").lower() or "png"
    metadata = {"Software": None} if fmt == "png" else {"CreationDate": None} if fmt == "pdf" else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, format=fmt, metadata=metadata)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
