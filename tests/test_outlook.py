"""The outlook per calendar year (csgsim.demand.annual.outlook, `csgsim demand`): bands with input uncertainty,
the chance-only band and the share of the variance due to the inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from csgsim.config import scenario as scenario_mod
from csgsim.demand import annual, uncertainty
from csgsim.ui.cli import app

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "netherlands.toml"


@pytest.fixture(scope="module")
def national() -> scenario_mod.Scenario:
    return scenario_mod.load(MODEL)


def test_outlook_bands_widen_with_the_horizon_and_are_mostly_input_uncertainty(national) -> None:
    """For two regions and their sum, 2026 and 2030 (400 simulated years each): the band holds the central
    expectation, widens from 2026 to 2030, is wider than the chance-only band, and most of its variance is input
    uncertainty; the sum's central value is the sum of the regions'."""
    table = annual.outlook(national, ["zeeland", "utrecht"], "acute", range(2026, 2031, 4), 400, 1)
    assert set(table["region"]) == {"zeeland", "utrecht", "all"}
    for row in table.itertuples():
        assert row.low <= row.central <= row.high
        assert row.high - row.low > row.stoch_high - row.stoch_low
        assert 0.5 < row.input_share <= 1.0
    by = table.set_index(["region", "year"])
    assert by.at[("utrecht", 2030), "high"] - by.at[("utrecht", 2030), "low"] > (
        by.at[("utrecht", 2026), "high"] - by.at[("utrecht", 2026), "low"])
    assert by.at[("all", 2026), "central"] == pytest.approx(
        by.at[("zeeland", 2026), "central"] + by.at[("utrecht", 2026), "central"])


def test_outlook_without_input_uncertainty_is_poisson(national) -> None:
    """With exact inputs the full band is the chance-only band, no variance is input, and the annual count's
    variance equals its mean (Poisson, within 15% at 2,000 years)."""
    exact = uncertainty.without(national)
    table = annual.outlook(exact, ["rotterdam"], "non_acute", range(2027, 2028), 2000, 3).iloc[0]
    assert (table["low"], table["high"]) == (table["stoch_low"], table["stoch_high"])
    assert table["input_share"] == 0.0
    sims = annual.simulate_year(annual.calendar_year(exact, 2027), 2027, 2000, 3)[("rotterdam", "non_acute")]
    assert np.var(sims["full"]) == pytest.approx(sims["central"], rel=0.15)


def test_cli_demand_prints_the_outlook_to_2030_by_default() -> None:
    """`csgsim demand -r zeeland` prints the weekly table and then the outlook for every year from the scenario's
    start to 2030 with the band, the chance-only band and the input share; `-r all` adds the national sum."""
    res = CliRunner().invoke(app, ["demand", "-r", "zeeland", "-n", "50"])
    assert res.exit_code == 0, res.output
    assert "reports per week" in res.stdout and "Outlook: acute reports per calendar year" in res.stdout
    assert all(f"zeeland │ {y}" in res.stdout.replace("  ", " ") or str(y) in res.stdout for y in range(2025, 2031))
    assert "chance only" in res.stdout and "input share" in res.stdout
    res = CliRunner().invoke(app, ["demand", "-r", "all", "-n", "20", "--outlook-to", "2026", "-t", "non_acute"])
    assert res.exit_code == 0, res.output
    assert "all" in res.stdout and "amsterdam-amstelland" in res.stdout and "2030" not in res.stdout
