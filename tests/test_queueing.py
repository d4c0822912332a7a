"""Validation against queueing theory (docs/model.md#11-checks-against-theory-and-data).

With one duty person, Poisson arrivals and exponential time on site, the acute line is an
M/M/1 queue; with an always-available external backup it is M/M/2. The mean contact delay
is then the mean wait in queue, Wq, known in closed form, and so is the share of calls the
backup takes. Five checks share seeds here, so each interval is at 99.9% (joint >= 99.5%).
"""

import math

import pytest

from csgsim.analysis.confidence import confidence_interval
from csgsim.runtime import replications
from tests.conftest import queue_scenario

LEVEL = 0.999


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c (Erlang C)."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def mm2_backup_share(lam: float, mu: float) -> float:
    """Share of calls the backup answers in M/M/2 when the primary is preferred.

    States: idle, primary only, backup only, both busy (P2 = a^2/2 P0, any queue beyond). A call
    goes to the backup when only the primary is busy; a queued call goes to whichever frees
    first. The backup's throughput mu x P(backup busy) over lambda is the share, with P(backup
    only) = mu P2 / (lambda + mu) from that state's balance and P(both busy) = 1 - P0 (1 + a).
    """
    a = lam / mu
    p0 = (1 - a / 2) / (1 + a / 2)
    p2 = a**2 / 2 * p0
    backup_busy = mu * p2 / (lam + mu) + (1 - p0 * (1 + a))
    return mu * backup_busy / lam


def mean_of(result, metric: str) -> tuple[float, float, float, int]:
    long = result.region_long
    return confidence_interval(long[long["metric"] == metric]["value"], LEVEL)


@pytest.mark.parametrize(
    ("lam", "backup", "servers"),
    [(0.3, "none", 1), (0.6, "none", 1), (0.8, "external", 2), (1.4, "external", 2)],
)
def test_mean_contact_delay_matches_erlang_c(lam, backup, servers):
    """The 99.9% CI of the mean acute contact delay covers Wq of M/M/1 and M/M/2."""
    sc = queue_scenario(lam, 1.0, backup, days=365)
    result = replications.run(sc, replications=30, seed=7, workers=1)
    expected = 60 * erlang_c_wait(lam, 1.0, servers)
    mean, lo, hi, _ = mean_of(result, "acute_contact_mean")
    assert lo <= expected <= hi, (expected, mean, lo, hi)
    # Sharp enough to mean something: the interval is within 10% of the value.
    assert hi - lo < 0.2 * expected


def test_backup_share_matches_mm2_routing():
    """In M/M/2 with a preferred primary the backup answers 8/21 = 38.1% of calls at lambda 0.8,
    mu 1; the 99.9% interval covers that and is narrower than 2 percentage points."""
    assert mm2_backup_share(0.8, 1.0) == pytest.approx(8 / 21)
    sc = queue_scenario(0.8, 1.0, "external", days=365)
    result = replications.run(sc, replications=10, seed=3, workers=1)
    mean, lo, hi, _ = mean_of(result, "acute_answered_by_backup")
    assert lo <= 8 / 21 <= hi and hi - lo < 0.02, (mean, lo, hi)
