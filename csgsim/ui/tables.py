"""Rich tables of experiments, sizing and calibration results (the only printing of those layers)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from csgsim.ui.markup import escape
from rich.table import Table

from csgsim.analysis.metrics import REGION_METRICS
from csgsim.analysis.summary import MEAN, POOLED
from csgsim.calibration import TYPES, CalibrationResult, coverage, levels_table, type_label
from csgsim.calibration.data import COMPARED, LATER
from csgsim.studies.differences import BASELINE, FAMILY_ALPHA
from csgsim.studies.experiments import ExperimentResult
from csgsim.studies.sizing import Sizing, confidence_line
from csgsim.studies.targets import EXCEEDANCE, FAILS, MEETS, OPEN, POOLED_SHARE
from csgsim.ui import formatting


def print_experiment(result: ExperimentResult, console: Any, metrics: list[str]) -> None:
    """The baseline (mean ± CI half-width) and each variant's paired difference from it."""
    exp = result.experiment
    several = len(exp.regions) > 1

    base = result.summary[result.summary["variant"] == BASELINE].set_index(["region", "metric"])
    pooled = (result.summary["statistic"] == POOLED).any()
    table = Table(title=f"{escape(exp.name)}: baseline, mean \u00b195% CI half-width",
                  caption="delay percentiles: " + ("the percentile of all replications' delays pooled"
                                                   if pooled else "mean of the replications' own percentiles")
                          + " (low-high: 95% bootstrap interval over replications)")
    table.add_column("region", overflow="fold")
    for m in metrics:
        table.add_column(formatting.label(m), justify="right", overflow="fold")
    for rid in exp.regions:
        rows = [base.loc[(rid, m)] for m in metrics]
        table.add_row(escape(rid), *[formatting.interval(r["mean"], r["ci_low"], r["ci_high"], r["unit"],
                                                         r["statistic"] != MEAN) for r in rows])
    console.print(table)
    diff = result.differences.set_index(["variant", "region", "metric"])
    family = int(result.differences["p_value"].notna().sum())
    table = Table(title="Difference from the baseline, paired by replication",
                  caption=f"{exp.replications} replications per variant, seed {exp.seed}, common random "
                          f"numbers. Mean \u00b195% CI half-width (unadjusted); * = significant after Holm's "
                          f"correction over all {family} paired differences of the experiment (every variant, "
                          f"region and metric; family-wise error {FAMILY_ALPHA:.0%})."
                          + (" Delay percentiles and shares within the norm: the difference of the pooled values, "
                             "with a t interval on its bootstrap standard error over replication pairs." if pooled else ""))
    table.add_column("variant", overflow="fold", min_width=min(16, max(len(v.name) for v in exp.variants)))
    if several:
        table.add_column("region", overflow="fold")
    for m in metrics:
        table.add_column(formatting.label(m), justify="right", overflow="fold")
    for v in exp.variants[1:]:
        for rid in exp.regions:
            cells = []
            for m in metrics:
                row = diff.loc[(v.name, rid, m)]
                cells.append(formatting.interval(row["diff_mean"], row["ci_low"], row["ci_high"],
                                                 REGION_METRICS[m][0], difference=True,
                                                 mark=" *" if row["significant"] else ""))
            table.add_row(escape(v.name), *([escape(rid)] if several else []), *cells)
    console.print(table)


def _stat_text(st: Any, unit: str) -> str:
    """A mean as mean ±half-width; a share of replications beyond a rare bound as k/n (upper
    bound); a pooled share of delays within a percentile bound as share (low-high)."""
    if st.n == 0:
        return "-"
    if st.statistic == EXCEEDANCE:
        return f"{round(st.value * st.n)}/{st.n} beyond (\u2264{formatting.value(st.hi, 'share')})"
    if st.statistic == POOLED_SHARE:
        return f"{formatting.interval(st.value, st.lo, st.hi, 'share', as_range=True)} within"
    return formatting.interval(st.value, st.lo, st.hi, unit)


def target_heading(target: Any) -> str:
    """A target as a heading: the metric's label and the bound in the metric's unit."""
    unit = REGION_METRICS[target.metric][0]
    op = {"<=": "\u2264", ">=": "\u2265"}.get(target.op, target.op)
    bound = f"{100 * target.bound:g}%" if unit == "share" else f"{target.bound:g}"  # the bound as the user gave it
    return f"{formatting.label(target.metric)} {op} {bound}"


def target_text(target: Any) -> str:
    """A target in a sentence: its heading, then the target as written, e.g. 'gap h \u2264 0
    (gap_hours<=0)', so a message reads like the tables and still names what was typed."""
    return f"{target_heading(target)} ({target})"


def _sizing_table(r, level: float, console: Any) -> None:
    """One search's candidates (people or hours a week) with each target's estimate and verdict."""
    marks = {MEETS: "\u2713", FAILS: "\u2717", OPEN: "?"}
    what = "team sizes (casemanagers)" if r.unit == "casemanagers" else "casework hours a week (team total)"
    table = Table(title=f"{escape(r.name)}: candidate {what}",
                  caption=f"each interval at {100 * level:.3f}% (see below): means \u00b1half-width; "
                          "rare events: replications beyond the bound (exact upper bound); percentiles: "
                          "pooled share of delays within the bound; \u2713 met, \u2717 failed, ? open")
    table.add_column("size" if r.unit == "casemanagers" else "h/week", justify="right")
    table.add_column("reps", justify="right")
    for t in r.targets:
        table.add_column(target_heading(t), justify="right", overflow="fold")
    table.add_column("verdict", overflow="fold")
    for c in r.cells:
        cells = [f"{_stat_text(st, REGION_METRICS[t.metric][0])} {marks[st.verdict]}"
                 for t, st in zip(r.targets, c.stats)] or ["-"] * len(r.targets)  # not run: implied
        table.add_row(str(c.size), str(c.reps), *cells, c.status + (" (implied)" if c.implied else ""))
    console.print(table)


def print_sizing(result: Sizing, console: Any) -> None:
    """Per region: the people search, the casework hours search, and both answers in one line."""
    console.print(f"planning demand: {escape(str(result.demand))}")
    for r in result.regions:
        if r.cells:
            _sizing_table(r, result.level, console)
        if r.casework is not None:
            _sizing_table(r.casework.search, result.level, console)
        console.print(f"[bold]{escape(r.region)}[/bold]: {escape(r.message)}")
        for note in r.notes:
            console.print(f"  note: {escape(note)}")
        if r.casework is not None:
            hours = r.casework.search
            console.print(f"  casework at {r.casework.people} casemanagers ({escape(r.casework.people_from)}): "
                          f"{escape(hours.message)}")
            for note in hours.notes:
                console.print(f"  note: {escape(note)}")
        console.print(f"[bold]{escape(r.region)}[/bold]: {escape(result.answer_line(r, target_text))}")
    if result.structures > 1:
        for rid in dict.fromkeys(r.region for r in result.regions):
            console.print(f"[bold]{escape(rid)}[/bold], by line structure: {escape(result.summary(rid))}")
    console.print(escape(confidence_line(result, target_text)))


def print_calibration(result: CalibrationResult, console: Any) -> None:
    """The fitted levels per region, type and year, the forecast level with its uncertainty, then the notes."""
    wide = levels_table(result)
    years = [c for c in wide.columns if c.startswith("level_") and c.removeprefix("level_").isdigit()]
    effects = result.history.effects.set_index(["region", "type"])
    table = Table(title="Calibrated levels: expected reports per calendar year", title_justify="left")
    table.add_column("region")
    table.add_column("type")
    for c in years:
        table.add_column(c.removeprefix("level_"), justify="right")
    for name in ("forecast level (year)", "sd log", "status", "rate vs pop. (95% CI)", "LR p"):
        table.add_column(name, justify="left" if name == "status" else "right")
    for row in wide.itertuples(index=False):
        eff = effects.loc[(row.region, row.type)]
        ratio = ("1 (population share)" if eff["status"] == "estimate"
                 else f"{eff['rate_ratio']:.2f} ({eff['ci_low']:.2f}-{eff['ci_high']:.2f})")
        p_value = "" if eff["status"] == "estimate" else f"{eff['p_value']:.2g}"
        table.add_row(escape(row.region), type_label(row.type), *(f"{getattr(row, c):.1f}" for c in years),
                      f"{row.level:.1f} ({row.level_year})", f"{row.sd_log:.2f}", row.status, ratio, p_value)
    sums = wide.groupby("type")[[*years, "level"]].sum()
    for t in TYPES:
        table.add_row("sum", type_label(t), *(f"{sums.at[t, c]:.1f}" for c in years), f"{sums.at[t, 'level']:.1f}",
                      "", "", "", "", style="bold")
    console.print(table)
    console.print("rate vs pop.: the region's rate relative to the regions without a figure (population share); "
                  "LR p: likelihood-ratio test of the region's own effect against the population share; forecast "
                  "level: the expected reports the forecast starts from, in the last year with data, and the sd "
                  "of its log (input uncertainty, drawn per replication).", markup=False, highlight=False)
    for note in result.notes:
        console.print(f"- {note}", soft_wrap=False, markup=False, highlight=False)


def print_check(table: pd.DataFrame, console: Any, title: str | None = None) -> int:
    """The data-versus-model table; returns how many compared points fall outside their interval."""
    reps = table.attrs.get("replications", "?")
    out = Table(title=title or f"Data vs model: {reps} simulated calendar years per data year, seed "
                f"{table.attrs.get('seed', '?')}, model {escape(str(table.attrs.get('model', '?')))}", title_justify="left")
    for name, justify in (("data point", "left"), ("observed", "right"), ("model mean", "right"),
                          ("95% band", "right"), ("without input unc.", "right"), ("input share", "right"),
                          ("inside", "center"), ("status", "left")):
        out.add_column(name, justify=justify, overflow="fold", no_wrap=name == "data point")
    for row in table.itertuples(index=False):
        usable = row.status in (COMPARED, LATER)
        out.add_row(escape(row.data_point), f"{row.observed:,}", f"{row.sim_mean:,.1f}",
                    f"{row.sim_low:,.0f}-{row.sim_high:,.0f}", f"{row.stoch_low:,.0f}-{row.stoch_high:,.0f}",
                    f"{row.input_share:.0%}", ("yes" if row.inside else f"NO ({row.side})") if usable else "",
                    row.status, style=None if usable else "dim")
    console.print(out)
    c = coverage(table)
    outside = c["points"] - c["inside"]
    console.print(f"{c['inside']} of {c['points']} compared data points lie inside the simulated 95% band "
                  f"({c['below']} below, {c['above']} above); {len(table) - c['points']} excluded (reason in the "
                  "status column). Band: input uncertainty drawn per replication plus Poisson chance; 'without "
                  "input unc.': the same simulation with the central inputs; input share: the share of the band's "
                  "variance due to the inputs (law of total variance).", markup=False, highlight=False)
    return outside


def print_periods(table: pd.DataFrame, title: str, replications: int, console: Any) -> None:
    """Expected and simulated reports per week or month (``demand.annual.by_period``)."""
    out = Table(title=escape(title), caption=f"{replications} replications; band = simulated 2.5-97.5 percentiles, input "
                "uncertainty (drawn per replication) included")
    for col in ("from", "days", "expected", "of which events", "simulated", "95% band"):
        out.add_column(col, justify="right")
    for row in table.itertuples():
        out.add_row(str(row.period_start), f"{row.days:g}", f"{row.expected:.1f}", f"{row.event_effect:+.1f}",
                    f"{row.simulated_mean:.1f}", f"{row.simulated_low:.0f}-{row.simulated_high:.0f}")
    out.add_row("total", f"{table['days'].sum():g}", f"{table['expected'].sum():.1f}",
                f"{table['event_effect'].sum():+.1f}", f"{table['simulated_mean'].sum():.1f}", "")
    console.print(out)


def print_outlook(table: pd.DataFrame, kind: str, replications: int, seed: int, console: Any) -> None:
    """Reports per calendar year ahead, with the 95% band and how much of it is input uncertainty."""
    out = Table(title=f"Outlook: {type_label(kind)} reports per calendar year", title_justify="left",
                caption=f"{replications} simulated years each, seed {seed}. 95% band: input uncertainty (level, split, "
                "growth, event sizes; drawn once per replication) plus chance; 'chance only': the same simulation "
                "with the central inputs; input share: share of the band's variance due to the inputs.")
    for col in ("region", "year", "central", "mean", "median", "95% band", "chance only", "input share"):
        out.add_column(col, justify="left" if col == "region" else "right")
    for row in table.itertuples(index=False):
        out.add_row(row.region, str(row.year), f"{row.central:.1f}", f"{row.mean:.1f}", f"{row.median:.0f}",
                    f"{row.low:.0f}-{row.high:.0f}", f"{row.stoch_low:.0f}-{row.stoch_high:.0f}",
                    f"{row.input_share:.0%}", style="bold" if row.region == "all" else None)
    console.print(out)
