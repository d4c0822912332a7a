"""Working-time rules for on-call duty, as data, and the checks that count breaches.

Two families of rules:
- duty-count rules depend only on the schedule, so re-planning can respect them before the
  run (`ledger.Ledger`): on-call days and free days per 4 weeks, duty length, duties per 7 days and
  per 16 weeks;
- work rules depend on call-outs and are checked after the run (`check`): work per 24 h,
  rest after night call-outs and the regular-job hours it costs, night call-outs per 16 weeks.

Windows: every "per N days/weeks" rule uses fixed windows from the scenario start (days
0-27, 28-55, ...), as 4-week rosters do; a window cut short by the horizon counts towards the
maxima (a breach there is real) but not towards the minimum of free days. Work per 24 h uses
rolling windows, as the law counts any 24 hours (`work24h`). A duty is a run of contiguous on-call
blocks held by the same person: two back-to-back 24 h blocks are one 48 h duty.

Days: the law counts on-call "days" as periods of 24 hours (consignatie: 14 x 24 h without
on-call per 28 etmalen, 2 x 48 h of them together), so `day_start` puts the periods at the
roster's hand-over hour (`duties.period_start`): a 09:00-09:00 duty is one on-call day, not
the two calendar days it touches. The default 0 counts calendar days.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from csgsim.core.clamp import clamp
from csgsim.core.calendar import HOURS_PER_DAY, HOURS_PER_WEEK, Calendar
from csgsim.staff.duties import ONCALL, Schedule
from csgsim.config.staffing import RegularJob, RuleSet
from csgsim.staff.work24h import _EPS, episodes_24h, episodes_with_and_without, work_24h

if TYPE_CHECKING:
    import pandas as pd

DAYS_4W = 28
HOURS_7D = HOURS_PER_WEEK
HOURS_16W = 16 * HOURS_PER_WEEK
NIGHT_END_HOUR = 6  # night call-outs: work between 00:00 and 06:00 (Arbeidstijdenwet)

DUTY_RULES = ("oncall_days_4w", "free_days_4w", "duty_length", "duties_7d", "duties_16w")
WORK_RULES = ("work_24h",)


def is_night(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """True for call-outs with any work between 00:00 and 06:00."""
    day = np.floor(start / HOURS_PER_DAY)
    return (start - day * HOURS_PER_DAY < NIGHT_END_HOUR) | (end > (day + 1) * HOURS_PER_DAY)


def free_pairs(free: np.ndarray) -> np.ndarray:
    """Disjoint pairs of consecutive free days per row of a (rows, days) bool array.

    The rows laid end to end with a busy day before each and after the last: one flat diff
    finds every run of free days, half its length in pairs (a 2-D diff and nonzero cost twice).
    """
    free = np.atleast_2d(free)
    rows, width = free.shape
    flat = np.zeros(rows * (width + 1) + 1, dtype=np.int8)
    flat[1:].reshape(rows, width + 1)[:, :width] = free
    step = np.diff(flat)
    first, stop = np.flatnonzero(step == 1), np.flatnonzero(step == -1)
    return np.bincount(first // (width + 1), weights=(stop - first) // 2, minlength=rows).astype(np.int64)


def _day_span(start: np.ndarray, end: np.ndarray, n_days: int, day_start: float = 0.0
              ) -> tuple[np.ndarray, np.ndarray]:
    """First and one-past-last day that blocks [start, end) touch.

    Day d is the 24 h period from hour 24 d + day_start. Hours before the first such period
    belong to the period before the calendar, which no window counts.
    """
    d0 = clamp(np.floor((start - day_start) / HOURS_PER_DAY).astype(np.int64), 0, n_days)
    d1 = clamp(np.ceil((end - day_start) / HOURS_PER_DAY).astype(np.int64), 0, n_days)
    return d0, d1


def _duties(schedule: Schedule, n_people: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Person, start and end of every duty: a run of contiguous on-call blocks of one person,
    from the start of its first block to the end of its last (blocks are rows in time order)."""
    person = schedule.person
    held = (schedule.kind == ONCALL) & (person >= 0) & (person < n_people)
    cont = np.zeros(held.size + 1, dtype=bool)  # cont[i]: row i goes on from row i - 1
    cont[1:-1] = held[1:] & held[:-1] & (person[1:] == person[:-1]) & (schedule.end[:-1] == schedule.start[1:])
    first, last = held & ~cont[:-1], held & ~cont[1:]
    return person[first], schedule.start[first], schedule.end[last]


def _window_counts(person: np.ndarray, t: np.ndarray, width: float, n_people: int, horizon: float,
                   origin: float = 0.0) -> np.ndarray:
    """(n_people, n_windows) counts of events at times t in fixed windows of `width` hours that
    start at `origin` (earlier hours fall in windows of their own before it)."""
    before = int(np.ceil(origin / width))  # windows, the first perhaps short, before the origin
    n_w = before + max(1, int(np.ceil((horizon - origin) / width)))
    w = clamp(((t - origin) // width).astype(np.int64) + before, 0, n_w - 1)
    return np.bincount(person * n_w + w, minlength=n_people * n_w).reshape(n_people, n_w)


def _oncall_days(schedule: Schedule, n_people: int, n_days: int, day_start: float = 0.0) -> np.ndarray:
    """(n_people, n_days) bool: the person holds an on-call block at some time that day."""
    held = (schedule.kind == ONCALL) & (schedule.person >= 0) & (schedule.person < n_people)
    d0, d1 = _day_span(schedule.start[held], schedule.end[held], n_days, day_start)
    # +1 where a block's days begin, -1 where they end, per person (counts: exact in any order).
    row, size = schedule.person[held] * (n_days + 1), n_people * (n_days + 1)
    diff = np.bincount(row + d0, minlength=size) - np.bincount(row + d1, minlength=size)
    return np.cumsum(diff.reshape(n_people, n_days + 1), axis=1)[:, :n_days] > 0


def _per_4w(oncall_day: np.ndarray) -> np.ndarray:
    """(n_people, n_windows) on-call days in each fixed 4-week window (the last may be short)."""
    n_people, n_days = oncall_day.shape
    n_4w = -(-n_days // DAYS_4W)
    padded = np.zeros((n_people, n_4w * DAYS_4W), dtype=bool)
    padded[:, :n_days] = oncall_day
    return padded.reshape(n_people, n_4w, DAYS_4W).sum(axis=2)


def oncall_days_per_4w(schedule: Schedule, n_people: int, n_days: int, day_start: float = 0.0) -> np.ndarray:
    """(n_people, n_windows) on-call days (24 h periods from day_start) per fixed 4-week window."""
    return _per_4w(_oncall_days(schedule, n_people, n_days, day_start))


def _rest_hours_from_job(person: np.ndarray, end: np.ndarray, n_people: int, rest_hours: float,
                         regular_job: RegularJob, calendar: Calendar) -> np.ndarray:
    """Per person, regular-job hours lost to the rest owed after night call-outs ending at `end`.

    A load figure, not a breach count: the rest is owed by law, and the hours of it that fall in
    the regular job are what night call-outs cost the job.
    """
    lost = np.zeros(n_people)
    if rest_hours <= 0:
        return lost
    # Overlapping rests (two calls in one night) are one rest: merged per person, everyone at once.
    # The job hours of everyone's rests come from one pass; each person's sum stays their own.
    mine = (person >= 0) & (person < n_people)
    if not np.count_nonzero(mine):
        return lost
    who, starts, ends = _merged_rests(person[mine], end[mine], rest_hours)
    before = regular_job.hours_before(np.concatenate((ends, starts)), calendar)  # one pass: hour by hour
    job = before[:ends.size] - before[ends.size:]
    first = np.flatnonzero(np.append(True, who[1:] != who[:-1])).tolist() + [who.size]
    for lo, hi in zip(first[:-1], first[1:]):
        lost[who[lo]] = np.add.reduce(job[lo:hi])  # numpy's sum of the person's rests, as before
    return lost


def _merged_rests(person: np.ndarray, start: np.ndarray, rest_hours: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each person's rests [start, start + rest_hours) (at least one) merged where they meet, by
    person then time: per person what `merge_intervals` gives. All rests last as long, so in
    start order their ends rise too, and a rest opens a new stretch when it starts after the
    previous one's end (or is a new person's first)."""
    order = np.lexsort((start, person))
    person, s = person[order], start[order]
    e = s + rest_hours
    new = np.append(True, (person[1:] != person[:-1]) | (s[1:] > e[:-1]))
    first = np.flatnonzero(new)
    last = np.append(first[1:], s.size) - 1
    return person[first], s[first], e[last]


def _breaches(rule: str, ruleset: RuleSet, oncall_day: np.ndarray, days_4w: np.ndarray,
              duties: tuple[np.ndarray, np.ndarray, np.ndarray], episodes: np.ndarray, horizon: float) -> np.ndarray:
    """Per person, the windows (or duties, or episodes) in breach of `rule`, one count each.

    One branch per rule of DUTY_RULES + WORK_RULES, each next to the window it counts in; the
    work_24h episodes come from `work24h`, found with the most work per 24 h.
    """
    n_people, n_days = oncall_day.shape
    d_person, d_start, d_end = duties
    if rule == "oncall_days_4w":
        return (days_4w > ruleset.max_oncall_days_per_4w).sum(axis=1)
    if rule == "free_days_4w":
        full = n_days // DAYS_4W
        free = ~oncall_day[:, : full * DAYS_4W].reshape(n_people * full, DAYS_4W)
        return (free_pairs(free) < ruleset.min_free_pairs_per_4w).reshape(n_people, full).sum(axis=1)
    if rule == "duty_length":
        long_ = d_end - d_start > ruleset.max_duty_hours + _EPS
        return np.bincount(d_person[long_], minlength=n_people)
    if rule == "duties_7d":
        counts = _window_counts(d_person, d_start, HOURS_7D, n_people, horizon)
        return (counts > ruleset.max_duties_per_7d).sum(axis=1)
    if rule == "duties_16w":
        counts = _window_counts(d_person, d_start, HOURS_16W, n_people, horizon)
        return (counts > ruleset.max_duties_per_16w).sum(axis=1)
    if rule == "work_24h":
        return episodes
    raise ValueError(f"unknown working-time rule {rule!r}; known: {', '.join(DUTY_RULES + WORK_RULES)}")


def _callouts(person: np.ndarray, start: np.ndarray, end: np.ndarray, ruleset: RuleSet, n_people: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The call-outs of people 0..n_people-1: person, start, end and the work each counts for;
    and which of all the call-outs they are."""
    c_person, c_start, c_end = np.asarray(person, dtype=np.int64), np.asarray(start, float), np.asarray(end, float)
    ok = (c_person >= 0) & (c_person < n_people)
    c_person, c_start, c_end = c_person[ok], c_start[ok], c_end[ok]
    return c_person, c_start, c_end, np.maximum(c_end - c_start, ruleset.min_callout_hours), ok


def work_24h_breaches(person: np.ndarray, start: np.ndarray, end: np.ndarray, ruleset: RuleSet, n_people: int
                      ) -> np.ndarray:
    """Per person, the episodes of more than the allowed work in 24 h (the one rule that depends
    on call-outs): what a set of call-outs adds to `figures`' duty-rule breaches."""
    c_person, c_start, _, worked, _ = _callouts(person, start, end, ruleset, n_people)
    limit = np.inf if ruleset.max_work_hours_per_24h is None else ruleset.max_work_hours_per_24h
    return episodes_24h(c_person, c_start, worked, n_people, limit)


def figures(schedule: Schedule, callouts_person: np.ndarray, callouts_start: np.ndarray, callouts_end: np.ndarray,
            ruleset: RuleSet, n_people: int, calendar: Calendar, regular_job: RegularJob = RegularJob(),
            day_start: float = 0.0, load: bool = True, callin: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per person (arrays of n_people): load figures and one `breach_<rule>` count per active rule.

    Breaches count violated windows once each (a 4-week window, a 7-day window, a duty, an
    episode of more than the allowed work in 24 h). `flag_night_callouts_16w` counts 16-week
    windows with enough night call-outs to trigger the weekly-hours limit: a flag, not a breach.
    `load=False`: only breaches, max_oncall_days_per_4w and rest_hours_from_job (what metrics read);
    with `callin` (which call-outs are call-ins) and the work_24h rule, also `callin_breaches`:
    the episodes the call-ins caused, found in the same pass as the breaches.
    """
    n_days, horizon = calendar.days, calendar.horizon
    duties = _duties(schedule, n_people)  # person, start and end of each duty
    oncall_day = _oncall_days(schedule, n_people, n_days, day_start)
    days_4w = _per_4w(oncall_day)

    c_person, c_start, c_end, worked, ok = _callouts(callouts_person, callouts_start, callouts_end, ruleset,
                                                     n_people)
    night = is_night(c_start, c_end)
    limit_24h = np.inf if ruleset.max_work_hours_per_24h is None else ruleset.max_work_hours_per_24h
    rest = _rest_hours_from_job(c_person[night], c_end[night], n_people, ruleset.night_rest_hours, regular_job,
                                calendar)
    if load:
        max_24h, episodes = work_24h(c_person, c_start, worked, n_people, limit_24h)
        night_16w = _window_counts(c_person[night], c_start[night], HOURS_16W, n_people, horizon)
        held = (schedule.kind == ONCALL) & (schedule.person >= 0) & (schedule.person < n_people)
        out = {
            "oncall_hours": np.bincount(schedule.person[held], weights=(schedule.end - schedule.start)[held],
                                        minlength=n_people),
            "duties": np.bincount(duties[0], minlength=n_people),
            "max_oncall_days_per_4w": days_4w.max(axis=1),
            "night_callouts": np.bincount(c_person[night], minlength=n_people),
            "max_night_callouts_per_16w": night_16w.max(axis=1),
            "rest_hours_from_job": rest,
            "worked_hours": np.bincount(c_person, weights=worked, minlength=n_people),
            "max_work_hours_per_24h": max_24h,
        }
    else:
        out = {"max_oncall_days_per_4w": days_4w.max(axis=1), "rest_hours_from_job": rest}
        if callin is None:
            episodes = episodes_24h(c_person, c_start, worked, n_people, limit_24h)
        else:
            episodes, caused = episodes_with_and_without(c_person, c_start, worked, np.asarray(callin)[ok], n_people,
                                                         limit_24h)
            if "work_24h" in ruleset.rules:
                out["callin_breaches"] = caused
    for rule in ruleset.rules:
        out[f"breach_{rule}"] = _breaches(rule, ruleset, oncall_day, days_4w, duties, episodes, horizon)
    if load and ruleset.night_flag_per_16w is not None:
        out["flag_night_callouts_16w"] = (night_16w >= ruleset.night_flag_per_16w).sum(axis=1)
    return out


def check(schedule: Schedule, callouts_person: np.ndarray, callouts_start: np.ndarray, callouts_end: np.ndarray,
          ruleset: RuleSet, n_people: int, calendar: Calendar, regular_job: RegularJob = RegularJob(),
          day_start: float = 0.0) -> pd.DataFrame:
    """`figures` as a table, one row per person: for reading a roster, not inside a replication."""
    import pandas as pd

    out = figures(schedule, callouts_person, callouts_start, callouts_end, ruleset, n_people, calendar,
                  regular_job, day_start)
    return pd.DataFrame(out, index=pd.Index(np.arange(n_people), name="person"))
