"""On-call lines beyond a region's `[duty]` pattern (docs/model.md#3-staff-and-duties), as scenario data.

The region's `[duty]` pattern is its first line and covers every hour, so no hour can be left
uncovered by the lines together. Each `[[regions.ID.lines]]` entry adds a line open in given
hours (e.g. Friday and Saturday 18:00-06:00), held in rotation by the people it names (default:
every casemanager). A line may be `optional`: `csgsim size` then tries the team with and without it.

A `[[shared_lines]]` entry is one line for several regions in given hours (e.g. one night line
for two small neighbours): in those hours it replaces the regions' own first lines, its holder
comes from any of them, and a call from a region other than the holder's own adds `travel`
hours each way. Regions that share a line are simulated together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from csgsim.core.calendar import WEEKDAYS

if TYPE_CHECKING:
    from csgsim.config.reader import TableReader
    from csgsim.config.schema import Person, Region


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


@dataclass(frozen=True)
class SharedLine:
    """A line that several regions share; `line.people` are ids unique across those regions."""

    line: Line
    regions: tuple[str, ...]
    travel: tuple[float, ...]  # per region: extra hours each way when the holder is from another region


def _entries(r: TableReader, name: str, form: str) -> list[TableReader]:
    entries = r.raw(name, [])
    if not isinstance(entries, list):
        raise r.fail(name, entries, f"expected [[{form}]] tables")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise r.fail(f"{name}[{i}]", entry, "expected { id = ..., days = [...], start_hour = ..., end_hour = ... }")
    return [type(r)(entry, r.key(f"{name}[{i}]"), r.source, r.provenance) for i, entry in enumerate(entries)]


def read_line(t: TableReader, ids: tuple[str, ...], default_people: list[str], taken: list[str],
              default_id: Any = ...) -> Line:
    """One line's id, people and opening hours, checked."""
    line_id = t.text("id", default=default_id)
    if line_id in taken:
        raise t.fail("id", line_id, "every line id must be unique")
    members: Any = t.strings("people", ids, default=default_people)
    if not members:
        raise t.fail("people", list(members), "a line needs at least one person")
    if len(set(members)) < len(members):
        raise t.fail("people", list(members), "name each person once")
    start = t.number("start_hour", integer=True, lo=0, hi=23)
    line = Line(line_id, t.strings("days", WEEKDAYS, default=list(WEEKDAYS)), start,
                t.number("end_hour", integer=True, lo=0, hi=47), tuple(members), t.flag("optional", default=False))
    if not line.days:
        raise t.fail("days", [], f"a line opens on at least one day; allowed: {', '.join(WEEKDAYS)}")
    if not 0 < line.hours <= 24:
        raise t.fail("end_hour", line.end_hour, f"an opening lasts 1 to 24 hours from start_hour {start} "
                                                f"(e.g. 0 to 24, or {start} to {start + 24} for a whole day)")
    return line


def read(r: TableReader, people: tuple[Person, ...]) -> tuple[Line, ...]:
    """The `lines` list of a region; every person named must be in the region."""
    ids = tuple(p.id for p in people)
    casemanagers = [p.id for p in people if p.role == "casemanager"]
    lines: list[Line] = []
    for t in _entries(r, "lines", "regions.ID.lines"):
        lines.append(read_line(t, ids, casemanagers, [x.id for x in lines]))
        t.done()
    return tuple(lines)


def read_shared(top: TableReader, regions: dict[str, Region]) -> tuple[SharedLine, ...]:
    """The `[[shared_lines]]`: known regions (two or more, each in one shared line at most),
    people ids unique across them, a travel time per region."""
    out: list[SharedLine] = []
    for t in _entries(top, "shared_lines", "shared_lines"):
        names = t.strings("regions", tuple(regions))
        if len(set(names)) < 2 or len(set(names)) < len(names):
            raise t.fail("regions", list(names), "a shared line serves two or more different regions")
        busy = [rid for rid in names for s in out if rid in s.regions]
        if busy:
            raise t.fail("regions", list(names), f"region {busy[0]!r} is already in another shared line")
        everyone = [p.id for rid in names for p in regions[rid].people]
        twice = sorted({x for x in everyone if everyone.count(x) > 1})
        if twice:
            raise t.fail("regions", list(names), f"person id {twice[0]!r} is in more than one of these regions; "
                                                 "people of a shared line need ids unique across its regions")
        casemanagers = [p.id for rid in names for p in regions[rid].people if p.role == "casemanager"]
        line = read_line(t, tuple(everyone), casemanagers, [s.line.id for s in out])
        tr = t.table("travel")
        travel = tuple(tr.number(rid, default=0.0, lo=0.0, hi=24.0) for rid in names)
        tr.done()
        t.done()
        out.append(SharedLine(line, tuple(names), travel))
    return tuple(out)
