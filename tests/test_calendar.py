"""Calendar time: working days and holidays as the Dutch calendar has them."""

from __future__ import annotations

from datetime import date

import numpy as np

from csgsim.core.calendar import Calendar


def test_kings_day_and_weekends_are_not_working_days() -> None:
    """The holidays package's NL list: Good Friday and Easter Monday are off; 27 April 2025 is a
    Sunday, so King's Day is Saturday 26 April."""
    cal = Calendar(date(2025, 4, 17), 14)
    working = dict(zip(cal.dates, cal.working))
    assert working[date(2025, 4, 17)]
    assert not working[date(2025, 4, 18)]
    assert not working[date(2025, 4, 21)]  # Easter Monday
    assert working[date(2025, 4, 22)]
    assert not working[date(2025, 4, 26)] and not working[date(2025, 4, 27)]


def test_add_working_days_skips_weekends_and_holidays() -> None:
    """From Thursday 17 April 2025: +1 skips Good Friday, the weekend and Easter Monday."""
    cal = Calendar(date(2025, 4, 14), 30)
    thursday = 3
    got = [int(cal.add_working_days(np.array([thursday]), n)[0]) for n in (0, 1, 2)]
    assert [cal.dates[d] for d in got] == [date(2025, 4, 17), date(2025, 4, 22), date(2025, 4, 23)]
    saturday = 5
    assert cal.dates[int(cal.add_working_days(np.array([saturday]), 0)[0])] == date(2025, 4, 22)


def test_working_days_past_the_horizon_are_marked_unreachable() -> None:
    """A due day beyond the run comes back as days + n, never inside it."""
    cal = Calendar(date(2025, 1, 6), 5)  # Monday .. Friday
    assert int(cal.add_working_days(np.array([4]), 1)[0]) == 5 + 1


def test_a_used_calendar_still_pickles() -> None:
    """Calendars travel to worker processes after their working days were computed."""
    import pickle

    cal = Calendar(date(2025, 1, 6), 30)
    _ = cal.working, cal.add_working_days(np.array([0]), 3)
    again = pickle.loads(pickle.dumps(cal))
    assert (again.working == cal.working).all()
