"""The report as one self-contained HTML page: inline CSS, figures as base64 PNG, no script, no
external reference. Key figures carry their unrounded value in `data-value`, so a test can check
them against the run's Parquet tables."""

from __future__ import annotations

import base64
from html import escape
from collections.abc import Callable
from typing import Any

import numpy as np

from csgsim.ui.report import appendix, figures
from csgsim.ui.report.gather import ABSENCE_WEEKS, ReportData
from csgsim.ui.report.text import Fmt, demand_text, metric_label, t

EMPLOYER_RANGE = (0.25, 0.35)  # employer costs on top of salary, commonly 25-35% (docs/evidence.md#7-money)
SHORT = 8  # a table of at most this many rows is kept on one printed page; longer ones may break between rows

CSS = """
@page{size:A4;margin:14mm 12mm}
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:60rem;margin:2rem auto;color:#222;line-height:1.4;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc;margin-top:2rem;break-after:avoid}
table{border-collapse:collapse;font-size:.8rem;margin:.6rem 0;max-width:100%}td,th{border-bottom:1px solid #ddd;padding:.15rem .4rem}
th{vertical-align:bottom;text-align:left}th.n,td.n{text-align:right}td.n,.nw{white-space:nowrap}small.ci{white-space:normal}
table.params{table-layout:fixed;width:100%}table.params th:nth-child(1){width:28%}table.params th:nth-child(3){width:11%}table.params td{overflow-wrap:anywhere;vertical-align:top}table.params tr{break-inside:auto}
code{font-size:.65rem}table.budget{width:100%}table.budget td:last-child{width:24%}
figure{margin:.8rem 0;break-inside:avoid}img{max-width:100%}tr{break-inside:avoid}
figcaption,.note{font-size:.8rem;color:#555}.kf td{font-size:.95rem}.kf td.n{font-weight:bold}
.missing{background:#fff4e5;border-left:4px solid #dd8452;padding:.4rem .6rem;font-size:.85rem}
ol.notes{list-style:none;padding:0;columns:2;column-gap:1.2rem;font-size:.7rem;overflow-wrap:anywhere}ol.notes li{break-inside:avoid-column;margin-bottom:.15rem}
pre{font-size:.7rem;white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;padding:.5rem}
@media print{body{margin:0;max-width:none;padding:0}figure img{max-width:86%}h2{margin-top:1.2rem}table{font-size:.7rem}table.params{font-size:.6rem}table.params code{font-size:1em}ol.notes{font-size:.55rem}pre{font-size:.6rem}thead{display:table-header-group}table.short,table.kf{break-inside:avoid}}
"""


def _figure(data: bytes, caption: str, alt: str) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{b64}" alt="{escape(alt)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def _table(head: list[str], rows: list[list[str]], text_cols: tuple[int, ...] = (0,), cls: str = "") -> str:
    """A table whose columns are right-aligned numbers except `text_cols`."""
    def cells(row: list[str], tag: str) -> str:
        return "".join(f'<{tag}{"" if i in text_cols else " class=n"}>{c}</{tag}>' for i, c in enumerate(row))

    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in rows)
    cls = (cls + " short").strip() if len(rows) <= SHORT else cls
    attr = f' class="{cls}"' if cls else ""
    return f'<table{attr}><thead><tr>{cells(head, "th")}</tr></thead><tbody>{body}</tbody></table>'


def _with_ci(f: Fmt, mean: float, lo: float, hi: float, show: Callable[[float], str] | None = None,
             unit: str = "") -> str:
    """A figure with its 95% interval in brackets; one whose interval rounds to the figure itself
    has none."""
    show = show or f.num
    shown = [show(v) for v in (mean, lo, hi)]
    if shown[1] == shown[2] == shown[0]:
        return shown[0] + unit
    return f"{shown[0]}{unit} ({shown[1]} – {shown[2]}{unit})"


def _ci(lo: str, hi: str) -> str:
    """A confidence interval under its figure, small, so numeric columns stay narrow; it may break
    between its bounds, never inside an amount."""
    return f"<br><small class=ci><span class=nw>({escape(lo)} –</span> <span class=nw>{escape(hi)})</span></small>"


def _value(key: str, value: float, text: str) -> str:
    return f'<span data-key="{key}" data-value="{value!r}">{escape(text)}</span>'


def _missing(text: str) -> str:
    return f'<p class="missing">{escape(text)}</p>'


def scope(r: ReportData, f: Fmt) -> str:
    """'national' for several regions, else the region's name."""
    regions = list(r.scenario.regions.values())
    return t(f.lang, "scope_national") if len(regions) > 1 else regions[0].name


def key_figures(r: ReportData, f: Fmt) -> list[tuple[str, str, float, str]]:
    """(key, label, value, shown text) of the first page, all from the results, each with its 95%
    interval where it has one."""
    costs = r.result.cost_summary().set_index(["region", "year", "metric"]).sort_index()
    year = int(r.result.cost_long["year"].min())
    region = "national" if len(r.scenario.regions) > 1 else next(iter(r.scenario.regions))
    get = costs.loc[(region, year)]
    total = get.loc["total"]

    def row(key: str, label: str, c: Any, show: Callable[[float], str] = f.num, unit: str = ""
            ) -> tuple[str, str, float, str]:
        return key, label, float(c["mean"]), _with_ci(f, c["mean"], c["ci_low"], c["ci_high"], show, unit)

    norm = r.scenario.norms.acute_contact_minutes
    p95, within = national_contact(r)
    out = [
        row("kf_reports", t(f.lang, "kf_reports"), get.loc["reports"]),
        row("kf_total", t(f.lang, "kf_total", scope=scope(r, f)), total, f.money),
        row("kf_cost_per_case", t(f.lang, "kf_per_case"), get.loc["cost_per_case"], f.money),
        ("kf_fixed_share", t(f.lang, "kf_fixed"), float(get.loc["fixed", "mean"] / total["mean"]),
         f.pct(get.loc["fixed", "mean"] / total["mean"])),
        row("kf_contact_p95", t(f.lang, "kf_p95", norm=f.num(norm)), p95, f.num, " min"),
        row("kf_contact_within_norm", t(f.lang, "kf_norm", norm=f.num(norm)), within, lambda v: f.pct(v, 1)),
    ]
    plus = r.plus_one.differences.set_index(["region", "metric"]).loc[(region, "cost_total")]
    label = t(f.lang, "kf_plus_one" if region == "national" else "kf_plus_one_region")
    out.append(("kf_plus_one_cost", label, float(plus["diff_mean"]),
                _with_ci(f, plus["diff_mean"], plus["ci_low"], plus["ci_high"], f.money)))
    if r.budget is not None:
        b = r.budget.iloc[0]
        inside = int((r.budget["status"] == "inside").sum())
        out.append(("kf_budget_inside", t(f.lang, "kf_budget", year=int(b["year"]),
                                       band=f"{f.money(b['low'])} – {f.money(b['high'])}"),
                    float(inside), f"{inside} / {len(r.budget)}"))
    return out


def national_contact(r: ReportData) -> tuple[dict[str, float], dict[str, float]]:
    """The acute contact delay's 95th percentile (bootstrap interval over replications) and the
    share within the norm (replications as clusters), all regions' delays pooled per replication."""
    from csgsim.analysis.confidence import bootstrap_quantiles, pooled_quantiles, pooled_share, within_counts

    per_region = [r.result.delays[(rid, "acute_contact")] for rid in r.scenario.regions]
    samples = [np.concatenate([reg[i] for reg in per_region]) for i in range(len(per_region[0]))]
    used = [s for s in samples if s.size]
    lo, hi = bootstrap_quantiles(used, [0.95], 0.95, np.random.default_rng(r.result.seed))
    p95 = {"mean": float(pooled_quantiles(used, [0.95])[0]), "ci_low": float(lo[0]), "ci_high": float(hi[0])}
    share, s_lo, s_hi, _ = pooled_share(*within_counts(samples, r.scenario.norms.acute_contact_minutes), 0.95)
    return p95, {"mean": share, "ci_low": s_lo, "ci_high": s_hi}


def precision(r: ReportData) -> tuple[float, float]:
    """Half-width of the 95% interval of the reports per year, absolute and relative to the mean."""
    costs = r.result.cost_summary().set_index(["region", "year", "metric"]).sort_index()
    year = int(r.result.cost_long["year"].min())
    region = "national" if len(r.scenario.regions) > 1 else next(iter(r.scenario.regions))
    c = costs.loc[(region, year, "reports")]
    half = (c["ci_high"] - c["ci_low"]) / 2
    return float(half), float(half / c["mean"]) if c["mean"] else float("nan")


def _header(r: ReportData, f: Fmt) -> str:
    sc = r.scenario
    end = sc.calendar.dates[-1]
    period = f"{f.day(sc.start)} – {f.day(end)}"
    rows = [[escape(label), _value(key, value, text)] for key, label, value, text in key_figures(r, f)]
    half, rel = precision(r)
    reps = t(f.lang, "reps_note", reps=r.result.replications, half=f.num(half), rel=f.pct(rel, 1))
    return (f"<h1>{escape(t(f.lang, 'title'))}</h1>"
            f"<p>{escape(t(f.lang, 'subtitle', scenario=sc.name, period=period, reps=r.result.replications, seed=r.result.seed))} "
            f"{escape(t(f.lang, 'regions_covered', names=', '.join(g.name for g in sc.regions.values())))}</p>"
            f"<h2>{escape(t(f.lang, 'key_figures'))}</h2>"
            + _table(["", ""], rows, cls="kf")
            + f"<p class=note>{escape(t(f.lang, 'ci_note'))} {escape(reps)}</p>")


def _demand(r: ReportData, f: Fmt) -> str:
    parts = [f"<h2>{escape(t(f.lang, 's_demand'))}</h2>"]
    if r.outlook is not None:
        parts.append(_figure(figures.outlook(r.outlook, f), t(f.lang, "demand_outlook", scope=scope(r, f)), t(f.lang, "s_demand")))
    else:
        parts.append(_missing(t(f.lang, "outlook_missing", file=r.outlook_why)))
    _, first, last = figures.full_weeks(r.result)
    parts.append(_figure(figures.weekly(r.result, f), t(f.lang, "weekly", scope=scope(r, f), period=f"{f.day(first)} – {f.day(last)}"),
                         t(f.lang, "reports_per_week")))
    parts.append(_weeks(r, f))
    return "".join(parts)


def _weeks(r: ReportData, f: Fmt) -> str:
    """Per region: acute reports in the period, and the shares of quiet and heavy full weeks."""
    summary = r.result.region_summary().set_index(["region", "metric"])

    def share(rid: str, metric: str) -> str:
        c = summary.loc[(rid, metric)]
        return f.pct(c["mean"]) + _ci(f.pct(c["ci_low"]), f.pct(c["ci_high"]))

    rows = [[escape(g.name), f.num(summary.loc[(rid, "acute_reports"), "mean"]), share(rid, "zero_week_share"),
             share(rid, "heavy_week_share")] for rid, g in r.scenario.regions.items()]
    head = [t(f.lang, k) for k in ("region", "acute_in_period", "zero_weeks", "heavy_weeks")]
    return f"<p>{escape(t(f.lang, 'weeks'))}</p>" + _table(head, rows)


def _team(r: ReportData, f: Fmt) -> str:
    rows = [[escape(g.name), str(g.casemanagers), f.num(g.people[0].hours_per_week),
             f.num(g.people[-1].hours_per_week), escape(g.duty.pattern), f.num(g.acute.annual_level(r.scenario.start.year))]
            for g in r.scenario.regions.values()]
    head = [t(f.lang, k) for k in ("region", "casemanagers", "hours_week", "coordinator_hours", "pattern", "acute_per_year")]
    return (f"<h2>{escape(t(f.lang, 's_team'))}</h2><p>{escape(t(f.lang, 'team_now'))}</p>" + _table(head, rows)
            + (_sizing(r, f) if r.sizing is not None else _missing(t(f.lang, "sizing_missing", why="--size"))))


def _sizing(r: ReportData, f: Fmt) -> str:
    """Per region both answers of csgsim size, sized apart: the casemanagers on call with the target
    that binds, and the casework hours a week that team needs beside the scenario's contracted hours."""
    rows = []
    for reg in r.sizing.regions:
        work = reg.casework
        hours = _answer(work.search, f"hours_{reg.region}", f) if work else "–"
        if work and work.search.enough is not None:
            hours += f" <small>({escape(t(f.lang, 'each', h=f.num(work.search.enough / work.people, 1)))})</small>"
        rows.append([escape(reg.name), str(r.scenario.regions[reg.region].casemanagers),
                     _answer(reg, f"size_{reg.region}", f), escape(_binding(reg)), hours,
                     f.num(work.scenario_hours) if work else "–", escape(_binding(work.search)) if work else "–",
                     f"<small>{escape(r.sizing.answer_line(reg))}</small>"])
    head = [t(f.lang, k) for k in ("region", "casemanagers", "on_call_needed", "binding", "casework_needed",
                                   "contracted", "binding_hours", "detail")]
    if f.lang != "en":  # the detail is csgsim size's own line, in English
        head, rows = head[:-1], [row[:-1] for row in rows]
    first = r.sizing.regions[0]
    intro = t(f.lang, "sizing", demand=demand_text(f.lang, r.sizing.demand), confidence=f.pct(r.sizing.confidence),
              oncall=", ".join(map(str, first.targets)),
              casework=", ".join(map(str, first.casework.search.targets)) if first.casework else "–")
    return f"<p>{escape(intro)}</p>" + _table(head, rows, text_cols=(0, 3, 6, 7))


def _answer(x: Any, key: str, f: Fmt) -> str:
    """A sizing's answer as a number, 'at most' a number where only an upper bound is settled, or
    its verdict in words."""
    if x.answer is not None:
        return _value(key, float(x.answer), f.num(x.answer))
    if x.enough is not None:
        return _value(key, float(x.enough), t(f.lang, "at_most", n=f.num(x.enough)))
    return escape(t(f.lang, x.status.replace(" ", "_")))


def _binding(x: Any) -> str:
    """The targets that keep a sizing's answer from being smaller ('–' when none does)."""
    return (", ".join(map(str, x.binding())) or "–") if x.enough is not None else "–"


def _delays_and_load(r: ReportData, f: Fmt) -> str:
    norm = f.num(r.scenario.norms.acute_contact_minutes)
    return (f"<h2>{escape(t(f.lang, 's_delays'))}</h2>"
            + _figure(figures.delays(r.result, f), t(f.lang, "delays", norm=norm), t(f.lang, "s_delays"))
            + _region_numbers(r, f, [("acute_contact_p95", f.num), ("acute_contact_within_norm", lambda v: f.pct(v, 1))])
            + f"<h2>{escape(t(f.lang, 's_load'))}</h2>"
            + _figure(figures.load(r.result, f), t(f.lang, "load", limit=figures.LEGAL_ONCALL_DAYS), t(f.lang, "s_load"))
            + _region_numbers(r, f, [("max_oncall_days_per_4w", lambda v: f.num(v, 1)),
                                     ("night_callouts_per_16w", lambda v: f.num(v, 1))])
            + _callins(r, f))


def _region_numbers(r: ReportData, f: Fmt, metrics: list[tuple[str, Callable[[float], str]]]) -> str:
    """The figures behind a chart's bars, per region, each with its 95% interval."""
    summary = r.result.region_summary().set_index(["region", "metric"])
    rows = [[escape(g.name), *(show(summary.loc[(rid, m), "mean"])
                               + _ci(show(summary.loc[(rid, m), "ci_low"]), show(summary.loc[(rid, m), "ci_high"]))
                               for m, show in metrics)]
            for rid, g in r.scenario.regions.items()]
    return _table([t(f.lang, "region"), *(t(f.lang, m) for m, _ in metrics)], rows)


def _callins(r: ReportData, f: Fmt) -> str:
    """Call-ins of colleagues outside the roster per region: how often, how long, share of acute calls."""
    summary = r.result.region_summary().set_index(["region", "metric"])
    metrics = [("callins_per_person_per_4w", 2), ("callin_hours_per_person_per_4w", 2),
               ("acute_answered_by_callin", None)]
    rows = []
    for rid, g in r.scenario.regions.items():
        row = [escape(g.name)]
        for m, digits in metrics:
            c = summary.loc[(rid, m)]
            show = (lambda v: f.pct(v, 1)) if digits is None else (lambda v, d=digits: f.num(v, d))
            row.append(show(c["mean"]) + _ci(show(c["ci_low"]), show(c["ci_high"])))
        rows.append(row)
    head = [t(f.lang, k) for k in ("region", "callins_4w", "callin_hours_4w", "answered_by_callin")]
    return f"<p>{escape(t(f.lang, 'callins'))}</p>" + _table(head, rows)


def _diff_table(r: ReportData, comparison: Any, metrics: list[str], f: Fmt) -> str:
    diff = comparison.differences.set_index(["region", "metric"])
    rows = []
    for rid in [*r.scenario.regions, "national"]:
        if (rid, metrics[0]) not in diff.index:
            continue
        name = t(f.lang, "national") if rid == "national" else r.scenario.regions[rid].name
        row = [escape(name)]
        for m in metrics:
            if (rid, m) not in diff.index:
                row.append("")
                continue
            d = diff.loc[(rid, m)]
            show = f.money if d["unit"] == "EUR" else (lambda v, u=d["unit"]: f.signed(100 * v if u == "share" else v, 1))
            row.append(f"{show(d['diff_mean'])}{_ci(show(d['ci_low']), show(d['ci_high']))}")
        rows.append(row)
    return _table([t(f.lang, "region"), *[metric_label(f.lang, m, r.scenario.days) for m in metrics]], rows)


def _absence(r: ReportData, f: Fmt) -> str:
    metrics = ["extra_duties_per_4w", "max_oncall_days_per_4w", "gap_hours", "followup_on_time"]
    text = t(f.lang, "absence", weeks=ABSENCE_WEEKS, start=f.day(r.absence_start))
    drawn = figures.shown_differences(r.absence, metrics[:3])
    flat = [metric_label(f.lang, m, r.scenario.days) for m in metrics[:3] if m not in drawn]
    parts = [f"<h2>{escape(t(f.lang, 's_absence'))}</h2><p>{escape(text)}</p>"]
    if drawn:
        parts.append(_figure(figures.differences(r.absence, drawn, f), text, t(f.lang, "s_absence")))
    if flat:
        parts.append(f"<p class=note>{escape(t(f.lang, 'no_difference', what=', '.join(flat)))}</p>")
    return "".join(parts) + _diff_table(r, r.absence, metrics, f)


def _cost_rows(r: ReportData, f: Fmt) -> list[list[str]]:
    summary = r.result.cost_summary().set_index(["region", "year", "metric"])
    year = int(r.result.cost_long["year"].min())
    ids = [*r.scenario.regions, "national"] if len(r.scenario.regions) > 1 else list(r.scenario.regions)
    rows = []
    for rid in ids:
        name = t(f.lang, "national") if rid == "national" else r.scenario.regions[rid].name
        cells = [escape(name)]
        for m in ("allowance", "coordination", "fixed", "variable", "total", "cost_per_case"):
            c = summary.loc[(rid, year, m)]
            key = f"cost_{rid}_{m}"
            ci = _ci(f.money(c["ci_low"]), f.money(c["ci_high"])) if m == "total" else ""
            cells.append(_value(key, float(c["mean"]), f.money(c["mean"])) + ci)
        rows.append(cells)
    return rows


def _costs(r: ReportData, f: Fmt) -> str:
    region = next(iter(r.scenario.regions.values()))
    year = int(r.result.cost_long["year"].min())
    intro = t(f.lang, "costs_intro", scheme=region.costs.scheme.label, minimum=f.num(region.costs.scheme.minimum_callout_hours, 1),
              year=year)
    head = [t(f.lang, k) for k in ("region", "allowance", "coordination", "fixed", "variable", "total", "per_case")]
    parts = [f"<h2>{escape(t(f.lang, 's_costs'))}</h2><p>{escape(intro)}</p>", _table(head, _cost_rows(r, f)),
             f"<p class=note>{escape(t(f.lang, 'not_priced'))}</p>"]
    parts.append(_figure(figures.costs(r.result, r.budget, f), intro, t(f.lang, "s_costs")))
    if r.budget is not None:
        b = r.budget.iloc[0]
        band = f"{f.money(b['low'])} – {f.money(b['high'])}"
        rows = [[escape(x.name), _value(f"budget_{x.region}", x.total, f.money(x.total)),
                 f"{f.money(x.ci_low)} –<br>{f.money(x.ci_high)}", escape(t(f.lang, x.status)), f.money(x.fixed),
                 f.money(x.variable), f.num(x.reports), f"{f.num(x.idle_contract_hours)} {t(f.lang, 'hours')}<br>({f.money(x.idle_contract_cost)})",
                 escape(_budget_why(x, f))] for x in r.budget.itertuples()]
        head = [t(f.lang, "region"), t(f.lang, "total"), "95%", t(f.lang, "band"), t(f.lang, "fixed"),
                t(f.lang, "variable"), t(f.lang, "reports"), t(f.lang, "idle"), t(f.lang, "why")]
        parts += [f"<p>{escape(t(f.lang, 'budget', year=int(b['year']), band=band))}</p>",
                  _table(head, rows, text_cols=(0, 3, 8), cls="budget"),
                  f"<p class=note>{escape(t(f.lang, 'budget_why', year=int(b['year'])))}</p>"]
    else:
        parts.append(_missing(t(f.lang, "budget_missing")))
    parts.append(_schemes(r, f))
    metrics = ["cost_total", "duties_per_4w", "max_oncall_days_per_4w", "acute_contact_within_norm", "gap_hours"]
    parts += [f"<p>{escape(t(f.lang, 'plus_one'))}</p>", _diff_table(r, r.plus_one, metrics, f),
              f"<p>{escape(t(f.lang, 'plus_line'))}</p>", _diff_table(r, r.plus_line, metrics, f)]
    return "".join(parts)


def _schemes(r: ReportData, f: Fmt) -> str:
    """Totals under the other on-call schemes (paired with the chosen one) and under the low and
    high end of the employer costs."""
    from csgsim.studies.capacity import total_with_employer_costs

    where = "national" if len(r.scenario.regions) > 1 else next(iter(r.scenario.regions))
    base = r.plus_one.differences.set_index(["region", "metric"]).loc[(where, "cost_total"), "baseline_mean"]
    rows = []
    for comp in r.schemes.values():
        d = comp.differences.set_index(["region", "metric"])
        label = comp.changed.scenario.regions[next(iter(r.scenario.regions))].costs.scheme.label
        for metric in ("cost_allowance", "cost_total"):
            row = d.loc[(where, metric)]
            rows.append([escape(label), escape(t(f.lang, "allowance" if metric == "cost_allowance" else "total")),
                         f.money(row["variant_mean"]),
                         f"{f.money(row['diff_mean'])}{_ci(f.money(row['ci_low']), f.money(row['ci_high']))}"])
    for rate in EMPLOYER_RANGE:
        total = total_with_employer_costs(r.result, rate)
        rows.append([escape(t(f.lang, "employer", pct=f.pct(rate))), escape(t(f.lang, "total")), f.money(total),
                     f.money(total - base)])
    head = [t(f.lang, "scheme"), "", t(f.lang, "cost_total"), t(f.lang, "difference")]
    return f"<p>{escape(t(f.lang, 'schemes'))}</p>" + _table(head, rows, text_cols=(0, 1))


def _budget_why(x: Any, f: Fmt) -> str:
    """Why a region's model total lies outside the published band (empty inside it)."""
    if x.status == "below":
        return t(f.lang, "why_below")
    if x.status == "above":
        return t(f.lang, "why_above", n=x.casemanagers, h=f.num(x.coordinator_hours), year=int(x.year))
    return ""


def build(r: ReportData, lang: str) -> str:
    """The whole page."""
    f = Fmt(lang)
    with np.errstate(invalid="ignore"):
        body = (_header(r, f) + _demand(r, f) + _team(r, f) + _delays_and_load(r, f) + _absence(r, f)
                + _costs(r, f) + appendix.appendix(r, f, _table))
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{escape(t(lang, 'title'))}</title><style>{CSS}</style></head><body>{body}</body></html>\n")
