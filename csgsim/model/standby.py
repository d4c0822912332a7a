"""The wait trigger of a scale-up policy at run time (docs/model.md#scaling-up-in-peaks).

A call's wait is known only during the run: when a call is still unanswered once it has waited
the policy's threshold (in the waiting line, or until a call-in or the neighbouring line answers
after its delay), the standby line's planned holders (`staff.scaleup.Standby`) take it over in
the next roster week. Only that week's future hand-overs change, so the run stays causal.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from csgsim.model.dispatch import CallDispatch
from csgsim.staff.duties import NOBODY, Schedule
from csgsim.staff.scaleup import Standby


class WaitTrigger:
    """Watches the calls not answered at once (`CallDispatch.on_wait`) and opens weeks of the
    standby, role `role` of the dispatch; `offset` turns the plan's people into crew numbers."""

    def __init__(self, calls: CallDispatch, role: int, standby: Standby, offset: int):
        self.calls, self.role, self.standby, self.offset = calls, role, standby, offset
        self.weeks = standby.week_starts.tolist()
        self.block_start = standby.candidate.start.tolist()
        self.candidate = standby.candidate.person.tolist()
        self.opened: set[int] = set()
        calls.on_wait = self.watch

    def watch(self, i: int) -> None:
        """Check report i once it has waited the threshold."""
        env = self.calls.env
        at = self.calls.arrivals[i] + self.standby.threshold
        env.timeout(at - env.now).callbacks.append(lambda _: self.check(i, at))

    def check(self, i: int, at: float) -> None:
        """Report i not answered by `at` (still waiting, NaN, or answered later): open the next week."""
        if not self.calls.answered[i] <= at:
            week = bisect_right(self.weeks, at)
            if week < len(self.weeks) and week not in self.opened:
                self.open(week)

    def open(self, week: int) -> None:
        """The planned holders take the standby's hand-overs in `week` (all still to come)."""
        self.opened.add(week)
        times, held = self.calls.changes, self.calls.held  # hand-over times; the roles from each on
        start = self.weeks[week]
        end = self.weeks[week + 1] if week + 1 < len(self.weeks) else float("inf")
        for k in range(bisect_left(times, start), bisect_left(times, end)):
            who = self.candidate[bisect_right(self.block_start, times[k]) - 1]
            if who != NOBODY:
                held[k][self.role] = who + self.offset

    def held(self, schedule: Schedule) -> Schedule:
        """The standby line as it was held in the run."""
        return self.standby.held(schedule, self.opened)
