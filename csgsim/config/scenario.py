"""Scenario files: TOML in, a validated, immutable `Scenario` out.

Every value is checked where it is read, so each error names the file, the key, the bad value
and what is allowed. Any value may carry its provenance as `{ value = X, source = "..." }` or
`{ value = X, assumption = "..." }`; the loader keeps that text in `Scenario.provenance`.
"""

from __future__ import annotations

import copy
import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from csgsim.core.calendar import SCHOOL_REGIONS, WEEKDAYS, Calendar, school_summer_holiday
from csgsim.core.distributions import KINDS, Dist
from csgsim.config import limits
from csgsim.core import files
from csgsim.core.errors import ScenarioError
from csgsim.config import escalation, lines
from csgsim.config.costs import CostParams, Scheme, read_params, read_schemes
from csgsim.config.escalation import Escalation
from csgsim.config.lines import Line, SharedLine
from csgsim.config.staffing import (PATTERNS, POLICIES, RULESETS, AbsenceParams, LeaveParams, RegularJob,
                                    ScriptedAbsence)

TYPES = ("acute", "non_acute")
BACKUP_KINDS = ("none", "coordinator", "next_in_line", "external")
ATTENDANCE = ("day0", "day1")
EVENT_KINDS = ("level", "spike", "campaign")
PROVENANCE_KEYS = ("source", "assumption")


# --- the validated scenario ---------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """Hour-of-week weights (168, Monday 00:00 first), mean 1; holidays may use Sunday's."""

    weights: np.ndarray
    holidays_as_sunday: bool


@dataclass(frozen=True)
class Demand:
    """Arrival intensity of one report type in one region (see `demand`)."""

    level: float
    level_year: int
    levels: tuple[tuple[int, float], ...]
    growth_per_year: float
    overdispersion_cv: float
    seasonality: np.ndarray
    profile: Profile

    def annual_level(self, year: int) -> float:
        """Expected reports in a calendar year before events: explicit level, else the trend."""
        explicit = dict(self.levels)
        if year in explicit:
            return explicit[year]
        return self.level * (1.0 + self.growth_per_year) ** (year - self.level_year)


@dataclass(frozen=True)
class Person:
    id: str
    role: str  # "casemanager" or "coordinator"
    hours_per_week: float


@dataclass(frozen=True)
class Duty:
    pattern: str
    handover_hour: int
    handover_weekday: str
    office_start_hour: int
    office_end_hour: int

    @property
    def period_start(self) -> float:
        """The hour at which the 24 h periods that the working-time rules count begin.

        The law counts on-call periods of 24 h, not calendar days (`staff.rules`); a roster's
        periods run from one hand-over to the next: the handover hour, or for
        office_plus_oncall the end of the on-call night at the start of office hours.
        """
        return float(self.office_start_hour if self.pattern == "office_plus_oncall" else self.handover_hour)


@dataclass(frozen=True)
class Pathway:
    """Durations (hours) and schedules of the acute and non-acute pathways."""

    attendance: str
    callback: Dist
    phone: Dist
    travel: Dist
    on_site: Dist
    day1_visit: Dist
    followup_days: tuple[int, ...]
    followup_duration: Dist
    intake_duration: Dist
    nonacute_followup_days: tuple[int, ...]


@dataclass(frozen=True)
class Staffing:
    """Absence, scripted dropout, working-time rules and how duties are re-planned."""

    absence: AbsenceParams
    absences: tuple[ScriptedAbsence, ...]
    rules: str
    regular_job: RegularJob
    replan: str
    next_in_line: tuple[str, ...]
    leave: LeaveParams = LeaveParams()


@dataclass(frozen=True)
class Uncertainty:
    """Input uncertainty of a region, drawn once per replication (``csgsim.demand.uncertainty``).

    ``level_sd_log``: sd of the log of the region's level (both types); ``acute_share_beta``:
    Beta(a, b) of the acute share, whose mean the levels' split is; ``growth_sd_national`` and
    ``growth_sd_region``: sd of log(1 + growth) per year after the level year, a part shared by
    all regions and the region's own part. All zero (the default): the inputs are taken as exact.
    """

    level_sd_log: float = 0.0
    acute_share_beta: tuple[float, float] | None = None
    growth_sd_national: float = 0.0
    growth_sd_region: float = 0.0

    @property
    def active(self) -> bool:
        return bool(self.level_sd_log or self.acute_share_beta or self.growth_sd_national or self.growth_sd_region)


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    acute: Demand
    non_acute: Demand
    people: tuple[Person, ...]  # casemanagers in file order, then the coordinator
    duty: Duty
    backup: str
    pathway: Pathway
    staffing: Staffing
    note: str = ""
    escalation: Escalation = Escalation()
    lines: tuple[Line, ...] = ()  # lines beyond the [duty] pattern, which is the first line
    uncertainty: Uncertainty = Uncertainty()
    costs: CostParams | None = None  # None: the scenario has no [costs] table

    @property
    def casemanagers(self) -> int:
        return sum(p.role == "casemanager" for p in self.people)

    def index(self, person_id: str) -> int:
        return [p.id for p in self.people].index(person_id)

    def demand(self, kind: str) -> Demand:
        return self.acute if kind == "acute" else self.non_acute


@dataclass(frozen=True)
class Event:
    """A dated multiplier on the intensity (see `demand.event_uplift`)."""

    name: str
    kind: str
    start: date
    end: date | None
    types: tuple[str, ...]
    regions: tuple[str, ...]  # empty: every region
    effect: float
    ramp_days: float
    decay_days: float
    lasting: float
    effect_low: float | None = None  # with effect_high: drawn per replication from triangular(low, effect, high)
    effect_high: float | None = None

    def applies(self, region: str, kind: str) -> bool:
        return kind in self.types and (not self.regions or region in self.regions)


@dataclass(frozen=True)
class Norms:
    acute_contact_minutes: float
    acute_attendance_minutes: float
    intake_working_days: int
    followup_tolerance_working_days: int


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str
    start: date
    days: int
    seed: int
    replications: int
    norms: Norms
    regions: dict[str, Region]
    events: tuple[Event, ...]
    provenance: dict[str, str] = field(default_factory=dict)
    digest: str = ""
    warmup_days: int = 0
    shared_lines: tuple[SharedLine, ...] = ()

    @property
    def calendar(self) -> Calendar:
        """The reported period: `days` days from `start`."""
        return Calendar(self.start, self.days)

    @property
    def simulation_calendar(self) -> Calendar:
        """The simulated period: the warm-up, then the reported period.

        The warm-up fills caseloads and follow-up queues so that the first weeks of the
        reported period are not quieter than the rest; nothing in it is reported.
        """
        return Calendar(self.start - timedelta(days=self.warmup_days), self.warmup_days + self.days)

    @property
    def warmup_hours(self) -> float:
        return float(self.warmup_days * 24)

    def only(self, region_ids: list[str]) -> Scenario:
        """The same scenario restricted to some regions (ids checked against the file).

        A shared line stays only if all its regions stay; otherwise each region kept runs its
        own first line in those hours too. A region whose neighbouring line is another region
        needs that region kept as well.
        """
        unknown = [r for r in region_ids if r not in self.regions]
        if unknown:
            raise ScenarioError(
                f"{self.source}: region {unknown[0]!r} is not in this scenario; "
                f"allowed: {', '.join(self.regions)}"
            )
        for r in region_ids:
            neighbour = self.regions[r].escalation.neighbour
            if neighbour in self.regions and neighbour not in region_ids:
                raise ScenarioError(f"{self.source}: region {r!r} asks region {neighbour!r} as its neighbouring line; "
                                    f"the two run together, so include {neighbour!r} too")
        kept = tuple(s for s in self.shared_lines if set(s.regions) <= set(region_ids))
        return _replace(self, regions={r: self.regions[r] for r in region_ids}, shared_lines=kept)


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
        staffing = _replace(region.staffing, absences=region.staffing.absences + (_replace(s, person=person),))
        regions[rid] = _replace(region, staffing=staffing)
    return _replace(sc, regions=regions)


def _replace(obj: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(obj, **changes)


# --- reading ------------------------------------------------------------------------------


class TableReader:
    """Reads one TOML table, checking each value and remembering which keys were used."""

    def __init__(self, data: dict[str, Any], path: str, source: str, provenance: dict[str, str]):
        self.data = data
        self.path = path
        self.source = source
        self.provenance = provenance
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, value: Any, allowed: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {self.key(name)} = {value!r} is not allowed; {allowed}")

    def raw(self, name: str, default: Any = ...) -> Any:
        self.used.add(name)
        if name not in self.data:
            if default is ...:
                raise ScenarioError(f"{self.source}: {self.key(name)} is missing; it is required")
            return default
        value = self.data[name]
        if isinstance(value, dict) and "value" in value and "dist" not in value:
            extra = set(value) - {"value", *PROVENANCE_KEYS}
            if extra:
                raise self.fail(name, value, f"a value table holds only value, source, assumption (not {sorted(extra)})")
            self._remember(name, value)
            return value["value"]
        return value

    def _remember(self, name: str, table: dict[str, Any]) -> None:
        for k in PROVENANCE_KEYS:
            if k in table:
                self.provenance[self.key(name)] = f"{k}: {table[k]}"

    def number(self, name: str, default: Any = ..., lo: float = -1e15, hi: float = 1e15,
               integer: bool = False, lo_open: bool = False) -> float:
        v = self.raw(name, default)
        ok_type = isinstance(v, int) if integer else isinstance(v, (int, float))
        if isinstance(v, bool) or not ok_type:
            raise self.fail(name, v, f"expected {'an integer' if integer else 'a number'}")
        # Python compares ints of any size exactly; numpy would fail on one beyond 64 bits.
        if (isinstance(v, float) and not math.isfinite(v)) or v < lo or v > hi or (lo_open and v == lo):
            bracket = "(" if lo_open else "["
            raise self.fail(name, v, f"allowed range {bracket}{limits.show(lo)}, {limits.show(hi)}]"
                                     f"{limits.share_hint(v, hi)}")
        return int(v) if integer else float(v)

    def choice(self, name: str, options: tuple[str, ...], default: Any = ...) -> str:
        v = self.raw(name, default)
        if v not in options:
            raise self.fail(name, v, f"allowed: {', '.join(options)}")
        return v

    def flag(self, name: str, default: Any = ...) -> bool:
        v = self.raw(name, default)
        if not isinstance(v, bool):
            raise self.fail(name, v, "expected true or false")
        return v

    def text(self, name: str, default: Any = ...) -> str:
        v = self.raw(name, default)
        if not isinstance(v, str):
            raise self.fail(name, v, "expected a string")
        return v

    def day(self, name: str, default: Any = ...) -> date:
        v = self.raw(name, default)
        if v is None:
            return v
        if not isinstance(v, date) or hasattr(v, "hour"):
            raise self.fail(name, v, "expected a date like 2025-01-01 (no quotes, no time)")
        if not limits.FIRST_DAY <= v <= limits.LAST_DAY:
            raise ScenarioError(f"{self.source}: {self.key(name)} = {v} is not allowed; "
                                f"allowed dates {limits.FIRST_DAY} to {limits.LAST_DAY}")
        return v

    def numbers(self, name: str, default: Any = ..., length: int | None = None, lo: float = 0.0,
                integer: bool = False, positive_sum: bool = False, hi: float = limits.MAX_WEIGHT) -> np.ndarray:
        v = self.raw(name, default)
        kind = int if integer else (int, float)
        if not isinstance(v, list) or not all(isinstance(x, kind) and not isinstance(x, bool) for x in v):
            raise self.fail(name, v, f"expected a list of {'integers' if integer else 'numbers'}")
        if length is not None and len(v) != length:
            raise self.fail(name, v, f"expected exactly {length} numbers, got {len(v)}")
        if not all(lo <= x <= hi for x in v):  # also false for nan; checked before numpy sees big ints
            raise self.fail(name, v, f"every number must lie in [{limits.show(lo)}, {limits.show(hi)}]")
        arr = np.asarray(v, dtype=np.int64 if integer else float)
        if positive_sum and arr.sum() <= 0:
            raise self.fail(name, v, "at least one weight must be positive")
        return arr

    def strings(self, name: str, options: tuple[str, ...] | None = None, default: Any = ...) -> tuple[str, ...]:
        v = self.raw(name, default)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.fail(name, v, "expected a list of strings")
        bad = [x for x in v if options is not None and x not in options]
        if bad:
            raise self.fail(name, v, f"{bad[0]!r} is unknown; allowed: {', '.join(options or ())}")
        return tuple(v)

    def dist(self, name: str, default: Any = ...) -> Dist:
        v = self.raw(name, default)
        if not isinstance(v, dict) or "dist" not in v:
            raise self.fail(name, v, 'expected a distribution like { dist = "uniform", low = 0.25, high = 0.5 }')
        kind = v["dist"]
        if not isinstance(kind, str) or kind not in KINDS:
            raise self.fail(f"{name}.dist", kind, f"allowed: {', '.join(KINDS)}")
        required, optional = KINDS[kind]
        self._remember(name, v)
        params = {k: x for k, x in v.items() if k not in ("dist", *PROVENANCE_KEYS)}
        missing = required - set(params)
        extra = set(params) - required - optional
        if missing or extra:
            raise self.fail(name, v, f"a {kind} distribution takes {', '.join(sorted(required | optional))}")
        sub = TableReader(params, self.key(name), self.source, self.provenance)
        clean = {k: sub.number(k, lo=0.0, hi=limits.MAX_SIGMA if k == "sigma" else limits.MAX_DURATION_HOURS)
                 for k in sorted(params)}
        if kind == "uniform" and clean["low"] > clean["high"]:
            raise self.fail(name, v, "low must not exceed high")
        if kind == "triangular" and not clean["low"] <= clean["mode"] <= clean["high"]:
            raise self.fail(name, v, "need low <= mode <= high")
        if clean.get("low", 0.0) > clean.get("high", np.inf):
            raise self.fail(name, v, "low must not exceed high")
        return Dist(kind, tuple(clean.items()))

    def table(self, name: str, default: Any = ...) -> TableReader:
        v = self.raw(name, {} if default is ... else default)
        if not isinstance(v, dict):
            raise self.fail(name, v, "expected a table")
        return TableReader(v, self.key(name), self.source, self.provenance)

    def done(self) -> None:
        """Reject keys nobody read: a typo must not silently fall back to a default."""
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise ScenarioError(
                f"{self.source}: {self.key(unknown[0])} is not a known key; "
                f"allowed here: {', '.join(sorted(self.used))}"
            )


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: region values override [defaults]; value tables replace, not merge."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and "value" not in v and "dist" not in v:
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


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
    return _replace(ev, effect_low=low, effect_high=high)


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
