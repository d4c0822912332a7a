"""Extra on-call lines of a region (MODEL.md section 3, "On-call lines"), as scenario data.

The region's `[duty]` pattern is its first line and covers every hour, so no hour can be left
uncovered by the lines together. Each `[[regions.ID.lines]]` entry adds a line open in given
hours (e.g. Friday and Saturday 18:00-06:00), held in rotation by the people it names (default:
every casemanager). A line may be `optional`: `csgsim size` then tries the team with and without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from csgsim.core.calendar import WEEKDAYS

if TYPE_CHECKING:
    from csgsim.config.scenario import Person, TableReader


@dataclass(frozen=True)
class Line:
    """A line open on `days` from start_hour to end_hour: the next day when end_hour <= start_hour
    or end_hour > 24 (e.g. 9 to 33: a 24-hour line that changes hands at 09:00)."""

    id: str
    days: tuple[str, ...]
    start_hour: int
    end_hour: int
    people: tuple[str, ...]  # ids, in rotation order
    optional: bool = False

    @property
    def hours(self) -> int:
        """Length of one opening in hours."""
        return self.end_hour - self.start_hour if self.end_hour > self.start_hour else self.end_hour + 24 - self.start_hour


def read(r: TableReader, people: tuple[Person, ...]) -> tuple[Line, ...]:
    """The `lines` list of a region; every person named must be in the region."""
    entries = r.raw("lines", [])
    if not isinstance(entries, list):
        raise r.fail("lines", entries, "expected [[regions.ID.lines]] tables")
    ids = tuple(p.id for p in people)
    casemanagers = [p.id for p in people if p.role == "casemanager"]
    lines: list[Line] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise r.fail(f"lines[{i}]", entry, "expected { id = ..., days = [...], start_hour = ..., end_hour = ... }")
        t = type(r)(entry, r.key(f"lines[{i}]"), r.source, r.provenance)
        line_id = t.text("id")
        if line_id in [x.id for x in lines]:
            raise t.fail("id", line_id, "every line id must be unique within the region")
        members: Any = t.strings("people", ids, default=casemanagers)
        if not members:
            raise t.fail("people", list(members), "a line needs at least one person")
        if len(set(members)) < len(members):
            raise t.fail("people", list(members), "name each person once")
        start = t.number("start_hour", integer=True, lo=0, hi=23)
        line = Line(line_id, t.strings("days", WEEKDAYS, default=list(WEEKDAYS)), start,
                    t.number("end_hour", integer=True, lo=0, hi=47), tuple(members),
                    t.flag("optional", default=False))
        if not line.days:
            raise t.fail("days", [], f"a line opens on at least one day; allowed: {', '.join(WEEKDAYS)}")
        if not 0 < line.hours <= 24:
            raise t.fail("end_hour", line.end_hour, f"an opening lasts 1 to 24 hours from start_hour {start} "
                                                    f"(e.g. 0 to 24, or {start} to {start + 24} for a whole day)")
        t.done()
        lines.append(line)
    return tuple(lines)
