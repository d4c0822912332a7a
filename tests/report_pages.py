"""Helpers of the report tests: read a page's key figures and images, build a report through the
CLI, and check a page in headless Chromium or its PDF with poppler.

The browser and PDF checks need Debian's `chromium` and `poppler-utils`; `.ci/run` installs them,
so in CI they run. Where they are missing locally, those tests are skipped and say why.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csgsim.ui.cli import app
from csgsim.ui.report.pdf import chromium

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
