"""Scripted dropout end to end: duties move to the others, and tight rules leave gaps."""

from datetime import date

import numpy as np

from csgsim.model import inputs

from csgsim.runtime import replications
from csgsim.staff.duties import NOBODY
from tests.conftest import build, region_data

MONDAY = date(2025, 1, 6)


def rota(team: int, rules: str, out_days: int = 28):
    """A 24 h rotation from Monday 09:00 over 8 weeks, no backup; r-cm1 is out from day 14 for `out_days` days."""
    region = region_data(team=team, duty={"pattern": "rotation_24h", "handover_hour": 9}, backup={"kind": "none"},
                         absence={"enabled": False}, rules={"set": rules}, replan={"policy": "spread"})
    region["absences"] = [{"person": "r-cm1", "start": date(2025, 1, 20), "days": out_days}]
    return build({"x": region}, days=56, start=MONDAY, scenario={"warmup_days": 0})


def test_one_of_five_out_four_weeks_hands_six_duties_to_the_others():
    """Hand count: blocks k cover [24k-15, 24k+9) h; cm1 holds k = 0, 5, 10, ...; the absence
    [336, 1008) h touches k = 14..42, so cm1 loses k = 15, 20, 25, 30, 35, 40: six duties,
    and the other four hold 51 of the 57 blocks instead of 45 (12.75 each instead of 11.25)."""
    sc = rota(5, "none")
    sampled = inputs.sample(inputs.plan(sc, "x"), 1, 0)
    held = np.bincount(sampled.primary.person, minlength=5)
    assert held[0] == 6 and held[1:].sum() == 51
    assert sampled.replan.extra_duties[:5].sum() == 6
    res = replications.run(sc, 2, workers=1).region_summary().set_index("metric")
    assert res.loc["extra_duties_per_4w", "mean"] == 6 * 28 / 56
    assert res.loc["gap_hours", "mean"] == 0


def test_tight_rules_leave_gaps_only_where_the_absent_person_was():
    """Two people, one out for 4 weeks: one alone cannot stay within 14 on-call days (24 h
    periods) per 4 weeks, so some of the absent person's duties become gaps; without rules none do."""
    tight = inputs.sample(inputs.plan(rota(2, "consignatie"), "x"), 1, 0)
    loose = inputs.sample(inputs.plan(rota(2, "none"), "x"), 1, 0)
    gaps = tight.primary.person == NOBODY
    assert gaps.any() and not (loose.primary.person == NOBODY).any()
    base = inputs.plan(rota(2, "none"), "x").schedule
    assert np.all(base.person[gaps] == 0)  # only the absent person's blocks
    res = replications.run(rota(2, "consignatie"), 3, workers=1).region_summary().set_index("metric")
    assert res.loc["gap_hours", "mean"] == 24 * gaps.sum()  # every gap block is a whole 24 h block
    # Two people alternating 24 h duties never have two free periods in a row, so the base
    # roster already breaches the 2 x 48 h free rule; re-planning adds no breach of its own.
    assert res.loc["replan_breaches", "mean"] == 0
    assert res.loc["rule_breaches", "mean"] > 0


def test_a_backup_turns_the_gaps_into_backup_only_hours():
    """With the coordinator as backup, the same uncovered duties are reachable: no gap hours,
    and as many backup-only hours as the gaps had."""
    sc = rota(2, "consignatie")
    region = sc.regions["x"]
    from dataclasses import replace
    covered = replace(sc, regions={"x": replace(region, backup="coordinator")})
    gaps = replications.run(sc, 1, workers=1).region_summary().set_index("metric")
    backed = replications.run(covered, 1, workers=1).region_summary().set_index("metric")
    assert gaps.loc["gap_hours", "mean"] > 0 and backed.loc["gap_hours", "mean"] == 0
    assert backed.loc["backup_only_hours", "mean"] == gaps.loc["gap_hours", "mean"]


def test_night_load_hazard_adds_long_spells_only_when_switched_on():
    """With absence.load_hazard > 0 (an assumption, off by default) busy night duty makes long
    spells more likely: the absent share rises; with 0 the run is unchanged.

    A sharp design, not an overloaded region: 600 acute reports a year and the largest hazard
    allowed (10 per night call-out in the last 16 weeks per year), so within months nearly
    everyone with night call-outs is out for 92-365 days (the rate itself is checked exactly in
    test_absence); one replication of each tells on from off."""
    def region(hazard):
        return region_data(team=5, acute=600, absence={"enabled": True, "short_spells_per_year": 0.0,
                                                        "long_spells_per_year": 0.0, "leave_per_year": 0.0,
                                                        "load_hazard": hazard})
    off = replications.run(build({"x": region(0.0)}), 1, workers=1).region_summary().set_index("metric")
    on = replications.run(build({"x": region(10.0)}), 1, workers=1).region_summary().set_index("metric")
    assert off.loc["absent_share", "mean"] == 0
    assert on.loc["absent_share", "mean"] > 0.2
