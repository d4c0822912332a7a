"""What a region's piket costs, priced from one replication's schedules and records (docs/evidence.md#7-money).

Fixed costs (reachability, coordination and the contracts, as the 2020 funding study budgets them):
- on-call allowance: every on-call hour held by a person of the region (on any of its lines, or
  on a line shared with other regions; each backup step at `backup_allowance` of it, a scale-up
  standby's held hours at `standby_allowance` of it) earns the scheme's hours of pay for that
  calendar day's type; call-outs taken on a standby are work, priced below like every call-out;
- coordination: the coordinator's contracted hours;
- contracts: the casemanagers' contracted CSG hours, salary paid whether casework uses them or not;
- training and network time of every casemanager.

Variable costs (per victim): work outside the contracted hours x hourly wage cost. A call-out is
work during on-call: it earns the highest surcharge that applies at each moment of it, and is paid
for at least the scheme's minimum (the shortfall at the surcharge of its start). Travel is part of
a call-out in the model. The office model takes call-outs in a working day's office hours from
that day's share of the contract (a fifth of the weekly hours), so up to that share their plain
hours are already paid by the contract and only the surcharge is added. Office contacts
(intakes, watchful waiting) are done from the contracted hours and priced there, once; only what
a person's contacts of a day take beyond the day's share (the office model lets a first contact
overrun it) is paid on top, at the plain wage. Exams, PR, housing and mileage are not priced.

Every figure is per calendar year of the reported period (a partial year covers only its days).
Rates are integrated exactly: they are constant within each clock hour.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np

from csgsim.core.clamp import clamp
from csgsim.analysis.reduce import first_index
from csgsim.config.costs import CostParams
from csgsim.config.schema import Region
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.model.pathways import Records, RegionInputs
from csgsim.staff.duties import ONCALL, Schedule

#: Cost metric -> (unit, description). Money in EUR of the year priced.
COST_METRICS: dict[str, tuple[str, str]] = {
    "days": ("days", "days of the year in the reported period"),
    "reports": ("count", "acute and non-acute reports"),
    "oncall_hours": ("h", "on-call hours held by the region's people, every line"),
    "backup_hours": ("h", "on-call hours held by a backup of the region, every backup step"),
    "callout_hours": ("h", "call-out hours paid (at least the minimum per call-out)"),
    "office_hours": ("h", "office contact hours worked on cases"),
    "contract_hours": ("h", "contracted CSG hours of the casemanagers"),
    "allowance": ("EUR", "on-call allowance (duty holder and backup)"),
    "coordination": ("EUR", "coordinator hours"),
    "contracts": ("EUR", "casemanagers' contracted CSG hours (salary, used or not)"),
    "training_network": ("EUR", "training and network time of the casemanagers"),
    "fixed": ("EUR", "fixed costs: allowance + coordination + contracts + training and network"),
    "callout_work": ("EUR", "call-out work with surcharges, less the plain hours the contracts pay"),
    "office_work": ("EUR", "office contacts beyond the day's contracted hours"),
    "variable": ("EUR", "variable costs: call-out work + office contacts"),
    "total": ("EUR", "total costs: fixed + variable"),
    "cost_per_case": ("EUR", "total costs per report"),
    "variable_per_case": ("EUR", "variable costs per report"),
}
#: Metrics that add up across regions (the national figure is their sum).
ADDITIVE = tuple(m for m in COST_METRICS if m not in ("days", "cost_per_case", "variable_per_case"))


def day_types(calendar: Calendar) -> np.ndarray:
    """Per day: 0 weekday, 1 Saturday, 2 Sunday, 3 public holiday (the holiday wins)."""
    kind = np.zeros(calendar.days, dtype=np.int64)
    kind[calendar.weekday == 5] = 1
    kind[calendar.weekday == 6] = 2
    kind[calendar.holiday] = 3
    return kind


def hourly_rates(params: CostParams, calendar: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """Per clock hour of the calendar: allowance (hours of pay per on-call hour) and the surcharge
    on work done then (the highest of the day's band and, outside the day band, the night's)."""
    scheme = params.scheme
    kind = np.repeat(day_types(calendar), HOURS_PER_DAY)
    hour = np.tile(np.arange(HOURS_PER_DAY), calendar.days)
    allowance = np.array([scheme.allowance_rate(k) for k in range(4)])[kind]
    day_band = np.array([scheme.surcharge[0], scheme.surcharge[2], scheme.surcharge[3], scheme.surcharge[4]])[kind]
    night = (hour < scheme.day_start_hour) | (hour >= scheme.night_start_hour)
    surcharge = np.where(night, np.maximum(day_band, scheme.surcharge[1]), day_band)
    return allowance, surcharge


@lru_cache(maxsize=64)
def _priced_hours(params: CostParams, calendar: Calendar) -> tuple[np.ndarray, ...]:
    """`hourly_rates`, the weight of an hour of call-out work (1 + surcharge) and the running
    sums `integral` needs: the same for every replication, so worked out once (read-only)."""
    allowance, surcharge = hourly_rates(params, calendar)
    weight = 1.0 + surcharge
    out = (allowance, surcharge, weight, _running_sum(allowance), _running_sum(weight))
    for a in out:
        a.setflags(write=False)
    return out


def _running_sum(rate: np.ndarray) -> np.ndarray:
    return np.concatenate(([0.0], np.cumsum(rate)))


def integral(rate: np.ndarray, a: np.ndarray, b: np.ndarray, cum: np.ndarray | None = None) -> np.ndarray:
    """The integral of an hourly step function over [a, b), exactly; beyond the last hour the
    last rate continues, before hour 0 the first. `cum`: the rate's `_running_sum`, if known."""
    cum = _running_sum(rate) if cum is None else cum
    n = rate.size

    def at(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        i = clamp(np.floor(t).astype(np.int64), 0, n - 1)
        return cum[i] + rate[i] * (t - i)

    return at(b) - at(a)


def _clip(schedule: Schedule, n_people: int, a: float, b: float, oncall_only: bool = True
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blocks held by a person of the region (not a gap, not an outside line) inside [a, b)."""
    keep = (schedule.person >= 0) & (schedule.person < n_people) & (schedule.end > a) & (schedule.start < b)
    if oncall_only:
        keep &= schedule.kind == ONCALL
    return schedule.person[keep], np.maximum(schedule.start[keep], a), np.minimum(schedule.end[keep], b)


def year_windows(calendar: Calendar, since: float) -> list[tuple[int, float, float]]:
    """(year, first hour, end hour) of each calendar year inside the reported period [since, horizon)."""
    out = []
    first = calendar.start.year
    for year in range(first, calendar.dates[-1].year + 1):
        a = max(calendar.hour_of(date(year, 1, 1)), since)
        b = min(calendar.hour_of(date(year + 1, 1, 1)), calendar.horizon)
        if b > a:
            out.append((year, a, b))
    return out


def year_costs(rec: Records, region: Region, sampled: RegionInputs, calendar: Calendar, year: int,
               a: float, b: float) -> dict[str, float]:
    """Every COST_METRICS figure of one region for the hours [a, b) of one calendar year."""
    params = region.costs
    if params is None:
        raise ValueError(f"region {region.id!r} has no [costs] table to price with")
    n_people = len(region.people)
    wage = np.array([params.hourly_wage_cost(p.role, year) for p in region.people]
                    + [params.hourly_wage_cost("casemanager", year) * params.external_callout_rate])
    allowance_rate, surcharge, weight, allowance_cum, weight_cum = _priced_hours(params, calendar)
    out: dict[str, float] = {"days": (b - a) / HOURS_PER_DAY}

    who, s, e = _clip(sampled.all_duties(n_people), n_people, a, b)  # every line this region's people hold
    out["oncall_hours"] = float((e - s).sum())
    allowance = float((integral(allowance_rate, s, e, allowance_cum) * wage[who]).sum())
    backup_hours = 0.0
    for backup in sampled.backups:
        who, s, e = _clip(backup, n_people, a, b)
        backup_hours += float((e - s).sum())
        allowance += params.backup_allowance * float((integral(allowance_rate, s, e, allowance_cum) * wage[who]).sum())
    out["backup_hours"] = backup_hours
    standby = sampled.lines[-1] if region.scaleup is not None else None  # `inputs.sample` puts it last
    if standby is not None and params.standby_allowance != 1.0:  # held at its own rate, not a line's
        who, s, e = _clip(standby, n_people, a, b)
        allowance -= (1.0 - params.standby_allowance) * float((integral(allowance_rate, s, e, allowance_cum)
                                                               * wage[who]).sum())
    out["allowance"] = allowance

    coordinator = region.people[-1]
    year_hours = (calendar.hour_of(date(year + 1, 1, 1)) - calendar.hour_of(date(year, 1, 1)))
    out["coordination"] = coordinator.hours_per_week * (b - a) / (7 * HOURS_PER_DAY) * wage[n_people - 1]
    per_cm = (params.training_hours_per_year + params.network_hours_per_year) * (b - a) / year_hours
    out["training_network"] = per_cm * float(wage[:region.casemanagers].sum())
    weeks = (b - a) / (7 * HOURS_PER_DAY)
    hours = np.array([p.hours_per_week for p in region.people[:region.casemanagers]])
    out["contract_hours"] = float(hours.sum()) * weeks
    out["contracts"] = float((hours * wage[:region.casemanagers]).sum()) * weeks
    out["fixed"] = out["allowance"] + out["coordination"] + out["contracts"] + out["training_network"]

    eng = (rec.eng_start >= a) & (rec.eng_start < b)
    start, end, person = rec.eng_start[eng], rec.eng_end[eng], rec.eng_person[eng]
    short = np.maximum(params.scheme.minimum_callout_hours - (end - start), 0.0)
    first = surcharge[clamp(np.floor(start).astype(np.int64), 0, surcharge.size - 1)]
    paid = integral(weight, start, end, weight_cum) + short * (1.0 + first)
    out["callout_hours"] = float(((end - start) + short).sum())
    covered = _office_share(region, calendar, person, start, end)
    out["callout_work"] = float(((paid - covered) * wage[clamp(person, 0, n_people)]).sum())
    done = (rec.task_start >= a) & (rec.task_start < b)  # False for NaN: not done
    owner, took = clamp(rec.task_owner[done], 0, n_people), rec.task_duration[done]
    out["office_hours"] = float(took.sum())
    out["office_work"] = _overtime(region, owner, rec.task_start[done], took, covered_by(person, start, covered), wage)
    out["variable"] = out["callout_work"] + out["office_work"]
    out["total"] = out["fixed"] + out["variable"]

    reports = (((rec.acute_arrival >= a) & (rec.acute_arrival < b)).sum()
               + ((rec.nonacute_arrival >= a) & (rec.nonacute_arrival < b)).sum())
    out["reports"] = float(reports)
    out["cost_per_case"] = out["total"] / reports if reports else np.nan
    out["variable_per_case"] = out["variable"] / reports if reports else np.nan
    return {k: out[k] for k in COST_METRICS}


def _office_share(region: Region, calendar: Calendar, person: np.ndarray, start: np.ndarray,
                  end: np.ndarray) -> np.ndarray:
    """Per call-out: its plain hours the contract pays, i.e. those in a working day's office hours,
    up to the person's share of the day (a fifth of the weekly hours; taken in start order).
    The office model takes these hours from the same share (model/office.py).

    Worked out per (call-out, working day) row, all rows at once: a row alone on its person's
    day takes min(its office hours, the share). Only days a person has several rows on need
    them one by one, in start order, each taking what the earlier ones left."""
    idx = _in_office(region, calendar, person, start, end)
    row, day, inside = _office_rows(region, calendar, start[idx], end[idx])
    who = person[idx][row]
    share = np.array([p.hours_per_week / 5 for p in region.people])[who]
    key = who * calendar.days + day  # the (person, day) whose share a row draws on
    shared = np.bincount(key)[key] > 1  # rows on a (person, day) with other rows
    take = np.minimum(inside, np.maximum(share, 0.0))  # a row alone: nothing used before it
    used: dict[int, float] = {}
    rows = np.flatnonzero(shared)
    taken = []
    for k, hours, most in zip(key[rows].tolist(), inside[rows].tolist(), share[rows].tolist()):
        before = used.get(k, 0.0)
        taken.append(min(hours, max(most - before, 0.0)))
        used[k] = before + taken[-1]
    take[rows] = taken
    out = np.zeros(start.size)
    np.add.at(out, idx[row], take)  # in row order, from 0.0: each call-out's days in turn
    return out


def _office_rows(region: Region, calendar: Calendar, start: np.ndarray, end: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row per call-out (in the given order) and working day it touches, in day order: the
    call-out's position, the day and the call-out's hours in that day's office window."""
    first = (start // HOURS_PER_DAY).astype(np.int64)
    last = np.minimum((end // HOURS_PER_DAY).astype(np.int64), calendar.days - 1)
    n = np.maximum(last - first + 1, 0)
    row = np.repeat(np.arange(start.size), n)
    day = np.repeat(first, n) + np.arange(row.size) - np.repeat(np.cumsum(n) - n, n)
    keep = (day >= 0) & (day < calendar.days)
    keep[keep] = calendar.working[day[keep]]
    row, day = row[keep], day[keep]
    hours = day * HOURS_PER_DAY
    opens, closes = region.duty.office_start_hour, region.duty.office_end_hour
    inside = np.maximum(np.minimum(end[row], hours + closes) - np.maximum(start[row], hours + opens), 0.0)
    return row, day, inside


def _in_office(region: Region, calendar: Calendar, person: np.ndarray, start: np.ndarray, end: np.ndarray
               ) -> np.ndarray:
    """The call-outs, in start order, that may take office hours: a person of the region's, with
    hours in the office window of a working day on their first or second day, or spanning
    more days. The others take nothing, so `_office_share` need not look at them."""
    opens, closes = region.duty.office_start_hour, region.duty.office_end_hour
    first = (start // HOURS_PER_DAY).astype(np.int64)
    last = np.minimum((end // HOURS_PER_DAY).astype(np.int64), calendar.days - 1)
    working = np.append(calendar.working, False)  # a day at or past the horizon: not looked at
    maybe = last >= first + 2
    for day in (first, first + 1):
        hours = day * HOURS_PER_DAY
        inside = np.minimum(end, hours + closes) - np.maximum(start, hours + opens)
        seen = (day >= 0) & (day <= last)
        maybe |= seen & working[np.where(seen, day, calendar.days)] & (inside > 0)
    maybe &= (person >= 0) & (person < len(region.people))
    order = np.argsort(start, kind="stable")
    return order[maybe[order]]


def covered_by(person: np.ndarray, start: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """(person, day of the call-out's start) -> contracted hours its call-outs took that day, as a
    table of people by days (0 where none), added up in call-out order from 0.0."""
    took = (covered > 0) & (start >= 0)
    person, day = person[took], (start[took] // HOURS_PER_DAY).astype(np.int64)
    table = np.zeros((int(person.max(initial=-1)) + 1, int(day.max(initial=-1)) + 1))
    np.add.at(table, (person, day), covered[took])  # unbuffered, in order: each cell's running sum
    return table


def _overtime(region: Region, owner: np.ndarray, start: np.ndarray, took: np.ndarray,
              callouts: np.ndarray, wage: np.ndarray) -> float:
    """EUR of office contacts beyond each person's share of the day left after call-outs.

    Grouped with numpy, summed in the order a loop over the contacts would (bincount adds in
    input order, the total runs over (person, day) in order of first appearance), so the
    figure is the same to the last bit."""
    if not owner.size:
        return 0.0
    day = (start // HOURS_PER_DAY).astype(np.int64)
    low = int(np.minimum.reduce(day))
    stride = int(np.maximum.reduce(day)) - low + 1
    key = owner * stride + (day - low)  # (person, day) as one index into a dense table
    hours = np.bincount(key, weights=took)
    keys = _by_first_appearance(key, hours.size)
    person, day = keys // stride, keys % stride + low
    hours = hours[keys]
    shares = np.array([p.hours_per_week / 5 for p in region.people] + [0.0])  # an outside line: none
    used = _looked_up(callouts, person, day)
    over = np.maximum(hours - np.maximum(shares[person] - used, 0.0), 0.0) * wage[person]
    return float(np.cumsum(over)[-1]) + 0.0  # sequential sum from 0.0, as the loop's total (-0.0 as 0.0)


def _by_first_appearance(key: np.ndarray, size: int) -> np.ndarray:
    """The distinct values of `key` (ints in [0, size)) in order of first appearance: what
    `np.unique(key, return_index=True)` sorted by index gives, without sorting every key."""
    first = first_index(key, size)
    present = np.flatnonzero(first < key.size)
    slot = np.full(key.size, -1)  # by index of first appearance (all distinct): no sort needed
    slot[first[present]] = present
    return slot[slot >= 0]


def _looked_up(table: np.ndarray, person: np.ndarray, day: np.ndarray) -> np.ndarray:
    """`table[person, day]` for each pair (`covered_by`'s table), 0.0 where it has no such cell."""
    inside = (person >= 0) & (person < table.shape[0]) & (day >= 0) & (day < table.shape[1])
    out = np.zeros(person.size)
    out[inside] = table[person[inside], day[inside]]
    return out


def replication_costs(rec: Records, region: Region, sampled: RegionInputs, calendar: Calendar, since: float
                      ) -> np.ndarray:
    """(years of the reported period, COST_METRICS); NaN when the region has no [costs]."""
    windows = year_windows(calendar, since)
    if region.costs is None:
        return np.full((len(windows), len(COST_METRICS)), np.nan)
    rows = [year_costs(rec, region, sampled, calendar, y, a, b) for y, a, b in windows]
    return np.array([[row[m] for m in COST_METRICS] for row in rows])
