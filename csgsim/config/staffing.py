"""The staffing vocabulary of a scenario: absence rates, scripted dropout, working-time rule
sets, the regular job, and the names of duty patterns and re-planning policies.

These are plain data, read and checked by the scenario loader; the behaviour behind them lives in
`csgsim.staff` (absence sampling, duties, rules, re-planning), which imports them from here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache

import numpy as np

from csgsim.core.clamp import clamp
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.config.limits import MAX_DAYS
from csgsim.core.errors import ScenarioError

#: Duty patterns (behaviour: `csgsim.staff.duties`).
PATTERNS = ("rotation_24h", "week", "office_plus_oncall")
#: Re-planning policies (behaviour: `csgsim.staff.replanning`).
POLICIES = ("spread", "spread_or_breach", "backup", "gap")

HOURS_PER_YEAR = 365 * HOURS_PER_DAY


# Published care-sector shares (docs/evidence.md#absence); the defaults below are
# derived from them so that the pieces add up to the published totals.
_SICK_SHARE = 0.078  # Dutch care absence 7.75% (2023), 7.81% (2024): skipr.nl, staz.nl
_LONG_SHARE = 0.0343  # spells of 92-365 days: 3.43% of time (same sources)
_LONG_MIN, _LONG_MAX = 92.0, 365.0  # the statistic's own duration class
_SHORT_SPELLS = 1.16  # hospitals: 1.16 spells per person-year (staz.nl)


@dataclass(frozen=True)
class AbsenceParams:
    """Absence rates as published (per calendar person-year, shares of time).

    Every default cites its source or says it is an assumption.
    """

    enabled: bool = True
    # Hospitals: 1.16 spells per person-year [D] (https://www.staz.nl/hoogste-verzuim-ziekenhuizen-afgelopen-jaren/).
    short_spells_per_year: float = _SHORT_SPELLS
    # [E] The published mean of 16.6 days covers all spells, long ones included; long spells
    # are modelled apart, so the short mean is set to make short + long = 7.8% of time:
    # (0.078 - 0.0343) * 365 / 1.16 = 13.75 days. Keeping 16.6 would give 8.7%.
    short_mean_days: float = (_SICK_SHARE - _LONG_SHARE) * 365 / _SHORT_SPELLS
    # Assumption: gamma shape of short spells; 1 = exponential, the maximum-entropy choice when
    # only the mean is known. Shares depend only on the mean; the shape sets how often spells
    # of two people overlap.
    short_shape: float = 1.0
    # [E] 3.43% of time / mean length 228.5 days (uniform 92-365) = 0.0548 per person-year.
    long_spells_per_year: float = _LONG_SHARE * 365 / ((_LONG_MIN + _LONG_MAX) / 2)
    # [D] Long spells are by definition 92-365 days (skipr.nl). Uniform over that class (mean
    # 228.5 d, the least informed choice within the range); the burn-out mean of ~279 d [D]
    # lies inside it. Changing the range does not rescale long_spells_per_year.
    long_min_days: float = _LONG_MIN
    long_max_days: float = _LONG_MAX
    # [D] ~155,000 of ~1.4 M care workers left the sector in a year (2022-23): 0.11.
    leave_per_year: float = 0.11
    # Assumption: refilling a casemanager post takes months (docs/evidence.md#absence).
    vacancy_days: float = 90.0
    # Assumption: a replacement is trained a month before taking duties.
    onboarding_days: float = 30.0
    # Assumption, off by default: extra long-spell hazard (per year) per night call-out of the
    # person in the past 16 weeks. Applied by `sample_load_spells` to the night call-outs of a
    # first run; the replication then runs again with those spells (`replications`).
    load_hazard: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "enabled":
                continue
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not (number and math.isfinite(value) and value >= 0):
                raise ScenarioError(f"absence.{f.name} must be a number >= 0, got {value!r}")
        if self.short_shape <= 0:
            raise ScenarioError(f"absence.short_shape must be > 0, got {self.short_shape!r}")
        if self.enabled and self.short_spells_per_year > 0 and self.short_mean_days <= 0:
            raise ScenarioError("absence.short_mean_days must be > 0 with short spells on (a spell of no days); "
                                "set short_spells_per_year = 0 for none")
        if self.long_min_days > self.long_max_days:
            raise ScenarioError(
                f"absence.long_min_days ({self.long_min_days}) exceeds long_max_days ({self.long_max_days})"
            )
        if self.enabled and expected_absent_share(self) >= 1:
            raise ScenarioError(
                f"absence rates imply people are absent {expected_absent_share(self):.0%} of the time; "
                "lower the spell rates or durations"
            )

    @property
    def leave_days(self) -> float:
        """Days a post is unavailable after its holder leaves: vacancy, then onboarding."""
        return self.vacancy_days + self.onboarding_days


def _rates_and_means(params: AbsenceParams) -> tuple[np.ndarray, np.ndarray]:
    """Calendar rate (per hour) and mean length (hours) of short, long and leave spells."""
    rates = np.array([params.short_spells_per_year, params.long_spells_per_year, params.leave_per_year])
    means = np.array(
        [params.short_mean_days, (params.long_min_days + params.long_max_days) / 2, params.leave_days]
    )
    return rates / HOURS_PER_YEAR, means * HOURS_PER_DAY


def expected_absent_share(params: AbsenceParams) -> float:
    """Long-run share of time a person is absent: the sum of rate x mean length per kind.

    In an alternating renewal process a kind's calendar rate times its mean length is its
    share of time, whatever the length distributions.
    """
    if not params.enabled:
        return 0.0
    rates, means = _rates_and_means(params)
    return float(rates @ means)


@dataclass(frozen=True)
class ScriptedAbsence:
    """`person` (an id from the scenario) is out from `start` for `days` days.

    days None: the person leaves; the post is vacant and then a replacement is onboarded
    (AbsenceParams.vacancy_days + onboarding_days), after which the replacement works.
    """

    person: str
    start: date
    days: int | None


_DATE = r"(\d{4}-\d{2}-\d{2})"
_ABSENT = re.compile(rf"([^:\s]+):{_DATE}:(\d+)([wd])")
_LEAVES = re.compile(rf"([^:\s]+):{_DATE}")


def _date(text: str, option: str, value: str, form: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{option}: {value!r} has no valid date {text!r}; expected {form}") from None


def parse_absent_option(text: str, option: str = "--absent") -> ScriptedAbsence:
    """Parse PERSON:YYYY-MM-DD:N(w|d), e.g. cm3:2025-03-01:12w (12 weeks) or cm3:2025-03-01:10d."""
    form = "PERSON:YYYY-MM-DD:N(w|d), e.g. cm3:2025-03-01:12w"
    m = _ABSENT.fullmatch(text.strip())
    if m is None:
        raise ScenarioError(f"{option}: bad value {text!r}; expected {form}")
    person, day, n, unit = m.groups()
    days = int(n) * (7 if unit == "w" else 1)
    if not 1 <= days <= MAX_DAYS:
        raise ScenarioError(f"{option}: bad value {text!r}: the length must be 1 to {MAX_DAYS} days; expected {form}")
    return ScriptedAbsence(person, _date(day, option, text, form), days)


def parse_leaves_option(text: str, option: str = "--leaves") -> ScriptedAbsence:
    """Parse PERSON:YYYY-MM-DD, e.g. coordinator:2025-06-01: the person leaves that day."""
    form = "PERSON:YYYY-MM-DD, e.g. coordinator:2025-06-01"
    m = _LEAVES.fullmatch(text.strip())
    if m is None:
        raise ScenarioError(f"{option}: bad value {text!r}; expected {form}")
    person, day = m.groups()
    return ScriptedAbsence(person, _date(day, option, text, form), None)


@dataclass(frozen=True)
class LeaveParams:
    """Annual leave of every person of a region, planned weeks ahead (`staff.leave`).

    The statutory minimum is four times the weekly working hours a year (Dutch Civil Code
    art. 7:634): four weeks away whatever the contract; collective agreements add extra weeks.
    Defaults are the statutory minimum with no summer preference and one person away at a time;
    the shipped models set every value with its source or as an assumption.
    """

    enabled: bool = False
    statutory_weeks: float = 4.0
    extra_weeks: float = 0.0
    summer_share: float = 0.0  # share of the weeks taken as one block in the school summer holiday
    block_weeks: float = 1.0  # length of the other blocks, spread over the year
    max_at_once: int = 1  # coordinator rule: at most this many casemanagers away on any day
    school_region: str = "middle"  # north | middle | south (core.calendar.SCHOOL_REGIONS)
    # A leave plan in hand instead of one drawn (a rota's, `studies.rota.simulated`): (person index,
    # first day, days), each day from the roster's hand-over; the same in every replication.
    given: tuple[tuple[int, date, int], ...] | None = None

    @property
    def weeks(self) -> float:
        return self.statutory_weeks + self.extra_weeks

    @property
    def summer_weeks(self) -> int:
        """Whole weeks of the summer block (never more than the whole weeks of leave there are)."""
        return min(int(round(self.summer_share * self.weeks)), int(round(7 * self.weeks)) // 7)

    def problem(self, casemanagers: int) -> tuple[str, object, str] | None:
        """(key, value, what is allowed) of the first value no plan can meet, or None."""
        if not self.enabled:
            return None
        if self.weeks > WEEKS_PER_YEAR:
            key = "statutory_weeks" if self.statutory_weeks > WEEKS_PER_YEAR else "extra_weeks"
            return (key, getattr(self, key), f"statutory_weeks + extra_weeks = {self.weeks:g} is longer "
                    f"than the year; at most {WEEKS_PER_YEAR} weeks")
        if self.max_at_once > casemanagers:
            return ("max_at_once", self.max_at_once, f"larger than the team; at most {casemanagers} "
                    f"(the region's casemanagers)")
        if self.summer_weeks > SUMMER_WEEKS:
            return ("summer_share", self.summer_share, f"a summer block of {self.summer_weeks} weeks is longer "
                    f"than the {SUMMER_WEEKS}-week school summer holiday")
        slots = self.weeks_touched
        if casemanagers * slots > self._plannable(self.max_at_once, slots):
            need = next((k for k in range(self.max_at_once + 1, casemanagers + 1)
                         if casemanagers * slots <= self._plannable(k, slots)), None)
            return ("max_at_once", self.max_at_once,
                    f"{casemanagers} casemanagers with leave in {slots} calendar weeks each cannot be planned for "
                    f"certain in the {FULL_WEEKS} whole weeks of a year with {self.max_at_once} away at once; "
                    + (f"at least {need}" if need else "lower the weeks or the block length"))
        return None

    @property
    def weeks_touched(self) -> int:
        """Saturday-to-Friday weeks one person's leave touches: the summer block's weeks, and
        each other block's (blocks start on Saturdays, so a 10-day block touches two)."""
        rest = int(round(7 * self.weeks)) - 7 * self.summer_weeks
        block = max(1, int(round(7 * self.block_weeks)))
        blocks = [block] * (rest // block) + ([rest % block] if rest % block else [])
        return self.summer_weeks + sum(-(-b // 7) for b in blocks)

    @staticmethod
    def _plannable(k: int, slots: int) -> int:
        """Person-weeks of casemanager leave that the planner (`staff.leave`) always places with at
        most k away at once. It splits a block that no longer fits into single weeks; a person can
        then be stuck only if every week with room left already holds their own leave, i.e. at
        most slots - 1 weeks have room and every other week holds k: so it never is while the
        demand is at most k x FULL_WEEKS - (k - 1) x (slots - 1)."""
        return k * FULL_WEEKS - (k - 1) * (slots - 1)


WEEKS_PER_YEAR = 52
#: Saturday-to-Friday weeks that every calendar year holds whole (its first Saturday is at most day 6).
FULL_WEEKS = 51
SUMMER_WEEKS = 6  # the school summer holiday (Regeling vaststelling schoolvakanties)


@dataclass(frozen=True)
class RuleSet:
    """Limits of one legal regime; None switches a rule off."""

    name: str
    max_oncall_days_per_4w: int | None = None
    min_free_pairs_per_4w: int | None = None  # pairs of consecutive calendar days with no on-call
    max_duty_hours: float | None = None
    max_duties_per_7d: int | None = None
    max_duties_per_16w: int | None = None
    max_work_hours_per_24h: float | None = None
    min_callout_hours: float = 0.0  # a call-out counts as at least this much work
    night_rest_hours: float = 0.0  # rest right after a night call-out (0: no rest rule)
    night_flag_per_16w: int | None = None  # this many night call-outs in 16 weeks trigger limits

    @property
    def rules(self) -> tuple[str, ...]:
        """Names of the active rules; each has a `breach_<name>` column in `check`."""
        limits = {
            "oncall_days_4w": self.max_oncall_days_per_4w,
            "free_days_4w": self.min_free_pairs_per_4w,
            "duty_length": self.max_duty_hours,
            "duties_7d": self.max_duties_per_7d,
            "duties_16w": self.max_duties_per_16w,
            "work_24h": self.max_work_hours_per_24h,
        }
        return tuple(name for name, limit in limits.items() if limit is not None)


RULESETS = {
    # Arbeidstijdenwet, consignatie (includes "piket") [D]
    # https://www.cnvvakmensen.nl/diensten/kennisbank/arbeidstijdenwet-bereikbaarheidsdienst-consignatie-en-aanwezigheidsdienst
    "consignatie": RuleSet(
        name="consignatie",
        max_oncall_days_per_4w=14,
        min_free_pairs_per_4w=2,
        max_work_hours_per_24h=13.0,
        min_callout_hours=0.5,
        night_rest_hours=8.0,
        night_flag_per_16w=16,
    ),
    # Care sector bereikbaarheidsdienst [D] https://vhp-zorg.nl/faq/itemlist/category/4-arbeidstijden;
    # each call-out paid as at least 0.5 h (CAO Gehandicaptenzorg 2021-2024, docs/evidence.md#working-time-rules).
    "bereikbaarheid": RuleSet(
        name="bereikbaarheid",
        max_duty_hours=24.0,
        max_duties_per_7d=5,
        max_duties_per_16w=32,
        min_callout_hours=0.5,
    ),
    "none": RuleSet(name="none"),
}


def get_ruleset(name: str) -> RuleSet:
    """The rule set called `name`; a ScenarioError lists the allowed names."""
    try:
        return RULESETS[name]
    except KeyError:
        raise ScenarioError(f"unknown rule set {name!r}; allowed: {', '.join(RULESETS)}") from None


@dataclass(frozen=True)
class RegularJob:
    """Hours of the casemanager's other job on working days (assumption: 08:00-16:30)."""

    start_hour: float = 8.0
    end_hour: float = 16.5

    def hours_before(self, t: np.ndarray, calendar: Calendar) -> np.ndarray:
        """Regular-job hours in [0, t), t clipped to the horizon."""
        t = np.asarray(t, dtype=float)
        t = clamp(t, 0, calendar.horizon)
        length = self.end_hour - self.start_hour
        before, working = _job_days(length, calendar)
        day = np.minimum((t // HOURS_PER_DAY).astype(np.int64), calendar.days)
        into = clamp(t - day * HOURS_PER_DAY - self.start_hour, 0, length)
        return before[day] + working[day] * into


@lru_cache(maxsize=16)
def _job_days(length: float, calendar: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """Per day 0..days: regular-job hours before it, and whether it is a working day (the day
    after the horizon is not). The same in every replication of a calendar: made once, read-only."""
    working = np.append(calendar.working, False)
    before = np.concatenate(([0.0], np.cumsum(working[:-1] * length)))
    working.flags.writeable = before.flags.writeable = False
    return before, working

