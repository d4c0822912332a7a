"""The legal floor: the fewest casemanagers a duty pattern needs under a rule set, by hand arithmetic.

Before anyone is ill, on leave or busy, the working-time rules alone set a minimum team for
24/7 on-call cover. Every figure here is a line of arithmetic a coordinator can redo:

- a line covers 28 periods of 24 h per 4 weeks (the rules count periods from the handover);
- rotation_24h and office_plus_oncall hand over every period: 7 duties a week, one period
  each; the week pattern hands over weekly: 1 duty a week of 7 periods (168 h);
- in a rotation of n people a person's duties are n duties apart, so the free run between two
  of them is (n - 1) x (periods per duty) periods.

Rules that depend on call-outs (work per 24 h) depend on demand and are not part of the floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from csgsim.config.staffing import RuleSet
from csgsim.staff.rules import DAYS_4W

#: pattern -> (duties a week per line, periods per duty, longest duty in hours)
SHAPES = {"rotation_24h": (7, 1, 24.0), "week": (1, 7, 168.0), "office_plus_oncall": (7, 1, 24.0)}


@dataclass(frozen=True)
class Term:
    """What one rule requires: the arithmetic in words and the people it needs (None: never met)."""

    rule: str
    arithmetic: str
    people: int | None


@dataclass(frozen=True)
class Floor:
    pattern: str
    ruleset: str
    lines: int
    terms: tuple[Term, ...]

    @property
    def people(self) -> int | None:
        """The floor: the most any rule requires (None when some rule can never be met)."""
        if any(t.people is None for t in self.terms):
            return None
        return max((t.people for t in self.terms), default=1)

    @property
    def binding(self) -> Term | None:
        """The rule that sets the floor (the first of equals)."""
        if not self.terms:
            return None
        if self.people is None:
            return next(t for t in self.terms if t.people is None)
        return next(t for t in self.terms if t.people == self.people)


def _free_pairs_people(pairs: int, per_duty: int, lines: int) -> tuple[int, str]:
    """Smallest rotation (per line) leaving `pairs` disjoint free 2-period runs in every 4 weeks."""
    n = 1
    while True:
        n += 1
        run = (n - 1) * per_duty
        runs = DAYS_4W // (n * per_duty)
        if (run // 2) * runs >= pairs:
            break
    text = (f"{pairs} free 48 h spells per 4 weeks: a rotation of {n} leaves {run} free periods between duties "
            f"({run // 2} spell(s), {runs} times per 4 weeks; {n - 1} would leave {(n - 2) * per_duty})")
    text += f" x {lines} lines -> {n * lines}" if lines > 1 else f" -> {n}"
    return n * lines, text


def legal_floor(pattern: str, rules: RuleSet, lines: int = 1) -> Floor:
    """The floor of `lines` concurrent lines of `pattern` under `rules`, term by term."""
    per_week, per_duty, longest = SHAPES[pattern]
    periods = DAYS_4W * lines
    terms = []
    if rules.max_oncall_days_per_4w is not None:
        m = rules.max_oncall_days_per_4w
        terms.append(Term("oncall_days_4w", f"{periods} on-call periods per 4 weeks / at most {m} per person "
                                            f"= {periods / m:g} -> {math.ceil(periods / m)}", math.ceil(periods / m)))
    if rules.min_free_pairs_per_4w is not None:
        n, text = _free_pairs_people(rules.min_free_pairs_per_4w, per_duty, lines)
        terms.append(Term("free_days_4w", text, n))
    if rules.max_duty_hours is not None:
        ok = longest <= rules.max_duty_hours
        terms.append(Term("duty_length", f"longest duty {longest:g} h {'<=' if ok else '>'} {rules.max_duty_hours:g} h"
                          + (" -> 1" if ok else ": this pattern breaks the rule at any team size"), 1 if ok else None))
    if rules.max_duties_per_7d is not None:
        m, d = rules.max_duties_per_7d, per_week * lines
        terms.append(Term("duties_7d", f"{d} duties per week / at most {m} per person = {d / m:g} -> "
                                       f"{math.ceil(d / m)}", math.ceil(d / m)))
    if rules.max_duties_per_16w is not None:
        m, d = rules.max_duties_per_16w, 16 * per_week * lines
        terms.append(Term("duties_16w", f"{d} duties per 16 weeks / at most {m} per person = {d / m:g} -> "
                                        f"{math.ceil(d / m)}", math.ceil(d / m)))
    if not terms:
        terms.append(Term("none", f"no duty-count rule: {lines} person(s) can hold {lines} line(s) -> {lines}", lines))
    return Floor(pattern, rules.name, lines, tuple(terms))
