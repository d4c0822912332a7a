"""Validation against queueing theory (docs/model.md#11-checks-against-theory-and-data).

With one duty person, Poisson arrivals and exponential time on site, the acute line is an
M/M/1 queue; with an always-available external backup it is M/M/2. The mean contact delay
is then the mean wait in queue, Wq, known in closed form.
"""

import math

import pytest

from csgsim.runtime import replications
from tests.conftest import queue_scenario


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c (Erlang C)."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


@pytest.mark.parametrize(
    ("lam", "backup", "servers"),
    [(0.3, "none", 1), (0.6, "none", 1), (0.8, "external", 2), (1.4, "external", 2)],
)
def test_mean_contact_delay_matches_erlang_c(lam, backup, servers):
    """The 95% CI of the mean acute contact delay covers Wq of M/M/1 and M/M/2."""
    sc = queue_scenario(lam, 1.0, backup, days=365)
    result = replications.run(sc, replications=30, seed=7, workers=1)
    row = result.region_summary().set_index("metric").loc["acute_contact_mean"]
    expected = 60 * erlang_c_wait(lam, 1.0, servers)
    assert row["ci_low"] <= expected <= row["ci_high"], (expected, row.to_dict())
    # Sharp enough to mean something: the interval is within 10% of the value.
    assert row["ci_high"] - row["ci_low"] < 0.2 * expected


def test_backup_share_matches_mm2_routing():
    """In M/M/2 with a preferred primary, the backup answers exactly when the primary is busy."""
    sc = queue_scenario(0.8, 1.0, "external", days=365)
    result = replications.run(sc, replications=10, seed=3, workers=1)
    share = result.region_summary().set_index("metric").loc["acute_answered_by_backup", "mean"]
    assert 0.2 < share < 0.5
