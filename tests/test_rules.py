"""Working-time rules: hand-computed breach counts, call-out metrics and the Ledger."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from csgsim.core.calendar import Calendar
from csgsim.staff.duties import NOBODY, OFFICE, ONCALL, PATTERNS, Schedule, base_schedule
from csgsim.core.errors import ScenarioError
from csgsim.config.staffing import RULESETS, RegularJob, get_ruleset
from csgsim.staff.ledger import Ledger
from csgsim.staff.rules import DUTY_RULES, check, free_pairs

CAL = Calendar(date(2025, 9, 1), 56)  # Monday 1 Sept 2025; no Dutch public holiday in 8 weeks
NONE = np.zeros(0)


def schedule(*rows: tuple[float, float, int, int]) -> Schedule:
    start, end, person, kind = (np.array(x) for x in zip(*rows))
    assert np.array_equal(start[1:], end[:-1]), "blocks must be contiguous"
    return Schedule(start=start.astype(float), end=end.astype(float), person=person.astype(np.int64), kind=kind.astype(np.int8))


def duty_breaches(table, people=None) -> np.ndarray:
    cols = [c for c in table.columns if c.removeprefix("breach_") in DUTY_RULES]
    rows = table if people is None else table.loc[people]
    return rows[cols].to_numpy()


def test_rulesets_hold_the_published_limits() -> None:
    """Consignatie: 14 on-call days and 2x2 free days per 4 weeks, 13 h work per 24 h, 0.5 h per call,
    8 h rest after night calls, 16 night calls per 16 weeks; bereikbaarheid: 24 h, 5 per 7 days, 32 per 16 weeks."""
    c, b = RULESETS["consignatie"], RULESETS["bereikbaarheid"]
    assert (c.max_oncall_days_per_4w, c.min_free_pairs_per_4w, c.max_work_hours_per_24h) == (14, 2, 13.0)
    assert (c.min_callout_hours, c.night_rest_hours, c.night_flag_per_16w) == (0.5, 8.0, 16)
    assert (b.max_duty_hours, b.max_duties_per_7d, b.max_duties_per_16w) == (24.0, 5, 32)
    assert c.rules == ("oncall_days_4w", "free_days_4w", "work_24h")
    assert b.rules == ("duty_length", "duties_7d", "duties_16w")
    assert RULESETS["none"].rules == ()


def test_unknown_ruleset_lists_allowed() -> None:
    """An unknown rule-set name is a ScenarioError listing the allowed names."""
    with pytest.raises(ScenarioError, match="consignatie, bereikbaarheid, none"):
        get_ruleset("cao")


def test_free_pairs_counts_disjoint_pairs() -> None:
    """Runs of 3, 2 and 1 free days hold 1 + 1 + 0 pairs; a run of 4 holds 2."""
    f, t = False, True
    assert free_pairs(np.array([[t, t, t, f, t, t, f, t], [t, t, t, t, f, f, f, f]])).tolist() == [2, 2]


@given(st.integers(0, 5), st.integers(0, 30), st.data())
def test_free_pairs_are_each_rows_runs_halved(rows, days, data) -> None:
    """Per row, the runs of free days counted one by one, half of each (rounded down) added up."""
    free = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=days, max_size=days),
                                       min_size=rows, max_size=rows)), dtype=bool).reshape(rows, days)
    want = []
    for row in free.tolist():
        runs, run = [], 0
        for day in row + [False]:
            runs, run = (runs, run + 1) if day else (runs + [run], 0)
        want.append(sum(r // 2 for r in runs))
    assert free_pairs(free).tolist() == want


def test_rotation_of_four_is_exactly_legal_and_three_is_not() -> None:
    """24 h duties from 09:00 touch two calendar days each.

    Team of 4 over 8 weeks: person p's blocks touch the days in two residues mod 4, so
    exactly 14 days in each 4-week window (legal) with 7 free pairs. Team of 3: two residues
    mod 3, so 28 - 9 = 19 days in a window (person 0's second window: 18; person 2's first: 18),
    and free days never come in pairs: every person breaches both rules in both windows.
    """
    four = check(base_schedule("rotation_24h", 4, CAL), NONE, NONE, NONE, RULESETS["consignatie"], 4, CAL)
    assert four["max_oncall_days_per_4w"].tolist() == [14] * 4
    assert duty_breaches(four).sum() == 0
    three = check(base_schedule("rotation_24h", 3, CAL), NONE, NONE, NONE, RULESETS["consignatie"], 3, CAL)
    assert three["max_oncall_days_per_4w"].tolist() == [19, 19, 19]
    assert three["breach_oncall_days_4w"].tolist() == [2, 2, 2]
    assert three["breach_free_days_4w"].tolist() == [2, 2, 2]
    assert three["oncall_hours"].sum() == CAL.horizon


@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([0.0, 0.5, 8.0, 24.0]), st.sampled_from([ONCALL, OFFICE]),
                         st.integers(-1, 3)), max_size=20), st.integers(1, 3))
@example([(0, 8.0, ONCALL, 0), (1, 8.0, ONCALL, 0)], 1)  # an hour apart: two duties
def test_duties_are_the_runs_of_contiguous_on_call_blocks(rows, n_people) -> None:
    """Duties as a loop over the blocks finds them: a held on-call block of the same person that
    starts where the previous one ended goes on with its duty, any other opens one."""
    from csgsim.staff.rules import _duties

    t, starts, ends = 0.0, [], []
    for gap, hours, _, _ in rows:
        starts.append(t + (1.0 if gap == 1 else 0.0))  # an hour apart, or on from the last
        t = starts[-1] + hours
        ends.append(t)
    sched = Schedule(start=np.array(starts), end=np.array(ends), person=np.array([r[3] for r in rows], dtype=np.int64),
                     kind=np.array([r[2] for r in rows], dtype=np.int8))
    want, prev = [], None
    for i, (_, _, kind, who) in enumerate(rows):
        held = kind == ONCALL and 0 <= who < n_people
        if held and prev is not None and rows[prev][3] == who and ends[prev] == starts[i]:
            want[-1][2] = ends[i]
        elif held:
            want.append([who, starts[i], ends[i]])
        prev = i if held else None
    got = _duties(sched, n_people)
    assert [[int(p), s, e] for p, s, e in zip(*got)] == want


def test_periods_from_the_handover_count_a_24h_duty_once() -> None:
    """With day_start at the 09:00 hand-over a 24 h duty is one on-call period (the law counts
    14 x 24 h per 28 etmalen), so a rotation of 2 holds exactly 14 periods per 4 weeks, within
    the limit, but its free periods never come in pairs (both persons breach the 2 x 48 h rule
    in both windows); a rotation of 3 keeps every rule. The 9 hours before the first hand-over
    belong to the period before the calendar, which no window counts."""
    two = check(base_schedule("rotation_24h", 2, CAL), NONE, NONE, NONE, RULESETS["consignatie"], 2, CAL,
                day_start=9)
    assert two["max_oncall_days_per_4w"].tolist() == [14, 14]
    assert two["breach_oncall_days_4w"].tolist() == [0, 0]
    assert two["breach_free_days_4w"].tolist() == [2, 2]
    three = check(base_schedule("rotation_24h", 3, CAL), NONE, NONE, NONE, RULESETS["consignatie"], 3, CAL,
                  day_start=9)
    assert three["max_oncall_days_per_4w"].tolist() == [9, 10, 10]
    assert duty_breaches(three).sum() == 0


def test_bereikbaarheid_hand_case() -> None:
    """Week 0: 12 h duties alternate (7 each: > 5 per 7 days); then person 0 holds 48 h straight (> 24 h),
    person 1 the remaining 1,128 h (one duty, also > 24 h). Office blocks are not duties."""
    rows = [(12 * i, 12 * (i + 1), i % 2, ONCALL) for i in range(14)]
    rows += [(168, 192, 0, ONCALL), (192, 216, 0, ONCALL), (216, 1300, 1, ONCALL), (1300, 1344, 0, OFFICE)]
    table = check(schedule(*rows), NONE, NONE, NONE, RULESETS["bereikbaarheid"], 2, CAL)
    assert table["duties"].tolist() == [8, 8]
    assert table["breach_duties_7d"].tolist() == [1, 1]
    assert table["breach_duty_length"].tolist() == [1, 1]
    assert table["breach_duties_16w"].tolist() == [0, 0]
    assert table["oncall_hours"].tolist() == [84 + 48, 84 + 1084]


def test_bereikbaarheid_16_weeks() -> None:
    """Alternating 24 h duties for 16 weeks give 56 each (> 32), and at most 4 per fixed week (legal)."""
    cal = Calendar(date(2025, 9, 1), 112)
    table = check(base_schedule("rotation_24h", 2, cal, handover_hour=0), NONE, NONE, NONE,
                  RULESETS["bereikbaarheid"], 2, cal)
    assert table["duties"].tolist() == [56, 56]
    assert table["breach_duties_16w"].tolist() == [1, 1]
    assert table["breach_duties_7d"].tolist() == [0, 0]


def test_callout_metrics_hand_case() -> None:
    """Person 0 (calendar starts Monday):
    Tue 03:00-04:00 and Tue 05:00-05:10: night; rests 04:00-12:00 and 05:10-13:10 merge, 08:00-13:10
    of the regular job = 5 h 10; Sat 02:00-03:00: night, rest on a Saturday costs nothing;
    Wed 14:00-14:05: day call, counts 0.5 h; Thu 23:30-Fri 00:30: night (crosses midnight),
    rest to 08:30 costs 0.5 h. Night calls 4, rest from job 5.667 h, worked 1 + 0.5 + 1 + 0.5 + 1 = 4 h.
    Person 1: 5 + 5 + 4 h within 24 h on day 10 (one episode of 14 h > 13 h) and 3 x 5 h on
    day 20 (15 h): 2 breaches; 2 x 6 h on day 30 is legal. Two of these are night calls: the
    one to Fri 01:00 (rest to 09:00 costs 1 h) and the one from Sunday 00:00 (costs nothing).
    Person 2: a 02:00-02:30 call on each of days 0-15: 16 night calls in the first 16-week
    window (flagged), 12 of them on working days, each costing 08:00-10:30 = 2.5 h: 30 h.
    """
    calls = [
        (0, 27, 28), (0, 29, 29 + 1 / 6), (0, 122, 123), (0, 62, 62 + 1 / 12), (0, 95.5, 96.5),
        (1, 249, 254), (1, 255, 260), (1, 261, 265),
        (1, 480, 485), (1, 486, 491), (1, 492, 497),
        (1, 729, 735), (1, 736, 742),
    ]
    calls += [(2, 24 * d + 2, 24 * d + 2.5) for d in range(16)]
    person, start, end = (np.array(x) for x in zip(*calls))
    table = check(base_schedule("rotation_24h", 5, CAL), person, start, end, RULESETS["consignatie"], 5, CAL)
    assert table["night_callouts"].tolist() == [4, 2, 16, 0, 0]
    assert table["rest_hours_from_job"].tolist() == pytest.approx([5 + 1 / 6 + 0.5, 1, 30, 0, 0])
    assert table.loc[0, "worked_hours"] == pytest.approx(4.0)
    assert table.loc[1, "max_work_hours_per_24h"] == pytest.approx(15.0)
    assert table["breach_work_24h"].tolist() == [0, 2, 0, 0, 0]
    assert table["max_night_callouts_per_16w"].tolist() == [4, 2, 16, 0, 0]
    assert table["flag_night_callouts_16w"].tolist() == [0, 0, 1, 0, 0]
    plain = check(base_schedule("rotation_24h", 5, CAL), person, start, end, RULESETS["none"], 5, CAL)
    assert plain.loc[0, "worked_hours"] == pytest.approx(3 + 1 / 6 + 1 / 12)
    assert not any(c.startswith("breach_") for c in plain.columns)
    assert plain["rest_hours_from_job"].sum() == 0


def test_regular_job_hours() -> None:
    """The default regular job is 08:00-16:30 on working days: 8.5 h on Monday, 42.5 h in the week."""
    job = RegularJob()
    assert job.hours_before(np.array([24.0, 168.0, 12.0, 1e9]), CAL).tolist() == [8.5, 42.5, 4.0, 8 * 42.5]


def test_public_holidays_have_no_regular_job() -> None:
    """Christmas Day 2025 (Thursday) costs no regular-job hours."""
    cal = Calendar(date(2025, 12, 22), 7)
    job = RegularJob()
    christmas = np.array([3 * 24.0, 4 * 24.0])
    assert np.diff(job.hours_before(christmas, cal)).item() == 0


def plain_hours_before(job: RegularJob, t: np.ndarray, cal: Calendar) -> np.ndarray:
    """`RegularJob.hours_before` as first written: the day table built on every call."""
    t = np.clip(np.asarray(t, dtype=float), 0, cal.horizon)
    length = job.end_hour - job.start_hour
    working = np.append(cal.working, False)
    before = np.concatenate(([0.0], np.cumsum(working[:-1] * length)))
    day = np.minimum((t // 24).astype(np.int64), cal.days)
    return before[day] + working[day] * np.clip(t - day * 24 - job.start_hour, 0, length)


@settings(max_examples=60, deadline=None)
@given(st.dates(date(2024, 1, 1), date(2027, 12, 1)), st.integers(1, 120),
       st.lists(st.floats(-50, 3200, allow_nan=False), max_size=30), st.floats(0, 12), st.floats(0, 12))
def test_regular_job_hours_from_the_kept_table(start, days, t, begin, length) -> None:
    """The day table kept per (job length, calendar) gives, bit for bit, what building it on every
    call gave, for jobs of different lengths on the same calendar and after other calendars."""
    cal = Calendar(start, days)
    for job in (RegularJob(begin, begin + length), RegularJob(), RegularJob(begin, begin + length / 2)):
        got = job.hours_before(np.array(t), cal)
        assert got.tobytes() == plain_hours_before(job, np.array(t), cal).tobytes()


# --- Ledger -------------------------------------------------------------------------------------

bases = st.tuples(
    st.sampled_from(PATTERNS),
    st.integers(2, 7),
    st.integers(14, 70),
    st.sampled_from([date(2025, 9, 1), date(2025, 4, 24), date(2025, 12, 20)]),
)


def drop(base: Schedule, mask: np.ndarray) -> Schedule:
    return Schedule(start=base.start, end=base.end, person=np.where(mask, NOBODY, base.person), kind=base.kind)


@settings(max_examples=60, deadline=None)
@given(base=bases, ruleset=st.sampled_from(["consignatie", "bereikbaarheid"]), data=st.data())
def test_ledger_fits_agrees_with_check(base, ruleset: str, data) -> None:
    """For a person without duty-rule breaches, Ledger.fits(p, b) is True exactly when `check`
    finds no duty-rule breach for p after p takes block b (the Ledger is `check`, made incremental)."""
    pattern, team, days, start = base
    cal = Calendar(start, days)
    full = base_schedule(pattern, team, cal)
    oncall = np.flatnonzero(full.kind == ONCALL)
    dropped = data.draw(st.lists(st.sampled_from(oncall.tolist()), min_size=1, max_size=12, unique=True))
    mask = np.isin(np.arange(len(full)), dropped)
    sched = drop(full, mask)
    rules = RULESETS[ruleset]
    before = check(sched, NONE, NONE, NONE, rules, team, cal)
    ledger = Ledger(full, team, rules)
    for b in dropped:
        ledger.remove(b)
    clean = [p for p in range(team) if duty_breaches(before, [p]).sum() == 0]
    for b in dropped[:3]:
        for p in clean:
            person = sched.person.copy()
            person[b] = p
            after = check(Schedule(start=sched.start, end=sched.end, person=person, kind=sched.kind), NONE, NONE, NONE, rules, team, cal)
            assert ledger.fits(p, b) == (duty_breaches(after, [p]).sum() == 0), (b, p)


@settings(max_examples=60, deadline=None)
@given(base=bases, ruleset=st.sampled_from(["consignatie", "bereikbaarheid"]), data=st.data())
def test_ledger_remove_then_add_is_consistent(base, ruleset: str, data) -> None:
    """A Ledger with blocks removed answers like one built without them, and adding them back
    restores the answers of the full roster."""
    pattern, team, days, start = base
    full = base_schedule(pattern, team, Calendar(start, days))
    oncall = np.flatnonzero(full.kind == ONCALL)
    dropped = data.draw(st.lists(st.sampled_from(oncall.tolist()), min_size=2, max_size=15, unique=True))
    mask = np.isin(np.arange(len(full)), dropped)
    rules = RULESETS[ruleset]
    edited = Ledger(full, team, rules)
    for b in dropped:
        edited.remove(b)
    fresh = Ledger(drop(full, mask), team, rules)
    for b in dropped:
        assert [edited.fits(p, b) for p in range(team)] == [fresh.fits(p, b) for p in range(team)]
    probe = dropped[0]
    for b in dropped[1:]:
        edited.add(int(full.person[b]), b)
    reference = Ledger(drop(full, np.arange(len(full)) == probe), team, rules)
    assert [edited.fits(p, probe) for p in range(team)] == [reference.fits(p, probe) for p in range(team)]


def test_an_unknown_rule_name_is_an_error_not_the_work_count():
    """Issue 18 item 7: `_breaches` returned the 24-hour work count for any name it did not
    know, so a misspelt rule counted the wrong thing silently."""
    from csgsim.config.staffing import RULESETS
    from csgsim.staff.rules import _breaches

    ruleset = next(iter(RULESETS.values()))
    empty = np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    args = (ruleset, np.zeros((1, 28), bool), np.zeros((1, 1)), empty, np.array([3]), 28 * 24.0)
    assert _breaches("work_24h", *args).tolist() == [3]
    with pytest.raises(ValueError, match="unknown working-time rule 'work_42h'"):
        _breaches("work_42h", *args)


def _state(ledger: Ledger) -> dict:
    return dict(vars(ledger))


@settings(max_examples=40, deadline=None)
@given(base=bases, ruleset=st.sampled_from(["consignatie", "bereikbaarheid"]), data=st.data())
def test_a_ledger_copy_changes_alone(base, ruleset: str, data) -> None:
    """`Ledger.copy` (how `replanning.ledger_for` hands out the one ledger a roster has): the copy,
    changed by removes, adds and questions, ends as a fresh ledger changed the same way, and the
    ledger it was copied from stays as built."""
    from csgsim.staff.replanning import ledger_for

    pattern, team, days, start = base
    full = base_schedule(pattern, team, Calendar(start, days))
    oncall = np.flatnonzero(full.kind == ONCALL).tolist()
    dropped = data.draw(st.lists(st.sampled_from(oncall), min_size=1, max_size=10, unique=True))
    takers = data.draw(st.lists(st.integers(0, team - 1), min_size=len(dropped), max_size=len(dropped)))
    rules = RULESETS[ruleset]
    original, fresh, untouched = (Ledger(full, team, rules, 9.0, 48.0) for _ in range(3))
    copy = original.copy()
    for ledger in (copy, fresh):
        for b in dropped:
            ledger.remove(b)
        for b, p in zip(dropped, takers):
            if ledger.fits(p, b):
                ledger.add(p, b)
    assert _state(copy) == _state(fresh)
    assert _state(original) == _state(untouched)
    handed = ledger_for(full, team, rules, None, 9.0, 48.0)
    for b in dropped:
        handed.remove(b)
    assert _state(ledger_for(full, team, rules, None, 9.0, 48.0)) == _state(untouched)


def _work_24h_of_one(start: np.ndarray, length: np.ndarray, limit: float) -> tuple[float, int]:
    """The definition, for one person: the window [x, x + 24) evaluated at every breakpoint x
    (np.unique of the call-out edges and those less 24 h), from sorted prefix sums."""
    if start.size == 0:
        return 0.0, 0
    end = start + length
    x = np.unique(np.concatenate((start, end, start - 24, end - 24)))
    s_sorted, e_sorted = np.sort(start), np.sort(end)
    s_cum = np.concatenate(([0.0], np.cumsum(s_sorted)))
    e_cum = np.concatenate(([0.0], np.cumsum(e_sorted)))

    def work_before(t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(s_sorted, t, side="right")
        j = np.searchsorted(e_sorted, t, side="right")
        return (i * t - s_cum[i]) - (j * t - e_cum[j])

    window = work_before(x + 24) - work_before(x)
    over = window > limit + 1e-9
    return float(window.max()), int(over[0]) + int(np.count_nonzero(over[1:] & ~over[:-1]))


@given(calls=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 400), st.integers(1, 40)), max_size=40),
       scale=st.sampled_from([0.25, 0.1, 1.0]), limit=st.sampled_from([4.0, 8.0, 13.0, np.inf, -1.0]))
def test_work_24h_for_everyone_at_once_is_each_persons_own(calls, scale, limit) -> None:
    """`work24h.work_24h` (everyone's call-outs in one pass) gives, bit for bit, each person's
    most work in 24 h and episodes above the limit as the one-person definition does."""
    from csgsim.staff.work24h import work_24h

    n_people = 5
    person = np.array([c[0] for c in calls], dtype=np.int64)
    start = np.array([c[1] for c in calls], float) * scale
    worked = np.array([c[2] for c in calls], float) * scale
    most, episodes = work_24h(person, start, worked, n_people, limit)
    for p in range(n_people):
        mine = person == p
        expected = _work_24h_of_one(start[mine], worked[mine], limit)
        assert (most[p], int(episodes[p])) == expected and np.signbit(most[p]) == np.signbit(expected[0])


@given(st.lists(st.sampled_from([0, 1]), max_size=40))
def test_ledger_pairs_are_half_of_each_free_run(days) -> None:
    """`ledger._pairs` (a byte count) is the free pairs per run of free days, as `free_pairs` counts."""
    from csgsim.staff.ledger import _pairs

    busy = bytearray(days)
    assert _pairs(busy) == sum(len(run) // 2 for run in busy.split(b"\x01"))
    if days:
        assert _pairs(busy) == int(free_pairs(np.array(days) == 0)[0])


def _rest_hours_person_by_person(person, end, n_people, rest_hours, job, cal) -> np.ndarray:
    """`rules._rest_hours_from_job` as first written: each person's rests merged on their own."""
    from csgsim.core.intervals import merge_intervals

    lost = np.zeros(n_people)
    for p in range(n_people):
        mine = person == p
        if mine.any():
            s, e, _ = merge_intervals(end[mine], end[mine] + rest_hours)
            lost[p] = (job.hours_before(e, cal) - job.hours_before(s, cal)).sum()
    return lost


@given(calls=st.lists(st.tuples(st.integers(-1, 4), st.integers(0, 56 * 8)), max_size=30),
       rest=st.sampled_from([8.0, 11.0, 0.125 * 37]))
def test_rest_hours_for_everyone_at_once_is_each_persons_own(calls, rest) -> None:
    """Merging everyone's rests in one pass gives each person's regular-job hours lost, bit for
    bit, as merging person by person (overlapping, touching and equal rests, people outside)."""
    from csgsim.staff.rules import _rest_hours_from_job

    person = np.array([c[0] for c in calls], dtype=np.int64)
    end = np.array([c[1] for c in calls], float) / 8
    job = RegularJob()
    got = _rest_hours_from_job(person, end, 4, rest, job, CAL)
    assert got.tolist() == _rest_hours_person_by_person(person, end, 4, rest, job, CAL).tolist()


@given(blocks=st.lists(st.tuples(st.integers(-1, 4), st.integers(0, 80), st.integers(1, 60), st.booleans()),
                       max_size=20),
       n_days=st.integers(1, 8), day_start=st.sampled_from([0.0, 9.0]))
def test_oncall_days_are_the_blocks_days(blocks, n_days, day_start) -> None:
    """`rules._oncall_days` (a difference array from two bincounts) marks the 24 h periods in
    which each person holds an on-call block, as np.add.at on the table marked them."""
    from csgsim.staff.rules import _day_span, _oncall_days

    start = np.array([b[1] for b in blocks], dtype=float) * 2
    sched = Schedule(start=start, end=start + np.array([b[2] for b in blocks], dtype=float),
                     person=np.array([b[0] for b in blocks], dtype=np.int64),
                     kind=np.array([ONCALL if b[3] else OFFICE for b in blocks], dtype=np.int8))
    n_people = 4
    held = (sched.kind == ONCALL) & (sched.person >= 0) & (sched.person < n_people)
    d0, d1 = _day_span(sched.start[held], sched.end[held], n_days, day_start)
    diff = np.zeros((n_people, n_days + 1), dtype=np.int64)
    np.add.at(diff, (sched.person[held], d0), 1)
    np.add.at(diff, (sched.person[held], d1), -1)
    expected = np.cumsum(diff, axis=1)[:, :n_days] > 0
    assert np.array_equal(_oncall_days(sched, n_people, n_days, day_start), expected)


@given(calls=st.lists(st.tuples(st.integers(0, 3), st.floats(-30, 400), st.floats(0.01, 14)), max_size=40),
       limit=st.sampled_from([4.0, 8.0, 13.0, 13.5, np.inf, 0.0, -1.0]))
def test_episodes_from_the_stretches_that_can_exceed_are_all_episodes(calls, limit) -> None:
    """Evaluating windows only over the stretches of call-outs whose work adds up past the limit
    finds every episode of `work_24h`, with call-outs close together, overlapping or a day apart."""
    from csgsim.staff.work24h import episodes_24h, work_24h

    person = np.array([c[0] for c in calls], dtype=np.int64)
    start = np.array([c[1] for c in calls], float)
    worked = np.array([c[2] for c in calls], float)
    assert episodes_24h(person, start, worked, 4, limit).tolist() == work_24h(person, start, worked, 4, limit)[1].tolist()


def _stretch_totals(person, start, worked) -> tuple[list[float], list[bool]]:
    """The stretches as a loop over each person's call-outs in start order: a new stretch where
    a start is 24 h or more after the end of all before; per call-out its stretch's work, and
    whether its gap is too close to 24 h for either answer to be wrong."""
    total, close = [0.0] * len(start), [False] * len(start)
    for p in set(person):
        mine = sorted((s, i) for i, s in enumerate(start) if person[i] == p)
        groups, reach = [], -np.inf
        for s, i in mine:
            close[i] = 24.0 <= s - reach <= 24.0 + 1e-6
            if s - reach >= 24.0:
                groups.append([])
            groups[-1].append(i)
            reach = max(reach, s + worked[i])
        for g in groups:
            for i in g:
                total[i] = sum(worked[j] for j in g)
    return total, close


@given(calls=st.lists(st.tuples(st.integers(0, 2), st.floats(0, 200), st.floats(0.01, 30)), max_size=30),
       limit=st.sampled_from([4.0, 13.0, 22.0, 40.0]))
@example(calls=[(0, 0.0, 20.0), (0, 1.0, 1.0), (0, 30.0, 5.0)], limit=22.0)  # the second ends first
def test_stretches_that_may_exceed_are_those_of_the_loop(calls, limit) -> None:
    """`_may_exceed` marks the call-outs of the stretches (found with each person's running
    latest end: a long call-out can outlast later short ones) whose work is above the limit."""
    from csgsim.staff.work24h import _may_exceed

    person, start, worked = ([c[k] for c in calls] for k in range(3))
    total, close = _stretch_totals(person, start, worked)
    assume(not any(close) and all(abs(t - limit) > 1e-3 for t in total))
    got = _may_exceed(np.array(person, dtype=np.int64), np.array(start, float), np.array(worked, float), limit)
    assert got.tolist() == [t > limit for t in total]


@given(gap=st.floats(23.0, 25.0), first=st.floats(1, 12), second=st.floats(1, 12))
def test_two_call_outs_a_day_apart_are_one_stretch_only_within_24_hours(gap, first, second) -> None:
    """Two call-outs of one person count as one stretch (looked at together) when the second
    starts less than 24 h after the first ends, and apart when it starts later (at 24 h exactly,
    within rounding, either is right: looking at more call-outs is always safe)."""
    from csgsim.staff.work24h import _may_exceed

    assume(not 24.0 <= gap <= 24.0 + 1e-6)
    start = np.array([0.0, first + gap])
    asked = _may_exceed(np.zeros(2, dtype=np.int64), start, np.array([first, second]), 12.5)
    together = first + second > 12.5 and gap < 24.0
    assert asked.tolist() == [together or first > 12.5, together or second > 12.5]


@settings(max_examples=40, deadline=None)
@given(base=bases, ruleset=st.sampled_from(["consignatie", "bereikbaarheid"]),
       calls=st.lists(st.tuples(st.integers(-1, 7), st.floats(0, 14 * 24),
                                st.one_of(st.floats(0.01, 14), st.sampled_from([6.5, 13.0, 13.5]))), max_size=30))
def test_figures_without_load_are_the_full_figures_breaches(base, ruleset, calls) -> None:
    """`figures(load=False)` (what a replication's metrics read) gives the full figures' breaches,
    most on-call days per 4 weeks and rest hours, bit for bit, over rosters and call-outs."""
    from csgsim.staff.rules import figures

    pattern, team, days, start = base
    cal = Calendar(start, days)
    sched = base_schedule(pattern, team, cal)
    person, begin, length = (np.array([c[k] for c in calls], dtype=float) for k in range(3))
    args = (sched, person.astype(np.int64), begin, begin + length, RULESETS[ruleset], team, cal, RegularJob(), 9.0)
    full, lean = figures(*args), figures(*args, load=False)
    assert list(lean) == ["max_oncall_days_per_4w", "rest_hours_from_job"] + [f"breach_{r}" for r in RULESETS[ruleset].rules]
    for k, v in lean.items():
        assert v.tolist() == full[k].tolist(), k
