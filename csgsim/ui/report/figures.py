"""The report's figures as PNG bytes: matplotlib's object API, no timestamps, so a rebuild from the
same results gives the same bytes. Every plot that has a norm or limit draws it."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from csgsim.core.calendar import HOURS_PER_DAY
from csgsim.runtime.replications import RunResult
from csgsim.studies.capacity import Comparison
from csgsim.ui.formatting import Numbers
from csgsim.ui.report.text import metric_label, t

BLUE, ORANGE, GREY, RED = "#4c72b0", "#dd8452", "#8c8c8c", "#c44e52"
LEGAL_ONCALL_DAYS = 14  # consignatie: at most 14 on-call days per 4 weeks (Arbeidstijdenwet; docs/model.md#5-working-time-rules)


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _axis_numbers(ax: Any, f: Numbers, axis: str = "x") -> None:
    """Tick labels in the reader's locale ('0,5' in Dutch), with the decimals the tick spacing needs."""
    from matplotlib.ticker import FuncFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis

    def places() -> int:
        steps = np.diff(target.get_majorticklocs())
        step = float(np.min(np.abs(steps))) if steps.size else 1.0
        return 0 if step <= 0 or step >= 1 else min(3, int(np.ceil(-np.log10(step) - 1e-9)))

    target.set_major_formatter(FuncFormatter(lambda v, _: f.number(v, places())))


def _summary(result: RunResult, metric: str) -> pd.DataFrame:
    s = result.region_summary()
    return s[s["metric"] == metric].set_index("region").loc[list(result.scenario.regions)]


def _region_bars(ax: Any, names: list[str], mean: np.ndarray, lo: np.ndarray, hi: np.ndarray, color: str) -> None:
    y = np.arange(len(names))
    ax.barh(y, mean, xerr=[mean - lo, hi - mean], capsize=2, color=color)
    ax.set_yticks(y, names, fontsize=8)
    if not ax.yaxis_inverted():  # first region on top (axes sharing y are inverted once)
        ax.invert_yaxis()
    ax.tick_params(axis="x", labelsize=8)


def outlook(table: pd.DataFrame, f: Numbers) -> bytes:
    """National expected reports per year per variant; the chance band around the central one."""
    from matplotlib.ticker import MaxNLocator

    fig = _figure(8.5, 3.6)
    ax = fig.subplots()
    colours = {"baseline": GREY, "low": BLUE, "central": ORANGE, "high": RED}
    for name, grp in table.groupby("variant", sort=False):
        if name == "central":
            ax.fill_between(grp["year"], grp["low"], grp["high"], color=ORANGE, alpha=0.25,
                            label=t(f.lang, "band_label"))
        label = t(f.lang, name) if name in colours else name
        ax.plot(grp["year"], grp["expected"], marker="o", ms=3, color=colours.get(name, BLUE), label=label)
    ax.axvline(2024.5, color="black", lw=0.8, ls=":")
    ax.set_ylabel(t(f.lang, "reports_per_year"))
    ax.set_ylim(bottom=0)
    _axis_numbers(ax, f, "y")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    fig.tight_layout()
    return png(fig)


def full_weeks(result: RunResult) -> tuple[pd.DataFrame, Any, Any]:
    """National acute reports per replication and full Monday-Sunday week of the reported period."""
    sc = result.scenario
    first = sc.start + timedelta(days=(7 - sc.start.weekday()) % 7)
    weeks = (sc.days - (first - sc.start).days) // 7
    reports = result.records["reports"]
    acute = reports[(reports["type"] == "acute") & ~reports["warmup"]]
    offset = sc.warmup_hours + (first - sc.start).days * HOURS_PER_DAY
    week = ((acute["arrival_h"] - offset) // (7 * HOURS_PER_DAY)).astype(int)
    keep = (week >= 0) & (week < weeks)
    counts = (pd.crosstab(acute["rep"][keep], week[keep])
              .reindex(columns=range(weeks), fill_value=0)
              .reindex(sorted(reports["rep"].unique()), fill_value=0))
    return counts, first, first + timedelta(days=7 * weeks - 1)


def weekly(result: RunResult, f: Numbers) -> bytes:
    """Full weeks only, each drawn over its whole width (the last one too), months in the reader's language."""
    from matplotlib.dates import MonthLocator, num2date
    from matplotlib.ticker import FuncFormatter

    counts, first, _ = full_weeks(result)
    x = [first + timedelta(days=7 * k) for k in range(counts.shape[1] + 1)]

    def steps(values: pd.Series) -> list[float]:
        return [*values, values.iloc[-1]]

    fig = _figure(8.5, 3.2)
    ax = fig.subplots()
    ax.fill_between(x, steps(counts.quantile(0.05)), steps(counts.quantile(0.95)), step="post", color=BLUE, alpha=0.25)
    ax.step(x, steps(counts.mean()), where="post", color=BLUE)
    ax.set_ylabel(t(f.lang, "reports_per_week"))
    ax.set_ylim(bottom=0)
    _axis_numbers(ax, f, "y")
    ax.xaxis.set_major_locator(MonthLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f.day(num2date(v), "MMM yy")))
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return png(fig)


def delays(result: RunResult, f: Numbers) -> bytes:
    sc = result.scenario
    rows = _summary(result, "acute_contact_p95")
    names = [sc.regions[r].name for r in rows.index]
    fig = _figure(8.5, 1.0 + 0.28 * len(names))
    ax = fig.subplots()
    _region_bars(ax, names, rows["mean"].to_numpy(), rows["ci_low"].to_numpy(), rows["ci_high"].to_numpy(), BLUE)
    norm = sc.norms.acute_contact_minutes
    ax.axvline(norm, color=RED, lw=1.5, label=f"{t(f.lang, 'norm')} {f.number(norm)} min")
    ax.set_xlabel(t(f.lang, "p95"), fontsize=8)
    _axis_numbers(ax, f)
    ax.legend(fontsize=8, framealpha=0.9, loc="lower right")
    fig.tight_layout()
    return png(fig)


def load(result: RunResult, f: Numbers) -> bytes:
    sc = result.scenario
    fig = _figure(8.5, 1.0 + 0.28 * len(sc.regions))
    left, right = fig.subplots(1, 2, sharey=True)
    names = [r.name for r in sc.regions.values()]
    for ax, metric, label, colour in ((left, "max_oncall_days_per_4w", "oncall_days", BLUE),
                                     (right, "night_callouts_per_16w", "night", ORANGE)):
        rows = _summary(result, metric)
        _region_bars(ax, names, rows["mean"].to_numpy(), rows["ci_low"].to_numpy(), rows["ci_high"].to_numpy(), colour)
        ax.set_xlabel(t(f.lang, label), fontsize=8)
        _axis_numbers(ax, f)
    left.axvline(LEGAL_ONCALL_DAYS, color=RED, lw=1.5, label=f"{t(f.lang, 'legal_limit')} {LEGAL_ONCALL_DAYS}")
    left.legend(fontsize=8, framealpha=0.9, loc="lower right")
    fig.tight_layout()
    return png(fig)


def flat(*columns: np.ndarray) -> bool:
    """Whether bars would show nothing: every value missing, or every mean and bound zero."""
    values = np.concatenate([np.asarray(c, dtype=float).ravel() for c in columns])
    finite = values[np.isfinite(values)]
    return finite.size == 0 or bool(np.all(np.abs(finite) < 1e-12))


def shown_differences(comparison: Comparison, metrics: list[str]) -> list[str]:
    """The metrics of `metrics` whose paired differences are not zero everywhere (a panel of zeros
    would be an empty chart; the page says so in words instead)."""
    diff = comparison.differences.set_index(["region", "metric"])
    regions = list(comparison.base.scenario.regions)
    return [m for m in metrics
            if not flat(*(diff.loc[[(r, m) for r in regions], c].to_numpy() for c in ("diff_mean", "ci_low", "ci_high")))]


def differences(comparison: Comparison, metrics: list[str], f: Numbers) -> bytes:
    """Paired differences per region, one panel per metric, zero marked."""
    sc = comparison.base.scenario
    diff = comparison.differences.set_index(["region", "metric"])
    names = [r.name for r in sc.regions.values()]
    fig = _figure(8.5, 1.2 + 0.28 * len(names))
    axes = np.atleast_1d(fig.subplots(1, len(metrics), sharey=True))
    for ax, metric in zip(axes, metrics):
        rows = diff.loc[[(r, metric) for r in sc.regions]]
        _region_bars(ax, names, rows["diff_mean"].to_numpy(), rows["ci_low"].to_numpy(), rows["ci_high"].to_numpy(),
                     ORANGE)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(_wrapped(metric_label(f.lang, metric, sc.days)), fontsize=8)
        _axis_numbers(ax, f)
    fig.tight_layout()
    return png(fig)


def _wrapped(label: str, width: int = 28) -> str:
    """An axis label on as many lines as it needs, so a narrow panel does not clip it."""
    import textwrap

    return "\n".join(textwrap.wrap(label, width))


def costs(result: RunResult, budget: pd.DataFrame | None, f: Numbers) -> bytes:
    """Fixed and variable cost per region in the model's first year; the budget year's totals
    against the published band, where there is one."""
    sc = result.scenario
    summary = result.cost_summary().set_index(["region", "year", "metric"])
    year = int(result.cost_long["year"].min())
    names = [r.name for r in sc.regions.values()]
    fixed = np.array([summary.loc[(r, year, "fixed"), "mean"] for r in sc.regions])
    variable = np.array([summary.loc[(r, year, "variable"), "mean"] for r in sc.regions])
    fig = _figure(8.5, 1.2 + 0.3 * len(names))
    ax = fig.subplots()
    y = np.arange(len(names))
    ax.barh(y, fixed, color=BLUE, label=t(f.lang, "fixed") + f" {year}")
    ax.barh(y, variable, left=fixed, color=ORANGE, label=t(f.lang, "variable") + f" {year}")
    if budget is not None:
        first = budget.iloc[0]
        ax.axvspan(first["low"], first["high"], color=GREY, alpha=0.15, zorder=0,
                   label=t(f.lang, "budget_band", year=int(first["year"])))
        pos = [list(sc.regions).index(r) for r in budget["region"]]
        ax.plot(budget["total"], pos, "kD", ms=4, label=t(f.lang, "model_year", year=int(first["year"])))
    ax.set_yticks(y, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(t(f.lang, "eur_per_year"), fontsize=8)
    _axis_numbers(ax, f)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    fig.tight_layout()
    return png(fig)
