"""A scale-up policy in peaks (docs/model.md#scaling-up-in-peaks), as scenario data.

`[regions.ID.scaleup]` (or `[defaults.scaleup]`): when `when_acute_reports` or more acute reports
arrived in the last `in_days` days, a standby line opens for the next `open_days` days, in the
hours given as for `[[regions.ID.lines]]` (`days`, `start_hour`, `end_hour`; e.g. 18 to 32 for
evenings and nights), held in turn by its `people` (default: every casemanager). Off unless the
table is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from csgsim.config.lines import Line, read_line

if TYPE_CHECKING:
    from csgsim.config.reader import TableReader
    from csgsim.config.schema import Person

#: Longest look-back or opening a policy may name, in days.
MAX_DAYS = 366


@dataclass(frozen=True)
class ScaleUp:
    """The trigger (`when_acute_reports` in `in_days`), how long it keeps the standby open, and
    the standby line (its hours and holders)."""

    when_acute_reports: int
    in_days: int
    open_days: int
    line: Line


def read(r: TableReader, people: tuple[Person, ...], lines: tuple[Line, ...]) -> ScaleUp | None:
    """The region's `scaleup` table, or None without one; the standby's id differs from the lines'."""
    if r.raw("scaleup", None) is None:
        return None
    t = r.table("scaleup")
    policy = ScaleUp(
        when_acute_reports=int(t.number("when_acute_reports", integer=True, lo=1, hi=100_000)),
        in_days=int(t.number("in_days", integer=True, lo=1, hi=MAX_DAYS)),
        open_days=int(t.number("open_days", integer=True, lo=1, hi=MAX_DAYS)),
        line=read_line(t, tuple(p.id for p in people), [p.id for p in people if p.role == "casemanager"],
                       [x.id for x in lines], default_id="standby"),
    )
    if policy.line.optional:
        raise t.fail("optional", True, "a standby line is opened by its trigger; only extra lines are optional")
    t.done()
    return policy
