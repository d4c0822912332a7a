"""Absence: random spells, scripted dropout, CLI strings and the day/interval views."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csgsim.config.staffing import (
    HOURS_PER_YEAR,
    AbsenceParams,
    ScriptedAbsence,
    expected_absent_share,
    parse_absent_option,
    parse_leaves_option,
)
from csgsim.staff.absence import (
    LEAVE,
    LOAD,
    LONG,
    SCRIPTED,
    SHORT,
    Spells,
    absent_days,
    apply_scripted,
    overlaps,
    overlay,
    sample_load_spells,
    sample_spells,
)
from csgsim.core.calendar import Calendar
from csgsim.staff.person_absence import person_spells
from csgsim.core.errors import ScenarioError

CAL = Calendar(date(2025, 9, 1), 56)  # a Monday; no Dutch public holiday in these 8 weeks


def spells(*rows: tuple[int, float, float, int]) -> Spells:
    person, start, end, kind = zip(*rows)
    return Spells(person=np.array(person), start=np.array(start, float), end=np.array(end, float),
                  kind=np.array(kind, np.int8))


def assert_well_formed(s: Spells, horizon: float) -> None:
    order = np.lexsort((s.start, s.person))
    assert np.array_equal(order, np.arange(len(s))), "sorted by person, then start"
    assert np.all(s.start >= 0) and np.all(s.end <= horizon) and np.all(s.end > s.start)
    same = s.person[1:] == s.person[:-1]
    assert np.all(s.start[1:][same] >= s.end[:-1][same]), "one person's spells never overlap"


# --- parameters and the random process ---------------------------------------------------------


def test_defaults_add_up_to_published_totals() -> None:
    """Sick leave (short + long) is 7.8% of time and leaving adds 11%/year x 120 days."""
    p = AbsenceParams()
    sick = (p.short_spells_per_year * p.short_mean_days + p.long_spells_per_year * 228.5) / 365
    assert sick == pytest.approx(0.078)
    assert p.long_spells_per_year * 228.5 / 365 == pytest.approx(0.0343)
    assert expected_absent_share(p) == pytest.approx(0.078 + 0.11 * 120 / 365)
    assert expected_absent_share(AbsenceParams(enabled=False)) == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [{"short_mean_days": -1.0}, {"vacancy_days": "90"}, {"long_min_days": 400.0}, {"short_shape": 0.0},
     {"leave_per_year": 5.0}],
)
def test_bad_params_are_scenario_errors(kwargs: dict) -> None:
    """Negative or non-numeric values, an inverted long range, a zero shape and rates that add up
    to more than 100% absence are refused with a ScenarioError."""
    with pytest.raises(ScenarioError, match="absen"):
        AbsenceParams(**kwargs)


def test_long_run_share_matches_expected() -> None:
    """20,000 person-years at a fixed seed reproduce each kind's share rate x mean length.

    Tolerances are 4 standard deviations of the estimate, measured over 200 seeds during
    development (total 0.00125, short 0.00037, long 0.0010, leave 0.00078): long spells and
    leaves last months, so even 20,000 person-years hold only ~1,100 and ~2,200 of them. The
    sampler takes ~20 ms for this.
    """
    p = AbsenceParams()
    n, years = 2000, 10
    s = sample_spells(p, n, years * HOURS_PER_YEAR, np.random.default_rng(20250101))
    exposure = n * years * HOURS_PER_YEAR
    share = (s.end - s.start).sum() / exposure
    assert share == pytest.approx(expected_absent_share(p), abs=0.005)
    expected = {
        SHORT: (p.short_spells_per_year * p.short_mean_days / 365, 0.0015),
        LONG: (p.long_spells_per_year * (p.long_min_days + p.long_max_days) / 2 / 365, 0.004),
        LEAVE: (p.leave_per_year * p.leave_days / 365, 0.003),
    }
    for kind, (target, tol) in expected.items():
        mine = s.kind == kind
        assert (s.end[mine] - s.start[mine]).sum() / exposure == pytest.approx(target, abs=tol)


def test_process_starts_in_equilibrium() -> None:
    """At hour 0 the share of people already absent is the long-run share (no fit-everyone start).

    20,000 people: the share's standard deviation is 0.0022 (binomial), the tolerance 4 of them.
    """
    p = AbsenceParams()
    s = sample_spells(p, 20_000, 1.0, np.random.default_rng(7))
    assert len(s) / 20_000 == pytest.approx(expected_absent_share(p), abs=0.009)


def test_leave_is_vacancy_then_onboarding() -> None:
    """A leave keeps the post unavailable for vacancy + onboarding days; then the replacement works."""
    p = AbsenceParams(vacancy_days=60, onboarding_days=20)
    s = sample_spells(p, 500, 5 * HOURS_PER_YEAR, np.random.default_rng(3))
    whole = (s.kind == LEAVE) & (s.start > 0) & (s.end < 5 * HOURS_PER_YEAR)
    assert whole.any()
    assert np.allclose(s.end[whole] - s.start[whole], 80 * 24)


def test_long_spells_stay_in_their_class() -> None:
    """Long spells last 92-365 days (the statistic's own class); cut only by the horizon or time 0."""
    s = sample_spells(AbsenceParams(), 2000, 3 * HOURS_PER_YEAR, np.random.default_rng(4))
    whole = (s.kind == LONG) & (s.start > 0) & (s.end < 3 * HOURS_PER_YEAR)
    days = (s.end[whole] - s.start[whole]) / 24
    assert days.min() >= 92 and days.max() <= 365


def test_disabled_means_no_random_absence() -> None:
    """enabled = false gives no spells at all."""
    assert len(sample_spells(AbsenceParams(enabled=False), 10, 1e5, np.random.default_rng(0))) == 0


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 30),
    horizon=st.floats(1.0, 3 * HOURS_PER_YEAR),
    seed=st.integers(0, 2**32 - 1),
    short_mean=st.floats(0.5, 60),
    leave=st.floats(0.0, 1.0),
)
def test_sampled_spells_are_well_formed(n: int, horizon: float, seed: int, short_mean: float, leave: float) -> None:
    """Spells are sorted, clipped to [0, horizon) and never overlap within a person."""
    p = AbsenceParams(short_mean_days=short_mean, leave_per_year=leave)
    s = sample_spells(p, n, horizon, np.random.default_rng(seed))
    assert_well_formed(s, horizon)
    assert set(np.unique(s.person)) <= set(range(n))


@settings(max_examples=80, deadline=None)
@given(
    horizon=st.floats(1.0, 3 * HOURS_PER_YEAR),
    seed=st.integers(0, 2**32 - 1),
    short_mean=st.floats(0.5, 20),
    short_shape=st.floats(0.3, 4.0),
    leave=st.floats(0.0, 1.0),
    long_rate=st.floats(0.0, 0.6),
)
def test_one_persons_spells_are_sample_spells_of_one(horizon, seed, short_mean, short_shape, leave, long_rate) -> None:
    """`person_spells` (scalar draws for the state at time 0) gives `sample_spells` of one person bit
    for bit, and leaves the stream where it does, over rates that put people in every state at
    time 0 (high rates) and that need a second batch of cycles (long horizons)."""
    p = AbsenceParams(short_mean_days=short_mean, short_shape=short_shape, leave_per_year=leave,
                      long_spells_per_year=long_rate, short_spells_per_year=3 * long_rate + 1)
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    want, got = sample_spells(p, 1, horizon, a), person_spells(p, horizon, b)
    for field in ("person", "start", "end", "kind"):
        x, y = getattr(want, field), getattr(got, field)
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), field
    assert a.random() == b.random()


def test_one_person_off_or_never_absent() -> None:
    """No spells when absence is off, the horizon is empty or no kind of spell has a rate."""
    rng = np.random.default_rng(0)
    never = AbsenceParams(short_spells_per_year=0, long_spells_per_year=0, leave_per_year=0)
    for p, horizon in ((AbsenceParams(enabled=False), 1e4), (AbsenceParams(), 0.0), (never, 1e4)):
        assert len(person_spells(p, horizon, rng)) == 0


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 40))
def test_random_is_uniform_on_the_unit_interval(seed: int, n: int) -> None:
    """`_lengths` draws `rng.random(n)` where it drew `rng.uniform(size=n)`: the same numbers."""
    assert np.random.default_rng(seed).uniform(size=n).tobytes() == np.random.default_rng(seed).random(n).tobytes()


# --- overlay and scripted dropout --------------------------------------------------------------


def test_overlay_cuts_old_spells_around_new_ones() -> None:
    """A new spell in the middle of an old one splits it; overlapping new spells merge."""
    old = spells((0, 10, 100, SHORT), (1, 0, 50, LONG))
    new = spells((0, 40, 60, SCRIPTED), (0, 55, 70, SCRIPTED))
    out = overlay(old, new, 80.0)
    assert out.person.tolist() == [0, 0, 0, 1]
    assert out.start.tolist() == [10, 40, 70, 0]
    assert out.end.tolist() == [40, 70, 80, 50]
    assert out.kind.tolist() == [SHORT, SCRIPTED, SHORT, LONG]


def test_apply_scripted_lays_dropout_over_random_spells() -> None:
    """'cm2 out for 2 weeks from 8 Sept' covers days 7-20; 'cm1 leaves' lasts vacancy + onboarding days."""
    index = {"cm1": 0, "cm2": 1}
    random = spells((1, 100, 200, SHORT), (1, 300, 400, SHORT))
    p = AbsenceParams(vacancy_days=30, onboarding_days=10)
    out = apply_scripted(
        random,
        [parse_absent_option("cm2:2025-09-08:2w"), parse_leaves_option("cm1:2025-10-10")],
        index,
        CAL,
        p,
    )
    assert_well_formed(out, CAL.horizon)
    cm2 = out.person == 1
    assert out.start[cm2].tolist() == [100, 168]
    assert out.end[cm2].tolist() == [168, 21 * 24]
    cm1 = out.person == 0
    assert out.start[cm1].tolist() == [39 * 24] and out.end[cm1].tolist() == [CAL.horizon]  # 40 days, cut at day 56
    assert set(out.kind[out.start >= 168]) == {SCRIPTED}


def test_scripted_absence_from_before_the_start_is_clipped() -> None:
    """An absence that began before the scenario counts from hour 0."""
    out = apply_scripted(Spells.empty(), [ScriptedAbsence("cm1", date(2025, 8, 25), 10)], {"cm1": 0}, CAL)
    assert out.start.tolist() == [0.0] and out.end.tolist() == [3 * 24]


def test_scripted_unknown_person_lists_known_ids() -> None:
    """A scripted absence of an unknown id is a ScenarioError naming the known ids."""
    with pytest.raises(ScenarioError, match="'cm9'.*cm1, cm2"):
        apply_scripted(Spells.empty(), [ScriptedAbsence("cm9", date(2025, 9, 8), 5)], {"cm2": 1, "cm1": 0}, CAL)


def test_scripted_outside_the_scenario_is_refused() -> None:
    """A scripted absence wholly outside the horizon (usually a wrong year) is an error, not a no-op."""
    with pytest.raises(ScenarioError, match="outside the scenario"):
        apply_scripted(Spells.empty(), [ScriptedAbsence("cm1", date(2026, 9, 8), 5)], {"cm1": 0}, CAL)


# --- CLI strings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cm3:2025-03-01:12w", ScriptedAbsence("cm3", date(2025, 3, 1), 84)),
        ("zl-cm1:2025-03-01:10d", ScriptedAbsence("zl-cm1", date(2025, 3, 1), 10)),
        (" cm3:2024-02-29:1d ", ScriptedAbsence("cm3", date(2024, 2, 29), 1)),
    ],
)
def test_parse_absent_option(text: str, expected: ScriptedAbsence) -> None:
    """PERSON:DATE:N(w|d): weeks are 7 days; surrounding blanks are ignored."""
    assert parse_absent_option(text) == expected


def test_parse_leaves_option() -> None:
    """PERSON:DATE means the person leaves that day (days None: vacancy + onboarding)."""
    assert parse_leaves_option("coordinator:2025-06-01") == ScriptedAbsence("coordinator", date(2025, 6, 1), None)


@pytest.mark.parametrize(
    "text",
    ["cm3:2025-03-01", "cm3:2025-13-01:2w", "cm3:2025-02-30:2w", "cm3:2025-03-01:0w", "cm3:2025-03-01:3m",
     ":2025-03-01:2w", "cm3;2025-03-01;2w", "cm3:25-03-01:2w", ""],
)
def test_parse_absent_option_rejects(text: str) -> None:
    """A bad --absent string names the option, the bad value and the allowed form."""
    with pytest.raises(ScenarioError) as err:
        parse_absent_option(text)
    message = str(err.value)
    assert "--absent" in message and repr(text) in message and "PERSON:YYYY-MM-DD:N(w|d)" in message


@pytest.mark.parametrize("text", ["coordinator", "coordinator:2025-06-31", "coordinator:2025-06-01:2w"])
def test_parse_leaves_option_rejects(text: str) -> None:
    """A bad --leaves string names the option, the bad value and the allowed form."""
    with pytest.raises(ScenarioError) as err:
        parse_leaves_option(text)
    assert "--leaves" in str(err.value) and repr(text) in str(err.value) and "PERSON:YYYY-MM-DD" in str(err.value)


# --- views ------------------------------------------------------------------------------------


def test_absent_days_marks_every_day_touched() -> None:
    """[30 h, 50 h) touches days 1 and 2; [48 h, 72 h) is day 2 only; person 2 is never absent."""
    s = spells((0, 30, 50, SHORT), (1, 48, 72, SHORT))
    days = absent_days(s, 3, 4)
    assert days.tolist() == [[False, True, True, False], [False, False, True, False], [False] * 4]


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 4), st.floats(-60, 300), st.floats(0, 200)), max_size=12),
       n_people=st.integers(1, 5), days=st.integers(1, 12))
def test_absent_days_is_every_touched_day(rows, n_people: int, days: int) -> None:
    """`absent_days` marks exactly the days [floor(start / 24), ceil(end / 24)) of each spell of
    people 0..n_people-1 that lie in the calendar (spells before it or past it included): the
    same as marking them one spell at a time."""
    s = spells(*[(p, a, a + length, SHORT) for p, a, length in rows]) if rows else Spells.empty()
    want = np.zeros((n_people, days), dtype=bool)
    for p, a, b in zip(s.person.tolist(), s.start.tolist(), s.end.tolist()):
        if p < n_people:
            want[p, max(0, int(np.floor(a / 24))):max(0, int(np.ceil(b / 24)))] = True
    assert absent_days(s, n_people, days).tolist() == want.tolist()


def test_overlaps_is_any_overlap() -> None:
    """An interval counts as absent if any spell overlaps it; touching ends do not overlap."""
    s = spells((0, 10, 20, SHORT), (0, 40, 50, SHORT))
    start = np.array([0.0, 5, 20, 25, 45])
    end = np.array([10.0, 15, 40, 60, 46])
    assert overlaps(s, 2, start, end).tolist() == [[False, True, False, True, True], [False] * 5]


# --- load-induced absence -----------------------------------------------------------------------


def test_load_hazard_off_changes_nothing() -> None:
    """load_hazard = 0 (the default) adds no spell."""
    base = spells((0, 10, 20, SHORT))
    rng = np.random.default_rng(0)
    out = sample_load_spells(AbsenceParams(), base, np.array([0]), np.array([5.0]), 100, 500, 1, 1e4, [rng])
    assert out is base


def test_load_hazard_rate() -> None:
    """With 4 recent night calls and hazard h per call per year, P(a spell within T) = 1 - exp(-4 h T / 8760).

    5,000 people, h = 2, T = 876 h: p = 0.551, binomial sd 0.007, tolerance 4 sd. Calls that
    left the 16-week window before t0 add nothing; spells start only in [t0, t1) and last 92-365 days.
    """
    n, t0, t1 = 5000, 3000.0, 3876.0
    people = np.repeat(np.arange(n), 5)
    times = np.tile([t0 - 10, t0 - 20, t0 - 30, t0 - 40, t0 - 16 * 168 - 1], n)  # the last is too old
    p = AbsenceParams(load_hazard=2.0)
    out = sample_load_spells(p, Spells.empty(), people, times, t0, t1, n, 1e5, [np.random.default_rng(5)] * n)
    assert np.all(out.kind == LOAD) and np.all((out.start >= t0) & (out.start < t1))
    assert np.all((out.end - out.start >= 92 * 24) & (out.end - out.start <= 365 * 24))
    assert len(out) / n == pytest.approx(1 - np.exp(-4 * 2.0 * 876 / HOURS_PER_YEAR), abs=0.028)


def test_load_hazard_needs_presence() -> None:
    """Someone already absent through [t0, t1) gets no load spell; calls expiring before t0 count for nothing."""
    p = AbsenceParams(load_hazard=1e4)
    busy = spells((0, 0, 5000, SHORT))
    out = sample_load_spells(p, busy, np.array([0, 0, 1]), np.array([990.0, 995, 990 - 16 * 168]), 1000, 2000, 2, 1e4,
                             [np.random.default_rng(1)] * 2)
    assert out.person.tolist() == [0] and out.kind.tolist() == [SHORT]


def _overlay_person_by_person(spells: Spells, new: Spells, horizon: float) -> Spells:
    """`overlay` as first written: one person's cuts and old spells at a time."""
    from csgsim.core.intervals import merge_intervals
    from csgsim.staff.absence import _normalise

    start, end = np.clip(new.start, 0, horizon), np.clip(new.end, 0, horizon)
    old_start, old_end = np.clip(spells.start, 0, horizon), np.clip(spells.end, 0, horizon)
    real = end > start
    touched = np.isin(spells.person, new.person[real])
    parts = [(spells.person[~touched], old_start[~touched], old_end[~touched], spells.kind[~touched])]
    for p in np.unique(new.person[real]):
        mine = real & (new.person == p)
        cut_s, cut_e, first = merge_intervals(start[mine], end[mine])
        old = spells.person == p
        s = np.maximum(old_start[old][:, None], np.append(-np.inf, cut_e))
        e = np.minimum(old_end[old][:, None], np.append(cut_s, np.inf))
        keep = e > s
        parts.append((np.full(keep.sum(), p), s[keep], e[keep], np.broadcast_to(spells.kind[old][:, None], s.shape)[keep]))
        parts.append((np.full(cut_s.size, p), cut_s, cut_e, new.kind[mine][first]))
    return _normalise(*(np.concatenate(x) for x in zip(*parts)))


@settings(max_examples=150, deadline=None)
@given(old=st.lists(st.tuples(st.integers(0, 3), st.floats(-20, 300), st.floats(0.5, 60)), max_size=8),
       new=st.lists(st.tuples(st.integers(0, 3), st.sampled_from([0.0, 24.0, 48.0, 100.0, 250.0]) | st.floats(-20, 300),
                              st.sampled_from([24.0, 52.0]) | st.floats(0.5, 80), st.integers(0, 4)), max_size=8))
def test_overlay_cuts_everyone_at_once_as_person_by_person(old, new) -> None:
    """Laying spells over others for all people at once gives, to the bit, what one person at a
    time gives: disjoint new spells, touching ones, overlapping ones (merged, the earliest's kind),
    spells past either end of the horizon and people with only old or only new spells."""
    def as_spells(rows, kinds, end_to_end: bool) -> Spells:
        at, out = {}, []
        for (p, a, d), k in zip(rows, kinds):
            if end_to_end:  # an old person's spells must not overlap: lay them end to end
                a = max(a, at.get(p, -np.inf))
                at[p] = a + d
            out.append((p, a, a + d, k))
        return Spells(person=np.array([r[0] for r in out], dtype=np.int64), start=np.array([r[1] for r in out]),
                      end=np.array([r[2] for r in out]), kind=np.array([r[3] for r in out], dtype=np.int8))

    before = as_spells(sorted(old), [i % 3 for i in range(len(old))], end_to_end=True)
    after = as_spells([n[:3] for n in new], [n[3] for n in new], end_to_end=False)
    got, want = overlay(before, after, 240.0), _overlay_person_by_person(before, after, 240.0)
    for name in ("person", "start", "end", "kind"):
        assert getattr(got, name).tolist() == getattr(want, name).tolist()
        assert getattr(got, name).dtype == getattr(want, name).dtype


@st.composite
def _spells_and_blocks(draw: st.DrawFn) -> tuple[Spells, int, np.ndarray, np.ndarray]:
    """Each person's disjoint spells in time order, and intervals in time order (a roster's
    blocks: touching, empty or overlapping ones), on a coarse grid so that ends meet often."""
    n_people = draw(st.integers(0, 4))
    rows = []
    for p in range(n_people + 1):  # one person past n_people: left out
        cuts = sorted(draw(st.lists(st.integers(0, 40), max_size=8, unique=True)))
        rows += [(p, a, b) for a, b in zip(cuts[::2], cuts[1::2])]
    person = np.array([r[0] for r in rows], dtype=np.int64)
    sp = Spells(person=person, start=np.array([r[1] for r in rows], float) / 2,
                end=np.array([r[2] for r in rows], float) / 2, kind=np.zeros(person.size, np.int8))
    start = np.sort(np.array(draw(st.lists(st.integers(-2, 42), max_size=12)), float)) / 2
    length = np.array(draw(st.lists(st.integers(0, 6), min_size=start.size, max_size=start.size)), float) / 2
    end = np.maximum.accumulate(start + length) if start.size else start
    return sp, n_people, start, end


@given(_spells_and_blocks())
def test_overlaps_on_sorted_blocks_is_the_person_by_person_definition(case) -> None:
    """The fast path for intervals in time order (each spell marks a run of blocks) agrees with
    the definition, person by person, including touching ends and empty intervals."""
    from csgsim.staff.absence import _overlaps_by_person, _overlaps_sorted

    sp, n_people, start, end = case
    expected = _overlaps_by_person(sp, n_people, start, end)
    assert np.array_equal(_overlaps_sorted(sp, n_people, start, end), expected)
    assert np.array_equal(overlaps(sp, n_people, start, end), expected)
    shuffled = np.random.default_rng(len(start)).permutation(start.size)  # not in order: the definition
    assert np.array_equal(overlaps(sp, n_people, start[shuffled], end[shuffled]), expected[:, shuffled])


@given(weights=st.lists(st.integers(0, 50), min_size=1, max_size=6).filter(any),
       shape=st.one_of(st.integers(0, 30), st.tuples(st.integers(0, 4), st.integers(0, 15))),
       seed=st.integers(0, 2**32 - 1))
def test_pick_draws_what_choice_draws(weights, shape, seed) -> None:
    """`pick` (a spell's kind and the state at time 0) gives what `Generator.choice` with p gives,
    and leaves the stream where choice leaves it: the spells drawn are the same."""
    from csgsim.staff.absence import cdf_of, pick

    p = np.array(weights, float) / sum(weights)
    fast, slow = np.random.default_rng(seed), np.random.default_rng(seed)
    picked = pick(fast, cdf_of(p), shape)
    chosen = slow.choice(p.size, size=shape, p=p)
    assert picked.dtype == chosen.dtype and np.array_equal(picked, chosen)
    assert fast.random() == slow.random()
