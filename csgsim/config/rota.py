"""A region's rota settings (`[regions.ID.rota]`, usually in `[defaults.rota]`), as scenario data.

`csgsim rota` plans who holds which duty on which day (`csgsim.studies.rota`). Its hard limits
are the rule set's (`[rules] set`) plus what this table adds: the collective agreement's own limit
on on-call days per 4 weeks (the CAO Gehandicaptenzorg allows 7 per 28 where the law allows 14)
and the coordinator's planning rules. The weights say how much each kind of unfairness, and each
preference not met, costs the plan; they are relative, so only their ratios matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from csgsim.config.reader import TableReader

#: Soft goals of a plan, in the order the weights are listed.
GOALS = ("weekends", "nights", "holidays", "hours", "preferences", "reserves")
#: How long one person is the scale-up standby's reserve: each opening, or a Monday-Sunday week.
RESERVE_BLOCKS = ("opening", "week")
MAX_WEIGHT = 1000.0


@dataclass(frozen=True)
class RotaWeights:
    """How much one duty away from a fair share costs, per goal; `preferences`: per day a
    "rather not" is not met or a "prefer" is not given; `reserves`: per standby opening held in
    reserve away from a fair share (only where the region has a scale-up policy)."""

    weekends: float = 1.0
    nights: float = 1.0
    holidays: float = 1.0
    hours: float = 1.0
    preferences: float = 1.0
    reserves: float = 1.0


@dataclass(frozen=True)
class RotaRules:
    """Limits and planning rules a rota keeps on top of the rule set; None switches one off."""

    agreement: str = ""  # the collective agreement whose limit `max_oncall_days_per_4w` is
    max_oncall_days_per_4w: int | None = None
    max_consecutive_days: int | None = None  # most on-call days in a row
    night_week_nights: int | None = None  # a week with this many on-call nights is night-heavy...
    night_week_rest_days: int = 2  # ...and the days after it are free of on-call
    reserve_block: str = "opening"  # a reserve per standby opening, or one per week (RESERVE_BLOCKS)
    weights: RotaWeights = RotaWeights()


def read(r: TableReader) -> RotaRules:
    """The `rota` table of a region (every key optional)."""
    w = r.table("weights")
    weights = RotaWeights(*(w.number(g, default=1.0, lo=0.0, hi=MAX_WEIGHT) for g in GOALS))
    w.done()

    def optional(name: str, lo: int, hi: int) -> int | None:
        return int(r.number(name, integer=True, lo=lo, hi=hi)) if name in r.data else None

    rules = RotaRules(
        agreement=r.text("agreement", default=""),
        max_oncall_days_per_4w=optional("max_oncall_days_per_4w", 1, 28),
        max_consecutive_days=optional("max_consecutive_days", 1, 366),
        night_week_nights=optional("night_week_nights", 1, 7),
        night_week_rest_days=int(r.number("night_week_rest_days", default=2, integer=True, lo=1, hi=28)),
        reserve_block=r.choice("reserve_block", RESERVE_BLOCKS, default="opening"),
        weights=weights,
    )
    r.done()
    return rules
