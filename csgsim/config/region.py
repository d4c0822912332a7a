"""One region's body: the `[regions.ID]` table, with `[defaults]` already laid under it, read into
a validated `Region`.

It reads the region's demand, duty pattern, people, backup and escalation, care pathway,
staffing (absence, scripted dropout, working-time rules, replanning, annual leave), extra
on-call lines, input uncertainty and its cost rates (`[costs]` with the region's overrides laid
over it). It is separate from `csgsim.config.scenario` because a region's body needs nothing
of the rest of the document but the named demand profiles and the top-level cost tables, which
are handed in (errors and provenance go to the document's reader); the scenario level (run
settings, norms, profiles, [defaults], events, shared lines and the checks across regions)
stays there and calls `read_region` once per region.
"""

from __future__ import annotations

from typing import Any

from csgsim.config import escalation, limits, lines, rota, scaleup
from csgsim.config.costs import CostParams, Scheme, read_params
from csgsim.config.reader import TableReader, _merge
from csgsim.config.schema import (
    ATTENDANCE,
    BACKUP_KINDS,
    Demand,
    Duty,
    Pathway,
    Person,
    Profile,
    Region,
    Staffing,
    Uncertainty,
)
from csgsim.config.staffing import (
    PATTERNS,
    POLICIES,
    RULESETS,
    AbsenceParams,
    LeaveParams,
    RegularJob,
    ScriptedAbsence,
)
from csgsim.core.calendar import SCHOOL_REGIONS, WEEKDAYS
from csgsim.core.errors import ScenarioError

#: The top-level [costs] without its schemes, and the schemes; None if the scenario has no [costs].
CostTables = tuple[dict[str, Any], dict[str, Scheme]] | None

#: Upper bounds of the absence parameters: a spell a week, spells of up to ten years, a hazard
#: of ten long spells a year per night call-out (far beyond any published figure).
ABSENCE_BOUNDS = {
    "short_spells_per_year": 52.0, "short_mean_days": 365.0, "short_shape": 100.0, "long_spells_per_year": 12.0,
    "long_min_days": float(limits.MAX_EVENT_DAYS), "long_max_days": float(limits.MAX_EVENT_DAYS),
    "leave_per_year": 12.0, "vacancy_days": float(limits.MAX_EVENT_DAYS),
    "onboarding_days": float(limits.MAX_EVENT_DAYS), "load_hazard": 10.0,
}


def read_region(rid: str, body: dict[str, Any], top: TableReader, profiles: dict[str, Profile],
                costs: CostTables) -> Region:
    """The region `rid` from its body ([defaults] already merged in); `top` is the document's reader,
    whose source and provenance the region shares."""
    region_costs = _region_costs(rid, body, costs, top)
    return _region(rid, TableReader(body, f"regions.{rid}", top.source, top.provenance), profiles, region_costs)


def _demand(r: TableReader, profiles: dict[str, Profile]) -> Demand:
    name = r.text("profile")
    if name not in profiles:
        raise r.fail("profile", name, f"defined profiles: {', '.join(profiles) or 'none'}")
    level = r.number("level", lo=0.0, hi=limits.MAX_LEVEL)
    level_year = r.number("level_year", integer=True, lo=1900, hi=2200)
    levels_r = r.table("levels", default={})
    levels = []
    for y in list(levels_r.data):
        if not (y.isdigit() and len(y) == 4 and limits.FIRST_DAY.year <= int(y) <= limits.LAST_DAY.year):
            raise levels_r.fail(y, levels_r.data[y], "keys are years like \"2024\" (1900-2200)")
        levels.append((int(y), levels_r.number(y, lo=0.0, hi=limits.MAX_LEVEL)))
    levels_r.done()
    d = Demand(
        level=level,
        level_year=level_year,
        levels=tuple(sorted(levels)),
        growth_per_year=r.number("growth_per_year", default=0.0, lo=-0.99, hi=10.0),
        overdispersion_cv=r.number("overdispersion_cv", default=0.0, lo=0.0, hi=5.0),
        seasonality=r.numbers("seasonality", default=[1.0] * 12, length=12, positive_sum=True),
        profile=profiles[name],
    )
    r.done()
    return d


def _duty(r: TableReader) -> Duty:
    duty = Duty(
        pattern=r.choice("pattern", PATTERNS),
        handover_hour=r.number("handover_hour", default=9, integer=True, lo=0, hi=23),
        handover_weekday=r.choice("handover_weekday", WEEKDAYS, default="monday"),
        office_start_hour=r.number("office_start_hour", default=9, integer=True, lo=0, hi=23),
        office_end_hour=r.number("office_end_hour", default=17, integer=True, lo=1, hi=24),
    )
    if duty.office_end_hour <= duty.office_start_hour:
        raise r.fail("office_end_hour", duty.office_end_hour, "must be after office_start_hour")
    r.done()
    return duty


def _id(r: TableReader, name: str, default: Any = ...) -> str:
    """An id of a region or person: see `limits.ID_PATTERN`."""
    v = r.text(name, default)
    if not limits.check_id(v):
        raise r.fail(name, v, limits.ID_RULE)
    return v


def _people(r: TableReader, region: str) -> tuple[Person, ...]:
    cms = r.raw("casemanagers")
    if not isinstance(cms, list) or not cms:
        raise r.fail("casemanagers", cms, "expected a non-empty list like [{ id = \"cm1\", hours_per_week = 8 }]")
    people = []
    for i, entry in enumerate(cms):
        if not isinstance(entry, dict):
            raise r.fail(f"casemanagers[{i}]", entry, "expected { id = ..., hours_per_week = ... }")
        p = TableReader(entry, r.key(f"casemanagers[{i}]"), r.source, r.provenance)
        people.append(Person(_id(p, "id"), "casemanager",
                             p.number("hours_per_week", lo=0.0, hi=limits.MAX_HOURS_PER_WEEK, lo_open=True)))
        p.done()
    c = r.table("coordinator")
    people.append(Person(_id(c, "id", default=f"{region}-coordinator"), "coordinator",
                         c.number("hours_per_week", default=16.0, lo=0.0, hi=limits.MAX_HOURS_PER_WEEK, lo_open=True)))
    c.done()
    r.done()
    ids = [p.id for p in people]
    dup = next((x for x in ids if ids.count(x) > 1), None)
    if dup is not None:
        raise r.fail("casemanagers", dup, "every person id must be unique within the region")
    return tuple(people)


def _pathway(r: TableReader) -> Pathway:
    if "exam_share" in r.data:  # removed: validated but never used, it promised an effect it had not
        raise r.fail("exam_share", r.data["exam_share"], "the key was removed because it never changed a "
                     "result: the on-site time (on_site) already covers cases with and without a forensic "
                     "exam; delete the line")
    p = Pathway(
        attendance=r.choice("attendance", ATTENDANCE),
        callback=r.dist("callback"),
        phone=r.dist("phone"),
        travel=r.dist("travel"),
        on_site=r.dist("on_site"),
        day1_visit=r.dist("day1_visit"),
        followup_days=tuple(int(x) for x in r.numbers("followup_days", integer=True, lo=1,
                                                      hi=limits.MAX_FOLLOWUP_DAYS, unique=True)),
        followup_duration=r.dist("followup_duration"),
        intake_duration=r.dist("intake_duration"),
        nonacute_followup_days=tuple(int(x) for x in r.numbers("nonacute_followup_days", integer=True, lo=1,
                                                               hi=limits.MAX_FOLLOWUP_DAYS, unique=True)),
    )
    r.done()
    return p


def _staffing(r: TableReader, people: tuple[Person, ...], backup: str) -> Staffing:
    ids = [p.id for p in people]
    ab = r.table("absence")
    defaults = AbsenceParams()
    numbers = {f: ab.number(f, default=getattr(defaults, f), lo=0.0, hi=hi) for f, hi in ABSENCE_BOUNDS.items()}
    try:
        params = AbsenceParams(enabled=ab.flag("enabled", default=True), **numbers)
    except ScenarioError as exc:
        raise ScenarioError(f"{r.source}: {r.path}.{exc}") from None
    ab.done()
    scripted = _scripted(r, ids)
    ru = r.table("rules")
    rules = ru.choice("set", tuple(RULESETS), default="consignatie")
    job = RegularJob(ru.number("regular_job_start_hour", default=8.0, lo=0.0, hi=24.0),
                     ru.number("regular_job_end_hour", default=16.5, lo=0.0, hi=24.0))
    if job.end_hour < job.start_hour:
        raise ru.fail("regular_job_end_hour", job.end_hour, "must not be before regular_job_start_hour")
    ru.done()
    rp = r.table("replan")
    policy = rp.choice("policy", POLICIES, default="spread")
    if policy == "backup" and backup not in ("coordinator", "external"):
        raise rp.fail("policy", policy, f"needs a backup of kind coordinator or external (this region: {backup})")
    order = rp.strings("next_in_line", tuple(ids), default=[], unique=True)
    rp.done()
    leave = _leave(r.table("leave"), sum(p.role == "casemanager" for p in people))
    return Staffing(params, scripted, rules, job, policy, order, leave)


def _scripted(r: TableReader, ids: list[str]) -> tuple[ScriptedAbsence, ...]:
    """The region's [[absences]]: scripted dropout of named people."""
    scripted = []
    entries = r.raw("absences", [])
    if not isinstance(entries, list):
        raise r.fail("absences", entries, "expected [[...absences]] tables")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise r.fail(f"absences[{i}]", entry, "expected { person = ..., start = ..., weeks = ... }")
        a = TableReader(entry, r.key(f"absences[{i}]"), r.source, r.provenance)
        person = a.choice("person", tuple(ids))
        start = a.day("start")
        leaves = a.flag("leaves", default=False)
        weeks = a.number("weeks", default=0, lo=0.0, hi=limits.MAX_DAYS / 7)
        days = a.number("days", default=0, lo=0.0, hi=limits.MAX_DAYS)
        if leaves == bool(weeks or days):
            raise a.fail("leaves", leaves, "give either leaves = true or a length in weeks or days")
        length = None if leaves else int(round(days + 7 * weeks))
        if length == 0:
            raise a.fail("days" if days else "weeks", days or weeks, "an absence lasts at least 1 day")
        if any(s.person == person and s.start == start for s in scripted):
            raise a.fail("start", start, f"{person} already has an absence from that day; give each once")
        scripted.append(ScriptedAbsence(person, start, length))
        a.done()
    return tuple(scripted)


def _leave(r: TableReader, casemanagers: int) -> LeaveParams:
    """Annual leave (`staff.leave`); off unless the table says enabled = true."""
    d = LeaveParams()
    leave = LeaveParams(
        enabled=r.flag("enabled", default=d.enabled),
        statutory_weeks=r.number("statutory_weeks", default=d.statutory_weeks, lo=0.0),
        extra_weeks=r.number("extra_weeks", default=d.extra_weeks, lo=0.0),
        summer_share=r.number("summer_share", default=d.summer_share, lo=0.0, hi=1.0),
        block_weeks=r.number("block_weeks", default=d.block_weeks, lo=1 / 7),
        max_at_once=r.number("max_at_once", default=d.max_at_once, integer=True, lo=1),
        school_region=r.choice("school_region", tuple(SCHOOL_REGIONS), default=d.school_region),
    )
    r.done()
    problem = leave.problem(casemanagers)
    if problem is not None:
        raise r.fail(*problem)
    return leave


def _uncertainty(r: TableReader) -> Uncertainty:
    beta = r.numbers("acute_share_beta", default=[], lo=0.0)
    if beta.size not in (0, 2) or (beta.size and beta.min() <= 0):
        raise r.fail("acute_share_beta", beta.tolist(), "expected [a, b], two numbers > 0 (a Beta distribution)")
    u = Uncertainty(
        level_sd_log=r.number("level_sd_log", default=0.0, lo=0.0, hi=5.0),
        acute_share_beta=(float(beta[0]), float(beta[1])) if beta.size else None,
        growth_sd_national=r.number("growth_sd_national", default=0.0, lo=0.0, hi=2.0),
        growth_sd_region=r.number("growth_sd_region", default=0.0, lo=0.0, hi=2.0),
    )
    r.done()
    return u


def _region(rid: str, r: TableReader, profiles: dict[str, Profile], costs: CostParams | None) -> Region:
    demand = r.table("demand")
    acute = _demand(demand.table("acute"), profiles)
    non_acute = _demand(demand.table("non_acute"), profiles)
    demand.done()
    duty = _duty(r.table("duty"))
    people = _people(r.table("staff"), rid)
    backup_r = r.table("backup")
    backup = backup_r.choice("kind", BACKUP_KINDS)
    chain = escalation.read(backup_r, r.table("escalation"), backup, people)
    backup_r.done()
    extra = lines.read(r, people)
    region = Region(
        id=rid,
        name=r.name("name", default=rid),
        acute=acute,
        non_acute=non_acute,
        people=people,
        duty=duty,
        backup=backup,
        pathway=_pathway(r.table("pathway")),
        staffing=_staffing(r, people, backup),
        note=r.text("note", default=""),
        escalation=chain,
        lines=extra,
        scaleup=scaleup.read(r, people, extra),
        uncertainty=_uncertainty(r.table("uncertainty")),
        costs=costs,
        rota=rota.read(r.table("rota")),
    )
    r.done()
    return region


def _region_costs(rid: str, body: dict[str, Any], costs: CostTables, top: TableReader) -> CostParams | None:
    """[costs] with the region's [regions.ID.costs] laid over it; only overridden keys are named
    in the region's provenance (the rest is listed once under costs.*)."""
    over = body.pop("costs", None)
    key = f"regions.{rid}.costs"
    if over is not None and (costs is None or not isinstance(over, dict) or "schemes" in over):
        allowed = ("a table of rates overriding the top-level [costs] (schemes are defined there only)"
                   if costs is not None else "needs a top-level [costs] table to override")
        raise ScenarioError(f"{top.source}: {key} = {over!r} is not allowed; {allowed}")
    if costs is None:
        return None
    base, schemes = costs
    local: dict[str, str] = {}
    params = read_params(TableReader(_merge(base, over or {}), key, top.source, local), schemes)
    top.provenance.update({k: v for k, v in local.items() if k[len(key) + 1:].split(".")[0] in (over or {})})
    return params
