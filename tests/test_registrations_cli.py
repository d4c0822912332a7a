"""Own registrations on the command line: each bad export its message and exit 2 with nothing
written; Dutch, English and a mapping file give the same scenario; re-importing changes nothing;
generated exports never raise a traceback."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from csgsim.calibration import own_demand
from csgsim.calibration.registrations import RegistrationError, read_export
from csgsim.config import scenario as scenario_mod

ROOT = Path(__file__).resolve().parents[1]
ZEELAND = ROOT / "models" / "zeeland.toml"
HEADER = "id,first_call,type,first_contact,on_site_minutes,forensic_exam,followup_dates"


def _cli(*args: object) -> Any:
    from typer.testing import CliRunner

    from csgsim.ui.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """One synthetic Zeeland export, in English CSV, Dutch CSV and English .xlsx."""
    folder = tmp_path_factory.mktemp("exports")
    out = {}
    for name, extra in (("en.csv", "--english"), ("nl.csv", "--dutch"), ("en.xlsx", "--english")):
        path = folder / f"zeeland-synthetic-{name}"
        result = _cli("synthetic-export", "-s", ZEELAND, "-r", "zeeland", "--out", path, extra, "--seed", 3)
        assert result.exit_code == 0, result.output
        out[name] = path
    return out


def _import(export: Path, out: Path, *extra: object, scenario: Path = ZEELAND) -> Any:
    return _cli("import-registrations", export, "-s", scenario, "-r", "zeeland", "--out", out, *extra)


def _without_digest(text: str) -> str:
    return re.sub(r"SHA-256 [0-9a-f]{64}", "SHA-256 X", text)


def test_synthetic_export_is_labelled_and_a_name_without_synthetic_is_refused(exports, tmp_path) -> None:
    text = exports["en.csv"].read_text()
    assert text.splitlines()[1].startswith("SYNTHETIC-000001,") and "not real reports" in text
    result = _cli("synthetic-export", "-s", ZEELAND, "-r", "zeeland", "--out", tmp_path / "export.csv")
    assert result.exit_code == 2 and "must contain 'synthetic'" in result.output
    assert not (tmp_path / "export.csv").exists()


def test_import_writes_a_valid_scenario_with_provenance_and_reimporting_changes_nothing(exports, tmp_path) -> None:
    first, second = tmp_path / "own.toml", tmp_path / "again.toml"
    result = _import(exports["en.csv"], first)
    assert result.exit_code == 0, result.output
    assert "times narrower" not in result.output  # zeeland.toml takes its level as exact
    assert "the model had taken its level as exact" in result.output
    region = scenario_mod.load(first).regions["zeeland"]
    assert region.acute.level_year == 2024 and region.uncertainty.level_sd_log > 0
    written = first.read_text()
    assert "own registration, " in written and "file SHA-256 " in written
    assert "SYNTHETIC-" not in written and "SYNTHETIC-" not in result.output  # aggregates only, no row
    assert _import(exports["en.csv"], second, scenario=first).exit_code == 0
    assert second.read_text() == written


def test_dutch_english_xlsx_and_a_mapping_file_give_the_same_scenario(exports, tmp_path) -> None:
    outs = []
    for name in ("en.csv", "nl.csv", "en.xlsx"):
        outs.append(tmp_path / f"{name}.toml")
        assert _import(exports[name], outs[-1]).exit_code == 0
    own = tmp_path / "own-names.csv"
    lines = exports["en.csv"].read_text().splitlines()
    lines[0] = lines[0].replace("id,first_call,type", "Dossiernr,Datum melding,Soort melding")
    body = [line.replace(",acute,", ",Acuut (<7 dagen),").replace(",non-acute,", ",Advies,") for line in lines[1:]]
    own.write_text("\n".join([lines[0], *body]) + "\n")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[columns]\nid = "Dossiernr"\nfirst_call = "Datum melding"\ntype = "Soort melding"\n'
                       '[types]\nacute = ["Acuut (<7 dagen)"]\nnon_acute = ["Advies"]\n')
    outs.append(tmp_path / "mapped.toml")
    result = _import(own, outs[-1], "--mapping", mapping)
    assert result.exit_code == 0, result.output
    texts = {_without_digest(p.read_text()) for p in outs}
    assert len(texts) == 1


def _rows(n: int = 30, **change: str) -> list[str]:
    """n valid rows (one a day from 2024-01-01); `change` maps 'row:column' to a new cell."""
    cols = HEADER.split(",")
    rows = []
    for i in range(n):
        call = datetime(2024, 1, 1, 10) + timedelta(days=i)
        row = {"id": str(i + 1), "first_call": f"{call:%Y-%m-%d %H:%M}", "type": "acute" if i % 2 else "non-acute",
               "first_contact": f"{call + timedelta(minutes=20):%Y-%m-%d %H:%M}", "on_site_minutes": "150",
               "forensic_exam": "yes", "followup_dates": f"{call + timedelta(days=2):%Y-%m-%d}"}
        for key, value in change.items():
            r, c = key.split(":")
            if int(r) == i:
                row[c] = value
        rows.append(",".join(row[c] for c in cols))
    return rows


BAD = {
    "missing columns": ("id,type\n1,acute\n", ("missing required column(s) first_call (first_call or eerste_melding)",)),
    "unparseable date": ("\n".join([HEADER, *_rows(**{"3:first_call": "31-31-2024 10:00"})]),
                         ("column 'first_call': an empty or unparseable date", "in row 5 (1 in all)")),
    "future date": ("\n".join([HEADER, *_rows(**{"4:first_call": "2099-01-01 10:00"})]),
                    ("column 'first_call': a date in the future (after ", "in row 6 (1 in all)")),
    "before opening": ("\n".join([HEADER, *_rows(**{"4:first_call": "2001-01-01 10:00"})]),
                       ("column 'first_call': a date before the centre opened (2012-01-01) in row 6",)),
    "duplicate ids": ("\n".join([HEADER, *_rows(**{"7:id": "1"})]),
                      ("column 'id': a duplicate id in rows 2, 9 (2 in all)",)),
    "unknown type": ("\n".join([HEADER, *_rows(**{f"{i}:type": "spoed" for i in range(8)})]),
                     ("column 'type': an unknown type (allowed: acute/acuut, non-acute/niet-acuut, or the mapping "
                      "file's [types]) in rows 2, 3, 4, 5, 6 and 3 more (8 in all)",)),
    "contact before call": ("\n".join([HEADER, *_rows(**{"2:first_contact": "2023-12-31 10:00"})]),
                            ("column 'first_contact': a first contact before the first call in row 4",)),
    "negative duration": ("\n".join([HEADER, *_rows(**{"2:on_site_minutes": "-30"})]),
                          ("column 'on_site_minutes': a negative duration in row 4",)),
    "empty file": ("", ("holds no reports",)),
    "header only": (HEADER + "\n", ("holds no reports",)),
}


@pytest.mark.parametrize("case", list(BAD))
def test_each_bad_export_gives_its_message_and_exit_2_and_writes_nothing(case: str, tmp_path: Path) -> None:
    text, fragments = BAD[case]
    export, out = tmp_path / "export.csv", tmp_path / "own.toml"
    export.write_text(text)
    result = _import(export, out)
    assert result.exit_code == 2, result.output
    assert all(f in result.output for f in fragments), result.output
    assert result.output.count("error:") == 1  # one problem of one kind: one message
    assert "Traceback" not in result.output and not out.exists()


def test_an_xlsx_with_the_reports_on_another_sheet_names_the_sheets(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Toelichting"
    book.active.append(["Export of 2024"])
    data = book.create_sheet("Meldingen")
    for line in [HEADER, *_rows()]:
        data.append(line.split(","))
    export, out = tmp_path / "export.xlsx", tmp_path / "own.toml"
    book.save(export)
    result = _import(export, out)
    assert result.exit_code == 2 and "sheets: 'Toelichting', 'Meldingen'" in result.output and not out.exists()
    assert _import(export, out, "--sheet", "Meldingen").exit_code == 0


def test_a_file_far_larger_than_any_export_is_refused_unread(tmp_path: Path) -> None:
    export = tmp_path / "huge.csv"
    with export.open("wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: nothing is written, the size is what counts
    result = _import(export, tmp_path / "own.toml")
    assert result.exit_code == 2 and "may have at most" in result.output


STAMPS = st.datetimes(min_value=datetime(2016, 1, 1), max_value=datetime(2024, 12, 31, 23, 59)).map(
    lambda d: d.replace(microsecond=0))
FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d-%m-%Y %H:%M", "%Y-%m-%d")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=st.lists(st.tuples(STAMPS, st.sampled_from(FORMATS), st.sampled_from(["acute", "Acuut", "niet-acuut",
                                                                                     "non_acute", "NA"])),
                      min_size=1, max_size=40),
       optional=st.sets(st.sampled_from(["first_contact", "on_site_minutes", "forensic_exam", "followup_dates"])),
       odd=st.sampled_from(["", "2024-02-29 00:00", "2024-03-31 02:30", "2023-10-29 02:30"]))
def test_generated_valid_exports_import_without_a_traceback(calls, optional, odd, tmp_path: Path) -> None:
    """Random sizes, optional columns left out, leap days and DST hours: imported and estimated."""
    cols = ["id", "first_call", "type", *sorted(optional)]
    lines = [",".join(cols)]
    if odd:
        calls = [*calls, (datetime.fromisoformat(odd), "%Y-%m-%d %H:%M", "acute")]
    for i, (when, fmt, kind) in enumerate(calls):
        cells = {"id": f"r{i}", "first_call": when.strftime(fmt), "type": kind,
                 "first_contact": (when + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
                 "on_site_minutes": str(i * 7 % 300), "forensic_exam": "ja" if i % 3 else "",
                 "followup_dates": ";".join(f"{when + timedelta(days=d):%Y-%m-%d}" for d in range(i % 3))}
        lines.append(",".join(cells[c] for c in cols))
    export = tmp_path / "generated.csv"
    export.write_text("\n".join(lines) + "\n")
    reg = read_export(export, today=date(2025, 6, 1))
    region = scenario_mod.load(ZEELAND).regions["zeeland"]
    est = own_demand.estimate(reg, {k: region.demand(k).profile for k in own_demand.KINDS},
                              {k: region.demand(k).seasonality for k in own_demand.KINDS})
    assert est.reports == len(calls) and est.total.low <= est.total.value <= est.total.high


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.lists(st.text(alphabet="0123456789-:; aAcutT", max_size=18), min_size=3, max_size=3),
                      max_size=12))
def test_generated_garbage_is_a_registration_error_never_a_traceback(cells, tmp_path: Path) -> None:
    export = tmp_path / "garbage.csv"
    export.write_text("\n".join(["id,first_call,type", *(",".join(c) for c in cells)]) + "\n")
    try:
        read_export(export, today=date(2025, 6, 1))
    except RegistrationError as exc:
        assert str(exc)


def test_a_multi_region_export_gives_each_region_its_rows(exports, tmp_path: Path) -> None:
    """A region column: the rows of the region asked for (by id or name) are used; an export
    without that region names the regions it holds (with counts, no rows)."""
    lines = exports["en.csv"].read_text().splitlines()
    both = [lines[0] + ",region"] + [f"{line},{'Zeeland' if i % 3 else 'rotterdam'}" for i, line in
                                     enumerate(lines[1:])]
    export = tmp_path / "both.csv"
    export.write_text("\n".join(both) + "\n")
    result = _import(export, tmp_path / "own.toml")
    assert result.exit_code == 0, result.output
    kept = sum(1 for i in range(len(lines) - 1) if i % 3)
    assert f"own registration, {kept} reports" in (tmp_path / "own.toml").read_text()
    other = tmp_path / "other.csv"
    other.write_text("\n".join([both[0], *(x for x in both[1:] if x.endswith(",rotterdam"))]) + "\n")
    result = _import(other, tmp_path / "none.toml")
    assert result.exit_code == 2 and "no report of region 'zeeland'" in result.output
    assert "'rotterdam' (" in result.output and not (tmp_path / "none.toml").exists()


def test_a_period_without_reports_is_an_error(exports, tmp_path: Path) -> None:
    out = tmp_path / "own.toml"
    result = _import(exports["en.csv"], out, "--from", "2025-01-01", "--to", "2025-06-30")
    assert result.exit_code == 2 and "no report has its first call from 2025-01-01 to 2025-06-30" in result.output
    result = _import(exports["en.csv"], out, "--from", "2024-06-01", "--to", "2024-01-01")
    assert result.exit_code == 2 and "ends (2024-01-01) before it starts (2024-06-01)" in result.output
    assert not out.exists()


def test_the_written_scenario_passes_validate_and_names_its_provenance(exports, tmp_path: Path) -> None:
    out = tmp_path / "own.toml"
    assert _import(exports["nl.csv"], out).exit_code == 0
    result = _cli("validate", out)
    assert result.exit_code == 0, result.output
    assert "own registration" in result.output


def test_a_bad_mapping_file_is_named(exports, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[columns]\nreport_number = "Nr"\n')
    result = _import(exports["en.csv"], tmp_path / "own.toml", "--mapping", mapping)
    assert result.exit_code == 2 and "not allowed: ['report_number']" in result.output


def test_a_mapped_workbook_with_several_sheets_reads_its_first_sheet(tmp_path: Path) -> None:
    """The first sheet's headers are matched through the mapping file before another sheet is asked for."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Meldingen"
    book.active.append(["Nr", "Datum", "Soort"])
    for line in _rows():
        book.active.append(line.split(",")[:3])
    book.create_sheet("Toelichting").append(["Export of 2024"])
    export, mapping = tmp_path / "export.xlsx", tmp_path / "mapping.toml"
    book.save(export)
    mapping.write_text('[columns]\nid = "Nr"\nfirst_call = "Datum"\ntype = "Soort"\n')
    result = _import(export, tmp_path / "own.toml", "--mapping", mapping)
    assert result.exit_code == 0, result.output


def test_dates_parse_in_the_allowed_forms_and_only_when_they_exist() -> None:
    import pandas as pd

    from csgsim.calibration.registration_schema import parse_dates

    text = pd.Series(["2024-01-05 10:30", "05-01-2024 10:30", "2024-01-05T10:30:15", "29-02-2024", "2024-1-5 9:05",
                      "2024-02-30", "31-13-2024 10:00", "2024-01-05 25:00", "2024-01", "", "10:30 2024-01-05"])
    parsed = parse_dates(text)
    assert list(parsed[:5]) == [pd.Timestamp("2024-01-05 10:30"), pd.Timestamp("2024-01-05 10:30"),
                                pd.Timestamp("2024-01-05 10:30:15"), pd.Timestamp("2024-02-29"),
                                pd.Timestamp("2024-01-05 09:05")]
    assert parsed[5:].isna().all()


def test_an_old_excel_file_is_refused_by_name(tmp_path: Path) -> None:
    export = tmp_path / "export.xls"
    export.write_bytes(b"\xd0\xcf\x11\xe0")
    result = _import(export, tmp_path / "own.toml")
    assert result.exit_code == 2 and "allowed are .csv and .xlsx" in result.output
