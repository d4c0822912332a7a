"""Plots: figures built on matplotlib's object API (no pyplot, no process-wide backend switch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from csgsim.core import atomic
from csgsim.runtime.replications import RunResult


def plain(text: str) -> str:
    """Free text (names from a scenario) drawn as it is: `$` would start matplotlib's math mode."""
    return text.replace("$", r"\$")


def plot_demand(table: pd.DataFrame, title: str, path: Path) -> None:
    """Expected reports per period (with and without events) and the simulated 95% band."""
    from matplotlib.figure import Figure

    start = pd.to_datetime(table["period_start"])
    x = pd.DatetimeIndex([*start, start.iloc[-1] + pd.Timedelta(days=float(table["days"].iloc[-1]))])

    def steps(col: str) -> list[float]:  # repeat the last value so the last period is drawn
        return [*table[col], table[col].iloc[-1]]

    fig = Figure(figsize=(9, 4), dpi=110)
    ax = fig.subplots()
    ax.fill_between(x, steps("simulated_low"), steps("simulated_high"), step="post", alpha=0.25,
                    label="simulated 95% band")
    ax.step(x, steps("expected"), where="post", label="expected")
    if (table["event_effect"].abs() > 1e-9).any():
        ax.step(x, steps("without_events"), where="post", linestyle="--", label="expected without events")
    ax.set_title(plain(title))
    ax.set_ylabel("reports per period")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", frameon=False)
    fig.tight_layout()
    _atomic_savefig(fig, Path(path))


#: Metrics of `plot_summary`'s panels, each titled with its label as the tables head it.
SUMMARY_PANELS = ["acute_contact_p95", "followup_on_time", "duties_per_4w", "csg_hours_vs_contract",
                  "extra_duties_per_4w", "gap_hours"]


def plot_summary(result: RunResult, path: Path) -> None:
    """One panel per key figure, one bar per region with its 95% confidence interval."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    from csgsim.ui import formatting

    summary = result.region_summary().set_index(["region", "metric"])
    regions = list(result.scenario.regions)
    names = [plain(result.scenario.regions[r].name) for r in regions]
    fig = Figure(figsize=(11, 2.2 + 0.28 * len(regions) * 3), dpi=100)
    axes = fig.subplots(len(SUMMARY_PANELS) // 2, 2)
    for ax, metric in zip(axes.ravel(), SUMMARY_PANELS):
        rows = summary.loc[[(r, metric) for r in regions]]
        mean = rows["mean"].to_numpy()
        err = [mean - rows["ci_low"].to_numpy(), rows["ci_high"].to_numpy() - mean]
        y = range(len(regions))
        ax.barh(y, mean, xerr=err, capsize=2, color="#4c72b0")
        ax.set_yticks(list(y), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(formatting.label(metric), fontsize=9)
        if formatting.unit_of(metric) == "share":  # as the tables write a share
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.tick_params(axis="x", labelsize=8)
    sc = result.scenario
    fig.suptitle(f"{plain(sc.name)}: mean and 95% CI over {result.replications} replications (seed {result.seed})",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    _atomic_savefig(fig, Path(path))


def _atomic_savefig(fig: Any, path: Path) -> None:
    """Save without timestamps (reruns are byte-identical) through the atomic writer."""
    fmt = path.suffix.lstrip(".").lower() or "png"
    metadata = {"Software": None} if fmt == "png" else {"CreationDate": None} if fmt == "pdf" else None
    atomic.write_file(path, lambda tmp: fig.savefig(tmp, format=fmt, metadata=metadata))
