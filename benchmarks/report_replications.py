"""How many replications the national report needs: run the built-in national model N times (as
`csgsim report` runs its baseline), then print the measured standard deviation of each key figure
over replications and the 95% half-width it gives at several replication counts, as a share of
the mean. The report's default (`csgsim report -n`) is chosen from this table; the report itself
states the half-width it reached. Run: `python benchmarks/report_replications.py [N]`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csgsim.config import scenario  # noqa: E402
from csgsim.core import resources  # noqa: E402
from csgsim.runtime.replications import run  # noqa: E402
from machine import describe  # noqa: E402  (benchmarks/machine.py, beside this script)

FIGURES = ("reports", "total", "cost_per_case")
COUNTS = (10, 20, 30, 40, 60, 100)


def main(n: int) -> None:
    sc = scenario.load(resources.default_model())
    start = time.perf_counter()
    result = run(sc, n, sc.seed)
    wall = time.perf_counter() - start
    costs = result.cost_long
    year = int(costs["year"].min())
    print(f"machine: {describe()}; {n} national replications in {wall:.0f} s ({wall / n:.2f} s each, all cores)")
    national = costs[costs["year"] == year].groupby(["rep", "metric"])["value"].sum().unstack()
    national["cost_per_case"] = national["total"] / national["reports"]
    print(f"{'figure':<16}{'mean':>12}{'sd':>12}" + "".join(f"{'n=' + str(k):>9}" for k in COUNTS))
    for name in FIGURES:
        values = national[name].to_numpy(dtype=float)
        mean, sd = values.mean(), values.std(ddof=1)
        halves = [stats.t.ppf(0.975, k - 1) * sd / np.sqrt(k) / mean for k in COUNTS]
        print(f"{name:<16}{mean:>12,.0f}{sd:>12,.0f}" + "".join(f"{h:>9.1%}" for h in halves))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
