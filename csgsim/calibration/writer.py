"""Write the calibrated national model (TOML, with tomlkit) and the levels table.

Why generated: the levels, their uncertainty, their provenance and the staffing rule must stay in
step with the data; regenerate instead of editing by hand. tomlkit writes the comments and the
inline ``{ value = ..., source = ... }`` tables the scenario format uses.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from csgsim.core.errors import CalibrationError

from .data import TYPES

if TYPE_CHECKING:
    from .pipeline import CalibrationResult

SMALL_ACUTE = 80
LARGE_ACUTE = 180
N_OFFICE_PLUS_ONCALL = 3
SHARED_SECTIONS = ("scenario", "norms", "profiles", "defaults", "costs")


def staff_rule(acute_level: float) -> tuple[int, int, int]:
    """(casemanagers, CSG hours per week each, coordinator hours) for a region's acute level.

    An assumption, not data: 5 casemanagers below 80 acute reports a year, 6 below 180, 7 from
    180 ("5 to 7 people" in several centres); 8 h/week each, 16 h from 180 a year; the
    coordinator 16 h/week, 24 h from 180 a year.
    """
    n = 5 if acute_level < SMALL_ACUTE else 6 if acute_level < LARGE_ACUTE else 7
    large = acute_level >= LARGE_ACUTE
    return n, 16 if large else 8, 24 if large else 16


def _default_template() -> Path:
    """The example scenario: in the repository under models/, in an installed wheel under csgsim/models/."""
    here = Path(__file__).resolve().parent.parent
    candidates = (here.parent / "models" / "three-regions.toml", here / "models" / "three-regions.toml")
    return next((c for c in candidates if c.is_file()), candidates[0])


def _item(value: Any, inline: bool = False) -> Any:
    """A TOML item: a table with ``value`` or ``dist`` (a provenance or distribution entry) stays
    inline, and so does every table inside it (e.g. a value that is itself a table)."""
    import tomlkit

    if isinstance(value, Mapping):
        if inline or {"value", "dist"} & set(value):
            table = tomlkit.inline_table()
            table.update({k: _item(v, inline=True) for k, v in value.items()})
            return table
        table = tomlkit.table()
        for k, v in value.items():
            table.add(k, _item(v))
        return table
    if isinstance(value, list):
        return [_item(v, inline) for v in value]
    return value


def _shared(result: CalibrationResult, start: dt.date, days: int, seed: int, replications: int,
            template: Path) -> dict[str, Any]:
    """The template's scenario, norms, profiles, defaults and costs, with the calibrated growth and its spread."""
    try:
        example = tomllib.loads(template.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CalibrationError(f"{template}: cannot be used as the scenario template ({exc})") from exc
    missing = [s for s in SHARED_SECTIONS if s not in example]
    if missing:
        raise CalibrationError(f"{template}: the template lacks the section(s) {', '.join(missing)}")
    shared = {s: example[s] for s in SHARED_SECTIONS}
    g, outlook = result.growth["total"], result.outlook
    reason = (f"{outlook.reason}; national reports {min(g.years)}-{max(g.years)}: {g.rate:.1%}/yr, "
              f"95% CI {g.ci_low:.1%} to {g.ci_high:.1%} (roll-out)")
    shared["scenario"] = {**shared["scenario"], "name": f"Netherlands, {len(result.regions)} CSG regions, "
                          f"{start.year} (levels calibrated to {result.last_year})", "start": start, "days": days,
                          "seed": seed, "replications": replications}
    defaults = shared["defaults"]
    demand = defaults.setdefault("demand", {})
    for t, why in (("acute", reason), ("non_acute", "as acute")):
        demand[t] = {**demand.get(t, {}), "level_year": result.reference_year,
                     "growth_per_year": {"value": float(outlook.rate), "assumption": why}}
    defaults["uncertainty"] = {
        "growth_sd_national": {"value": outlook.national_sd, "assumption": (
            "sd of log(1 + growth) per year after the level year, shared by all regions and drawn once per "
            "replication: " + outlook.reason)},
        "growth_sd_region": {"value": outlook.region_sd, "assumption": (
            "sd of a region's own deviation from the national log growth per year, drawn once per replication")},
    }
    return shared


def _region_table(result: CalibrationResult, rid: str, largest: set[str]) -> Any:
    """One [regions.ID] table: forecast levels with their uncertainty, fitted years, duty and staff."""
    import tomlkit

    info = result.regions.set_index("id").loc[rid]
    prov = result.levels.set_index(["region", "type"])
    by_year = result.year_levels.set_index(["region", "type", "year"])
    acute_row = prov.loc[(rid, "acute")]
    table = tomlkit.table()
    table.add("name", str(info["name"]))
    if isinstance(info["uncertain"], str) and info["uncertain"]:
        table.add("note", "uncertain: " + info["uncertain"])
    for t in TYPES:
        row = prov.loc[(rid, t)]
        key = "source" if row["status"] == "fitted" else "assumption"
        table.add(tomlkit.key(["demand", t, "level"]), _item({"value": float(row["level"]), key: row["provenance"]}))
        if int(row["level_year"]) != result.reference_year:
            table.add(tomlkit.key(["demand", t, "level_year"]), int(row["level_year"]))
        for year in (y for y in result.history.years if y < int(row["level_year"])):
            cell = by_year.loc[(rid, t, year)]
            table.add(tomlkit.key(["demand", t, "levels", str(year)]),
                      _item({"value": float(cell["level"]), key: cell["provenance"]}))
    why = ("partial pooling of own counts and population share, then the later own counts "
           "(calibration/README.md, rules 4 and 10)")
    table.add(tomlkit.key(["uncertainty", "level_sd_log"]),
              _item({"value": float(acute_row["sd_log"]), "source": why}))
    table.add(tomlkit.key(["uncertainty", "acute_share_beta"]), _item({
        "value": [float(acute_row["share_a"]), float(acute_row["share_b"])],
        "source": "own acute/non-acute split shrunk toward the national split (beta-binomial empirical Bayes)"}))
    acute = float(acute_row["level"])
    n, hours, coord_hours = staff_rule(acute)
    pattern = "office_plus_oncall" if rid in largest else "rotation_24h"
    if pattern != "rotation_24h":
        table.add(tomlkit.key(["duty", "pattern"]), pattern)
    table.add(tomlkit.comment(f"staff: assumption - {n} casemanagers of {hours} h/week for {acute:g} acute "
                              f"reports/yr; duty {pattern}"))
    table.add(tomlkit.key(["leave", "school_region"]),
              _item({"value": str(info["school_region"]), "source": str(info["school_region_source"])}))
    prefix = info["staff_prefix"]
    table.add(tomlkit.key(["staff", "coordinator"]), _inline({"id": f"{prefix}-coord", "hours_per_week": coord_hours}))
    table.add(tomlkit.key(["backup", "deputy"]), _item({
        "value": f"{prefix}-cm1", "assumption": "the first casemanager listed stands in for the coordinator as backup"}))
    people = tomlkit.array()
    people.multiline(True)
    for i in range(1, n + 1):
        people.append(_inline({"id": f"{prefix}-cm{i}", "hours_per_week": hours}))
    table.add(tomlkit.key(["staff", "casemanagers"]), people)
    return table


def _inline(values: Mapping[str, Any]) -> Any:
    import tomlkit

    table = tomlkit.inline_table()
    table.update(values)
    return table


def _header(result: CalibrationResult, label: str, template: Path) -> list[str]:
    years = ", ".join(str(y) for y in result.history.years)
    return [
        f"csgsim scenario: all {len(result.regions)} CSG regions, levels calibrated to {result.last_year}.",
        "",
        f"GENERATED by `csgsim calibrate {label} --out <out.toml>` from the public figures",
        "(see calibration/README.md). Do not edit by hand: change the data or the rules and regenerate.",
        "`csgsim calibrate ... --check` simulates every data year with this file and prints data vs model;",
        "`csgsim backtest ... --until YEAR` fits up to YEAR and checks the bands against the later figures.",
        f"The scenario, norms, profiles, defaults and costs sections are those of {template.name}, with the",
        "calibrated level year, growth and the spread of growth; see that file for comments on each key.",
        "",
        "Any number may be written plainly or as { value = X, source = \"URL or citation\" } for a",
        "published figure, or { value = X, assumption = \"why\" } for an assumed one. `csgsim validate FILE`",
        "lists every value's provenance.",
        "",
        "Staff (assumption, not the regions' real rosters), by the region's forecast acute level: 5 casemanagers",
        f"below {SMALL_ACUTE} a year, 6 below {LARGE_ACUTE}, 7 from {LARGE_ACUTE}; 8 CSG hours a week each, 16 from "
        f"{LARGE_ACUTE};",
        f"coordinator 16 h a week, 24 h from {LARGE_ACUTE}. Duty pattern: office_plus_oncall in the "
        f"{N_OFFICE_PLUS_ONCALL} regions with the most",
        "acute reports, rotation_24h elsewhere (assumption).",
        "",
        "Demand: `level` is the expected reports in `level_year` (the last year with data for the",
        f"region), `levels.YEAR` the fitted levels of the data years before it ({years}; 0 before a centre",
        "opened; a first year is prorated by its opening date). Other years grow from `level` by growth_per_year.",
        "[regions.*.uncertainty] and [defaults.uncertainty] are the input uncertainty drawn per replication:",
        "the sd of the log level, the beta distribution of the acute share, and the spread of growth.",
    ]


def write_model(result: CalibrationResult, *, start: dt.date = dt.date(2025, 1, 1), days: int = 365,
                replications: int = 100, seed: int = 20250101, source_label: str | None = None,
                template: str | Path | None = None, events_path: str | Path | None = None) -> str:
    """Scenario TOML for all regions, in the format of ``models/three-regions.toml``.

    The scenario, norms, profiles, defaults and costs sections are copied from ``template`` (default:
    the example scenario), so the national model follows the example's keys; only the level
    year, growth and its spread are replaced. Staff size, contracted hours and duty pattern are
    assumptions (see ``staff_rule``; the largest regions by acute level get ``office_plus_oncall``).
    The ``[[events]]`` of ``events_path`` (default: the shipped ``calibration/events.toml``) are
    appended, so lasting changes after the data (the Zedenwet) are in the forecast with their range.
    """
    import tomlkit

    template_path = Path(template) if template is not None else _default_template()
    shared = _shared(result, start, days, seed, replications, template_path)
    doc = tomlkit.document()
    for line in _header(result, source_label or Path(result.source_path).name, template_path):
        doc.add(tomlkit.comment(line) if line else tomlkit.nl())
    for section in SHARED_SECTIONS:
        doc.add(tomlkit.nl())
        doc.add(section, _item(shared[section]))
    levels = result.levels.pivot(index="region", columns="type", values="level")
    largest = set(levels["acute"].sort_values(ascending=False, kind="stable").index[:N_OFFICE_PLUS_ONCALL])
    regions = tomlkit.table(is_super_table=True)
    for rid in result.regions["id"]:
        regions.add(rid, _region_table(result, rid, largest))
    doc.add("regions", regions)
    events = _events(Path(events_path) if events_path is not None else _default_events())
    if events:
        doc.add(tomlkit.nl())
        table = tomlkit.aot()
        for event in events:
            table.append(_item(event))
        doc.add("events", table)
    return tomlkit.dumps(doc)


def _default_events() -> Path:
    from csgsim.core import resources

    return resources.calibration_dir() / "events.toml"


def _events(path: Path) -> list[dict[str, Any]]:
    """The scenario events to write into the model (``calibration/events.toml``); none if there is no such file."""
    if not path.is_file():
        return []
    try:
        events = tomllib.loads(path.read_text(encoding="utf-8")).get("events", [])
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CalibrationError(f"{path}: cannot be read as the events to write ({exc})") from exc
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise CalibrationError(f"{path}: 'events' must be [[events]] tables")
    return events


def levels_table(result: CalibrationResult) -> pd.DataFrame:
    """The calibrated levels as written to ``calibration/calibrated-levels.csv``: one row per region and
    type, the expected reports of each fitted calendar year, the forecast level (expected reports in its level
    year) with the sd of its log and the acute-share beta, status, the region's rate relative to the
    population-share regions, and the provenance of the forecast level."""
    wide = result.year_levels.pivot(index=["region", "type"], columns="year", values="level")
    wide.columns = [f"level_{y}" for y in wide.columns]
    out = result.levels.merge(wide.reset_index(), on=["region", "type"])
    out["rate_vs_population"] = out["rate_ratio"].round(3)
    return out[["region", "name", "type", *wide.columns, "level_year", "level", "sd_log", "share_a", "share_b",
                "status", "rate_vs_population", "provenance"]]
