"""Promises of the kernel (issue 18), as properties over small generated cases: durations up
to the validation bound, contracted hours and office windows, absence timing (the whole team
absent at once included), and the number of reports. Each case is a hand-built region of a few
people over two to three weeks, so a hundred examples take seconds."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csgsim.analysis.metrics import replication_metrics
from csgsim.config.limits import MAX_DURATION_HOURS
from csgsim.core.calendar import HOURS_PER_DAY
from csgsim.model import inputs
from csgsim.model.pathways import RegionModel
from csgsim.model.tasks import CASE, DONE, DUE_DAY, HOLDER
from csgsim.staff.duties import NOBODY
from tests.conftest import build, region_data
from tests.handbuilt import run_inputs, scenario

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DURATION = st.one_of(st.floats(0.05, 3.0), st.floats(3.0, MAX_DURATION_HOURS))


@st.composite
def kernel_runs(draw):
    team = draw(st.integers(1, 4))
    days = draw(st.integers(14, 21))
    start = draw(st.integers(0, 12))
    end = draw(st.integers(start + 1, 24))
    sc = scenario(team=team, hours_per_week=draw(st.sampled_from([2.0, 8.0, 24.0, 40.0])), days=days,
                  duty={"pattern": "rotation_24h", "office_start_hour": start, "office_end_hour": end},
                  nonacute_followup_days=(3,), attendance=draw(st.sampled_from(["day0", "day1"])))
    horizon = days * HOURS_PER_DAY
    times = st.lists(st.floats(0.0, horizon - 1e-3), max_size=12).map(sorted)
    acute, non_acute = draw(times), draw(times)
    people = range(team + 1)
    absent = {p: draw(st.lists(st.integers(0, days - 1), max_size=days, unique=True)) for p in people}
    if draw(st.booleans()):  # the whole team out together for a stretch
        first = draw(st.integers(0, days - 1))
        for p in people:
            absent[p] = sorted(set(absent[p]) | set(range(first, min(days, first + draw(st.integers(1, 5))))))
    plan, inp = run_inputs(sc, acute, non_acute, absent)
    n, m = len(acute), len(non_acute)
    inp.non_acute.intake[:] = draw(st.lists(DURATION, min_size=m, max_size=m))
    inp.non_acute.followup[:, 0] = draw(st.lists(DURATION, min_size=m, max_size=m))
    inp.acute.followup[:, 0] = draw(st.lists(DURATION, min_size=n, max_size=n))
    inp.acute.on_site[:] = draw(st.lists(st.floats(0.0, 12.0), min_size=n, max_size=n))
    model = RegionModel(plan.region, plan.calendar, inp)
    return sc, plan, inp, model, model.run()


@SETTINGS
@given(kernel_runs())
def test_every_report_is_answered_or_still_waiting(run):
    """Never lost: an acute report not taken is still in the waiting line at the horizon; every
    non-acute report has its intake."""
    _, _, _, model, rec = run
    waiting = {i for i, _ in model.calls.waiting}
    not_taken = set(np.flatnonzero(rec.acute_responder == NOBODY).tolist())
    assert not_taken == waiting
    assert set(np.flatnonzero(rec.acute_role >= 0).tolist()) == set(rec.eng_report.tolist())
    intakes = rec.task_case[rec.task_kind == 1] - rec.acute_arrival.size
    assert sorted(intakes.tolist()) == list(range(rec.nonacute_arrival.size))


@SETTINGS
@given(kernel_runs())
def test_every_contact_is_done_or_open_and_none_is_stuck(run):
    """A contact not done is still held (never dropped): it is among its case's open contacts,
    and the earliest of those is queued with the holder, so it comes up when that one is done.
    None waits while its holder is present on a working day with nothing else done and no
    call-out in office hours: the fresh-day rule starts the head of the queue, and no contact
    blocks it."""
    _, plan, inp, model, rec = run
    cases, duty, cal = model.cases, plan.region.duty, plan.calendar
    live = {(entry[2], p) for p, queue in enumerate(cases.queues) for entry in queue}
    for k, task in enumerate(cases.tasks):
        if not task[DONE]:
            held = cases.contacts[task[CASE]]
            assert any(row is task for row in held) and held == sorted(held)
            assert (held[0][2], task[HOLDER]) in live
    first = np.full(rec.task_kind.size, np.inf)
    np.minimum.at(first, rec.work_task, rec.work_start)
    worked = {(int(p), int(s // HOURS_PER_DAY)) for p, s in zip(rec.work_person, rec.work_start)}
    office = {(int(p), d) for p, s, e in zip(rec.eng_person, rec.eng_start, rec.eng_end)
              for d in range(int(s // HOURS_PER_DAY), int(e // HOURS_PER_DAY) + 1)
              if s < d * HOURS_PER_DAY + duty.office_end_hour and e > d * HOURS_PER_DAY + duty.office_start_hour}
    moved = set(rec.handover_case.tolist())
    created = np.zeros(rec.task_kind.size)  # acute contacts exist from the end of the call-out
    n_acute = rec.acute_arrival.size
    ends = dict(zip(rec.eng_report.tolist(), rec.eng_end.tolist()))
    for k in range(rec.task_kind.size):
        c = int(rec.task_case[k])
        created[k] = ends.get(c, np.inf) if c < n_acute else rec.nonacute_arrival[c - n_acute]
    for k, task in enumerate(cases.tasks):
        if task[CASE] in moved or task[HOLDER] >= plan.region.casemanagers + 1:
            continue
        p = task[HOLDER]
        for d in range(task[DUE_DAY], cal.days):
            day_end = d * HOURS_PER_DAY + duty.office_end_hour
            if first[k] < day_end or created[k] > day_end:
                continue
            if not cal.working[d] or inp.absent[p, d] or (p, d) in worked or (p, d) in office:
                continue
            if plan.region.people[p].hours_per_week <= 0:
                continue
            raise AssertionError(f"contact {k} of person {p}, due day {task[DUE_DAY]}, waited on free day {d}")


@SETTINGS
@given(kernel_runs())
def test_nobody_works_while_absent_or_out_of_office_hours(run):
    """Every piece of office work lies in office hours of a working day the person is present,
    between their call-outs; the pieces of a contact add up to its duration."""
    _, plan, inp, _, rec = run
    duty, cal = plan.region.duty, plan.calendar
    day = (rec.work_start // HOURS_PER_DAY).astype(int)
    assert not inp.absent[rec.work_person, day].any()
    assert cal.working[day].all()
    hour = rec.work_start - day * HOURS_PER_DAY
    assert (hour >= duty.office_start_hour - 1e-9).all()
    assert (rec.work_end <= day * HOURS_PER_DAY + duty.office_end_hour + 1e-9).all()
    done = ~np.isnan(rec.task_end)
    total = np.bincount(rec.work_task, rec.work_end - rec.work_start, minlength=done.size)
    assert np.allclose(total[done], rec.task_duration[done])
    for p in np.unique(rec.work_person):
        s = np.concatenate((rec.work_start[rec.work_person == p], rec.eng_start[rec.eng_person == p]))
        e = np.concatenate((rec.work_end[rec.work_person == p], rec.eng_end[rec.eng_person == p]))
        order = np.argsort(s, kind="stable")
        assert (s[order][1:] >= e[order][:-1] - 1e-9).all()


@SETTINGS
@given(kernel_runs())
def test_case_hours_add_up_to_the_hours_cases_are_open(run):
    """Over the people, active_caseload x window is the sum over cases of the hours each is
    open: a hand-over moves hours, it neither loses nor doubles them."""
    sc, plan, inp, _, rec = run
    _, persons = replication_metrics(rec, plan.region, inp, plan.calendar, sc.norms)
    horizon = plan.calendar.horizon
    finish = np.where(np.isnan(rec.task_end), horizon, rec.task_end)
    arrival = np.concatenate((rec.acute_arrival, rec.nonacute_arrival))
    end = np.full(arrival.size, -np.inf)
    np.maximum.at(end, rec.task_case, finish)
    open_hours = np.where(np.isfinite(end), np.minimum(end, horizon) - arrival, 0.0).clip(min=0)
    assert np.isclose(persons["active_caseload"].sum() * horizon, open_hours.sum())


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), rep=st.integers(0, 50), team=st.integers(2, 5), more=st.floats(1.1, 2.0))
def test_a_person_s_draws_do_not_move_with_the_team_or_the_demand(seed, rep, team, more):
    """Absences, annual leave (with a rule that does not bind) and call-in answers are keyed on
    the person; every report's durations and chain draws on the report."""
    esc = {"callin": True, "callin_reach": 0.5, "callin_delay": {"dist": "uniform", "low": 0.0, "high": 1.0}}

    def sampled(n: int, level: float):  # at most n of n away at once: the rule never binds
        leave = {"enabled": True, "max_at_once": n, "school_region": "south"}
        region = region_data(prefix="x", team=n, acute=level, escalation=esc, leave=leave,
                             absence={"enabled": True, "short_spells_per_year": 6.0})
        plan = inputs.plan(build({"x": region}, days=120), "x")
        return plan.region, inputs.sample(plan, seed, rep)

    (ra, a), (rb, b), (_, c) = sampled(team, 150.0), sampled(team + 1, 150.0), sampled(team, 150.0 * more)
    for pid in [p.id for p in ra.people]:
        i, j = ra.index(pid), rb.index(pid)
        for field in ("start", "end", "kind"):
            assert np.array_equal(getattr(a.spells, field)[a.spells.person == i],
                                  getattr(b.spells, field)[b.spells.person == j])
        reports = range(min(a.acute.arrival.size, 30))
        assert [a.chain.reached(r, i, 0) for r in reports] == [b.chain.reached(r, j, 0) for r in reports]
    keep = np.flatnonzero(np.isin(c.acute.arrival, a.acute.arrival))
    assert keep.size == a.acute.arrival.size
    for name in ("callback", "phone", "on_site", "followup"):
        assert np.array_equal(getattr(a.acute, name), getattr(c.acute, name)[keep])
    assert np.array_equal(a.chain.callin_delay, c.chain.callin_delay[keep])
