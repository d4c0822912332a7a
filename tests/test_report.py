"""`csgsim report`: one self-contained HTML page and the same page as PDF, checked in a real
browser (headless Chromium) and by rendering the PDF's pages (pdftoppm).

The browser and PDF tests need Debian's `chromium` and `poppler-utils`; `.ci/run` installs them,
so in CI they run. Where they are missing locally, those tests are skipped and say why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from csgsim.ui.cli import app
from csgsim.ui.report.pdf import chromium
from csgsim.ui.formatting import Numbers

ROOT = Path(__file__).resolve().parents[1]
ZEELAND = str(ROOT / "models" / "zeeland.toml")
THREE = str(ROOT / "models" / "three-regions.toml")
CHROMIUM = chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed here "
                                    "(apt-get install chromium; .ci/run installs it)")
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                                   reason="poppler-utils (pdftoppm, pdftotext) is not installed here "
                                          "(apt-get install poppler-utils; .ci/run installs it)")


class Page(HTMLParser):
    """Collects the images, key figures (data-key/data-value) and outside references of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.values: dict[str, tuple[float, str]] = {}
        self.external: list[str] = []
        self.scripts = 0
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src") or "")
        if tag == "script":
            self.scripts += 1
        for name in ("href", "src"):
            if a.get(name) and not a[name].startswith("data:"):
                self.external.append(a[name])
        if "data-key" in a:
            self._key = a["data-key"]
            self.values[self._key] = (float(a["data-value"]), "")

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            self.values[self._key] = (self.values[self._key][0], data)
            self._key = None


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def make_report(out: Path, *args: str) -> None:
    res = CliRunner().invoke(app, ["report", "--out", str(out), "-n", "3", "--workers", "1", *args])
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three-region report in Dutch, with its PDF when Chromium is here."""
    out = tmp_path_factory.mktemp("report")
    make_report(out, "-s", THREE, *([] if CHROMIUM else ["--no-pdf"]))
    return out


def test_the_page_is_self_contained_and_dutch_by_default(built: Path) -> None:
    """One HTML file: every image a base64 PNG, no script, nothing fetched from elsewhere; Dutch."""
    html = built / "rapport.html"
    page = parse(html)
    assert page.images and all(src.startswith("data:image/png;base64,") for src in page.images)
    assert page.scripts == 0 and page.external == []
    text = html.read_text(encoding="utf-8")
    assert '<html lang="nl">' in text and "Kosten piket per jaar" in text
    assert "Aanbevolen team per regio: niet berekend in dit rapport" in text  # stated, not left out
    assert "Uren zonder bereikbare casemanager per jaar" in text
    assert "aanname: " in text and "bron: " in text  # provenance in the page's language
    assert "assumption: " not in text and "source: " not in text and "outlook variants" not in text
    # contracted hours are salary in the total (issue 19): the page says so and no longer calls them unpriced
    assert "de contracturen van de casemanagers (loon, ook als het casewerk ze niet gebruikt)" in text
    assert "contracturen die niet aan meldingen besteed worden" not in text and "met de ongebruikte" not in text


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


def test_key_figures_equal_the_runs_parquet_and_are_formatted_for_the_reader(built: Path) -> None:
    """Every cost figure on the page is the mean in the run's summary_costs.parquet (written beside
    the page, listed in its manifest), shown in Dutch notation (EUR sign, thousands with a dot)."""
    files = json.loads((built / "manifest.json").read_text())["files"]
    assert {"rapport.html", "summary_costs.parquet", "replications_costs.parquet", "reports.parquet"} <= set(files)
    page = parse(built / "rapport.html")
    summary = pd.read_parquet(built / "summary_costs.parquet")
    year = int(summary["year"].min())
    cell = summary[summary["year"] == year].set_index(["region", "metric"])["mean"]
    costs = {k: v for k, v in page.values.items() if k.startswith("cost_")}
    assert len(costs) == 4 * 6  # three regions and the nation, six columns
    for key, (value, shown) in costs.items():
        region, metric = re.fullmatch(r"cost_(.+?)_(allowance|coordination|fixed|variable|total|cost_per_case)",
                                      key).groups()
        assert value == pytest.approx(cell[(region, metric)], rel=1e-12)
        assert shown.startswith(Numbers("nl").money(value))
    assert page.values["kf_total"][0] == pytest.approx(cell[("national", "total")], rel=1e-12)
    assert page.values["kf_reports"][0] == pytest.approx(cell[("national", "reports")], rel=1e-12)
    reports = pd.read_parquet(built / "reports.parquet")
    acute = reports[(reports["type"] == "acute") & ~reports["warmup"]]
    within = ((acute["contact_h"] - acute["arrival_h"]) * 60 <= 30 + 1e-9).mean()
    assert page.values["kf_contact_within_norm"][0] == pytest.approx(within, rel=1e-12)
    assert page.values["kf_contact_within_norm"][1].startswith(Numbers("nl").value(within, "share") + " (")
    delay = (acute["contact_h"] - acute["arrival_h"]).dropna() * 60
    assert page.values["kf_contact_p95"][0] == pytest.approx(np.quantile(delay.astype("float32"), 0.95,
                                                                         method="inverted_cdf"), rel=1e-6)
    for key in ("kf_reports", "kf_total", "kf_cost_per_case", "kf_contact_p95", "kf_plus_one_cost"):
        assert re.search(r"\(.+ – .+\)", page.values[key][1]), (key, page.values[key][1])  # a number with its interval
    assert "." in Numbers("nl").money(page.values["kf_total"][0]) and "," not in Numbers("nl").money(page.values["kf_total"][0])


def test_english_on_request_and_rebuilds_are_byte_identical(tmp_path: Path) -> None:
    """--lang en writes report.html in English; two reports from the same run folder are identical."""
    make_report(tmp_path / "a", "-s", ZEELAND, "--no-pdf")
    for name in ("b", "c"):
        make_report(tmp_path / name, "--from", str(tmp_path / "a"), "--lang", "en", "--no-pdf")
    b, c = (tmp_path / n / "report.html" for n in ("b", "c"))
    assert b.read_bytes() == c.read_bytes()
    text = b.read_text(encoding="utf-8")
    assert '<html lang="en">' in text and "Cost of the on-call duty per year" in text
    files = json.loads((tmp_path / "b" / "manifest.json").read_text())["files"]
    assert files == ["report.html"]  # the baseline's tables stay where they were
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["manifest.json", "report.html"]


def test_a_run_read_back_from_its_folder_summarises_as_the_run_did(tmp_path: Path) -> None:
    """`report --from` reads a `csgsim run --out` folder: its delay percentiles are pooled from
    the delays rebuilt from the stored reports, so every summary row (estimate, interval and the
    statistic that says how it was computed) equals that of the run itself."""
    from csgsim.analysis.summary import POOLED
    from csgsim.runtime import replications
    from csgsim.ui.report.gather import read_run_folder

    res = CliRunner().invoke(app, ["run", "-s", ZEELAND, "-n", "3", "--seed", "11", "--workers", "1",
                                   "--out", str(tmp_path / "run"), "-f", "csv"])
    assert res.exit_code == 0, res.output
    sc, _, stored, _ = read_run_folder(tmp_path / "run")
    fresh = replications.run(sc, 3, 11).region_summary()
    back = stored.region_summary()
    assert (back["statistic"] == POOLED).sum() == (fresh["statistic"] == POOLED).sum() > 0
    pd.testing.assert_frame_equal(back, fresh)


def test_a_run_folder_whose_reports_lack_a_column_is_a_clear_error(tmp_path: Path) -> None:
    """A `reports` table without the columns the delays are rebuilt from (an older csgsim wrote
    it) stops `report --from` with exit 2 and names the missing column, not a traceback."""
    res = CliRunner().invoke(app, ["run", "-s", ZEELAND, "-n", "2", "--workers", "1", "--out",
                                   str(tmp_path / "run"), "-f", "csv"])
    assert res.exit_code == 0, res.output
    reports = tmp_path / "run" / "reports.parquet"
    pd.read_parquet(reports).drop(columns=["warmup"]).to_parquet(reports)
    res = CliRunner().invoke(app, ["report", "--from", str(tmp_path / "run"), "--out", str(tmp_path / "rep"),
                                   "--no-pdf"])
    assert res.exit_code == 2 and "warmup" in res.output and "Traceback" not in res.output


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
    return team.sizing(SimpleNamespace(sizing=sizing, scenario=SimpleNamespace(regions=regions)), Numbers(lang))


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
    assert "|6|" in rows[0] and "|gap_hours<=0, acute_contact_p95<=30|" in rows[0].replace("&lt;", "<")
    assert "|48|" in rows[0] and "|followup_on_time>=0.95|" in rows[0].replace("&gt;", ">")
    assert "|40|" in rows[1] and f"(6{',' if lang == 'nl' else '.'}0 {words[2]})" in rows[1]  # 30 h at 5 people
    assert words[1] in section
    assert ("casework needs 41 h a week" in section) == (lang == "en")  # csgsim size's line, English pages only
    assert section.count("<tr class=line><td colspan=7>") == (2 if lang == "en" else 0)  # across the table


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


def test_bad_options_exit_2_without_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Conflicting options, a folder that is no run, a folder with the user's own files, and a PDF
    without Chromium: one line, exit 2, nothing touched."""
    runner = CliRunner()
    cases = [
        (["--from", str(tmp_path), "-s", ZEELAND], "not both"),
        (["--from", str(tmp_path), "--no-pdf"], "not a csgsim run folder"),
    ]
    for args, message in cases:
        res = runner.invoke(app, ["report", "--out", str(tmp_path / "o"), *args])
        assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    res = runner.invoke(app, ["report", "--out", str(mine), "-s", ZEELAND, "--no-pdf"])
    assert res.exit_code == 2 and "is not empty and is not a csgsim run folder" in res.output
    assert (mine / "notes.txt").read_text() == "keep me"
    monkeypatch.setenv("CSGSIM_CHROMIUM", str(tmp_path / "no-such-browser"))
    res = runner.invoke(app, ["report", "--out", str(tmp_path / "o"), "-s", ZEELAND])
    assert res.exit_code == 2 and "no Chromium found" in res.output


CHECK = """<script>window.addEventListener('load', () => {
  const imgs = [...document.images];
  const bad = imgs.filter(i => !i.complete || i.naturalWidth === 0);
  bad.forEach(i => console.error('image not rendered: ' + i.alt));
  const blank = imgs.filter(i => {
    const c = document.createElement('canvas');
    c.width = i.naturalWidth; c.height = i.naturalHeight;
    const g = c.getContext('2d'); g.drawImage(i, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let drawn = 0;
    for (let k = 0; k < d.length; k += 4) if (d[k] < 200 || d[k + 1] < 200 || d[k + 2] < 200) drawn++;
    return drawn < 0.01 * c.width * c.height;
  });
  blank.forEach(i => console.error('image without drawn pixels: ' + i.alt));
  const wide = [...document.body.querySelectorAll('*')].filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1);
  wide.forEach(e => console.error('wider than its box: <' + e.tagName + '> ' + e.textContent.slice(0, 60)));
  const parent = [...document.body.querySelectorAll('table, figure, img, pre')].filter(
    e => e.getBoundingClientRect().right > e.parentElement.getBoundingClientRect().right + 1);
  parent.forEach(e => console.error('wider than its container: <' + e.tagName + '> ' + e.textContent.slice(0, 60)));
  const narrow = [...document.querySelectorAll('tr.line td')].filter(td => td.clientWidth < 0.9 * td.closest('table').clientWidth);
  narrow.forEach(e => console.error('a line narrower than its table: ' + e.textContent.slice(0, 60)));
  document.body.setAttribute('data-checked', imgs.length + '/' + (bad.length + blank.length + wide.length + parent.length + narrow.length));
});</script>"""


def browse(html: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp / 'prof'}",
                           "--enable-logging=stderr", "--v=0", *args, html.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)


def check_in_browser(html: Path, tmp: Path, width: int) -> str:
    """The page with CHECK added, loaded in headless Chromium `width` pixels wide; returns the DOM
    after the check ran and fails on any console message (an image without pixels, an element
    wider than its box or its container)."""
    checked = tmp / f"checked-{width}.html"
    checked.write_text(html.read_text(encoding="utf-8").replace("</body>", CHECK + "</body>"), encoding="utf-8")
    dom = browse(checked, tmp, "--dump-dom", f"--window-size={width},1000")
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    n_images = len(parse(html).images)
    assert f'data-checked="{n_images}/0"' in dom.stdout
    return dom.stdout


@needs_chromium
@pytest.mark.parametrize("width", [1280, 800])
def test_the_page_renders_in_a_real_browser(built: Path, tmp_path: Path, width: int) -> None:
    """Headless Chromium at a desktop and a narrow width: no console error, every image decoded
    with drawn pixels, no element wider than its box or its container, key figures in the rendered
    DOM equal the run's Parquet, and a screenshot of the first screen that is not blank."""
    from PIL import Image

    dom = check_in_browser(built / "rapport.html", tmp_path, width)
    summary = pd.read_parquet(built / "summary_costs.parquet").set_index(["region", "metric"])
    rendered = dict(re.findall(r'data-key="(cost_national_total)" data-value="([^"]+)"', dom))
    assert float(rendered["cost_national_total"]) == pytest.approx(summary.loc[("national", "total"), "mean"])

    shot = tmp_path / "first.png"
    plain = browse(built / "rapport.html", tmp_path, f"--screenshot={shot}", f"--window-size={width},1400")
    assert [line for line in plain.stderr.splitlines() if "CONSOLE" in line] == []
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.std() > 20  # text and a figure, not a blank page
    assert (pixels < 100).mean() > 0.01  # dark text is there


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


def pdf_pages(pdf: Path, tmp: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp / "p")], check=True, timeout=120)
    return sorted(tmp.glob("p-*.png"))


def pdf_text(pdf: Path) -> str:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.replace("\u00a0", " ").split())  # without spaces: the PDF's spacing is the layout's


def assert_key_figures_in(pdf: Path, html: Path) -> None:
    """Each key figure of the page, as shown there, is in the PDF's text."""
    text = pdf_text(pdf)
    for key, (_, shown) in parse(html).values.items():
        if key.startswith("kf_"):
            assert "".join(shown.replace("\u00a0", " ").split()) in text, (key, shown)


@needs_chromium
@needs_poppler
def test_the_pdf_is_a4_with_few_pages_and_every_key_figure(built: Path, tmp_path: Path) -> None:
    """rapport.pdf is A4; pdftoppm renders every page, none blank, some with the figures' bars; the
    sections flow on (no page per section), so three regions fit in a bounded number of pages; the
    first page carries the title, and the text carries every key figure as the page shows it."""
    from PIL import Image

    pdf = built / "rapport.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    pages = pdf_pages(pdf, tmp_path)
    assert 4 <= len(pages) <= 12, len(pages)
    coloured = 0
    for page in pages:
        rgb = np.asarray(Image.open(page).convert("RGB"), dtype=float)
        assert (rgb.min(axis=2) < 200).sum() >= 20, f"{page.name} is blank"  # a last page may hold a few lines
        blue = (abs(rgb[..., 0] - 0x4C) < 25) & (abs(rgb[..., 1] - 0x72) < 25) & (abs(rgb[..., 2] - 0xB0) < 25)
        coloured += blue.mean() > 0.002
    assert coloured >= 2
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "Piket van de Centra Seksueel Geweld" in first
    assert_key_figures_in(pdf, built / "rapport.html")


@needs_chromium
@needs_poppler
def test_zeeland_prints_on_few_pages_and_fits_its_columns(tmp_path: Path) -> None:
    """One region: the body takes a few pages (the parameters fill the appendix), every key
    figure is in the PDF's text, and nothing is wider than its box in the browser."""
    out = tmp_path / "zl"
    make_report(out, "-s", ZEELAND)
    pages = pdf_pages(out / "rapport.pdf", tmp_path)
    assert 4 <= len(pages) <= 12, len(pages)
    assert_key_figures_in(out / "rapport.pdf", out / "rapport.html")
    check_in_browser(out / "rapport.html", tmp_path, 1280)


@needs_chromium
@needs_poppler
@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CSGSIM_NATIONAL_REPORT"), reason="the national report takes 20-50 s even "
                    "at 2 replications; set CSGSIM_NATIONAL_REPORT=1 (.ci/run does)")
def test_the_national_report_prints_within_bounds_and_fits_its_columns(tmp_path: Path) -> None:
    """All 16 regions at 2 replications: the sections flow (about a dozen pages of body; the
    compact parameter appendix and its notes hold the rest), every key figure is in the PDF's text, and no table is
    wider than its column at 1280 pixels."""
    out = tmp_path / "nl"
    res = CliRunner().invoke(app, ["report", "--out", str(out), "-n", "2"])
    assert res.exit_code == 0, res.output
    pages = pdf_pages(out / "rapport.pdf", tmp_path)
    assert 15 <= len(pages) <= 25, len(pages)  # 23 in December 2026, 39 before the compact appendix
    body = subprocess.run(["pdftotext", "-f", "1", "-l", "16", str(out / "rapport.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Bijlage" in body  # the body ends within 16 pages
    assert_key_figures_in(out / "rapport.pdf", out / "rapport.html")
    check_in_browser(out / "rapport.html", tmp_path, 1280)
