"""Calibration of regional demand levels from the public report counts (csgsim.calibration)."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csgsim import calibration as cal
from csgsim.errors import CalibrationError

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
    assert len(counts) == 18
    assert set(counts["region"]) <= {*cal.load_regions()["id"], "national"}
    assert {"brabant-oost", "amsterdam-amstelland", "groningen-drenthe"} <= set(counts["region"])


def test_regions_table_has_16_regions_covering_the_country(regions: pd.DataFrame) -> None:
    """regions.csv lists 16 CSG regions whose populations add up to the CBS national total (July 2020)."""
    assert len(regions) == 16
    assert regions["id"].is_unique
    assert int(regions["population"].sum()) == 17_425_798


# ---- levels -------------------------------------------------------------------------------


def test_levels_sum_to_national_2019_per_type(result: cal.CalibrationResult) -> None:
    """Published, derived and estimated 2019 levels of each type add up exactly to the national 2019 count."""
    sums = result.levels.groupby("type")["level_2019"].sum()
    assert sums["acute"] == 1888
    assert sums["non_acute"] == 2260


def test_regions_with_a_figure_keep_it_and_others_are_flagged_estimates(result: cal.CalibrationResult) -> None:
    """Published regional counts are used as is; regions without a 2019 figure are 'estimate' with the method text."""
    acute = result.levels[result.levels["type"] == "acute"].set_index("region")
    for rid, value in {"amsterdam-amstelland": 230, "rotterdam": 249, "brabant-oost": 204,
                       "groningen-drenthe": 111, "twente-achterhoek": 88, "friesland": 65, "zeeland": 40}.items():
        assert acute.at[rid, "level_2019"] == value
        assert acute.at[rid, "status"] == "published"
    estimates = result.levels[result.levels["status"] == "estimate"]
    assert set(estimates["region"]) == {"utrecht", "noord-holland", "haaglanden", "hollands-midden", "gelderland-zuid",
                                        "ijsselland", "flevoland", "west-midden-brabant", "limburg"}
    assert estimates["provenance"].str.startswith("estimate: population share").all()


def test_non_acute_of_acute_only_regions_comes_from_the_2019_acute_share(result: cal.CalibrationResult) -> None:
    """A region with only an acute count gets non-acute = acute x (1 - s) / s with s the national 2019 acute share."""
    non_acute = result.levels[result.levels["type"] == "non_acute"].set_index("region")
    assert non_acute.at["zeeland", "status"] == "derived"
    assert non_acute.at["zeeland", "level_2019"] == round(40 * 2260 / 1888)
    assert non_acute.at["groningen-drenthe", "level_2019"] == 107  # published, not derived


@settings(max_examples=200, deadline=None)
@given(
    residual=st.integers(0, 1_000_000),
    population=st.lists(st.floats(1e3, 1e7), min_size=1, max_size=20),
)
def test_population_allocation_is_whole_and_exact(residual: int, population: list[float]) -> None:
    """Largest-remainder allocation gives whole numbers that sum to the residual, each within 1 of its exact share."""
    out = cal.allocate_by_population(residual, population)
    exact = residual * np.asarray(population) / np.sum(population)
    assert out.sum() == residual
    assert np.all(out >= 0)
    assert np.all(np.abs(out - exact) < 1.0)


def test_regional_counts_above_national_raise(tmp_path: Path) -> None:
    """Regional 2019 counts that exceed the national count cannot leave a residual and raise CalibrationError."""
    rows = [list(cal.REQUIRED_COLUMNS), [2019, "national", "reports", 100, 120, 220, "n"],
            [2019, "rotterdam", "reports", 150, "", "", "r"]]
    with pytest.raises(CalibrationError, match="more than the national"):
        cal.calibrate(_write_rows(tmp_path / "c.csv", rows))


# ---- share, split, growth, measure change -------------------------------------------------


def test_totals_only_year_is_split_by_share_fitted_on_years_with_both(result: cal.CalibrationResult) -> None:
    """2018 (total only) is split by the acute share pooled over 2016, 2017 and 2019, and flagged as split."""
    assert result.acute_share.years == (2016, 2017, 2019)
    assert result.acute_share.share == pytest.approx((833 + 1103 + 1888) / (1945 + 2624 + 4148))
    assert result.acute_share.ci_low < result.acute_share.share < result.acute_share.ci_high
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
    assert result.default_growth == 0.05


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
    """Brabant-Oost opened 3 Apr 2017: its 2017 count covers 273/365 of the year; expected and annualised follow."""
    assert cal.fraction_open(dt.date(2017, 4, 3), 2017) == pytest.approx(273 / 365)
    assert cal.fraction_open(dt.date(2017, 4, 3), 2016) == 0.0
    assert cal.fraction_open(dt.date(2017, 4, 3), 2018) == 1.0
    table = cal.compare(result.counts, result.levels, growth=0.05)
    row = table[(table["region"] == "brabant-oost") & (table["year"] == 2017) & (table["type"] == "acute")].iloc[0]
    assert row["fraction_open"] == pytest.approx(273 / 365)
    assert row["annualised"] == pytest.approx(106 * 365 / 273)
    assert row["expected"] == pytest.approx(204 * 1.05**-2 * 273 / 365)


@given(day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_fraction_open_counts_the_opening_day(day: dt.date) -> None:
    """In its opening year a centre is open from its opening day to 31 December inclusive."""
    days_in_year = (dt.date(day.year + 1, 1, 1) - dt.date(day.year, 1, 1)).days
    open_days = (dt.date(day.year, 12, 31) - day).days + 1
    assert cal.fraction_open(day, day.year) == pytest.approx(open_days / days_in_year)


def test_compare_reproduces_2019_and_leaves_other_measures_unmodelled(result: cal.CalibrationResult) -> None:
    """Data versus model matches every 2019 'reports' figure exactly and gives no expectation for other measures."""
    table = cal.compare(result.counts, result.levels, growth=0.05)
    ref = table[(table["year"] == 2019) & (table["measure"] == "reports")]
    assert np.allclose(ref["ratio"], 1.0)
    assert table.loc[table["measure"] == "helped_any_channel", "expected"].isna().all()
    national = table[(table["region"] == "national") & (table["type"] == "total")].set_index("year")
    national_2017 = national.loc[2017]
    by_region = result.levels.groupby("region").agg(level=("level_2019", "sum"), opened=("opened", "first"))
    open_share = by_region["opened"].map(lambda o: cal.fraction_open(o, 2017))
    assert open_share["west-midden-brabant"] == 0.0
    assert national_2017["expected"] == pytest.approx(1.05**-2 * float((by_region["level"] * open_share).sum()))


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
    """models/netherlands.toml parses, has the 16 regions, and every level carries a source or an assumption."""
    model = tomllib.loads(MODEL.read_text(encoding="utf-8"))
    assert list(model["regions"]) == list(regions["id"])
    totals = {"acute": 0, "non_acute": 0}
    for rid, region in model["regions"].items():
        for t in totals:
            level = region["demand"][t]["level"]
            assert isinstance(level["value"], int) and level["value"] >= 0
            assert len({"source", "assumption"} & set(level)) == 1
            assert (level.get("source") or level.get("assumption")).strip()
            totals[t] += level["value"]
        n = len(region["staff"]["casemanagers"])
        acute = region["demand"]["acute"]["level"]["value"]
        assert n == (5 if acute < 80 else 6 if acute < 180 else 7)
        assert region["staff"]["coordinator"]["id"].endswith("-coord")
    assert totals == {"acute": 1888, "non_acute": 2260}
    office = [rid for rid, r in model["regions"].items() if r.get("duty", {}).get("pattern") == "office_plus_oncall"]
    assert sorted(office) == ["amsterdam-amstelland", "brabant-oost", "rotterdam"]
    assert model["scenario"]["start"] == dt.date(2025, 1, 1)
    sc = model["scenario"]
    assert (sc["days"], sc["replications"], sc["seed"]) == (365, 100, 20250101)


def test_netherlands_toml_copies_the_example_structure() -> None:
    """Scenario, norms, profiles and defaults have exactly the keys of models/three-regions.toml."""
    model = tomllib.loads(MODEL.read_text(encoding="utf-8"))
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    for section in ("scenario", "norms", "profiles", "defaults"):
        assert _keys(model[section]) == _keys(example[section])


def test_netherlands_toml_is_reproducible(result: cal.CalibrationResult) -> None:
    """Regenerating from the shipped CSV gives the committed models/netherlands.toml byte for byte."""
    text = cal.write_model(result, source_label="calibration/csg_public_figures.csv")
    assert text == MODEL.read_text(encoding="utf-8")


def test_netherlands_toml_loads_with_the_scenario_loader() -> None:
    """The generated scenario passes csgsim's own scenario validation, levels and notes intact."""
    from csgsim import scenario

    loaded = scenario.load(MODEL)
    assert len(loaded.regions) == 16
    assert loaded.regions["zeeland"].acute.level == 40
    assert loaded.regions["noord-holland"].note.startswith("uncertain:")
    assert sum(r.acute.level for r in loaded.regions.values()) == 1888
