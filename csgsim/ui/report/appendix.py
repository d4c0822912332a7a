"""The report's appendix: the method, every parameter of the scenario with its provenance, and the
run's manifest, compact enough to print: a region's parameter is one row for all regions (its
value once where every region shares it), and each source or assumption is written once, as a
numbered note the rows refer to. No value and no source is shortened."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from csgsim.ui.formatting import Numbers
from csgsim.ui.report.text import TEXT, t

REGION_KEY = "regions.*."  # how a region's parameter is named in its one row
NONE = "–"  # the provenance of a value given without source or assumption


def parameters(data: dict[str, Any], lang: str) -> list[tuple[str, str, str]]:
    """(key, value, provenance) of every value in the scenario document, in file order; the
    provenance is the value's own `source` or `assumption`, else 'no source given'."""
    out: list[tuple[str, str, str]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict) and not ({"value", "dist"} & set(node)):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)
            return
        value = node.get("value", node) if isinstance(node, dict) else node
        if isinstance(value, dict) and "dist" in value:
            value = {k: v for k, v in value.items() if k not in ("source", "assumption")}
        text = json.dumps(value, default=str, ensure_ascii=False)
        given = [f"{t(lang, k)}: {node[k]}" for k in ("source", "assumption") if isinstance(node, dict) and k in node]
        out.append((path, text, given[0] if given else t(lang, "no_provenance")))

    walk(data, "")
    return out


class Notes:
    """Provenance texts numbered in order of first use; 'no source given' is '–' (the page says so)."""

    def __init__(self, lang: str) -> None:
        self.none = t(lang, "no_provenance")
        self.texts: dict[str, int] = {}

    def ref(self, text: str) -> str:
        if text == self.none:
            return NONE
        return f"[{self.texts.setdefault(text, len(self.texts) + 1)}]"

    def html(self) -> str:
        items = "".join(f"<li>[{n}] {escape(text)}</li>" for text, n in self.texts.items())
        return f"<ol class=notes>{items}</ol>"


def rows(data: dict[str, Any], lang: str, names: dict[str, str], notes: Notes) -> list[tuple[str, str, str]]:
    """(key, value, provenance) rows in file order: a scenario-wide value as it is; a region's
    parameter once for all regions, with 'Region: value' per region unless every region shares
    the value, and its note once unless the regions' notes differ (then each value carries its own)."""
    out: list[tuple[str, str, str]] = []
    grouped: dict[str, list[tuple[str, str, str]]] = {}
    for key, value, prov in parameters(data, lang):
        parts = key.split(".", 2)
        if parts[0] != "regions" or len(parts) < 3 or len(names) < 2:
            out.append((key, escape(value), notes.ref(prov)))
            continue
        if parts[2] not in grouped:
            grouped[parts[2]] = []
            out.append((REGION_KEY + parts[2], "", ""))  # filled in below, in the place of its first region
        grouped[parts[2]].append((parts[1], value, prov))
    for i, (key, _, _) in enumerate(out):
        if key.startswith(REGION_KEY) and key[len(REGION_KEY):] in grouped:
            out[i] = (key, *_regional(grouped.pop(key[len(REGION_KEY):]), lang, names, notes))
    return out


def _regional(entries: list[tuple[str, str, str]], lang: str, names: dict[str, str], notes: Notes) -> tuple[str, str]:
    """The value cell and provenance cell of one region parameter over the regions that have it."""
    provs = {p for _, _, p in entries}
    shared = len(provs) == 1
    prov = notes.ref(next(iter(provs))) if shared else ""
    if len(entries) == len(names) and len({v for _, v, _ in entries}) == 1:
        return f"{escape(entries[0][1])} ({escape(t(lang, 'all_regions', n=len(names)))})", prov
    values = [f"{escape(names.get(rid, rid))}: {escape(v)}" + ("" if shared else f" {escape(notes.ref(p))}")
              for rid, v, p in entries]
    return "; ".join(values), prov


def appendix(r: Any, f: Numbers, table: Any) -> str:
    """The appendix section of ReportData `r`; `table` is the page's table maker."""
    names = {rid: reg.get("name", rid) if isinstance(reg, dict) else rid
             for rid, reg in r.data.get("regions", {}).items()}
    notes = Notes(f.lang)
    body = [[escape(k), f"<code>{v}</code>", escape(p)] for k, v, p in rows(r.data, f.lang, names, notes)]
    extra = ""
    if r.outlook_source is not None:
        name, variants = r.outlook_source
        shown = ", ".join(f"{t(f.lang, v) if v in TEXT else v} {f.percent(e, 0, signed=True)}" for v, e in variants)
        extra = f"<ul><li>{escape(t(f.lang, 'outlook_note', file=name, names=shown))}</li></ul>"
    return (f"<h2>{escape(t(f.lang, 's_appendix'))}</h2><p>{escape(t(f.lang, 'method'))}</p>" + extra
            + f"<p>{escape(t(f.lang, 'params', none=NONE))}</p>"
            + table([t(f.lang, "key"), t(f.lang, "value"), t(f.lang, "provenance")], body, text_cols=(0, 1, 2),
                    cls="params")
            + f"<p>{escape(t(f.lang, 'notes'))}</p>" + notes.html()
            + f"<p>{escape(t(f.lang, 'manifest'))}</p><pre>{escape(json.dumps(r.manifest, indent=2, default=str))}</pre>")
