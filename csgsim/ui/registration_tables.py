"""The table `import-registrations` prints: each estimate beside what the model had.

Only aggregates: counts, levels, shares, medians. The last line says how much narrower the level's
95% range became, from the model's ``level_sd_log`` to the standard error the data give.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def _ci(low: float, high: float, fmt: str = "{:.1f}") -> str:
    return f"{fmt.format(low)}-{fmt.format(high)}"


def _model_share(region) -> float:
    beta = region.uncertainty.acute_share_beta
    if beta is not None:
        return beta[0] / (beta[0] + beta[1])
    a, n = region.acute.level, region.non_acute.level
    return a / (a + n)


def _expected(sc, region_id: str, kind: str, year: int) -> float:
    """The model's expected reports in a calendar year, events included (as registered counts are)."""
    from datetime import date

    from csgsim.core.calendar import Calendar
    from csgsim.demand.intensity import intensity

    cal = Calendar(date(year, 1, 1), (date(year + 1, 1, 1) - date(year, 1, 1)).days)
    return float(intensity(sc, region_id, kind, cal).sum())


def _rows(est, sc, region_id: str) -> list[tuple[str, str, str, str]]:
    region = sc.regions[region_id]
    rows = [("reports", f"{est.reports:,}", f"{est.start} to {est.end}", ""),
            ("count model", est.model, f"weekly counts vary {est.dispersion:.2f} x Poisson", "")]
    for y in est.years:
        label = f"{y.kind.replace('_', '-')} {y.year}" + (f" ({y.fraction:.0%} registered)" if y.fraction < 1 else "")
        rows.append((label, f"{y.level.value:.1f}", _ci(y.level.low, y.level.high),
                     f"{_expected(sc, region_id, y.kind, y.year):.1f}"))
    model_total = sum(region.demand(k).annual_level(est.level_year) for k in ("acute", "non_acute"))
    rows.append((f"level {est.level_year}, both types, before events", f"{est.total.value:.1f}",
                 _ci(est.total.low, est.total.high), f"{model_total:.1f}"))
    if est.growth is not None:
        g = est.growth
        rows.append(("growth per year", f"{g.value:+.1%}", _ci(g.low, g.high, "{:+.1%}"),
                     f"{region.acute.growth_per_year:+.1%}"))
    rows.append(("acute share", f"{est.share.value:.3f}", _ci(est.share.low, est.share.high, "{:.3f}"),
                 f"{_model_share(region):.3f}"))
    for kind, p in est.profiles.items():
        if p.outside_office is not None:
            share, low, high = p.outside_office
            rows.append((f"{kind.replace('_', '-')} outside Mon-Fri 09-17", f"{share:.1%}", _ci(low, high, "{:.1%}"),
                         f"{p.model_outside_office:.1%}  (weight on own profile {p.data_weight:.2f})"))
    for kind, s in est.seasonality.items():
        rows.append((f"{kind.replace('_', '-')} monthly profile", f"weight on own data {s.data_weight:.2f}",
                     f"{s.weights.min():.2f}-{s.weights.max():.2f}", "shipped"))
    return rows + _optional_rows(est, region)


def _optional_rows(est, region) -> list[tuple[str, str, str, str]]:
    d, rows = est.optional, []
    if d is None:
        return rows
    if d.contact is not None:
        c = d.contact
        rows.append((f"acute first contact (n={c['n']})", f"median {c['median']:.0f} min, 90% within {c['p90']:.0f}",
                     f"{c['within_norm']:.1%} within norm ({_ci(c['within_low'], c['within_high'], '{:.1%}')})",
                     "a model outcome"))
    if d.on_site is not None:
        s = d.on_site
        rows.append((f"on-site hours (n={s['n']})", f"median {s['median']:.2f}, sigma {s['sigma']:.2f}",
                     _ci(s["median_low"], s["median_high"], "{:.2f}"),
                     f"mean {region.pathway.on_site.mean:.2f}"))
    if d.forensic is not None:
        n, (share, low, high) = d.forensic
        rows.append((f"forensic exam share (n={n})", f"{share:.1%}", _ci(low, high, "{:.1%}"), "not in the model"))
    model_days = {"acute": region.pathway.followup_days, "non_acute": region.pathway.nonacute_followup_days}
    for kind, (n, days) in d.followups.items():
        rows.append((f"{kind.replace('_', '-')} follow-up days (n={n})", ", ".join(map(str, days)) or "none", "",
                     ", ".join(map(str, model_days[kind]))))
    return rows


def narrowing(old_sd: float, new_sd: float) -> str:
    """How the level's 95% range changed, as factors either way."""
    new = f"x{math.exp(Z95 * new_sd):.2f} either way (sd of log {new_sd:.3f})"
    if old_sd <= 0:
        return f"the level's 95% range: {new}; the model had taken its level as exact (level_sd_log 0)"
    return (f"the level's 95% range: x{math.exp(Z95 * old_sd):.2f} either way (level_sd_log {old_sd:.3f}) -> "
            f"{new}: {old_sd / new_sd:.1f} times narrower on the log scale")


def print_estimates(est, sc, region_id: str, console) -> None:
    from rich.table import Table

    region = sc.regions[region_id]
    table = Table(title=f"{region.name}: own registration against the model ({est.provenance()}); counts per "
                        "year with events, the level before them")
    for name in ("estimate", "own registration", "95% CI", "the model had"):
        table.add_column(name)
    for row in _rows(est, sc, region_id):
        table.add_row(*row)
    console.print(table)
    console.print(narrowing(region.uncertainty.level_sd_log, est.sd_log))
