"""The legal floor: hand arithmetic per rule set and duty pattern, and the rule checks agree with it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from csgsim.config.staffing import PATTERNS, RULESETS
from csgsim.core.calendar import Calendar
from csgsim.staff.duties import base_schedule
from csgsim.staff.floor import legal_floor
from csgsim.staff.rules import DUTY_RULES, check

YEAR = Calendar(date(2025, 1, 1), 365)
NONE = np.zeros(0)

#: Worked by hand (one 24/7 line, 28 periods of 24 h per 4 weeks, 7 duties a week; week pattern
#: 1 duty of 7 periods a week):
#: consignatie, on-call days: 28 / 14 = 2 people; two free 48 h spells per 4 weeks: a rotation of n
#: leaves (n - 1) free periods between 24 h duties, so n >= 3 (week pattern: 2 leaves a free week).
#: bereikbaarheid: 7 duties a week / 5 = 1.4 -> 2; 16 x 7 = 112 duties per 16 weeks / 32 = 3.5 -> 4;
#: a week duty (168 h) is longer than 24 h at any team size.
HAND = {
    ("rotation_24h", "consignatie"): (3, "free_days_4w", {"oncall_days_4w": 2, "free_days_4w": 3}),
    ("week", "consignatie"): (2, "oncall_days_4w", {"oncall_days_4w": 2, "free_days_4w": 2}),
    ("office_plus_oncall", "consignatie"): (3, "free_days_4w", {"oncall_days_4w": 2, "free_days_4w": 3}),
    ("rotation_24h", "bereikbaarheid"): (4, "duties_16w", {"duty_length": 1, "duties_7d": 2, "duties_16w": 4}),
    ("week", "bereikbaarheid"): (None, "duty_length", {"duty_length": None, "duties_7d": 1, "duties_16w": 1}),
    ("office_plus_oncall", "bereikbaarheid"): (4, "duties_16w", {"duty_length": 1, "duties_7d": 2, "duties_16w": 4}),
    ("rotation_24h", "none"): (1, "none", {"none": 1}),
    ("week", "none"): (1, "none", {"none": 1}),
    ("office_plus_oncall", "none"): (1, "none", {"none": 1}),
}


@pytest.mark.parametrize(("pattern", "ruleset"), sorted(HAND))
def test_floor_equals_the_hand_computation(pattern, ruleset):
    """Every rule's term and the floor (the largest term) equal the hand computation above."""
    people, binding, terms = HAND[pattern, ruleset]
    floor = legal_floor(pattern, RULESETS[ruleset])
    assert floor.people == people and floor.binding.rule == binding
    assert {t.rule: t.people for t in floor.terms} == terms


def test_the_issue_examples():
    """One 24/7 line under 14 on-call days per 4 weeks needs 2 people by the day count; two lines 4."""
    one = legal_floor("rotation_24h", RULESETS["consignatie"])
    two = legal_floor("rotation_24h", RULESETS["consignatie"], lines=2)
    assert one.terms[0].people == 2 and "28 on-call periods" in one.terms[0].arithmetic
    assert two.terms[0].people == 4 and two.people == 6


def breaches(pattern: str, ruleset: str, team: int) -> int:
    table = check(base_schedule(pattern, team, YEAR), NONE, NONE, NONE, RULESETS[ruleset], team, YEAR, day_start=9)
    return int(sum(table[f"breach_{r}"].sum() for r in DUTY_RULES if f"breach_{r}" in table))


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("ruleset", sorted(RULESETS))
def test_the_rule_checks_agree_with_the_floor(pattern, ruleset):
    """The base rotation at the floor keeps every duty-count rule for a whole year (periods from
    the 09:00 hand-over), and one person fewer breaks one; a pattern without a floor breaks a
    rule at every size up to 8."""
    floor = legal_floor(pattern, RULESETS[ruleset]).people
    if floor is None:
        assert all(breaches(pattern, ruleset, n) > 0 for n in range(1, 9))
        return
    assert breaches(pattern, ruleset, floor) == 0
    if floor > 1:
        assert breaches(pattern, ruleset, floor - 1) > 0
