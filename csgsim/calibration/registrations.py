"""A centre's registration export: read it (CSV or .xlsx), name its columns, and check it with pandera.

Why a schema library: the rules (required columns, parseable dates, allowed types, no report
before its call) live in two pandera schemas, one on the raw text and one on the parsed values,
and every failure they find becomes one message per kind of problem naming the column and the
rows (as the spreadsheet numbers them: the header is row 1). No cell value is ever repeated in a
message: the export is personal data. docs/registrations.md documents the schema.
"""

from __future__ import annotations

import hashlib
import io
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from csgsim.core import files

from .registration_schema import (COLUMNS, FIRST_CENTRE_OPENED, MAX_ROWS, REQUIRED, TYPE_WORDS, RegistrationError,
                                  check_parsed, check_text, parse)

__all__ = ["COLUMNS", "FIRST_CENTRE_OPENED", "MAX_EXPORT_BYTES", "RegistrationError", "Registrations", "read_export",
           "read_mapping"]

#: Largest export read: far more than any centre registers in ten years (MAX_ROWS reports). A
#: larger file is refused before it is read, so memory stays bounded.
MAX_EXPORT_BYTES = 16 * 1024 * 1024

@dataclass(frozen=True)
class Registrations:
    """The validated reports of one export: aggregates are computed from these, nothing is written."""

    source: str
    sha256: str
    first_call: np.ndarray  # datetime64[m], local time as registered
    acute: np.ndarray  # bool
    region: np.ndarray | None  # str per report, or None without a region column
    contact_minutes: np.ndarray | None  # float, NaN where not registered
    on_site_minutes: np.ndarray | None
    forensic: np.ndarray | None  # float 1/0, NaN where not registered
    followups: tuple[np.ndarray, np.ndarray] | None  # (report number, days from the call's day), one per follow-up

    def __len__(self) -> int:
        return int(self.first_call.size)

    def only(self, keep: np.ndarray) -> Registrations:
        """The reports where `keep` is true (one region of a multi-region export)."""
        def cut(a):
            return None if a is None else a[keep]
        followups = None
        if self.followups is not None:
            rows, days = self.followups
            new_number = np.cumsum(keep) - 1
            followups = (new_number[rows[keep[rows]]], days[keep[rows]])
        return Registrations(self.source, self.sha256, self.first_call[keep], self.acute[keep], cut(self.region),
                             cut(self.contact_minutes), cut(self.on_site_minutes), cut(self.forensic), followups)


# --- reading ------------------------------------------------------------------------------


def _norm(name: Any) -> str:
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def read_mapping(path: str | Path) -> tuple[dict[str, str], dict[str, str]]:
    """A mapping file: ``[columns]`` canonical name = the export's header, ``[types]`` acute /
    non_acute = the export's words. Returns (header -> canonical, word -> type)."""
    text = files.read_text(path, "mapping file", RegistrationError, max_bytes=64 * 1024)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistrationError(f"{path}: TOML syntax error: {exc}") from None
    unknown = set(data) - {"columns", "types"}
    if unknown:
        raise RegistrationError(f"{path}: unknown table(s) {sorted(unknown)}; allowed: [columns], [types]")
    columns, types = data.get("columns", {}), data.get("types", {})
    bad = sorted(set(columns) - set(COLUMNS)) + sorted(set(types) - set(TYPE_WORDS))
    if bad or not all(isinstance(v, str) for v in columns.values()):
        raise RegistrationError(f"{path}: [columns] maps {sorted(COLUMNS)} to header text and [types] maps "
                                f"{sorted(TYPE_WORDS)} to lists of words; not allowed: {bad or 'a non-text header'}")
    words = {}
    for kind, listed in types.items():
        if not isinstance(listed, list) or not all(isinstance(w, str) for w in listed):
            raise RegistrationError(f"{path}: types.{kind} must be a list of words")
        words.update({_norm(w): kind for w in listed})
    return {_norm(v): k for k, v in columns.items()}, words


def need(module: str) -> None:
    """A clear error, not a traceback, when an optional dependency of the import is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise RegistrationError(f"reading registrations needs {module}: pip install 'csgsim[registrations]'")


def _xlsx_rows(raw: bytes, path: str, sheet: str | None, columns: dict[str, str]) -> list[list[Any]]:
    """The rows of the sheet holding the export (at most MAX_ROWS, streamed)."""
    need("openpyxl")
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-xlsx file
        raise RegistrationError(f"{path}: is not a readable .xlsx workbook ({type(exc).__name__})") from None
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        raise RegistrationError(f"{path}: no sheet {sheet!r}; its sheets: {', '.join(map(repr, names))}")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    rows = []
    for row in ws.iter_rows(values_only=True):
        rows.append(["" if v is None else v for v in row])
        if len(rows) > MAX_ROWS + 1:
            raise RegistrationError(f"{path}: more than {MAX_ROWS:,} rows; an export may hold at most that many "
                                    "(split it by year)")
    if sheet is None and len(names) > 1 and not _has_required(rows[0] if rows else [], columns):
        raise RegistrationError(f"{path}: the first sheet {names[0]!r} has no columns {', '.join(REQUIRED)}; the "
                                f"workbook's sheets: {', '.join(map(repr, names))}; name the one with the "
                                "reports (--sheet)")
    return rows


def _has_required(header: list[Any], mapping: dict[str, str]) -> bool:
    found = {_canonical(h, mapping) for h in header}
    return all(r in found for r in REQUIRED)


def _canonical(header: Any, mapping: dict[str, str]) -> str | None:
    h = _norm(header)
    if h in mapping:
        return mapping[h]
    return next((c for c, names in COLUMNS.items() if h in names), None)


def _cell_text(v: Any) -> str:
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    return str(v).strip()


def _table(raw: bytes, path: str, sheet: str | None, columns: dict[str, str]):
    """The export as a DataFrame of text (pandas), before any column is named."""
    import pandas as pd

    if path.lower().endswith(".xlsx"):
        rows = _xlsx_rows(raw, path, sheet, columns)
        if not rows:
            return pd.DataFrame()
        header = [_cell_text(h) for h in rows[0]]
        body = [[_cell_text(v) for v in r[:len(header)]] + [""] * (len(header) - len(r)) for r in rows[1:]]
        return pd.DataFrame(body, columns=header, dtype=object)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel's CSV on Dutch Windows
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    if text.count("\n") > MAX_ROWS + 1:
        raise RegistrationError(f"{path}: more than {MAX_ROWS:,} rows; an export may hold at most that many "
                                "(split it by year)")
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        if isinstance(exc, pd.errors.EmptyDataError):
            return pd.DataFrame()
        raise RegistrationError(f"{path}: is not a readable CSV table ({str(exc).splitlines()[0]})") from None


def read_export(path: str | Path, mapping: str | Path | None = None, *, sheet: str | None = None,
                today: date | None = None, opened: date = FIRST_CENTRE_OPENED) -> Registrations:
    """Read and validate an export; a RegistrationError lists every kind of problem at once."""
    path = str(path)
    if Path(path).suffix.lower() in (".xls", ".xlsm", ".xlsb", ".ods"):
        raise RegistrationError(f"{path}: allowed are .csv and .xlsx; save the export as one of them")
    need("pandera")
    raw = files.read_bytes(path, "registration export", RegistrationError, max_bytes=MAX_EXPORT_BYTES)
    columns, words = read_mapping(mapping) if mapping is not None else ({}, {})
    table = _table(raw, path, sheet, columns)
    named = {}
    for h in table.columns:
        c = _canonical(h, columns)
        if c is not None and c not in named:
            named[c] = h
    table = table[list(named.values())].set_axis(list(named), axis=1)
    if len(table) == 0:
        raise RegistrationError(f"{path}: holds no reports (an empty file or a header only)")
    check_text(table, path, words)
    parsed, followups = parse(table, words)
    check_parsed(parsed, path, today or date.today(), opened)
    return _registrations(parsed, followups, path, hashlib.sha256(raw).hexdigest())


def _registrations(df, followup_dates, path: str, digest: str) -> Registrations:
    """The checked frame as arrays (ids are dropped here: they served only the duplicate check)."""
    call = df["first_call"].to_numpy("datetime64[m]")

    def numbers(col):
        return df[col].to_numpy(float) if col in df else None

    contact = None
    if "first_contact" in df:
        contact = (df["first_contact"] - df["first_call"]).dt.total_seconds().to_numpy(float) / 60.0
    followups = None
    if followup_dates is not None:
        rows = df.index.get_indexer(followup_dates.index)
        day0 = call.astype("datetime64[D]")[rows]
        followups = (rows, (followup_dates.to_numpy("datetime64[D]") - day0).astype(float))
    region = df["region"].to_numpy(str) if "region" in df else None
    return Registrations(path, digest, call, df["type"].to_numpy() == "acute", region, contact,
                         numbers("on_site_minutes"), numbers("forensic_exam"), followups)
