"""The report as one self-contained HTML page: inline CSS, figures as base64 PNG, no script, no
external reference. Key figures carry their unrounded value in `data-value`, so a test can check
them against the run's Parquet tables. The sections are built in their own modules."""

from __future__ import annotations

from html import escape

import numpy as np

from csgsim.ui.formatting import Numbers
from csgsim.ui.report import appendix, costs, headline, results, team
from csgsim.ui.report.gather import ReportData
from csgsim.ui.report.parts import table
from csgsim.ui.report.text import t

CSS = """
@page{size:A4;margin:14mm 12mm}
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:60rem;margin:2rem auto;color:#222;line-height:1.4;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc;margin-top:2rem;break-after:avoid}
table{border-collapse:collapse;font-size:.8rem;margin:.6rem 0;max-width:100%}td,th{border-bottom:1px solid #ddd;padding:.15rem .4rem}
th{vertical-align:bottom;text-align:left}th.n,td.n{text-align:right}td.n,.nw{white-space:nowrap}tr.line td{padding-top:0;color:#444}tr:has(+tr.line) td{border-bottom:0}tr:has(+tr.line){break-after:avoid}small.ci{white-space:normal}
table.params{table-layout:fixed;width:100%}table.params th:nth-child(1){width:28%}table.params th:nth-child(3){width:11%}table.params td{overflow-wrap:anywhere;vertical-align:top}table.params tr{break-inside:auto}
code{font-size:.65rem}table.budget{width:100%}table.budget td:last-child{width:24%}
figure{margin:.8rem 0;break-inside:avoid}img{max-width:100%}tr{break-inside:avoid}
figcaption,.note{font-size:.8rem;color:#555}.kf td{font-size:.95rem}.kf td.n{font-weight:bold}
.missing{background:#fff4e5;border-left:4px solid #dd8452;padding:.4rem .6rem;font-size:.85rem}
ol.notes{list-style:none;padding:0;columns:2;column-gap:1.2rem;font-size:.7rem;overflow-wrap:anywhere}ol.notes li{break-inside:avoid-column;margin-bottom:.15rem}
pre{font-size:.7rem;white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;padding:.5rem}
@media print{body{margin:0;max-width:none;padding:0}figure img{max-width:86%}h2{margin-top:1.2rem}table{font-size:.7rem}table.params{font-size:.6rem}table.params code{font-size:1em}ol.notes{font-size:.55rem}pre{font-size:.6rem}thead{display:table-header-group}table.short,table.kf{break-inside:avoid}}
"""


def build(r: ReportData, lang: str) -> str:
    """The whole page."""
    f = Numbers(lang)
    with np.errstate(invalid="ignore"):
        body = (headline.header(r, f) + results.demand(r, f) + team.team(r, f) + results.delays_and_load(r, f)
                + results.absence(r, f) + costs.costs(r, f) + appendix.appendix(r, f, table))
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{escape(t(lang, 'title'))}</title><style>{CSS}</style></head><body>{body}</body></html>\n")
