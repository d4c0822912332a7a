"""docs/metrics.md against the code, on hand-built records: each definition the kernel review
found broken (issue 18 items 3 and 7) is read from the document and checked on a case worked
out on paper, so the text and the behaviour cannot drift apart."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from csgsim.analysis.metrics import replication_metrics
from csgsim.staff.duties import NOBODY, ONCALL, Schedule
from tests.handbuilt import records, run_inputs, scenario

DOC = (Path(__file__).resolve().parents[1] / "docs" / "metrics.md").read_text()
DAY = 24.0


def definition(metric: str) -> str:
    """Every table row of docs/metrics.md that defines `metric` (region and person tables)."""
    rows = re.findall(rf"^\| `{metric}` \|[^|]*\|(.*)\|\s*$", DOC, re.M)
    assert rows, f"docs/metrics.md defines no {metric}"
    return " ".join(rows)


def test_a_hand_over_moves_the_case_hours_as_documented():
    """A case of cm0 open from 10 h to 70 h, handed to cm1 at 41 h: cm0 is credited 31 h, cm1
    29 h, and the two add up to the 60 h it was open (before: all 60 h went to cm1)."""
    assert "hours before the hand-over count for the first owner" in definition("active_caseload")
    sc = scenario(team=3, days=28)
    plan, sampled = run_inputs(sc)
    rec = records(nonacute_arrival=[10.0], nonacute_intake=[69.0], nonacute_owner=[1], task_kind=[1],
                  task_case=[0], task_owner=[1], task_due_day=[1], task_start=[69.0], task_duration=[1.0],
                  handover_case=[0], handover_time=[41.0], handover_from=[0], handover_owner=[1])
    _, persons = replication_metrics(rec, plan.region, sampled, plan.calendar, sc.norms)
    window = plan.calendar.horizon
    got = np.asarray(persons["active_caseload"])[:3] * window
    assert got == pytest.approx([31.0, 29.0, 0.0])


def test_gap_hours_count_every_line_as_documented():
    """The duty line is empty on day 1, but an extra line has a holder that day: no gap, as
    `acute_in_gap` would say of a report then (before: 24 gap hours)."""
    assert "each extra line" in definition("gap_hours") and "each extra line" in definition("backup_only_hours")
    sc = scenario(team=3, days=2)
    plan, sampled = run_inputs(sc)
    days = np.array([0.0, DAY]), np.array([DAY, 2 * DAY]), np.array([ONCALL, ONCALL], dtype=np.int8)
    primary = Schedule(start=days[0], end=days[1], person=np.array([0, NOBODY]), kind=days[2])
    extra = Schedule(start=days[0], end=days[1], person=np.array([NOBODY, 1]), kind=days[2])
    for lines, gap in (((), DAY), ((extra,), 0.0)):
        out, _ = replication_metrics(records(), plan.region, replace(sampled, primary=primary, lines=lines, backup=None,
                                                                     more_backups=()), plan.calendar, sc.norms)
        assert out["gap_hours"] == gap and out["backup_only_hours"] == 0.0
