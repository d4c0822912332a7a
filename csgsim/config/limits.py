"""Physical ranges of scenario values: what a person can mean and a run can simulate.

The loader checks every value against these bounds, so a file `validate` accepts is one `run`
can simulate: no date beyond the calendar's years, no level that would take days to simulate,
no id that `--absent PERSON:...` cannot name. Each bound is far outside any real CSG
(the busiest handles about 400 reports a year) and is named where it is checked.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from csgsim.core.errors import ScenarioError

if TYPE_CHECKING:
    from csgsim.config.schema import Scenario

#: Calendar years a scenario may touch (holiday tables and date arithmetic hold there).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2200, 12, 31)
#: Longest simulated or reported stretch: 30 years.
MAX_DAYS = 365 * 30
#: Reports per region, type and year: 50 times the busiest CSG (the queueing-theory tests use
#: up to 12,264), still simulated in seconds a year.
MAX_LEVEL = 20_000.0
#: Relative weights (hour profiles, seasonality): normalised later, so only finiteness matters.
MAX_WEIGHT = 1e6
#: Any single duration of the pathways (hours): a week.
MAX_DURATION_HOURS = 168.0
#: Spread of a lognormal duration (sigma 3: the 95th percentile is 140 times the median).
MAX_SIGMA = 3.0
#: A follow-up contact or a norm in working days: a working year.
MAX_WORKING_DAYS = 260
#: Days after a report of a follow-up contact: a year.
MAX_FOLLOWUP_DAYS = 365
#: A response norm in minutes: a week.
MAX_NORM_MINUTES = 7 * 24 * 60
#: Ramp, decay and scripted lengths (days): ten years.
MAX_EVENT_DAYS = 3650
#: Weekly contract hours (the working-time law's ceiling is 60).
MAX_HOURS_PER_WEEK = 60.0
#: Ids of regions and people: letters, digits, `-`, `_`, `.`; no `:` (the --absent separator),
#: no spaces or markup, so every id can be typed on a command line and printed as it is.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
#: Longest name (of a scenario, region, event, line): one line of a table.
MAX_NAME = 200
ID_RULE = "an id is 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit"


def show(bound: float) -> str:
    """A bound as a person writes it: 60, 0.5, 9223372036854775807."""
    return str(int(bound)) if float(bound).is_integer() and abs(bound) < 2**63 else f"{bound:g}"


def check_id(value: Any) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def share_hint(value: Any, hi: float) -> str:
    """A hint when a share (0-1) was written as a percentage."""
    if hi == 1.0 and isinstance(value, (int, float)) and 2 <= value <= 100:
        return f"; shares are written 0-1 (did you mean {value / 100:g}?)"
    return ""


def check_scenario(sc: Scenario) -> None:
    """Checks across values: the period's dates, the trend's level in every simulated year,
    ids unique across the whole scenario, scripted absences inside the simulated period."""
    first = sc.start - timedelta(days=sc.warmup_days)  # the day() reader keeps start within range,
    last = sc.start + timedelta(days=sc.days - 1)  # so these cannot leave Python's date range
    if first < FIRST_DAY or last > LAST_DAY:
        raise ScenarioError(f"{sc.source}: scenario.start = {sc.start} with warmup_days = {sc.warmup_days} and "
                            f"days = {sc.days} is not allowed; the simulated period must lie within "
                            f"{FIRST_DAY} to {LAST_DAY}")
    for rid, region in sc.regions.items():
        for kind in ("acute", "non_acute"):
            demand = region.demand(kind)
            for year in range(first.year, last.year + 1):
                try:
                    level = demand.annual_level(year)
                except OverflowError:
                    level = math.inf
                if not level <= MAX_LEVEL:
                    raise ScenarioError(
                        f"{sc.source}: regions.{rid}.demand.{kind}: level {demand.level:g} in {demand.level_year} "
                        f"with growth_per_year {demand.growth_per_year:g} gives {level:g} reports in {year}; "
                        f"allowed at most {MAX_LEVEL:g} a year")
                check_event_peak(sc, rid, kind, level, year)
    check_people(sc)


def check_event_peak(sc: Scenario, rid: str, kind: str, level: float, year: int) -> None:
    """The events' largest uplift keeps a region's rate under MAX_LEVEL a year: events multiply
    the rate by 1 + effect each, so a campaign of effect 1,000 cannot get round the level cap."""
    factor, names = 1.0, []
    for ev in sc.events:
        if (not ev.regions or rid in ev.regions) and kind in ev.types:
            top = max(ev.effect, ev.effect_high if ev.effect_high is not None else ev.effect, 0.0)
            factor *= 1.0 + top
            names += [ev.name] if top > 0 else []
    if not level * factor <= MAX_LEVEL:
        raise ScenarioError(f"{sc.source}: regions.{rid}.demand.{kind}: level {level:g} in {year} with the events "
                            f"{', '.join(map(repr, names))} at their height comes to {level * factor:,.0f} reports "
                            f"a year; allowed at most {MAX_LEVEL:g} (lower the events' effect)")


def outside(sc: Scenario, rid: str, absence: Any) -> str | None:
    """Why a scripted absence misses the simulated period (None if it overlaps it)."""
    region = sc.regions[rid]
    days = region.staffing.absence.leave_days if absence.days is None else absence.days
    begin = sc.start - timedelta(days=sc.warmup_days)
    end = sc.start + timedelta(days=sc.days)
    if absence.start < end and (absence.start - begin).days + days > 0:
        return None
    return (f"the absence of {absence.person!r} from {absence.start} ({days:g} days) lies outside the simulated "
            f"period ({begin} to {end - timedelta(days=1)})")


def check_people(sc: Scenario) -> None:
    """Person ids unique across regions; scripted absences overlapping the simulated period."""
    seen: dict[str, str] = {}
    for rid, region in sc.regions.items():
        for p in region.people:
            if p.id in seen:
                raise ScenarioError(f"{sc.source}: person id {p.id!r} is used in regions {seen[p.id]} and {rid}; "
                                    "every id must be unique across the scenario (--absent names people by id)")
            seen[p.id] = rid
        for i, s in enumerate(region.staffing.absences):
            why = outside(sc, rid, s)
            if why is not None:
                raise ScenarioError(f"{sc.source}: regions.{rid}.absences[{i}]: {why}")
