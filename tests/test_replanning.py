"""Re-planning around absence: properties over random rosters and hand-computed cases."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from csgsim.staff.absence import SCRIPTED, Spells, overlaps, overlay
from csgsim.core.calendar import Calendar
from csgsim.staff.duties import NOBODY, OFFICE, ONCALL, PATTERNS, Schedule, base_schedule
from csgsim.core.errors import ScenarioError
from csgsim.staff.replanning import POLICIES, replan
from csgsim.config.staffing import RULESETS
from csgsim.staff.rules import DUTY_RULES, check

CAL = Calendar(date(2025, 9, 1), 56)  # Monday 1 Sept 2025, 8 weeks, no Dutch public holiday
NONE = np.zeros(0)
WEEKS_2_TO_5 = (7 * 24.0, 35 * 24.0)  # days 7-34


@lru_cache(maxsize=None)
def calendar(start: date, days: int) -> Calendar:
    return Calendar(start, days)


def out(person: int, start: float, end: float) -> Spells:
    return Spells(person=np.array([person]), start=np.array([start]), end=np.array([end]),
                  kind=np.array([SCRIPTED], np.int8))


def duty_breaches(sched: Schedule, ruleset: str, n_people: int, cal: Calendar) -> np.ndarray:
    """(n_people, n_rules) breach counts of the duty-count rules."""
    table = check(sched, NONE, NONE, NONE, RULESETS[ruleset], n_people, cal)
    cols = [c for c in table.columns if c.removeprefix("breach_") in DUTY_RULES]
    return table[cols].to_numpy()


@st.composite
def rosters(draw, patterns=PATTERNS, teams=(2, 7)):
    """A base roster of `team` casemanagers (the coordinator is person `team`) and random absence."""
    pattern = draw(st.sampled_from(patterns))
    team = draw(st.integers(*teams))
    cal = calendar(draw(st.sampled_from([date(2025, 9, 1), date(2025, 4, 24), date(2025, 12, 20)])),
                   draw(st.integers(14, 56)))
    rows = draw(st.lists(st.tuples(st.integers(0, team), st.floats(0, cal.horizon), st.floats(1, 40 * 24)),
                         max_size=8))
    spells = Spells.empty()
    if rows:
        person, start, length = (np.array(x) for x in zip(*rows))
        new = Spells(person=person, start=start, end=start + length, kind=np.full(person.size, SCRIPTED, np.int8))
        spells = overlay(Spells.empty(), new, cal.horizon)
    return base_schedule(pattern, team, cal), spells, team, cal


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(case=rosters(), policy=st.sampled_from(POLICIES), ruleset=st.sampled_from(list(RULESETS)), data=st.data())
def test_nobody_on_duty_while_absent(case, policy: str, ruleset: str, data) -> None:
    """Whatever the policy, after re-planning no block is held by someone absent during it, blocks of
    present holders are untouched, and the log accounts for every gap hour; "spread_or_breach"
    leaves a gap only when nobody is present."""
    base, spells, team, cal = case
    order = data.draw(st.none() | st.permutations(range(team)))
    result, log = replan(base, spells, team, RULESETS[ruleset], policy, order, backup_person=team)
    absent = overlaps(spells, team + 1, base.start, base.end)
    held = result.person >= 0
    assert not absent[result.person[held], np.flatnonzero(held)].any()
    untouched = np.setdiff1d(np.arange(len(base)), log.block)
    assert np.array_equal(result.person[untouched], base.person[untouched])
    assert absent[base.person[log.block], log.block].all()
    assert result.gap_hours() == pytest.approx(log.gap_hours)
    assert log.extra_duties.sum() == ((log.new >= 0) & (base.kind[log.block] == ONCALL)).sum()
    if policy == "spread_or_breach":
        assert "gap_no_compliant" not in log.reason


@settings(max_examples=100, deadline=None)
@given(case=rosters(), ruleset=st.sampled_from(["consignatie", "bereikbaarheid"]))
def test_spread_never_adds_a_breach(case, ruleset: str) -> None:
    """Under "spread", `rules.check` finds no duty-count breach that the base roster did not have:
    per person and rule the count never rises, so a legal roster stays legal."""
    base, spells, team, cal = case
    result, log = replan(base, spells, team, RULESETS[ruleset], "spread", None, None)
    assert log.breaches == 0
    assert np.all(duty_breaches(result, ruleset, team, cal) <= duty_breaches(base, ruleset, team, cal))


@settings(max_examples=100, deadline=None)
@given(
    case=rosters(patterns=("rotation_24h", "office_plus_oncall"), teams=(4, 7)),
    ruleset=st.sampled_from(["consignatie", "bereikbaarheid"]),
)
def test_gap_only_when_no_compliant_person(case, ruleset: str) -> None:
    """Under "spread" on a legal roster, a block becomes a gap only if every casemanager present
    throughout it would breach a duty-count rule by taking it (checked with `rules.check` on the
    final roster), or nobody is present at all."""
    base, spells, team, cal = case
    assume(duty_breaches(base, ruleset, team, cal).sum() == 0)
    result, log = replan(base, spells, team, RULESETS[ruleset], "spread", None, None)
    absent = overlaps(spells, team, base.start, base.end)
    for b, reason in zip(log.block, log.reason):
        present = np.flatnonzero(~absent[:, b])
        if reason == "gap_nobody_present":
            assert present.size == 0
        elif reason == "gap_no_compliant":
            assert present.size > 0
            for q in present:
                person = result.person.copy()
                person[b] = q
                trial = Schedule(start=result.start, end=result.end, person=person, kind=result.kind)
                assert duty_breaches(trial, ruleset, team, cal)[q].sum() > 0, (b, q)


# --- hand-computed cases --------------------------------------------------------------------------


def test_spread_five_casemanagers_hand_case() -> None:
    """5 casemanagers, 24 h rotation from 09:00 for 8 weeks, consignatie; person 0 out weeks 2-5.

    Block i (i >= 1) is [24i - 15, 24i + 9), held by i % 5, and touches days i-1 and i. Person 0's
    blocks overlapping days 7-34 are 10, 15, 20, 25 (first 4-week window, hours 0-672) and 30, 35
    (second). On-call hours in window 1 after removing them: p1 144, p2 144, p3 135 (block 28 is
    cut at 672 h), p4 120.
      block 10 -> p4 (120; days 3,4,8,9,13,14,18,19,23,24 + day 10 = 11 <= 14)   p4: 144
      block 15 -> p3 (135; 11 days + days 14,15 = 13)                           p3: 159
      block 20 -> p1 (144, tie with p2 and p4, lowest index; 12 + day 19 = 13)   p1: 168
      block 25 -> p2 (144, tie with p4; 12 + days 24,25 = 14, exactly the limit)
    Window 2: p1 135, p2 120, p3 129 (9 h of block 28), p4 144:
      block 30 -> p2 (120)  then p2 144;   block 35 -> p3 (129).
    Extra duties: p1 1, p2 2, p3 2, p4 1: six duties spread as evenly as four people allow,
    with no rule breached and no gap. Most on-call days in a window: p0 8 (days 39-55), p1 13,
    p2 14, p3 13, p4 12 (window 2: blocks 29-54 touch 12 days).
    """
    base = base_schedule("rotation_24h", 5, CAL)
    result, log = replan(base, out(0, *WEEKS_2_TO_5), 5, RULESETS["consignatie"], "spread", None, None)
    assert log.block.tolist() == [10, 15, 20, 25, 30, 35]
    assert log.new.tolist() == [4, 3, 1, 2, 2, 3]
    assert log.extra_duties.tolist() == [0, 1, 2, 2, 1]
    assert log.gap_hours == 0 and log.breaches == 0
    assert duty_breaches(result, "consignatie", 5, CAL).sum() == 0
    assert check(result, NONE, NONE, NONE, RULESETS["consignatie"], 5, CAL)["max_oncall_days_per_4w"].tolist() == [
        8, 13, 14, 13, 12
    ]


def test_next_in_line_breaks_ties() -> None:
    """Same case with next_in_line [4, 2, 1, 3]: block 20's tie (p1, p2, p4 at 144 h) goes to p4
    (p4 then holds 12 days), block 25's tie (p1, p2 at 144 h) to p2; the rest as before."""
    base = base_schedule("rotation_24h", 5, CAL)
    _, log = replan(base, out(0, *WEEKS_2_TO_5), 5, RULESETS["consignatie"], "spread", [4, 2, 1, 3], None)
    assert log.new.tolist() == [4, 3, 4, 2, 2, 3]


def test_team_of_four_is_at_the_limit() -> None:
    """A 24 h rotation of 4 gives everyone exactly 14 on-call days per 4 weeks, and block i's
    days i-1 and i are each already held by one neighbour, so any extra duty adds a 15th day:
    under "spread" all 6 blocks of person 0 in weeks 2-5 (8, 12, ..., 32: [24i-15, 24i+9)
    overlapping days 7-34) become gaps; "spread_or_breach" gives each to the least-loaded present
    person and logs 6 breaches."""
    base = base_schedule("rotation_24h", 4, CAL)
    rules = RULESETS["consignatie"]
    _, log = replan(base, out(0, *WEEKS_2_TO_5), 4, rules, "spread", None, None)
    assert log.block.tolist() == [8, 12, 16, 20, 24, 28, 32]
    assert set(log.reason) == {"gap_no_compliant"} and log.gap_hours == 7 * 24
    result, log = replan(base, out(0, *WEEKS_2_TO_5), 4, rules, "spread_or_breach", None, None)
    assert set(log.reason) == {"breach"} and log.breaches == 7 and log.gap_hours == 0
    assert duty_breaches(result, "consignatie", 4, CAL)[1:].sum() > 0


def test_bereikbaarheid_team_of_three_rotation() -> None:
    """Bereikbaarheid, 24 h rotation of 3, person 0 out weeks 2-5: each of person 0's blocks
    (i = 9, 12, ..., 33) sits between a block of person 2 and one of person 1, so whoever took it
    would be on call 48 h straight (> 24 h): exactly these 9 blocks become gaps (216 h)."""
    base = base_schedule("rotation_24h", 3, CAL)
    result, log = replan(base, out(0, *WEEKS_2_TO_5), 3, RULESETS["bereikbaarheid"], "spread", None, None)
    assert log.block.tolist() == list(range(9, 34, 3))
    assert set(log.reason) == {"gap_no_compliant"}
    assert result.gap_hours() == 216


def test_bereikbaarheid_team_of_three_office_plus_oncall() -> None:
    """Bereikbaarheid, office hours 09-17 plus on-call, team of 3, person 0 out weeks 2-5.

    On-call blocks are weekday nights 17:00-09:00 (16 h, with office blocks between them) and the
    weekend chain Fri 17:00 -> Sat 09:00 -> Sun 09:00 -> Mon 09:00 (16 + 24 + 24 h). A weekday
    night or a Friday/Sunday block can go to the person not holding the adjacent weekend block;
    a Saturday block has the two others on both sides, so taking it would give 40 or 48 h in a
    row. 7 on-call blocks a week rotate over 3 people, so the Saturday holder moves on one person
    a week: person 0 holds the Saturdays of days 12 and 33 (blocks 23 and 59), the only gaps.
    Office blocks of person 0 go to the others.
    """
    base = base_schedule("office_plus_oncall", 3, CAL)
    saturday_9 = (CAL.weekday[(base.start // 24).astype(int)] == 5) & (base.start % 24 == 9)
    hit_saturdays = np.flatnonzero(saturday_9 & (base.person == 0) & (base.start < WEEKS_2_TO_5[1])
                                   & (base.end > WEEKS_2_TO_5[0]))
    assert hit_saturdays.tolist() == [23, 59]
    result, log = replan(base, out(0, *WEEKS_2_TO_5), 3, RULESETS["bereikbaarheid"], "spread", None, None)
    gaps = log.block[log.new == NOBODY]
    assert gaps.tolist() == [23, 59] and log.gap_hours == 48
    assert set(log.reason[base.kind[log.block] == OFFICE]) == {"office"}
    assert duty_breaches(result, "bereikbaarheid", 3, CAL).sum() == 0


def test_backup_policy() -> None:
    """Policy "backup": the coordinator (person 5) takes person 0's six blocks, except while the
    coordinator is away (days 14-27: blocks 15, 20, 25 become gaps). The coordinator's 3 blocks
    touch 6 days per window: within the rules, so no breach is logged."""
    base = base_schedule("rotation_24h", 5, CAL)
    spells = overlay(out(0, *WEEKS_2_TO_5), out(5, 14 * 24, 28 * 24), CAL.horizon)
    _, log = replan(base, spells, 5, RULESETS["consignatie"], "backup", None, backup_person=5)
    assert log.new.tolist() == [5, -1, -1, -1, 5, 5]
    assert log.reason.tolist() == ["backup"] + ["gap_nobody_present"] * 3 + ["backup"] * 2
    assert log.breaches == 0 and log.gap_hours == 72


def test_backup_beyond_the_rules_is_logged() -> None:
    """When two casemanagers are out all along the coordinator takes 3 of every 5 days' duties,
    which passes 14 on-call days per 4 weeks: the hand-overs beyond the rules are logged as
    breaches, and `check` finds the coordinator in breach."""
    base = base_schedule("rotation_24h", 5, CAL)
    spells = overlay(out(0, 0, CAL.horizon), out(1, 0, CAL.horizon), CAL.horizon)
    result, log = replan(base, spells, 5, RULESETS["consignatie"], "backup", None, backup_person=5)
    assert np.all(log.new == 5)
    assert log.breaches == (log.reason == "backup_breach").sum() > 0
    assert duty_breaches(result, "consignatie", 6, CAL)[5].sum() > 0


def test_gap_policy_leaves_oncall_gaps_but_covers_office() -> None:
    """Policy "gap" turns every on-call block of the absent person into a gap; office blocks
    still go to the least-loaded present casemanager."""
    base = base_schedule("office_plus_oncall", 4, CAL)
    result, log = replan(base, out(2, *WEEKS_2_TO_5), 4, RULESETS["none"], "gap", None, None)
    oncall = base.kind[log.block] == ONCALL
    assert np.all(log.new[oncall] == NOBODY) and set(log.reason[oncall]) == {"gap_policy"}
    assert np.all(log.new[~oncall] >= 0) and (~oncall).any()
    assert result.gap_hours() == pytest.approx((base.end - base.start)[log.block[oncall]].sum())


def test_bad_policy_and_missing_backup() -> None:
    """An unknown policy lists the allowed ones; "backup" without a backup person is a ScenarioError."""
    base = base_schedule("rotation_24h", 3, CAL)
    with pytest.raises(ScenarioError, match="spread, spread_or_breach, backup, gap"):
        replan(base, Spells.empty(), 3, RULESETS["none"], "share", None, None)
    with pytest.raises(ScenarioError, match="backup person"):
        replan(base, Spells.empty(), 3, RULESETS["none"], "backup", None, None)


def test_rule_windows_count_from_the_reported_start() -> None:
    """Issue 18: the ledger's 16-week windows count from the reported start, as the metrics do.

    Warm-up 28 days. Person 0 holds 32 single-day duties (bereikbaarheid allows 32 per 16 weeks)
    on days 60, 62, ..., 122: all in the first reported window (days 28-139), but split 26 + 6
    by windows counted from the simulated start (days 0-111, 112-223). Person 1 is out on day
    125: giving that duty to person 0 would make 33 in the reported window, so it stays a gap,
    and the reported roster has no duties_16w breach."""
    days, since = 168, 28 * 24.0
    person = np.full(days, NOBODY)
    person[60:123:2] = 0
    person[125] = 1
    t = np.arange(days + 1) * 24.0
    base = Schedule(start=t[:-1], end=t[1:], person=person, kind=np.full(days, ONCALL))
    rules = RULESETS["bereikbaarheid"]
    result, log = replan(base, out(1, 125 * 24.0, 126 * 24.0), 2, rules, "spread", origin=since)
    assert log.reason.tolist() == ["gap_no_compliant"] and result.person[125] == NOBODY
    keep = result.start >= since
    reported = Schedule(start=result.start[keep] - since, end=result.end[keep] - since, person=result.person[keep],
                        kind=result.kind[keep])
    table = check(reported, NONE, NONE, NONE, rules, 2, calendar(date(2025, 1, 1), days - 28))
    assert table["duties"].tolist() == [32, 0] and table["breach_duties_16w"].tolist() == [0, 0]
    # Counted from the simulated start the same roster has room: the duty goes to person 0.
    _, log0 = replan(base, out(1, 125 * 24.0, 126 * 24.0), 2, rules, "spread")
    assert log0.reason.tolist() == ["spread"] and log0.new.tolist() == [0]


@settings(max_examples=120, deadline=None)
@given(case=rosters(), policy=st.sampled_from(POLICIES), ruleset=st.sampled_from(["consignatie", "bereikbaarheid"]),
       first=st.sets(st.integers(0, 7)), origin_days=st.integers(0, 10))
def test_a_second_replan_goes_on_from_the_first_ones_ledger(case, policy, ruleset, first, origin_days) -> None:
    """Two re-plans in a row (as inputs.duty_rosters: planned leave, then all absence) sharing
    one ledger give what two re-plans with their own fresh ledgers give, and the shared ledger
    ends as a fresh one of the result would start: the same holders, day counts and duty starts."""
    from csgsim.staff.replanning import ledger_for

    base, spells, team, cal = case
    rules, origin = RULESETS[ruleset], origin_days * 24.0
    part = np.isin(spells.person, sorted(first))
    some = Spells(person=spells.person[part], start=spells.start[part], end=spells.end[part], kind=spells.kind[part])
    args = (team, rules)
    fresh1 = replan(base, some, *args, "planned", None, team, 0.0, origin)
    fresh2 = replan(fresh1[0], spells, *args, policy, None, team, 0.0, origin)
    ledger = ledger_for(base, team, rules, team, 0.0, origin)
    shared1 = replan(base, some, *args, "planned", None, team, 0.0, origin, ledger)
    shared2 = replan(shared1[0], spells, *args, policy, None, team, 0.0, origin, ledger)
    for a, b in ((fresh1, shared1), (fresh2, shared2)):
        assert np.array_equal(a[0].person, b[0].person)
        assert a[1].reason.tolist() == b[1].reason.tolist()
    again = ledger_for(shared2[0], team, rules, team, 0.0, origin)
    assert ledger._holder == again._holder and ledger._touch == again._touch and ledger._busy == again._busy
    assert ledger._busy_days == again._busy_days and ledger._starts == again._starts


class _Fits:
    """A ledger stand-in: the people in `ok` can take any block; it records who was asked."""

    def __init__(self, ok: set[int]) -> None:
        self.ok, self.asked = ok, []

    def fits(self, person: int, block: int) -> bool:
        self.asked.append(person)
        return person in self.ok


@given(loads=st.lists(st.integers(0, 3), min_size=0, max_size=7), data=st.data())
def test_spread_takes_the_least_loaded_who_fits_asking_the_first_alone_when_it_fits(loads, data) -> None:
    """Under "spread" the block goes to the present casemanager with the lowest (load, rank) who
    fits the rules, a gap if none does. The least-loaded is asked first and, when it fits, alone
    (the others are sorted only when it does not)."""
    from csgsim.staff.replanning import NO_COMPLIANT, NOBODY_PRESENT, SPREAD, _choose_taker

    ranks = data.draw(st.permutations(range(len(loads))))
    keys = [(float(load), rank, q) for q, (load, rank) in enumerate(zip(loads, ranks))]
    ledger = _Fits(set(data.draw(st.lists(st.sampled_from(range(len(loads))), unique=True)) if loads else []))
    taker, why = _choose_taker(0, ONCALL, keys, "spread", np.zeros((len(loads), 1), dtype=bool), None, ledger)
    fitting = sorted(k for k in keys if k[2] in ledger.ok)
    if fitting:
        assert (taker, why) == (fitting[0][2], SPREAD)
        assert ledger.asked == [k[2] for k in sorted(keys)][:ledger.asked.index(taker) + 1]
        assert len(ledger.asked) == 1 or min(keys)[2] not in ledger.ok
    else:
        assert (taker, why) == (NOBODY, NO_COMPLIANT if keys else NOBODY_PRESENT)


@settings(max_examples=80, deadline=None)
@given(case=rosters(), data=st.data(), origin_days=st.integers(0, 10))
def test_initial_load_is_each_kinds_hours_summed_block_by_block(case, data, origin_days) -> None:
    """`_initial_load` (one bincount over kind, person and window) is, bit for bit, each kind's
    hours per holder and 4-week window added up block by block in time order, vacated blocks
    (holder NOBODY) left out."""
    from csgsim.staff.replanning import _Arrays, _initial_load, _windows

    base, _, team, cal = case
    vacated = data.draw(st.lists(st.integers(0, len(base) - 1), max_size=6))
    person = base.person.copy()
    person[vacated] = NOBODY
    windows = _windows(_Arrays(base.start, base.end), origin_days * 24.0)
    got = _initial_load(base, person, team + 1, windows)
    block, window, hours = windows.nonzero
    for kind in (ONCALL, OFFICE):
        want = np.zeros((team + 1, windows.n_windows))
        for b, w, x in zip(block.tolist(), window.tolist(), hours.tolist()):
            if person[b] >= 0 and base.kind[b] == kind:
                want[person[b], w] += x
        assert got[kind].tobytes() == want.tobytes()
