"""What drives the size: Erlang C, the steps of the breakdown, and leave at the floor (regression)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from typer.testing import CliRunner

from csgsim.analysis.queueing import erlang_c, servers_needed, wait_beyond
from csgsim.core.calendar import school_summer_holiday
from csgsim.model import inputs
from csgsim.staff.replanning import BACKUP, BACKUP_BREACH, BREACH
from csgsim.studies import breakdown as bd
from csgsim.ui.cli import app
from tests.conftest import region_data, scenario_data

SEED = 14


def test_erlang_c_matches_the_textbook_cases():
    """M/M/1: P(wait) = rho and P(wait > t) = rho exp(-(mu - lambda) t); M/M/2 at a = 1: P(wait) = 1/3
    (Erlang C by hand: (a^2/2)(2/(2-a)) / (1 + a + (a^2/2)(2/(2-a))) = 1 / 3)."""
    assert erlang_c(1, 0.3) == pytest.approx(0.3)
    assert wait_beyond(1, 0.3, 1.0, 2.0) == pytest.approx(0.3 * math.exp(-0.7 * 2))
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 3.0) == 1.0
    # One server is enough when the tail is below 5%; a heavy load needs more.
    assert servers_needed(0.005, 5.0, 0.5) == 1
    assert servers_needed(3.0, 1.0, 0.5) == min(c for c in range(4, 20) if wait_beyond(c, 3.0, 1.0, 0.5) <= 0.05)


def leave_data(team: int, k: int = 2, sick: bool = False, share: float = 0.45) -> dict:
    region = region_data(team=team, duty={"pattern": "rotation_24h"}, backup={"kind": "coordinator"},
                         absence={"enabled": sick}, rules={"set": "consignatie"},
                         leave={"enabled": True, "extra_weeks": 0.6, "summer_share": share, "max_at_once": k,
                                "school_region": "south"})
    return scenario_data({"x": region}, scenario={"warmup_days": 0})


def planned_trouble(team: int, reps: int = 5) -> tuple[int, int]:
    """Duties the leave plan gave to the backup or beyond the rules: in the school summer, in all."""
    from csgsim.config import scenario as scenario_mod

    plan = inputs.plan(scenario_mod.parse(leave_data(team, share=0.65), "<test>"), "x")
    h0, h1 = (plan.calendar.hour_of(d) for d in school_summer_holiday(2025, "south"))
    summer = total = 0
    for rep in range(reps):
        primary, _, _, log = inputs.duty_rosters(plan, inputs.annual_leave(plan, SEED, rep))
        hit = log.block[np.isin(log.reason, [BACKUP, BREACH, BACKUP_BREACH])]
        total += hit.size
        summer += int(((primary.start[hit] >= h0) & (primary.start[hit] < h1)).sum())
    return summer, total


def test_a_team_at_the_floor_needs_backup_or_breaches_in_summer_and_one_more_does_not():
    """Regression, seed 14, 5 leave plans: the floor of a 24 h rotation under consignatie is 3; with
    leave on (4.6 weeks, 3 of them in the south's school summer holiday, at most 2 away at once)
    the roster of 3 needs the coordinator or a breach for some duties, all of them in the summer
    holiday; with 4 casemanagers it needs neither."""
    assert bd.legal_floor("rotation_24h", bd.get_ruleset("consignatie")).people == 3
    summer, total = planned_trouble(3)
    assert summer > 0 and total == summer
    assert planned_trouble(4) == (0, 0)


def test_breakdown_steps_build_on_each_other():
    """The steps never go down, leave adds at least what the k-at-once rule forces (team >= k),
    and the demand step is the sizing's answer when it is above the roster steps."""
    data = leave_data(5, sick=True)
    out = bd.breakdown(data, "<test>", "x", SEED, answer=9, replications=6)
    people = [s.people for s in out.steps]
    assert people[0] == 3 and people[1] >= 3 and people[2] >= people[1] and people[3] == max(9, people[2])
    assert bd.added(out.steps)[0] == 3 and sum(bd.added(out.steps)) == people[3]
    assert out.erlang.servers_mean >= 1 and out.erlang.servers_peak >= out.erlang.servers_mean
    off = scenario_data({"x": region_data(team=5, absence={"enabled": False}, rules={"set": "consignatie"})})
    quiet = bd.breakdown(off, "<test>", "x", SEED, answer=None, replications=3)
    assert quiet.steps[1].people == quiet.steps[0].people and "off" in quiet.steps[1].why
    assert quiet.steps[3].people is None


def test_outlook_counts_the_periods_of_the_roster():
    """Without sickness the 13 full 4-week windows hold the line's 28 periods between the
    casemanagers (mean 28 / team); per 28 days at work it is at least that, and in the summer
    both the busiest casemanager and those at work carry more than in the average window."""
    from csgsim.config import scenario as scenario_mod

    plan = inputs.plan(scenario_mod.parse(leave_data(5), "<test>"), "x")
    view = bd.outlook(plan, SEED, 4)
    full = view.windows
    assert len(full) == 13 and np.allclose(full["mean"], 28 / 5)
    assert (full["at_work"] >= full["mean"] - 1e-9).all()
    summer = full[full["school_summer"]]
    assert summer["busiest"].max() > full["busiest"].mean()
    assert summer["at_work"].max() > full["at_work"].mean()


def test_size_prints_what_drives_the_size(tmp_path):
    """`csgsim size` on a one-region model prints the steps, the floor's arithmetic and Erlang C."""
    from pathlib import Path

    model = Path(__file__).resolve().parents[1] / "models" / "zeeland.toml"
    res = CliRunner().invoke(app, ["size", "-s", str(model), "--sizes", "5-6", "--batch", "4",
                                   "--max-replications", "4", "--workers", "1", "--breakdown-replications", "3"])
    assert res.exit_code == 0, res.output
    for text in ("what drives the team size", "legal floor", "+ annual leave", "+ sickness and vacancies",
                 "+ demand", "28 on-call periods per 4 weeks / at most 14", "Erlang C", "busiest"):
        assert text in res.output


def test_roster_prints_the_steps_without_the_sizing():
    """`csgsim roster` prints the roster steps and the outlook, the demand step marked as not run,
    and an unknown region exits 2."""
    from pathlib import Path

    model = Path(__file__).resolve().parents[1] / "models" / "three-regions.toml"
    res = CliRunner().invoke(app, ["roster", "-s", str(model), "-r", "friesland", "-n", "3"])
    assert res.exit_code == 0, res.output
    assert "Friesland: what drives the team size" in res.output and "not run here" in res.output
    assert "north" in res.output and "busiest" in res.output
    assert "casework hours as the scenario has them" in res.output  # the second resource, said apart
    res = CliRunner().invoke(app, ["roster", "-s", str(model), "-r", "nowhere"])
    assert res.exit_code == 2 and "nowhere" in res.output
