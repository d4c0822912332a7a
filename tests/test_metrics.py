"""The metric definitions of MODEL.md section 5, pinned on tiny hand-built records.

Each case is small enough to work out on paper; the expected values below are those sums.
"""

from dataclasses import replace

import numpy as np
import pytest

from csgsim.analysis.metrics import replication_metrics
from csgsim.model.pathways import FOLLOWUP, INTAKE
from tests.handbuilt import records, run_inputs, scenario

DAY = 24.0


def metrics_of(rec, sc=None, **norms):
    sc = sc or scenario(team=3, days=28)
    plan, sampled = run_inputs(sc)
    out, persons = replication_metrics(rec, plan.region, sampled, plan.calendar, replace(sc.norms, **norms))
    return out, persons


@pytest.mark.parametrize(("intake_day", "within"), [(7, 1.0), (8, 0.0), (0, 1.0)])
def test_intake_norm_counts_working_days_after_the_day_of_the_report(intake_day, within):
    """A report on Monday with a norm of 5 working days: intake by the next Monday (Tue, Wed,
    Thu, Fri, Mon) is within the norm, on the Tuesday after it is not (before: it was)."""
    rec = records(nonacute_arrival=[10.0], nonacute_intake=[intake_day * DAY + 11.0], nonacute_owner=[0])
    out, _ = metrics_of(rec, intake_working_days=5)
    assert out["intake_within_norm"] == within


def test_an_intake_norm_of_zero_days_means_the_day_of_the_report():
    """Norm 0: only an intake on the day of the report itself is within the norm."""
    same = records(nonacute_arrival=[10.0, 10.0], nonacute_intake=[15.0, DAY + 9.0], nonacute_owner=[0, 0])
    assert metrics_of(same, intake_working_days=0)[0]["intake_within_norm"] == 0.5
