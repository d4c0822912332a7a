"""Rich tables of demand and its calibration: reports per week or month, the outlook per year,
the calibrated levels, and data against the model (`calibrate --check`, `backtest`). Every figure
through `csgsim.ui.formatting`: reports as counts, bands beside their mean, shares as percentages."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.table import Table

from csgsim.calibration import TYPES, CalibrationResult, coverage, levels_table, type_label
from csgsim.calibration.data import COMPARED, LATER
from csgsim.ui.formatting import PLAIN
from csgsim.ui.markup import escape


def _reports(x: float) -> str:
    """A number of reports (expected, simulated or fitted): a count's figure."""
    return PLAIN.value(x, "count")


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
                 else PLAIN.interval(eff["rate_ratio"], eff["ci_low"], eff["ci_high"], "ratio", as_range=True))
        p_value = "" if eff["status"] == "estimate" else PLAIN.significant(eff["p_value"])
        table.add_row(escape(row.region), type_label(row.type), *(_reports(getattr(row, c)) for c in years),
                      f"{_reports(row.level)} ({row.level_year})", PLAIN.value(row.sd_log, "log"), row.status, ratio,
                      p_value)
    sums = wide.groupby("type")[[*years, "level"]].sum()
    for t in TYPES:
        table.add_row("sum", type_label(t), *(_reports(sums.at[t, c]) for c in years), _reports(sums.at[t, "level"]),
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
        out.add_row(escape(row.data_point), PLAIN.given(row.observed), _reports(row.sim_mean),
                    PLAIN.band(row.sim_mean, row.sim_low, row.sim_high, "count"),
                    PLAIN.band(row.sim_mean, row.stoch_low, row.stoch_high, "count"),
                    PLAIN.value(row.input_share, "share"),
                    ("yes" if row.inside else f"NO ({row.side})") if usable else "",
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
        out.add_row(str(row.period_start), PLAIN.given(row.days), _reports(row.expected),
                    PLAIN.value(row.event_effect, "count", signed=True), _reports(row.simulated_mean),
                    PLAIN.band(row.simulated_mean, row.simulated_low, row.simulated_high, "count"))
    out.add_row("total", PLAIN.given(table["days"].sum()), _reports(table["expected"].sum()),
                PLAIN.value(table["event_effect"].sum(), "count", signed=True),
                _reports(table["simulated_mean"].sum()), "")
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
        out.add_row(row.region, str(row.year), _reports(row.central), _reports(row.mean), _reports(row.median),
                    PLAIN.band(row.mean, row.low, row.high, "count"),
                    PLAIN.band(row.mean, row.stoch_low, row.stoch_high, "count"), PLAIN.value(row.input_share, "share"),
                    style="bold" if row.region == "all" else None)
    console.print(out)
