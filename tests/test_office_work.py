"""Office work and ownership on hand-built cases: hand-overs, the daily budget, open reports.

Each test pins a defect found in issue 10; on the code before the fix it fails.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csgsim.model.pathways import INTAKE, RegionModel
from csgsim.model.cases import fewest
from csgsim.model.tasks import CASE, DONE, DUE_DAY, DURATION, END, HOLDER, INDEX, KIND, LEFT, START, STARTED, columns
from csgsim.runtime.jobs import _record_tables
from tests.handbuilt import run_inputs, scenario

DAY = 24.0


def test_hand_overs_of_an_absent_person_spread_over_colleagues():
    """cm1 holds four cases (cm2 and cm3 were out the day they came in); cm1 is out the next day,
    when the four intakes fall due. Each hand-over moves the whole case and its count, so the
    least-loaded rule gives two to cm2 and two to cm3 (before: all four went to cm2)."""
    sc = scenario(team=3)
    plan, inp = run_inputs(sc, non_acute=[10.0, 10.5, 11.0, 11.5], absent={0: [1], 1: [0], 2: [0]})
    rec = RegionModel(plan.region, plan.calendar, inp).run()
    assert list(rec.nonacute_owner) == [1, 2, 1, 2]
    intakes = rec.task_kind == INTAKE
    assert sorted(rec.task_owner[intakes].tolist()) == [1, 1, 2, 2]


def test_a_handed_over_case_keeps_its_later_contacts_with_the_new_owner():
    """The colleague who takes a case over also gets its later contacts: the follow-up of a
    non-acute case handed over at intake is done by the colleague, not by the absent owner."""
    sc = scenario(team=2, nonacute_followup_days=(3,))
    plan, inp = run_inputs(sc, non_acute=[10.0], absent={0: [1], 1: [0]})
    rec = RegionModel(plan.region, plan.calendar, inp).run()
    assert rec.nonacute_owner[0] == 1 and set(rec.task_owner.tolist()) == {1}


def test_office_work_stays_within_the_daily_share_of_contracted_hours():
    """8 h a week is 1.6 h a working day; six intakes of 1 h fall due on Tuesday. A contact that
    no longer fits in the day's share waits: one intake a day (before: two, 2 h a day)."""
    sc = scenario(team=1, hours_per_week=8.0)
    plan, inp = run_inputs(sc, non_acute=[10.0 + k for k in range(6)])
    rec = RegionModel(plan.region, plan.calendar, inp).run()
    days = (rec.task_start // DAY).astype(int)
    assert days.tolist() == [1, 2, 3, 4, 7, 8]  # Tuesday to Friday, then Monday and Tuesday
    per_day = np.bincount(days, rec.task_duration)
    assert per_day.max() <= 1.6


def test_a_contact_longer_than_the_daily_share_is_done_on_a_day_with_nothing_else():
    """4 h a week is 0.8 h a day, less than one 1 h intake: such a contact is not put off for
    ever, but done alone on a day with nothing else, one a day."""
    sc = scenario(team=1, hours_per_week=4.0)
    plan, inp = run_inputs(sc, non_acute=[10.0, 11.0, 12.0])
    rec = RegionModel(plan.region, plan.calendar, inp).run()
    assert (rec.task_start // DAY).astype(int).tolist() == [1, 2, 3]


def test_a_report_open_at_the_horizon_has_no_owner_yet():
    """Without a backup, an acute report whose call-back runs past the horizon has nobody as
    owner in the records (before: 'external', a backup the region does not have)."""
    sc = scenario(team=2, backup="none", days=7)
    plan, inp = run_inputs(sc, acute=[7 * DAY - 0.05])
    rec = RegionModel(plan.region, plan.calendar, inp).run()
    reports = _record_tables("x", 0, rec, [p.id for p in plan.region.people])["reports"]
    row = reports.iloc[0]
    assert row["status"] == "open: call-back under way"
    assert row["owner"] is None and row["responder"] is not None
    assert "external" not in set(reports["owner"].dropna())


def test_a_contact_longer_than_the_office_window_is_done_in_pieces_and_blocks_nothing():
    """A 9 h intake with office hours of 8 h fits in no free interval: it is done in pieces
    over two working days, and the 1 h intake behind it is done after it (before: neither was
    ever done; the 9 h intake blocked the queue for ever)."""
    sc = scenario(team=1, hours_per_week=40.0)
    plan, inp = run_inputs(sc, non_acute=[10.0, 11.0])
    inp.non_acute.intake[:] = [9.0, 1.0]
    rec = RegionModel(plan.region, plan.calendar, inp).run()
    office = plan.region.duty.office_end_hour - plan.region.duty.office_start_hour
    assert office < 9.0
    assert not np.isnan(rec.task_start).any()
    assert rec.task_end[0] > rec.task_start[0] + 9.0  # split over a night
    assert rec.task_start[1] >= rec.task_end[0]
    pieces = rec.work_task == 0
    assert np.isclose((rec.work_end - rec.work_start)[pieces].sum(), 9.0)
    assert (rec.work_end - rec.work_start)[pieces].max() <= office


def test_a_contact_interrupted_by_call_outs_every_day_still_gets_done():
    """Call-outs cut each office day into intervals of 4 h; a 5 h intake fits in none, so it is
    done in pieces around the call-outs, never overlapping them (before: never done)."""
    sc = scenario(team=1, hours_per_week=40.0, days=7)
    plan, inp = run_inputs(sc, non_acute=[10.0])
    inp.non_acute.intake[:] = [5.0]
    model = RegionModel(plan.region, plan.calendar, inp)
    office = plan.region.duty.office_start_hour
    for day in range(1, 6):
        model.office.callouts[0].append((day * DAY + office + 4.0, day * DAY + office + 4.5))
    rec = model.run()
    assert not np.isnan(rec.task_start[0])
    assert rec.task_end[0] == DAY + office + 4.5 + 1.0
    assert rec.work_start.tolist() == [DAY + office, DAY + office + 4.5]


def test_when_the_whole_team_is_absent_the_due_contacts_wait():
    """Both casemanagers are out on Tuesday when cm1's intake is due: the case stays with cm1
    and waits (before: it was handed to cm2, who was absent too)."""
    sc = scenario(team=2)
    plan, inp = run_inputs(sc, non_acute=[10.0], absent={0: [1], 1: [1]})
    rec = RegionModel(plan.region, plan.calendar, inp).run()
    assert rec.nonacute_owner[0] == 0
    assert rec.handover_case.size == 0
    assert rec.task_owner.tolist() == [0] and rec.task_start[0] // DAY == 2


def test_a_call_in_does_not_make_the_coordinator_a_case_owner():
    """With one casemanager, busy with a first call, the coordinator answers the second as a
    call-in; the case goes to the least-loaded casemanager (before: the coordinator owned it,
    against docs/model.md section 9)."""
    from csgsim.model.pathways import CALLIN

    zero = {"dist": "fixed", "value": 0.0}
    sc = scenario(team=1, attendance="day1", escalation={"callin": True, "callin_reach": 1.0, "callin_delay": zero})
    plan, inp = run_inputs(sc, acute=[10.0, 10.1])
    rec = RegionModel(plan.region, plan.calendar, inp).run()
    assert rec.acute_role.tolist()[1] == CALLIN and rec.acute_responder[1] == 1
    assert rec.acute_owner.tolist() == [0, 0]


def test_the_last_day_s_office_work_is_done_when_the_office_closes_at_midnight():
    """With office hours to 24:00 the last day's office ends exactly at the horizon, where
    SimPy's run(until=horizon) processes nothing: a contact due that day was left open
    (found by a property test in issue 21's speed pass). It is done on that day."""
    sc = scenario(team=1, days=5, duty={"office_end_hour": 24})
    plan, inp = run_inputs(sc, non_acute=[3 * DAY + 10.0])  # Thursday: the intake is due Friday
    rec = RegionModel(plan.region, plan.calendar, inp).run()
    intake = rec.task_kind == INTAKE
    assert (rec.task_start[intake] // DAY).astype(int).tolist() == [4]


def test_the_records_take_each_field_of_every_contact_row():
    """`tasks.columns` gives field k of row i at place i of field k's array, NaN start and end
    where a contact has none, and empty arrays of the records' types for a run with no contact."""
    nan = float("nan")
    made = itertools.count()

    def row(kind, case, holder, due_day, duration, left, start, end, started, done):
        out = [None] * 11
        for field, value in zip((KIND, CASE, HOLDER, DUE_DAY, DURATION, LEFT, START, END, STARTED, DONE, INDEX),
                                (kind, case, holder, due_day, duration, left, start, end, started, done, next(made))):
            out[field] = value
        return out

    rows = [row(1, 7, 2, 3, 1.5, 0.0, 80.0, 81.5, True, True), row(2, 9, 0, 5, 0.75, 0.25, 129.0, nan, True, False),
            row(3, 9, 1, 12, 2.0, 2.0, nan, nan, False, False)]
    got = columns(rows)
    assert got["kind"].tolist() == [1, 2, 3] and got["kind"].dtype == np.int8
    assert got["case"].tolist() == [7, 9, 9] and got["holder"].tolist() == [2, 0, 1]
    assert got["due_day"].tolist() == [3, 5, 12] and got["duration"].tolist() == [1.5, 0.75, 2.0]
    np.testing.assert_array_equal(got["start"], [80.0, 129.0, nan])
    np.testing.assert_array_equal(got["end"], [81.5, nan, nan])
    empty = columns([])
    assert set(empty) == set(got) and all(empty[k].size == 0 and empty[k].dtype == got[k].dtype for k in got)


@given(st.lists(st.integers(0, 6), min_size=1, max_size=12, unique=True).map(sorted),
       st.lists(st.integers(0, 4), min_size=7, max_size=7))
def test_fewest_is_the_first_member_with_the_lowest_count(pool, counts):
    """The plain loop the hand-overs and new cases use chooses as `min` with a key does: the
    lowest count, and of those the first (lowest index) member."""
    assert fewest(pool, counts) == min(pool, key=counts.__getitem__)
    assert fewest(range(len(counts)), counts) == counts.index(min(counts))


@pytest.mark.parametrize("acute", [[], [3 * DAY + 10.0]])
def test_an_office_day_is_worked_as_at_its_close_whenever_the_model_gets_to_it(acute):
    """Office days have no event: each is worked when the next acute case opens (day 3 here) or
    at the horizon (no acute report at all). Either way the hand-over of cm1's due intake on the
    day cm1 is out happens at that day's close, to the colleague, and the intake is done that day."""
    sc = scenario(team=2)
    plan, inp = run_inputs(sc, acute=acute, non_acute=[10.0], absent={0: [1]})
    rec = RegionModel(plan.region, plan.calendar, inp).run()
    close = DAY + plan.region.duty.office_end_hour
    assert rec.handover_time.tolist() == [close] and rec.handover_owner.tolist() == [1]
    intake = rec.task_kind == INTAKE
    assert rec.task_owner[intake].tolist() == [1] and (rec.task_start[intake] // DAY).tolist() == [1]
