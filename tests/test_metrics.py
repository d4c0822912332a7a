"""The metric definitions of docs/metrics.md, pinned on tiny hand-built records.

Each case is small enough to work out on paper; the expected values below are those sums.
"""

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from csgsim.analysis.metrics import replication_metrics
from csgsim.core.calendar import Calendar
from csgsim.model.pathways import FOLLOWUP, INTAKE
from tests.handbuilt import records, run_inputs, scenario

DAY = 24.0


def metrics_of(rec, sc=None, **norms):
    sc = sc or scenario(team=3, days=28)
    plan, sampled = run_inputs(sc)
    out, persons = replication_metrics(rec, plan.region, sampled, plan.calendar, replace(sc.norms, **norms))
    return out, persons


@pytest.mark.parametrize(("intake_day", "within"), [(7, 1.0), (8, 0.0), (0, 1.0)])
def test_intake_norm_counts_working_days_after_the_day_of_the_report(intake_day, within):
    """A report on Monday with a norm of 5 working days: intake by the next Monday (Tue, Wed,
    Thu, Fri, Mon) is within the norm, on the Tuesday after it is not (before: it was)."""
    rec = records(nonacute_arrival=[10.0], nonacute_intake=[intake_day * DAY + 11.0], nonacute_owner=[0])
    out, _ = metrics_of(rec, intake_working_days=5)
    assert out["intake_within_norm"] == within


def test_an_intake_norm_of_zero_days_means_the_day_of_the_report():
    """Norm 0: only an intake on the day of the report itself is within the norm."""
    same = records(nonacute_arrival=[10.0, 10.0], nonacute_intake=[15.0, DAY + 9.0], nonacute_owner=[0, 0])
    assert metrics_of(same, intake_working_days=0)[0]["intake_within_norm"] == 0.5


NOBODY = -1


def busy_records():
    """Four weeks from Monday 6 Jan 2025, three casemanagers on 24 h duties from 09:00 (29 duty
    blocks: [0, 9) then every 24 h; r-cm2 holds [9, 33)). Three acute reports, one at night, all
    taken by r-cm2 (the second as backup); one non-acute report; three office contacts."""
    n_acute = 3
    return records(
        acute_arrival=[10.0, 20.0, 26.0], acute_contact=[10.25, 20.5, 27.0],  # 15, 30, 60 min
        acute_responder=[1, 1, 1], acute_role=[0, 1, 0], acute_on_site=[11.0, 21.5, np.nan],  # 60, 90 min
        acute_in_gap=[False, False, False], acute_owner=[2, 1, 1],
        nonacute_arrival=[34.0], nonacute_intake=[58.0], nonacute_owner=[0],  # 1 day, Tue -> Wed
        task_kind=[INTAKE, FOLLOWUP, FOLLOWUP], task_case=[n_acute, 0, 1], task_owner=[0, 2, 1],
        task_due_day=[2, 7, 8], task_start=[58.0, 7 * DAY + 10, np.nan], task_duration=[1.5, 1.0, 1.0],
        eng_person=[1, 1, 1], eng_start=[10.0, 20.0, 26.0], eng_end=[13.0, 24.0, 29.0], eng_report=[0, 1, 2])


def test_delay_definitions_on_hand_built_reports():
    """Contact delay = arrival -> first contact (15, 30, 60 min): mean 35, linear p50/p90/p95 30,
    54, 57, 2 of 3 within 30 min; attendance only where someone came on site (60, 90 min); intake
    wait 1 day, within the 5-working-day norm; the backup took 1 of 3 calls."""
    out, _ = metrics_of(busy_records())
    expect = {"acute_reports": 3, "non_acute_reports": 1, "acute_contact_mean": 35, "acute_contact_p50": 30,
              "acute_contact_p90": 54, "acute_contact_p95": 57, "acute_contact_within_norm": 2 / 3,
              "acute_answered_by_backup": 1 / 3, "acute_attendance_mean": 75, "acute_attendance_p50": 75,
              "acute_attendance_within_norm": 1.0, "intake_wait_mean": 1.0, "intake_wait_p95": 1.0,
              "intake_within_norm": 1.0, "acute_open_at_horizon": 0, "intake_open_at_horizon": 0}
    assert {k: out[k] for k in expect} == pytest.approx(expect)


def test_followup_load_and_coverage_definitions_on_hand_built_records():
    """Follow-ups: the one due Monday 13 Jan was done that day, the one due Tuesday 14 Jan was
    not done by its deadline (Thursday, 2 working days later): 1 of 2 on time.
    Load: 672 on-call hours over 3 people = 224 per 4 weeks each, 29 duties / 3, 3 call-outs /
    29 duties, one night call-out (02:00-05:00) = 4 per 16 weeks for r-cm2, 4/3 per casemanager;
    hours on cases 1.5 + 10 + 1 over 4 weeks (0.375, 2.5, 0.25 a week; 3.125 / 24 contracted);
    open cases: 25.5 h (r-cm1), 652 h (r-cm2), 169 h (r-cm3) of 672. On-call days are 24 h
    periods from the 09:00 hand-over, so each duty is one: at most 10 in the 4 weeks. Coverage: no gap, 3 acute reports in week 1,
    none in weeks 2-4."""
    out, persons = metrics_of(busy_records())
    expect = {"followup_on_time": 0.5, "oncall_hours_per_4w": 224, "duties_per_4w": 29 / 3,
              "callouts_per_duty": 3 / 29, "night_callouts_per_16w": 4 / 3,
              "csg_hours_per_week": 3.125 / 3, "csg_hours_vs_contract": 3.125 / 24,
              "active_caseload": 846.5 / 3 / 672, "max_oncall_days_per_4w": 10, "absent_share": 0,
              "extra_duties_per_4w": 0, "rule_breaches": 0, "replan_breaches": 0, "backup_only_hours": 0,
              "gap_hours": 0, "acute_in_gap": 0, "heavy_week_share": 0, "zero_week_share": 0.75}
    assert {k: out[k] for k in expect} == pytest.approx(expect)
    cms = {k: v[:3] for k, v in persons.items()}
    assert cms["oncall_hours_per_4w"].tolist() == [225, 231, 216]
    assert cms["callouts"].tolist() == [0, 3, 0] and cms["late_followups"].tolist() == [0, 1, 0]
    assert cms["night_callouts_per_16w"].tolist() == [0, 4, 0]


def test_heavy_weeks_count_five_or_more_acute_reports():
    """Five acute reports in week 2 and four in week 3: one heavy week of four, two without any."""
    t = [7 * DAY + 10 + k for k in range(5)] + [14 * DAY + 10 + k for k in range(4)]
    rec = records(acute_arrival=t, acute_contact=[x + 0.1 for x in t], acute_responder=[0] * 9,
                  acute_role=[0] * 9, acute_on_site=[np.nan] * 9, acute_in_gap=[False] * 9, acute_owner=[0] * 9)
    out, _ = metrics_of(rec)
    assert out["heavy_week_share"] == 0.25 and out["zero_week_share"] == 0.5


def test_nothing_arrives():
    """No report: counts are 0, delays and shares of reports are NaN (not 0 or 100%), the time
    figures are still defined (hours on duty, weeks without a report)."""
    out, _ = metrics_of(records())
    assert out["acute_reports"] == out["non_acute_reports"] == 0
    for k in ("acute_contact_mean", "acute_contact_p95", "acute_contact_within_norm", "acute_answered_by_backup",
              "acute_attendance_mean", "intake_wait_mean", "intake_within_norm", "followup_on_time"):
        assert np.isnan(out[k]), k
    assert out["callouts_per_duty"] == 0 and out["csg_hours_per_week"] == 0 and out["active_caseload"] == 0
    assert out["oncall_hours_per_4w"] == 224 and out["zero_week_share"] == 1 and out["heavy_week_share"] == 0


def test_everything_is_open_at_the_end():
    """Two acute reports nobody reached and a non-acute report without intake: both counted as
    open, no delay measured (NaN, not 0), and the open non-acute case loads its owner from its
    arrival to the horizon (672 - 30 = 642 h)."""
    rec = records(acute_arrival=[10.0, 20.0], acute_contact=[np.nan, np.nan], acute_responder=[NOBODY, NOBODY],
                  acute_role=[-1, -1], acute_on_site=[np.nan, np.nan], acute_in_gap=[False, False],
                  acute_owner=[NOBODY, NOBODY], nonacute_arrival=[30.0], nonacute_intake=[np.nan],
                  nonacute_owner=[0], task_kind=[INTAKE], task_case=[2], task_owner=[0], task_due_day=[2],
                  task_start=[np.nan], task_duration=[1.0])
    out, persons = metrics_of(rec)
    assert out["acute_open_at_horizon"] == 2 and out["intake_open_at_horizon"] == 1
    assert np.isnan(out["acute_contact_mean"]) and np.isnan(out["intake_wait_mean"])
    assert np.isnan(out["intake_within_norm"]) and np.isnan(out["acute_answered_by_backup"])
    assert persons["active_caseload"][0] == pytest.approx(642 / 672)


def test_a_whole_team_absent_leaves_every_hour_a_gap():
    """Everybody (coordinator included) out for the whole four weeks, no backup: every hour is a
    gap, the one acute report falls in it and is never reached (no call-in, no neighbouring line);
    absence is 100%, nobody holds a duty (call-outs per duty undefined)."""
    from csgsim.model import inputs as inputs_mod
    from csgsim.model.pathways import RegionModel
    from csgsim.staff.absence import SCRIPTED, Spells, absent_days

    sc = scenario(team=3, days=28, escalation={"callin": False, "neighbour": "none"})
    plan, sampled = run_inputs(sc, acute=[50.0])
    horizon = plan.calendar.horizon
    spells = Spells(person=np.arange(4), start=np.zeros(4), end=np.full(4, horizon), kind=np.full(4, SCRIPTED, np.int8))
    primary, backups, log, _ = inputs_mod.duty_rosters(plan, spells)
    sampled = replace(sampled, primary=primary, backup=backups[0] if backups else None, more_backups=backups[1:],
                      replan=log, spells=spells,
                      absent=absent_days(spells, 4, plan.calendar.days))
    rec = RegionModel(plan.region, plan.calendar, sampled).run()
    out, _ = replication_metrics(rec, plan.region, sampled, plan.calendar, sc.norms)
    assert out["absent_share"] == 1 and out["gap_hours"] == horizon and out["backup_only_hours"] == 0
    assert out["acute_in_gap"] == 1 and out["acute_open_at_horizon"] == 1
    assert out["oncall_hours_per_4w"] == 0 and np.isnan(out["callouts_per_duty"])


def _callin_breaches_by_recount(person, start, end, callin, ruleset, n_people):
    """As first written: every person's episodes with all their call-outs, less without the call-ins."""
    from csgsim.staff import rules

    with_them = rules.work_24h_breaches(person, start, end, ruleset, n_people)
    without = rules.work_24h_breaches(person[~callin], start[~callin], end[~callin], ruleset, n_people)
    return (with_them - without).astype(float), with_them


def _callin_figures(person, start, end, callin, ruleset, n_people):
    """`rules.figures` with the call-in mask, over no duties (only the work rule then counts)."""
    from csgsim.staff import rules
    from csgsim.staff.duties import Schedule

    none = Schedule(start=np.zeros(0), end=np.zeros(0), person=np.zeros(0, dtype=np.int64),
                    kind=np.zeros(0, dtype=np.int8))
    return rules.figures(none, person, start, end, ruleset, n_people, Calendar(date(2025, 9, 1), 7), load=False,
                         callin=callin)


def test_a_call_in_that_makes_13_hours_in_24_is_one_breach_it_caused() -> None:
    """Person 0 works 8 h then is called in for 6 h the same day (14 h in 24 h > 13 h): one breach,
    caused by the call-in; person 1's own 14 h is a breach no call-in caused."""
    from csgsim.config.staffing import RULESETS

    person = np.array([0, 0, 1, 1])
    start, end = np.array([0.0, 9, 0, 7]), np.array([8.0, 15, 7, 14])
    callin = np.array([False, True, False, False])
    got = _callin_figures(person, start, end, callin, RULESETS["consignatie"], 3)
    assert got["breach_work_24h"].tolist() == [1, 1, 0] and got["callin_breaches"].tolist() == [1.0, 0.0, 0.0]


@settings(max_examples=80, deadline=None)
@given(calls=st.lists(st.tuples(st.integers(-1, 4), st.floats(0, 96), st.floats(0.1, 9), st.booleans()), max_size=14),
       rules_name=st.sampled_from(["consignatie", "bereikbaarheid"]))
def test_call_in_breaches_in_the_same_pass_are_the_recount(calls, rules_name) -> None:
    """The episodes call-ins caused, counted with "person p without call-ins" as extra rows of
    the breaches' own pass, are every person's episodes less those recounted without the
    call-ins (outside indices, -1 and the external 3+, ignored); the breaches stay as they were."""
    from csgsim.config.staffing import RULESETS

    person = np.array([c[0] for c in calls], dtype=np.int64)
    start = np.array([c[1] for c in calls], dtype=float)
    end = start + np.array([c[2] for c in calls], dtype=float)
    callin = np.array([c[3] for c in calls], dtype=bool)
    ruleset = RULESETS[rules_name]
    want, with_them = _callin_breaches_by_recount(person, start, end, callin, ruleset, 3)
    got = _callin_figures(person, start, end, callin, ruleset, 3)
    alone = _callin_figures(person, start, end, None, ruleset, 3)
    if "work_24h" in ruleset.rules:
        assert got["callin_breaches"].tolist() == want.tolist()
        assert got["breach_work_24h"].tolist() == with_them.tolist() == alone["breach_work_24h"].tolist()
    else:
        assert "callin_breaches" not in got


@given(start=st.dates(date(2024, 1, 1), date(2027, 12, 1)), days=st.integers(1, 60), n=st.integers(0, 6),
       day=st.lists(st.integers(-3, 64), max_size=20))
def test_working_days_from_the_table_are_the_calendars(start, days, n, day) -> None:
    """The table that metrics looks working days up in (made once per calendar) gives what
    `Calendar.add_working_days` gives, days outside it (before 0, past the horizon) included."""
    from csgsim.analysis.metrics import _add_working_days

    cal = Calendar(start, days)
    day = np.array(day, dtype=np.int64)
    inside = day[(day >= 0) & (day <= days)]
    for asked in (day, inside):
        assert _add_working_days(cal, asked, n).tolist() == cal.add_working_days(asked, n).tolist()


@given(values=st.lists(st.floats(-1e6, 1e6, allow_subnormal=False), min_size=1, max_size=60),
       ties=st.integers(0, 3), extra=st.sampled_from([(), (np.nan,), (np.inf,)]))
def test_delay_percentiles_are_numpys(values, ties, extra) -> None:
    """`percentiles` (the metrics' median, 90th and 95th percentile of a delay) gives what
    np.percentile gives, bit for bit: ties, one value, negative zero, and NaN or inf (numpy's)."""
    from csgsim.analysis.percentiles import percentiles

    for percents in ((50, 90, 95), (0, 12.5, 100)):
        sample = np.array(values + values[:ties] + list(extra), dtype=float)
        with np.errstate(invalid="ignore"):  # numpy's own interpolation across an infinity
            got, expected = percentiles(sample, percents), np.percentile(sample, list(percents))
        assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes(), (got, expected)


def _on_time_as_first_written(rec, calendar: Calendar, tolerance: int, since_day: int):
    """`metrics._on_time` with a contact not done taking an infinite day (no NaN comparisons)."""
    from csgsim.analysis.metrics import _add_working_days

    in_window = (rec.task_kind == FOLLOWUP) & (rec.task_due_day >= since_day) & (rec.task_due_day < calendar.days)
    deadline = _add_working_days(calendar, np.minimum(rec.task_due_day, calendar.days - 1), tolerance)
    done_day = np.where(np.isnan(rec.task_start), np.inf, rec.task_start // 24)
    judged = in_window & ((deadline < calendar.days) | np.isfinite(done_day))
    return judged, judged & (done_day > deadline)


@given(tasks=st.lists(st.tuples(st.sampled_from([FOLLOWUP, INTAKE]), st.integers(0, 40),
                                st.one_of(st.just(np.nan), st.floats(0, 40 * 24))), max_size=30),
       tolerance=st.integers(0, 3), since_day=st.integers(0, 5))
def test_follow_ups_judged_and_late_as_first_written(tasks, tolerance, since_day) -> None:
    """Judging follow-ups with NaN for a contact not done (compared as 'not on time') marks the
    same contacts judged and late as an infinite day did, deadlines past the horizon included."""
    from types import SimpleNamespace

    from csgsim.analysis.metrics import _on_time

    cal = Calendar(date(2025, 4, 14), 30)  # Easter in it
    rec = SimpleNamespace(task_kind=np.array([t[0] for t in tasks], dtype=np.int8),
                          task_due_day=np.array([t[1] for t in tasks], dtype=np.int64),
                          task_start=np.array([t[2] for t in tasks], dtype=float))
    got, want = _on_time(rec, cal, tolerance, since_day), _on_time_as_first_written(rec, cal, tolerance, since_day)
    assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()


def _plain_held_hours(schedules, since, horizon) -> float:
    """Hours with someone in any of the schedules, as first written: one union of all their blocks."""
    from csgsim.analysis.reduce import total
    from csgsim.core.intervals import merge_intervals
    from csgsim.staff.duties import NOBODY

    start = np.concatenate([np.maximum(s.start, since)[s.person != NOBODY] for s in schedules])
    end = np.concatenate([np.minimum(s.end, horizon)[s.person != NOBODY] for s in schedules])
    keep = end > start
    if not keep.any():
        return 0.0
    s, e, _ = merge_intervals(start[keep], end[keep])
    return total(e - s)


blocks = st.lists(st.tuples(st.floats(-30, 300), st.floats(0, 60), st.integers(-1, 2)), max_size=12)


@settings(max_examples=80, deadline=None)
@given(lines=st.lists(blocks, min_size=1, max_size=3), backups=st.lists(blocks, max_size=2),
       since=st.floats(-10, 100), length=st.floats(0, 300))
@example(lines=[[(0.0, 10.0, -1)]], backups=[[(5.0, 10.0, 0)]], since=0.0, length=24.0)  # the backup alone
def test_reachable_hours_from_the_held_union_are_the_union_of_all(lines, backups, since, length) -> None:
    """The hours someone (a line or a backup) is reachable, from the lines' union and the backups'
    blocks, are to the last bit those of one union of every block; the held hours too."""
    from csgsim.analysis.metrics import _held_hours
    from csgsim.staff.duties import NOBODY, ONCALL, Schedule

    def schedule(rows):
        start = np.array([r[0] for r in rows], float)
        person = np.array([NOBODY if r[2] < 0 else r[2] for r in rows], dtype=np.int64)
        return Schedule(start=start, end=start + np.array([r[1] for r in rows], float), person=person,
                        kind=np.full(len(rows), ONCALL, dtype=np.int8))

    lines, backups = tuple(map(schedule, lines)), tuple(map(schedule, backups))
    held, reachable = _held_hours(lines, backups, since, since + length)
    assert held == _plain_held_hours(lines, since, since + length)
    assert reachable == _plain_held_hours(lines + backups, since, since + length)
