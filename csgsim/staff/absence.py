"""Absence: when a person cannot hold a duty, as spells [start, end) in scenario hours.

Random absence is an alternating renewal process per person: at work -> a spell (short sick
leave, long sick leave, or leaving the post) -> at work. The published figures are calendar
figures (spells per person-year, share of time); `AbsenceParams` takes them as published and
the sampler converts them to hazards while at work, so that the long-run shares equal the
published ones exactly. The process starts in equilibrium, so the expected absent share is the
same on day 1 as in year 10 (a scenario year does not start with everybody fit).

Scripted dropout ("cm3 is out from 1 March for 12 weeks", "the coordinator leaves on 1 June")
is laid over the random spells and takes precedence where they overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from csgsim.core.clamp import clamp
from csgsim.core.calendar import HOURS_PER_DAY, HOURS_PER_WEEK, Calendar
from csgsim.core.errors import ScenarioError
from csgsim.core.intervals import Intervals, merge_intervals
from csgsim.config.staffing import HOURS_PER_YEAR, AbsenceParams, ScriptedAbsence, _rates_and_means

SHORT, LONG, LEAVE, SCRIPTED, LOAD, ANNUAL = 0, 1, 2, 3, 4, 5
KIND_NAMES = ("short", "long", "leave", "scripted", "load", "annual_leave")  # leave: of the post; annual: holiday
LOAD_WINDOW_HOURS = 16 * HOURS_PER_WEEK


@dataclass(frozen=True, kw_only=True)
class Spells(Intervals):
    """Absence spells, sorted by person then start; one person's spells never overlap.

    `kind` is one of SHORT, LONG, LEAVE, SCRIPTED, LOAD, ANNUAL.
    """

    @classmethod
    def empty(cls) -> Spells:
        return cls(person=np.zeros(0, np.int64), start=np.zeros(0), end=np.zeros(0), kind=np.zeros(0, np.int8))

    @classmethod
    def stack(cls, parts: list[Spells]) -> Spells:
        """One person's spells per part (drawn as person 0): part i becomes person i."""
        if not parts:
            return cls.empty()
        return cls(person=np.concatenate([np.full(len(s), i, np.int64) for i, s in enumerate(parts)]),
                   start=np.concatenate([s.start for s in parts]), end=np.concatenate([s.end for s in parts]),
                   kind=np.concatenate([s.kind for s in parts]).astype(np.int8))


def of_kind(spells: Spells, kind: int) -> Spells:
    """Only the spells of one kind (e.g. ANNUAL: the planned leave)."""
    keep = spells.kind == kind
    return Spells(person=spells.person[keep], start=spells.start[keep], end=spells.end[keep], kind=spells.kind[keep])


def _lengths(
    kind: np.ndarray, params: AbsenceParams, rng: np.random.Generator, in_progress: bool = False
) -> np.ndarray:
    """Spell lengths in hours for the given kinds.

    in_progress: the remaining length of spells already under way at time 0. Such a spell is
    length-biased (density ~ x f(x): a gamma(a) becomes a gamma(a + 1)) and time 0 falls
    uniformly inside it.
    """
    if not kind.size:  # most people are at work at time 0: no spell under way, nothing drawn
        return np.zeros(0)
    out = np.empty(kind.size)
    short, long_, leave = kind == SHORT, kind == LONG, kind == LEAVE
    shape = params.short_shape + in_progress
    out[short] = rng.gamma(shape, params.short_mean_days / params.short_shape, short.sum())
    lo, hi = params.long_min_days, params.long_max_days
    u = rng.random(long_.sum())  # rng.uniform(size=n), without its parameter checks
    out[long_] = np.sqrt(lo**2 + u * (hi**2 - lo**2)) if in_progress else lo + u * (hi - lo)
    out[leave] = params.leave_days
    if in_progress:
        out *= rng.random(kind.size)
    return out * HOURS_PER_DAY


@lru_cache(maxsize=64)
def cycle_tables(params: AbsenceParams) -> tuple[float, np.ndarray, np.ndarray, float] | None:
    """The total hazard, the table that draws a spell's kind (in proportion to its hazard) and the
    one that draws the state at time 0 (short, long, leave, at work; see `pick`), and the mean
    cycle in hours; None when nobody is ever absent. The same for every person and replication,
    so worked out once per parameter set."""
    rates, means = _rates_and_means(params)
    shares = rates * means
    hazards = rates / (1 - shares.sum())
    total = hazards.sum()
    if total == 0:
        return None
    p_kind = hazards / total
    p_state = np.append(shares, 1 - shares.sum())  # non-negative: AbsenceParams keeps the share below 1
    kind_cdf, state_cdf = cdf_of(p_kind), cdf_of(p_state)
    kind_cdf.setflags(write=False)
    state_cdf.setflags(write=False)
    return total, kind_cdf, state_cdf, 1 / total + p_kind @ means


def cdf_of(p: np.ndarray) -> np.ndarray:
    """The table `Generator.choice(p.size, p=p)` searches: the running sum of p over its last term."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf


def pick(rng: np.random.Generator, cdf: np.ndarray, shape: int | tuple[int, ...]) -> np.ndarray:
    """`rng.choice(cdf.size, size=shape, p=p)` for `cdf = cdf_of(p)`: the same numbers from the
    stream (one uniform each, searched in the table, as numpy's choice does), without choice
    checking p again on every call (tests/test_absence.py holds the two equal)."""
    return cdf.searchsorted(rng.random(shape), side="right")


def sample_spells(params: AbsenceParams, n_people: int, horizon_hours: float, rng: np.random.Generator) -> Spells:
    """Random absence of `n_people` over [0, horizon_hours), stationary from time 0.

    Per person: at work for an exponential time (total hazard H), then a spell whose kind is
    drawn in proportion to its hazard, then at work again. Hazards are the calendar rates
    divided by the share of time at work, which makes each kind's share equal rate x mean.
    A person who leaves keeps the index: the replacement starts after vacancy + onboarding.
    """
    if not params.enabled or n_people == 0 or horizon_hours <= 0:
        return Spells.empty()
    cycle = cycle_tables(params)
    if cycle is None:
        return Spells.empty()
    total, kind_cdf, state_cdf, cycle_hours = cycle

    # At time 0 each person is in a spell of kind k with probability share_k, else at work;
    # being memoryless, the work time left is a fresh exponential, drawn with the cycles.
    state = pick(rng, state_cdf, n_people)
    who = np.flatnonzero(state < 3)
    left = _lengths(state[who], params, rng, in_progress=True)
    pieces = [(who, np.zeros(who.size), left, state[who])]
    t = np.zeros(n_people)
    t[who] = left
    # Draw cycles in batches sized for the horizon; a second batch is rare.
    batch = int(horizon_hours / cycle_hours + 5 * np.sqrt(horizon_hours / cycle_hours) + 5)
    active = np.flatnonzero(t < horizon_hours)
    while active.size:
        work = rng.exponential(1 / total, (active.size, batch))
        kind = pick(rng, kind_cdf, (active.size, batch))
        length = _lengths(kind.ravel(), params, rng).reshape(kind.shape)
        ends = t[active, None] + np.cumsum(work + length, axis=1)
        starts = ends - length
        person = np.broadcast_to(active[:, None], kind.shape)
        keep = starts < horizon_hours
        pieces.append((person[keep], starts[keep], ends[keep], kind[keep]))
        t[active] = ends[:, -1]
        active = active[t[active] < horizon_hours]

    person, start, end, kind = (np.concatenate(x) for x in zip(*pieces))
    return _normalise(person, start, np.minimum(end, horizon_hours), kind)


def _normalise(person: np.ndarray, start: np.ndarray, end: np.ndarray, kind: np.ndarray) -> Spells:
    """Sort by person then start and drop empty spells (callers guarantee no overlap)."""
    keep = end > start
    order = np.lexsort((start[keep], person[keep]))
    return Spells(
        person=np.asarray(person[keep][order], dtype=np.int64),
        start=np.asarray(start[keep][order], dtype=float),
        end=np.asarray(end[keep][order], dtype=float),
        kind=np.asarray(kind[keep][order], dtype=np.int8),
    )


def overlay(spells: Spells, new: Spells, horizon_hours: float) -> Spells:
    """Lay `new` spells over `spells`: the new ones win where they overlap.

    Old spells are cut around the new ones (one can split in two); overlapping new spells of
    one person are merged, keeping the earliest one's kind. All clipped to [0, horizon).
    """
    start, end = (clamp(t, 0.0, horizon_hours) for t in (new.start, new.end))
    old_start, old_end = (clamp(t, 0.0, horizon_hours) for t in (spells.start, spells.end))
    real = end > start
    cut_p, cut_s, cut_e, cut_k = _cuts(new.person[real], start[real], end[real], new.kind[real])
    # Each old spell of a person with cuts meets each gap between them (the first and last gap
    # open-ended); what survives is the old spell inside a gap. All pairs at once, person by person.
    # cut_p is sorted (np.isin costs several times these): a person's cuts are the run
    # [first, stop) of it, empty for a person without.
    first, stop = np.searchsorted(cut_p, spells.person, side="left"), np.searchsorted(cut_p, spells.person, side="right")
    touched = stop > first
    first, n_cuts = first[touched], (stop - first)[touched]
    old = np.repeat(np.flatnonzero(touched), n_cuts + 1)
    gap = np.arange(old.size) - np.repeat(np.cumsum(n_cuts + 1) - (n_cuts + 1), n_cuts + 1)  # 0..n_cuts
    at = np.repeat(first, n_cuts + 1) + gap  # the cut that ends the gap (one past the person's last: none)
    last = cut_s.size - 1
    gap_s = np.where(gap == 0, -np.inf, cut_e[clamp(at - 1, 0, last)] if cut_s.size else -np.inf)
    closed = gap < np.repeat(n_cuts, n_cuts + 1)
    gap_e = np.where(closed, cut_s[clamp(at, 0, last)] if cut_s.size else np.inf, np.inf)
    s, e = np.maximum(old_start[old], gap_s), np.minimum(old_end[old], gap_e)
    keep = e > s
    parts = [(spells.person[~touched], old_start[~touched], old_end[~touched], spells.kind[~touched]),
             (spells.person[old][keep], s[keep], e[keep], spells.kind[old][keep]), (cut_p, cut_s, cut_e, cut_k)]
    person, s, e, k = (np.concatenate(x) for x in zip(*parts))
    return _normalise(person, s, e, k)


def _cuts(person: np.ndarray, start: np.ndarray, end: np.ndarray, kind: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The new spells by person and start, each person's overlapping (or touching) ones merged
    with the earliest one's kind. Disjoint ones, as planned leave is, need no merging."""
    order = np.lexsort((start, person))  # stable: a person's spells in start order, ties as given
    person, start, end, kind = person[order], start[order], end[order], kind[order]
    if not np.any((person[1:] == person[:-1]) & (start[1:] <= end[:-1])):
        return person, start, end, kind
    parts = []
    for p in np.unique(person):
        mine = person == p
        s, e, first = merge_intervals(start[mine], end[mine])
        parts.append((np.full(s.size, p), s, e, kind[mine][first]))
    return tuple(np.concatenate(x) for x in zip(*parts))


# --- scripted dropout -----------------------------------------------------------------------


def apply_scripted(
    spells: Spells,
    scripted: list[ScriptedAbsence],
    person_index: dict[str, int],
    calendar: Calendar,
    params: AbsenceParams = AbsenceParams(),
) -> Spells:
    """Lay scripted absences over `spells` (kind SCRIPTED; they win where they overlap).

    A scripted absence wholly outside the scenario is an error, not a silent no-op: it is
    almost always a wrong year.
    """
    if not scripted:
        return spells
    person, start, end = [], [], []
    for s in scripted:
        if s.person not in person_index:
            known = ", ".join(sorted(person_index))
            raise ScenarioError(f"scripted absence names unknown person {s.person!r}; known: {known}")
        days = params.leave_days if s.days is None else s.days
        t0 = calendar.hour_of(s.start)
        t1 = t0 + days * HOURS_PER_DAY
        if t1 <= 0 or t0 >= calendar.horizon:
            raise ScenarioError(
                f"scripted absence of {s.person!r} from {s.start} ({days:g} days) lies outside the scenario "
                f"({calendar.start} to {calendar.dates[-1]})"
            )
        person.append(person_index[s.person]), start.append(t0), end.append(t1)
    new = Spells(person=np.array(person), start=np.array(start), end=np.array(end),
                 kind=np.full(len(person), SCRIPTED, np.int8))
    return overlay(spells, new, calendar.horizon)


# --- views used by re-planning and metrics ----------------------------------------------------


def absent_days(spells: Spells, n_people: int, days: int) -> np.ndarray:
    """(n_people, days) bool: absent at any time during the day (no office work that day)."""
    diff = np.zeros((n_people, days + 1), dtype=np.int64)
    ok = spells.person < n_people
    # Whole days, kept to [0, days].
    d0 = clamp(np.floor(spells.start[ok] / HOURS_PER_DAY).astype(np.int64), 0, days)
    d1 = clamp(np.ceil(spells.end[ok] / HOURS_PER_DAY).astype(np.int64), 0, days)
    np.add.at(diff, (spells.person[ok], d0), 1)
    np.add.at(diff, (spells.person[ok], d1), -1)
    return np.cumsum(diff, axis=1)[:, :days] > 0


def overlaps(spells: Spells, n_people: int, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """(n_people, n_intervals) bool: the person is absent at some time in [start, end).

    Called three times a replication on a roster's blocks, which follow each other in time: then
    each spell marks the run of blocks it meets, all at once (`_overlaps_sorted`). Anything else
    is looked at person by person."""
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    if ((start[1:] >= start[:-1]).all() and (end[1:] >= end[:-1]).all()
            and _in_order(spells.person, spells.start, spells.end)):
        return _overlaps_sorted(spells, n_people, start, end)
    return _overlaps_by_person(spells, n_people, start, end)


def _in_order(person: np.ndarray, start: np.ndarray, end: np.ndarray) -> bool:
    """Sorted by person, and within a person both starts and ends non-decreasing."""
    same = person[1:] == person[:-1]
    return bool(((person[1:] > person[:-1]) | same & (start[1:] >= start[:-1]) & (end[1:] >= end[:-1])).all())


def _overlaps_sorted(spells: Spells, n_people: int, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """`overlaps` for intervals and each person's spells in time order: the intervals a spell meets
    are a run [first ending after it starts, first starting at or after it ends), marked by a
    difference array. Equal to `_overlaps_by_person` there (tests/test_absence.py)."""
    ok = (spells.person >= 0) & (spells.person < n_people)
    first = np.searchsorted(end, spells.start[ok], side="right")
    stop = np.maximum(np.searchsorted(start, spells.end[ok], side="left"), first)
    row = spells.person[ok].astype(np.int64) * (start.size + 1)
    size = n_people * (start.size + 1)
    marks = np.bincount(row + first, minlength=size) - np.bincount(row + stop, minlength=size)
    return np.cumsum(marks.reshape(n_people, start.size + 1), axis=1)[:, :start.size] > 0


def _overlaps_by_person(spells: Spells, n_people: int, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """`overlaps`, one person at a time (the definition)."""
    out = np.zeros((n_people, np.size(start)), dtype=bool)
    for p in range(n_people):
        mine = spells.person == p
        s, e = spells.start[mine], spells.end[mine]
        # First spell ending after the interval starts; it overlaps if it starts before the end.
        i = np.searchsorted(e, start, side="right")
        ok = i < s.size
        out[p, ok] = s[i[ok]] < end[ok]
    return out


def sample_load_spells(
    params: AbsenceParams,
    spells: Spells,
    night_person: np.ndarray,
    night_time: np.ndarray,
    t0: float,
    t1: float,
    n_people: int,
    horizon_hours: float,
    rngs: Sequence[np.random.Generator],
) -> Spells:
    """Add load-induced long spells (kind LOAD) starting in [t0, t1) to `spells`.

    Call it between re-plans with the night call-outs seen so far (`night_*`, times < t0;
    `rules.is_night` selects them). A person at work has the extra hazard
    load_hazard x (night call-outs in the past 16 weeks); call-outs in [t0, t1) are not yet
    known, so the hazard lags by at most t1 - t0: keep that interval short (a week). Exact
    for the counts it is given: the hazard is piecewise constant and sampled by inversion.
    `rngs[p]` is person p's stream, so one person's draws do not depend on another's.
    """
    if not params.enabled or params.load_hazard == 0 or t1 <= t0:
        return spells
    rate_per_call = params.load_hazard / HOURS_PER_YEAR
    new_p, new_s, new_e = [], [], []
    for p in range(n_people):
        calls = np.sort(night_time[(night_person == p) & (night_time < t0) & (night_time > t0 - LOAD_WINDOW_HOURS)])
        if calls.size == 0:
            continue
        mine = spells.person == p
        s_busy, e_busy = spells.start[mine], spells.end[mine]
        drops = calls + LOAD_WINDOW_HOURS  # when each call leaves the 16-week window
        t = t0
        while t < t1:
            i = np.searchsorted(e_busy, t, side="right")
            if i < s_busy.size and s_busy[i] <= t:  # absent now: no hazard until back
                t = e_busy[i]
                continue
            n_calls = calls.size - np.searchsorted(drops, t, side="right")
            if n_calls == 0:
                break
            nxt = min(t1, s_busy[i] if i < s_busy.size else np.inf, drops[drops > t].min())
            wait = rngs[p].exponential(1 / (rate_per_call * n_calls))
            if t + wait >= nxt:
                t = nxt
                continue
            start = t + wait
            length = rngs[p].uniform(params.long_min_days, params.long_max_days) * HOURS_PER_DAY
            new_p.append(p), new_s.append(start), new_e.append(start + length)
            t = start + length
    if not new_p:
        return spells
    new = Spells(person=np.array(new_p), start=np.array(new_s), end=np.array(new_e),
                 kind=np.full(len(new_p), LOAD, np.int8))
    return overlay(spells, new, horizon_hours)
