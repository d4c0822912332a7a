"""Outputs: terminal tables, JSON, CSV and Parquet files with a manifest, written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from csgsim.analysis.overload import against, contracted_hours, overload
from csgsim.analysis.summary import MEAN
from csgsim.runtime.provenance import manifest
from csgsim.runtime.replications import RunResult
from csgsim.runtime.streaming import write_in_parts
from csgsim.ui import formatting

#: Terminal tables: (title, [metric]); kept to six or seven columns so 80 columns suffice.
TABLES = [
    ("Acute delays", ["acute_reports", "acute_contact_p50", "acute_contact_p95", "acute_contact_within_norm",
                      "acute_attendance_p90", "acute_answered_by_backup"]),
    ("Non-acute intake and watchful waiting", ["non_acute_reports", "intake_wait_mean", "intake_wait_p90",
                                               "intake_within_norm", "followup_on_time"]),
    ("Casemanager load (per casemanager)", ["duties_per_4w", "callouts_per_duty", "night_callouts_per_16w",
                                            "csg_hours_vs_contract", "active_caseload", "heavy_week_share"]),
    ("Escalation: who answered the acute calls, and call-ins", [
        "acute_answered_by_duty", "acute_answered_by_backup", "acute_answered_by_callin", "acute_answered_by_neighbour",
        "acute_waited", "callins_per_person_per_4w"]),
    ("Absence, working-time rules and coverage", ["absent_share", "extra_duties_per_4w", "max_oncall_days_per_4w",
                                                  "rule_breaches", "backup_only_hours", "gap_hours", "acute_in_gap"]),
]


def _cell(row: pd.Series) -> str:
    """A mean as mean ± half its 95% CI; a percentile, whose bootstrap interval is not symmetric,
    or an interval clipped to the metric's possible values, as estimate (low to high)."""
    return formatting.interval(row["mean"], row["ci_low"], row["ci_high"], row["unit"], row["statistic"] != MEAN)


def print_tables(result: RunResult, console: Any) -> None:
    """Three tables, one row per region: acute delays, non-acute work, load and coverage."""
    from csgsim.ui.markup import escape
    from rich.table import Table

    summary = result.region_summary()
    overloaded = overload(summary, _share)
    summary = summary.set_index(["region", "metric"])
    names = {rid: escape(r.name) + (" [bold red](overloaded)[/]" if rid in overloaded else "")
             for rid, r in result.scenario.regions.items()}  # names are free text
    sc = result.scenario
    caption = (f"{escape(sc.name)}: {sc.start} + {sc.days} days, {result.replications} replications, "
               f"seed {result.seed}. Mean \u00b1 95% CI half-width over replications; delay percentiles "
               "and shares within a norm pooled over all replications' delays, with their 95% interval over "
               "replications as (low to high), as is an interval cut at 0 or 100% (a count cannot be negative).")
    for k, (title, columns) in enumerate(TABLES):
        table = Table(title=title, caption=caption if k == len(TABLES) - 1 else None)
        table.add_column("region")
        for m in columns:
            table.add_column(formatting.label(m), justify="right")
        for rid in sc.regions:
            table.add_row(names[rid], *[_cell(summary.loc[(rid, m)]) for m in columns])
        console.print(table)
    for rid, reasons in overloaded.items():
        said = against(sc.regions[rid], reasons)
        console.print(f"[bold red]OVERLOADED[/] {escape(sc.regions[rid].name)}: {'; '.join(reasons)}"
                      f"{'; ' + escape(said) if said else ''}.")


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records", double_precision=10))


def _share(x: float) -> str:
    return formatting.value(x, "share")


def overload_records(result: RunResult) -> list[dict[str, Any]]:
    """The overloaded regions with their reasons (see `csgsim.analysis.overload`); [] if none."""
    regions = result.scenario.regions
    return [{"region": rid, "name": regions[rid].name, "reasons": reasons,
             "contracted_hours_per_week": contracted_hours(regions[rid]), "casemanagers": regions[rid].casemanagers,
             "hours": against(regions[rid], reasons)}
            for rid, reasons in overload(result.region_summary(), _share).items()]


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
    costs = result.cost_summary()
    if costs is not None:
        tables["summary_costs"] = costs
    files = list(streamed or [])
    for name, df in tables.items():
        df.to_parquet(folder / f"{name}.parquet", index=False, compression="zstd")
        files.append(f"{name}.parquet")
    parts = [("replications_regions", result.region_rows), ("replications_casemanagers", result.person_rows)]
    if costs is not None:
        parts.append(("replications_costs", result.cost_rows))
    for name, rows in parts:
        write_in_parts(folder / f"{name}.parquet", rows, result.replications)  # never whole in memory
        files.append(f"{name}.parquet")
    if csv:
        for name in ("summary_regions", "summary_casemanagers"):
            tables[name].to_csv(folder / f"{name}.csv", index=False)
            files.append(f"{name}.csv")
    info = {"kind": "csgsim run output", **manifest(result, command), "files": sorted(files),
            "overload": overload_records(result)}
    (folder / "manifest.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
