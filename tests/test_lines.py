"""Extra on-call lines (docs/model.md#3-staff-and-duties): openings, who holds them, load
counted over all lines, M/M/2 theory with two always-open lines, and bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csgsim.config.escalation import Escalation
from csgsim.config.lines import Line
from csgsim.core.errors import ScenarioError
from csgsim.model import inputs
from csgsim.model.pathways import PRIMARY, RegionModel
from csgsim.runtime import replications
from csgsim.staff.absence import overlaps
from csgsim.staff.duties import NOBODY
from csgsim.staff.lines import held_blocks
from tests.conftest import build, queue_scenario, region_data
from tests.test_queueing import erlang_c_wait

WEEKEND_NIGHTS = {"id": "weekend-nights", "days": ["friday", "saturday"], "start_hour": 18, "end_hour": 6}


def line_region(team=4, lines=(WEEKEND_NIGHTS,), **sections):
    body = region_data(prefix="x", team=team, **sections)
    body["lines"] = [dict(line) for line in lines]
    return body


def test_weekend_night_line_opens_friday_and_saturday_18_to_06_in_rotation():
    """Two weeks from a Monday: four openings of 12 h at Fri/Sat 18:00, held in turn by the
    casemanagers, never by someone holding the first line's duty at the same time."""
    sc = build({"x": line_region(absence={"enabled": False})}, days=14, start=date(2025, 1, 6),
               scenario={"warmup_days": 0})
    sampled = inputs.sample(inputs.plan(sc, "x"), 3, 0)
    (line,) = sampled.lines
    held = line.person != NOBODY
    assert line.start[held].tolist() == [4 * 24 + 18, 5 * 24 + 18, 11 * 24 + 18, 12 * 24 + 18]
    assert np.all(line.end[held] - line.start[held] == 12)
    assert len(set(line.person[held].tolist())) >= 3  # a rotation, not one person
    for s, e, p in zip(line.start[held], line.end[held], line.person[held]):
        first = sampled.primary
        overlap = (first.start < e) & (first.end > s)
        assert p not in first.person[overlap]


@st.composite
def line_runs(draw):
    line = {"id": "second", "days": draw(st.lists(st.sampled_from(["monday", "friday", "saturday", "sunday"]),
                                                   min_size=1, unique=True)),
            "start_hour": draw(st.integers(0, 23)), "end_hour": draw(st.integers(0, 24))}
    if line["end_hour"] == line["start_hour"]:
        line["end_hour"] += 24
    region = line_region(team=draw(st.integers(1, 6)), lines=[line], acute=draw(st.floats(100, 2000)),
                         duty={"pattern": draw(st.sampled_from(["rotation_24h", "week", "office_plus_oncall"]))},
                         absence={"enabled": True, "short_spells_per_year": draw(st.sampled_from([1.16, 12.0]))})
    sc = build({"x": region}, days=draw(st.integers(7, 40)))
    plan = inputs.plan(sc, "x")
    sampled = inputs.sample(plan, draw(st.integers(0, 2**32)), draw(st.integers(0, 20)))
    return plan, sampled, RegionModel(plan.region, plan.calendar, sampled).run()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line_runs())
def test_nobody_holds_two_duties_at_once_or_a_line_while_absent(run):
    """Across all lines a person's duties never overlap, no line is held by someone absent in
    it, and a call taken as duty holder is taken by a holder of some line at that moment."""
    plan, sampled, rec = run
    n_people = len(plan.region.people)
    duties = held_blocks([sampled.primary, *sampled.lines], n_people)
    for p in range(n_people):
        mine = duties.person == p
        assert np.all(duties.start[mine][1:] >= duties.end[mine][:-1])
    (line,) = sampled.lines
    held = line.person != NOBODY
    away = overlaps(sampled.spells, n_people, line.start[held], line.end[held])
    assert not away[line.person[held], np.arange(held.sum())].any()
    for who, t, step in zip(rec.eng_person, rec.eng_start, rec.eng_role):
        if step == PRIMARY:
            assert who in {sampled.primary.holder_at(t), line.holder_at(t)}


def test_load_and_rules_count_the_duties_of_every_line():
    """The extra line's on-call hours are added to the people who hold it: the team's on-call
    hours grow by exactly the line's held hours."""
    from csgsim.analysis.metrics import replication_metrics

    base = build({"x": line_region(lines=(), absence={"enabled": False})}, days=28, start=date(2025, 1, 6),
                 scenario={"warmup_days": 0})
    two = build({"x": line_region(absence={"enabled": False})}, days=28, start=date(2025, 1, 6),
                scenario={"warmup_days": 0})
    hours = []
    for sc in (base, two):
        plan = inputs.plan(sc, "x")
        sampled = inputs.sample(plan, 1, 0)
        rec = RegionModel(plan.region, plan.calendar, sampled).run()
        _, persons = replication_metrics(rec, plan.region, sampled, plan.calendar, sc.norms)
        hours.append(persons["oncall_hours_per_4w"].sum())
    assert hours[1] - hours[0] == pytest.approx(8 * 12)  # 8 openings of 12 h in 4 weeks


@pytest.mark.parametrize("lam", [0.8, 1.4])
def test_two_always_open_lines_reduce_to_mm2(lam):
    """Two casemanagers, the first line rotating daily at 09:00 and a second line open 09:00 to
    09:00 every day, held by the other one: two servers always staffed (but for the first 9 hours),
    so the mean contact delay is Wq of M/M/2 (Erlang C); the 95% interval over 30 replications
    covers it at two loads."""
    sc = queue_scenario(lam, 1.0, "none", days=365)
    region = sc.regions["q"]
    people = tuple(p.id for p in region.people if p.role == "casemanager")
    region_two = replace(sc.regions["q"], lines=(Line("second", ("monday", "tuesday", "wednesday", "thursday",
                                                                  "friday", "saturday", "sunday"), 9, 33, people),),
                         escalation=Escalation())
    team_of_two = replace(region_two, people=(replace(region.people[0], id="q-a"),
                                              replace(region.people[0], id="q-b"), region.people[-1]),
                          lines=(replace(region_two.lines[0], people=("q-a", "q-b")),))
    sc = replace(sc, regions={"q": team_of_two})
    result = replications.run(sc, replications=30, seed=13, workers=1)
    row = result.region_summary().set_index("metric").loc["acute_contact_mean"]
    expected = 60 * erlang_c_wait(lam, 1.0, 2)
    assert row["ci_low"] <= expected <= row["ci_high"], (expected, row.to_dict())
    assert row["ci_high"] - row["ci_low"] < 0.25 * expected


@pytest.mark.parametrize(
    ("patch", "key", "allowed"),
    [
        ({"people": ["x-cm1", "ghost"]}, "regions.x.lines[0].people", "'ghost' is unknown"),
        ({"people": []}, "regions.x.lines[0].people", "at least one person"),
        ({"start_hour": 9, "end_hour": 40}, "regions.x.lines[0].end_hour", "1 to 24 hours"),
        ({"days": ["fryday"]}, "regions.x.lines[0].days", "'fryday' is unknown"),
        ({"start_hour": 25}, "regions.x.lines[0].start_hour", r"\[0, 23\]"),
        ({"hours": 3}, "regions.x.lines[0].hours", "not a known key"),
    ],
)
def test_bad_lines_name_key_value_and_rule(patch, key, allowed):
    """An unknown person, a line without people, an opening over 24 h, an unknown day: one clear error."""
    with pytest.raises(ScenarioError, match=allowed) as err:
        build({"x": line_region(lines=[WEEKEND_NIGHTS | patch])})
    assert key in str(err.value)


def test_two_lines_with_one_id_are_rejected():
    with pytest.raises(ScenarioError, match="unique"):
        build({"x": line_region(lines=[WEEKEND_NIGHTS, WEEKEND_NIGHTS])})
