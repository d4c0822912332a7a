"""Rich tables of experiments and sizing results (the only printing of those layers; demand and
calibration tables are in `csgsim.ui.demand_tables`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from csgsim.ui.markup import escape
from rich.table import Table

from csgsim.analysis.metrics import REGION_METRICS
from csgsim.analysis.summary import MEAN, POOLED
from csgsim.studies.differences import BASELINE, FAMILY_ALPHA
from csgsim.studies.experiments import ExperimentResult
from csgsim.studies.sizing import Sizing, confidence_line
from csgsim.studies.targets import EXCEEDANCE, FAILS, MEETS, OPEN, POOLED_SHARE
from csgsim.ui import formatting


def print_experiment(result: ExperimentResult, console: Any, metrics: list[str]) -> None:
    """The baseline (mean ± CI half-width) and each variant's paired difference from it; where the
    arms are priced, their costs beside the metrics and each arm's cost in a table of its own."""
    from csgsim.studies.armcosts import ARM_COSTS

    exp = result.experiment
    several = len(exp.regions) > 1
    priced = result.costs is not None
    shown = [*metrics, *(ARM_COSTS if priced else ())]
    units = {**REGION_METRICS, **ARM_COSTS}
    summary = pd.concat([result.summary, result.costs]) if priced else result.summary
    base = summary[summary["variant"] == BASELINE].set_index(["region", "metric"])
    pooled = (result.summary["statistic"] == POOLED).any()
    table = Table(title=f"{escape(exp.name)}: baseline, mean \u00b195% CI half-width",
                  caption="delay percentiles: " + ("the percentile of all replications' delays pooled"
                                                   if pooled else "mean of the replications' own percentiles")
                          + " (low-high: 95% bootstrap interval over replications)")
    table.add_column("region", overflow="fold")
    for m in shown:
        table.add_column(formatting.label(m), justify="right", overflow="fold")
    for rid in exp.regions:
        rows = [base.loc[(rid, m)] if (rid, m) in base.index else None for m in shown]
        table.add_row(escape(rid), *["-" if r is None else formatting.interval(
            r["mean"], r["ci_low"], r["ci_high"], r["unit"], r["statistic"] != MEAN) for r in rows])
    console.print(table)
    both = pd.concat([result.differences, result.cost_differences]) if priced else result.differences
    diff = both.set_index(["variant", "region", "metric"])
    family = int(result.differences["p_value"].notna().sum())
    table = Table(title="Difference from the baseline, paired by replication",
                  caption=f"{exp.replications} replications per variant, seed {exp.seed}, common random "
                          f"numbers. Mean \u00b195% CI half-width (unadjusted); * = significant after Holm's "
                          f"correction over all {family} paired differences of the experiment (every variant, "
                          f"region and metric; family-wise error {formatting.PLAIN.percent(FAMILY_ALPHA)})."
                          + (" Delay percentiles and shares within the norm: the difference of the pooled values, "
                             "with a t interval on its bootstrap standard error over replication pairs." if pooled else "")
                          + (f" Costs (EUR over the reported period, as csgsim costs prices them): * after Holm's "
                             f"correction over their own {int(result.cost_differences['p_value'].notna().sum())} "
                             "differences." if priced else ""))
    table.add_column("variant", overflow="fold", min_width=min(16, max(len(v.name) for v in exp.variants)))
    if several:
        table.add_column("region", overflow="fold")
    for m in shown:
        table.add_column(formatting.label(m), justify="right", overflow="fold")
    for v in exp.variants[1:]:
        for rid in exp.regions:
            cells = []
            for m in shown:
                row = diff.loc[(v.name, rid, m)] if (v.name, rid, m) in diff.index else None
                cells.append("-" if row is None else formatting.interval(
                    row["diff_mean"], row["ci_low"], row["ci_high"], units[m][0], difference=True,
                    mark=" *" if row["significant"] else ""))
            table.add_row(escape(v.name), *([escape(rid)] if several else []), *cells)
    console.print(table)
    if priced:
        print_arm_costs(result, console)


def print_arm_costs(result: ExperimentResult, console: Any) -> None:
    """Each arm's allowance and total cost over the reported period, mean ±95% CI half-width."""
    from csgsim.studies.armcosts import ARM_COSTS

    exp = result.experiment
    level = result.costs.set_index(["variant", "region", "metric"])
    table = Table(title=f"{escape(exp.name)}: cost per arm over the reported period",
                  caption="EUR as csgsim costs prices each replication; mean \u00b195% CI half-width over replications")
    table.add_column("variant", overflow="fold")
    table.add_column("region", overflow="fold")
    for m in ARM_COSTS:
        table.add_column(formatting.label(m), justify="right", overflow="fold")
    for v in exp.variants:
        for rid in exp.regions:
            if (v.name, rid, "cost_total") in level.index:  # else a region without [costs]
                table.add_row(escape(v.name), escape(rid), *[formatting.interval(
                    *level.loc[(v.name, rid, m)][["mean", "ci_low", "ci_high"]], "EUR") for m in ARM_COSTS])
    console.print(table)


def _stat_text(st: Any, unit: str) -> str:
    """A mean as mean ±half-width; a share of replications beyond a rare bound as k/n (upper
    bound); a pooled share of delays within a percentile bound as share (low-high)."""
    if st.n == 0:
        return "-"
    if st.statistic == EXCEEDANCE:
        return f"{formatting.PLAIN.number(st.value * st.n)}/{st.n} beyond (\u2264{formatting.value(st.hi, 'share')})"
    if st.statistic == POOLED_SHARE:
        return f"{formatting.interval(st.value, st.lo, st.hi, 'share', as_range=True)} within"
    return formatting.interval(st.value, st.lo, st.hi, unit)


def target_heading(target: Any) -> str:
    """A target as a heading: the metric's label and the bound in the metric's unit."""
    return formatting.target_words(target)


def target_text(target: Any) -> str:
    """A target in a sentence: its heading, then the target as written, e.g. 'gap h \u2264 0
    (gap_hours<=0)', so a message reads like the tables and still names what was typed."""
    return f"{target_heading(target)} ({target})"


def _sizing_table(r, level: float, console: Any) -> None:
    """One search's candidates (people or hours a week) with each target's estimate and verdict."""
    marks = {MEETS: "\u2713", FAILS: "\u2717", OPEN: "?"}
    what = "team sizes (casemanagers)" if r.unit == "casemanagers" else "casework hours a week (team total)"
    table = Table(title=f"{escape(r.name)}: candidate {what}",
                  caption=f"each interval at {formatting.PLAIN.percent(level, 3)} (see below): means \u00b1half-width; "
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
