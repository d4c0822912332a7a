"""Calendar time: the scenario's days with their weekdays, months and Dutch public holidays.

Simulation time is hours since the scenario's start date at 00:00 local time. Daylight saving
is ignored: every day has 24 hours, which keeps hour-of-day arithmetic exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache

import numpy as np

from csgsim.core.errors import ScenarioError

HOURS_PER_DAY = 24
HOURS_PER_WEEK = 168
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Calendar:
    """Day-level facts for a horizon of `days` days from `start` (a Monday or any day)."""

    start: date
    days: int

    @property
    def horizon(self) -> float:
        """The horizon in hours."""
        return float(self.days * HOURS_PER_DAY)

    @cached_property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=d) for d in range(self.days)]

    @cached_property
    def weekday(self) -> np.ndarray:
        """Weekday per day, Monday = 0."""
        return (self.start.weekday() + np.arange(self.days)) % 7

    @cached_property
    def holiday(self) -> np.ndarray:
        """True on Dutch public holidays (the `holidays` package's list for NL)."""
        years = range(self.start.year, self.dates[-1].year + 1)
        dutch = set().union(*(_dutch_holidays(y) for y in years))
        return np.array([d in dutch for d in self.dates], dtype=bool)

    @property
    def _busdays(self) -> np.busdaycalendar:
        """numpy's business-day calendar, covering a year past the horizon (not stored on the
        instance: it cannot be pickled, and calendars travel to worker processes)."""
        return _business_days(self.start.year, self.dates[-1].year + 1)

    @cached_property
    def _day0(self) -> np.datetime64:
        return np.datetime64(self.start, "D")

    @cached_property
    def working(self) -> np.ndarray:
        """True on working days: Monday to Friday and not a public holiday."""
        return np.is_busday(self._day0 + np.arange(self.days), busdaycal=self._busdays)

    @cached_property
    def month(self) -> np.ndarray:
        """Month per day, January = 0."""
        return np.array([d.month - 1 for d in self.dates], dtype=np.int64)

    def hour_of(self, day: date) -> float:
        """Hours from the start to 00:00 on `day` (negative before the start)."""
        return float((day - self.start).days * HOURS_PER_DAY)

    def add_working_days(self, day_index: np.ndarray, n: int) -> np.ndarray:
        """The n-th working day after each day (n = 0: the day itself if working, else the next).

        Days past the horizon come back as `days + n`: beyond the run, never reached.
        """
        day = np.busday_offset(self._day0 + np.asarray(day_index), n, roll="forward", busdaycal=self._busdays)
        out = (day - self._day0).astype(np.int64)
        return np.where(out < self.days, out, self.days + n)


@lru_cache(maxsize=None)
def _dutch_holidays(year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays("NL", years=[year]))


@lru_cache(maxsize=None)
def _business_days(first_year: int, last_year: int) -> np.busdaycalendar:
    """Monday to Friday less the Dutch public holidays of those years."""
    dutch = sorted(set().union(*(_dutch_holidays(y) for y in range(first_year, last_year + 1))))
    return np.busdaycalendar(holidays=np.array(dutch, dtype="datetime64[D]"))


#: The Ministry of Education's three school-holiday regions, as the `holidays` package names them
#: (https://www.rijksoverheid.nl/onderwerpen/schoolvakanties/regios-schoolvakantie).
SCHOOL_REGIONS = {"north": "Noord", "middle": "Midden", "south": "Zuid"}


@lru_cache(maxsize=None)
def school_summer_holiday(year: int, school_region: str) -> tuple[date, date]:
    """First and one-past-last day of the school summer holiday of `school_region` in `year`.

    From the `holidays` package's Dutch school holidays (Regelingen vaststelling schoolvakanties;
    checked against the published dates of 2017-2026, tests/test_leave.py); it knows 2014-2030.
    """
    import holidays

    if "school" not in getattr(holidays.NL, "supported_categories", ()):
        raise ScenarioError(f"the installed holidays package ({holidays.__version__}) has no Dutch school "
                            "holidays, which annual leave needs; install holidays>=0.109")
    days = holidays.country_holidays("NL", subdiv=SCHOOL_REGIONS[school_region], years=[year],
                                     categories=("school",), language="nl")
    summer = sorted(d for d, name in days.items() if "Zomervakantie" in name)
    if not summer:
        raise ScenarioError(f"no school summer holiday dates for {year} in the holidays package "
                            f"({holidays.__version__}: 2014-2030); annual leave cannot be planned for that year")
    return summer[0], summer[-1] + timedelta(days=1)
