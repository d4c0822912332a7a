"""The end of a run (summaries, tables) works a bounded slice of replications at a time, with
the figures of the whole-table computation it replaced (issue 21: memory flat in replications)."""

from datetime import date

import pandas as pd
import pytest

from csgsim.analysis.costs import COST_METRICS
from csgsim.analysis.summary import summarise
from csgsim.runtime import replications
from conftest import build, region_data


@pytest.fixture(scope="module")
def two_years() -> replications.RunResult:
    """Two small regions with costs, over a turn of the year (two cost years), 5 replications."""
    sc = build({"a": region_data(team=4, prefix="a"), "b": region_data(team=4, acute=30.0, prefix="b")},
               start=date(2025, 11, 1), days=90)
    return replications.run(sc, 5, seed=11, workers=1)


@pytest.mark.parametrize("chunk", [1, 2, 5, 50])
def test_cost_summary_from_the_cube_is_the_summary_of_the_long_table(two_years, chunk):
    """Exactly the rows, order and values of `summarise(with_national(cost_long))`, for any chunk."""
    res = two_years
    assert res.cost_long["year"].nunique() == 2  # the national rows' order differs with 2 years
    whole = summarise(replications.with_national(res.cost_long), ["region", "year"], COST_METRICS)
    streamed = replications.cost_summary_of(res.scenario, res.reps, res.cost_values, chunk)
    pd.testing.assert_frame_equal(streamed, whole, check_exact=True)
    assert res.cost_summary().equals(whole)


def test_cost_summary_never_builds_national_figures_of_more_than_a_chunk(two_years, monkeypatch):
    """The national figures (a pandas pivot) are built `chunk` replications at a time, never for
    the whole run: what kept the main process's end phase growing with -n."""
    seen = []
    national = replications._national

    def spy(cost_long):
        seen.append(cost_long["rep"].nunique())
        return national(cost_long)

    monkeypatch.setattr(replications, "_national", spy)
    replications.cost_summary_of(two_years.scenario, two_years.reps, two_years.cost_values, chunk=2)
    assert seen == [2, 2, 1]
