"""Input uncertainty drawn per replication (csgsim.demand.uncertainty): its own streams, common random numbers,
the distributions it draws from, and the split of a band into input and stochastic variance."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from csgsim.calibration import simulate_year
from csgsim.config import scenario as scenario_mod
from csgsim.demand import uncertainty
from csgsim.model import inputs

ROOT = Path(__file__).resolve().parent.parent


def _zeeland(uncertain: dict | None = None, events: list | None = None, staff: int | None = None):
    data, _ = scenario_mod.read(ROOT / "models" / "zeeland.toml")
    data = copy.deepcopy(data)
    data["scenario"]["days"] = 60
    region = data["regions"]["zeeland"]
    if uncertain is not None:
        region["uncertainty"] = uncertain
    if events is not None:
        data["events"] = events
    if staff is not None:
        region["staff"]["casemanagers"] = region["staff"]["casemanagers"][:staff]
    return scenario_mod.parse(data, "zeeland (test)")


UNCERTAIN = {"level_sd_log": 0.3, "acute_share_beta": [45.5, 54.5], "growth_sd_national": 0.07,
             "growth_sd_region": 0.07}


def test_without_uncertainty_nothing_is_drawn_and_results_are_the_central_ones() -> None:
    """A scenario without [uncertainty] uses the central rates; a level sd so small that the factor is exactly 1
    gives the same arrivals, because input draws never touch the arrival streams."""
    plain = inputs.plan(_zeeland(), "zeeland")
    assert not plain.uncertain_inputs
    assert inputs.arrival_rates(plain, 3, 0)[0] is plain.acute_rate
    tiny = inputs.plan(_zeeland({"level_sd_log": 1e-300}), "zeeland")
    assert tiny.uncertain_inputs
    for rep in range(3):
        a, b = inputs.sample(plain, 3, rep), inputs.sample(tiny, 3, rep)
        assert np.array_equal(a.acute.arrival, b.acute.arrival) and np.array_equal(a.non_acute.arrival,
                                                                                   b.non_acute.arrival)


def test_common_random_numbers_hold_across_rosters_with_input_uncertainty() -> None:
    """Two scenarios that differ only in the roster draw the same inputs and the same reports in each replication,
    while different replications draw different inputs."""
    a = inputs.plan(_zeeland(UNCERTAIN), "zeeland")
    b = inputs.plan(_zeeland(UNCERTAIN, staff=3), "zeeland")
    levels = []
    for rep in range(4):
        ra, rb = inputs.sample(a, 9, rep), inputs.sample(b, 9, rep)
        assert np.array_equal(ra.acute.arrival, rb.acute.arrival)
        assert np.array_equal(ra.non_acute.arrival, rb.non_acute.arrival)
        levels.append(uncertainty.draw(a.region, a.events, 9, rep).level)
    assert len(set(levels)) == 4


def test_drawn_inputs_have_the_stated_distributions() -> None:
    """Over 4,000 replications: log level factor ~ N(-sd^2/2, sd^2) (mean factor 1); the acute share ~ Beta(a, b);
    the growth deviation ~ N(0, 0.07^2 + 0.07^2); an event with a range ~ triangular(low, effect, high). Means and
    sds are checked at the 99.9% level of their sampling error."""
    sc = _zeeland(UNCERTAIN, events=[{"name": "zedenwet", "kind": "level", "start": dt.date(2024, 7, 1), "effect": 0.16,
                                      "effect_low": 0.0, "effect_high": 0.53}])
    region = sc.regions["zeeland"]
    draws = [uncertainty.draw(region, sc.events, 20250101, rep) for rep in range(4000)]
    n, z = 4000, 3.29
    log_level = np.log([d.level for d in draws])
    assert abs(log_level.mean() + 0.045) < z * 0.3 / np.sqrt(n)
    assert abs(log_level.std() - 0.3) < z * 0.3 / np.sqrt(2 * n)
    share = np.array([d.acute_share for d in draws])
    assert abs(share.mean() - 0.455) < z * share.std() / np.sqrt(n)
    growth = np.array([d.growth for d in draws])
    sd = np.hypot(0.07, 0.07)
    assert abs(growth.mean()) < z * sd / np.sqrt(n) and abs(growth.std() - sd) < z * sd / np.sqrt(2 * n)
    effect = np.array([d.events[0].effect for d in draws])
    assert effect.min() >= 0.0 and effect.max() <= 0.53
    assert abs(effect.mean() - (0.0 + 0.16 + 0.53) / 3) < z * effect.std() / np.sqrt(n)


def test_national_growth_is_shared_by_all_regions_in_a_replication() -> None:
    """With only the national part of growth uncertain, every region draws the same growth in a replication."""
    data, _ = scenario_mod.read(ROOT / "models" / "three-regions.toml")
    data = copy.deepcopy(data)
    data.setdefault("defaults", {})["uncertainty"] = {"growth_sd_national": 0.1}
    sc = scenario_mod.parse(data, "three regions (test)")
    for rep in range(3):
        growths = {uncertainty.draw(r, sc.events, 1, rep).growth for r in sc.regions.values()}
        assert len(growths) == 1


def test_input_share_of_the_band_matches_the_law_of_total_variance() -> None:
    """For an annual Poisson count with a lognormal level (mean 1, sd of log 0.3) the share of the variance due to
    the input is lam^2 (e^sd^2 - 1) / (lam + lam^2 (e^sd^2 - 1)); simulate_year reports it within 0.05 (2,000
    replications), and the band without input uncertainty is the plain Poisson one."""
    data, _ = scenario_mod.read(ROOT / "models" / "zeeland.toml")
    data = copy.deepcopy(data)
    data["regions"]["zeeland"]["uncertainty"] = {"level_sd_log": 0.3}

    data["scenario"].update(start=dt.date(2019, 1, 1), days=365)
    sc = scenario_mod.parse(data, "zeeland 2019")
    sims = simulate_year(sc, 2019, 2000, 5)[("zeeland", "acute")]
    lam = sims["central"]
    extra = lam**2 * np.expm1(0.09)
    share = float(np.var(sims["expected"]) / np.var(sims["full"]))
    assert share == pytest.approx(extra / (lam + extra), abs=0.05)
    assert np.var(sims["stochastic"]) == pytest.approx(lam, rel=0.15)


def test_event_range_must_hold_the_central_effect() -> None:
    """An event's effect_low/effect_high must bracket its effect, and come as a pair; the error names the key."""
    for bad, key in (({"effect_low": 0.2, "effect_high": 0.5}, "effect"), ({"effect_low": 0.0}, "effect_low")):
        event = {"name": "x", "kind": "level", "start": dt.date(2025, 3, 1), "effect": 0.1, **bad}
        with pytest.raises(scenario_mod.ScenarioError, match=key):
            _zeeland(events=[event])


def test_without_gives_the_same_scenario_with_exact_inputs() -> None:
    """uncertainty.without() zeroes every region's input uncertainty and every event range, nothing else."""
    sc = _zeeland(UNCERTAIN, events=[{"name": "z", "kind": "level", "start": dt.date(2025, 3, 1), "effect": 0.1,
                                      "effect_low": 0.0, "effect_high": 0.3}])
    exact = uncertainty.without(sc)
    assert uncertainty.active(sc) and not uncertainty.active(exact)
    assert replace(exact.regions["zeeland"], uncertainty=sc.regions["zeeland"].uncertainty) == sc.regions["zeeland"]
    assert exact.events[0].effect == 0.1


@pytest.mark.parametrize("events", [None, [{"name": "campaign", "kind": "level", "start": dt.date(2025, 1, 20),
                                            "effect": 0.3, "effect_low": 0.1, "effect_high": 0.6}]])
def test_drawn_rates_are_the_straightforward_product(events) -> None:
    """`uncertainty.rate` (which skips a multiplier of ones when no event applies, and keeps a
    replication's multiplier for every region) and `draw` (which draws the national growth and
    the events once per replication) give what the plain formulas give: base x year factor x the
    events' multiplier, the national stream's first normal, each event's triangular draw."""
    from csgsim.core.streams import stream
    from csgsim.demand.intensity import base_intensity, event_multiplier

    sc = _zeeland(UNCERTAIN, events)
    region, cal = sc.regions["zeeland"], sc.simulation_calendar
    for rep in range(3):
        drawn = uncertainty.draw(region, sc.events, 7, rep)
        national = stream(7, rep, "national", "national_inputs").standard_normal()
        z_growth = stream(7, rep, "zeeland", "inputs").standard_normal(2)[1]
        assert drawn.growth == UNCERTAIN["growth_sd_national"] * national + UNCERTAIN["growth_sd_region"] * z_growth
        for event, central in zip(drawn.events, sc.events):  # one draw per event and replication
            rng = stream(7, rep, f"event:{central.name}", "event_inputs")
            assert event.effect == rng.triangular(central.effect_low, central.effect, central.effect_high)
        for kind in ("acute", "non_acute"):
            factor = np.ones(cal.days * 24)
            for year, lo, hi in uncertainty._year_hours(cal):
                factor[lo:hi] = uncertainty.year_factor(region, kind, year, drawn)
            applied = [e for e in drawn.events if e.applies("zeeland", kind)]
            plain = base_intensity(region.demand(kind), cal) * factor * event_multiplier(applied, cal)
            assert np.array_equal(uncertainty.rate(region, kind, cal, drawn), plain)
