"""Scenario files: TOML in, a validated, immutable `Scenario` out.

Every value is checked where it is read, so each error names the file, the key, the bad value
and what is allowed. Any value may carry its provenance as `{ value = X, source = "..." }` or
`{ value = X, assumption = "..." }`; the loader keeps that text in `Scenario.provenance`.

This module reads the scenario level: the run settings, norms, demand profiles, the top-level
[costs], [defaults], events and shared lines, and the checks across regions. Each region's
body is read by `csgsim.config.region`.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from csgsim.core.calendar import school_summer_holiday
from csgsim.config import limits
from csgsim.core import files
from csgsim.core.errors import ScenarioError
from csgsim.config import escalation, lines
from csgsim.config.costs import read_params, read_schemes
from csgsim.config.staffing import ScriptedAbsence

from csgsim.config.reader import TableReader, _merge
from csgsim.config.region import CostTables, read_region
from csgsim.config.schema import (
    EVENT_KINDS,
    Event,
    Norms,
    Profile,
    Region,
    Scenario,
    TYPES,
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


def _profiles(top: TableReader) -> dict[str, Profile]:
    prof_r = top.table("profiles")
    profiles = {k: _profile(prof_r.table(k)) for k in list(prof_r.data)}
    prof_r.done()
    return profiles


def _norms(top: TableReader) -> Norms:
    nr = top.table("norms")
    norms = Norms(
        acute_contact_minutes=nr.number("acute_contact_minutes", lo=0.0, lo_open=True, hi=limits.MAX_NORM_MINUTES),
        acute_attendance_minutes=nr.number("acute_attendance_minutes", lo=0.0, lo_open=True,
                                           hi=limits.MAX_NORM_MINUTES),
        intake_working_days=nr.number("intake_working_days", integer=True, lo=0, hi=limits.MAX_WORKING_DAYS),
        followup_tolerance_working_days=nr.number("followup_tolerance_working_days", integer=True, lo=0,
                                                  hi=limits.MAX_WORKING_DAYS),
    )
    nr.done()
    return norms


def _costs(top: TableReader) -> CostTables:
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


def _regions(top: TableReader, profiles: dict[str, Profile]) -> dict[str, Region]:
    """Every [regions.ID] with [defaults] laid under it and [costs] under its own [regions.ID.costs]."""
    defaults = top.raw("defaults", {})
    if not isinstance(defaults, dict):
        raise top.fail("defaults", defaults, "expected a table")
    costs = _costs(top)
    reg_r = top.table("regions")
    if not reg_r.data:
        raise ScenarioError(f"{top.source}: [regions] is missing or empty; define at least one [regions.ID] table")
    regions = {}
    for rid in list(reg_r.data):
        body = reg_r.raw(rid)
        if not limits.check_id(rid):
            raise ScenarioError(f"{top.source}: region id {rid!r} in [regions.ID] is not allowed; {limits.ID_RULE}")
        if not isinstance(body, dict):
            raise reg_r.fail(rid, body, "expected a table [regions.ID]")
        regions[rid] = read_region(rid, _merge(defaults, body, (top.source, "defaults", f"regions.{rid}")), top,
                                   profiles, costs)
    reg_r.done()
    escalation.check_neighbours(regions, top.source)
    return regions


def _event(r: TableReader, regions: dict[str, Region]) -> Event:
    kind = r.choice("kind", EVENT_KINDS)
    start = r.day("start")
    end = r.day("end", default=None) if kind == "campaign" else None
    if kind == "campaign" and end is None:
        raise ScenarioError(f"{r.source}: {r.key('end')} is missing; a campaign needs an end date")
    if end is not None and end <= start:
        raise r.fail("end", end, f"must be after start ({start})")
    region_ids = r.strings("regions", default=[], unique=True)
    unknown = [x for x in region_ids if x not in regions]
    if unknown:
        raise r.fail("regions", unknown[0], f"allowed: {', '.join(regions)}")
    ev = Event(
        name=r.name("name"),
        kind=kind,
        start=start,
        end=end,
        types=r.strings("types", TYPES, default=list(TYPES), unique=True),
        regions=region_ids,
        effect=r.number("effect", lo=-1.0, lo_open=True, hi=1000.0),
        ramp_days=r.number("ramp_days", default=0.0, lo=0.0, hi=limits.MAX_EVENT_DAYS) if kind != "spike" else 0.0,
        decay_days=(r.number("decay_days", lo=0.0, lo_open=True, hi=limits.MAX_EVENT_DAYS) if kind == "spike"
                    else r.number("decay_days", default=0.0, lo=0.0, hi=limits.MAX_EVENT_DAYS)
                    if kind == "campaign" else 0.0),
        lasting=r.number("lasting", default=0.0, lo=0.0, hi=1.0) if kind == "spike" else 0.0,
    )
    low = r.number("effect_low", lo=-1.0, lo_open=True) if "effect_low" in r.data else None
    high = r.number("effect_high", hi=1000.0) if "effect_high" in r.data else None
    if (low is None) != (high is None):
        raise r.fail("effect_low" if low is None else "effect_high", None, "give both effect_low and effect_high, or neither")
    if low is not None and not low <= ev.effect <= high:
        raise r.fail("effect", ev.effect, f"must lie between effect_low ({low}) and effect_high ({high})")
    r.done()
    return replace(ev, effect_low=low, effect_high=high)


def _events(top: TableReader, regions: dict[str, Region]) -> tuple[Event, ...]:
    events_raw = top.raw("events", [])
    if not isinstance(events_raw, list):
        raise top.fail("events", events_raw, "expected [[events]] tables")
    bad = next((i for i, e in enumerate(events_raw) if not isinstance(e, dict)), None)
    if bad is not None:
        raise top.fail(f"events[{bad}]", events_raw[bad], "expected an [[events]] table")
    return tuple(_event(TableReader(e, f"events[{i}]", top.source, top.provenance), regions)
                 for i, e in enumerate(events_raw))


def parse(data: dict[str, Any], source: str, digest: str = "") -> Scenario:
    """Validate an already-parsed TOML document."""
    provenance: dict[str, str] = {}
    top = TableReader(data, "", source, provenance)
    sc = top.table("scenario")
    name = sc.name("name")
    start = sc.day("start")
    days = sc.number("days", integer=True, lo=1, hi=limits.MAX_DAYS)
    seed = sc.number("seed", default=0, integer=True, lo=0, hi=2**63 - 1)
    reps = sc.number("replications", default=100, integer=True, lo=1, hi=1_000_000)
    warmup = sc.number("warmup_days", default=0, integer=True, lo=0, hi=limits.MAX_EVENT_DAYS)
    sc.done()
    norms = _norms(top)
    regions = _regions(top, _profiles(top))
    events = _events(top, regions)
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
