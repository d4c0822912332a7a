"""Roster sizing: known answers, impossible targets, unsettled targets, and input errors."""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from csgsim.studies import sizing, sizing_search
from csgsim.studies import targets
from csgsim.ui.cli import app
from csgsim.runtime.executors import make_executor
from csgsim.analysis.confidence import clopper_pearson
from csgsim.analysis.metrics import REGION_METRICS
from csgsim.runtime.jobs import Replication
from tests.conftest import EXAMPLE, FLAT, region_data, scenario_data

runner = CliRunner()


def queue_data(rate_per_hour: float, mean_service: float, days: int) -> dict:
    """The document behind conftest.queue_scenario (backup none): one person on duty at a time,
    never absent, flat Poisson arrivals, exponential time on site, nothing else."""
    zero = {"dist": "fixed", "value": 0.0}
    region = region_data(
        team=1, acute=rate_per_hour * 365 * 24, non_acute=0.0, duty={"pattern": "rotation_24h"},
        backup={"kind": "none"},
        pathway={"attendance": "day0", "callback": zero, "phone": zero, "travel": zero,
                 "on_site": {"dist": "exponential", "mean": mean_service},
                 "followup_days": [], "nonacute_followup_days": []},
        absence={"enabled": False}, rules={"set": "none"}, escalation={"callin": False, "neighbour": "none"},
    )
    region["demand"]["acute"].update({"profile": "flat", "growth_per_year": 0.0, "level_year": 2025,
                                      "seasonality": [1.0] * 12})
    region["demand"]["non_acute"].update({"profile": "flat", "level_year": 2025})
    return scenario_data({"q": region}, days=days, profiles={"flat": FLAT}, scenario={"warmup_days": 0})


def size_queue(goals, rate=0.05, days=365, sizes=(2, 3, 4, 5, 6), **kw):
    with make_executor(1) as serial:
        return sizing.size(queue_data(rate, 1.0, days), "<queue>", ["q"], list(sizes),
                           [targets.parse_target(t) for t in goals], 1, serial, **kw).regions[0]


def test_known_answer_from_the_load():
    """Call-outs of 0.05/h x 1 h are 8.4 h a week whoever takes them, so hours on CSG cases per
    casemanager are 8.4/size: 2.8 at 3, 2.1 at 4. With a bound of 2.5 the answer is 4, and every
    size is settled on its own side. (Over contracted hours the load stays 8.4/8 at every size:
    people are sized at the scenario's total hours, so a person added adds no hours.)"""
    r = size_queue(["csg_hours_per_week<=2.5"], batch=10, max_replications=80)
    assert r.status == "answer" and r.answer == 4, r.message
    assert [c.status for c in r.cells] == ["fails", "fails", "meets", "meets", "meets"]
    assert "4 casemanagers" in r.message


def test_monotone_search_skips_sizes_settled_by_implication():
    """With monotone (default) a size above one that meets is not run further; without it,
    every size is settled on its own replications. The answer is the same."""
    mono = size_queue(["csg_hours_per_week<=2.5"], batch=10, max_replications=40)
    full = size_queue(["csg_hours_per_week<=2.5"], batch=10, max_replications=40, monotone=False)
    assert mono.answer == full.answer == 4
    assert not any(c.implied for c in full.cells)
    assert sum(c.reps for c in mono.cells) <= sum(c.reps for c in full.cells)


def test_monotone_search_runs_bottom_up_and_no_size_above_the_first_meeting_one():
    """Monotone: only the smallest open size between the largest failing and the smallest
    meeting runs on, so sizes above the answer run no replication; a size that runs reaches the
    same verdict, on the same replications, as when every size is settled on its own."""
    mono = size_queue(["csg_hours_per_week<=2.5"], batch=10, max_replications=80)
    full = size_queue(["csg_hours_per_week<=2.5"], batch=10, max_replications=80, monotone=False)
    assert mono.answer == full.answer == 4
    assert [c.reps for c in mono.cells if c.size > 4] == [0, 0]
    assert all(c.implied and c.status == "meets" for c in mono.cells if c.size > 4)
    for m, f in zip(mono.cells, full.cells):
        assert m.reps <= f.reps
        if m.reps == f.reps and m.reps:
            assert m.stats == f.stats and m.status == f.status


def test_a_mean_whose_replications_all_agree_is_not_taken_as_exact():
    """24 h duties of one person in four touch 14 days in every 4 weeks, in every replication.
    Equal replications settle nothing by themselves: the target is met only once an exact bound
    puts the share of replications beyond 14 under 5%, i.e. after enough replications."""
    t = targets.parse_target("max_oncall_days_per_4w<=14")
    need = targets.clean_replications(t, 0.95)
    assert need == 72
    assert t.judge(column([14.0] * (need - 1)), 0.95).verdict == "open"
    assert t.judge(column([14.0] * need), 0.95).verdict == "meets"
    assert t.judge(column([19.0] * 20), 0.95).verdict == "fails"


def column(values: list[float]) -> np.ndarray:
    """Per-replication values as Target.judge takes them: (value, NaN) rows."""
    return np.column_stack([values, np.full(len(values), np.nan)])


def cells(statuses: list[str]) -> list[sizing.Cell]:
    """Sizes 4-7 with the given verdicts, as the sequential procedure leaves them."""
    return [sizing.Cell(s, status=st, stats=[targets.Stat(0.0, 0.0, 0.0, 1, st)]) for s, st in zip((4, 5, 6, 7), statuses)]


def test_implied_verdicts_fill_the_sizes_outside_the_undecided_window():
    """Monotone: a size below one that fails fails, a size above one that meets meets; both are
    marked implied, and the answer is the smallest meeting size with only failures below it."""
    t = [targets.parse_target("gap_hours<=0")]
    r = sizing.conclude("q", "Q", t, cells(["open", "fails", "meets", "open"]), True, 100)
    assert [c.status for c in r.cells] == ["fails", "fails", "meets", "meets"]
    assert [c.implied for c in r.cells] == [True, False, False, True] and r.answer == 6
    r = sizing.conclude("q", "Q", t, cells(["open", "fails", "meets", "open"]), False, 100)
    assert r.status == "not settled" and r.answer is None


def test_a_size_that_fails_above_one_that_meets_moves_the_monotone_answer_up():
    """A failure at 6 after 5 met (e.g. a rare gap seen only at 6) contradicts monotonicity: the
    answer is taken above every failing size, with a note; --no-monotone keeps 5."""
    t = [targets.parse_target("gap_hours<=0")]
    r = sizing.conclude("q", "Q", t, cells(["fails", "meets", "fails", "meets"]), True, 100)
    assert r.answer == 7 and "not monotone" in r.notes[0]
    assert sizing.conclude("q", "Q", t, cells(["fails", "meets", "fails", "meets"]), False, 100).answer == 5


def test_targets_no_size_can_meet_say_so():
    """Demand does not depend on the team: asking for fewer acute reports than arrive (~1440 in
    120 days at 0.5/h) fails at every size, and the answer says no size meets, naming the target."""
    r = size_queue(["acute_reports<=1000", "gap_hours<=0"], rate=0.5, days=120, batch=5, max_replications=20)
    assert r.status == "none meets" and r.answer is None
    assert "no candidate (2-6 casemanagers)" in r.message and "acute_reports<=1000" in r.message


def test_a_bound_at_the_mean_is_reported_as_not_settled():
    """8.4/4 = 2.1 is the mean at size 4 itself: that size cannot be settled, so no answer is
    given, and the message says which size and target are still open."""
    r = size_queue(["csg_hours_per_week<=2.1"], sizes=(3, 4, 5), batch=10, max_replications=40)
    assert r.status == "not settled" and r.answer is None
    assert "[4]" in r.message and "csg_hours_per_week<=2.1" in r.message


def test_a_rare_event_target_is_judged_by_an_exact_bound_on_replications_beyond_it():
    """gap_hours<=0 reads 'at most 5% of replications have a gap'. Twenty clean years leave it
    open (they bound that chance only by 17%); 72 clean ones meet it at 95%; 5 gaps in 20 fail it
    (exact lower bound 8.7% > 5%); one gap in 5 settles nothing (before: 'fails' and 'meets')."""
    t = targets.parse_target("gap_hours<=0")
    assert t.kind == targets.RARE
    assert t.judge(column([0.0] * 20), 0.95).verdict == "open"
    assert t.judge(column([0.0] * 72), 0.95).verdict == "meets"
    assert t.judge(column([3.0] * 5 + [0.0] * 15), 0.95).verdict == "fails"
    assert t.judge(column([0, 0, 0, 0, 3.0]), 0.95).verdict == "open"
    share = targets.parse_target("followup_on_time>=1")
    assert share.kind == targets.RARE and share.judge(column([1.0] * 72), 0.95).verdict == "meets"


def test_a_percentile_target_is_judged_on_the_pooled_delays():
    """acute_contact_p95<=30: per replication, the delays within 30 min and all delays; met when
    the pooled share within is surely >= 95%, failed when surely below."""
    t = targets.parse_target("acute_contact_p95<=30")
    assert t.kind == targets.PERCENTILE
    rep = Replication(0, np.zeros((1, len(REGION_METRICS))), np.zeros((0, 0)), None,
                      [{"acute_contact": np.array([5.0, 30.0, 31.0, 12.0])}])
    assert t.per_replication(rep) == (3.0, 4.0)
    assert targets.parse_target("acute_contact_p95>=30").per_replication(rep) == (2.0, 4.0)
    ok = np.column_stack([np.full(40, 97.0), np.full(40, 100.0)]) + np.array([[1, 0], [-1, 0]] * 20)
    assert t.judge(ok, 0.99).verdict == "meets"
    bad = np.column_stack([np.full(40, 90.0), np.full(40, 100.0)])
    bad[::2, 0] += 2
    assert t.judge(bad, 0.99).verdict == "fails"


def test_reports_still_waiting_at_the_horizon_count_beyond_a_percentile_bound():
    """Issue 18 item 7: an overloaded run answers only some calls by the horizon. The answered
    ones were all quick, but 445 of 712 calls still wait: the share within the norm counts the
    waiting ones as beyond it, so the target fails instead of meeting on the answered ones."""
    regions = np.zeros((1, len(REGION_METRICS)))
    regions[0, list(REGION_METRICS).index("acute_open_at_horizon")] = 445
    regions[0, list(REGION_METRICS).index("intake_open_at_horizon")] = 7
    rep = Replication(0, regions, np.zeros((0, 0)), None,
                      [{"acute_contact": np.full(267, 10.0), "intake_wait": np.array([1.0, 2.0, 3.0])}])
    t = targets.parse_target("acute_contact_p95<=30")
    assert t.per_replication(rep) == (267.0, 712.0)
    assert targets.parse_target("intake_wait_p90<=5").per_replication(rep) == (3.0, 10.0)
    assert t.judge(np.array([t.per_replication(rep)] * 20), 0.95).verdict == "fails"
    regions[0, list(REGION_METRICS).index("acute_reports")] = 712
    regions[0, list(REGION_METRICS).index("acute_contact_within_norm")] = 1.0  # of the answered ones
    share = targets.parse_target("acute_contact_within_norm>=0.9").per_replication(rep)[0]
    assert share == pytest.approx(267 / 712)


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("acute_contact_p95=<30", "expected METRIC<=NUMBER"),
        ("acute_contact_p95<30", "expected METRIC<=NUMBER"),
        ("acute_contact_p95<=thirty", "expected METRIC<=NUMBER"),
        ("waiting<=30", "unknown metric 'waiting'; allowed: acute_reports"),
    ],
)
def test_bad_targets_are_one_line_errors(text, expect):
    """Bad syntax and unknown metrics (which lists REGION_METRICS) are exit-2 errors."""
    with pytest.raises(targets.SizingError, match=None) as err:
        targets.parse_target(text)
    assert expect in str(err.value)
    res = runner.invoke(app, ["size", "-s", str(EXAMPLE), "-r", "zeeland", "-t", text])
    assert res.exit_code == 2 and expect in res.stderr and "Traceback" not in res.output


def test_every_region_metric_can_be_a_target():
    """Targets take their metric names from REGION_METRICS, whatever it holds."""
    for m in REGION_METRICS:
        assert targets.parse_target(f"{m}>=0.5").metric == m


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["-r", "atlantis"], "region 'atlantis' is not in this scenario"),
        ([], "give --region ID (repeatable) or --all-regions"),
        (["-r", "zeeland", "--all-regions"], "give --region ID (repeatable) or --all-regions"),
        (["-r", "zeeland", "--sizes", "6-4"], "expected a range like 4-9"),
        (["-r", "zeeland", "--targets", "missing.toml"], "no such targets file"),
        (["-r", "zeeland", "--absent", "fr-cm1:2025-02-01:4w"], "no person 'fr-cm1' in the region(s) sized"),
        (["--all-regions", "--leaves", "coordinator:2025-06-01"], "needs exactly one region"),
    ],
)
def test_bad_sizing_requests_are_one_line_errors(args, expect):
    res = runner.invoke(app, ["size", "-s", str(EXAMPLE), *args])
    assert res.exit_code == 2 and expect in res.stderr and "Traceback" not in res.output


def test_cli_sizes_a_region_from_a_targets_file(tmp_path):
    """`size` reads targets from a file, prints the table, the answer and the confidence; JSON too."""
    targets = tmp_path / "targets.toml"
    targets.write_text('targets = ["csg_hours_per_week<=100", "acute_reports>=0"]\n')
    args = ["size", "-s", str(EXAMPLE), "-r", "zeeland", "--targets", str(targets), "--sizes", "3-4",
            "--batch", "3", "--max-replications", "3", "--workers", "1"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "smallest team meeting every target: 3" in res.stdout and "Confidence" in res.stdout
    res = runner.invoke(app, [*args, "-f", "json"])
    data = json.loads(res.stdout)
    assert data["regions"][0]["answer"] == 3 and data["regions"][0]["sizes"][0]["size"] == 3
    assert data["interval_level"] > data["confidence"]


def test_sizing_searches_the_line_structures_the_scenario_allows():
    """A queue region with an optional second line open round the clock: without it the line is
    M/M/1 (mean wait 26 min at 0.3 calls/h) at any team size, so no size meets a 5-minute mean;
    with it, two people make M/M/2 (about 1 min), so the answer is 2. One result per structure,
    and the summary names both."""
    data = queue_data(0.3, 1.0, 60)
    data["regions"]["q"]["lines"] = [{"id": "second", "start_hour": 9, "end_hour": 33, "optional": True}]
    with make_executor(1) as serial:
        result = sizing.size(data, "<queue>", ["q"], [1, 2, 3], [targets.parse_target("acute_contact_mean<=5")], 1,
                             serial, batch=4, max_replications=8)
    without, with_line = result.regions
    assert (without.structure, with_line.structure) == ("without optional lines", "with second")
    assert without.status == "none meets" and without.answer is None
    assert with_line.answer == 2
    assert result.structures == 2 and "2 line structures" in sizing.confidence_line(result)
    assert result.summary("q") == "without optional lines: none meets, or 2 casemanagers with second"
    assert set(with_line.table()["structure"]) == {"with second"}


def test_too_many_optional_lines_are_refused():
    """Every choice of optional lines is a structure: more than three optional lines is an error."""
    data = queue_data(0.3, 1.0, 30)
    data["regions"]["q"]["lines"] = [{"id": f"l{i}", "start_hour": 9, "end_hour": 17, "optional": True}
                                     for i in range(4)]
    with make_executor(1) as serial, pytest.raises(targets.SizingError, match="at most 3 may be optional"):
        sizing.size(data, "<queue>", ["q"], [1, 2], [targets.parse_target("acute_contact_mean<=5")], 1, serial)


# --- the stated confidence, checked over many seeds on a known answer -------------------------

SIZES = (2, 3, 4, 5, 6)
#: Mean of csg_hours_vs_contract per size (bound 0.27) and the chance that a replication has a gap
#: (gap_hours<=0, risk 5%): sizes 5 and 6 meet both, sizes 2-4 fail at least one. Size 4 has gaps
#: in 8% of replications, so 20 clean replications there are common (19%).
SYNTHETIC_MEAN = {2: 0.6, 3: 0.4, 4: 0.3, 5: 0.24, 6: 0.2}
SYNTHETIC_GAP = {2: 0.5, 3: 0.3, 4: 0.08, 5: 0.001, 6: 0.0}


def synthetic_dispatch(seed: int):
    """A stand-in for executors.dispatch that draws each replication's two target metrics from
    the known distributions above instead of simulating (cheap, and the truth is known)."""
    csg, gap = list(REGION_METRICS).index("csg_hours_vs_contract"), list(REGION_METRICS).index("gap_hours")

    def dispatch(backend, jobs, pending, batch_size=None):
        for key, reps in pending.items():
            size, out = key[-1], []
            for rep in reps:
                rng = np.random.default_rng([seed, size, rep])
                row = np.zeros((1, len(REGION_METRICS)))
                row[0, csg] = rng.normal(SYNTHETIC_MEAN[size], 0.1)
                row[0, gap] = rng.exponential(5.0) if rng.random() < SYNTHETIC_GAP[size] else 0.0
                out.append(Replication(rep, row, np.zeros((0, 0)), None))
            yield key, out

    return dispatch


def test_settled_verdicts_are_wrong_in_at_most_the_stated_share_of_seeds(monkeypatch):
    """100 independent sizings at joint confidence 95%: the share of sizings with any settled
    verdict on the wrong side (a target's or a size's, or a wrong answer) must not exceed 5%;
    12 of 100 is the one-sided 99.9% acceptance bound of a 5% rate. The old rule, which took 20
    clean replications of a rare event as exact, passes gap_hours<=0 at size 4 in about 19% of
    the sizings, which this bound catches."""
    doc = queue_data(0.05, 1.0, 28)
    goals = [targets.parse_target("csg_hours_vs_contract<=0.27"), targets.parse_target("gap_hours<=0")]
    monkeypatch.setattr(sizing, "make_job", lambda sc, seed: None)
    wrong, answered, old_rule_wrong = 0, 0, 0
    for seed in range(100):
        monkeypatch.setattr(sizing_search, "dispatch", synthetic_dispatch(seed))
        r = sizing.size(doc, "<synthetic>", ["q"], list(SIZES), goals, seed, None, batch=20,
                        max_replications=320).regions[0]
        verdicts = [(c.size, c.status) for c in r.cells] + [(c.size, st.verdict) for c in r.cells for st in c.stats]
        bad = [(s, v) for s, v in verdicts if (v == "meets" and s < 5) or (v == "fails" and s >= 5)]
        wrong += bool(bad) or r.answer not in (None, 5)
        answered += r.answer == 5
        first20 = [np.random.default_rng([seed, 4, rep]) for rep in range(20)]
        old_rule_wrong += all(g.normal() is not None and g.random() >= SYNTHETIC_GAP[4] for g in first20)
    assert wrong <= 12, wrong
    assert answered >= 75, answered  # the procedure reaches the answer, it does not only avoid errors
    assert old_rule_wrong > 12, old_rule_wrong


def test_a_cap_too_low_for_a_rare_event_verdict_is_said():
    """gap_hours<=0 cannot be met within 40 replications at this confidence: a note says how many
    clean replications it needs, and each size left open what was seen there and the
    --max-replications that would settle it."""
    r = size_queue(["gap_hours<=0"], sizes=(2, 3), batch=10, max_replications=40)
    assert any("needs" in n and "gap_hours<=0" in n and "--max-replications" in n for n in r.notes), r.notes
    assert r.status == "not settled"
    settle = [n for n in r.notes if "would settle it (--max-replications" in n]
    assert settle and all("gap_hours<=0 open" in n for n in settle), r.notes


def test_cli_rare_risk_sets_the_acceptable_share_and_says_so():
    """--rare-risk 0.1 reads gap_hours<=0 as 'at most 10% of replications with a gap', prints the
    clean replications that needs, and refuses values outside (0, 0.5] with exit 2."""
    args = ["size", "-s", str(EXAMPLE), "-r", "zeeland", "-t", "gap_hours<=0", "--sizes", "3", "--batch", "3",
            "--max-replications", "3", "--workers", "1"]
    res = runner.invoke(app, [*args, "--rare-risk", "0.1", "-f", "json"])
    assert res.exit_code == 0, res.output
    statement = json.loads(res.stdout)["statement"]
    need = targets.clean_replications(targets.Target("gap_hours", "<=", 0.0, 0.1), 1 - 0.05)
    assert "at most 10% of replications" in statement and f"at least {need} replications" in statement
    assert runner.invoke(app, [*args, "--rare-risk", "0.9"]).exit_code == 2


def test_an_open_verdict_says_how_many_replications_would_settle_it():
    """At the level of a design capped at 200, 4 gap years in 200 (2%) leave 'at most 5%' open:
    the exact bound at that share settles it first at the cap returned (at that cap's stricter level),
    not at the grid point below; 0 of 100 needs the clean replications; a share at the risk
    itself, or a mean on its bound, never settles."""
    t = targets.parse_target("gap_hours<=0")
    level_at = lambda cap: 1 - 0.05 / (53 * len(sizing_search.rounds(20, cap)))  # noqa: E731
    level = level_at(200)
    st = t.judge(column([1.0] * 4 + [0.0] * 196), level)
    assert st.verdict == "open"
    need = targets.replications_to_settle(t, st, level, level_at)
    assert need is not None and need > 200
    caps = [200]
    while caps[-1] < need:
        caps.append(math.ceil(caps[-1] * 1.25 / 10) * 10)
    assert caps[-1] == need
    for cap, settles in ((need, True), (caps[-2], False)):
        assert (clopper_pearson(math.ceil(0.02 * cap - 1e-9), cap, level_at(cap))[1] <= 0.05) is settles
    clean = targets.replications_to_settle(t, t.judge(column([0.0] * 100), level), level, level_at)
    assert clean >= targets.clean_replications(t, level_at(clean)) > 100
    assert targets.replications_to_settle(t, t.judge(column([1.0] * 10 + [0.0] * 190), level), level, level_at) is None
    m = targets.parse_target("csg_hours_per_week<=2.1")
    assert targets.replications_to_settle(m, targets.Stat(2.1, 2.0, 2.2, 40, "open"), level, level_at) is None
    assert targets.replications_to_settle(m, targets.Stat(2.05, 2.0, 2.1, 40, "open"), level, level_at) > 40



def test_cli_all_regions_sizes_every_region_of_the_scenario():
    """--all-regions answers every region of the scenario, people and hours, one answer line each."""
    from csgsim.config import scenario as scenario_mod

    res = runner.invoke(app, ["size", "-s", str(EXAMPLE), "--all-regions", "-t", "max_oncall_days_per_4w<=14",
                              "-t", "followup_on_time>=0.95", "--sizes", "3", "--batch", "2", "--max-replications", "2",
                              "--breakdown-replications", "0", "--workers", "1", "-f", "json"])
    assert res.exit_code == 0, res.output
    regions = json.loads(res.stdout)["regions"]
    expected = list(scenario_mod.parse(scenario_mod.read(EXAMPLE)[0], str(EXAMPLE)).regions)
    assert [r["region"] for r in regions] == expected and len(expected) > 1
    assert all(r["casework"] is not None and r["answer_line"] for r in regions)


def test_size_messages_name_targets_by_their_label_with_the_target_as_typed_after_it():
    """Issue 24: size's lines name a target as the tables do, by the metric's label, and keep
    the target as typed in parentheses: no bare `gap_hours<=0` in a message, note, answer line
    or the confidence statement (the JSON's `binding` keeps the ids, for programs)."""
    from csgsim.ui.tables import target_text

    typed = ["gap_hours<=0", "acute_contact_p95<=30", "followup_on_time>=0.95"]
    res = runner.invoke(app, ["size", "-s", str(EXAMPLE), "-r", "zeeland", *[a for t in typed for a in ("-t", t)],
                              "--sizes", "3-4", "--batch", "2", "--max-replications", "4",
                              "--breakdown-replications", "0", "--workers", "1", "-f", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    (r,) = out["regions"]
    texts = [out["statement"], r["message"], *r["notes"], r["answer_line"], r["casework"]["message"],
             *r["casework"]["notes"], r["casework"]["line"], res.stderr]
    for t in map(targets.parse_target, typed):
        text = target_text(t)
        assert text.startswith(("gap h", "contact p95 min", "follow-ups on time")) and text.endswith(f"({t})")
        assert any(text in s for s in texts), t
        for s in texts:
            assert s.count(str(t)) == s.count(text), (t, s)
    assert set(r["binding"] + r["casework"]["binding"]) <= set(typed)


def test_the_bonferroni_count_is_every_interval_that_could_be_computed():
    """The default design: 6 looks (20, 40, ..., 640) x (3 on-call targets x 9 sizes + 2
    casework targets x 13 totals) = 318 intervals, whichever of them the bottom-up search runs;
    at a larger cap the looks, and so the count, grow; at a smaller one they shrink."""
    d = sizing.Design.of(3, 9, 2, 20, sizing.DEFAULT_CAP, 0.95, 1)
    assert d.looks == [20, 40, 80, 160, 320, 640] and d.intervals == 318
    assert d.level == pytest.approx(1 - 0.05 / 318)
    assert d.level_at(1000) == pytest.approx(1 - 0.05 / (53 * 7))
    assert d.level_at(200) == pytest.approx(1 - 0.05 / (53 * 5))
    assert sizing.Design.of(3, 9, 2, 20, sizing.DEFAULT_CAP, 0.95, 2).level == pytest.approx(1 - 0.05 / 636)


def test_the_cli_caps_a_size_where_the_study_does():
    """`csgsim size` without --max-replications runs the study's default cap (the CLI repeats the
    number so as not to import the study to build its options), and the cap settles what the
    study's docstring says: 11 gap years in 640 as within 5%, 13 (2%) not."""
    import inspect

    from csgsim.ui import sizing_cli

    assert sizing_cli.DEFAULT_CAP == sizing.DEFAULT_CAP
    assert inspect.signature(sizing.size).parameters["max_replications"].default == sizing.DEFAULT_CAP
    option = inspect.signature(sizing_cli.size).parameters["max_replications"].default
    assert option == sizing.DEFAULT_CAP
    level = sizing.Design.of(3, 9, 2, 20, sizing.DEFAULT_CAP, 0.95, 1).level
    t = targets.parse_target("gap_hours<=0")
    assert t.judge(column([1.0] * 11 + [0.0] * 629), level).verdict == "meets"
    assert t.judge(column([1.0] * 13 + [0.0] * 627), level).verdict == "open"
