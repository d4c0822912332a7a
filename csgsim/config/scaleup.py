"""A scale-up policy in peaks (docs/model.md#scaling-up-in-peaks), as scenario data.

`[regions.ID.scaleup]` (or `[defaults.scaleup]`) names one standby line and one or both triggers
that open it:
- on arrivals: when `when_acute_reports` or more acute reports arrived in the last `in_days`
  days, the standby opens for the next `open_days` days;
- on a wait: when a call has waited more than `when_call_waited_min` minutes unanswered, the
  standby opens for the next roster week (from the roster's hand-over).
The standby's hours are given as for `[[regions.ID.lines]]` (`days`, `start_hour`, `end_hour`;
e.g. 18 to 32 for evenings and nights), held in turn by its `people` (default: every
casemanager). Off unless the table is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from csgsim.config.lines import Line, read_line
from csgsim.core.errors import ScenarioError

if TYPE_CHECKING:
    from csgsim.config.reader import TableReader
    from csgsim.config.schema import Person

#: Longest look-back or opening a policy may name, in days.
MAX_DAYS = 366
#: Longest wait a policy may name, in minutes (a week).
MAX_WAIT_MIN = 7 * 24 * 60
_ARRIVALS = ("when_acute_reports", "in_days", "open_days")


@dataclass(frozen=True)
class ScaleUp:
    """The triggers (None: that trigger is off; at least one is on) and the standby line."""

    when_acute_reports: int | None
    in_days: int | None
    open_days: int | None
    line: Line
    when_call_waited_min: float | None = None

    @property
    def on_arrivals(self) -> bool:
        return self.when_acute_reports is not None

    @property
    def wait_hours(self) -> float | None:
        """The wait trigger's threshold in hours, or None when it is off."""
        return None if self.when_call_waited_min is None else self.when_call_waited_min / 60.0


def read(r: TableReader, people: tuple[Person, ...], lines: tuple[Line, ...]) -> ScaleUp | None:
    """The region's `scaleup` table, or None without one; the standby's id differs from the lines'."""
    if r.raw("scaleup", None) is None:
        return None
    t = r.table("scaleup")
    given = [k for k in _ARRIVALS if k in t.data]
    waited = None
    if "when_call_waited_min" in t.data:
        waited = t.number("when_call_waited_min", lo=0.0, lo_open=True, hi=MAX_WAIT_MIN)
    elif not given:
        raise ScenarioError(f"{t.source}: {t.path} has no trigger; give when_acute_reports (with in_days and "
                            "open_days), when_call_waited_min, or both")
    arrivals: list[int | None] = [None, None, None]
    if given:
        if "when_acute_reports" not in given:
            raise t.fail(given[0], t.raw(given[0]), "in_days and open_days belong to when_acute_reports, "
                                                    "which is missing")
        arrivals = [int(t.number("when_acute_reports", integer=True, lo=1, hi=100_000)),
                    int(t.number("in_days", integer=True, lo=1, hi=MAX_DAYS)),
                    int(t.number("open_days", integer=True, lo=1, hi=MAX_DAYS))]
    policy = ScaleUp(*arrivals,
                     line=read_line(t, tuple(p.id for p in people), [p.id for p in people if p.role == "casemanager"],
                                    [x.id for x in lines], default_id="standby"),
                     when_call_waited_min=waited)
    if policy.line.optional:
        raise t.fail("optional", True, "a standby line is opened by its trigger; only extra lines are optional")
    t.done()
    return policy
