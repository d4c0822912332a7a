"""One person's random absence, drawn as `inputs` draws it: from the person's own stream.

`absence.sample_spells` draws any number of people at once from one stream; a replication
draws each person from their own (so that a person's spells do not move with the team), which
made it run with one person, where numpy's per-call cost on arrays of one or a dozen was most of
the work. `person_spells` makes the same draws in the same order in plain Python numbers.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from csgsim.config.staffing import AbsenceParams
from csgsim.core.calendar import HOURS_PER_DAY
from csgsim.staff.absence import LONG, SHORT, Spells, cycle_tables, pick


def person_spells(params: AbsenceParams, horizon_hours: float, rng: np.random.Generator) -> Spells:
    """`absence.sample_spells(params, 1, horizon_hours, rng)`: one person's spells (as person 0),
    from the same draws in the same order, summed in plain Python numbers as numpy sums them
    (tests/test_absence.py holds the two equal)."""
    cycle = cycle_tables(params) if params.enabled and horizon_hours > 0 else None
    if cycle is None:
        return Spells.empty()
    total, kind_cdf, state_cdf, cycle_hours = cycle
    state = bisect_right(state_cdf.tolist(), rng.random())  # `pick` of one
    t, rows = 0.0, []
    if state < 3:  # a spell under way at time 0
        t = _length_under_way(state, params, rng)
        rows.append((0.0, t, state))
    batch = int(horizon_hours / cycle_hours + 5 * np.sqrt(horizon_hours / cycle_hours) + 5)
    while t < horizon_hours:
        t = _cycles(params, rng, t, batch, total, kind_cdf, horizon_hours, rows)
    rows = [(s, e, k) for s, e, k in ((s, min(e, horizon_hours), k) for s, e, k in rows) if e > s]
    start, end, kind = zip(*rows) if rows else ((), (), ())
    return Spells(person=np.zeros(len(rows), np.int64), start=np.array(start, dtype=float),
                  end=np.array(end, dtype=float), kind=np.array(kind, np.int8))


def _cycles(params: AbsenceParams, rng: np.random.Generator, t: float, batch: int, total: float,
            kind_cdf: np.ndarray, horizon_hours: float, rows: list[tuple[float, float, int]]) -> float:
    """One batch of `sample_spells`' work-then-spell cycles from time t, drawn as it draws them
    (the work times, the kinds, the short lengths, the long ones): appends the spells that start
    before the horizon to `rows` and returns the end of the last cycle. The ends are t plus the
    running sum of work + length, added up in order as np.cumsum adds them."""
    work = rng.exponential(1 / total, batch).tolist()
    kinds = pick(rng, kind_cdf, batch).tolist()
    short = iter(rng.gamma(params.short_shape, params.short_mean_days / params.short_shape,
                           kinds.count(SHORT)).tolist())
    long_ = iter(rng.random(kinds.count(LONG)).tolist())
    lo, hi, leave = params.long_min_days, params.long_max_days, float(params.leave_days)
    run = 0.0
    for w, k in zip(work, kinds):
        length = (next(short) if k == SHORT else lo + next(long_) * (hi - lo) if k == LONG else leave) * HOURS_PER_DAY
        run += w + length
        if t + run - length < horizon_hours:
            rows.append((t + run - length, t + run, k))
    return t + run


def _length_under_way(kind: int, params: AbsenceParams, rng: np.random.Generator) -> float:
    """`_lengths([kind], params, rng, in_progress=True)`, drawn as scalars."""
    if kind == SHORT:
        days = rng.gamma(params.short_shape + 1, params.short_mean_days / params.short_shape)
    elif kind == LONG:
        lo, hi = params.long_min_days, params.long_max_days
        days = np.sqrt(lo**2 + rng.random() * (hi**2 - lo**2))
    else:
        days = params.leave_days
    return float(days * rng.random() * HOURS_PER_DAY)
