"""The escalation chain of a region, as scenario data (docs/model.md#7-the-acute-pathway).

When the duty holder is busy the control room goes down a list: the backup(s) in order, then
a call-in of a present, off-duty, free team member (reached with some probability, after some
delay), then a neighbouring region's line, and only then does the call wait. The loader reads
the `[backup]` and `[escalation]` tables of a region into an `Escalation`; the behaviour is in
`csgsim.model.dispatch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from csgsim.core.distributions import Dist
from csgsim.core.errors import ScenarioError

if TYPE_CHECKING:
    from csgsim.config.reader import TableReader
    from csgsim.config.schema import Person, Region

NEIGHBOURS = ("none", "external")
#: Escalation off: the duty holder, the backup, then waiting (the chain before issue 9).
_FIXED_ZERO = Dist("fixed", (("value", 0.0),))


@dataclass(frozen=True)
class Escalation:
    """Who is asked after the duty holder, in order; person fields are ids of the region's people."""

    # Takes the backup role while the backup person is absent; used with backup kinds coordinator
    # and next_in_line (kinds none and external name no person to stand in for, so an experiment
    # may switch the kind without removing the deputy).
    deputy: str | None = None
    also: tuple[str, ...] = ()  # further named backups, in order, after the first
    callin: bool = False
    callin_reach: float = 1.0  # chance that one off-duty candidate is reached for a call
    callin_delay: Dist = _FIXED_ZERO  # hours from the control room's call to the call-in answering
    # "external": a neighbouring line outside the model, one call at a time; a region id: that
    # region's duty holder, simulated together with this region so the load is counted there.
    neighbour: str = "none"
    neighbour_delay: Dist = _FIXED_ZERO


def read(backup_r: TableReader, esc_r: TableReader, kind: str, people: tuple[Person, ...]) -> Escalation:
    """The chain from `[backup]` (deputy, also) and `[escalation]`; person ids are checked here."""
    ids = tuple(p.id for p in people)
    deputy = backup_r.choice("deputy", ("none",) + ids, default="none")
    if kind == "coordinator" and deputy == ids[-1]:
        raise backup_r.fail("deputy", deputy, "the coordinator cannot deputise for themself; name a casemanager")
    also = backup_r.strings("also", ids, default=[])
    if len(set(also)) < len(also):
        raise backup_r.fail("also", list(also), "name each further backup once")
    callin = esc_r.flag("callin", default=False)
    neighbour = esc_r.text("neighbour", default="none")  # a region id is checked by `check_neighbours`
    # The parameters of a step are required when the step is on, optional (and kept, so that an
    # experiment can switch the step) when it is off.
    zero = {"dist": "fixed", "value": 0.0}
    esc = Escalation(
        deputy=None if deputy == "none" else deputy,
        also=also,
        callin=callin,
        callin_reach=esc_r.number("callin_reach", default=... if callin else 1.0, lo=0.0, hi=1.0),
        callin_delay=esc_r.dist("callin_delay", default=... if callin else zero),
        neighbour=neighbour,
        neighbour_delay=esc_r.dist("neighbour_delay", default=... if neighbour != "none" else zero),
    )
    esc_r.done()
    return esc


def check_neighbours(regions: dict[str, Region], source: str) -> None:
    """A neighbour named by id must be another region of the scenario."""
    for rid, region in regions.items():
        name = region.escalation.neighbour
        if name not in NEIGHBOURS and (name not in regions or name == rid):
            others = [r for r in regions if r != rid]
            raise ScenarioError(f"{source}: regions.{rid}.escalation.neighbour = {name!r} is not allowed; allowed: "
                                f"{', '.join(NEIGHBOURS)}, or another region of the scenario"
                                + (f" ({', '.join(others)})" if others else " (there is none)"))
