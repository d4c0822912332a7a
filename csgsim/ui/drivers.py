"""Printing what drives the team size (`studies.breakdown`) after `csgsim size`."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from csgsim.ui.formatting import PLAIN
from csgsim.ui.markup import escape

from csgsim.studies.breakdown import FLAGS, WAIT_SHARE, Breakdown, ErlangC, Outlook, added


def print_breakdown(bd: Breakdown, view: Outlook | None, console: Any) -> None:
    """The steps floor -> + leave -> + sickness -> + demand, the floor's arithmetic, Erlang C,
    and the scenario roster's on-call days per 4 weeks and flagged weeks."""
    table = Table(title=f"{escape(bd.name)}: what drives the team size (casemanagers)")
    for col, just in (("step", "left"), ("team", "right"), ("adds", "right"), ("why", "left")):
        table.add_column(col, justify=just, overflow="fold")
    for step, plus in zip(bd.steps, added(bd.steps)):
        team = "-" if step.people is None else str(step.people)
        more = "-" if plus is None else f"+{plus}"
        table.add_row(step.label, team, more, escape(step.why))
    console.print(table)
    floor = "no team size" if bd.floor.people is None else f"{bd.floor.people} casemanagers"
    console.print(f"Legal floor of {bd.floor.lines} line(s) of {bd.floor.pattern} under {bd.floor.ruleset}: "
                  f"{floor}, the most any rule needs:")
    for term in bd.floor.terms:
        console.print(f"  {term.rule}: {escape(term.arithmetic)}")
    console.print(escape(erlang_line(bd.erlang)))
    if view is not None:
        print_outlook(bd, view, console)


def erlang_line(e: ErlangC) -> str:
    """One sentence: what queueing alone says."""
    return (f"Plain Erlang C (M/M/c) for the same acute demand: {PLAIN.value(e.rate_mean * 24 * 365, 'count')} "
            f"reports a year (peak hour {PLAIN.significant(e.rate_peak, 3)}/h), {PLAIN.value(e.busy_hours, 'h')} h "
            f"busy per call, P(wait > {PLAIN.given(e.norm_minutes)} min) <= {PLAIN.value(WAIT_SHARE, 'share')}: "
            f"{e.servers_peak} person(s) on duty at the peak hour ({e.servers_mean} at the mean rate; one person: "
            f"P = {PLAIN.value(e.wait_share_one, 'share')}). Queueing alone sees the calls, not the working-time "
            "rules, leave or sickness.")


def print_outlook(bd: Breakdown, view: Outlook, console: Any) -> None:
    w = view.windows
    table = Table(title=f"{escape(bd.name)} with its {bd.team} casemanagers: on-call days (24 h periods) per "
                        f"casemanager per 4 weeks, mean of {view.replications} replications",
                  caption="mean: over all casemanagers (the line's 28 periods shared out). at work: a rate, the "
                          "on-call days held per 28 days actually at work (someone at work half the window with 5 "
                          "days counts 10). busiest: a count, the most on-call days one casemanager held in the "
                          "window. With colleagues away part of the window the rate can exceed the count. "
                          "* the peak window")
    for col in ("4 weeks from", "mean", "at work", "busiest", "school summer"):
        table.add_column(col, justify="right")
    peak = w["busiest"].idxmax() if len(w) else None
    for i, row in w.iterrows():
        mark = " *" if i == peak else ""
        days = [PLAIN.value(row[col], "count") for col in ("mean", "at_work", "busiest")]  # on-call days
        table.add_row(PLAIN.day(row["start"]), *days[:2], days[2] + mark, "yes" if row["school_summer"] else "")
    console.print(table)
    if view.weeks.empty:
        console.print(f"No week needed a backup or a breach, or went uncovered, in {view.replications} replications.")
        return
    console.print(f"Weeks kept only by a backup or a breach, or not kept (share of {view.replications} replications):")
    for _, row in view.weeks.iterrows():
        parts = [f"{name.replace('_', ' ')} {PLAIN.value(row[name], 'share')}" for name in FLAGS if row[name] > 0]
        console.print(f"  week of {PLAIN.day(row['start'])}: {', '.join(parts)}")


def compute(data: dict, source: str, sized: list[tuple[str, int | None, str]], seed: int, replications: int,
            scripted: list) -> dict:
    """Per (region, sizing answer, sizing status): (breakdown, outlook) of `studies.breakdown`, the
    outlook for the team the scenario file has; empty when replications is 0."""
    if replications == 0:
        return {}
    from csgsim.config import scenario as scenario_mod
    from csgsim.model import inputs
    from csgsim.studies import breakdown as bd

    out = {}
    for rid, answer, status in sized:
        owners = {p.id for p in scenario_mod.parse(data, source).regions[rid].people}
        mine = [a for a in scripted if a.person in owners or (a.person == "coordinator" and len(sized) == 1)]
        steps = bd.breakdown(data, source, rid, seed, answer, replications, mine, status)
        sc = scenario_mod.parse(data, source).only([rid])
        sc = scenario_mod.with_absences(sc, mine) if mine else sc
        out[rid] = (steps, bd.outlook(inputs.plan(sc, rid), seed, replications))
    return out


def drivers_json(steps: Any, view: Any) -> dict:
    import json

    return {
        "steps": [{"step": s.label, "team": s.people, "adds": a, "why": s.why}
                  for s, a in zip(steps.steps, added(steps.steps))],
        "floor": {"pattern": steps.floor.pattern, "rules": steps.floor.ruleset, "lines": steps.floor.lines,
                  "people": steps.floor.people,
                  "terms": [{"rule": t.rule, "arithmetic": t.arithmetic, "people": t.people}
                            for t in steps.floor.terms]},
        "erlang_c": vars(steps.erlang),
        "replications": steps.replications,
        "oncall_days_per_4w": json.loads(view.windows.to_json(orient="records", date_format="iso")),
        "flagged_weeks": json.loads(view.weeks.to_json(orient="records", date_format="iso")),
    }
