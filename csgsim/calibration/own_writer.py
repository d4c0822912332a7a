"""Write a region's own-demand estimates into a scenario (tomlkit: the file's comments survive).

Why a patch of the scenario the coordinator already uses: staff, duties and costs stay as they
were; only the demand the registrations speak to changes, each value with its provenance
("own registration, 412 reports 2023-01-01 to 2024-12-31, file SHA-256 ..."). Only aggregates
are written. Writing the same estimates onto the written file gives the same file again.
"""

from __future__ import annotations

from typing import Any

from .own_demand import KINDS, OwnDemand
from .own_profiles import scenario_profile


def profile_name(region: str, kind: str) -> str:
    return f"own-{region}-{kind.replace('_', '-')}"


def _entry(value: Any, source: str) -> Any:
    import tomlkit

    table = tomlkit.inline_table()
    table.update({"value": value, "source": source})
    return table


def _set(table: Any, keys: list[str], value: Any) -> None:
    """Set a dotted key inside a [regions.ID] table, adding the path where it is missing."""
    import tomlkit

    node = table
    for i, key in enumerate(keys[:-1]):
        if key not in node:
            node.add(tomlkit.key(keys[i:]), value)
            return
        node = node[key]
    node[keys[-1]] = value


def _values(est: OwnDemand) -> dict[tuple[str, ...], Any]:
    """Every key the estimates set, relative to the region's table, with its provenance."""
    own = est.provenance()
    y = est.level_year
    lo, hi = est.total.low, est.total.high
    out: dict[tuple[str, ...], Any] = {}
    for kind in KINDS:
        what = "acute" if kind == "acute" else "non-acute"
        out[("demand", kind, "level")] = _entry(round(est.level(kind), 1), (
            f"{own}; expected {what} reports in {y}: both types {est.total.value:.1f} (95% CI {lo:.1f}-{hi:.1f}, "
            f"{est.model}{', log-linear trend' if est.growth else ''}) x acute share "
            f"{est.share.value:.3f}" + ("" if kind == "acute" else " complement")))
        out[("demand", kind, "level_year")] = y
        if est.growth is not None:
            g = est.growth
            out[("demand", kind, "growth_per_year")] = _entry(round(g.value, 4), (
                f"{own}; log-linear trend of both types (95% CI {g.low:+.1%} to {g.high:+.1%} a year)"))
        season = est.seasonality[kind]
        out[("demand", kind, "seasonality")] = _entry([round(float(v), 4) for v in season.weights], (
            f"{own}; {season.reports} {what} reports per calendar month against the trend, shrunk toward the "
            f"shipped seasonality (weight on own data {season.data_weight:.2f})"))
        out[("demand", kind, "profile")] = profile_name("REGION", kind)
    out[("uncertainty", "level_sd_log")] = _entry(round(est.sd_log, 4), (
        f"{own}; standard error of the log level ({est.model}; weekly counts vary {est.dispersion:.2f} x Poisson)"))
    a, b = est.share_beta
    out[("uncertainty", "acute_share_beta")] = _entry([round(a, 1), round(b, 1)], (
        f"{own}; Jeffreys posterior of the acute share"))
    if est.growth is not None:
        out[("uncertainty", "growth_sd_region")] = _entry(round(est.growth_sd_log, 4), (
            f"{own}; standard error of the log-linear trend"))
    out.update(_pathway(est, own))
    return out


def _pathway(est: OwnDemand, own: str) -> dict[tuple[str, ...], Any]:
    import tomlkit

    out: dict[tuple[str, ...], Any] = {}
    d = est.optional
    if d is None:
        return out
    if d.on_site is not None:
        s = d.on_site
        dist = tomlkit.inline_table()
        dist.update({"dist": "lognormal", "median": round(s["median"], 3), "sigma": round(s["sigma"], 3),
                     "low": round(s["low"], 3), "high": round(s["high"], 3),
                     "source": f"{own}; on-site time of {s['n']} acute reports (lognormal fit; low/high: 1st and "
                               f"99th percentiles)"})
        out[("pathway", "on_site")] = dist
    keys = {"acute": "followup_days", "non_acute": "nonacute_followup_days"}
    for kind, (n, days) in d.followups.items():
        if days:
            out[("pathway", keys[kind])] = _entry(list(days), (
                f"{own}; median day of each follow-up contact of {n} reports, up to the median number"))
    return out


def shipped(data: dict[str, Any], source: str, region: str):
    """The region as the scenario has it without own estimates (the profiles and seasonality the
    estimates shrink toward), so importing onto a written scenario gives the same result."""
    import copy

    from csgsim.config import scenario

    data = copy.deepcopy(data)
    demand = data.get("regions", {}).get(region, {}).get("demand", {})
    for kind in KINDS:
        body = demand.get(kind, {})
        if str(body.get("profile", "")).startswith("own-"):
            del body["profile"]
        season = body.get("seasonality")
        if isinstance(season, dict) and str(season.get("source", "")).startswith("own registration"):
            del body["seasonality"]
    for name in [p for p in data.get("profiles", {}) if p.startswith(f"own-{region}-")]:
        del data["profiles"][name]
    return scenario.parse(data, source).only([region]).regions[region]


def patch(document: str, region: str, est: OwnDemand) -> str:
    """The scenario text with `region`'s demand replaced by the estimates."""
    import tomlkit

    doc = tomlkit.parse(document)
    table = doc["regions"][region]
    for keys, value in _values(est).items():
        if keys[-1] == "profile":
            value = profile_name(region, keys[1])
        _set(table, list(keys), value)
    for kind in KINDS:
        levels = table.get("demand", {}).get(kind, {}).get("levels", {})
        for year in [y for y in levels if int(y) >= est.start.year]:
            del levels[year]  # own counts supersede public estimates of those years
        shape = scenario_profile(est.profiles[kind].weights)
        body = tomlkit.table()
        what = "acute" if kind == "acute" else "non-acute"
        body.add("hours", _entry(shape["hours"], (
            f"{est.provenance()}; {est.profiles[kind].reports} {what} reports by hour of the week, shrunk toward "
            f"the shipped profile (weight on own data {est.profiles[kind].data_weight:.2f})")))
        body.add("weekend_hours", shape["weekend_hours"])
        body.add("days", shape["days"])
        body.add("holidays", "sunday" if est.profiles[kind].holidays_as_sunday else "ignore")
        name = profile_name(region, kind)
        if name in doc["profiles"]:
            doc["profiles"][name] = body
        else:
            doc["profiles"].add(name, body)
    return tomlkit.dumps(doc)
