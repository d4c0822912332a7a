"""Properties of the SimPy region model, over generated scenarios (hypothesis)."""

from dataclasses import replace
from datetime import date

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csgsim.model import inputs
from csgsim.staff.duties import NOBODY, PATTERNS
from csgsim.model.pathways import BACKUP, CALLIN, INTAKE, NEIGHBOUR, PRIMARY, RegionModel
from csgsim.runtime.jobs import _record_tables
from csgsim.staff.absence import overlaps
from csgsim.staff.replanning import POLICIES
from csgsim.config.staffing import RULESETS
from csgsim.config.schema import ATTENDANCE, BACKUP_KINDS
from tests.conftest import build, region_data


@st.composite
def region_runs(draw):
    """A random one-region scenario, one replication of it, and its records."""
    backup = draw(st.sampled_from(BACKUP_KINDS))
    policies = [p for p in POLICIES if p != "backup" or backup in ("coordinator", "external")]
    policy = draw(st.sampled_from(policies))
    region = region_data(
        team=draw(st.integers(1, 7)),
        acute=draw(st.floats(5, 3000)),
        non_acute=draw(st.floats(0, 1500)),
        hours_per_week=draw(st.sampled_from([2.0, 4.0, 8.0, 16.0])),  # 0 h is refused (issue 11)
        duty={"pattern": draw(st.sampled_from(PATTERNS)), "handover_hour": draw(st.integers(0, 23))},
        backup={"kind": backup},
        pathway={"attendance": draw(st.sampled_from(ATTENDANCE))},
        absence={"enabled": draw(st.booleans()), "short_spells_per_year": draw(st.sampled_from([1.16, 6.0]))},
        rules={"set": draw(st.sampled_from(tuple(RULESETS)))},
        replan={"policy": policy},
    )
    sc = build({"x": region}, days=draw(st.integers(7, 70)), start=draw(st.dates(date(2024, 1, 1), date(2026, 12, 1))))
    plan = inputs.plan(sc, "x")
    seed, rep = draw(st.integers(0, 2**32)), draw(st.integers(0, 50))
    sampled = inputs.sample(plan, seed, rep)
    rec = RegionModel(plan.region, plan.calendar, sampled).run()
    return sc, plan, sampled, rec, (seed, rep)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(region_runs())
def test_every_report_is_served_or_open_with_a_reason(run):
    """Each report ends served (contacted / intake done) or open at the horizon with a reason."""
    sc, plan, sampled, rec, _ = run
    tables = _record_tables("x", 0, rec, [p.id for p in plan.region.people])
    reports = tables["reports"]
    assert len(reports) == sampled.acute.arrival.size + sampled.non_acute.arrival.size
    assert reports["status"].isin(["served", "open: awaiting contact", "open: call-back under way",
                                   "open: awaiting intake"]).all()
    # An acute report is open only if no one took its call, or the call-back runs past the horizon.
    open_acute = np.isnan(rec.acute_contact)
    taken = np.isin(np.arange(open_acute.size), rec.eng_report)
    late = rec.eng_start + sampled.acute.callback[rec.eng_report] >= plan.calendar.horizon
    assert set(np.flatnonzero(open_acute & taken)) == set(rec.eng_report[late])
    # A non-acute report is open exactly when its intake task is not done.
    intake = rec.task_kind == INTAKE
    done_cases = rec.task_case[intake & ~np.isnan(rec.task_start)] - rec.acute_arrival.size
    assert set(done_cases) == set(np.flatnonzero(~np.isnan(rec.nonacute_intake)))
    # Contacts happen after arrival, in the horizon.
    served = ~np.isnan(rec.acute_contact)
    assert np.all(rec.acute_contact[served] >= rec.acute_arrival[served])
    assert np.all(rec.nonacute_intake[~np.isnan(rec.nonacute_intake)] >= rec.nonacute_arrival[~np.isnan(rec.nonacute_intake)])


@SETTINGS
@given(region_runs())
def test_every_nonacute_report_is_opened_with_its_intake_due_the_next_day(run):
    """Every non-acute report has a casemanager as owner and one intake contact, due the day
    after it arrived. Reports are opened when the case counts are next read, not each on an
    event of its own: this holds for the last ones, opened at the horizon, too."""
    _, plan, _, rec, _ = run
    assert ((rec.nonacute_owner >= 0) & (rec.nonacute_owner < plan.region.casemanagers)).all()
    intake = rec.task_kind == INTAKE
    cases = rec.task_case[intake] - rec.acute_arrival.size
    assert sorted(cases.tolist()) == list(range(rec.nonacute_arrival.size))
    assert (rec.task_due_day[intake] == rec.nonacute_arrival[cases] // 24 + 1).all()


@SETTINGS
@given(region_runs())
def test_nobody_is_in_two_places_at_once(run):
    """Per person, call-outs and pieces of office work never overlap in time."""
    _, plan, _, rec, _ = run
    person = np.concatenate((rec.eng_person, rec.work_person))
    start = np.concatenate((rec.eng_start, rec.work_start))
    end = np.concatenate((rec.eng_end, rec.work_end))
    for p in np.unique(person):
        if p == len(plan.region.people):  # the external backup is a service, not a person
            continue
        mine = person == p
        order = np.argsort(start[mine], kind="stable")
        s, e = start[mine][order], end[mine][order]
        assert np.all(s[1:] >= e[:-1] - 1e-9), f"person {p} overlaps"


@SETTINGS
@given(region_runs())
def test_acute_calls_go_only_to_the_duty_holder_or_backup(run):
    """Whoever takes a call as duty holder or backup holds that role at the moment of the call;
    a call-in holds no role then; the outside line answers only as a neighbour or external backup."""
    _, plan, sampled, rec, _ = run
    n_people = len(plan.region.people)
    for who, t, step in zip(rec.eng_person.tolist(), rec.eng_start.tolist(), rec.eng_role.tolist()):
        holders = {sampled.primary.holder_at(t)} | {b.holder_at(t) for b in sampled.backups}
        if step in (PRIMARY, BACKUP):
            assert who in holders - {NOBODY}
        elif step == CALLIN:
            assert who < n_people
        else:
            assert step == NEIGHBOUR and who == n_people
    # Office contacts only happen in office hours on working days.
    done = ~np.isnan(rec.task_start)
    day = (rec.task_start[done] // 24).astype(int)
    assert plan.calendar.working[day].all()
    duty = plan.region.duty
    hour = rec.task_start[done] - 24 * day
    assert np.all(hour >= duty.office_start_hour)
    assert np.all(hour + rec.task_duration[done] <= duty.office_end_hour + 1e-9)


@SETTINGS
@given(region_runs())
def test_duty_covers_every_hour_unless_a_gap_is_recorded(run):
    """The duty schedule tiles the horizon; reports in a gap are exactly those with no holder
    and no reachable backup."""
    _, plan, sampled, rec, _ = run
    s = sampled.primary
    assert s.start[0] == 0 and s.end[-1] == plan.calendar.horizon
    assert np.array_equal(s.start[1:], s.end[:-1])
    holders = np.array([s.holder_at(t) for t in rec.acute_arrival])
    reachable = [np.array([b.holder_at(t) for t in rec.acute_arrival]) != NOBODY for b in sampled.backups]
    no_backup = ~np.any(reachable, axis=0) if reachable else np.ones(holders.size, dtype=bool)
    assert np.array_equal(rec.acute_in_gap, (holders == NOBODY) & no_backup)


@settings(max_examples=15, deadline=None)
@given(region_runs())
def test_same_seed_same_result(run):
    """Sampling and running again with the same seed and index reproduces every record."""
    _, plan, _, rec, (seed, rep) = run
    again = RegionModel(plan.region, plan.calendar, inputs.sample(plan, seed, rep)).run()
    for field in rec.__dataclass_fields__:
        a, b = getattr(rec, field), getattr(again, field)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), field


@SETTINGS
@given(region_runs())
def test_nobody_on_duty_or_working_while_absent(run):
    """No call is taken, and no office contact done, by a person absent at that time."""
    _, plan, sampled, rec, _ = run
    n_people = len(plan.region.people)
    own = rec.eng_person < n_people
    away = overlaps(sampled.spells, n_people, rec.eng_start[own], rec.eng_start[own] + 1e-9)
    assert not away[rec.eng_person[own], np.arange(own.sum())].any()
    done = ~np.isnan(rec.task_start)
    day = (rec.task_start[done] // 24).astype(int)
    assert not sampled.absent[rec.task_owner[done], day].any()


def test_a_finished_run_is_freed_by_reference_counting_alone(monkeypatch):
    """A run leaves no reference cycle through its model (pending events, processes, the crew
    and its dispatchers are taken apart at the end), so dropping the records' holder frees it
    with the cyclic collector off: the collector's passes over every task were 4% of a national
    replication. Alone, and in a group that shares a line (whose crew is watched)."""
    import gc
    import weakref

    from csgsim.model import pathways
    from tests.test_shared_lines import load, two_regions

    crews = []

    class WatchedCrew(pathways.Crew):
        def __init__(self, *args):
            super().__init__(*args)
            crews.append(weakref.ref(self))

    monkeypatch.setattr(pathways, "Crew", WatchedCrew)
    sc = build({"x": region_data(acute=400.0, non_acute=300.0)}, days=60)
    plan = inputs.plan(sc, "x")
    pair = load(two_regions())
    plans = [inputs.plan(pair, r) for r in ("a", "b")]
    sampled = inputs.grouped(plans, pair.shared_lines, inputs.sample_regions(plans, 1, 0))
    was_on = gc.isenabled()
    gc.disable()
    try:
        model = RegionModel(plan.region, plan.calendar, inputs.sample(plan, 1, 0))
        records = model.run()
        refs = [weakref.ref(model), weakref.ref(model.calls), weakref.ref(model.office)]
        del model
        assert [r() for r in refs] == [None, None, None]
        assert records.task_end.size > 0  # the records outlive the model
        group = pathways.run_group([p.region for p in plans], plans[0].calendar, sampled)
        assert len(group) == 2 and len(crews) == 2
        assert [r() for r in crews] == [None, None]
    finally:
        if was_on:
            gc.enable()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.floats(0.0, 24.0 * 28, allow_subnormal=False), min_size=1, max_size=30).map(sorted),
       st.integers(0, 2**32))
def test_each_acute_call_is_made_at_the_clock(times, seed):
    """The arrivals process keeps the clock itself (the time of its last timeout plus the next
    wait, added as SimPy adds them) rather than asking SimPy: each report's call is made, in
    order, at exactly `env.now`, whatever rounding the waits between the arrival times bring."""
    sc = build({"x": region_data(team=2, acute=50.0, non_acute=0.0)}, days=28)
    plan = inputs.plan(sc, "x")
    sampled = inputs.sample(plan, seed, 0)
    n, a = len(times), sampled.acute
    fields = ("callback", "phone", "travel", "on_site", "day1_visit", "followup")
    acute = type(a)(arrival=np.array(times), **{f: np.resize(getattr(a, f), (n, *getattr(a, f).shape[1:]))
                                               for f in fields})
    model = RegionModel(plan.region, plan.calendar, replace(sampled, acute=acute, chain=None))
    made = []
    call = model.acute_call
    model.acute_call = lambda i, at: (made.append((i, at, model.env.now)), call(i, at))
    model.run()
    assert [i for i, _, _ in made] == list(range(n))
    assert all(at == now for _, at, now in made)
