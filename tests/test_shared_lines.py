"""Shared lines (docs/model.md#3-staff-and-duties): regions that share a line run together; the
shared line replaces their own first lines in its hours; the load lands on the people who
carry it; pooled M/M/1 theory; bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csgsim.config import scenario
from csgsim.core.errors import ScenarioError
from csgsim.model.dispatch import PRIMARY
from csgsim.runtime import replications
from csgsim.runtime.jobs import make_job, simulate
from csgsim.staff.absence import overlaps
from csgsim.staff.duties import NOBODY, POOLED
from tests.conftest import FLAT, region_data, scenario_data
from tests.test_queueing import erlang_c_wait

ZERO = {"dist": "fixed", "value": 0.0}
NIGHTS = {"id": "nights", "regions": ["a", "b"], "start_hour": 18, "end_hour": 9}


def two_regions(rate_a=30.0, rate_b=30.0, shared=NIGHTS, team=3, queue=False, **sections):
    """Regions a and b; with `queue`, each reduces to one server with exponential time on site."""
    regions = {}
    for rid, rate in (("a", rate_a), ("b", rate_b)):
        body = region_data(prefix=rid, team=team, acute=rate, non_acute=10.0, **sections)
        if queue:
            body.update(region_data(
                prefix=rid, team=team, acute=rate, non_acute=0.0, duty={"pattern": "rotation_24h"},
                backup={"kind": "none"}, absence={"enabled": False}, rules={"set": "none"},
                escalation={"callin": False, "neighbour": "none"},
                pathway={"attendance": "day0", "callback": ZERO, "phone": ZERO, "travel": ZERO,
                         "on_site": {"dist": "exponential", "mean": 1.0}, "followup_days": [],
                         "nonacute_followup_days": []}))
            body["demand"]["acute"].update({"profile": "flat", "growth_per_year": 0.0, "level_year": 2025,
                                            "seasonality": [1.0] * 12})
            body["demand"]["non_acute"].update({"profile": "flat", "level_year": 2025})
        regions[rid] = body
    data = scenario_data(regions, profiles={"flat": FLAT}, scenario={"warmup_days": 0} if queue else {})
    if shared is not None:
        data["shared_lines"] = [dict(shared)]
    return data


def load(data):
    return scenario.parse(data, "<test>")


@pytest.mark.parametrize(("lam_a", "lam_b"), [(0.2, 0.1), (0.35, 0.25)])
def test_one_line_shared_by_two_regions_reduces_to_mm1_with_the_summed_rate(lam_a, lam_b):
    """Two one-person regions sharing one line round the clock (09:00 to 09:00), held by region
    a's person throughout (a rotation would add a second server at each hand-over while the last
    call is finished): one server for both Poisson streams, so each region's mean contact delay is
    Wq of M/M/1 with rate l1 + l2; the 95% intervals over 30 replications cover it at two loads."""
    shared = {"id": "all-day", "regions": ["a", "b"], "start_hour": 9, "end_hour": 33, "people": ["a-cm1"]}
    sc = load(two_regions(lam_a * 8760, lam_b * 8760, shared, team=1, queue=True))
    result = replications.run(sc, replications=30, seed=21, workers=1)
    rows = result.region_summary().set_index(["region", "metric"])
    expected = 60 * erlang_c_wait(lam_a + lam_b, 1.0, 1)
    for rid in ("a", "b"):
        row = rows.loc[(rid, "acute_contact_mean")]
        assert row["ci_low"] <= expected <= row["ci_high"], (rid, expected, row.to_dict())
        assert row["ci_high"] - row["ci_low"] < 0.3 * expected


def test_in_shared_hours_the_shared_line_holds_the_duty_and_carries_the_calls():
    """Nights 18:00-09:00 are pooled: the regions' own first lines hold only the days, every
    night opening has one holder from either region, and calls at night are answered as duty
    holder by that person, whose call-out lands in their own region's record."""
    sc = load(two_regions(rate_a=400.0, rate_b=400.0, absence={"enabled": False}))
    job = make_job(sc, 3)
    ((members, shared),) = [g for g in job.groups if g[1]]
    plans = [job.plans[i] for i in members]
    sampled, recs = simulate(plans, shared, 3, 0)
    line = sampled[0].shared[0]
    hours = (line.start % 24)[line.person != NOBODY]
    assert set(hours[1:].tolist()) == {18.0} and line.start[0] == 0 and line.end[0] == 9  # the first night began before
    for s in sampled:
        night = (s.primary.start % 24 >= 18) | (s.primary.start % 24 < 9)
        assert np.all(s.primary.person[night] == POOLED) and np.all(s.primary.person[~night] >= 0)
    n = len(plans[0].region.people)
    for k, (s, rec) in enumerate(zip(sampled, recs)):
        other = recs[1 - k]
        # This region's calls taken as duty holder by someone outside it: the other region's person ...
        foreign = (rec.acute_responder == n) & (rec.acute_role == PRIMARY)
        assert foreign.any()
        # ... recorded as that person's call-outs, in their own region's record.
        mine = (other.eng_region == plans[k].region.id) & (other.eng_person < n)
        assert mine.sum() == foreign.sum()
        assert np.all(rec.eng_region[rec.eng_person == n] == plans[k].region.id)  # outside lines stay here


def test_the_holder_from_another_region_travels_further():
    """A call-out taken on the shared line by someone from the other region lasts two travel
    times longer than the same call taken at home."""
    shared = dict(NIGHTS, travel={"a": 0.75, "b": 0.75})
    sc = load(two_regions(rate_a=400.0, rate_b=400.0, shared=shared, absence={"enabled": False}))
    job = make_job(sc, 5)
    ((members, line),) = [g for g in job.groups if g[1]]
    plans = [job.plans[i] for i in members]
    sampled, recs = simulate(plans, line, 5, 0)
    ids = [p.region.id for p in plans]
    checked = 0
    for k, rec in enumerate(recs):
        n = len(plans[k].region.people)
        for rid, person, report, start, end, step in zip(rec.eng_region, rec.eng_person, rec.eng_report,
                                                         rec.eng_start, rec.eng_end, rec.eng_role):
            if step != PRIMARY or person == n:  # call-ins and outside lines have delays of their own
                continue
            src = sampled[ids.index(rid)].acute
            base = src.callback[report] + src.phone[report] + 2 * src.travel[report] + src.on_site[report]
            extra = 2 * 0.75 if rid != ids[k] else 0.0
            assert end - start == pytest.approx(base + extra)
            checked += rid != ids[k]
    assert checked > 0


@st.composite
def pooled_runs(draw):
    shared = dict(NIGHTS, start_hour=draw(st.integers(0, 23)), end_hour=draw(st.integers(1, 30)))
    if not 0 < (shared["end_hour"] - shared["start_hour"]) % 24 or shared["end_hour"] == shared["start_hour"]:
        shared["end_hour"] = shared["start_hour"] + 12
    data = two_regions(rate_a=draw(st.floats(50, 1500)), rate_b=draw(st.floats(50, 1500)), shared=shared,
                       team=draw(st.integers(1, 4)),
                       absence={"enabled": True, "short_spells_per_year": draw(st.sampled_from([1.16, 12.0]))})
    data["scenario"]["days"] = draw(st.integers(7, 30))
    try:
        sc = load(data)
    except ScenarioError:
        sc = load(dict(data, shared_lines=[NIGHTS]))
    job = make_job(sc, draw(st.integers(0, 2**32)))
    ((members, line),) = [g for g in job.groups if g[1]]
    plans = [job.plans[i] for i in members]
    return plans, *simulate(plans, line, job.seed, draw(st.integers(0, 20)))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pooled_runs())
def test_across_regions_nobody_takes_two_calls_at_once_or_works_while_absent(run):
    """A person's call-outs, for either region, never overlap, and none starts while they are absent."""
    plans, sampled, recs = run
    for plan, s, rec in zip(plans, sampled, recs):
        n = len(plan.region.people)
        own = rec.eng_person < n
        for p in range(n):
            mine = np.flatnonzero(rec.eng_person == p)
            order = mine[np.argsort(rec.eng_start[mine])]
            assert np.all(rec.eng_start[order][1:] >= rec.eng_end[order][:-1] - 1e-9)
        away = overlaps(s.spells, n, rec.eng_start[own], rec.eng_start[own] + 1e-9)
        assert not away[rec.eng_person[own], np.arange(own.sum())].any()


@pytest.mark.parametrize(
    ("patch", "key", "allowed"),
    [
        ({"regions": ["a", "atlantis"]}, "shared_lines[0].regions", "'atlantis' is unknown"),
        ({"regions": ["a"]}, "shared_lines[0].regions", "two or more different regions"),
        ({"people": ["a-cm1", "ghost"]}, "shared_lines[0].people", "'ghost' is unknown"),
        ({"people": []}, "shared_lines[0].people", "at least one person"),
        ({"travel": {"a": -1}}, "shared_lines[0].travel.a", r"\[0(\.0)?, 24(\.0)?\]"),
        ({"travel": {"c": 1}}, "shared_lines[0].travel.c", "not a known key"),
    ],
)
def test_bad_shared_lines_name_key_value_and_rule(patch, key, allowed):
    """Unknown regions or people, a line for one region, a line without people, bad travel."""
    with pytest.raises(ScenarioError, match=allowed) as err:
        load(two_regions(shared=NIGHTS | patch))
    assert key in str(err.value)


def test_a_region_in_two_shared_lines_is_refused():
    data = two_regions()
    data["shared_lines"].append(dict(NIGHTS, id="days", start_hour=9, end_hour=18))
    with pytest.raises(ScenarioError, match="already in another shared line"):
        load(data)


def test_sizing_tries_the_region_alone_and_pooled():
    """A region in a shared line is sized with its own lines only and pooled with its partner; the
    pooled run reads the sized region's own figures (here: b's reports, far fewer than a's)."""
    from csgsim.runtime.executors import make_executor
    from csgsim.studies import sizing, structures
    from csgsim.studies import targets

    shared = {"id": "all-day", "regions": ["a", "b"], "start_hour": 9, "end_hour": 33}
    data = two_regions(0.3 * 8760, 0.05 * 8760, shared, team=1, queue=True)
    data["scenario"]["days"] = 60
    sc = load(data)
    shapes = structures.structures(data, sc.regions["b"], sc.shared_lines, sc.regions)
    assert [(label, simulated) for label, _, simulated in shapes] == [
        ("own lines only", ("b",)), ("all-day shared with a", ("a", "b"))]
    with make_executor(1) as serial:
        result = sizing.size(data, "<pool>", ["b"], [1, 2], [targets.parse_target("acute_reports<=200")], 1, serial,
                             batch=4, max_replications=8)
    assert [r.structure for r in result.regions] == ["own lines only", "all-day shared with a"]
    assert [r.answer for r in result.regions] == [1, 1]
    assert result.summary("b") == "1 casemanagers own lines only, or 1 casemanagers all-day shared with a"


# --- a neighbouring region as an escalation step -------------------------------------------


def test_a_neighbouring_region_answers_and_carries_the_load():
    """Region a asks region b's duty holder when its own duty holder and backup are busy: those
    calls are answered at the neighbour step by a person of b, whose call-outs, and the hours
    b's people worked for a, are counted in b; the two regions run together."""
    from csgsim.analysis.metrics import replication_metrics

    data = two_regions(rate_a=1500.0, rate_b=100.0, shared=None, absence={"enabled": False})
    data["regions"]["a"]["escalation"] = {"callin": False, "neighbour": "b", "neighbour_delay": ZERO}
    sc = load(data)
    job = make_job(sc, 7)
    assert job.groups == (((0, 1), ()),)
    plans = [job.plans[0], job.plans[1]]
    sampled, (rec_a, rec_b) = simulate(plans, (), 7, 0)
    n = len(plans[0].region.people)
    helped = (rec_a.acute_role == 3) & (rec_a.acute_responder == n)
    assert helped.any()
    for_a = (rec_b.eng_region == "a") & (rec_b.eng_person < n)
    assert for_a.sum() == helped.sum() and np.all(rec_b.eng_role[for_a] == 3)
    m_b, _ = replication_metrics(rec_b, plans[1].region, sampled[1], plans[1].calendar, sc.norms, plans[1].since)
    assert m_b["hours_for_other_regions_per_4w"] > 0
    m_a, _ = replication_metrics(rec_a, plans[0].region, sampled[0], plans[0].calendar, sc.norms, plans[0].since)
    assert m_a["neighbour_hours_per_4w"] == 0 and m_a["acute_answered_by_neighbour"] > 0


@pytest.mark.parametrize(("neighbour", "allowed"), [("a", "another region of the scenario"),
                                                   ("atlantis", "none, external, or another region")])
def test_a_neighbour_must_be_another_region(neighbour, allowed):
    data = two_regions(shared=None)
    data["regions"]["a"]["escalation"] = {"neighbour": neighbour}
    with pytest.raises(ScenarioError, match=allowed) as err:
        load(data)
    assert "regions.a.escalation.neighbour" in str(err.value)


def test_running_a_region_without_the_region_it_asks_is_refused():
    """`--region a` alone cannot simulate a's neighbour step on b: a clear error, not a silent change."""
    data = two_regions(shared=None)
    data["regions"]["a"]["escalation"] = {"neighbour": "b"}
    sc = load(data)
    with pytest.raises(ScenarioError, match="include 'b' too"):
        sc.only(["a"])


def test_running_one_region_of_a_shared_line_says_the_line_is_left_out():
    """`run --region` with one region of a shared line runs it on its own lines, and says so."""
    from typer.testing import CliRunner

    from csgsim.ui.cli import app
    from tests.conftest import ROOT

    model = ROOT / "models" / "ijsselland-flevoland-shared-night.toml"
    res = CliRunner().invoke(app, ["run", "-s", str(model), "--region", "ijsselland", "-n", "1", "-f", "json"])
    assert res.exit_code == 0
    assert "shared line 'night' (ijsselland + flevoland) is left out" in res.stderr
