"""The page's building blocks: figures as inline PNG, tables with numeric columns on the right, a
figure with its 95% interval beneath it, and the table of paired differences two sections share.
Every number comes from csgsim.ui.formatting.Numbers, so it is clipped and rounded as in the
terminal and written in the reader's locale."""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from csgsim.ui.formatting import Numbers
from csgsim.ui.report.text import metric_label, t

SHORT = 8  # a table of at most this many rows is kept on one printed page; longer ones may break between rows


def figure(data: bytes, caption: str, alt: str) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{b64}" alt="{escape(alt)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def table(head: list[str], rows: list[list[str] | str], text_cols: tuple[int, ...] = (0,), cls: str = "") -> str:
    """A table whose columns are right-aligned numbers except `text_cols`; a row given as one string
    is a line across every column (a note on the row above it)."""
    def cells(row: list[str], tag: str) -> str:
        return "".join(f'<{tag}{"" if i in text_cols else " class=n"}>{c}</{tag}>' for i, c in enumerate(row))

    body = "".join(f"<tr class=line><td colspan={len(head)}>{r}</td></tr>" if isinstance(r, str)
                   else f"<tr>{cells(r, 'td')}</tr>" for r in rows)
    cls = (cls + " short").strip() if len(rows) <= SHORT else cls
    attr = f' class="{cls}"' if cls else ""
    return f'<table{attr}><thead><tr>{cells(head, "th")}</tr></thead><tbody>{body}</tbody></table>'


def cell(f: Numbers, c: Any, unit: str, difference: bool = False, key: str = "", mean: str = "mean") -> str:
    """A table cell: the figure `c[mean]` and, small beneath it, its 95% interval (`c["ci_low"]`,
    `c["ci_high"]`) as a range that may break between its bounds, never inside an amount; none where
    the interval rounds to the figure. `key` marks the figure with its unrounded value for tests."""
    text = f.value(c[mean], unit, signed=difference)
    shown = value(key, float(c[mean]), text) if key else escape(text)
    bounds = f.bounds(c[mean], c["ci_low"], c["ci_high"], unit, difference)
    if bounds is None:
        return shown
    lo, hi = map(escape, bounds)
    return f"{shown}<br><small class=ci><span class=nw>({lo} \u2013</span> <span class=nw>{hi})</span></small>"


def value(key: str, number: float, text: str) -> str:
    """A key figure: its text, with the unrounded value in data-value for tests."""
    return f'<span data-key="{key}" data-value="{number!r}">{escape(text)}</span>'


def missing(text: str) -> str:
    return f'<p class="missing">{escape(text)}</p>'


def scope(r: Any, f: Numbers) -> str:
    """'national' for several regions, else the region's name."""
    regions = list(r.scenario.regions.values())
    return t(f.lang, "scope_national") if len(regions) > 1 else regions[0].name


def diff_table(r: Any, comparison: Any, metrics: list[str], f: Numbers) -> str:
    """Paired differences (variant - baseline) per region and nationally, each with its interval."""
    diff = comparison.differences.set_index(["region", "metric"])
    rows: list[list[str] | str] = []
    for rid in [*r.scenario.regions, "national"]:
        if (rid, metrics[0]) not in diff.index:
            continue
        name = t(f.lang, "national") if rid == "national" else r.scenario.regions[rid].name
        rows.append([escape(name), *(cell(f, diff.loc[(rid, m)], diff.loc[(rid, m), "unit"], difference=True,
                                          mean="diff_mean") if (rid, m) in diff.index else "" for m in metrics)])
    return table([t(f.lang, "region"), *[metric_label(f.lang, m, r.scenario.days) for m in metrics]], rows)
