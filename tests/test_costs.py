"""The cost model (docs/evidence.md#7-money): rates from [costs], pricing checked against hand sums.

The hand-computed cases use round rates: a casemanager costs EUR 15 an hour (salary 1,560 / 156
hours x 1.5 employer costs), the coordinator EUR 30, and the scheme pays 1/18, 2/18, 2/18 and
3/18 hours per on-call hour on weekdays, Saturdays, Sundays and holidays.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from csgsim.analysis.costs import COST_METRICS, year_costs, year_windows
from csgsim.config import scenario as scenario_mod
from csgsim.core.calendar import Calendar
from csgsim.core.errors import ScenarioError
from csgsim.staff.duties import OFFICE, ONCALL, Schedule

ROOT = Path(__file__).resolve().parents[1]
NAN = np.nan


def zeeland(**costs: object) -> dict:
    """The Zeeland model as a document, with round cost rates (overridable)."""
    data, _ = scenario_mod.read(ROOT / "models" / "zeeland.toml")
    data = copy.deepcopy(data)
    data["costs"].update({
        "price_year": 2025, "wage_growth_per_year": 0.0, "employer_costs": 0.5, "hours_per_month": 156,
        "casemanager_monthly_salary": 1560, "coordinator_monthly_salary": 3120,
        "training_hours_per_year": 292, "network_hours_per_year": 73,
        "backup_allowance": 1.0, "external_callout_rate": 1.0, **costs,
    })
    data["regions"]["zeeland"]["staff"]["casemanagers"] = [{"id": "cm1", "hours_per_week": 8}]
    data["regions"]["zeeland"]["staff"]["coordinator"] = {"id": "co", "hours_per_week": 14}
    data["regions"]["zeeland"]["backup"]["deputy"] = "cm1"
    data["regions"]["zeeland"]["leave"]["enabled"] = False  # one casemanager: no one to plan leave around
    return data


def region(**costs: object):
    return scenario_mod.parse(zeeland(**costs), "test.toml").regions["zeeland"]


def schedule(blocks: list[tuple[float, float, int, int]]) -> Schedule:
    a = np.array(blocks, dtype=float).reshape(-1, 4)
    return Schedule(start=a[:, 0], end=a[:, 1], person=a[:, 2].astype(np.int64), kind=a[:, 3].astype(np.int8))


def duties(primary: Schedule, backup: Schedule | None = None, *lines: Schedule) -> SimpleNamespace:
    """What the pricing reads of a replication's inputs: every line's duties and the backup steps."""
    from csgsim.staff.lines import combined

    return SimpleNamespace(all_duties=lambda n: combined(primary, lines, n),
                           backups=() if backup is None else (backup,), lines=lines)


def records(eng: list[tuple[int, float, float]] = (), tasks: list[tuple[int, float, float]] = (),
            acute: list[float] = (), non_acute: list[float] = ()) -> SimpleNamespace:
    e = np.array(eng, dtype=float).reshape(-1, 3)
    t = np.array(tasks, dtype=float).reshape(-1, 3)
    return SimpleNamespace(
        eng_person=e[:, 0].astype(np.int64), eng_start=e[:, 1], eng_end=e[:, 2],
        task_owner=t[:, 0].astype(np.int64), task_start=t[:, 1], task_duration=t[:, 2],
        acute_arrival=np.array(acute, dtype=float), nonacute_arrival=np.array(non_acute, dtype=float))


def price(cal: Calendar, primary: Schedule, rec: SimpleNamespace, backup: Schedule | None = None, **costs: object):
    sampled = duties(primary, backup)
    (year, a, b), = year_windows(cal, 0.0)
    return year_costs(rec, region(**costs), sampled, cal, year, a, b)


FRI_SAT_SUN = Calendar(date(2025, 1, 3), 3)  # Friday 3, Saturday 4, Sunday 5 January 2025


def test_allowance_by_day_type() -> None:
    """24 on-call hours each on a Friday, Saturday and Sunday earn (24 + 48 + 48) / 18 paid hours."""
    got = price(FRI_SAT_SUN, schedule([(0, 72, 0, ONCALL)]), records())
    assert got["oncall_hours"] == pytest.approx(72)
    assert got["allowance"] == pytest.approx(120 / 18 * 15)


def test_public_holidays_earn_the_holiday_rate_and_office_blocks_none() -> None:
    """Easter Sunday and Monday 2025 are holidays (3/18 each hour); an office block earns nothing;
    the coordinator as backup earns the allowance at the coordinator's wage."""
    cal = Calendar(date(2025, 4, 20), 2)
    primary = schedule([(0, 9, 0, ONCALL), (9, 17, 0, OFFICE), (17, 48, 0, ONCALL)])
    backup = schedule([(0, 48, 1, ONCALL)])
    got = price(cal, primary, records(), backup=backup)
    assert got["oncall_hours"] == pytest.approx(40)
    assert got["backup_hours"] == pytest.approx(48)
    assert got["allowance"] == pytest.approx(40 * 3 / 18 * 15 + 48 * 3 / 18 * 30)
    half = price(cal, primary, records(), backup=backup, backup_allowance=0.5)
    assert half["allowance"] == pytest.approx(40 * 3 / 18 * 15 + 0.5 * 48 * 3 / 18 * 30)


def test_every_line_earns_the_allowance() -> None:
    """A second line open Saturday 20:00 to Sunday 08:00, held by the coordinator, earns the
    weekend rate (2/18) at the coordinator's wage on top of the first line's allowance."""
    second = schedule([(0, 44, -1, ONCALL), (44, 56, 1, ONCALL), (56, 72, -1, ONCALL)])
    sampled = duties(schedule([(0, 72, 0, ONCALL)]), None, second)
    (year, a, b), = year_windows(FRI_SAT_SUN, 0.0)
    got = year_costs(records(), region(), sampled, FRI_SAT_SUN, year, a, b)
    assert got["oncall_hours"] == pytest.approx(72 + 12)
    assert got["allowance"] == pytest.approx(120 / 18 * 15 + 12 * 2 / 18 * 30)


def test_a_standby_is_paid_its_own_allowance_held_and_its_call_outs_as_work() -> None:
    """A scale-up standby held by the coordinator Saturday 20:00 to Sunday 08:00 (12 h at the
    weekend rate 2/18, EUR 30 an hour) at standby_allowance 0.25: unused it costs a quarter of a
    line's allowance; used from 22:00 to 23:00 it adds that hour as work (+75% on a Saturday,
    above the night's +50%), and the allowance stays as it was."""
    data = zeeland(standby_allowance=0.25)
    data["regions"]["zeeland"]["scaleup"] = {"when_call_waited_min": 30, "days": ["saturday"], "start_hour": 20,
                                             "end_hour": 32, "people": ["co"]}
    reg = scenario_mod.parse(data, "test.toml").regions["zeeland"]
    standby = schedule([(0, 44, -1, ONCALL), (44, 56, 1, ONCALL), (56, 72, -1, ONCALL)])
    sampled = duties(schedule([(0, 72, 0, ONCALL)]), None, standby)
    (year, a, b), = year_windows(FRI_SAT_SUN, 0.0)
    unused = year_costs(records(), reg, sampled, FRI_SAT_SUN, year, a, b)
    assert unused["oncall_hours"] == pytest.approx(72 + 12)
    assert unused["allowance"] == pytest.approx(120 / 18 * 15 + 0.25 * 12 * 2 / 18 * 30)
    assert unused["callout_work"] == 0.0
    used = year_costs(records(eng=[(1, 46, 47)]), reg, sampled, FRI_SAT_SUN, year, a, b)
    assert used["allowance"] == pytest.approx(unused["allowance"])
    assert used["callout_work"] == pytest.approx(1.75 * 30)
    assert used["total"] - unused["total"] == pytest.approx(1.75 * 30)
    full = year_costs(records(), region(), sampled, FRI_SAT_SUN, year, a, b)  # no policy: a line's full rate
    assert full["allowance"] == pytest.approx(120 / 18 * 15 + 12 * 2 / 18 * 30)


def test_gaps_and_outside_lines_earn_no_allowance() -> None:
    """Hours held by nobody (-1) or by an outside line (index past the region's people) cost nothing fixed."""
    got = price(FRI_SAT_SUN, schedule([(0, 24, -1, ONCALL), (24, 48, 2, ONCALL), (48, 72, 0, ONCALL)]), records())
    assert got["oncall_hours"] == pytest.approx(24)
    assert got["allowance"] == pytest.approx(48 / 18 * 15)


def test_callouts_earn_the_highest_surcharge_and_at_least_the_minimum() -> None:
    """Friday 21-23 h: 1 h at +25% and 1 h at +50% (night from 22); Saturday 02-03 h: +75% (Saturday
    beats night); Saturday 10:00 for 15 min: paid 30 min at +75%; Sunday 12-13 h by an outside line:
    +100% at the casemanager wage (external rate 1)."""
    rec = records(eng=[(0, 21, 23), (0, 26, 27), (0, 34, 34.25), (2, 60, 61)])
    got = price(FRI_SAT_SUN, schedule([(0, 72, 0, ONCALL)]), rec)
    paid = (1.25 + 1.5) + 1.75 + 0.5 * 1.75 + 2.0
    assert got["callout_hours"] == pytest.approx(2 + 1 + 0.5 + 1)
    assert got["callout_work"] == pytest.approx(paid * 15)
    cheap = price(FRI_SAT_SUN, schedule([(0, 72, 0, ONCALL)]), rec, external_callout_rate=0.0)
    assert cheap["callout_work"] == pytest.approx((paid - 2.0) * 15)


def test_contracts_coordination_training_and_totals() -> None:
    """cm1's 8 h a week for 3 days are salary, used or not: 8 x 3/7 h at EUR 15; the coordinator's
    14 h a week is 6 h at EUR 30; 365 training and network hours a year for 3 of 365 days is 3 h.
    Friday's share of cm1's contract is 1.6 h: the call-out 09-10 takes 1 h of it (paid by the
    contract, only its +25% on top), the 1.5 h contact at 11 h then overruns the 0.6 h left by
    0.9 h (paid on top); the call-out 21-23 h is outside the contract and paid in full."""
    rec = records(eng=[(0, 21, 23), (0, 9, 10)], tasks=[(0, 11, 1.5), (0, NAN, 1.0)], acute=[20.5],
                  non_acute=[8, 30, 80])
    got = price(FRI_SAT_SUN, schedule([(0, 72, 0, ONCALL)]), rec)
    assert got["contract_hours"] == pytest.approx(8 * 3 / 7)
    assert got["contracts"] == pytest.approx(8 * 3 / 7 * 15)
    assert got["coordination"] == pytest.approx(6 * 30)
    assert got["training_network"] == pytest.approx(3 * 15)
    assert got["fixed"] == pytest.approx(got["allowance"] + 8 * 3 / 7 * 15 + 180 + 45)
    assert got["callout_work"] == pytest.approx((1.25 + 1.5) * 15 + 0.25 * 15)
    assert got["office_work"] == pytest.approx(0.9 * 15)
    assert got["variable"] == pytest.approx(got["callout_work"] + got["office_work"])
    assert got["total"] == pytest.approx(got["fixed"] + got["variable"])
    assert got["reports"] == 3  # the non-acute report at hour 80 is past the 3 days
    assert got["cost_per_case"] == pytest.approx(got["total"] / 3)
    assert list(got) == list(COST_METRICS)


def test_the_coordinators_office_contacts_are_priced_once() -> None:
    """Issue 18 item 7: the coordinator's contacts within their contracted hours are paid by the
    coordination (their contract), not again as office work; only a day's overrun is added."""
    base = price(FRI_SAT_SUN, schedule([(0, 72, 0, ONCALL)]), records())
    within = price(FRI_SAT_SUN, schedule([(0, 72, 0, ONCALL)]), records(tasks=[(1, 12, 2.0)]))
    over = price(FRI_SAT_SUN, schedule([(0, 72, 0, ONCALL)]), records(tasks=[(1, 12, 2.0), (1, 14, 1.0)]))
    assert within["office_hours"] == 2.0
    assert within["total"] == pytest.approx(base["total"])
    assert over["office_work"] == pytest.approx((3.0 - 14 / 5) * 30)


def test_years_are_priced_apart_at_their_own_wage() -> None:
    """A period over New Year is cut at midnight; 2025 wages are 10% above 2024's."""
    cal = Calendar(date(2024, 12, 31), 2)
    assert year_windows(cal, 0.0) == [(2024, 0.0, 24.0), (2025, 24.0, 48.0)]
    assert year_windows(cal, 30.0) == [(2025, 30.0, 48.0)]
    reg = region(price_year=2024, wage_growth_per_year=0.1)
    assert reg.costs.hourly_wage_cost("casemanager", 2025) == pytest.approx(16.5)
    sampled = duties(schedule([(0, 48, 0, ONCALL)]))
    y24 = year_costs(records(), reg, sampled, cal, 2024, 0.0, 24.0)
    y25 = year_costs(records(), reg, sampled, cal, 2025, 24.0, 48.0)
    assert y24["allowance"] == pytest.approx(24 / 18 * 15)  # Tuesday 31 Dec 2024: weekday
    assert y25["allowance"] == pytest.approx(24 * 3 / 18 * 16.5)  # New Year's Day: holiday


def test_region_overrides_and_provenance() -> None:
    """[regions.ID.costs] replaces a rate for that region only and is named in the provenance."""
    data, digest = scenario_mod.read(ROOT / "models" / "three-regions.toml")
    data["regions"]["rotterdam"]["costs"] = {"scheme": {"value": "sociaal_werk", "assumption": "employer under CAO SW"}}
    sc = scenario_mod.parse(data, "three.toml", digest)
    assert sc.regions["rotterdam"].costs.scheme.name == "sociaal_werk"
    assert sc.regions["zeeland"].costs.scheme.name == "gehandicaptenzorg"
    assert sc.provenance["regions.rotterdam.costs.scheme"] == "assumption: employer under CAO SW"
    assert "regions.zeeland.costs.scheme" not in sc.provenance
    assert sc.provenance["costs.casemanager_monthly_salary"].startswith("source:")


def test_every_shipped_cost_value_has_a_source_or_assumption() -> None:
    """Every rate in the shipped models' [costs] names its source or says it is an assumption."""
    for path in sorted((ROOT / "models").glob("*.toml")):
        data, _ = scenario_mod.read(path)
        prov = scenario_mod.parse(data, str(path)).provenance
        costs = {k: v for k, v in data["costs"].items() if k != "schemes"}
        for key in costs:
            assert f"costs.{key}" in prov, (path.name, key)
        for name, scheme in data["costs"]["schemes"].items():
            for key in scheme:
                if key != "label":
                    assert f"costs.schemes.{name}.{key}" in prov, (path.name, name, key)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["costs"].update(scheme="cao_x"), "costs.scheme = 'cao_x' is not allowed; allowed: gehandicaptenzorg, sociaal_werk"),
    (lambda d: d["costs"].update(employer_costs=-0.1), "costs.employer_costs = -0.1 is not allowed"),
    (lambda d: d["costs"].update(standby_allowance="half"), "costs.standby_allowance = 'half' is not allowed; "
                                                            "expected a number"),
    (lambda d: d["costs"].update(salary=3000), "costs.salary is not a known key"),
    (lambda d: d["costs"]["schemes"]["gehandicaptenzorg"]["allowance_hours"]["value"].pop("holiday"),
     "costs.schemes.gehandicaptenzorg.allowance_hours.holiday is missing"),
    (lambda d: d["costs"].update(schemes={}), "costs.schemes is missing or empty"),
    (lambda d: d["regions"]["zeeland"].update(costs={"hours_per_month": 0}),
     "regions.zeeland.costs.hours_per_month = 0 is not allowed"),
    (lambda d: d["regions"]["zeeland"].update(costs={"schemes": {}}), "regions.zeeland.costs = "),
    (lambda d: (d.pop("costs"), d["regions"]["zeeland"].update(costs={"employer_costs": 0.2})),
     "needs a top-level [costs] table"),
])
def test_bad_cost_values_name_the_key_and_what_is_allowed(change, message) -> None:
    """Every bad [costs] value is a ScenarioError naming the file, the key and what is allowed."""
    data = zeeland()
    change(data)
    with pytest.raises(ScenarioError, match="^test.toml: ") as err:
        scenario_mod.parse(data, "test.toml")
    assert message in str(err.value)


def test_a_scenario_without_costs_runs_and_has_no_cost_table() -> None:
    """[costs] is optional: without it a run has no cost figures instead of invented ones."""
    from csgsim.runtime import replications as reps

    data = zeeland()
    del data["costs"]
    res = reps.run(scenario_mod.parse(data, "no-costs.toml"), replications=1, workers=1)
    assert res.cost_long is None and res.cost_summary() is None


def test_national_costs_are_the_sum_of_the_regions() -> None:
    """Per replication the national total and reports are the regions' sums, the per-case figure
    the ratio of those sums; fixed + variable = total in every region."""
    from csgsim.runtime import replications as reps

    sc = scenario_mod.load(ROOT / "models" / "three-regions.toml")
    res = reps.run(sc, replications=2, seed=3, workers=1)
    wide = res.cost_long.pivot_table(index=["rep", "region"], columns="metric", values="value")
    assert np.allclose(wide["fixed"] + wide["variable"], wide["total"])
    from csgsim.runtime.replications import with_national

    nat = with_national(res.cost_long)
    nat = nat[nat["region"] == "national"].pivot_table(index="rep", columns="metric", values="value")
    sums = wide.groupby(level="rep").sum()
    assert np.allclose(nat["total"], sums["total"])
    assert np.allclose(nat["cost_per_case"], sums["total"] / sums["reports"])
    assert (nat["days"] == 365).all()


def test_costs_command_prices_2019_checks_the_band_and_prices_one_more_casemanager(tmp_path: Path) -> None:
    """`csgsim costs --year 2019 --marginal` on Zeeland: JSON with the cost summary of 2019, the
    budget check against EUR 116k-552k, and paired differences in which one more casemanager
    costs its training and network hours at least and cuts the duties per person."""
    import json

    from typer.testing import CliRunner

    from csgsim.ui.cli import app

    out = CliRunner().invoke(app, ["costs", "-s", str(ROOT / "models" / "zeeland.toml"), "--year", "2019", "-n", "3",
                                   "--marginal", "--workers", "1", "-f", "json"])
    assert out.exit_code == 0, out.output
    got = json.loads(out.stdout)
    assert {r["year"] for r in got["costs"]} == {2019}
    (check,) = got["budget_check"]
    assert (check["low"], check["high"], check["year"]) == (116000, 552000, 2019)
    assert check["status"] == ("below" if check["total"] < 116000 else "above" if check["total"] > 552000 else "inside")
    diff = {(d["region"], d["metric"]): d for d in got["marginal"]}
    reg = scenario_mod.load(ROOT / "models" / "zeeland.toml").regions["zeeland"]
    c = reg.costs
    training = (c.training_hours_per_year + c.network_hours_per_year) * c.hourly_wage_cost("casemanager", 2019)
    contract = reg.people[reg.casemanagers - 1].hours_per_week * 365 / 7 * c.hourly_wage_cost("casemanager", 2019)
    assert diff[("zeeland", "duties_per_4w")]["diff_mean"] < 0
    assert diff[("zeeland", "cost_total")]["unit"] == "EUR"
    assert diff[("zeeland", "cost_contracts")]["diff_mean"] == pytest.approx(contract)  # the added person's contract
    rest = diff[("zeeland", "cost_total")]["diff_mean"] - contract - training
    assert abs(rest) < 5000  # allowance and call-outs move a little: the same duties and calls, spread wider


def test_the_2019_budget_check_prices_the_contracted_hours_of_a_hand_computed_region() -> None:
    """Zeeland in 2019 with round rates (EUR 15 an hour, coordinator 30): the check's total holds
    the contracts, 8 h a week for 365 days at EUR 15 = 6,257, and the coordinator's 14 h a week =
    21,900, like a budget that pays them whether casework uses them or not."""
    from csgsim.runtime.replications import run
    from csgsim.studies import capacity

    data = zeeland()
    data["scenario"].update({"start": date(2019, 1, 1), "days": 365})
    res = run(scenario_mod.parse(data, "zeeland-2019.toml"), 2, 3, workers=1)
    (row,) = capacity.budget_check(res).to_dict("records")
    assert row["contracts"] == pytest.approx(8 * 365 / 7 * 15)
    assert row["coordination"] == pytest.approx(14 * 365 / 7 * 30)
    assert row["contract_hours"] == pytest.approx(8 * 365 / 7)
    assert row["fixed"] >= row["contracts"] + row["coordination"]
    assert row["total"] == pytest.approx(row["fixed"] + row["variable"])
    assert row["with_idle"] == row["total"]  # the unused contract is inside the total, not added again
    assert 0 <= row["idle_contract_hours"] <= row["contract_hours"]


def test_costs_command_refuses_a_scenario_without_costs(tmp_path: Path) -> None:
    """Without a [costs] table the command says so and exits 2 (no invented prices)."""
    import tomlkit
    from typer.testing import CliRunner

    from csgsim.ui.cli import app

    data = zeeland()
    del data["costs"]
    path = tmp_path / "no-costs.toml"
    path.write_text(tomlkit.dumps(data))
    out = CliRunner().invoke(app, ["costs", "-s", str(path), "-n", "2", "--workers", "1"])
    assert out.exit_code == 2
    assert "has no [costs] table" in out.output


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.floats(0.5, 71.5), min_size=1, max_size=6, unique=True),
       eng=st.lists(st.tuples(st.integers(0, 2), st.floats(0, 70), st.floats(0.01, 9)), max_size=6),
       split=st.floats(0.5, 71.5))
def test_pricing_is_additive_over_any_split_of_the_period(cuts, eng, split) -> None:
    """Costs are exact integrals of hourly rates: pricing [0, 72) equals pricing [0, m) plus [m, 72)
    for any m, whatever the duty blocks and call-outs (a call-out counts where it starts)."""
    bounds = [0.0, *sorted(cuts), 72.0]
    blocks = [(a, b, k % 2, ONCALL) for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))]
    rec = records(eng=[(p, s, s + d) for p, s, d in eng])
    reg = region()
    sampled = duties(schedule(blocks), schedule([(0, 72, 1, ONCALL)]))
    whole = year_costs(rec, reg, sampled, FRI_SAT_SUN, 2025, 0.0, 72.0)
    parts = [year_costs(rec, reg, sampled, FRI_SAT_SUN, 2025, a, b) for a, b in ((0.0, split), (split, 72.0))]
    for m in ("oncall_hours", "backup_hours", "allowance", "coordination", "training_network", "callout_work",
              "callout_hours", "total"):
        assert whole[m] == pytest.approx(parts[0][m] + parts[1][m], rel=1e-9, abs=1e-9), m


def test_another_scheme_changes_only_the_allowance_by_the_ratio_of_its_rates() -> None:
    """Zeeland on the same seeds under CAO Sociaal Werk instead of Gehandicaptenzorg: the schedules
    and call-outs are the same and the shipped surcharges equal, so only the allowance changes,
    by 18/24 on weekdays and weekends and by 2/3 on holidays: a ratio between 2/3 and 3/4."""
    from csgsim.runtime.executors import make_executor
    from csgsim.studies import capacity

    data, digest = scenario_mod.read(ROOT / "models" / "zeeland.toml")
    base = scenario_mod.parse(data, "zeeland.toml", digest)
    with make_executor(1) as backend:
        comp = capacity.compare(base, capacity.with_scheme(data, "zeeland.toml", "sociaal_werk"), "sw", 2, 7, backend)
    d = comp.differences.set_index(["region", "metric"])
    assert d.loc[("zeeland", "cost_total"), "diff_mean"] == pytest.approx(d.loc[("zeeland", "cost_allowance"), "diff_mean"])
    ratio = d.loc[("zeeland", "cost_allowance"), "variant_mean"] / d.loc[("zeeland", "cost_allowance"), "baseline_mean"]
    assert 2 / 3 < ratio < 3 / 4
    assert d.loc[("zeeland", "duties_per_4w"), "diff_mean"] == 0


def test_employer_costs_rescale_exactly_without_a_new_run() -> None:
    """The total at other employer costs, rescaled from a run, equals a run with those employer costs."""
    from csgsim.runtime.replications import run
    from csgsim.studies import capacity

    data, digest = scenario_mod.read(ROOT / "models" / "three-regions.toml")
    res = run(scenario_mod.parse(data, "three.toml", digest), 2, 4, workers=1)
    data["costs"]["employer_costs"] = 0.25
    other = run(scenario_mod.parse(data, "three.toml", digest), 2, 4, workers=1)
    total = other.cost_long[(other.cost_long["metric"] == "total")].groupby("rep")["value"].sum().mean()
    assert capacity.total_with_employer_costs(res, 0.25) == pytest.approx(total, rel=1e-12)


def _office_share_every_callout(reg, cal: Calendar, person, start, end) -> np.ndarray:
    """`costs._office_share` as first written: every call-out looked at, day by day."""
    out, used = [0.0] * start.size, {}
    share = [p.hours_per_week / 5 for p in reg.people]
    opens, closes = reg.duty.office_start_hour, reg.duty.office_end_hour
    for i in np.argsort(start, kind="stable").tolist():
        p = int(person[i])
        if not 0 <= p < len(reg.people):
            continue
        for day in range(int(start[i] // 24), min(int(end[i] // 24), cal.days - 1) + 1):
            if 0 <= day < cal.days and cal.working[day]:
                inside = max(min(end[i], day * 24 + closes) - max(start[i], day * 24 + opens), 0.0)
                take = min(inside, max(share[p] - used.get((p, day), 0.0), 0.0))
                used[p, day] = used.get((p, day), 0.0) + take
                out[i] += take
    return np.array(out)


@settings(max_examples=80, deadline=None)
@given(eng=st.lists(st.tuples(st.integers(-1, 2), st.floats(0, 230), st.floats(0.01, 60)), max_size=12))
def test_office_share_skips_only_call_outs_that_take_no_office_hours(eng) -> None:
    """Looking only at call-outs that reach a working day's office window gives every call-out's
    contracted hours to the last bit, over weekends, a holiday, long call-outs and the horizon."""
    from csgsim.analysis.costs import _office_share

    cal = Calendar(date(2025, 4, 17), 10)  # Thursday; Good Friday, Easter Monday 21 April
    reg = region()
    person = np.array([p for p, _, _ in eng], dtype=np.int64)
    start = np.array([s for _, s, _ in eng], dtype=float)
    end = start + np.array([d for _, _, d in eng], dtype=float)
    got = _office_share(reg, cal, person, start, end)
    assert got.tolist() == _office_share_every_callout(reg, cal, person, start, end).tolist()


@settings(max_examples=60, deadline=None)
@given(calls=st.lists(st.tuples(st.integers(0, 4), st.floats(0, 40 * 24), st.sampled_from([0.0, 0.3, 1.7, 8.0])),
                     max_size=15),
       pairs=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 45)), max_size=15))
def test_covered_hours_are_the_running_sums_per_person_and_day(calls, pairs) -> None:
    """The table of contracted hours call-outs took per (person, day) and its look-up give what a
    dict of running sums did, added in call-out order from 0.0, and 0 where nothing was taken
    (days past the last call-out's included)."""
    from csgsim.analysis.costs import _looked_up, covered_by

    sums: dict[tuple[int, int], float] = {}
    for p, s, c in calls:
        if c > 0:
            sums[p, int(s // 24)] = sums.get((p, int(s // 24)), 0.0) + c
    person, start, covered = (np.array([c[k] for c in calls], dtype=float) for k in range(3))
    table = covered_by(person.astype(np.int64), start, covered)
    asked = pairs + [(p, int(s // 24)) for p, s, _ in calls]  # and every call-out's own day
    asked_person, asked_day = (np.array([q[k] for q in asked], dtype=np.int64) for k in range(2))
    assert _looked_up(table, asked_person, asked_day).tolist() == [sums.get(q, 0.0) for q in asked]


def _overtime_by_loop(reg, owner, start, took, table, wage) -> float:
    """`costs._overtime` as a loop over the contacts: hours per (person, day) in order of first
    appearance, then each pair's hours beyond its share left after call-outs, added up in turn."""
    hours: dict[tuple[int, int], float] = {}
    for p, s, t in zip(owner.tolist(), start.tolist(), took.tolist()):
        hours[p, int(s // 24)] = hours.get((p, int(s // 24)), 0.0) + t
    shares = [p.hours_per_week / 5 for p in reg.people] + [0.0]
    total = 0.0
    for (p, d), h in hours.items():
        used = float(table[p, d]) if p < table.shape[0] and 0 <= d < table.shape[1] else 0.0
        total += max(h - max(shares[p] - used, 0.0), 0.0) * float(wage[p])
    return total


@settings(max_examples=80, deadline=None)
@given(tasks=st.lists(st.tuples(st.integers(0, 2), st.floats(-60, 200), st.floats(0, 3)), max_size=25),
       calls=st.lists(st.tuples(st.integers(0, 1), st.floats(0, 200), st.floats(0, 2)), max_size=6))
def test_overtime_is_the_loop_over_contacts_to_the_last_bit(tasks, calls) -> None:
    """Grouping the contacts per (person, day) in a dense table gives the loop's figure to the
    last bit: same sums per pair, same order of pairs (first appearance), days before 0 too."""
    from csgsim.analysis.costs import _overtime, covered_by

    reg = region()
    wage = np.array([15.0, 30.0, 15.5])
    owner, start, took = (np.array([t[k] for t in tasks], dtype=float) for k in range(3))
    owner = owner.astype(np.int64)
    c_person, c_start, covered = (np.array([c[k] for c in calls], dtype=float) for k in range(3))
    table = covered_by(c_person.astype(np.int64), c_start, covered)
    assert _overtime(reg, owner, start, took, table, wage) == _overtime_by_loop(reg, owner, start, took, table, wage)


def test_the_costs_command_names_the_costs_table_in_its_notes(tmp_path) -> None:
    """The notes name the [costs] table in brackets, as the file writes it: rich took '[costs]' as
    a style tag and printed 'a  budget_check band'. Without the table the command stops at once."""
    import tomlkit
    from typer.testing import CliRunner

    from csgsim.ui.cli import app

    out = CliRunner().invoke(app, ["costs", "-s", "zeeland", "-n", "2", "--workers", "1"])
    assert out.exit_code == 0 and "no region has a [costs] budget_check band" in out.stdout
    data = zeeland()
    del data["costs"]
    path = tmp_path / "no-costs.toml"
    path.write_text(tomlkit.dumps(data))
    bare = CliRunner().invoke(app, ["costs", "-s", str(path), "-n", "2", "--workers", "1"])
    assert bare.exit_code == 2 and "has no [costs] table to price with" in bare.output
