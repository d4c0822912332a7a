"""The report's sections: charts that say so when empty and write numbers for the reader, the
team section with both answers of csgsim size (and, on English pages, its own line across the
table), and the compact parameter appendix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from csgsim.ui.formatting import Numbers
from tests.report_pages import ZEELAND, Page, check_in_browser, make_report, needs_chromium, parse


def test_a_panel_with_nothing_to_show_becomes_a_sentence() -> None:
    """Bars that would all be zero (or missing) make an empty chart; the page says so instead."""
    from csgsim.ui.report.figures import flat

    assert flat(np.zeros(3), np.zeros(3), np.zeros(3)) and flat(np.array([np.nan, np.nan]))
    assert not flat(np.zeros(3), np.array([0.0, -0.5, 0.0]))


@pytest.mark.parametrize(("lang", "expected"), [("nl", ["0,0", "0,2", "1,2"]), ("en", ["0.0", "0.2", "1.2"])])
def test_chart_axes_write_numbers_for_the_reader(lang: str, expected: list[str]) -> None:
    """A chart's tick labels are in the page's locale, with the decimals the tick spacing needs."""
    from csgsim.ui.report.figures import _axis_numbers, _figure, png

    fig = _figure(4, 2)
    ax = fig.subplots()
    ax.set_xlim(0, 1.2)
    ax.set_ylim(0, 12000)
    _axis_numbers(ax, Numbers(lang))
    _axis_numbers(ax, Numbers(lang), "y")
    png(fig)  # draws, so the labels are set
    labels = [label.get_text() for label in ax.get_xticklabels()]
    assert all(x in labels for x in expected), labels
    assert ("10.000" if lang == "nl" else "10,000") in [label.get_text() for label in ax.get_yticklabels()]


def test_size_gives_a_team_or_a_stated_verdict_per_region(tmp_path: Path) -> None:
    """--size runs csgsim size for every region: the page names the smallest team meeting the
    default targets with the binding target, or the verdict; without --size it says it was not done."""
    make_report(tmp_path / "s", "-s", ZEELAND, "--no-pdf", "--size", "4")
    page = parse(tmp_path / "s" / "rapport.html")
    text = (tmp_path / "s" / "rapport.html").read_text(encoding="utf-8")
    assert "Bindend doel" in text and "Casewerk nodig (uur/week)" in text and "centrale prognose" in text
    assert "size_zeeland" in page.values or "niet beslist" in text or "geen grootte" in text
    assert "niet berekend in dit rapport" not in text


def _sized(region: str, targets: list[str], sizes: list[int], verdicts: list[str], answer: int | None,
           status: str) -> Any:
    """A RegionSizing with one candidate per size, every target of a candidate given its verdict."""
    from csgsim.studies.sizing import Cell, RegionSizing
    from csgsim.studies.targets import Stat, parse_target

    goals = [parse_target(x) for x in targets]
    cells = [Cell(n, status=v, stats=[Stat(0.0, 0.0, 0.0, 1, v)] * len(goals)) for n, v in zip(sizes, verdicts)]
    return RegionSizing(region, region.title(), goals, cells, answer, status, "", [])


def _team_section(lang: str, ids: tuple[str, str] = ("a", "b")) -> str:
    """The team section's sizing table for two made-up regions: one answered (6 people, 41 hours),
    one with only upper bounds settled (at most 4 people, at most 30 hours)."""
    from types import SimpleNamespace

    from csgsim.studies.casework import DemandPlan
    from csgsim.studies.sizing import Casework, Sizing
    from csgsim.ui.report import team

    oncall, work = ["gap_hours<=0", "acute_contact_p95<=30"], ["followup_on_time>=0.95"]
    a = _sized(ids[0], oncall, [5, 6], ["fails", "meets"], 6, "answer")
    a.casework = Casework(6, "the people answer", 48.0, _sized(ids[0], work, [40, 41], ["fails", "meets"], 41, "answer"))
    b = _sized(ids[1], oncall, [3, 4], ["open", "meets"], None, "not settled")
    b.casework = Casework(5, "the scenario's team", 40.0, _sized(ids[1], work, [20, 30], ["open", "meets"], None,
                                                                  "not settled"))
    sizing = Sizing([a, b], 0.95, 0.99, 1, True, 1, demand=DemandPlan("percentile", 80))
    regions = {rid: SimpleNamespace(casemanagers=5) for rid in ids}
    return team.sizing(SimpleNamespace(sizing=sizing, scenario=SimpleNamespace(regions=regions, days=365)),
                       Numbers(lang))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_team_section_shows_people_on_call_and_casework_hours_apart(lang: str) -> None:
    """Per region the page gives both answers of csgsim size: casemanagers on call with the target
    that binds, and casework hours a week needed beside the scenario's contracted hours; where only
    an upper bound is settled it says 'at most', and it names the demand the team was sized for."""
    section = _team_section(lang)
    page = Page()
    page.feed(section)
    words = {"nl": ("hoogstens", "80e percentiel", "per persoon"), "en": ("at most", "80th percentile", "each")}[lang]
    assert page.values == {"size_a": (6.0, "6"), "hours_a": (41.0, "41"), "size_b": (4.0, f"{words[0]} 4"),
                           "hours_b": (30.0, f"{words[0]} 30")}
    rows = [re.sub(r"<[^>]+>", "|", row.replace("<wbr>", "")) for row in section.split("<tr>")[2:]]
    binding = {"nl": ("|Uren zonder bereikbare casemanager per jaar \u2264 0|Eerste contact acuut, 95e percentiel (min) \u2264 30|",
                      "|Nazorgcontacten op tijd \u2265 95%|"),
               "en": ("|Hours with no one reachable per year \u2264 0|Acute first contact, 95th percentile (min) \u2264 30|",
                      "|Follow-up contacts on time \u2265 95%|")}[lang]
    assert "|6|" in rows[0] and binding[0] in rows[0]  # the targets in the page's words, one a line
    assert "|48|" in rows[0] and binding[1] in rows[0]
    assert "gap_hours" not in section.replace("size_", "") or lang == "en"  # the syntax only in csgsim size's own line
    assert "|40|" in rows[1] and f"(6{',' if lang == 'nl' else '.'}0 {words[2]})" in rows[1]  # 30 h at 5 people
    assert words[1] in section
    assert ("casework needs 41 h a week" in section) == (lang == "en")  # csgsim size's line, English pages only
    assert section.count("<tr class=line><td colspan=7>") == (2 if lang == "en" else 0)  # across the table


@needs_chromium
@pytest.mark.parametrize("width", [1280, 800])
def test_the_english_team_section_with_size_fits_in_a_browser(tmp_path: Path, width: int) -> None:
    """English pages with --size carry csgsim size's own line per region across the whole table under
    its region, not in a narrow last column; at a desktop and a narrow width nothing is wider than its
    box and no such line is narrower than its table, in a real report with --size and in a section
    where both regions have answers and binding targets."""
    from csgsim.ui.report.html import CSS

    out = tmp_path / "en"
    make_report(out, "-s", ZEELAND, "--no-pdf", "--size", "4", "--lang", "en")
    assert "<tr class=line><td colspan=7><small>Detail (from csgsim size): " in (out / "report.html").read_text()
    check_in_browser(out / "report.html", tmp_path, width)
    section = _team_section("en", ("gelderland-zuid", "groningen-drenthe"))
    page = tmp_path / "section.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset=utf-8><style>{CSS}</style></head><body>{section}</body>"
                    "</html>", encoding="utf-8")
    check_in_browser(page, tmp_path, width)


def test_the_appendix_lists_a_region_parameter_once_and_each_source_once() -> None:
    """A value every region shares is one row, 'all regions'; values that differ are one row with
    each region's value; each source is one numbered note, and the rows refer to it by number."""
    from csgsim.ui.report.appendix import Notes, rows

    region = {"x": {"value": 1, "source": "s"}, "note": {"value": 1, "assumption": "a"}}
    data = {"norms": {"n": {"value": 3, "source": "s"}},
            "regions": {"a": {"name": "A", **region, "y": 1.5}, "b": {"name": "B", **region, "y": 2.5,
                                                                     "note": {"value": 2, "assumption": "b"}}}}
    notes = Notes("en")
    assert rows(data, "en", {"a": "A", "b": "B"}, notes) == [
        ("norms.n", "3", "[1]"), ("regions.*.name", "A: &quot;A&quot;; B: &quot;B&quot;", "–"),
        ("regions.*.x", "1 (all 2 regions)", "[1]"), ("regions.*.note", "A: 1 [2]; B: 2 [3]", ""),
        ("regions.*.y", "A: 1.5; B: 2.5", "–")]
    assert notes.html() == ("<ol class=notes><li>[1] source: s</li><li>[2] assumption: a</li>"
                            "<li>[3] assumption: b</li></ol>")


def test_the_national_appendix_keeps_every_value_and_source() -> None:
    """Nothing is cut: every value of the national model is in its row, every source or assumption
    is one note, and the rows are far fewer than the parameters."""
    from html import escape

    from csgsim.config import scenario as scenario_mod
    from csgsim.core import resources
    from csgsim.ui.report.appendix import Notes, parameters, rows

    data, _ = scenario_mod.read(resources.default_model())
    names = {rid: reg["name"] for rid, reg in data["regions"].items()}
    notes = Notes("nl")
    table = rows(data, "nl", names, notes)
    cells = {key: value for key, value, _ in table}
    params = parameters(data, "nl")
    assert len(table) < len(params) / 2
    for key, value, prov in params:
        parts = key.split(".", 2)
        cell = cells[f"regions.*.{parts[2]}" if parts[0] == "regions" else key]
        assert escape(value) in cell, key
        assert prov == "geen bron vermeld" or prov in notes.texts, key
    listed = notes.html()
    assert all(listed.count(f"] {escape(text)}</li>") == 1 for text in notes.texts)
    assert len(notes.texts) == len({p for _, _, p in params} - {"geen bron vermeld"})
