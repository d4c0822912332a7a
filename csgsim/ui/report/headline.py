"""The report's first lines: title, period, regions, and the key figures, each a number with its 95%
interval where it has one, and the precision the replications give."""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from csgsim.ui.formatting import Numbers
from csgsim.ui.report.gather import ReportData
from csgsim.ui.report.parts import scope, table, value
from csgsim.ui.report.text import t


def _first_year(r: ReportData) -> tuple[Any, str]:
    """The cost summary of the model's first year, for the nation (several regions) or the region."""
    costs = r.result.cost_summary().set_index(["region", "year", "metric"]).sort_index()
    year = int(r.result.cost_long["year"].min())
    region = "national" if len(r.scenario.regions) > 1 else next(iter(r.scenario.regions))
    return costs.loc[(region, year)], region


def key_figures(r: ReportData, f: Numbers) -> list[tuple[str, str, float, str]]:
    """(key, label, value, shown text) of the first page, all from the results, each with its 95%
    interval where it has one."""
    get, region = _first_year(r)
    total = get.loc["total"]

    def row(key: str, label: str, c: Any, unit: str, suffix: str = "", difference: bool = False
            ) -> tuple[str, str, float, str]:
        mean = "diff_mean" if difference else "mean"
        text = f.interval(c[mean], c["ci_low"], c["ci_high"], unit, difference=difference, suffix=suffix)
        return key, label, float(c[mean]), text

    norm = f.number(r.scenario.norms.acute_contact_minutes)
    p95, within = national_contact(r)
    fixed = float(get.loc["fixed", "mean"] / total["mean"])
    plus = r.plus_one.differences.set_index(["region", "metric"]).loc[(region, "cost_total")]
    out = [
        row("kf_reports", t(f.lang, "kf_reports"), get.loc["reports"], "count"),
        row("kf_total", t(f.lang, "kf_total", scope=scope(r, f)), total, "EUR"),
        row("kf_cost_per_case", t(f.lang, "kf_per_case"), get.loc["cost_per_case"], "EUR"),
        ("kf_fixed_share", t(f.lang, "kf_fixed"), fixed, f.value(fixed, "share")),
        row("kf_contact_p95", t(f.lang, "kf_p95", norm=norm), p95, "min", suffix=" min"),
        row("kf_contact_within_norm", t(f.lang, "kf_norm", norm=norm), within, "share"),
        row("kf_plus_one_cost", t(f.lang, "kf_plus_one" if region == "national" else "kf_plus_one_region"), plus,
            "EUR", difference=True),
    ]
    if r.budget is not None:
        b = r.budget.iloc[0]
        inside = int((r.budget["status"] == "inside").sum())
        out.append(("kf_budget_inside", t(f.lang, "kf_budget", year=int(b["year"]),
                                       band=f"{f.money(b['low'])} \u2013 {f.money(b['high'])}"),
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
    get, _ = _first_year(r)
    c = get.loc["reports"]
    half = (c["ci_high"] - c["ci_low"]) / 2
    return float(half), float(half / c["mean"]) if c["mean"] else float("nan")


def header(r: ReportData, f: Numbers) -> str:
    """Title, period, regions, the key figures and how precise the replications make them."""
    sc = r.scenario
    period = f"{f.day(sc.start)} \u2013 {f.day(sc.calendar.dates[-1])}"
    rows: list[list[str] | str] = [[escape(label), value(key, number, text)]
                                   for key, label, number, text in key_figures(r, f)]
    half, rel = precision(r)
    reps = t(f.lang, "reps_note", reps=r.result.replications, half=f.number(half), rel=f.percent(rel, 1))
    return (f"<h1>{escape(t(f.lang, 'title'))}</h1>"
            f"<p>{escape(t(f.lang, 'subtitle', scenario=sc.name, period=period, reps=r.result.replications, seed=r.result.seed))} "
            f"{escape(t(f.lang, 'regions_covered', names=', '.join(g.name for g in sc.regions.values())))}</p>"
            f"<h2>{escape(t(f.lang, 'key_figures'))}</h2>"
            + table(["", ""], rows, cls="kf")
            + f"<p class=note>{escape(t(f.lang, 'ci_note'))} {escape(reps)}</p>")
