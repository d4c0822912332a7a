"""The report's team section: the team the scenario assumes per region and, with --size, both
answers of csgsim size, sized apart."""

from __future__ import annotations

from html import escape
from typing import Any

from csgsim.ui.formatting import Numbers
from csgsim.ui.report.gather import ReportData
from csgsim.ui.report.parts import missing, table, value
from csgsim.ui.report.text import demand_text, t, target_text


def team(r: ReportData, f: Numbers) -> str:
    rows: list[list[str] | str] = [
        [escape(g.name), str(g.casemanagers), f.number(g.people[0].hours_per_week), f.number(g.people[-1].hours_per_week),
         escape(g.duty.pattern), f.number(g.acute.annual_level(r.scenario.start.year))]
        for g in r.scenario.regions.values()]
    head = [t(f.lang, k) for k in ("region", "casemanagers", "hours_week", "coordinator_hours", "pattern", "acute_per_year")]
    return (f"<h2>{escape(t(f.lang, 's_team'))}</h2><p>{escape(t(f.lang, 'team_now'))}</p>"
            + table(head, rows, text_cols=(0, 4))
            + (sizing(r, f) if r.sizing is not None else missing(t(f.lang, "sizing_missing", why="--size"))))


def sizing(r: Any, f: Numbers) -> str:
    """Per region both answers of csgsim size, sized apart: the casemanagers on call with the target
    that binds, and the casework hours a week that team needs beside the scenario's contracted hours.
    English pages add csgsim size's own line (in English) across the table, under its region."""
    rows: list[list[str] | str] = []
    days = r.scenario.days
    for reg in r.sizing.regions:
        work = reg.casework
        hours = _answer(work.search, f"hours_{reg.region}", f) if work else "\u2013"
        if work and work.search.enough is not None:
            hours += f"<br><small>({escape(t(f.lang, 'each', h=f.number(work.search.enough / work.people, 1)))})</small>"
        rows.append([escape(reg.name), str(r.scenario.regions[reg.region].casemanagers),
                     _answer(reg, f"size_{reg.region}", f), _binding(reg, f, days), hours,
                     f.number(work.scenario_hours) if work else "\u2013",
                     _binding(work.search, f, days) if work else "\u2013"])
        if f.lang == "en":
            rows.append(f"<small>{escape(t(f.lang, 'detail'))}: {escape(r.sizing.answer_line(reg))}</small>")
    head = [t(f.lang, k) for k in ("region", "casemanagers", "on_call_needed", "binding", "casework_needed",
                                   "contracted", "binding_hours")]
    first = r.sizing.regions[0]
    intro = t(f.lang, "sizing", demand=demand_text(f, r.sizing.demand), confidence=f.percent(r.sizing.confidence),
              oncall=", ".join(target_text(f, x, days) for x in first.targets),
              casework=", ".join(target_text(f, x, days) for x in first.casework.search.targets)
              if first.casework else "\u2013")
    return f"<p>{escape(intro)}</p>" + table(head, rows, text_cols=(0, 3, 6))


def _answer(x: Any, key: str, f: Numbers) -> str:
    """A sizing's answer as a number, 'at most' a number where only an upper bound is settled, or
    its verdict in words."""
    if x.answer is not None:
        return value(key, float(x.answer), f.number(x.answer))
    if x.enough is not None:
        return value(key, float(x.enough), t(f.lang, "at_most", n=f.number(x.enough)))
    return escape(t(f.lang, x.status.replace(" ", "_")))


def _binding(x: Any, f: Numbers, days: int) -> str:
    """The targets that keep a sizing's answer from being smaller ('\u2013' when none does), in the
    page's words, one a line so a narrow column keeps them."""
    names = [escape(target_text(f, target, days)) for target in x.binding()] if x.enough is not None else []
    return "<br>".join(names) or "\u2013"
