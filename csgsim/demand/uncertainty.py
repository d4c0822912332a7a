"""Input uncertainty: the outer loop. Each replication draws its own level, split, growth and event sizes.

Why: beyond the last year with data a region's level is uncertain twice over (its estimate and
the growth since), and an event's size is a range, not a number (docs/model.md#2-demand). Drawing
them per replication puts that uncertainty into every band, next to the week-to-week chance.

The draws come from their own keyed streams (``core.streams``: ``inputs`` per region,
``national_inputs`` for the growth shared by all regions, ``event_inputs`` per event), never from
the arrival streams, so common random numbers still hold: two scenarios that differ only in
roster or rules see the same drawn inputs and the same arrival streams.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from csgsim.config.schema import Event, Region, Scenario
from csgsim.core.calendar import HOURS_PER_DAY, Calendar
from csgsim.core.streams import stream

from .intensity import base_intensity, event_multiplier


@dataclass(frozen=True)
class InputDraw:
    """One replication's inputs for one region: multipliers relative to the central scenario."""

    level: float  # on both types (lognormal with mean 1: the written level is the expected count)
    acute_share: float | None  # drawn acute share; None: the central split
    growth: float  # deviation of log(1 + growth) per year from the central growth
    events: tuple[Event, ...]  # the scenario's events with their drawn effects


def active(scenario: Scenario) -> bool:
    """Whether anything about the inputs is uncertain (else a replication uses the central inputs)."""
    return (any(r.uncertainty.active for r in scenario.regions.values())
            or any(e.effect_low is not None and e.effect_low != e.effect_high for e in scenario.events))


def without(scenario: Scenario) -> Scenario:
    """The same scenario with exact inputs: what the stochastic part of a band is measured on."""
    from csgsim.config.schema import Uncertainty

    regions = {rid: replace(r, uncertainty=Uncertainty()) for rid, r in scenario.regions.items()}
    events = tuple(replace(e, effect_low=None, effect_high=None) for e in scenario.events)
    return replace(scenario, regions=regions, events=events)


@lru_cache(maxsize=64)
def drawn_events(events: tuple[Event, ...], seed: int, rep: int) -> tuple[Event, ...]:
    """Each event with a range gets triangular(low, effect, high); one draw per event and replication,
    shared by every region the event touches (so drawn once, not once per region)."""
    out = []
    for e in events:
        if e.effect_low is not None and e.effect_high is not None and e.effect_high > e.effect_low:
            rng = stream(seed, rep, f"event:{e.name}", "event_inputs")
            e = replace(e, effect=float(rng.triangular(e.effect_low, e.effect, e.effect_high)))
        out.append(e)
    return tuple(out)


def draw(region: Region, events: tuple[Event, ...], seed: int, rep: int) -> InputDraw:
    """Replication ``rep``'s inputs for ``region`` (the same for every scenario that shares them)."""
    u = region.uncertainty
    rng = stream(seed, rep, region.id, "inputs")
    z_level, z_growth = rng.standard_normal(2)
    share = None
    if u.acute_share_beta is not None:
        share = float(rng.beta(*u.acute_share_beta))
    national = _national_growth(seed, rep)
    sd = u.level_sd_log
    return InputDraw(level=float(np.exp(sd * z_level - sd * sd / 2)), acute_share=share,
                     growth=float(u.growth_sd_national * national + u.growth_sd_region * z_growth),
                     events=drawn_events(events, seed, rep))


@lru_cache(maxsize=64)
def _national_growth(seed: int, rep: int) -> float:
    """The growth draw all regions of replication `rep` share: drawn once, not once per region."""
    return stream(seed, rep, "national", "national_inputs").standard_normal()


def year_factor(region: Region, kind: str, year: int, inputs: InputDraw) -> float:
    """The drawn level of ``kind`` in ``year`` relative to the central one (events aside).

    A year with an explicit level (``levels.YEAR``, fitted to that year's counts) is taken as
    exact: 1. Otherwise the level factor; the split factor (drawn share over the central share,
    or its complement for non-acute); and exp(growth deviation x years from the level year).
    """
    demand = region.demand(kind)
    if year in dict(demand.levels):
        return 1.0
    factor = inputs.level * float(np.exp(inputs.growth * (year - demand.level_year)))
    beta = region.uncertainty.acute_share_beta
    if inputs.acute_share is not None and beta is not None:
        central = beta[0] / (beta[0] + beta[1])
        factor *= inputs.acute_share / central if kind == "acute" else (1.0 - inputs.acute_share) / (1.0 - central)
    return factor


@lru_cache(maxsize=16)
def _year_hours(calendar: Calendar) -> tuple[tuple[int, int, int], ...]:
    """(year, first hour, end hour) of each calendar year the calendar's hours fall in: the same
    for every replication, so worked out once per calendar."""
    years = np.array([d.year for d in calendar.dates])
    firsts = np.flatnonzero(np.append(True, years[1:] != years[:-1]))
    ends = np.append(firsts[1:], years.size)
    return tuple((int(years[a]), int(a) * HOURS_PER_DAY, int(b) * HOURS_PER_DAY) for a, b in zip(firsts, ends))


def rate(region: Region, kind: str, calendar: Calendar, inputs: InputDraw, base: np.ndarray | None = None) -> np.ndarray:
    """Expected reports per hour of ``kind`` under one replication's drawn inputs: the central
    intensity without events (``base``, computed here if not given), times ``year_factor`` of each
    hour's year, times the events at their drawn sizes."""
    base = base_intensity(region.demand(kind), calendar) if base is None else base
    out = np.empty(calendar.days * HOURS_PER_DAY)
    for year, lo, hi in _year_hours(calendar):  # a year's hours times its factor: one array, no factor array
        np.multiply(base[lo:hi], year_factor(region, kind, year, inputs), out=out[lo:hi])
    events = [e for e in inputs.events if e.applies(region.id, kind)]
    if events:  # with no event the multiplier is ones, and a product times one is that product
        out *= _multiplier(tuple(events), calendar)
    return out


@lru_cache(maxsize=32)
def _multiplier(events: tuple[Event, ...], calendar: Calendar) -> np.ndarray:
    """`event_multiplier` of one replication's drawn events: the same for every region they touch."""
    out = event_multiplier(list(events), calendar)
    out.setflags(write=False)
    return out
