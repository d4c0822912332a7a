"""inputs.duty_rosters: the re-plans and backup steps of a replication, as their parts make them."""

from __future__ import annotations

import pytest

from csgsim.config.staffing import get_ruleset
from csgsim.model import inputs
from csgsim.staff import absence
from csgsim.staff.replanning import PLANNED, replan
from tests.conftest import build, region_data


@pytest.mark.parametrize("backup, policy", [(b, p) for b in ("external", "coordinator", "next_in_line", "none")
                                            for p in ("spread", "backup", "gap")
                                            if p != "backup" or b in ("external", "coordinator")])
def test_one_overlap_table_serves_the_replan_and_the_backup_steps(backup: str, policy: str) -> None:
    """duty_rosters works out who is away in which block once, for the second re-plan and the
    backup steps: each is what it is with its own table, in replications with sick leave, annual
    leave and departures (absence rates raised so that every replication has some)."""
    region = region_data(team=4, backup={"kind": backup, "also": ["r-cm2"]}, replan={"policy": policy},
                         absence={"short_spells_per_year": 6.0, "leave_per_year": 0.5})
    plan = inputs.plan(build({"r": region}, days=120), "r")
    r, st = plan.region, plan.region.staffing
    n_people = len(r.people)
    backup_person = {"coordinator": n_people - 1, "external": n_people}.get(r.backup)
    order = [r.index(p) for p in st.next_in_line]
    args = (r.casemanagers, get_ruleset(st.rules))
    checked = 0
    for rep in range(8):
        spells = inputs.staff_spells(plan, 3, rep)
        primary, backups, log, plan_log = inputs.duty_rosters(plan, spells)
        planned, want_plan_log = replan(plan.schedule, absence.of_kind(spells, absence.ANNUAL), *args, PLANNED, order,
                                        backup_person, r.duty.period_start, plan.since)
        want, want_log = replan(planned, spells, *args, st.replan, order, backup_person, r.duty.period_start,
                                plan.since)
        assert primary.person.tolist() == want.person.tolist()
        assert log.reason.tolist() == want_log.reason.tolist() and plan_log.new.tolist() == want_plan_log.new.tolist()
        steps = inputs.backup_schedules(want, r, spells)
        assert [s.person.tolist() for s in backups] == [s.person.tolist() for s in steps]
        # The `also` step, block by block: nobody where r-cm2 holds the duty or is away in it.
        away = absence.overlaps(spells, n_people, want.start, want.end)
        also = [-1 if p == r.index("r-cm2") or away[r.index("r-cm2"), b] else r.index("r-cm2")
                for b, p in enumerate(want.person.tolist())]
        assert backups[-1].person.tolist() == also
        checked += len(log)
    assert checked > 0  # the second re-plan had blocks to hand over
