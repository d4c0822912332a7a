"""Scenario files: TOML in, a validated, immutable `Scenario` out.

Every value is checked where it is read, so each error names the file, the key, the bad value
and what is allowed. Any value may carry its provenance as `{ value = X, source = "..." }` or
`{ value = X, assumption = "..." }`; the loader keeps that text in `Scenario.provenance`.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from csgsim.core.calendar import SCHOOL_REGIONS, WEEKDAYS, school_summer_holiday
from csgsim.config import limits
from csgsim.core import files
from csgsim.core.errors import ScenarioError
from csgsim.config import escalation, lines
from csgsim.config.costs import CostParams, Scheme, read_params, read_schemes
from csgsim.config.staffing import (PATTERNS, POLICIES, RULESETS, AbsenceParams, LeaveParams, RegularJob,
                                    ScriptedAbsence)

from csgsim.config.reader import TableReader, _merge
from csgsim.config.schema import (
    ATTENDANCE,
    BACKUP_KINDS,
    Demand,
    Duty,
    EVENT_KINDS,
    Event,
    Norms,
    Pathway,
    Person,
    Profile,
    Region,
    Scenario,
    Staffing,
    TYPES,
    Uncertainty,
)


def with_absences(sc: Scenario, scripted: list[ScriptedAbsence]) -> Scenario:
    """Add scripted dropout (e.g. from the command line) to the regions of the people named.

    `coordinator` names the coordinator when the scenario has one region.
    """
    regions = dict(sc.regions)
    owners = {p.id: rid for rid, r in regions.items() for p in r.people}
    for s in scripted:
        person = s.person
        if person == "coordinator" and len(regions) == 1:
            person = next(iter(regions.values())).people[-1].id
        if person not in owners:
            hint = "; with several regions name the coordinator by id" if s.person == "coordinator" else ""
            raise ScenarioError(f"{sc.source}: no person {s.person!r} in the scenario{hint}; "
                                f"known: {', '.join(owners)}")
        rid = owners[person]
        why = limits.outside(sc, rid, s)
        if why is not None:
            raise ScenarioError(f"{sc.source}: scripted dropout {s.person}:{s.start}: {why}")
        region = regions[rid]
        staffing = replace(region.staffing, absences=region.staffing.absences + (replace(s, person=person),))
        regions[rid] = replace(region, staffing=staffing)
    return replace(sc, regions=regions)


def _profile(r: TableReader) -> Profile:
    hours = r.numbers("hours", length=24, positive_sum=True)
    weekend = r.numbers("weekend_hours", default=list(hours), length=24)
    days = r.numbers("days", default=[1.0] * 7, length=7, positive_sum=True)
    holidays = r.choice("holidays", ("sunday", "ignore"), default="sunday")
    r.done()
    w = np.concatenate([days[d] * (weekend if d >= 5 else hours) for d in range(7)])
    if w.sum() <= 0:
        raise r.fail("days", list(days), "the profile must have some positive weight")
    return Profile(w / w.mean(), holidays == "sunday")


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
                                                      hi=limits.MAX_FOLLOWUP_DAYS)),
        followup_duration=r.dist("followup_duration"),
        intake_duration=r.dist("intake_duration"),
        nonacute_followup_days=tuple(int(x) for x in r.numbers("nonacute_followup_days", integer=True, lo=1,
                                                               hi=limits.MAX_FOLLOWUP_DAYS)),
    )
    r.done()
    return p


#: Upper bounds of the absence parameters: a spell a week, spells of up to ten years, a hazard
#: of ten long spells a year per night call-out (far beyond any published figure).
ABSENCE_BOUNDS = {
    "short_spells_per_year": 52.0, "short_mean_days": 365.0, "short_shape": 100.0, "long_spells_per_year": 12.0,
    "long_min_days": float(limits.MAX_EVENT_DAYS), "long_max_days": float(limits.MAX_EVENT_DAYS),
    "leave_per_year": 12.0, "vacancy_days": float(limits.MAX_EVENT_DAYS),
    "onboarding_days": float(limits.MAX_EVENT_DAYS), "load_hazard": 10.0,
}


def _id(r: TableReader, name: str, default: Any = ...) -> str:
    """An id of a region or person: see `limits.ID_PATTERN`."""
    v = r.text(name, default)
    if not limits.check_id(v):
        raise r.fail(name, v, limits.ID_RULE)
    return v


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
        scripted.append(ScriptedAbsence(person, start, None if leaves else int(round(days + 7 * weeks))))
        a.done()
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
    order = rp.strings("next_in_line", tuple(ids), default=[])
    rp.done()
    leave = _leave(r.table("leave"), sum(p.role == "casemanager" for p in people))
    return Staffing(params, tuple(scripted), rules, job, policy, order, leave)


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


def _region(rid: str, r: TableReader, profiles: dict[str, Profile], costs: CostParams | None) -> Region:
    demand = r.table("demand")
    acute = _demand(demand.table("acute"), profiles)
    non_acute = _demand(demand.table("non_acute"), profiles)
    demand.done()
    duty_r = r.table("duty")
    duty = Duty(
        pattern=duty_r.choice("pattern", PATTERNS),
        handover_hour=duty_r.number("handover_hour", default=9, integer=True, lo=0, hi=23),
        handover_weekday=duty_r.choice("handover_weekday", WEEKDAYS, default="monday"),
        office_start_hour=duty_r.number("office_start_hour", default=9, integer=True, lo=0, hi=23),
        office_end_hour=duty_r.number("office_end_hour", default=17, integer=True, lo=1, hi=24),
    )
    if duty.office_end_hour <= duty.office_start_hour:
        raise duty_r.fail("office_end_hour", duty.office_end_hour, "must be after office_start_hour")
    duty_r.done()
    people = _people(r.table("staff"), rid)
    backup_r = r.table("backup")
    backup = backup_r.choice("kind", BACKUP_KINDS)
    chain = escalation.read(backup_r, r.table("escalation"), backup, people)
    backup_r.done()
    region = Region(
        id=rid,
        name=r.text("name", default=rid),
        acute=acute,
        non_acute=non_acute,
        people=people,
        duty=duty,
        backup=backup,
        pathway=_pathway(r.table("pathway")),
        staffing=_staffing(r, people, backup),
        note=r.text("note", default=""),
        escalation=chain,
        lines=lines.read(r, people),
        uncertainty=_uncertainty(r.table("uncertainty")),
        costs=costs,
    )
    r.done()
    return region


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


def _costs(top: TableReader) -> tuple[dict[str, Any], dict[str, Scheme]] | None:
    """The top-level [costs] (without its schemes) and the schemes; None if there is no [costs]."""
    raw = top.raw("costs", None)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise top.fail("costs", raw, "expected a table [costs]")
    schemes = read_schemes(top.table("costs").table("schemes"))
    base = {k: v for k, v in raw.items() if k != "schemes"}
    read_params(TableReader(base, "costs", top.source, top.provenance), schemes)  # errors name [costs]
    return base, schemes


def _region_costs(rid: str, body: dict[str, Any], costs: tuple[dict[str, Any], dict[str, Scheme]] | None,
                  top: TableReader) -> CostParams | None:
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


def _event(r: TableReader, regions: dict[str, Region]) -> Event:
    kind = r.choice("kind", EVENT_KINDS)
    start = r.day("start")
    end = r.day("end", default=None) if kind == "campaign" else None
    if kind == "campaign" and end is None:
        raise ScenarioError(f"{r.source}: {r.key('end')} is missing; a campaign needs an end date")
    if end is not None and end <= start:
        raise r.fail("end", end, f"must be after start ({start})")
    region_ids = r.strings("regions", default=[])
    unknown = [x for x in region_ids if x not in regions]
    if unknown:
        raise r.fail("regions", unknown[0], f"allowed: {', '.join(regions)}")
    ev = Event(
        name=r.text("name"),
        kind=kind,
        start=start,
        end=end,
        types=r.strings("types", TYPES, default=list(TYPES)),
        regions=region_ids,
        effect=r.number("effect", lo=-1.0, hi=1000.0),
        ramp_days=r.number("ramp_days", default=0.0, lo=0.0, hi=limits.MAX_EVENT_DAYS) if kind != "spike" else 0.0,
        decay_days=(r.number("decay_days", lo=0.0, lo_open=True, hi=limits.MAX_EVENT_DAYS) if kind == "spike"
                    else r.number("decay_days", default=0.0, lo=0.0, hi=limits.MAX_EVENT_DAYS)
                    if kind == "campaign" else 0.0),
        lasting=r.number("lasting", default=0.0, lo=0.0, hi=1.0) if kind == "spike" else 0.0,
    )
    low = r.number("effect_low", lo=-1.0) if "effect_low" in r.data else None
    high = r.number("effect_high", hi=1000.0) if "effect_high" in r.data else None
    if (low is None) != (high is None):
        raise r.fail("effect_low" if low is None else "effect_high", None, "give both effect_low and effect_high, or neither")
    if low is not None and not low <= ev.effect <= high:
        raise r.fail("effect", ev.effect, f"must lie between effect_low ({low}) and effect_high ({high})")
    r.done()
    return replace(ev, effect_low=low, effect_high=high)


def parse(data: dict[str, Any], source: str, digest: str = "") -> Scenario:
    """Validate an already-parsed TOML document."""
    provenance: dict[str, str] = {}
    top = TableReader(data, "", source, provenance)
    sc = top.table("scenario")
    name = sc.text("name")
    start = sc.day("start")
    days = sc.number("days", integer=True, lo=1, hi=limits.MAX_DAYS)
    seed = sc.number("seed", default=0, integer=True, lo=0, hi=2**63 - 1)
    reps = sc.number("replications", default=100, integer=True, lo=1, hi=1_000_000)
    warmup = sc.number("warmup_days", default=0, integer=True, lo=0, hi=limits.MAX_EVENT_DAYS)
    sc.done()
    nr = top.table("norms")
    norms = Norms(
        acute_contact_minutes=nr.number("acute_contact_minutes", lo=0.0, hi=limits.MAX_NORM_MINUTES),
        acute_attendance_minutes=nr.number("acute_attendance_minutes", lo=0.0, hi=limits.MAX_NORM_MINUTES),
        intake_working_days=nr.number("intake_working_days", integer=True, lo=0, hi=limits.MAX_WORKING_DAYS),
        followup_tolerance_working_days=nr.number("followup_tolerance_working_days", integer=True, lo=0,
                                                  hi=limits.MAX_WORKING_DAYS),
    )
    nr.done()
    prof_r = top.table("profiles")
    profiles = {k: _profile(prof_r.table(k)) for k in list(prof_r.data)}
    prof_r.done()
    defaults = top.raw("defaults", {})
    if not isinstance(defaults, dict):
        raise top.fail("defaults", defaults, "expected a table")
    costs = _costs(top)
    reg_r = top.table("regions")
    if not reg_r.data:
        raise ScenarioError(f"{source}: [regions] is missing or empty; define at least one [regions.ID] table")
    regions = {}
    for rid in list(reg_r.data):
        body = reg_r.raw(rid)
        if not limits.check_id(rid):
            raise ScenarioError(f"{source}: region id {rid!r} in [regions.ID] is not allowed; {limits.ID_RULE}")
        if not isinstance(body, dict):
            raise reg_r.fail(rid, body, "expected a table [regions.ID]")
        merged = _merge(defaults, body)
        region_costs = _region_costs(rid, merged, costs, top)
        regions[rid] = _region(rid, TableReader(merged, f"regions.{rid}", source, provenance), profiles,
                               region_costs)
    reg_r.done()
    escalation.check_neighbours(regions, source)
    events_raw = top.raw("events", [])
    if not isinstance(events_raw, list):
        raise top.fail("events", events_raw, "expected [[events]] tables")
    bad = next((i for i, e in enumerate(events_raw) if not isinstance(e, dict)), None)
    if bad is not None:
        raise top.fail(f"events[{bad}]", events_raw[bad], "expected an [[events]] table")
    events = tuple(
        _event(TableReader(e, f"events[{i}]", source, provenance), regions) for i, e in enumerate(events_raw)
    )
    shared = lines.read_shared(top, regions)
    top.done()
    scenario = Scenario(name, source, start, days, seed, reps, norms, regions, events, provenance, digest, warmup,
                        shared)
    limits.check_scenario(scenario)
    _check_summer_dates(scenario)
    return scenario


def _check_summer_dates(sc: Scenario) -> None:
    """Leave with a summer block needs the school summer holiday of every simulated year."""
    cal = sc.simulation_calendar
    for rid, region in sc.regions.items():
        leave = region.staffing.leave
        if leave.enabled and leave.summer_weeks:
            for year in range(cal.start.year, cal.dates[-1].year + 1):
                try:
                    school_summer_holiday(year, leave.school_region)
                except ScenarioError as exc:
                    raise ScenarioError(f"{sc.source}: regions.{rid}.leave: {exc}") from None


def read(path: str | Path) -> tuple[dict[str, Any], str]:
    """The raw TOML document and its SHA-256, for callers that patch it before `parse`."""
    raw = files.read_bytes(path, "scenario file", ScenarioError)
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))  # a byte-order mark (Windows editors) is dropped
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: TOML syntax error: {exc}") from None
    return data, hashlib.sha256(raw).hexdigest()


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file; every problem is a ScenarioError naming the file."""
    data, digest = read(path)
    return parse(data, str(path), digest)
