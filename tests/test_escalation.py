"""The escalation chain (docs/model.md#7-the-acute-pathway): duty holder, backups, deputy, call-in, neighbouring
line, then waiting; hand-computed cases, properties over generated regions, and bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from csgsim.config import scenario
from csgsim.core.errors import ScenarioError
from csgsim.model import inputs
from csgsim.model.dispatch import BACKUP, CALLIN, NEIGHBOUR, PRIMARY, ChainInputs
from csgsim.model.pathways import AcuteInputs, RegionModel
from csgsim.staff.absence import Spells, overlaps
from csgsim.staff.duties import NOBODY, ONCALL, Schedule
from csgsim.ui.cli import app
from tests.conftest import EXAMPLE, build, region_data, scenario_data

ZERO = {"dist": "fixed", "value": 0.0}
ON_SITE = 3.0


def tiny_region(team: int = 2, **sections):
    """A region with fixed durations: a call-out is exactly ON_SITE hours, contact is immediate."""
    base = {"duty": {"pattern": "rotation_24h"}, "backup": {"kind": "coordinator"},
            "pathway": {"attendance": "day0", "callback": ZERO, "phone": ZERO, "travel": ZERO,
                        "on_site": {"dist": "fixed", "value": ON_SITE}, "followup_days": [],
                        "nonacute_followup_days": []},
            "absence": {"enabled": False}, "rules": {"set": "none"}}
    return region_data(team=team, acute=0.0, non_acute=0.0, prefix="x", **(base | sections))


def hand_run(arrivals, reach=True, callin=True, neighbour=True, callin_delay=0.5, neighbour_delay=0.25):
    """Person 0 holds the duty throughout, the coordinator (2) is the backup, person 1 is off duty."""
    sc = build({"x": tiny_region()}, days=2)
    plan = inputs.plan(sc, "x")
    sampled = inputs.sample(plan, 0, 0)
    n, horizon = len(arrivals), plan.calendar.horizon
    one = (np.array([0.0]), np.array([horizon]), np.array([ONCALL], dtype=np.int8))
    zeros = np.zeros(n)
    sampled = replace(
        sampled,
        acute=AcuteInputs(np.array(arrivals, float), zeros, zeros, zeros, np.full(n, ON_SITE), zeros, np.zeros((n, 0))),
        primary=Schedule(start=one[0], end=one[1], person=np.array([0]), kind=one[2]),
        backup=Schedule(start=one[0], end=one[1], person=np.array([2]), kind=one[2]),
        spells=Spells.empty(),
        chain=ChainInputs(np.full((n, 3), reach), np.full(n, callin_delay), np.full(n, neighbour_delay),
                          callin, neighbour),
    )
    return RegionModel(plan.region, plan.calendar, sampled).run()


def test_duty_and_backup_busy_so_a_call_in_answers():
    """Calls at 0, 0.1, 0.2 h: the duty holder, then the backup, then person 1 called in, who
    answers after the 0.5 h call-in delay (contact at 0.7 h) and owns the case."""
    rec = hand_run([0.0, 0.1, 0.2])
    assert rec.acute_role.tolist() == [PRIMARY, BACKUP, CALLIN]
    assert rec.acute_responder.tolist() == [0, 2, 1]
    assert rec.acute_answered[2] == pytest.approx(0.7) and rec.acute_contact[2] == pytest.approx(0.7)
    assert rec.eng_role.tolist() == [PRIMARY, BACKUP, CALLIN]
    assert rec.eng_end[2] == pytest.approx(0.7 + ON_SITE)
    assert not rec.acute_waited.any()


def test_no_call_in_possible_so_the_neighbour_answers():
    """Nobody off duty is reached: the third call goes to the neighbouring line after 0.25 h; a
    fourth call, with the neighbour busy too, waits for the duty holder (free at 3 h)."""
    rec = hand_run([0.0, 0.1, 0.2, 0.3], reach=False)
    assert rec.acute_role.tolist() == [PRIMARY, BACKUP, NEIGHBOUR, PRIMARY]
    assert rec.acute_responder[2] == 3  # the outside line, index n_people
    assert rec.acute_answered[2] == pytest.approx(0.45)
    assert rec.acute_waited.tolist() == [False, False, False, True]
    assert rec.acute_answered[3] == pytest.approx(ON_SITE)


def test_everyone_busy_so_calls_wait_first_come_first_served():
    """No call-in, no neighbour: calls 3 and 4 wait; the duty holder (free at 3.0 h) takes the
    older one, the backup (free at 3.1 h) the younger one."""
    rec = hand_run([0.0, 0.1, 0.2, 0.3], callin=False, neighbour=False)
    assert rec.acute_waited.tolist() == [False, False, True, True]
    assert rec.acute_answered[2:].tolist() == pytest.approx([3.0, 3.1])
    assert rec.acute_responder[2:].tolist() == [0, 2]
    assert rec.acute_role[2:].tolist() == [PRIMARY, BACKUP]


def test_a_call_in_goes_to_whoever_has_been_called_in_least():
    """The duty holder and backup are busy twice, at 0 h and at 3.5 h, each time with both
    off-duty people free: the first call-in goes to person 1 (lowest index), the second to
    person 2, who has not been called in yet."""
    sc = build({"x": tiny_region(team=3)}, days=2)
    plan = inputs.plan(sc, "x")
    sampled = inputs.sample(plan, 0, 0)
    horizon, n = plan.calendar.horizon, 6
    zeros = np.zeros(n)
    block = (np.array([0.0]), np.array([horizon]))
    sampled = replace(
        sampled, spells=Spells.empty(),
        acute=AcuteInputs(np.array([0.0, 0.1, 0.2, 3.5, 3.6, 3.7]), zeros, zeros, zeros, np.full(n, ON_SITE), zeros,
                          np.zeros((n, 0))),
        primary=Schedule(start=block[0], end=block[1], person=np.array([0]), kind=np.array([ONCALL], dtype=np.int8)),
        backup=Schedule(start=block[0], end=block[1], person=np.array([3]), kind=np.array([ONCALL], dtype=np.int8)),
        chain=ChainInputs(np.ones((n, 4), bool), zeros, zeros, True, False),
    )
    rec = RegionModel(plan.region, plan.calendar, sampled).run()
    assert rec.acute_responder.tolist() == [0, 3, 1, 0, 3, 2]
    assert rec.acute_role.tolist() == [PRIMARY, BACKUP, CALLIN] * 2


def test_deputy_takes_the_backup_role_while_the_coordinator_is_away():
    """The coordinator is out for the whole period: with a deputy the backup schedule names the
    deputy (except in blocks the deputy holds the duty), without one it is empty."""
    absent = [{"person": "x-coord", "start": date(2025, 1, 1), "weeks": 8}]
    for deputy, expect in (("x-cm2", 1), (None, NOBODY)):
        backup = {"kind": "coordinator"} | ({"deputy": deputy} if deputy else {})
        region = tiny_region(team=3, backup=backup)
        region["absences"] = absent
        sc = build({"x": region}, days=14, scenario={"warmup_days": 0})
        plan = inputs.plan(sc, "x")
        sampled = inputs.sample(plan, 0, 0)
        holder, stand_in = sampled.primary.person, sampled.backup.person
        assert np.all(stand_in[holder != 1] == expect)
        assert np.all(stand_in[holder == 1] == NOBODY)


def test_further_backups_are_asked_in_order():
    """`also` adds backup steps after the coordinator: a third simultaneous call goes to the
    first one named, who is not the duty holder."""
    region = tiny_region(team=3, backup={"kind": "coordinator", "also": ["x-cm3", "x-cm2"]})
    sc = build({"x": region}, days=2)
    sampled = inputs.sample(inputs.plan(sc, "x"), 0, 0)
    assert len(sampled.backups) == 3
    holder = sampled.primary.person
    first, second = sampled.backups[1].person, sampled.backups[2].person
    assert np.all(first[holder != 2] == 2) and np.all(first[holder == 2] == NOBODY)
    assert np.all(second[holder != 1] == 1)


# --- properties over generated regions ------------------------------------------------------


@st.composite
def chain_runs(draw):
    team = draw(st.integers(1, 5))
    esc = {"callin": draw(st.booleans()), "callin_reach": draw(st.sampled_from([0.0, 0.5, 1.0])),
           "callin_delay": {"dist": "uniform", "low": 0.0, "high": 0.5},
           "neighbour": draw(st.sampled_from(["none", "external"])), "neighbour_delay": {"dist": "fixed", "value": 0.2}}
    backup = {"kind": draw(st.sampled_from(["none", "coordinator", "next_in_line"]))}
    if backup["kind"] != "none" and draw(st.booleans()):
        backup["deputy"] = "x-cm1"
    region = region_data(
        prefix="x", team=team, acute=draw(st.floats(200, 3000)), non_acute=50.0,
        duty={"pattern": draw(st.sampled_from(["rotation_24h", "week", "office_plus_oncall"]))},
        backup=backup, escalation=esc,
        absence={"enabled": True, "short_spells_per_year": draw(st.sampled_from([1.16, 12.0]))},
        replan={"policy": draw(st.sampled_from(["spread", "gap"]))})
    sc = build({"x": region}, days=draw(st.integers(7, 40)))
    plan = inputs.plan(sc, "x")
    sampled = inputs.sample(plan, draw(st.integers(0, 2**32)), draw(st.integers(0, 20)))
    return plan, sampled, RegionModel(plan.region, plan.calendar, sampled).run()


SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reservations(sampled, rec):
    """Per call-out: who, from when they were asked (a call-in before its delay), to its end."""
    delay = np.where(rec.eng_role == CALLIN, sampled.chain.callin_delay[rec.eng_report], 0.0)
    delay = np.where(rec.eng_role == NEIGHBOUR, sampled.chain.neighbour_delay[rec.eng_report], delay)
    return rec.eng_person, rec.eng_start - delay, rec.eng_end


@SETTINGS
@given(chain_runs())
def test_nobody_answers_while_absent_or_on_another_call(run):
    """From being asked to the end of the call-out, a person is present and on no other call."""
    plan, sampled, rec = run
    n_people = len(plan.region.people)
    person, asked, end = reservations(sampled, rec)
    own = person < n_people
    # (asked is eng_start - delay: allow for rounding when someone is called in as a spell ends)
    away = overlaps(sampled.spells, n_people, asked[own] + 1e-9, rec.eng_start[own] + 2e-9)
    assert not away[person[own], np.arange(own.sum())].any()
    for p in np.unique(person):
        mine = np.flatnonzero(person == p)
        order = mine[np.argsort(asked[mine], kind="stable")]
        assert np.all(asked[order][1:] >= end[order][:-1] - 1e-9), f"person {p} on two calls"


@SETTINGS
@given(chain_runs())
def test_every_call_records_its_step(run):
    """Every call taken has a step and an answer time no earlier than its arrival; calls not
    taken have none; a call answered by a call-in or the neighbour went past every roster role."""
    plan, sampled, rec = run
    taken = rec.acute_responder != NOBODY
    assert np.all(np.isin(rec.acute_role[taken], [PRIMARY, BACKUP, CALLIN, NEIGHBOUR]))
    assert np.all(rec.acute_role[~taken] == -1)
    answered = ~np.isnan(rec.acute_answered)
    assert np.all(taken[answered])
    assert np.all(rec.acute_answered[answered] >= rec.acute_arrival[answered] - 1e-9)
    assert set(rec.eng_report.tolist()) == set(np.flatnonzero(taken).tolist())
    if not plan.region.escalation.callin:
        assert not np.any(rec.acute_role == CALLIN)
    if plan.region.escalation.neighbour == "none":
        assert not np.any(rec.acute_role == NEIGHBOUR)


@SETTINGS
@given(chain_runs())
def test_a_free_colleague_at_home_bounds_the_wait(run):
    """With call-ins on and reach 1: a call arriving while some team member is present (until
    the longest call-in delay), not on a call, is answered within that delay."""
    plan, sampled, rec = run
    esc = plan.region.escalation
    if not esc.callin or esc.callin_reach < 1:
        return
    n_people = len(plan.region.people)
    longest = esc.callin_delay["high"]
    person, asked, end = reservations(sampled, rec)
    t = rec.acute_arrival
    present = ~overlaps(sampled.spells, n_people, t, t + longest + 1e-9)
    for i in np.flatnonzero(t < plan.calendar.horizon - longest - 1):
        busy = set(person[(asked <= t[i]) & (end > t[i])].tolist())
        if any(present[p, i] and p not in busy for p in range(n_people)):
            assert rec.acute_answered[i] - t[i] <= longest + 1e-9, i


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "patch", "key", "allowed"),
    [
        ("backup", {"deputy": "nobody"}, "regions.x.backup.deputy", "x-cm1"),
        ("backup", {"deputy": "x-coord"}, "regions.x.backup.deputy", "cannot deputise"),
        ("backup", {"also": ["x-cm1", "ghost"]}, "regions.x.backup.also", "'ghost' is unknown"),
        ("escalation", {"callin": True, "callin_reach": 1.5, "callin_delay": ZERO},
         "regions.x.escalation.callin_reach", r"\[0(\.0)?, 1(\.0)?\]"),
        ("escalation", {"neighbour": "utrecht"}, "regions.x.escalation.neighbour", "none, external"),
        ("escalation", {"callin_delay": {"dist": "uniform", "low": 2, "high": 1}},
         "regions.x.escalation.callin_delay", "low must not exceed high"),
        ("escalation", {"call_in": True}, "regions.x.escalation.call_in", "not a known key"),
    ],
)
def test_bad_escalation_names_key_value_and_rule(section, patch, key, allowed):
    """Unknown people, missing or out-of-range parameters: one error naming key and what is allowed."""
    with pytest.raises(ScenarioError, match=allowed) as err:
        build({"x": region_data(prefix="x", **{section: patch})})
    assert key in str(err.value)


@pytest.mark.parametrize(("escalation", "key"), [({"callin": True}, "callin_reach"),
                                                ({"neighbour": "external"}, "neighbour_delay")])
def test_a_step_that_is_on_needs_its_parameters(escalation, key):
    """Switching call-in or the neighbouring line on without its parameters names the missing key."""
    data = scenario_data({"x": region_data(prefix="x", escalation=escalation)})
    del data["defaults"]["escalation"]
    with pytest.raises(ScenarioError, match=f"regions.x.escalation.{key} is missing"):
        scenario.parse(data, "<test>")


def test_bad_escalation_exits_2_on_the_command_line(tmp_path):
    """A deputy naming nobody in the region: exit 2, one line, no traceback."""
    path = tmp_path / "bad.toml"
    text = EXAMPLE.read_text()
    assert 'backup.deputy = { value = "zl-cm1"' in text
    path.write_text(text.replace('backup.deputy = { value = "zl-cm1"', 'backup.deputy = { value = "ghost"'))
    res = CliRunner().invoke(app, ["run", "-s", str(path), "-n", "1"])
    assert res.exit_code == 2
    assert "backup.deputy" in res.stderr and "ghost" in res.stderr
    assert "Traceback" not in res.output
    assert scenario.load(EXAMPLE)  # the example itself is fine


# --- theory ------------------------------------------------------------------------------


@pytest.mark.parametrize("lam", [0.8, 1.4])
def test_call_in_without_delay_reduces_to_mm2(lam):
    """One duty holder always on duty and one colleague always at home, reached at once: the
    call-in is a second server, so the mean contact delay is Wq of M/M/2 (Erlang C); the 95%
    interval over 30 replications covers it at two loads."""
    from csgsim.config.escalation import Escalation
    from csgsim.runtime import replications
    from tests.conftest import queue_scenario
    from tests.test_queueing import erlang_c_wait

    sc = queue_scenario(lam, 1.0, "none", days=365)
    region = sc.regions["q"]
    sc = replace(sc, regions={"q": replace(region, escalation=Escalation(callin=True, callin_reach=1.0))})
    result = replications.run(sc, replications=30, seed=11, workers=1)
    rows = result.region_summary().set_index("metric")
    expected = 60 * erlang_c_wait(lam, 1.0, 2)
    row = rows.loc["acute_contact_mean"]
    assert row["ci_low"] <= expected <= row["ci_high"], (expected, row.to_dict())
    assert row["ci_high"] - row["ci_low"] < 0.25 * expected
    # The second server is the call-in: it takes a large share of the calls at these loads.
    assert rows.loc["acute_answered_by_callin", "mean"] > 0.2


# --- call-outs per duty --------------------------------------------------------------------


def test_callouts_per_duty_count_only_on_call_duties():
    """Office-plus-on-call region, hand-made calls: one in an office block, one in an on-call
    block taken by the duty holder, one taken by the backup. Call-outs per duty counts only the
    second (1 over the on-call duties); the office call-out is counted per week on its own."""
    from csgsim.analysis.metrics import replication_metrics

    region = tiny_region(duty={"pattern": "office_plus_oncall"})
    sc = build({"x": region}, days=7, start=date(2025, 1, 6), scenario={"warmup_days": 0})  # a Monday
    plan = inputs.plan(sc, "x")
    sampled = replace(inputs.sample(plan, 0, 0), spells=Spells.empty())
    office, night = 10.0, 20.0  # Monday 10:00 (office block), Monday 20:00 (on-call block)
    n = 3
    zeros = np.zeros(n)
    sampled = replace(
        sampled,
        acute=AcuteInputs(np.array([office, night, night + 0.1]), zeros, zeros, zeros, np.full(n, ON_SITE), zeros,
                          np.zeros((n, 0))),
        chain=ChainInputs(np.ones((n, 3), bool), zeros, zeros, False, False),
    )
    rec = RegionModel(plan.region, plan.calendar, sampled).run()
    assert rec.acute_role.tolist() == [PRIMARY, PRIMARY, BACKUP]
    region_m, persons = replication_metrics(rec, plan.region, sampled, plan.calendar, sc.norms)
    s = sampled.primary
    duties = ((s.kind == ONCALL) & (s.person >= 0)).sum()
    assert region_m["callouts_per_duty"] == pytest.approx(1 / duties)
    assert region_m["office_callouts_per_week"] == pytest.approx(1.0)
    holder = s.holder_at(night)
    mine = ((s.kind == ONCALL) & (s.person == holder)).sum()
    assert persons["callouts_per_duty"][holder] == pytest.approx(1 / mine)
