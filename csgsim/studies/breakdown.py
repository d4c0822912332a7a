"""What drives the team size: the legal floor, then what leave, sickness and demand add.

Step by step for one region, each step the smallest team from the previous one up:

1. the legal floor of the duty pattern under the rule set (`staff.floor`, hand arithmetic);
2. + annual leave: the roster made around the planned leave needs no backup and no breach in
   any of R leave plans (no sickness, no calls);
3. + sickness and vacancies: with sick spells, long spells and departures re-planned at short
   notice by the region's policy as well, no replication has an uncovered hour or a
   duty-count breach (a rare-event claim, so the exact binomial bound on its yearly
   probability is given with it);
4. + demand: the answer of the sizing against its targets (delays, follow-ups, ...).

Steps 2-3 look at the roster only (who holds the duty when), which needs no SimPy run. Next to
them: what plain Erlang C says for the same acute demand, which knows none of this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from csgsim.analysis.queueing import servers_needed, wait_beyond
from csgsim.config import scenario as scenario_mod
from csgsim.config.staffing import get_ruleset
from csgsim.core.errors import CsgsimError
from csgsim.model import inputs
from csgsim.staff.absence import ANNUAL, of_kind
from csgsim.staff.floor import Floor, legal_floor
from csgsim.staff.duties import NOBODY
from csgsim.staff.replanning import BACKUP, BACKUP_BREACH, BREACH
from csgsim.studies.patches import patched

#: Teams tried above the larger of the floor and the scenario's team before a step says "not reached".
HEADROOM = 8
WAIT_SHARE = 0.05  # Erlang C target: P(contact wait > norm) <= 5%, i.e. the p95 within the norm


@dataclass(frozen=True)
class Step:
    label: str
    people: int | None  # None: not reached within the teams tried
    why: str


@dataclass(frozen=True)
class ErlangC:
    """Servers plain Erlang C needs for P(wait > norm) <= 5% at the mean and the peak hourly rate."""

    rate_mean: float  # acute reports per hour
    rate_peak: float
    busy_hours: float  # mean hours a casemanager is tied up per acute call
    norm_minutes: float
    servers_mean: int
    servers_peak: int
    wait_share_one: float  # P(wait > norm) at the peak rate with one server


@dataclass(frozen=True)
class Breakdown:
    region: str
    name: str
    team: int  # casemanagers in the scenario
    floor: Floor
    steps: tuple[Step, ...]
    erlang: ErlangC
    replications: int
    seed: int


FLAGS = ("planned_backup", "planned_breach", "short_notice_backup", "short_notice_breach", "uncovered")


def _week_flags(plan: inputs.RegionPlan, seed: int, rep: int, sickness: bool) -> tuple[np.ndarray, Any, Any]:
    """(len(FLAGS), weeks) bool over the reported period, the final duty schedule and the absences.

    A week is flagged when a duty in it had to go to the backup or beyond the rules when the
    roster was made around leave, or at short notice, or when an hour in it had nobody.
    """
    spells = inputs.staff_spells(plan, seed, rep)
    primary, _, log, planned = inputs.duty_rosters(plan, spells if sickness else of_kind(spells, ANNUAL))
    week_hours = 7 * 24
    flags = np.zeros((len(FLAGS), -(-int(plan.calendar.horizon - plan.since) // week_hours)), dtype=bool)
    picks = ((planned, [BACKUP]), (planned, [BREACH, BACKUP_BREACH]), (log, [BACKUP]), (log, [BREACH, BACKUP_BREACH]))
    for row, (lg, reasons) in enumerate(picks):
        _mark(flags[row], primary.start[lg.block[np.isin(lg.reason, reasons)]] - plan.since, week_hours)
    _mark(flags[-1], primary.start[primary.person == NOBODY] - plan.since, week_hours)
    return flags, primary, spells


def _mark(row: np.ndarray, t: np.ndarray, width: float) -> None:
    row[(t[t >= 0] // width).astype(np.int64)] = True


def _roster_fails(plan: inputs.RegionPlan, seed: int, rep: int, sickness: bool) -> bool:
    """Around leave: a backup or breach; with sickness also an uncovered hour or a short-notice breach."""
    flags, _, _ = _week_flags(plan, seed, rep, sickness)
    rows = [0, 1, 3, 4] if sickness else [0, 1]
    return bool(flags[rows].any())


class _Teams:
    """The region at any team size (the scenario document patched as `size` patches it)."""

    def __init__(self, data: dict[str, Any], source: str, rid: str, base: inputs.RegionPlan, absences: list) -> None:
        self.data, self.source, self.rid, self.base, self.absences = data, source, rid, base, absences
        self.plans: dict[int, inputs.RegionPlan] = {}

    def plan(self, n: int) -> inputs.RegionPlan | None:
        """The roster plan of n casemanagers; None where the scenario forbids that size."""
        if n not in self.plans:
            where = f"{self.source} ({self.rid} with {n} casemanagers)"
            try:
                sc = scenario_mod.parse(patched(self.data, [], [(f"team_size.{self.rid}", n)], where), where)
                sc = scenario_mod.with_absences(sc.only([self.rid]), self.absences) if self.absences else sc
            except CsgsimError:
                return None
            region = sc.regions[self.rid]
            self.plans[n] = replace(self.base, region=region, schedule=inputs.base_roster(region, self.base.calendar))
        return self.plans[n]

    def first(self, start: int, stop: int, reps: int, seed: int, sickness: bool) -> int | None:
        for n in range(start, stop + 1):
            plan = self.plan(n)
            if plan is not None and not any(_roster_fails(plan, seed, r, sickness) for r in range(reps)):
                return n
        return None


def erlang(plan: inputs.RegionPlan, norm_minutes: float) -> ErlangC:
    """Plain Erlang C for the region's acute reports in the reported period."""
    rate = plan.acute_rate[int(plan.since):]
    pw = plan.region.pathway
    busy = pw.callback.mean + pw.phone.mean
    if pw.attendance == "day0":
        busy += 2 * pw.travel.mean + pw.on_site.mean
    t = norm_minutes / 60
    mean, peak = float(rate.mean()), float(rate.max())
    return ErlangC(mean, peak, busy, norm_minutes, servers_needed(mean, busy, t, WAIT_SHARE),
                   servers_needed(peak, busy, t, WAIT_SHARE), wait_beyond(1, peak, busy, t))


def breakdown(data: dict[str, Any], source: str, rid: str, seed: int, answer: int | None,
              replications: int = 30, absences: list | None = None, status: str = "") -> Breakdown:
    """The steps for region `rid` of the scenario document `data`; `answer` is the sizing's, and
    `status` says why there is none."""
    sc = scenario_mod.parse(data, source).only([rid])
    region = sc.regions[rid]
    base = inputs.plan(sc, rid)
    teams = _Teams(data, source, rid, base, list(absences or []))
    floor = legal_floor(region.duty.pattern, get_ruleset(region.staffing.rules))
    stop = max(floor.people or 1, region.casemanagers) + HEADROOM
    steps = [Step("legal floor", floor.people, floor.binding.arithmetic if floor.binding else "")]
    start = floor.people or 1
    leave = region.staffing.leave
    if leave.enabled:
        start = max(start, leave.max_at_once)
        n_leave = teams.first(start, stop, replications, seed, sickness=False)
        why = (f"{leave.weeks:g} weeks each, {leave.summer_weeks} in the {leave.school_region} school summer "
               f"holiday, at most {leave.max_at_once} away at once: smallest team whose roster around leave "
               f"needs no backup and no breach in {replications} leave plans")
    else:
        n_leave, why = start, "leave is off in this scenario"
    steps.append(Step("+ annual leave", n_leave, why))
    n_sick = None
    if n_leave is not None:
        n_sick = teams.first(n_leave, stop, replications, seed, sickness=True)
    bound = rare_bound(replications)
    steps.append(Step("+ sickness and vacancies", n_sick,
                      f"re-planned at short notice ({region.staffing.replan}): no uncovered hour and no breach in "
                      f"any of {replications} replications (95% upper bound on the yearly chance: {bound:.1%})"))
    if answer is None or n_sick is None:
        why = (status or "the sizing gave no answer") if answer is None else "the previous step was not reached"
    else:
        why = (f"the sizing's targets are met from {answer}" +
               ("" if answer >= n_sick else "; below the roster step: its targets do not test every rule"))
    steps.append(Step("+ demand", None if answer is None or n_sick is None else max(answer, n_sick), why))
    return Breakdown(rid, region.name, region.casemanagers, floor, tuple(steps),
                     erlang(base, sc.norms.acute_contact_minutes), replications, seed)


def added(steps: tuple[Step, ...]) -> list[int | None]:
    """What each step adds to the one before (the floor: itself)."""
    out: list[int | None] = []
    before: int | None = 0
    for s in steps:
        out.append(None if s.people is None or before is None else s.people - before)
        before = s.people
    return out


def rare_bound(replications: int) -> float:
    """Exact one-sided 95% upper bound on a probability never seen in `replications` trials."""
    return 1 - 0.05 ** (1 / replications) if replications else math.nan


@dataclass(frozen=True)
class Outlook:
    """The scenario's own roster across the reported year, over R replications (roster only)."""

    windows: Any  # DataFrame per full 4-week window: start, mean, at_work, busiest, school_summer
    weeks: Any  # DataFrame: week start, share of replications with each of FLAGS (flagged weeks only)
    replications: int


def outlook(plan: inputs.RegionPlan, seed: int, replications: int) -> Outlook:
    """On-call days (24 h periods) per casemanager per full 4-week window, and the weeks kept only
    by a backup or a breach (or not kept), with leave and sickness as the scenario has them.

    `at_work`: the window's on-call days held by casemanagers over the casemanager-days at work,
    times 28: what each carries per 4 weeks of being there (it rises when colleagues are away).
    """
    import pandas as pd

    from csgsim.staff.absence import absent_days
    from csgsim.staff.rules import oncall_days_per_4w

    region, cal, since = plan.region, plan.calendar, plan.since
    cms, day0 = region.casemanagers, int(since // 24)
    n_windows = (cal.days - day0) // 28
    per_window, present, flags = [], [], []
    for rep in range(replications):
        week, primary, spells = _week_flags(plan, seed, rep, sickness=True)
        shifted = replace(primary, start=primary.start - since, end=primary.end - since)
        per_window.append(oncall_days_per_4w(shifted, cms, cal.days - day0, region.duty.period_start)[:, :n_windows])
        away = absent_days(spells, cms, cal.days)[:, day0:day0 + 28 * n_windows]
        present.append((~away).reshape(cms, n_windows, 28).sum(axis=(0, 2)))
        flags.append(week)
    counts = np.array(per_window)  # (reps, casemanagers, windows)
    first = cal.start + pd.Timedelta(days=day0)
    starts = [first + pd.Timedelta(days=28 * w) for w in range(n_windows)]
    summer = {y: _summer_days(region, y) for y in {d.year for d in starts}}
    windows = pd.DataFrame({
        "start": starts,
        "mean": counts.mean(axis=(0, 1)),
        "at_work": (counts.sum(axis=1) / np.maximum(np.array(present), 1) * 28).mean(axis=0),
        "busiest": counts.max(axis=1).mean(axis=0),
        "school_summer": [_overlaps_summer(s, summer[s.year]) for s in starts],
    })
    share = np.array(flags).mean(axis=0)
    weeks = pd.DataFrame({"start": [first + pd.Timedelta(days=7 * w) for w in range(share.shape[1])],
                          **{name: share[i] for i, name in enumerate(FLAGS)}})
    return Outlook(windows, weeks[(share > 0).any(axis=0)].reset_index(drop=True), replications)


def _summer_days(region: Any, year: int) -> tuple[Any, Any] | None:
    from csgsim.core.calendar import school_summer_holiday

    leave = region.staffing.leave
    return school_summer_holiday(year, leave.school_region) if leave.enabled else None


def _overlaps_summer(start: Any, summer: tuple[Any, Any] | None) -> bool:
    if summer is None:
        return False
    s = start.date() if hasattr(start, "date") else start
    from datetime import timedelta

    return s < summer[1] and s + timedelta(days=28) > summer[0]
