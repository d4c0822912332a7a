"""Calibration data: the counts CSV and the regions table, read and checked row by row.

Why separate: every later step trusts these frames, so every problem is found here and reported
with the file, row (header = row 1), column, bad value and what is allowed. Also the small rules
on what a data point is: the share of a year a centre was open, whether a row is compared or
excluded (and why), and the per-type counts of a row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csgsim.core import files
from csgsim.core.calendar import SCHOOL_REGIONS
from csgsim.core.errors import CalibrationError

LEVEL_MEASURE = "reports"
NATIONAL = "national"
TYPES = ("acute", "non_acute")
COUNT_COLUMNS = ("acute", "non_acute", "total")
REQUIRED_COLUMNS = ("year", "region", "measure", "acute", "non_acute", "total", "source")
REGION_COLUMNS = ("id", "name", "staff_prefix", "population", "opened", "uncertain", "school_region",
                  "school_region_source")
COMPARED, LATER = "compared", "later"
#: Data points that count something other than the modelled series. Each is left out of the fit
#: and printed with its reason in the data-versus-model table; keep the list short and sourced.
EXCLUDED_POINTS: dict[tuple[int, str, str], str] = {
    (2018, "amsterdam-amstelland", LEVEL_MEASURE): (
        "the source (Parool 2019, an article on domestic violence) counts 'victims of rape/assault helped', "
        "not all reports: its 193 is below Amsterdam-Amstelland's own 2019 acute count alone (230), while "
        "national reports rose 28% from 2018 to 2019"),
}
#: Every measure a row may have, with what it counts. A figure on any other measure is refused: it must not
#: be mixed in under a known name, so a new measure is declared here first, with its definition.
MEASURES = {
    LEVEL_MEASURE: "victims who reported to a CSG, acute (within 7 days) and non-acute - the series the model simulates",
    "helped_any_channel": "everyone helped by phone, chat or in a centre (national annual reports from 2021 on)",
}
#: The first CSG opened in 2012 (Utrecht); a count from before then, or from the future, is a typo.
FIRST_YEAR = 2012
#: Why a measure other than ``reports`` is never modelled.
MEASURE_REASONS = {
    "helped_any_channel": ("measure 'helped_any_channel' counts everyone helped by phone, chat or in a centre, "
                           "a broader group than the 'reports' the model simulates (docs/model.md#2-demand)"),
}

_WHOLE = re.compile(r"\d+")
_YEAR = re.compile(r"\d{4}")


def _error(path: Path, line: int, column: str, value: object, allowed: str) -> CalibrationError:
    """One message format for every bad cell, so a user can find and fix it in the file."""
    return CalibrationError(f"{path}: row {line}, column '{column}': {value!r} is not allowed; {allowed}")


def _read_rows(path: Path, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV as (file line number, row dict) pairs; the line numbers count the header as 1."""
    handle = io.StringIO(files.read_text(path, "CSV file", CalibrationError), newline="")
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise CalibrationError(f"{path}: row 1: the file is empty; expected a header {','.join(required)}")
        header = [h.strip() for h in header]
        for column in required:
            if column not in header:
                raise _error(path, 1, column, ",".join(header),
                             f"the header must name the columns {', '.join(required)}")
        rows: list[tuple[int, dict[str, str]]] = []
        previous = reader.line_num
        for record in reader:
            line, previous = previous + 1, reader.line_num
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise _error(path, line, "*", ",".join(record),
                             f"expected {len(header)} fields as in the header, got {len(record)}")
            rows.append((line, {k: v.strip() for k, v in zip(header, record)}))
    return rows


def _whole(path: Path, line: int, column: str, text: str, allowed: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise _error(path, line, column, text, allowed)
    return int(text)


def default_regions_path() -> Path:
    """The shipped regions table: calibration/regions.csv in a checkout, csgsim/data/calibration in a wheel."""
    from csgsim.core import resources

    return resources.calibration_dir() / "regions.csv"


def load_regions(path: str | Path | None = None) -> pd.DataFrame:
    """Read the 16-region table (id, name, staff prefix, population, opening date).

    Why: the region ids are the vocabulary every other file is checked against, and the
    populations are the weights for regions without a published count.
    """
    path = Path(path) if path is not None else default_regions_path()
    records = []
    seen: dict[str, int] = {}
    for line, row in _read_rows(path, REGION_COLUMNS):
        rid = row["id"]
        if not re.fullmatch(r"[a-z][a-z0-9-]*", rid) or rid == NATIONAL:
            raise _error(path, line, "id", rid, "expected a lower-case slug such as 'zeeland', other than 'national'")
        if rid in seen:
            raise _error(path, line, "id", rid, f"each id may appear once (also on row {seen[rid]})")
        seen[rid] = line
        if row["school_region"] not in SCHOOL_REGIONS:
            raise _error(path, line, "school_region", row["school_region"], f"allowed: {', '.join(SCHOOL_REGIONS)}")
        population = _whole(path, line, "population", row["population"], "expected a whole number > 0")
        if population == 0:
            raise _error(path, line, "population", row["population"], "expected a whole number > 0")
        opened = pd.NaT
        if row["opened"]:
            try:
                opened = pd.Timestamp(dt.date.fromisoformat(row["opened"]))
            except ValueError:
                raise _error(path, line, "opened", row["opened"],
                             "expected an ISO date YYYY-MM-DD or an empty cell") from None
        records.append({**row, "population": population, "opened": opened, "line": line})
    if not records:
        raise CalibrationError(f"{path}: row 2: no regions; expected one row per CSG region")
    return pd.DataFrame.from_records(records)


def load_counts(path: str | Path, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate a counts CSV (year, region, measure, acute, non_acute, total, source).

    Why: a wrong cell in this file silently shifts every region's level, so every problem is
    reported with the file, row (header = row 1), column, bad value and what is allowed.
    Region names are normalised to the region ids of ``regions`` (matched on id or name,
    case-insensitively); ``national`` stands for the whole country.
    """
    path = Path(path)
    regions = load_regions() if regions is None else regions
    lookup = {str(v).casefold(): rid for rid, name in zip(regions["id"], regions["name"]) for v in (rid, name)}
    lookup[NATIONAL] = NATIONAL
    allowed_regions = f"expected '{NATIONAL}' or a region id or name from the regions table: {', '.join(regions['id'])}"
    count_rule = "expected a whole number >= 0 or an empty cell"
    records = []
    first_line: dict[tuple[int, str, str], int] = {}
    for line, row in _read_rows(path, REQUIRED_COLUMNS):
        if not _YEAR.fullmatch(row["year"]):
            raise _error(path, line, "year", row["year"], "expected a whole four-digit year such as 2019")
        year = int(row["year"])
        if not FIRST_YEAR <= year <= dt.date.today().year:
            raise _error(path, line, "year", row["year"],
                         f"expected a year from {FIRST_YEAR} (the first CSG) to {dt.date.today().year}")
        region = lookup.get(row["region"].casefold())
        if region is None:
            raise _error(path, line, "region", row["region"], allowed_regions)
        measure = row["measure"]
        if measure not in MEASURES:
            raise _error(path, line, "measure", measure, "known measures: " + "; ".join(
                f"'{k}' ({v})" for k, v in MEASURES.items()) + ". Figures on different measures are never mixed: "
                "declare a new measure in csgsim/calibration/data.py MEASURES with its definition first")
        counts = {c: (_whole(path, line, c, row[c], count_rule) if row[c] else None) for c in COUNT_COLUMNS}
        if all(v is None for v in counts.values()):
            raise _error(path, line, "acute,non_acute,total", "", "at least one of the three counts must be given")
        acute, non_acute, total = (counts[c] for c in COUNT_COLUMNS)
        if total is not None and acute is not None and non_acute is not None and acute + non_acute != total:
            raise _error(path, line, "total", total, f"must equal acute + non_acute = {acute + non_acute}")
        for part in ("acute", "non_acute"):
            if total is not None and counts[part] is not None and counts[part] > total:
                raise _error(path, line, part, counts[part], f"must not exceed total = {total}")
        key = (year, region, measure)
        if key in first_line:
            raise _error(path, line, "year,region,measure", f"{year},{row['region']},{measure}",
                         f"each (year, region, measure) may appear once; row {first_line[key]} has the same key")
        first_line[key] = line
        records.append({"year": year, "region": region, "measure": measure, **counts,
                        "source": row["source"], "line": line})
    frame = pd.DataFrame.from_records(records, columns=[*REQUIRED_COLUMNS, "line"])
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    frame.attrs["path"] = str(path)
    return frame


# --------------------------------------------------------------------------------------------
# Small pure helpers
# --------------------------------------------------------------------------------------------


def fraction_open(opened: pd.Timestamp | dt.date | None, year: int) -> float:
    """Share of calendar ``year`` a centre was open, counting its opening day (0 before, 1 after).

    Why: a first-year count covers only the months since opening; comparing it with a full-year
    level without this factor would read a partial year as low demand.
    """
    if opened is None or pd.isna(opened):
        return 1.0
    opened = pd.Timestamp(opened)
    start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year + 1, 1, 1)
    if opened <= start:
        return 1.0
    if opened >= end:
        return 0.0
    return (end - opened).days / (end - start).days


def ref(counts: pd.DataFrame, line: int) -> str:
    return f"{Path(counts.attrs.get('path', 'counts.csv')).name} row {line}"


def type_label(kind: str) -> str:
    return kind.replace("_", "-")


def _cell(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def row_status(year: int, region: str, measure: str, fit_years: Sequence[int] | set[int],
               opened: Mapping[str, Any]) -> str:
    """``compared``, ``later`` or ``excluded: <reason>`` for a data point the model is not meant to reproduce.

    ``compared``: in a year with a national count, used by the history fit. ``later``: a regional
    count after the last national year, used to move that region's level forward
    (``pooling.anchor_level``). Why explicit: a data point may be left out only for a stated
    reason - another measure, a listed source problem (``EXCLUDED_POINTS``), a year without a
    national count before the last one, or a count from before the centre opened.
    """
    if measure != LEVEL_MEASURE:
        return "excluded: " + MEASURE_REASONS.get(
            measure, f"measure '{measure}' is not the modelled '{LEVEL_MEASURE}' series")
    if (year, region, measure) in EXCLUDED_POINTS:
        return "excluded: " + EXCLUDED_POINTS[(year, region, measure)]
    if year not in fit_years:
        if region != NATIONAL and fit_years and year > max(fit_years):
            return LATER
        return (f"excluded: no national '{LEVEL_MEASURE}' count for {year}, so the calibration fits no level "
                "for that year")
    if region != NATIONAL and fraction_open(opened.get(region), year) == 0.0:
        return f"excluded: {region} had not opened by the end of {year} (calibration/regions.csv)"
    return COMPARED


def row_types(row: Any) -> dict[str, int]:
    """The per-type counts of a row (a missing type from total minus the other), else {'total': n}."""
    a, n, tot = _cell(row.acute), _cell(row.non_acute), _cell(row.total)
    if a is None and n is not None and tot is not None:
        a = tot - n
    if n is None and a is not None and tot is not None:
        n = tot - a
    out = {t: v for t, v in (("acute", a), ("non_acute", n)) if v is not None}
    return out or {"total": tot}


def other_measures(counts: pd.DataFrame, national: pd.DataFrame, reference_year: int) -> pd.DataFrame:
    """National figures of other measures, as a ratio to the reference-year reports - never as levels.

    Why: the 2022/2023 headline counts everyone helped by phone, chat or in person; reading it
    as growth of the 2016-2019 'reports' series would inflate demand about threefold.
    """
    other = counts[(counts["measure"] != LEVEL_MEASURE) & (counts["region"] == NATIONAL)]
    ref_total = float(national.loc[national["year"] == reference_year, "total"].iloc[0])
    return pd.DataFrame({
        "year": other["year"].to_numpy(),
        "measure": other["measure"].to_numpy(),
        "total": other["total"].to_numpy(dtype=float, na_value=np.nan),
        "reference_year": reference_year,
        "ratio_to_reports": other["total"].to_numpy(dtype=float, na_value=np.nan) / ref_total,
        "used": False,
        "note": f"different measure from '{LEVEL_MEASURE}': documented only, not used for levels or growth",
    })


def data_points(counts: pd.DataFrame, fit_years: Sequence[int] | set[int], opened: Mapping[str, Any]) -> pd.DataFrame:
    """One row per published count (a non-empty acute, non_acute or total cell), with its status."""
    records = []
    for row in counts.itertuples(index=False):
        status = row_status(row.year, row.region, row.measure, fit_years, opened)
        for column in COUNT_COLUMNS:
            value = getattr(row, column)
            if pd.isna(value):
                continue
            records.append({"data_point": f"{row.year} {row.region} {type_label(column)}"
                                          + ("" if row.measure == LEVEL_MEASURE else f" ({row.measure})"),
                            "year": int(row.year), "region": row.region, "measure": row.measure, "type": column,
                            "line": int(row.line), "observed": int(value), "status": status})
    return pd.DataFrame.from_records(records)


