"""Own registrations: the estimates recover a known demand (round trip through the synthetic export).

The truth is a scenario with a known level (150 acute and 180 non-acute reports a year, no growth,
two years); exports drawn from it with many seeds must give intervals that cover the truth about
as often as they claim. Estimation only, no simulation: each seed takes a few tens of ms.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from conftest import FLAT, build, region_data
from csgsim.calibration import own_demand, synthetic
from csgsim.calibration.own_profiles import scenario_profile, shrink
from csgsim.calibration.registration_warnings import warnings
from csgsim.core.calendar import Calendar

START, END = date(2023, 1, 1), date(2024, 12, 31)


def known(acute: float = 150.0, non_acute: float = 180.0, cv: float = 0.0, profile: str | None = None,
          events: list | None = None, **pathway):
    """A one-region scenario whose demand is exactly known: no growth, no events."""
    region = region_data(acute=acute, non_acute=non_acute, pathway=pathway) if pathway else \
        region_data(acute=acute, non_acute=non_acute)
    for kind in ("acute", "non_acute"):
        region["demand"][kind].update({"growth_per_year": 0.0, "level_year": 2023, "overdispersion_cv": cv})
        if profile:
            region["demand"][kind].update({"profile": profile, "seasonality": [1.0] * 12})
    return build({"r": region}, profiles={"flat": FLAT}, events=events)


def _targets(sc):
    r = sc.regions["r"]
    return ({k: r.demand(k).profile for k in own_demand.KINDS}, {k: r.demand(k).seasonality for k in own_demand.KINDS})


def estimates(sc, seeds, targets=None, start=START, end=END):
    profiles, seasons = targets or _targets(sc)
    for seed in seeds:
        reports = synthetic.generate(sc, "r", start, end, seed)
        yield own_demand.estimate(reports.registrations(), profiles, seasons)


def test_level_intervals_cover_the_known_level_in_about_95_percent_of_seeds() -> None:
    """Per year and type (Garwood) and the scenario's level (trend model): coverage near 95%."""
    sc = known()
    truth = {"acute": 150.0, "non_acute": 180.0}
    year_hits, total_hits, share_hits, totals = [], [], [], []
    for est in estimates(sc, range(150)):
        assert est.model == "Poisson" or est.dispersion > 1
        year_hits += [y.level.low <= truth[y.kind] <= y.level.high for y in est.years]
        total_hits.append(est.total.low <= 330.0 <= est.total.high)
        share_hits.append(est.share.low <= 150 / 330 <= est.share.high)
        totals.append(est.total.value)
    assert 0.92 <= np.mean(year_hits) <= 0.99, np.mean(year_hits)
    assert 0.89 <= np.mean(total_hits) <= 0.99, np.mean(total_hits)
    assert 0.89 <= np.mean(share_hits) <= 0.99, np.mean(share_hits)
    assert abs(np.mean(totals) / 330.0 - 1) < 0.02  # unbiased: the sd of one estimate is about 8%


def test_overdispersed_weeks_widen_the_interval_to_negative_binomial() -> None:
    """Gamma week factors (CV 0.5) make weekly counts vary more than Poisson: detected, and the
    wider intervals still cover the truth about as often as claimed."""
    sc = known(cv=0.5)
    found = list(estimates(sc, range(40)))
    assert sum(e.model == "negative binomial" for e in found) >= 36
    hits = [y.level.low <= {"acute": 150.0, "non_acute": 180.0}[y.kind] <= y.level.high
            for e in found for y in e.years]
    assert np.mean(hits) >= 0.85


def test_a_distinct_profile_with_much_data_is_recovered() -> None:
    """Flat reports against the shipped (peaked) profile: with 6,000 reports the own data get
    nearly all the weight, the share outside office hours covers the truth, the shape is flat."""
    sc = known(acute=3000.0, non_acute=3000.0, profile="flat")
    shipped = known()
    (est,) = estimates(sc, [7], _targets(shipped))
    p = est.profiles["acute"]
    assert p.data_weight > 0.9
    low, high = p.outside_office[1:]
    cal = Calendar(START, (END - START).days + 1)
    office_days = int(((cal.weekday < 5) & ~cal.holiday).sum())  # holidays count as Sunday
    assert low <= 1 - 8 * office_days / (24 * cal.days) <= high
    assert p.model_outside_office < low  # and the shipped profile's share is excluded
    assert np.abs(p.weights - 1).mean() < 0.2  # about 36 reports an hour of the week: noise 0.17 each
    assert np.abs(np.array(scenario_profile(p.weights)["hours"]) - 1).max() < 0.35


def test_a_small_centre_keeps_the_shipped_profile() -> None:
    """60 reports a year drawn from the shipped profile: the profile is not made jagged."""
    sc = known(acute=30.0, non_acute=30.0)
    found = list(estimates(sc, range(10)))
    target = sc.regions["r"].acute.profile.weights
    kept = [np.allclose(e.profiles["acute"].weights, target / target.mean()) for e in found]
    assert sum(kept) >= 9
    assert all(e.seasonality["acute"].data_weight < 0.5 for e in found)


def test_shrink_gives_the_target_without_evidence_and_the_data_with_much() -> None:
    target = np.array([1.0, 2.0, 3.0, 2.0])
    exposure = np.ones(4)
    assert shrink(np.array([1.0, 2.0, 3.0, 2.0]), exposure, target)[1] == 0.0
    weights, lam = shrink(np.array([4000.0, 1000.0, 1000.0, 2000.0]), exposure, target)
    assert lam > 0.99 and weights[0] == pytest.approx(2.0, rel=0.02)


def test_optional_columns_are_recovered() -> None:
    """On-site time (lognormal median 3 h), forensic share (0.5 in the synthetic export), the
    follow-up schedule and the contact delay of the pathway."""
    sc = known(acute=600.0)
    (est,) = estimates(sc, [3])
    d = est.optional
    assert d.on_site["median_low"] <= 3.0 <= d.on_site["median_high"]
    assert d.forensic[1][1] <= synthetic.FORENSIC_SHARE <= d.forensic[1][2]
    assert d.followups["acute"][1] == sc.regions["r"].pathway.followup_days
    assert d.followups["non_acute"][1] == sc.regions["r"].pathway.nonacute_followup_days
    assert d.contact["within_norm"] == 1.0  # callback draws are within 15 minutes


def test_one_year_has_no_trend_and_a_part_year_is_scaled() -> None:
    """Nine months registered: no trend; the year's level is the count over the registered part
    (its share of the year's reports under the shipped seasonality)."""
    sc = known()
    (est,) = estimates(sc, [5], start=date(2024, 1, 1), end=date(2024, 9, 30))
    assert est.growth is None and est.growth_sd_log == 0.0
    flat = next(y for y in est.years if y.kind == "non_acute")  # flat seasonality: the share of days
    assert flat.fraction == pytest.approx(274 / 366)
    year = next(y for y in est.years if y.kind == "acute")  # summer-heavy: Jan-Sep hold more than 274/366
    assert year.fraction > 274 / 366
    assert year.level.value == pytest.approx(year.count / year.fraction)
    assert year.level.low < 150 < year.level.high


def test_a_scenario_event_is_not_taken_for_growth() -> None:
    """A lasting +40% from 2024-01-01 in the scenario: with the events as offset the trend is
    about 0 and the level is the level before the event; without, the jump reads as growth."""
    jump = [{"name": "jump", "kind": "level", "start": date(2024, 1, 1), "types": ["acute", "non_acute"],
             "effect": 0.4}]
    sc = known(acute=600.0, non_acute=600.0, events=jump)
    reports = synthetic.generate(sc, "r", START, END, 11)
    profiles, seasons = _targets(sc)
    with_events = own_demand.estimate(reports.registrations(), profiles, seasons,
                                      events=lambda a, b: own_demand.event_days(sc, "r", a, b))
    assert with_events.growth.low < 0 < with_events.growth.high
    assert with_events.total.low < 1200 < with_events.total.high
    assert own_demand.estimate(reports.registrations(), profiles, seasons).growth.low > 0.1


def _calls(rates: np.ndarray, seed: int = 1) -> np.ndarray:
    days = np.arange(np.datetime64(START), np.datetime64(END) + 1)
    n = np.random.default_rng(seed).poisson(rates)
    return np.repeat(days, n).astype("datetime64[m]") + np.timedelta64(600, "m")


def test_warnings_name_a_gap_and_a_level_change_with_their_dates() -> None:
    days = np.arange(np.datetime64(START), np.datetime64(END) + 1)
    rates = np.where(days < np.datetime64("2024-05-01"), 0.7, 1.5)
    rates[(days >= np.datetime64("2023-03-01")) & (days < np.datetime64("2023-04-01"))] = 0.0
    found = warnings(_calls(rates), START, END)
    assert any(w.startswith("registration gap? 2023-03: 0 reports") for w in found)
    assert any("level change from 2024-05" in w for w in found)
    assert warnings(_calls(np.full(days.size, 0.7)), START, END) == []
