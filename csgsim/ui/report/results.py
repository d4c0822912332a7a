"""The report's sections on what the simulation found: demand, delays against the norm, load per
person and one long absence, each a chart with the numbers behind it and their 95% intervals."""

from __future__ import annotations

from html import escape

from csgsim.ui.formatting import Numbers
from csgsim.ui.report import figures
from csgsim.ui.report.gather import ABSENCE_WEEKS, ReportData
from csgsim.ui.report.parts import cell, diff_table, figure, missing, scope, table
from csgsim.ui.report.text import metric_label, t


def demand(r: ReportData, f: Numbers) -> str:
    parts = [f"<h2>{escape(t(f.lang, 's_demand'))}</h2>"]
    if r.outlook is not None:
        parts.append(figure(figures.outlook(r.outlook, f), t(f.lang, "demand_outlook", scope=scope(r, f)),
                            t(f.lang, "s_demand")))
    else:
        parts.append(missing(t(f.lang, "outlook_missing", file=r.outlook_why)))
    _, first, last = figures.full_weeks(r.result)
    parts.append(figure(figures.weekly(r.result, f),
                        t(f.lang, "weekly", scope=scope(r, f), period=f"{f.day(first)} \u2013 {f.day(last)}"),
                        t(f.lang, "reports_per_week")))
    weeks = region_numbers(r, f, ["acute_reports", "zero_week_share", "heavy_week_share"],
                           ["acute_in_period", "zero_weeks", "heavy_weeks"])
    return "".join(parts) + f"<p>{escape(t(f.lang, 'weeks'))}</p>" + weeks


def delays_and_load(r: ReportData, f: Numbers) -> str:
    norm = f.number(r.scenario.norms.acute_contact_minutes)
    return (f"<h2>{escape(t(f.lang, 's_delays'))}</h2>"
            + figure(figures.delays(r.result, f), t(f.lang, "delays", norm=norm), t(f.lang, "s_delays"))
            + region_numbers(r, f, ["acute_contact_p95", "acute_contact_within_norm"])
            + f"<h2>{escape(t(f.lang, 's_load'))}</h2>"
            + figure(figures.load(r.result, f), t(f.lang, "load", limit=figures.LEGAL_ONCALL_DAYS), t(f.lang, "s_load"))
            + region_numbers(r, f, ["max_oncall_days_per_4w", "night_callouts_per_16w"])
            + f"<p>{escape(t(f.lang, 'callins'))}</p>"
            + region_numbers(r, f, ["callins_per_person_per_4w", "callin_hours_per_person_per_4w",
                                    "acute_answered_by_callin"], ["callins_4w", "callin_hours_4w", "answered_by_callin"]))


def region_numbers(r: ReportData, f: Numbers, metrics: list[str], heads: list[str] | None = None) -> str:
    """Per region the figures of `metrics` (a chart's bars, say), each with its 95% interval;
    `heads` names the columns' texts where they are not the metrics' own."""
    summary = r.result.region_summary().set_index(["region", "metric"])
    rows: list[list[str] | str] = [[escape(g.name), *(cell(f, summary.loc[(rid, m)], summary.loc[(rid, m), "unit"])
                                                      for m in metrics)]
                                   for rid, g in r.scenario.regions.items()]
    return table([t(f.lang, "region"), *(t(f.lang, k) for k in heads or metrics)], rows)


def absence(r: ReportData, f: Numbers) -> str:
    metrics = ["extra_duties_per_4w", "max_oncall_days_per_4w", "gap_hours", "followup_on_time"]
    text = t(f.lang, "absence", weeks=ABSENCE_WEEKS, start=f.day(r.absence_start))
    drawn = figures.shown_differences(r.absence, metrics[:3])
    flat = [metric_label(f.lang, m, r.scenario.days) for m in metrics[:3] if m not in drawn]
    parts = [f"<h2>{escape(t(f.lang, 's_absence'))}</h2><p>{escape(text)}</p>"]
    if drawn:
        parts.append(figure(figures.differences(r.absence, drawn, f), text, t(f.lang, "s_absence")))
    if flat:
        parts.append(f"<p class=note>{escape(t(f.lang, 'no_difference', what=', '.join(flat)))}</p>")
    return "".join(parts) + diff_table(r, r.absence, metrics, f)
