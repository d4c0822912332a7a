"""A rota's files: the plan as CSV (which `csgsim run --rota` reads back), an Excel sheet for the
team (a row per day, a column per person, totals), one iCalendar file per person, and the
fairness summary as CSV. Times are local wall-clock times, as the model keeps them (every day
24 h); calendar files name the Europe/Amsterdam zone.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from csgsim.config.schema import Scenario
from csgsim.core import atomic
from csgsim.core.errors import ScenarioError
from csgsim.staff.duties import ONCALL, POOLED
from csgsim.staff.rota import SHARED, Rota, make_slots, runs, tally

COLUMNS = ("region", "line", "kind", "start", "end", "person")
ZONE = "Europe/Amsterdam"
TOTALS = ("duties", "oncall_hours", "weekends", "nights", "holidays", "reserves", "max_oncall_days_per_4w")
DUTY_KINDS = ("oncall", "office", "reserve")


def _time(rota: Rota, hours: float) -> datetime:
    return datetime.combine(rota.calendar.start, datetime.min.time()) + timedelta(hours=float(hours))


def label(rota: Rota, j: int) -> str:
    """How a slot reads in the sheet: the line's id, '(office)' for an office block, '(reserve)'
    for a standby opening held in reserve; a joint plan's region lines carry the region."""
    s = rota.slots
    k = s.line[j]
    where = f"{s.line_region[k]} " if len(rota.regions) > 1 and s.line_role[k] != SHARED else ""
    return where + s.line_ids[k] + ("" if s.kind[j] == ONCALL else " (office)") + (" (reserve)" if s.reserve[j] else "")


def _kind(s, j: int) -> str:
    return "reserve" if s.reserve[j] else "oncall" if s.kind[j] == ONCALL else "office"


def plan_rows(rota: Rota, day_start: float) -> list[dict[str, str]]:
    """Every slot with its holder (not the hours a shared line holds for a region's first line),
    then every run of leave or unavailability (days from the hand-over)."""
    s = rota.slots
    rows = [{"region": s.line_region[s.line[j]], "line": s.line_ids[s.line[j]], "kind": _kind(s, j),
             "start": _time(rota, s.start[j]).isoformat(timespec="minutes"),
             "end": _time(rota, s.end[j]).isoformat(timespec="minutes"),
             "person": rota.people[rota.holder[j]] if rota.holder[j] >= 0 else ""}
            for j in np.flatnonzero(~s.pooled)]
    for kind, table in (("leave", rota.leave), ("unavailable", rota.unavailable)):
        for q, person in enumerate(rota.people):
            for a, b in runs(table[q]):
                rows.append({"region": rota.home[q], "line": "", "kind": kind, "person": person,
                             "start": _time(rota, a * 24 + day_start).isoformat(timespec="minutes"),
                             "end": _time(rota, b * 24 + day_start).isoformat(timespec="minutes")})
    return rows


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_text(path, buf.getvalue())


def read_plan(path: Path, sc: Scenario) -> Rota:
    """A plan CSV back as a Rota of the scenario's regions, checked against the scenario's own
    slots (the same regions, lines, blocks and people) over its simulated period."""
    from csgsim.core import files
    from csgsim.studies.rota import joint

    text = files.read_bytes(path, "rota file", ScenarioError).decode("utf-8-sig", errors="replace")
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or any(c not in rows[0] for c in COLUMNS):
        raise ScenarioError(f"{path}: expected a rota CSV (csgsim rota) with the columns {', '.join(COLUMNS)}")
    named = list(dict.fromkeys(rid for r in rows for rid in r["region"].split("+")))
    missing = [rid for rid in named if rid not in sc.regions]
    if missing:
        raise ScenarioError(f"{path}: the rota is for region {missing[0]!r}, which {sc.source} does not hold")
    regions, shared = joint(sc, named)
    cal = sc.simulation_calendar
    slots = make_slots(regions, cal, shared)
    ids = [p.id for r in regions for p in r.people]
    duties = [r for r in rows if r["kind"] in DUTY_KINDS]
    kept = np.flatnonzero(~slots.pooled)
    expected = [(slots.line_region[slots.line[j]], slots.line_ids[slots.line[j]], _kind(slots, j),
                 _stamp(cal.start, slots.start[j]), _stamp(cal.start, slots.end[j])) for j in kept]
    found = [(r["region"], r["line"], r["kind"], r["start"], r["end"]) for r in duties]
    if found != expected:
        bad = next((i for i, (a, b) in enumerate(zip(found, expected)) if a != b), min(len(found), len(expected)))
        raise ScenarioError(f"{path}: the rota does not fit {sc.source} ({', '.join(named)}, {cal.start} to "
                            f"{cal.dates[-1]}, warm-up included): duty {bad + 1} is "
                            f"{found[bad] if bad < len(found) else 'missing'}, the scenario has "
                            f"{expected[bad] if bad < len(expected) else 'no more duties'}; make the rota with "
                            "`csgsim rota` on the same scenario")
    unknown = sorted({r["person"] for r in rows if r["person"] not in ids})
    if unknown:
        raise ScenarioError(f"{path}: person {unknown[0]!r} is not in region(s) {', '.join(named)}; known: "
                            f"{', '.join(ids)}")
    holder = np.full(len(slots), POOLED, dtype=np.int64)
    holder[kept] = [ids.index(r["person"]) for r in duties]
    wrong = np.flatnonzero(~slots.eligible[holder[kept], kept])
    if wrong.size:
        j = kept[wrong[0]]
        line = slots.line[j]
        raise ScenarioError(f"{path}, line {rows.index(duties[wrong[0]]) + 2}: {ids[holder[j]]} may not hold line "
                            f"{slots.line_ids[line]!r} of {slots.line_region[line]} (its people: "
                            f"{', '.join(ids[q] for q in np.flatnonzero(slots.eligible[:, slots.line == line].any(axis=1)))})")
    leave, unavailable = (np.zeros((len(ids), cal.days), dtype=bool) for _ in range(2))
    day_start = regions[0].duty.period_start
    for r in rows:
        if r["kind"] in ("leave", "unavailable"):
            a = _day(r["start"], cal.start, day_start, path)
            b = _day(r["end"], cal.start, day_start, path)
            (leave if r["kind"] == "leave" else unavailable)[ids.index(r["person"]), max(a, 0):max(b, 0)] = True
    return Rota(tuple(r.id for r in regions), tuple(ids), tuple(r.id for r in regions for _ in r.people), cal, slots,
                holder, leave, unavailable)


def _stamp(first, hours: float) -> str:
    return (datetime.combine(first, datetime.min.time()) + timedelta(hours=float(hours))).isoformat(timespec="minutes")


def _day(text: str, first, day_start: float, path: Path) -> int:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{path}: {text!r} is not a time like 2025-01-01T09:00") from None
    return int(round(((t - datetime.combine(first, datetime.min.time())).total_seconds() / 3600 - day_start) / 24))


def write_excel(path: Path, rota: Rota) -> None:
    """A sheet 'rota': a row per calendar day, a column per person of the team (the coordinator
    too: the lines whose duties start that day, or 'leave' / 'unavailable'), then a row per total."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "rota"
    members = range(len(rota.people))
    ws.append(["date", "weekday", *rota.people])
    cells: dict[tuple[int, int], list[str]] = {}
    s = rota.slots
    for j in range(len(s)):
        if rota.holder[j] >= 0:
            cells.setdefault((int(s.start[j] // 24), int(rota.holder[j])), []).append(label(rota, j))
    for d, day in enumerate(rota.calendar.dates):
        row = [day.isoformat(), f"{day:%a}"]
        for q in members:
            text = " + ".join(cells.get((d, q), []))
            row.append(text or ("leave" if rota.leave[q, d] else "unavailable" if rota.unavailable[q, d] else ""))
        ws.append(row)
    t = tally(rota, len(rota.people))
    for name in TOTALS:
        ws.append([name, "", *[float(t[name][q]) for q in members]])
    atomic.write_file(path, lambda p: wb.save(p))


def write_ics(folder: Path, rota: Rota) -> list[Path]:
    """One calendar per person who holds a duty: an event per duty (contiguous slots of one line)."""
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event

    zone, s = ZoneInfo(ZONE), rota.slots
    stamp = datetime.combine(rota.calendar.start, datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    out = []
    for q, person in enumerate(rota.people):
        mine = [j for j in range(len(s)) if rota.holder[j] == q]
        if not mine:
            continue
        cal = Calendar()
        cal.add("prodid", "-//csgsim//rota//EN")
        cal.add("version", "2.0")
        for first, last in _duties(rota, mine):
            ev = Event()
            ev.add("uid", f"{rota.region}-{person}-{_time(rota, s.start[first]):%Y%m%dT%H%M}-{label(rota, first)}@csgsim")
            ev.add("dtstamp", stamp)
            ev.add("summary", f"{'Reserve' if s.reserve[first] else 'Piket'} {label(rota, first)} ({rota.region})")
            ev.add("dtstart", _time(rota, s.start[first]).replace(tzinfo=zone))
            ev.add("dtend", _time(rota, s.end[last]).replace(tzinfo=zone))
            cal.add_component(ev)
        path = folder / f"{person}.ics"
        atomic.write_file(path, lambda p, cal=cal: p.write_bytes(cal.to_ical()))
        out.append(path)
    return out


def _duties(rota: Rota, mine: list[int]) -> list[tuple[int, int]]:
    """(first, last) slot of each run of contiguous slots of one line and kind."""
    s, runs = rota.slots, []
    for j in mine:
        if runs and s.start[j] == s.end[runs[-1][1]] and s.line[j] == s.line[runs[-1][1]] \
                and s.kind[j] == s.kind[runs[-1][1]]:
            runs[-1] = (runs[-1][0], j)
        else:
            runs.append((j, j))
    return runs
