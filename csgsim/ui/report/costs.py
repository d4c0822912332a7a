"""The report's costs section: the model year's costs per region, the published budgets, the
other on-call schemes and employer costs, and what one more casemanager or line would cost."""

from __future__ import annotations

from html import escape
from typing import Any

from csgsim.ui.formatting import Numbers
from csgsim.ui.report import figures
from csgsim.ui.report.gather import ReportData
from csgsim.ui.report.parts import cell, diff_table, figure, missing, table, value
from csgsim.ui.report.text import t

EMPLOYER_RANGE = (0.25, 0.35)  # employer costs on top of salary, commonly 25-35% (docs/evidence.md#7-money)


def _cost_rows(r: ReportData, f: Numbers) -> list[list[str] | str]:
    summary = r.result.cost_summary().set_index(["region", "year", "metric"])
    year = int(r.result.cost_long["year"].min())
    ids = [*r.scenario.regions, "national"] if len(r.scenario.regions) > 1 else list(r.scenario.regions)
    rows: list[list[str] | str] = []
    for rid in ids:
        name = t(f.lang, "national") if rid == "national" else r.scenario.regions[rid].name
        cells = [escape(name)]
        for m in ("allowance", "coordination", "fixed", "variable", "total", "cost_per_case"):
            c = summary.loc[(rid, year, m)]
            key = f"cost_{rid}_{m}"
            cells.append(cell(f, c, "EUR", key=key) if m == "total" else value(key, float(c["mean"]), f.money(c["mean"])))
        rows.append(cells)
    return rows


def costs(r: ReportData, f: Numbers) -> str:
    region = next(iter(r.scenario.regions.values()))
    year = int(r.result.cost_long["year"].min())
    intro = t(f.lang, "costs_intro", scheme=region.costs.scheme.label,
              minimum=f.number(region.costs.scheme.minimum_callout_hours, 1), year=year)
    head = [t(f.lang, k) for k in ("region", "allowance", "coordination", "fixed", "variable", "total", "per_case")]
    parts = [f"<h2>{escape(t(f.lang, 's_costs'))}</h2><p>{escape(intro)}</p>", table(head, _cost_rows(r, f)),
             f"<p class=note>{escape(t(f.lang, 'not_priced'))}</p>",
             figure(figures.costs(r.result, r.budget, f), intro, t(f.lang, "s_costs"))]
    parts.append(_budget(r, f) if r.budget is not None else missing(t(f.lang, "budget_missing")))
    parts.append(_schemes(r, f))
    metrics = ["cost_total", "duties_per_4w", "max_oncall_days_per_4w", "acute_contact_within_norm", "gap_hours"]
    parts += [f"<p>{escape(t(f.lang, 'plus_one'))}</p>", diff_table(r, r.plus_one, metrics, f),
              f"<p>{escape(t(f.lang, 'plus_line'))}</p>", diff_table(r, r.plus_line, metrics, f)]
    return "".join(parts)


def _budget(r: ReportData, f: Numbers) -> str:
    """The budget year's model totals per region against the published band, and why a region is outside it."""
    b = r.budget.iloc[0]
    band = f"{f.money(b['low'])} \u2013 {f.money(b['high'])}"
    rows: list[list[str] | str] = []
    for x in r.budget.itertuples():
        ci = f.bounds(x.total, x.ci_low, x.ci_high, "EUR")
        rows.append([escape(x.name), value(f"budget_{x.region}", x.total, f.money(x.total)),
                     f"{escape(ci[0])} \u2013<br>{escape(ci[1])}" if ci else f.missing, escape(t(f.lang, x.status)),
                     f.money(x.fixed), f.money(x.variable), f.number(x.reports),
                     f"{f.number(x.idle_contract_hours)} {t(f.lang, 'hours')}<br>({f.money(x.idle_contract_cost)})",
                     escape(_budget_why(x, f))])
    head = [t(f.lang, "region"), t(f.lang, "total"), "95%", t(f.lang, "band"), t(f.lang, "fixed"),
            t(f.lang, "variable"), t(f.lang, "reports"), t(f.lang, "idle"), t(f.lang, "why")]
    return (f"<p>{escape(t(f.lang, 'budget', year=int(b['year']), band=band))}</p>"
            + table(head, rows, text_cols=(0, 3, 8), cls="budget")
            + f"<p class=note>{escape(t(f.lang, 'budget_why', year=int(b['year'])))}</p>")


def _schemes(r: ReportData, f: Numbers) -> str:
    """Totals under the other on-call schemes (paired with the chosen one) and under the low and
    high end of the employer costs."""
    from csgsim.studies.capacity import total_with_employer_costs

    where = "national" if len(r.scenario.regions) > 1 else next(iter(r.scenario.regions))
    base = r.plus_one.differences.set_index(["region", "metric"]).loc[(where, "cost_total"), "baseline_mean"]
    rows: list[list[str] | str] = []
    for comp in r.schemes.values():
        d = comp.differences.set_index(["region", "metric"])
        label = comp.changed.scenario.regions[next(iter(r.scenario.regions))].costs.scheme.label
        for metric in ("cost_allowance", "cost_total"):
            row = d.loc[(where, metric)]
            rows.append([escape(label), escape(t(f.lang, "allowance" if metric == "cost_allowance" else "total")),
                         f.money(row["variant_mean"]), cell(f, row, "EUR", difference=True, mean="diff_mean")])
    for rate in EMPLOYER_RANGE:
        total = total_with_employer_costs(r.result, rate)
        rows.append([escape(t(f.lang, "employer", pct=f.percent(rate))), escape(t(f.lang, "total")), f.money(total),
                     f.money(total - base, signed=True)])
    head = [t(f.lang, "scheme"), "", t(f.lang, "cost_total"), t(f.lang, "difference")]
    return f"<p>{escape(t(f.lang, 'schemes'))}</p>" + table(head, rows, text_cols=(0, 1))


def _budget_why(x: Any, f: Numbers) -> str:
    """Why a region's model total lies outside the published band (empty inside it)."""
    if x.status == "below":
        return t(f.lang, "why_below")
    if x.status == "above":
        return t(f.lang, "why_above", n=x.casemanagers, h=f.number(x.coordinator_hours), year=int(x.year))
    return ""
