"""Common random numbers that stay common: streams keyed per person, per region and type, and
per report, so that a variant changes only what it changes."""


import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from csgsim.config import scenario as scenario_mod
from csgsim.core import streams
from csgsim.core.distributions import Dist
from csgsim.model import inputs
from csgsim.studies.patches import patched
from tests.conftest import example_data


def sampled(data, region="friesland", seed=9, rep=4):
    sc = scenario_mod.parse(data, "<test>")
    return inputs.sample(inputs.plan(sc, region), seed, rep), sc.regions[region]


def spells_by_person(s, region):
    ids = [p.id for p in region.people]
    return {ids[i]: (s.spells.start[s.spells.person == i].tolist(), s.spells.end[s.spells.person == i].tolist())
            for i in range(len(ids))}


@pytest.mark.parametrize("rep", [0, 1, 2, 3])
def test_a_persons_absences_do_not_move_when_the_team_grows(rep):
    """Team 5 -> 6: every person of the smaller team, the coordinator included, has the same
    sick spells and departures (before: one stream for the whole team, so everybody's spells
    moved). Annual leave is switched off: the coordinator plans it across the team (at most k
    away at once), so a larger team may get another plan, and leave cuts the sick spells under it."""
    base = example_data()
    base["defaults"]["leave"]["enabled"] = False
    small, region5 = sampled(patched(base, [], [("team_size.friesland", 5)], "t"), rep=rep)
    large, region6 = sampled(patched(base, [], [("team_size.friesland", 6)], "t"), rep=rep)
    before, after = spells_by_person(small, region5), spells_by_person(large, region6)
    assert len(after) == len(before) + 1 and any(v[0] for v in before.values())
    for person, spells in before.items():
        assert after[person] == spells, person


@pytest.mark.parametrize("uplift", [1.05, 1.5])
def test_more_demand_keeps_every_report_of_the_baseline_with_its_durations(uplift):
    """Acute and non-acute levels x uplift: every baseline report arrives at the same time in the
    variant, with the same durations (before: a 5% uplift shared no arrival time)."""
    base = example_data()
    level = base["regions"]["friesland"]["demand"]
    more = patched(base, [], [(f"regions.friesland.demand.{k}.level", level[k]["level"]["value"] * uplift
                               if isinstance(level[k]["level"], dict) else level[k]["level"] * uplift)
                              for k in ("acute", "non_acute")], "t")
    a, _ = sampled(base)
    b, _ = sampled(more)
    for x, y, fields in ((a.acute, b.acute, ("callback", "phone", "travel", "on_site", "day1_visit", "followup")),
                         (a.non_acute, b.non_acute, ("intake", "followup"))):
        assert y.arrival.size > x.arrival.size
        at = np.searchsorted(y.arrival, x.arrival)
        assert np.array_equal(y.arrival[at], x.arrival)
        for f in fields:
            assert np.array_equal(getattr(y, f)[at], getattr(x, f)), f


def test_another_regions_demand_does_not_move_this_regions_reports():
    """Doubling Zeeland's demand leaves Friesland's reports and durations as they were."""
    base = example_data()
    other = patched(base, [], [("regions.zeeland.demand.acute.level", 500.0)], "t")
    a, _ = sampled(base)
    b, _ = sampled(other)
    assert np.array_equal(a.acute.arrival, b.acute.arrival) and np.array_equal(a.acute.on_site, b.acute.on_site)


@pytest.mark.parametrize("dist", [
    Dist("uniform", (("low", 0.25), ("high", 1.0))),
    Dist("triangular", (("low", 0.5), ("mode", 1.0), ("high", 3.0))),
    Dist("exponential", (("mean", 2.0),)),
    Dist("lognormal", (("median", 3.0), ("sigma", 0.45))),
])
def test_durations_by_inverse_cdf_follow_their_distribution(dist):
    """Durations made from uniform marks by Dist.quantile have the declared distribution
    (Kolmogorov-Smirnov against scipy, 4 distributions at 99.9% each)."""
    u = np.random.default_rng(1).random(4000)
    p = dict(dist.params)
    ref = {"uniform": stats.uniform(p.get("low", 0), p.get("high", 1) - p.get("low", 0)),
           "triangular": stats.triang((p.get("mode", 0) - p.get("low", 0)) / (p.get("high", 1) - p.get("low", 0)),
                                      p.get("low", 0), p.get("high", 1) - p.get("low", 0)),
           "exponential": stats.expon(scale=p.get("mean", 1)),
           "lognormal": stats.lognorm(p.get("sigma", 1), scale=p.get("median", 1))}[dist.kind]
    assert stats.kstest(dist.quantile(u), ref.cdf).pvalue > 0.001


def test_truncated_durations_are_clipped_to_their_range():
    """`low`/`high` clip: the SANE on-site time stays within 1-8 h."""
    d = Dist("lognormal", (("median", 3.0), ("sigma", 0.45), ("low", 1.0), ("high", 8.0)))
    x = d.quantile(np.array([0.0, 1e-9, 0.5, 1 - 1e-12]))
    assert x.min() >= 1.0 and x.max() <= 8.0 and x[2] == pytest.approx(3.0)


@given(seed=st.integers(0, 2**80), rep=st.integers(0, 2**40), region=st.text(max_size=12),
       name=st.sampled_from(streams.STREAMS),
       keys=st.lists(st.integers(0, 2**70) | st.sampled_from([2**32 - 1, 2**32, 2**32 + 1, 2**64]), max_size=3))
def test_a_stream_is_the_seed_sequence_of_its_key(seed, rep, region, name, keys) -> None:
    """`stream` (the seed sequence given its words as one array) is the generator of
    SeedSequence(seed, spawn_key=(rep, crc32(region), stream index, *keys)), state for state."""
    import zlib

    fast = streams.stream(seed, rep, region, name, *keys)
    key = (rep, zlib.crc32(region.encode()), streams.STREAMS.index(name), *keys)
    plain = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
    assert fast.bit_generator.state == plain.bit_generator.state
    assert fast.random(3).tolist() == plain.random(3).tolist()


@given(st.lists(st.floats(0, 1, exclude_max=True), max_size=30))
def test_mark_keys_are_each_marks_key(marks) -> None:
    """`mark_keys` (all of a region's reports at once) gives each mark's key as first defined,
    int(u * 2^53), one by one."""
    for u in (np.array(marks, dtype=float), np.array(marks, dtype=float) / 3):  # /3: keys with fractions cut
        assert streams.mark_keys(u) == [int(x * (1 << 53)) for x in u.tolist()]
        assert all(type(k) is int for k in streams.mark_keys(u))
