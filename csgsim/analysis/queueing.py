"""Plain Erlang C (M/M/c): the staffing a call-centre formula gives for a demand.

Shown next to the on-call sizing so users see why queueing alone under-sizes an on-call
service: it knows the calls, not the working-time rules, leave or sickness.
"""

from __future__ import annotations

import math


def erlang_c(servers: int, load: float) -> float:
    """Probability that a call waits in M/M/c with `load` = arrival rate x mean service time (Erlang).

    Via the Erlang B recursion, which stays stable for large c; 1 when the load is not below c.
    """
    if load >= servers:
        return 1.0
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return servers * b / (servers - load * (1 - b))


def wait_beyond(servers: int, rate: float, mean_service: float, t: float) -> float:
    """P(wait > t) in M/M/c: C(c, a) exp(-(c mu - lambda) t), with t in the rate's time unit."""
    load = rate * mean_service
    if load >= servers:
        return 1.0
    return erlang_c(servers, load) * math.exp(-(servers / mean_service - rate) * t)


def servers_needed(rate: float, mean_service: float, t: float, share: float = 0.05) -> int:
    """The fewest servers with P(wait > t) <= share (at least one)."""
    c = max(1, math.floor(rate * mean_service) + 1)
    while wait_beyond(c, rate, mean_service, t) > share:
        c += 1
    return c
