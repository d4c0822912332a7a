"""The validated scenario: immutable dataclasses for demand, staff, duties, pathways, events and norms.

The loader (`csgsim.config.scenario`, each region's body in `csgsim.config.region`) builds them
from a TOML file; everything downstream reads only these types, never the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np

from csgsim.core.calendar import Calendar
from csgsim.core.distributions import Dist
from csgsim.core.errors import ScenarioError
from csgsim.config.costs import CostParams
from csgsim.config.escalation import Escalation
from csgsim.config.lines import Line, SharedLine
from csgsim.config.scaleup import ScaleUp
from csgsim.config.rota import RotaRules
from csgsim.config.staffing import (AbsenceParams, LeaveParams, RegularJob,
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
    rota: RotaRules = RotaRules()  # what `csgsim rota` keeps beyond the rule set, and its weights
    scaleup: ScaleUp | None = None  # a standby line opened in peaks (off: None)

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
        return replace(self, regions={r: self.regions[r] for r in region_ids}, shared_lines=kept)


