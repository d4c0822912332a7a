"""The table `import-registrations` prints: each estimate beside what the model had.

Only aggregates: counts, levels, shares, medians. The last line says how much narrower the level's
95% range became, from the model's ``level_sd_log`` to the standard error the data give.
"""

from __future__ import annotations

import math

from csgsim.ui.formatting import PLAIN

Z95 = 1.959963984540054


def _ci(value: float, low: float, high: float, unit: str, difference: bool = False) -> str:
    return PLAIN.band(value, low, high, unit, difference)


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
    rows = [("reports", PLAIN.given(est.reports), f"{est.start} to {est.end}", ""),
            ("count model", est.model, f"weekly counts vary {PLAIN.value(est.dispersion, 'ratio')} x Poisson", "")]
    for y in est.years:
        label = f"{y.kind.replace('_', '-')} {y.year}" + (f" ({PLAIN.value(y.fraction, 'share')} registered)"
                                                           if y.fraction < 1 else "")
        rows.append((label, PLAIN.value(y.level.value, "count"), _ci(y.level.value, y.level.low, y.level.high, "count"),
                     PLAIN.value(_expected(sc, region_id, y.kind, y.year), "count")))
    model_total = sum(region.demand(k).annual_level(est.level_year) for k in ("acute", "non_acute"))
    rows.append((f"level {est.level_year}, both types, before events", PLAIN.value(est.total.value, "count"),
                 _ci(est.total.value, est.total.low, est.total.high, "count"), PLAIN.value(model_total, "count")))
    if est.growth is not None:
        g = est.growth
        rows.append(("growth per year", PLAIN.value(g.value, "share", signed=True),
                     _ci(g.value, g.low, g.high, "share", difference=True),
                     PLAIN.value(region.acute.growth_per_year, "share", signed=True)))
    rows.append(("acute share", PLAIN.value(est.share.value, "share"),
                 _ci(est.share.value, est.share.low, est.share.high, "share"), PLAIN.value(_model_share(region), "share")))
    for kind, p in est.profiles.items():
        if p.outside_office is not None:
            share, low, high = p.outside_office
            rows.append((f"{kind.replace('_', '-')} outside Mon-Fri 09-17", PLAIN.value(share, "share"),
                         _ci(share, low, high, "share"), f"{PLAIN.value(p.model_outside_office, 'share')}  (weight on "
                         f"own profile {PLAIN.value(p.data_weight, 'ratio')})"))
    for kind, s in est.seasonality.items():
        rows.append((f"{kind.replace('_', '-')} monthly profile", f"weight on own data {PLAIN.value(s.data_weight, 'ratio')}",
                     f"{PLAIN.value(s.weights.min(), 'ratio')} to {PLAIN.value(s.weights.max(), 'ratio')}", "shipped"))
    return rows + _optional_rows(est, region)


def _optional_rows(est, region) -> list[tuple[str, str, str, str]]:
    d, rows = est.optional, []
    if d is None:
        return rows
    if d.contact is not None:
        c = d.contact
        rows.append((f"acute first contact (n={c['n']})",
                     f"median {PLAIN.value(c['median'], 'min')} min, 90% within {PLAIN.value(c['p90'], 'min')}",
                     f"{PLAIN.value(c['within_norm'], 'share')} within norm "
                     f"({_ci(c['within_norm'], c['within_low'], c['within_high'], 'share')})",
                     "a model outcome"))
    if d.on_site is not None:
        s = d.on_site
        rows.append((f"on-site hours (n={s['n']})",
                     f"median {PLAIN.value(s['median'], 'h')}, sigma {PLAIN.value(s['sigma'], 'log')}",
                     _ci(s["median"], s["median_low"], s["median_high"], "h"),
                     f"mean {PLAIN.value(region.pathway.on_site.mean, 'h')}"))
    if d.forensic is not None:
        n, (share, low, high) = d.forensic
        rows.append((f"forensic exam share (n={n})", PLAIN.value(share, "share"), _ci(share, low, high, "share"),
                     "not in the model"))
    model_days = {"acute": region.pathway.followup_days, "non_acute": region.pathway.nonacute_followup_days}
    for kind, (n, days) in d.followups.items():
        rows.append((f"{kind.replace('_', '-')} follow-up days (n={n})", ", ".join(map(str, days)) or "none", "",
                     ", ".join(map(str, model_days[kind]))))
    return rows


def narrowing(old_sd: float, new_sd: float) -> str:
    """How the level's 95% range changed, as factors either way."""
    new = f"x{PLAIN.value(math.exp(Z95 * new_sd), 'ratio')} either way (sd of log {PLAIN.value(new_sd, 'log')})"
    if old_sd <= 0:
        return f"the level's 95% range: {new}; the model had taken its level as exact (level_sd_log 0)"
    return (f"the level's 95% range: x{PLAIN.value(math.exp(Z95 * old_sd), 'ratio')} either way (level_sd_log "
            f"{PLAIN.value(old_sd, 'log')}) -> {new}: {PLAIN.value(old_sd / new_sd, 'ratio')} times narrower on the "
            "log scale")


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
