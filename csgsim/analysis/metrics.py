"""Metrics: the outputs of one replication, computed from its records.

Definitions (binding and complete in docs/metrics.md, which tests/test_docs.py keeps in step):
- acute contact delay: report arrival -> first contact by a casemanager (minutes);
- acute attendance delay: report arrival -> casemanager on site, day-0 pathways (minutes);
- non-acute intake wait: report arrival -> intake (days);
- follow-up timeliness: share of watchful-waiting contacts done within the tolerance of their
  due date (contacts still inside their tolerance at the horizon are not judged);
- casemanager load per person and region; call-outs per duty counts the call-outs a duty
  holder takes during an on-call duty (not in office-hour blocks, not as backup or call-in),
  per on-call duty; office-hour call-outs are counted on their own, per week;
- coverage (gap hours, acute reports in gaps, heavy weeks with 5+ acute reports, weeks with
  none); escalation (see `escalation`).
Across replications every figure is a mean with a 95% confidence interval, and every delay percentile
the percentile of the pooled delays with a bootstrap interval (see `csgsim.analysis.summary`).
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

import numpy as np

from csgsim.config.staffing import get_ruleset
from csgsim.staff import rules
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.core.intervals import merge_intervals
from csgsim.staff.duties import NOBODY, OFFICE, ONCALL, Schedule
from csgsim.analysis import escalation
from csgsim.analysis.reduce import count, first_index, mean, total
from csgsim.analysis.escalation import ANSWER_METRICS, CALLIN_METRICS, CALLIN_PERSON_METRICS, FOUR_WEEKS
from csgsim.analysis.delays import delay_figures, delay_samples
from csgsim.model.pathways import CALLIN, PRIMARY, FOLLOWUP, Records, RegionInputs
from csgsim.config.schema import Norms, Region

HEAVY_WEEK = 5

#: Region metric -> (unit, description). The order is the order of every output table.
REGION_METRICS: dict[str, tuple[str, str]] = {
    "acute_reports": ("count", "acute reports in the horizon"),
    "non_acute_reports": ("count", "non-acute reports in the horizon"),
    "acute_contact_mean": ("min", "acute contact delay, mean"),
    "acute_contact_p50": ("min", "acute contact delay, median"),
    "acute_contact_p90": ("min", "acute contact delay, 90th percentile"),
    "acute_contact_p95": ("min", "acute contact delay, 95th percentile"),
    "acute_contact_within_norm": ("share", "acute contacts within the norm"),
    **ANSWER_METRICS,
    "acute_attendance_mean": ("min", "acute attendance delay (day 0), mean"),
    "acute_attendance_p50": ("min", "acute attendance delay, median"),
    "acute_attendance_p90": ("min", "acute attendance delay, 90th percentile"),
    "acute_attendance_p95": ("min", "acute attendance delay, 95th percentile"),
    "acute_attendance_within_norm": ("share", "attendances within the norm"),
    "intake_wait_mean": ("days", "non-acute intake wait, mean"),
    "intake_wait_p50": ("days", "non-acute intake wait, median"),
    "intake_wait_p90": ("days", "non-acute intake wait, 90th percentile"),
    "intake_wait_p95": ("days", "non-acute intake wait, 95th percentile"),
    "intake_within_norm": ("share", "intakes within the norm (working days)"),
    "followup_on_time": ("share", "watchful-waiting contacts within tolerance"),
    "acute_open_at_horizon": ("count", "acute reports not yet contacted at the horizon"),
    "intake_open_at_horizon": ("count", "non-acute reports without intake at the horizon"),
    "oncall_hours_per_4w": ("h", "on-call hours per casemanager per 4 weeks"),
    "duties_per_4w": ("count", "on-call duties per casemanager per 4 weeks"),
    "callouts_per_duty": ("count", "acute call-outs taken by the duty holder during on-call duties, per on-call duty"),
    "office_callouts_per_week": ("count", "acute call-outs starting in office-hour duty blocks, per week"),
    "night_callouts_per_16w": ("count", "night call-outs (00-06) per casemanager per 16 weeks"),
    "csg_hours_per_week": ("h", "hours on CSG cases per casemanager per week"),
    "csg_hours_vs_contract": ("ratio", "hours on CSG cases / contracted CSG hours"),
    "active_caseload": ("cases", "open cases per casemanager, time average"),
    "absent_share": ("share", "casemanager time absent (annual leave, sick, long spell, vacancy, scripted)"),
    "extra_duties_per_4w": ("count", "on-call duties taken over from absent colleagues per 4 weeks"),
    "max_oncall_days_per_4w": ("count", "most on-call days any casemanager had in a 4-week window"),
    "rest_hours_from_job_per_4w": ("h", "regular-job hours lost to rest after night call-outs, per casemanager per 4 weeks"),
    "rule_breaches": ("count", "breaches of the region's working-time rules"),
    "replan_breaches": ("count", "duties handed over beyond the rules by the re-planning policy"),
    "backup_only_hours": ("h", "hours with no duty holder, covered by the backup alone"),
    "gap_hours": ("h", "hours with no reachable casemanager: no duty holder and no backup"),
    "acute_in_gap": ("count", "acute reports arriving in a gap"),
    **CALLIN_METRICS,
    "heavy_week_share": ("share", f"weeks with {HEAVY_WEEK}+ acute reports"),
    "zero_week_share": ("share", "weeks with no acute report"),
}

#: Person metric -> (unit, description).
PERSON_METRICS: dict[str, tuple[str, str]] = {
    "contracted_hours_per_week": ("h", "contracted CSG hours per week"),
    "oncall_hours_per_4w": ("h", "on-call hours per 4 weeks"),
    "duties_per_4w": ("count", "on-call duties per 4 weeks"),
    "callouts": ("count", "acute call-outs taken"),
    "callouts_per_duty": ("count", "call-outs taken during own on-call duties, per on-call duty"),
    "night_callouts_per_16w": ("count", "night call-outs (00-06) per 16 weeks"),
    "csg_hours_per_week": ("h", "hours on CSG cases per week"),
    "csg_hours_vs_contract": ("ratio", "hours on CSG cases / contracted"),
    "active_caseload": ("cases", "open cases, time average"),
    "late_followups": ("count", "watchful-waiting contacts done late or overdue"),
    "absent_share": ("share", "time absent"),
    "extra_duties": ("count", "on-call duties taken over from absent colleagues"),
    "max_oncall_days_per_4w": ("count", "most on-call days in a 4-week window"),
    "rest_hours_from_job": ("h", "regular-job hours lost to rest after night call-outs"),
    **CALLIN_PERSON_METRICS,
    **{f"breaches_{r}": ("count", f"breaches of rule {r} (NaN: not in the region's rule set)")
       for r in rules.DUTY_RULES + rules.WORK_RULES},
}


def _on_time(rec: Records, calendar: Calendar, tolerance: int, since_day: int) -> tuple[np.ndarray, np.ndarray]:
    """For each watchful-waiting contact due in the window whose deadline has passed: judged?, late?"""
    in_window = (rec.task_kind == FOLLOWUP) & (rec.task_due_day >= since_day) & (rec.task_due_day < calendar.days)
    due = np.minimum(rec.task_due_day, calendar.days - 1)
    deadline = _add_working_days(calendar, due, tolerance)  # last working day that is on time
    done_day = rec.task_start // HOURS_PER_DAY  # NaN: not done
    judged = in_window & ((deadline < calendar.days) | ~np.isnan(done_day))
    late = judged & ~(done_day <= deadline)  # done after the deadline, or not at all
    return judged, late


@lru_cache(maxsize=64)
def _working_days_ahead(calendar: Calendar, n: int) -> np.ndarray:
    """`calendar.add_working_days(day, n)` of every day 0..days: the same in every replication."""
    return calendar.add_working_days(np.arange(calendar.days + 1), n)


def _add_working_days(calendar: Calendar, day: np.ndarray, n: int) -> np.ndarray:
    """`calendar.add_working_days(day, n)`, from a table made once per calendar where it has the day."""
    inside = np.issubdtype(day.dtype, np.integer) and ((day >= 0) & (day <= calendar.days)).all()
    return _working_days_ahead(calendar, n)[day] if inside else calendar.add_working_days(day, n)


def _open_hours(rec: Records, since: float, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Per stretch of ownership of a case: its owner and how long the case was open inside
    [since, horizon) while they owned it.

    A case is open from its arrival to the end of its last contact (the horizon if a contact
    is still to be done). A hand-over during an absence moves the case (docs/model.md section
    9): the hours before it count for the first owner, the hours after for the colleague, so
    the stretches of a case add up to the hours it was open.
    """
    final = np.concatenate((rec.acute_owner, rec.nonacute_owner))
    arrival = np.concatenate((rec.acute_arrival, rec.nonacute_arrival))
    end = np.full(final.size, -np.inf)
    finish = np.where(np.isnan(rec.task_end), horizon, rec.task_end)
    np.maximum.at(end, rec.task_case, finish)
    first = final.copy()  # who took the case on: the giver of its first hand-over, if any
    at = first_index(rec.handover_case, final.size)
    handed = at < rec.handover_case.size
    first[handed] = rec.handover_from[at[handed]]
    case = np.concatenate((np.arange(final.size), rec.handover_case))
    owner = np.concatenate((first, rec.handover_owner))
    start = np.concatenate((arrival, rec.handover_time))
    order = np.lexsort((start, case))
    case, owner, start = case[order], owner[order], start[order]
    stop = np.append(start[1:], np.inf)
    stop[np.append(case[1:] != case[:-1], True)] = np.inf  # the last stretch runs to the case's end
    hours = np.minimum(np.minimum(stop, end[case]), horizon) - np.maximum(start, since)
    return owner, np.where(np.isfinite(end[case]), np.maximum(hours, 0.0), 0.0)


def _per_person(index: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Sum (or count) per person index; indices >= n (the external backup) are left out."""
    keep = (index >= 0) & (index < n)
    return np.bincount(index[keep], None if weights is None else weights[keep], minlength=n)[:n].astype(float)


def _reported(schedule: Schedule, since: float, n_people: int) -> Schedule:
    """The schedule from `since` on, re-based to start at 0; the external backup as NOBODY."""
    keep = schedule.end > since
    person = schedule.person[keep]
    return Schedule(start=np.maximum(schedule.start[keep], since) - since, end=schedule.end[keep] - since,
                    person=np.where(person < n_people, person, NOBODY), kind=schedule.kind[keep])


@lru_cache(maxsize=64)
def _reported_calendar(calendar: Calendar, since: float) -> Calendar:
    """The calendar of the reported period, built once per (calendar, warm-up): its dates,
    holidays and working days are computed on first use and kept with it."""
    return Calendar(calendar.start + timedelta(days=since / HOURS_PER_DAY), calendar.days - int(since // HOURS_PER_DAY))


def _staff_figures(rec: Records, region: Region, sampled: RegionInputs, calendar: Calendar, since: float
                   ) -> tuple[dict[str, np.ndarray], float]:
    """Working-time rules over the reported period, absence and re-planning, per person; and the
    blocks handed over beyond the rules."""
    n_people = len(region.people)
    st = region.staffing
    ruleset = get_ruleset(st.rules)
    reported = _reported_calendar(calendar, since)
    schedule = _reported(sampled.all_duties(n_people), since, n_people)
    eng = rec.eng_start >= since
    callin = rec.eng_role[eng] == CALLIN  # only the work rule depends on call-outs: the duty rules' breaches cancel
    checked = rules.figures(schedule, rec.eng_person[eng], rec.eng_start[eng] - since, rec.eng_end[eng] - since,
                            ruleset, n_people, reported, st.regular_job, region.duty.period_start, load=False,
                            callin=callin if count(callin) else None)
    caused = checked.get("callin_breaches", np.zeros(n_people))
    sp = sampled.spells
    away = np.minimum(sp.end, calendar.horizon) - np.maximum(sp.start, since)
    log = sampled.replan
    taken_after = sampled.primary.start[log.block] >= since
    moved = (log.new >= 0) & (log.new < n_people) & taken_after & (sampled.primary.kind[log.block] == ONCALL)
    out = {
        "absent_share": _per_person(sp.person, n_people, np.maximum(away, 0.0)) / (calendar.horizon - since),
        "extra_duties": _per_person(log.new[moved], n_people),
        "max_oncall_days_per_4w": checked["max_oncall_days_per_4w"].astype(float),
        "rest_hours_from_job": checked["rest_hours_from_job"].astype(float),
        "callin_breaches": caused,
    }
    for r in rules.DUTY_RULES + rules.WORK_RULES:
        col = f"breach_{r}"
        out[f"breaches_{r}"] = checked[col].astype(float) if col in checked else np.full(n_people, np.nan)
    reason = log.reason[taken_after]
    return out, float(count(reason == "breach") + count(reason == "backup_breach"))


def replication_metrics(
    rec: Records, region: Region, sampled: RegionInputs, calendar: Calendar, norms: Norms, since: float = 0.0,
    delays: dict[str, np.ndarray] | None = None,
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Region-level figures, and per person (arrays in the order of `region.people`), for one replication.

    Only what happens from `since` (hours; the end of the warm-up) counts: reports arriving,
    contacts due, duties held and work done from then on. The figures come in the order of
    the service: how fast reports are answered, how the team is loaded, how the rules and the
    absences weigh, and whether anybody was reachable at all. `delays`: the replication's
    `delay_samples`, when the caller has them already.
    """
    window = calendar.horizon - since
    acute = rec.acute_arrival >= since
    judged, late = _on_time(rec, calendar, norms.followup_tolerance_working_days, int(since // HOURS_PER_DAY))
    out = _timeliness(rec, region, calendar, norms, since, delay_samples(rec, since) if delays is None else delays)
    out["followup_on_time"] = 1 - mean(late[judged]) if count(judged) else np.nan
    persons, load = _load(rec, region, sampled, since, calendar.horizon, late)
    staff, out["replan_breaches"] = _staff_figures(rec, region, sampled, calendar, since)
    persons.update(staff)
    out.update(load)
    out.update(_team_figures(persons, region.casemanagers, window))
    out.update(escalation.region_load({k: persons[k] for k in CALLIN_PERSON_METRICS}, rec, since, window,
                                      region.id, len(region.people)))
    out.update(_coverage(rec, sampled, since, calendar.horizon, acute))
    return {k: out[k] for k in REGION_METRICS}, persons


def _timeliness(rec: Records, region: Region, calendar: Calendar, norms: Norms, since: float,
                delays: dict[str, np.ndarray]) -> dict[str, float]:
    """Reports counted, their delays against the norms, and those still open at the horizon."""
    acute = rec.acute_arrival >= since
    non_acute = rec.nonacute_arrival >= since
    out: dict[str, float] = {
        "acute_reports": float(count(acute)),
        "non_acute_reports": float(count(non_acute)),
    }
    reached = acute & ~np.isnan(rec.acute_contact)
    out.update(delay_figures(delays["acute_contact"], norms.acute_contact_minutes, "acute_contact"))
    out.update(escalation.answer_shares(rec, reached))
    attend_norm = norms.acute_attendance_minutes if region.pathway.attendance == "day0" else None
    out.update(delay_figures(delays["acute_attendance"], attend_norm, "acute_attendance"))
    if attend_norm is None:
        out["acute_attendance_within_norm"] = np.nan

    done = non_acute & ~np.isnan(rec.nonacute_intake)
    out.update(delay_figures(delays["intake_wait"], None, "intake_wait"))
    arrival_day = (rec.nonacute_arrival[done] // HOURS_PER_DAY).astype(np.int64)
    intake_day = (rec.nonacute_intake[done] // HOURS_PER_DAY).astype(np.int64)
    # Within n working days: by the n-th working day after the day of the report (n = 0: that day).
    n = norms.intake_working_days
    limit = _add_working_days(calendar, arrival_day + 1, n - 1) if n > 0 else arrival_day
    out["intake_within_norm"] = mean(intake_day <= limit) if count(done) else np.nan
    out["acute_open_at_horizon"] = float(count(acute & np.isnan(rec.acute_contact)))
    out["intake_open_at_horizon"] = float(count(non_acute & np.isnan(rec.nonacute_intake)))
    return out


def _load(rec: Records, region: Region, sampled: RegionInputs, since: float, horizon: float, late: np.ndarray
          ) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Duties, call-outs, hours and caseload per person; with the two call-out rates that are
    region totals rather than means over the team."""
    window = horizon - since
    n_people = len(region.people)
    schedule = sampled.primary
    duties_all = sampled.all_duties(n_people)
    oncall = (duties_all.kind == ONCALL) & (duties_all.start >= since)
    block_hours = duties_all.end - duties_all.start
    oncall_hours = _per_person(duties_all.person[oncall], n_people, block_hours[oncall])
    duties = _per_person(duties_all.person[oncall], n_people)
    eng = rec.eng_start >= since
    callouts = _per_person(rec.eng_person[eng], n_people)
    block = np.searchsorted(schedule.start, rec.eng_start, side="right") - 1
    on_duty = eng & (rec.eng_role == PRIMARY) & (schedule.kind[block] == ONCALL)
    duty_callouts = _per_person(rec.eng_person[on_duty], n_people)
    night = eng & rules.is_night(rec.eng_start, rec.eng_end)
    nights = _per_person(rec.eng_person[night], n_people)
    did = rec.task_start >= since  # False for NaN: not done
    worked = (_per_person(rec.eng_person[eng], n_people, (rec.eng_end - rec.eng_start)[eng])
              + _per_person(rec.task_owner[did], n_people, rec.task_duration[did]))
    weeks = window / (7 * HOURS_PER_DAY)
    contracted = np.array([p.hours_per_week for p in region.people])
    owner, open_hours = _open_hours(rec, since, horizon)
    with np.errstate(invalid="ignore", divide="ignore"):
        persons = {
            "person": np.array([p.id for p in region.people], dtype=object),
            "role": np.array([p.role for p in region.people], dtype=object),
            "contracted_hours_per_week": contracted,
            "oncall_hours_per_4w": oncall_hours * FOUR_WEEKS / window,
            "duties_per_4w": duties * FOUR_WEEKS / window,
            "callouts": callouts,
            "callouts_per_duty": np.where(duties > 0, duty_callouts / duties, np.nan),
            "night_callouts_per_16w": nights * 4 * FOUR_WEEKS / window,
            "csg_hours_per_week": worked / weeks,
            "csg_hours_vs_contract": np.where(contracted > 0, worked / weeks / contracted, np.nan),
            "active_caseload": _per_person(owner, n_people, open_hours) / window,
            "late_followups": _per_person(rec.task_owner[late], n_people),
            **escalation.callin_load(rec, n_people, since, window),
        }
    return persons, {
        "callouts_per_duty": float(duty_callouts.sum() / duties.sum()) if duties.sum() else np.nan,
        "office_callouts_per_week": count(eng & (schedule.kind[block] == OFFICE)) / weeks,
    }


def _team_figures(persons: dict[str, np.ndarray], cms: int, window: float) -> dict[str, float]:
    """The casemanagers' (the first `cms` people's) load and staffing figures for the region."""
    breaches = np.concatenate([v for k, v in persons.items() if k.startswith("breaches_")])
    hours, contracted = persons["csg_hours_per_week"][:cms], persons["contracted_hours_per_week"][:cms]
    return {
        "oncall_hours_per_4w": mean(persons["oncall_hours_per_4w"][:cms]),
        "duties_per_4w": mean(persons["duties_per_4w"][:cms]),
        "night_callouts_per_16w": mean(persons["night_callouts_per_16w"][:cms]),
        "csg_hours_per_week": mean(hours),
        "csg_hours_vs_contract": float(np.add.reduce(hours) / np.add.reduce(contracted)),  # numpy's 0/0: NaN
        "active_caseload": mean(persons["active_caseload"][:cms]),
        "absent_share": mean(persons["absent_share"][:cms]),
        "extra_duties_per_4w": total(persons["extra_duties"][:cms]) * FOUR_WEEKS / window,
        "max_oncall_days_per_4w": float(np.maximum.reduce(persons["max_oncall_days_per_4w"][:cms])),
        "rest_hours_from_job_per_4w": mean(persons["rest_hours_from_job"][:cms]) * FOUR_WEEKS / window,
        "rule_breaches": total(np.where(np.isnan(breaches), 0.0, breaches)),  # np.nansum
    }


def _held_hours(lines: tuple[Schedule, ...], backups: tuple[Schedule, ...], since: float, horizon: float
                ) -> tuple[float, float]:
    """Hours in [since, horizon) in which at least one of the lines has someone, and in which
    one of the lines or backups has (any line, any backup step: the roles the control room goes
    down, as `acute_in_gap` counts them). The second union starts from the first's disjoint
    intervals, which are fewer than the lines' blocks: the same intervals, for a smaller sort."""
    start, end = _union(*_clipped(lines, since, horizon))
    more_start, more_end = _clipped(backups, since, horizon)
    all_start, all_end = _union(np.concatenate((start, more_start)), np.concatenate((end, more_end)))
    return total(end - start), total(all_end - all_start)


def _clipped(schedules: tuple[Schedule, ...], since: float, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """The held blocks (someone in them) of the schedules, cut to [since, horizon)."""
    start = np.concatenate([np.maximum(s.start[s.person != NOBODY], since) for s in schedules] + [np.zeros(0)])
    end = np.concatenate([np.minimum(s.end[s.person != NOBODY], horizon) for s in schedules] + [np.zeros(0)])
    return start, end


def _union(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted disjoint intervals whose union is that of the non-empty [start, end)."""
    keep = end > start
    if not count(keep):
        return np.zeros(0), np.zeros(0)
    s, e, _ = merge_intervals(start[keep], end[keep])
    return s, e


def _coverage(rec: Records, sampled: RegionInputs, since: float, horizon: float, acute: np.ndarray
              ) -> dict[str, float]:
    """Hours nobody (or only the backup) was reachable, and how acute reports fell over the weeks."""
    held, reachable = _held_hours((sampled.primary, *sampled.lines, *sampled.shared), tuple(sampled.backups), since,
                                  horizon)
    out = {
        "backup_only_hours": reachable - held,
        "gap_hours": max(horizon - since, 0.0) - reachable,
        "acute_in_gap": float(count(acute & rec.acute_in_gap)),
    }
    full_weeks = int((horizon - since) // (7 * HOURS_PER_DAY))
    if full_weeks:
        week = ((rec.acute_arrival[acute] - since) // (7 * HOURS_PER_DAY)).astype(np.int64)
        per_week = np.bincount(week, minlength=full_weeks)[:full_weeks]
        out["heavy_week_share"] = mean(per_week >= HEAVY_WEEK)
        out["zero_week_share"] = mean(per_week == 0)
    else:
        out["heavy_week_share"] = out["zero_week_share"] = np.nan
    return out
