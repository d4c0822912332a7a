"""Calibration of regional demand levels from the public report counts (csgsim.calibration.calibrate)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csgsim import calibration as cal
from csgsim.core.errors import CalibrationError

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
FIGURES = ROOT / "calibration" / "csg_public_figures.csv"
MODEL = ROOT / "models" / "netherlands.toml"
EXAMPLE = ROOT / "models" / "three-regions.toml"


@pytest.fixture(scope="module")
def result() -> cal.CalibrationResult:
    return cal.calibrate(FIGURES)


@pytest.fixture(scope="module")
def regions() -> pd.DataFrame:
    return cal.load_regions()


def _write_rows(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def _figure_rows() -> list[list[str]]:
    with FIGURES.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# ---- input validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "row", "column", "value"),
    [
        ("counts_negative.csv", 4, "non_acute", "-3"),
        ("counts_unknown_region.csv", 3, "region", "Atlantis"),
        ("counts_duplicate.csv", 4, "year,region,measure", "2019,zeeland,reports"),
        ("counts_missing_column.csv", 1, "total", "year,region,measure,acute,non_acute,source"),
        ("counts_bad_year.csv", 3, "year", "2019.5"),
    ],
)
def test_bad_csv_raises_naming_file_row_column_value(name: str, row: int, column: str, value: str) -> None:
    """A bad counts file raises CalibrationError naming the file, the 1-based file row, the column and the bad value."""
    with pytest.raises(CalibrationError) as info:
        cal.load_counts(DATA / name)
    message = str(info.value)
    assert name in message
    assert f"row {row}," in message
    assert f"column '{column}'" in message
    assert repr(value) in message
    assert "not allowed" in message


def test_duplicate_row_message_points_at_first_occurrence() -> None:
    """A duplicate (year, region, measure) names both rows, matching region names case-insensitively."""
    with pytest.raises(CalibrationError, match=r"row 4,.*row 3 has the same key"):
        cal.load_counts(DATA / "counts_duplicate.csv")


@settings(max_examples=40, deadline=None)
@given(
    n_rows=st.integers(min_value=1, max_value=8),
    data=st.data(),
)
def test_negative_count_anywhere_names_its_row_and_column(n_rows: int, data: st.DataObject) -> None:
    """Wherever a negative count sits, the error names exactly that file row and column."""
    ids = list(cal.load_regions()["id"])
    picked = data.draw(st.lists(st.sampled_from(ids), min_size=n_rows, max_size=n_rows, unique=True))
    rows: list[list[object]] = [list(cal.REQUIRED_COLUMNS)]
    for rid in picked:
        acute = data.draw(st.integers(0, 500))
        non_acute = data.draw(st.integers(0, 500))
        rows.append([2019, rid, "reports", acute, non_acute, acute + non_acute, "test"])
    bad = data.draw(st.integers(0, n_rows - 1))
    column = data.draw(st.sampled_from(cal.COUNT_COLUMNS))
    negative = -data.draw(st.integers(1, 10_000))
    rows[bad + 1][cal.REQUIRED_COLUMNS.index(column)] = negative
    with tempfile.TemporaryDirectory() as tmp:
        path = _write_rows(Path(tmp) / "counts.csv", rows)
        with pytest.raises(CalibrationError) as info:
            cal.load_counts(path)
    message = str(info.value)
    assert f"row {bad + 2}," in message
    assert f"column '{column}'" in message
    assert repr(str(negative)) in message


def test_shipped_figures_load_and_normalise_region_names() -> None:
    """The shipped public figures load; region names become the ids of calibration/regions.csv."""
    counts = cal.load_counts(FIGURES)
    assert len(counts) == 25
    assert set(counts["region"]) <= {*cal.load_regions()["id"], "national"}
    assert {"brabant-oost", "amsterdam-amstelland", "groningen-drenthe"} <= set(counts["region"])


def test_regions_table_has_16_regions_covering_the_country(regions: pd.DataFrame) -> None:
    """regions.csv lists 16 CSG regions whose populations add up to the CBS national total (July 2020)."""
    assert len(regions) == 16
    assert regions["id"].is_unique
    assert int(regions["population"].sum()) == 17_425_798


def test_regions_table_rejects_an_unknown_school_region(tmp_path: Path) -> None:
    """A school_region other than north, middle or south names the file, line and column."""
    text = (ROOT / "calibration" / "regions.csv").read_text(encoding="utf-8")
    bad = tmp_path / "regions.csv"
    bad.write_text(text.replace(",south,", ",east,", 1), encoding="utf-8")
    with pytest.raises(CalibrationError, match=r"regions.csv.*school_region.*east.*north, middle, south"):
        cal.load_regions(bad)


# ---- levels -------------------------------------------------------------------------------


def test_levels_add_up_to_the_national_count_of_each_year(result: cal.CalibrationResult) -> None:
    """The fitted levels of each type add up to the national count of every year with one, within 0.5%
    (2018, totals only: the total); the Poisson model's deviance is within its chi-square 95% point."""
    sums = result.year_levels.groupby(["year", "type"])["level"].sum()
    national = result.counts[(result.counts["region"] == "national") & (result.counts["measure"] == "reports")]
    for row in national.itertuples():
        if pd.isna(row.acute):
            assert sums[row.year].sum() == pytest.approx(row.total, rel=0.005)
        else:
            assert sums[(row.year, "acute")] == pytest.approx(row.acute, rel=0.005)
            assert sums[(row.year, "non_acute")] == pytest.approx(row.non_acute, rel=0.005)
    assert result.history.converged
    assert result.history.df == 5 and result.history.deviance < 11.07  # chi-square(5) 95% point


def test_regions_with_own_counts_are_fitted_and_others_are_population_share_estimates(
        result: cal.CalibrationResult) -> None:
    """A region with any compared count of its own (any year) gets its own effect ('fitted'; non-acute 'derived' when
    only acute was published); the eight without one are 'estimate' by population share, with the method text.
    Own-count regions have a far narrower level band (sd of log level) than the population-share estimates."""
    levels = result.levels.set_index(["region", "type"])
    own = {"amsterdam-amstelland", "rotterdam", "brabant-oost", "groningen-drenthe", "twente-achterhoek", "friesland",
           "zeeland", "flevoland"}
    for rid in own:
        assert levels.at[(rid, "acute"), "status"] == "fitted"
        assert levels.at[(rid, "acute"), "provenance"].startswith("fitted: expected acute reports in ")
        assert levels.at[(rid, "acute"), "sd_log"] < 0.25
    assert levels.at[("rotterdam", "non_acute"), "status"] == "derived"
    assert levels.at[("friesland", "non_acute"), "status"] == "fitted"  # Friesland 2018 and 2021 published both
    assert levels.at[("zeeland", "non_acute"), "status"] == "fitted"  # Zeeland 2018 published both types
    estimates = result.levels[result.levels["status"] == "estimate"]
    assert set(estimates["region"]) == set(result.regions["id"]) - own
    assert estimates["provenance"].str.contains("no own count: population share").all()
    assert (estimates["sd_log"] > 0.3).all()
    assert (estimates["rate_ratio"] == 1.0).all()


def test_flevoland_uses_its_own_2016_count_instead_of_population_share(result: cal.CalibrationResult) -> None:
    """Flevoland has no 2019 figure but a 2016 one (75 in the 285 days after opening): its own effect fits far better
    than the population share (likelihood-ratio p < 0.001), and its 2016 level reproduces the count."""
    effects = result.history.effects.set_index(["region", "type"])
    assert effects.at[("flevoland", "acute"), "p_value"] < 0.001
    assert effects.at[("flevoland", "acute"), "rate_ratio"] > 1.5
    cells = result.year_levels.set_index(["region", "type", "year"])["level"]
    assert cells[("flevoland", "acute", 2016)] + cells[("flevoland", "non_acute", 2016)] == pytest.approx(75, abs=1)


def test_non_acute_of_acute_only_regions_uses_the_population_share_regions_split(result: cal.CalibrationResult) -> None:
    """A region with only acute counts has the non-acute/acute ratio of the population-share regions in every year."""
    cells = result.year_levels.set_index(["region", "type", "year"])["level"]
    rates = result.history.year_rates.set_index(["year", "type"])["per_100k"]
    for year in (2016, 2017, 2019):
        ratio = rates[(year, "non_acute")] / rates[(year, "acute")]
        assert cells[("rotterdam", "non_acute", year)] == pytest.approx(cells[("rotterdam", "acute", year)] * ratio,
                                                                         abs=0.1)


def test_regional_counts_above_national_raise(tmp_path: Path) -> None:
    """Regional 2019 counts that exceed the national count cannot leave a residual and raise CalibrationError."""
    rows = [list(cal.REQUIRED_COLUMNS), [2019, "national", "reports", 100, 120, 220, "n"],
            [2019, "rotterdam", "reports", 150, "", "", "r"]]
    with pytest.raises(CalibrationError, match="more than the national"):
        cal.calibrate(_write_rows(tmp_path / "c.csv", rows))


# ---- share, split, growth, measure change -------------------------------------------------


def test_totals_only_year_is_split_by_share_fitted_on_years_with_both(result: cal.CalibrationResult) -> None:
    """2018 (total only) is split by the acute share pooled over 2016, 2017 and 2019, and flagged as split.

    The share's quasi-binomial CI, worked out by hand: Pearson dispersion 4.505 over 2 degrees of
    freedom, se = sqrt(4.505 x 0.4387 x 0.5613 / 8717), t(0.975, 2) = 4.303: 0.3901 to 0.4872."""
    assert result.acute_share.years == (2016, 2017, 2019)
    assert result.acute_share.share == pytest.approx((833 + 1103 + 1888) / (1945 + 2624 + 4148))
    assert result.acute_share.dispersion == pytest.approx(4.5047, abs=1e-4)
    assert (result.acute_share.ci_low, result.acute_share.ci_high) == pytest.approx((0.39015, 0.48722), abs=1e-5)
    row = result.national.set_index("year").loc[2018]
    assert bool(row["split"])
    assert row["acute"] == round(3250 * result.acute_share.share)
    assert row["acute"] + row["non_acute"] == 3250


def test_growth_fit_reports_ci_and_roll_out_caveat(result: cal.CalibrationResult) -> None:
    """The national 2016-2019 trend has a 95% CI and is labelled roll-out; the default growth is an assumption."""
    g = result.growth["total"]
    assert g.years == (2016, 2017, 2018, 2019)
    assert g.ci_low < g.rate < g.ci_high
    assert g.rate == pytest.approx((4148 / 1945) ** (1 / 3) - 1, abs=0.02)
    assert any("roll-out" in note for note in result.notes)
    assert result.outlook.rate == 0.05 and "assumption" in result.outlook.reason


def test_other_measure_is_never_mixed_into_levels_or_growth(tmp_path: Path, result: cal.CalibrationResult) -> None:
    """helped_any_channel rows (any year, any size, national or regional) change no level and no growth fit."""
    rows = _figure_rows()
    header, body = rows[0], rows[1:]
    measure = header.index("measure")
    without = [r for r in body if r[measure] != "helped_any_channel"]
    extra = [["2019", "national", "helped_any_channel", "", "", "99999", "x"],
             ["2019", "zeeland", "helped_any_channel", "5000", "", "", "x"],
             ["2018", "national", "helped_any_channel", "", "", "77777", "x"]]
    for variant in (without, body + extra):
        other = cal.calibrate(_write_rows(tmp_path / "variant.csv", [header, *variant]))
        pd.testing.assert_frame_equal(other.levels.drop(columns="provenance"), result.levels.drop(columns="provenance"))
        assert other.growth == result.growth
        assert other.acute_share == result.acute_share
    ratios = result.other_measures.set_index("year")["ratio_to_reports"]
    assert ratios[2022] == pytest.approx(15000 / 4148)
    assert not result.other_measures["used"].any()


# ---- proration and data-versus-model --------------------------------------------------------


def test_partial_first_year_is_prorated_by_opening_date(result: cal.CalibrationResult) -> None:
    """Brabant-Oost opened 3 Apr 2017: its 2017 level is the whole-calendar-year expectation, its full-year rate
    x 273/365, and 0 before; the region effect is the same in every year (level / (open share x year rate))."""
    assert cal.fraction_open(dt.date(2017, 4, 3), 2017) == pytest.approx(273 / 365)
    assert cal.fraction_open(dt.date(2017, 4, 3), 2016) == 0.0
    assert cal.fraction_open(dt.date(2017, 4, 3), 2018) == 1.0
    cells = result.history.cells.set_index(["region", "type", "year"])
    rates = result.history.year_rates.set_index(["year", "type"])["per_100k"]
    assert cells.at[("brabant-oost", "acute", 2017), "fraction_open"] == pytest.approx(273 / 365)
    assert cells.at[("brabant-oost", "acute", 2016), "expected"] == 0.0
    for rid, t in (("brabant-oost", "acute"), ("flevoland", "non_acute"), ("utrecht", "acute")):
        effect = [cells.at[(rid, t, y), "expected"] / (cells.at[(rid, t, y), "fraction_open"] * rates[(y, t)])
                  for y in result.history.years if cells.at[(rid, t, y), "fraction_open"] > 0]
        assert np.allclose(effect, effect[0])
    text = result.year_levels.set_index(["region", "type", "year"]).at[("brabant-oost", "acute", 2017), "provenance"]
    assert "prorated: open 273 of 365 days" in text


@given(day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_fraction_open_counts_the_opening_day(day: dt.date) -> None:
    """In its opening year a centre is open from its opening day to 31 December inclusive."""
    days_in_year = (dt.date(day.year + 1, 1, 1) - dt.date(day.year, 1, 1)).days
    open_days = (dt.date(day.year, 12, 31) - day).days + 1
    assert cal.fraction_open(day, day.year) == pytest.approx(open_days / days_in_year)


@pytest.fixture(scope="module")
def checked() -> pd.DataFrame:
    return cal.check(FIGURES, MODEL, replications=200, seed=cal.CHECK_SEED)


def test_every_compared_data_point_lies_inside_the_simulated_95_interval(checked: pd.DataFrame) -> None:
    """Simulating each data year with models/netherlands.toml (200 calendar years, fixed seed) puts every compared
    published count - national, regional, partial first years, each type and total - inside the 2.5-97.5% range."""
    compared = checked[checked["status"].isin(["compared", "later"])]
    assert len(compared) == 37
    assert compared["inside"].all(), compared.loc[~compared["inside"], "data_point"].tolist()
    assert set(compared["year"]) == {2016, 2017, 2018, 2019, 2020, 2021}
    assert {"2016 flevoland total", "2017 brabant-oost acute", "2016 rotterdam acute", "2018 zeeland non-acute",
            "2018 national total"} <= set(compared["data_point"])


def test_excluded_points_are_few_and_give_their_reason(checked: pd.DataFrame) -> None:
    """Only the other measure (2022, 2023) and Amsterdam-Amstelland 2018 (a narrower group) are excluded, each with
    'excluded: <reason>'; they are still simulated, so the table shows how far off they are."""
    excluded = checked[~checked["status"].isin(["compared", "later"])]
    assert sorted(excluded["data_point"]) == ["2018 amsterdam-amstelland total",
                                              "2022 national total (helped_any_channel)",
                                              "2023 national total (helped_any_channel)"]
    assert excluded["status"].str.match(r"excluded: \S.{40,}").all()
    amsterdam = excluded.set_index("data_point").loc["2018 amsterdam-amstelland total"]
    assert "230" in amsterdam["status"] and not amsterdam["inside"]


def test_excluded_point_does_not_move_the_fit(tmp_path: Path, result: cal.CalibrationResult) -> None:
    """Changing the excluded Amsterdam-Amstelland 2018 count changes no level: excluded points are not fitted."""
    rows = _figure_rows()
    for row in rows:
        if row[:3] == ["2018", "Amsterdam-Amstelland", "reports"]:
            row[5] = "900"
    other = cal.calibrate(_write_rows(tmp_path / "c.csv", rows))
    pd.testing.assert_frame_equal(other.year_levels.drop(columns="provenance"),
                                  result.year_levels.drop(columns="provenance"))


def test_check_uses_the_model_files_levels_for_each_calendar_year(checked: pd.DataFrame) -> None:
    """The model's expectation in the table is the file's level for that calendar year: levels.2017 of Brabant-Oost
    (prorated first year), levels.2016 of Flevoland (leap year, both types), levels.2019 of Zeeland."""
    model = tomllib.loads(MODEL.read_text(encoding="utf-8"))["regions"]
    expected = checked.set_index("data_point")["expected"]

    def level(rid: str, t: str, year: int) -> float:
        d = model[rid]["demand"][t]
        return d["levels"][str(year)]["value"] if str(year) in d.get("levels", {}) else d["level"]["value"]

    assert expected["2017 brabant-oost acute"] == pytest.approx(level("brabant-oost", "acute", 2017))
    assert expected["2016 flevoland total"] == pytest.approx(level("flevoland", "acute", 2016)
                                                             + level("flevoland", "non_acute", 2016))
    assert expected["2019 zeeland acute"] == pytest.approx(level("zeeland", "acute", 2019))
    national_2018 = sum(level(r, t, 2018) for r in model for t in ("acute", "non_acute"))
    assert expected["2018 national total"] == pytest.approx(national_2018)


def test_annual_counts_have_the_distribution_of_sample_arrivals() -> None:
    """The check's vectorised annual count (Poisson on weekly sums x gamma week factors) has the mean and variance
    of len(demand.sample_arrivals(...)) for an over-dispersed rate: both samples match the exact moments."""
    from csgsim.demand import intensity as demand

    rate = np.random.default_rng(3).uniform(0.0, 0.02, 8760)
    cv, n = 0.5, 1500
    weekly = np.add.reduceat(rate, np.arange(0, rate.size, 168))
    mean, var = rate.sum(), rate.sum() + cv**2 * np.sum(weekly**2)
    fast = cal.annual_counts(rate, cv, n, np.random.default_rng(1), np.random.default_rng(2))
    slow = np.array([demand.sample_arrivals(rate, cv, lambda k, i=i: np.random.default_rng([10 + i, k]),
                                            np.random.default_rng(9000 + i))[0].size for i in range(n)])
    for sample in (fast, slow):
        assert abs(sample.mean() - mean) < 4 * np.sqrt(var / n)
        assert 0.85 < sample.var() / var < 1.15


def test_check_needs_every_region_of_the_data_in_the_model() -> None:
    """Checking a model that lacks a region with a data point raises CalibrationError naming the region and the row."""
    with pytest.raises(CalibrationError, match=r"no region 'amsterdam-amstelland'.*row 11"):
        cal.check(FIGURES, EXAMPLE, replications=5)


# ---- interrupted time series ---------------------------------------------------------------


def _synthetic(seed: int, effect: float, alpha: float = 0.0, n: int = 156,
               start: int = 104) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    mu = 20.0 * np.exp(0.002 * t) * np.where(t >= start, 1.0 + effect, 1.0)
    lam = rng.gamma(1.0 / alpha, alpha * mu) if alpha > 0 else mu
    return rng.poisson(lam), t


@pytest.mark.parametrize(("family", "alpha"), [("poisson", 0.0), ("negbin", 0.15)])
def test_event_effect_recovers_known_step(family: str, alpha: float) -> None:
    """A +30% step in synthetic weekly counts (fixed seed) lies inside the fitted 95% CI, for poisson and negbin."""
    y, t = _synthetic(20250101, 0.30, alpha)
    fit = cal.fit_event_effect(y, t, 104, kind="step", family=family)
    assert fit["ci_low"] < 0.30 < fit["ci_high"]
    assert fit["p_value"] < 0.01
    assert fit["converged"]
    if family == "negbin":
        assert 0.05 < fit["dispersion"] < 0.3


def test_event_effect_poisson_ci_has_nominal_coverage() -> None:
    """Over 100 fixed seeds the poisson 95% CI of a +20% step covers the truth in at least 90 of them."""
    hits = 0
    for seed in range(100):
        y, t = _synthetic(seed, 0.20)
        fit = cal.fit_event_effect(y, t, 104)
        hits += fit["ci_low"] < 0.20 < fit["ci_high"]
    assert hits >= 90


def test_event_effect_pulse_dates_and_exposure() -> None:
    """A one-week pulse on dated weeks, with an exposure offset, is recovered; the trend is then per year."""
    rng = np.random.default_rng(7)
    dates = pd.date_range("2021-01-04", periods=104, freq="W-MON")
    exposure = np.where(np.arange(104) % 2 == 0, 1.0, 2.0)
    mu = 30.0 * exposure * np.where(dates == pd.Timestamp("2022-01-24"), 5.0, 1.0)
    fit = cal.fit_event_effect(rng.poisson(mu), dates, "2022-01-20", kind="pulse", exposure=exposure)
    assert fit["time_unit"] == "year"
    assert fit["ci_low"] < 4.0 < fit["ci_high"]
    assert abs(fit["trend"]) < 0.1


def test_event_effect_rejects_event_outside_the_series() -> None:
    """An event before the first or after the last observation cannot be estimated and raises CalibrationError."""
    y, t = _synthetic(1, 0.2)
    with pytest.raises(CalibrationError):
        cal.fit_event_effect(y, t, 500)


# ---- generated scenario --------------------------------------------------------------------


def _keys(node: object) -> object:
    return {k: _keys(v) for k, v in node.items()} if isinstance(node, dict) else None


def test_netherlands_toml_has_16_regions_with_provenance(regions: pd.DataFrame) -> None:
    """models/netherlands.toml parses, has the 16 regions, and every level - the forecast level and each fitted year
    before its level year - carries a source (fitted to the region's own counts) or an assumption (derived,
    estimated, not yet open); the regions' 2019 values add up to the 2019 national reports within 2%."""
    model = tomllib.loads(MODEL.read_text(encoding="utf-8"))
    assert list(model["regions"]) == list(regions["id"])
    totals = {"acute": 0.0, "non_acute": 0.0}
    for region in model["regions"].values():
        for t in totals:
            demand = region["demand"][t]
            year = demand.get("level_year", 2019)
            assert set(demand["levels"]) == {str(y) for y in range(2016, min(year, 2020))}
            for entry in (demand["level"], *demand["levels"].values()):
                assert isinstance(entry["value"], float) and entry["value"] >= 0
                assert len({"source", "assumption"} & set(entry)) == 1
                assert (entry.get("source") or entry.get("assumption")).strip()
            totals[t] += demand["levels"]["2019"]["value"] if year > 2019 else demand["level"]["value"]
        n = len(region["staff"]["casemanagers"])
        acute = region["demand"]["acute"]["level"]["value"]
        assert n == (5 if acute < 80 else 6 if acute < 180 else 7)
        assert region["staff"]["coordinator"]["id"].endswith("-coord")
        school = region["leave"]["school_region"]
        assert school["value"] in ("north", "middle", "south") and "rijksoverheid" in school["source"]
    assert totals["acute"] + totals["non_acute"] == pytest.approx(4148, rel=0.02)
    assert totals["acute"] == pytest.approx(1888, rel=0.03)
    wmb = model["regions"]["west-midden-brabant"]["demand"]["acute"]["levels"]
    assert wmb["2017"]["value"] == 0.0 and wmb["2017"]["assumption"].startswith("0: not open in 2017")
    office = [rid for rid, r in model["regions"].items() if r.get("duty", {}).get("pattern") == "office_plus_oncall"]
    assert sorted(office) == ["amsterdam-amstelland", "brabant-oost", "rotterdam"]
    assert model["scenario"]["start"] == dt.date(2025, 1, 1)
    sc = model["scenario"]
    assert (sc["days"], sc["replications"], sc["seed"]) == (365, 100, 20250101)


def test_netherlands_toml_copies_the_example_structure() -> None:
    """Scenario, norms, profiles and defaults have exactly the keys of models/three-regions.toml, plus the spread of
    growth in [defaults.uncertainty]."""
    model = tomllib.loads(MODEL.read_text(encoding="utf-8"))
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert set(model["defaults"].pop("uncertainty")) == {"growth_sd_national", "growth_sd_region"}
    for section in ("scenario", "norms", "profiles", "defaults"):
        assert _keys(model[section]) == _keys(example[section])


def test_netherlands_toml_is_reproducible(result: cal.CalibrationResult) -> None:
    """Regenerating from the shipped CSV gives the committed models/netherlands.toml byte for byte."""
    text = cal.write_model(result, source_label="calibration/csg_public_figures.csv")
    assert text == MODEL.read_text(encoding="utf-8")


def test_netherlands_toml_loads_with_the_scenario_loader(result: cal.CalibrationResult) -> None:
    """The generated scenario passes csgsim's own scenario validation; explicit levels cover 2016-2018, the forecast
    level in 2021 (moved from 2019 with the growth the later counts show) and 5% growth the years after; the
    level's input uncertainty is in [regions.*.uncertainty]."""
    from csgsim.config import scenario

    loaded = scenario.load(MODEL)
    assert len(loaded.regions) == 16
    zeeland = loaded.regions["zeeland"].acute
    levels = result.year_levels.set_index(["region", "type", "year"])["level"]
    assert zeeland.level == result.levels.set_index(["region", "type"]).at[("zeeland", "acute"), "level"]
    assert zeeland.level_year == 2021 and loaded.regions["zeeland"].uncertainty.level_sd_log > 0
    assert zeeland.level == pytest.approx(levels[("zeeland", "acute", 2019)] * (1 + result.pooling["growth"]) ** 2,
                                          rel=0.2)
    assert zeeland.annual_level(2016) == 0.0
    assert zeeland.annual_level(2018) == levels[("zeeland", "acute", 2018)]
    assert zeeland.annual_level(2023) == pytest.approx(zeeland.level * 1.05**2)
    assert loaded.regions["noord-holland"].note.startswith("uncertain:")
    assert sum(r.acute.annual_level(2019) for r in loaded.regions.values()) == pytest.approx(1888, rel=0.03)


def test_shipped_calibration_data_are_found_by_resources(result: cal.CalibrationResult) -> None:
    """The default regions table comes from resources.calibration_dir() (calibration/ here, csgsim/data/calibration in
    a wheel), and the levels CSV there is what calibrate writes."""
    from csgsim.core import resources

    assert cal.default_regions_path() == resources.calibration_dir() / "regions.csv"
    assert cal.default_regions_path().is_file()
    shipped = pd.read_csv(resources.calibration_dir() / "calibrated-levels.csv")
    expected = pd.read_csv(io.StringIO(cal.levels_table(result).to_csv(index=False)))
    pd.testing.assert_frame_equal(shipped, expected)


# ---- command line ----------------------------------------------------------------------------


def _cli(*args: object) -> Any:
    from typer.testing import CliRunner

    from csgsim.ui.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_calibrate_writes_a_loadable_model_and_levels(tmp_path: Path) -> None:
    """`csgsim calibrate CSV --out M --levels L` prints the levels table and growth fit, and writes a model that the
    scenario loader accepts (no temporary file left behind) and the levels CSV."""
    from csgsim.config import scenario

    out, levels = tmp_path / "nl.toml", tmp_path / "levels.csv"
    res = _cli("calibrate", FIGURES, "--out", out, "--levels", levels)
    assert res.exit_code == 0, res.output
    assert "Calibrated levels" in res.stdout and "flevoland" in res.stdout and "grew" in res.stdout
    assert len(scenario.load(out).regions) == 16
    assert out.read_text(encoding="utf-8") == MODEL.read_text(encoding="utf-8").replace(
        "csgsim calibrate calibration/csg_public_figures.csv", f"csgsim calibrate {FIGURES.as_posix()}")
    assert len(pd.read_csv(levels)) == 32
    assert sorted(p.name for p in tmp_path.iterdir()) == ["levels.csv", "nl.toml"]


def test_cli_calibrate_check_prints_data_vs_model() -> None:
    """`--check` simulates every data year and prints each data point, observed vs simulated, with its status and
    how many compared points lie inside; exit 0 when all do."""
    res = _cli("calibrate", FIGURES, "--check", "-n", 100)
    assert res.exit_code == 0, res.output
    assert "Data vs model" in res.stdout
    assert "2016 flevoland total" in res.stdout and "excluded: measure" in res.stdout
    assert "37 of 37 compared data points lie inside" in res.stdout


def test_cli_check_model_exits_1_when_a_point_falls_outside(tmp_path: Path) -> None:
    """`--check-model` compares the data with an existing model; a count far from it is marked NO and exits 1."""
    rows = _figure_rows()
    for row in rows:
        if row[:3] == ["2019", "Zeeland", "reports"]:
            row[3] = "400"
    res = _cli("calibrate", _write_rows(tmp_path / "c.csv", rows), "--check-model", MODEL, "-n", 50)
    assert res.exit_code == 1, res.output
    assert "NO (above)" in res.stdout and "36 of 37 compared" in res.stdout


@pytest.mark.parametrize(("name", "row"), [("counts_negative.csv", 4), ("counts_unknown_region.csv", 3)])
def test_cli_calibrate_bad_csv_exits_2_naming_the_row(name: str, row: int) -> None:
    """A bad counts file ends in one error line naming the file and row, exit code 2, no traceback."""
    res = _cli("calibrate", DATA / name, "--check")
    assert res.exit_code == 2
    assert f"{name}: row {row}," in res.output and "Traceback" not in res.output


def test_netherlands_toml_carries_the_zedenwet_with_its_range() -> None:
    """The shipped model has the events of calibration/events.toml: the Zedenwet from 1 Jul 2024 as a lasting
    level change of +16% (police reports), drawn per replication between 0 and +53% (CSG Groningen 2025), each
    value with its source or assumption."""
    from csgsim.config import scenario

    loaded = scenario.load(MODEL)
    (event,) = loaded.events
    assert (event.kind, event.start, event.effect) == ("level", dt.date(2024, 7, 1), 0.16)
    assert (event.effect_low, event.effect_high) == (0.0, 0.53)
    assert not event.regions and set(event.types) == {"acute", "non_acute"}
    assert any("effect_high" in key for key in loaded.provenance)


def test_zedenwet_experiment_fixes_the_models_event_instead_of_adding_one() -> None:
    """experiments/zedenwet-2024.toml sets the size of the model's own 'zedenwet' event in each arm (0, 0.16, 0.22,
    0.53, without a range), so no arm counts the law twice."""
    from csgsim.studies import experiments

    exp = experiments.load(ROOT / "experiments" / "zedenwet-2024.toml")
    sizes = {}
    for variant in exp.variants:
        (event,) = [e for e in variant.scenario.events if "zedenwet" in e.name.lower()]
        assert event.effect_low == event.effect_high == event.effect
        sizes[variant.name] = event.effect
    assert sizes == {"baseline": 0.0, "low": 0.16, "central": 0.22, "high": 0.53}
