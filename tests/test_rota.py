"""csgsim rota: the plan keeps every hard rule (checked by hand, slot by slot and day by day, not
with the planner's model), a team below the floor has no plan and the reasons name the weeks,
a symmetric team shares fairly, and the files round-trip."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import build, region_data
from csgsim.staff import rules
from csgsim.staff.duties import ONCALL, POOLED
from csgsim.staff.lines import combined
from csgsim.studies import rota as planner
from csgsim.staff.rota import oncall_days

pytest.importorskip("ortools")

LEAVE = {"enabled": True, "statutory_weeks": 2, "summer_share": 0.0, "block_weeks": 1, "max_at_once": 1}


def scenario(team: int = 5, days: int = 28, rota: dict | None = None, leave: dict | None = None, **sections):
    body = region_data(team=team, **sections)
    if rota:
        body["rota"] = rota
    if leave:
        body["leave"] = leave
    return build({"a": body}, days=days, start=date(2025, 3, 3))


def hand_check(p: planner.Problem, holder: np.ndarray) -> list[str]:
    """Every hard rule, by plain loops over slots, days and windows."""
    s, rs, rr = p.slots, p.ruleset, p.rules
    bad = []
    n_people = len(p.people)
    days_on = [set() for _ in range(n_people)]
    for j in range(len(s)):
        q = holder[j]
        if s.pooled[j]:  # a first-line block a shared line holds
            if q != POOLED:
                bad.append(f"slot {j} is pooled but held by {q}")
            continue
        if q < 0 or not s.eligible[q, j]:
            bad.append(f"slot {j} held by {q}")
            continue
        first, last = int((s.start[j] - p.regions[0].duty.period_start) // 24), int(-(-(s.end[j] - p.regions[0].duty.period_start) // 24))
        for d in range(max(first, 0), min(last, s.n_days)):
            if p.leave[q, d] or p.unavailable[q, d]:
                bad.append(f"slot {j}: person {q} away on day {d}")
            if s.kind[j] == ONCALL:
                days_on[q].add(d)
        for k in range(len(s)):
            if k != j and holder[k] == q and s.start[k] < s.end[j] and s.start[j] < s.end[k]:
                bad.append(f"slots {j} and {k} overlap for {q}")
    limits = [v for v in (rs.max_oncall_days_per_4w, rr.max_oncall_days_per_4w) if v is not None]
    for q in range(n_people):
        for w0 in range(0, s.n_days, 28):
            window = range(w0, min(w0 + 28, s.n_days))
            if limits and sum(d in days_on[q] for d in window) > min(limits):
                bad.append(f"person {q}: too many on-call days from day {w0}")
            if rs.min_free_pairs_per_4w and len(window) == 28:
                pairs, d = 0, w0
                while d + 1 < w0 + 28:
                    if d not in days_on[q] and d + 1 not in days_on[q]:
                        pairs, d = pairs + 1, d + 2
                    else:
                        d += 1
                if pairs < rs.min_free_pairs_per_4w:
                    bad.append(f"person {q}: {pairs} free pairs from day {w0}")
        if rr.night_week_nights is not None:
            offset = p.calendar.start.weekday()
            nights: dict[int, int] = {}
            for j in range(len(s)):
                if holder[j] == q and s.kind[j] == ONCALL:
                    week = (int(s.d0[j]) + offset) // 7
                    nights[week] = nights.get(week, 0) + sum(
                        1 for h in np.arange(s.start[j], s.end[j]) if h % 24 < 6 and (h % 24 == 0 or h == s.start[j]))
            for week, n in nights.items():
                rest = range((week + 1) * 7 - offset, (week + 1) * 7 - offset + rr.night_week_rest_days)
                if n >= rr.night_week_nights and any(d in days_on[q] for d in rest):
                    bad.append(f"person {q}: on call right after a week of {n} nights")
        if rr.max_consecutive_days is not None:
            run = 0
            for d in range(s.n_days):
                run = run + 1 if d in days_on[q] else 0
                if run > rr.max_consecutive_days:
                    bad.append(f"person {q}: run of {run} to day {d}")
    return bad


def rules_breaches(p: planner.Problem, holder: np.ndarray) -> int:
    """The same plan through staff.rules.check (the post-run check of the simulation)."""
    rota = p.rota(holder)
    first, *extra = rota.schedules()
    n = len(p.people)
    table = rules.check(combined(first, tuple(extra), n), np.zeros(0), np.zeros(0), np.zeros(0), p.ruleset, n,
                        p.calendar, day_start=p.regions[0].duty.period_start)
    return int(table.filter(like="breach_").to_numpy().sum())


WEEKEND_NIGHTS = {"id": "weekend-nights", "days": ["friday", "saturday"], "start_hour": 18, "end_hour": 30}


@settings(max_examples=10, deadline=None)
@given(team=st.integers(3, 7), leave=st.booleans(), limit=st.sampled_from([None, 7, 10]),
       run=st.sampled_from([None, 2, 4]), nights=st.sampled_from([None, 3]),
       ruleset=st.sampled_from(["consignatie", "bereikbaarheid"]),
       pattern=st.sampled_from(["rotation_24h", "office_plus_oncall"]), extra=st.booleans(),
       away=st.tuples(st.integers(0, 2), st.integers(0, 50), st.integers(0, 10)))
def test_every_plan_keeps_every_hard_rule(team, leave, limit, run, nights, ruleset, pattern, extra, away):
    rota = {k: v for k, v in (("max_oncall_days_per_4w", limit), ("max_consecutive_days", run),
                              ("night_week_nights", nights)) if v is not None}
    sc = scenario(team, 28, rota, LEAVE if leave else None, duty={"pattern": pattern}, rules={"set": ruleset})
    if extra:
        sc = build({"a": {**region_data(team=team, duty={"pattern": pattern}, rules={"set": ruleset}),
                          "rota": rota, "lines": [WEEKEND_NIGHTS], **({"leave": LEAVE} if leave else {})}},
                   days=28, start=date(2025, 3, 3))
    person, first, length = away
    p = planner.problem(sc, "a", 3, wishes=[(person, first, first + length, "unavailable")])
    out = planner.solve(p, 3, time_limit=2.0, objective=False)
    if out.rota is None:
        assert out.status == "infeasible" and out.reasons, out  # never an unexplained failure
        return
    assert hand_check(p, out.rota.holder) == []
    assert rules_breaches(p, out.rota.holder) == 0


def test_plan_is_the_same_for_the_same_seed():
    sc = scenario(5, 28, {"max_oncall_days_per_4w": 7}, LEAVE)
    p = planner.problem(sc, "a", 1)
    a, b = planner.solve(p, 1, 1.0), planner.solve(p, 1, 1.0)
    assert np.array_equal(a.rota.holder, b.rota.holder)
    assert p.leave.any() and hand_check(p, a.rota.holder) == [] and rules_breaches(p, a.rota.holder) == 0


def test_one_below_the_floor_has_no_plan_and_names_the_weeks():
    """Two of the team are away three weeks in March: with 10 on-call days per 28, the others must
    cover those 21 days, which takes three of them (2 x 10 < 21): a team of 5, though 3 x 10 >= 28
    covers any other 4 weeks."""
    from conftest import scenario_data

    away = [{"person": f"r-cm{i}", "start": date(2025, 3, 3), "weeks": 3} for i in (1, 2)]
    body = region_data(team=6, rota={"max_oncall_days_per_4w": 10})
    body["absences"] = away
    data = scenario_data({"a": body}, days=56, start=date(2025, 3, 3))
    floor = planner.smallest_team(data, "<test>", "a", 1, 2, 8, time_limit=5.0)
    assert floor.people == 5
    assert dict(floor.tried) == {2: "infeasible", 3: "infeasible", 4: "infeasible", 5: "optimal"}
    assert floor.reasons == ("March 2025 (28 days from 2025-03-03): r-cm1, r-cm2 are all on leave or unavailable on "
                             "21 days to cover, and the 10-per-28 limit lets the other 2 hold at most 20",)


def test_when_counting_sees_nothing_the_solver_names_the_rule_and_weeks():
    """Two people, 14 days each per 4 weeks, at most one day in a row: they must alternate, which
    leaves nobody two free days together; counting passes, CP-SAT's core names the rules."""
    sc = scenario(2, 28, {"max_consecutive_days": 1})
    p = planner.problem(sc, "a", 1)
    assert planner.precheck(p) == []
    out = planner.solve(p, 1, 2.0, objective=False)
    assert out.status == "infeasible" and out.reasons
    assert all(why.startswith(("February 2025", "March 2025")) for why in out.reasons), out.reasons
    assert any("2 x 2 free days" in why or "in a row" in why for why in out.reasons), out.reasons


def test_precheck_counts_a_window_with_too_few_present():
    sc = scenario(4, 28, {"max_oncall_days_per_4w": 7})
    p = planner.problem(sc, "a", 1, wishes=[(0, 30, 54, "unavailable")])  # 3 days present in window 2
    assert planner.precheck(planner.problem(sc, "a", 1)) == []  # 4 x 7 = 28: just enough
    reasons = planner.precheck(p)
    assert len(reasons) == 1 and "March 2025 (28 days from 2025-03-03)" in reasons[0]
    assert "r-cm1 is on leave or unavailable on 25 days to cover" in reasons[0]
    assert "lets the other 3 hold at most 21" in reasons[0]
    assert planner.solve(p, 1, 1.0).status == "infeasible"


def test_symmetric_team_shares_weekends_and_nights_within_one_duty():
    sc = build({"a": region_data(team=5)}, days=364, start=date(2025, 1, 6))
    p = planner.problem(sc, "a", 1)
    out = planner.solve(p, 1, time_limit=1.0)
    t = planner.summary(p, out.rota)
    for goal in ("weekends", "nights"):
        counts = np.array([r[goal] for r in t])
        assert np.abs(counts - counts.mean()).max() <= 1, (goal, counts)


# --- the command and its files ------------------------------------------------------------------


def write_scenario(tmp_path, rota: dict | None = None, team: int = 5, days: int = 28):
    import tomlkit

    from conftest import scenario_data

    body = region_data(team=team, leave=LEAVE)
    if rota is not None:
        body["rota"] = rota
    path = tmp_path / "s.toml"
    path.write_text(tomlkit.dumps(scenario_data({"a": body}, days=days, start=date(2025, 3, 3))))
    return path


def invoke(*args):
    from typer.testing import CliRunner

    from csgsim.ui.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One rota made by the command, shared by the file tests."""
    tmp = tmp_path_factory.mktemp("rota")
    path = write_scenario(tmp, {"max_oncall_days_per_4w": 7, "weights": {"weekends": 2}})
    result = invoke("rota", "--scenario", path, "--out", tmp / "out", "--time-limit", 1)
    assert result.exit_code == 0, result.output
    return path, tmp / "out", result


def test_command_writes_every_file_and_the_summary(made):
    _, out, result = made
    names = {p.name for p in out.iterdir()}
    assert {"rota.csv", "rota.xlsx", "summary.csv", "manifest.json", "ics"} <= names
    assert "max on-call" in result.stdout and "(7)" in result.stdout


def test_excel_holds_the_plan_of_the_csv(made):
    import csv

    from openpyxl import load_workbook

    _, out, _ = made
    rows = list(csv.DictReader((out / "rota.csv").read_text().splitlines()))
    from_csv = sorted((r["start"][:10], r["person"], r["line"] + ("" if r["kind"] == "oncall" else " (office)"))
                      for r in rows if r["kind"] in ("oncall", "office"))
    sheet = load_workbook(out / "rota.xlsx").active
    table = list(sheet.iter_rows(values_only=True))
    people = table[0][2:]
    from_xlsx = sorted((day, person, part) for day, _, *cells in table[1:] if len(str(day)) == 10
                       for person, cell in zip(people, cells) if cell and cell not in ("leave", "unavailable")
                       for part in cell.split(" + "))
    assert from_xlsx == from_csv and len(from_csv) > 28
    # the sheet has a column per person of the team, the coordinator too, with everyone's leave
    assert "r-coord" in people
    leave_csv = {r["person"] for r in rows if r["kind"] == "leave"}
    leave_xlsx = {person for _, _, *cells in table[1:] for person, cell in zip(people, cells) if cell == "leave"}
    assert leave_csv == leave_xlsx


def test_calendars_parse_and_round_trip(made):
    import csv

    from icalendar import Calendar

    _, out, _ = made
    rows = [r for r in csv.DictReader((out / "rota.csv").read_text().splitlines()) if r["kind"] == "oncall"]
    for ics in sorted((out / "ics").iterdir()):
        raw = ics.read_bytes()
        cal = Calendar.from_ical(raw)
        assert cal.to_ical() == raw
        events = list(cal.walk("VEVENT"))
        mine = [r for r in rows if r["person"] == ics.stem]
        # each event is a run of the person's contiguous slots: it starts at a slot's start and ends at one's end
        starts = {r["start"] for r in mine}
        ends = {r["end"] for r in mine}
        assert events and all(e.decoded("dtstart").strftime("%Y-%m-%dT%H:%M") in starts for e in events)
        assert all(e.decoded("dtend").strftime("%Y-%m-%dT%H:%M") in ends for e in events)
        hours = sum((e.decoded("dtend") - e.decoded("dtstart")).total_seconds() / 3600 for e in events)
        assert hours == pytest.approx(sum((np.datetime64(r["end"]) - np.datetime64(r["start"])).astype(int) / 60
                                          for r in mine))


@pytest.mark.parametrize("rows, needle", [
    ("person,first,last,kind\nnobody,2025-03-03,2025-03-04,prefer\n", "'nobody' is not in region a"),
    ("person,first,last,kind\nr-cm1,2025-03-03,2025-03-10,unavailable\nr-cm1,2025-03-08,2025-03-12,unavailable\n",
     "overlaps the one on line 3"),
    ("person,first,last,kind\nr-cm1,2025-03-03,2025-03-04,holiday\n", "kind 'holiday'"),
])
def test_bad_wishes_exit_2(made, tmp_path, rows, needle):
    path = made[0]
    wishes = tmp_path / "w.csv"
    wishes.write_text(rows)
    result = invoke("rota", "--scenario", path, "--out", tmp_path / "o", "--wishes", wishes)
    assert result.exit_code == 2 and needle in result.output, result.output


@pytest.mark.parametrize("weight, needle", [(-1, "allowed range [0, 1000]"), ("heavy", "expected a number")])
def test_bad_weights_exit_2(tmp_path, weight, needle):
    path = write_scenario(tmp_path, {"weights": {"nights": weight}})
    result = invoke("rota", "--scenario", path, "--out", tmp_path / "o")
    assert result.exit_code == 2 and "rota.weights.nights" in result.output and needle in result.output, result.output


def test_no_plan_exits_1_with_the_reasons(tmp_path):
    path = write_scenario(tmp_path, {"max_oncall_days_per_4w": 5}, team=4)
    result = invoke("rota", "--scenario", path, "--out", tmp_path / "o", "--time-limit", 1)
    assert result.exit_code == 1 and "5-per-28" in result.output and "2025" in result.output, result.output
    assert not (tmp_path / "o").exists()


# --- simulating a rota ----------------------------------------------------------------------------


def simulated_duties(path, out, absence: bool, rep: int = 0):
    """The first replication's simulated duty schedule and spells of `run --rota`, and the rota."""
    from csgsim.config import scenario as scenario_mod
    from csgsim.model import inputs
    from csgsim.runtime.jobs import make_job
    from csgsim.ui.rota_files import read_plan

    sc = scenario_mod.load(path)
    if not absence:
        region = sc.regions["a"]
        from dataclasses import replace

        off = replace(region.staffing, absence=replace(region.staffing.absence, enabled=False))
        sc = replace(sc, regions={"a": replace(region, staffing=off)})
    rota = read_plan(out / "rota.csv", sc)
    sc, duties, _ = planner.simulated(sc, rota)
    plan = make_job(sc, 7, duties=duties).plans[0]
    return rota, plan, inputs.sample(plan, sc.seed, rep)


def test_run_with_the_rota_simulates_its_duties_and_leave(made):
    from csgsim.staff.absence import ANNUAL

    path, out, _ = made
    rota, plan, sampled = simulated_duties(path, out, absence=False)
    assert np.array_equal(sampled.primary.person, rota.schedules()[0].person)
    leave = sampled.spells.kind == ANNUAL
    days = rota.leave.sum()
    assert days > 0 and sampled.spells.hours()[leave].sum() == pytest.approx(days * 24)
    table = rules.check(sampled.primary, np.zeros(0), np.zeros(0), np.zeros(0), planner.get_ruleset("consignatie"),
                        len(rota.people), plan.calendar, day_start=plan.region.duty.period_start)
    assert int(table.filter(like="breach_").to_numpy().sum()) == 0


def test_rota_checks_agree_with_rules_on_the_simulated_duties(made):
    """With sickness re-planned on top of the rota, the rota's own figures of the simulated duties
    equal what staff.rules counts on them."""
    from dataclasses import replace

    from csgsim.staff.rota import tally

    path, out, _ = made
    moved = 0
    for rep in range(12):
        rota, plan, sampled = simulated_duties(path, out, absence=True, rep=rep)
        moved += not np.array_equal(sampled.primary.person, rota.schedules()[0].person)  # sickness moved duties
        n = len(rota.people)
        mine = tally(replace(rota, holder=sampled.primary.person), n)
        theirs = rules.check(sampled.primary, np.zeros(0), np.zeros(0), np.zeros(0),
                             planner.get_ruleset("consignatie"), n, plan.calendar,
                             day_start=plan.region.duty.period_start)
        assert np.array_equal(mine["max_oncall_days_per_4w"], theirs["max_oncall_days_per_4w"].to_numpy())
        assert np.allclose(mine["oncall_hours"], theirs["oncall_hours"].to_numpy())
    assert moved >= 2


def test_run_refuses_a_rota_of_another_period(made, tmp_path):
    path, out, _ = made
    other = write_scenario(tmp_path, days=56)
    result = invoke("run", "-s", other, "--rota", out / "rota.csv", "-n", 1, "--workers", 1)
    assert result.exit_code == 2 and "does not fit" in result.output, result.output
    result = invoke("run", "-s", path, "--rota", out / "rota.csv", "-n", 2, "--workers", 1, "--format", "json")
    assert result.exit_code == 0, result.output


def test_roster_reports_the_solver_floor_beside_the_arithmetic_one(tmp_path):
    import json

    path = write_scenario(tmp_path, {"max_oncall_days_per_4w": 7})
    result = invoke("roster", "-s", path, "-n", 1, "--rota-floor", "--rota-time-limit", 2, "--format", "json")
    assert result.exit_code == 0, result.output
    floor = json.loads(result.stdout)["regions"]["a"]["rota_floor"]
    assert floor["arithmetic_floor"] == 3 and floor["solver_floor"] == 4  # 28 days / 7 per person
    assert floor["tried"]["3"] == "infeasible" and "too small" in floor["reasons_one_below"][0]
    result = invoke("roster", "-s", path, "-n", 1, "--rota-floor", "--rota-time-limit", 2)
    assert "they differ by 1" in result.stdout and "[rota]" in result.stdout, result.stdout


def test_wishes_are_kept_where_the_rules_allow():
    sc = scenario(5, 28, {"max_oncall_days_per_4w": 10, "weights": {"preferences": 5}})
    wishes = [(0, 28, 41, "rather_not"), (1, 30, 30, "prefer"), (1, 44, 44, "prefer")]
    p = planner.problem(sc, "a", 2, wishes=wishes)
    out = planner.solve(p, 2, 2.0)
    days = oncall_days(p.slots, out.rota.holder, len(p.people))
    assert not days[0, 28:42].any() and days[1, 30] and days[1, 44]
    assert p.unavailable.sum() == 0 and (p.wishes != 0).sum() == 16


def test_shares_follow_contracted_hours():
    body = region_data(team=4)
    body["staff"]["casemanagers"][0]["hours_per_week"] = 16  # twice the others' 8
    sc = build({"a": body}, days=56, start=date(2025, 3, 3))
    p = planner.problem(sc, "a", 1)
    rows = planner.summary(p, planner.solve(p, 1, 2.0).rota)
    duties = np.array([r["duties"] for r in rows])
    fair = np.array([r["oncall_hours_fair"] for r in rows]) / 24
    assert fair[0] == pytest.approx(2 * fair[1]) and np.abs(duties - fair).max() <= 1.5, (duties, fair)
