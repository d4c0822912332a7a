"""Outputs: terminal tables, JSON, CSV and Parquet files with a manifest, written atomically."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from csgsim.analysis.overload import against, contracted_hours, overload
from csgsim.analysis.summary import MEAN
from csgsim.runtime.provenance import manifest
from csgsim.runtime.replications import RunResult
from csgsim.runtime.streaming import write_in_parts

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
    ("Escalation: who answered the acute calls, and call-ins", [
        ("acute_answered_by_duty", "duty holder"),
        ("acute_answered_by_backup", "backup"),
        ("acute_answered_by_callin", "call-in"),
        ("acute_answered_by_neighbour", "neighbour"),
        ("acute_waited", "waited"),
        ("callins_per_person_per_4w", "call-ins /person /4wk"),
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
    """A mean as mean ± half its 95% CI (symmetric before clipping); a percentile, whose
    bootstrap interval is not symmetric, as estimate (low-high)."""
    return interval_text(row["mean"], row["ci_low"], row["ci_high"], row["unit"], row["statistic"] != MEAN)


def interval_text(value: float, lo: float, hi: float, unit: str, as_range: bool) -> str:
    """`12.3 ±1.5`, or `12.3 (11.0-14.1)` for an asymmetric interval; just the value if exact."""
    if math.isnan(value):
        return "-"
    text = format_value(value, unit)
    if as_range and not math.isnan(lo):
        return f"{text} ({format_value(lo, unit)}-{format_value(hi, unit)})"
    half = max(value - lo, hi - value)
    if math.isnan(half) or math.isclose(half, 0.0, abs_tol=1e-12):
        return text
    return f"{text} ±{format_value(half, unit)}"


def print_tables(result: RunResult, console: Any) -> None:
    """Three tables, one row per region: acute delays, non-acute work, load and coverage."""
    from rich.markup import escape
    from rich.table import Table

    summary = result.region_summary()
    overloaded = overload(summary)
    summary = summary.set_index(["region", "metric"])
    names = {rid: escape(r.name) + (" [bold red](overloaded)[/]" if rid in overloaded else "")
             for rid, r in result.scenario.regions.items()}  # names are free text
    sc = result.scenario
    caption = (f"{escape(sc.name)}: {sc.start} + {sc.days} days, {result.replications} replications, "
               f"seed {result.seed}. Mean \u00b1 95% CI half-width over replications; delay percentiles "
               "and shares within a norm pooled over all replications' delays (low-high: 95% interval over replications).")
    for k, (title, columns) in enumerate(TABLES):
        table = Table(title=title, caption=caption if k == len(TABLES) - 1 else None)
        table.add_column("region")
        for _, heading in columns:
            table.add_column(heading, justify="right")
        for rid in sc.regions:
            table.add_row(names[rid], *[_cell(summary.loc[(rid, m)]) for m, _ in columns])
        console.print(table)
    for rid, reasons in overloaded.items():
        said = against(sc.regions[rid], reasons)
        console.print(f"[bold red]OVERLOADED[/] {escape(sc.regions[rid].name)}: {'; '.join(reasons)}"
                      f"{'; ' + escape(said) if said else ''}.")


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records", double_precision=10))


def overload_records(result: RunResult) -> list[dict[str, Any]]:
    """The overloaded regions with their reasons (see `csgsim.analysis.overload`); [] if none."""
    regions = result.scenario.regions
    return [{"region": rid, "name": regions[rid].name, "reasons": reasons,
             "contracted_hours_per_week": contracted_hours(regions[rid]), "casemanagers": regions[rid].casemanagers,
             "hours": against(regions[rid], reasons)}
            for rid, reasons in overload(result.region_summary()).items()]


def to_json(result: RunResult, command: list[str] | None = None) -> str:
    payload = {
        "manifest": manifest(result, command),
        "overload": overload_records(result),
        "regions": _records(result.region_summary()),
        "casemanagers": _records(result.person_summary()),
    }
    costs = result.cost_summary()
    if costs is not None:
        payload["costs"] = _records(costs)
    return json.dumps(payload, indent=2)


def write_outputs(result: RunResult, folder: Path, csv: bool = False, command: list[str] | None = None,
                  streamed: list[str] | None = None) -> None:
    """Write summary and per-replication tables (and in-memory records) plus a manifest into
    `folder`, the staging folder of a `csgsim.runtime.runfolder.OutputFolder`, which publishes it
    whole. `streamed` names record files already written there batch by batch.
    """
    folder = Path(folder)
    tables = {
        "summary_regions": result.region_summary(),
        "summary_casemanagers": result.person_summary(),
        **(result.records or {}),
    }
    if result.cost_long is not None:  # small: regions x years x cost metrics per replication
        tables.update({"summary_costs": result.cost_summary(), "replications_costs": result.cost_long})
    files = list(streamed or [])
    for name, df in tables.items():
        df.to_parquet(folder / f"{name}.parquet", index=False, compression="zstd")
        files.append(f"{name}.parquet")
    for name, rows in (("replications_regions", result.region_rows), ("replications_casemanagers", result.person_rows)):
        write_in_parts(folder / f"{name}.parquet", rows, result.replications)  # never whole in memory
        files.append(f"{name}.parquet")
    if csv:
        for name in ("summary_regions", "summary_casemanagers"):
            tables[name].to_csv(folder / f"{name}.csv", index=False)
            files.append(f"{name}.csv")
    info = {"kind": "csgsim run output", **manifest(result, command), "files": sorted(files),
            "overload": overload_records(result)}
    (folder / "manifest.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
