"""The documentation holds: links stay inside the repository and resolve, and every metric the
code computes is defined, with its unit, in docs/metrics.md. (The README's example commands are
run and checked in tests/test_readme.py.)"""

import re
import subprocess
from pathlib import Path

import pytest

from csgsim.analysis.metrics import PERSON_METRICS, REGION_METRICS
from tests.conftest import ROOT

METRICS_DOC = ROOT / "docs" / "metrics.md"
#: Names of documents that live outside the repository; built here so this file does not match.
OUTSIDE = ("../" + "shared", "shared" + "/data", "MODEL" + ".md", "EVIDENCE" + ".md")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")  # markdown [text](target)
DOCS_PATH = re.compile(r"(?<![\w/.-])docs/[\w./-]+\.md(?:#[\w-]+)?")  # a docs page named in any text


def tracked_text_files() -> dict[Path, str]:
    """Every file git tracks or would track (without git: every file outside hidden folders), as text."""
    try:
        names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                               cwd=ROOT, capture_output=True, check=True, text=True).stdout.split("\0")
        paths = [ROOT / n for n in names if n]
    except (OSError, subprocess.CalledProcessError):
        paths = [p for p in ROOT.rglob("*") if p.is_file()
                 and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)]
    out = {}
    for path in paths:
        try:
            out[path] = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue  # binary, or deleted in the working tree
    return out


FILES = tracked_text_files()


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as '-'."""
    heads = re.findall(r"^#+\s+(.+?)\s*$", markdown, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}


def broken(target: str, base: Path) -> str | None:
    """Why a relative link from folder `base` does not resolve, or None if it does."""
    path, _, anchor = target.partition("#")
    dest = (base / path).resolve() if path else None
    if dest is not None and not dest.exists():
        return "no such file"
    if anchor and (dest is None or dest.suffix == ".md"):
        page = dest.read_text(encoding="utf-8") if dest is not None else None
        if page is not None and anchor not in anchors(page):
            return f"no heading #{anchor}"
    return None


def test_the_docs_exist():
    """docs/ holds the index, the model, the metric definitions and the evidence."""
    for name in ("README.md", "model.md", "metrics.md", "evidence.md"):
        assert (ROOT / "docs" / name).is_file(), name


def test_nothing_points_outside_the_repository():
    """No tracked file refers to the project's former notes outside the repository."""
    hits = [f"{path.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}: {word}"
            for path, text in FILES.items() for word in OUTSIDE for m in re.finditer(re.escape(word), text)]
    assert not hits, "references to files outside the repository:\n" + "\n".join(hits)


def test_markdown_links_resolve():
    """Every relative link in a Markdown file names a file in the repository (and a heading there)."""
    bad = []
    for path, text in FILES.items():
        if path.suffix != ".md":
            continue
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
                continue
            if target.startswith("#"):
                why = None if target[1:] in anchors(text) else f"no heading {target}"
            else:
                why = broken(target, path.parent)
                if why is None and not (path.parent / target.partition("#")[0]).resolve().is_relative_to(ROOT):
                    why = "outside the repository"
            if why:
                bad.append(f"{path.relative_to(ROOT)}: ({target}) {why}")
    assert not bad, "\n".join(bad)


def test_every_mention_of_a_docs_page_resolves():
    """A docs/*.md named anywhere (code, models, experiments) exists, and so does its heading."""
    bad = [f"{path.relative_to(ROOT)}: {m.group(0)} {why}"
           for path, text in FILES.items() for m in DOCS_PATH.finditer(text)
           if (why := broken(m.group(0), ROOT))]
    assert not bad, "\n".join(bad)


def documented_metrics(section: str) -> dict[str, str]:
    """Metric -> unit from the tables of one '## ' section of docs/metrics.md."""
    text = METRICS_DOC.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `(\w+)` \| (\w+) \|", body, flags=re.M))


@pytest.mark.parametrize(("section", "code"), [("Region metrics", REGION_METRICS),
                                               ("Person metrics", PERSON_METRICS)])
def test_metrics_doc_matches_the_code(section, code):
    """docs/metrics.md defines exactly the metrics the code computes, each with the code's unit."""
    doc = documented_metrics(section)
    assert sorted(set(code) - set(doc)) == [], f"computed but not defined in docs/metrics.md ({section})"
    assert sorted(set(doc) - set(code)) == [], f"defined in docs/metrics.md ({section}) but not computed"
    wrong = {m: (doc[m], unit) for m, (unit, _) in code.items() if doc[m] != unit}
    assert not wrong, f"units differ (doc, code): {wrong}"
