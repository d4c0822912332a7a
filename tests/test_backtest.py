"""`calibrate --until` and the backtest (csgsim.calibration.backtest, `csgsim backtest`) on synthetic data
with a known break, and bad calibration data (mixed measure, unknown region, year out of range)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from csgsim import calibration as cal
from csgsim.core.errors import CalibrationError
from csgsim.ui.cli import app

REGIONS = [  # id, population (millions)
    ("noord", 1.0), ("oost", 2.0), ("zuid", 1.5), ("west", 0.5),
]
ACUTE_RATE, NON_ACUTE_RATE = 8.0, 10.0  # per 100,000 in 2019
ROLL_OUT = {2016: 0.5, 2017: 0.65, 2018: 0.8, 2019: 1.0}  # national rate relative to 2019
OWN = {"oost": 1.6, "west": 0.7}  # own rate relative to the population share


def _expected(rid: str, kind: str, year: int) -> float:
    pop = dict(REGIONS)[rid] * 1e6
    rate = ACUTE_RATE if kind == "acute" else NON_ACUTE_RATE
    scale = ROLL_OUT.get(year, 1.05 ** (year - 2019))
    return pop / 1e5 * rate * scale * OWN.get(rid, 1.0)


def _write(tmp: Path, break_factor: float = 1.0, extra: list[list[object]] | None = None) -> tuple[Path, Path]:
    """A regions table and a counts file: national 2016-2019 from the known model, own acute counts of oost and
    west in 2019, and totals of noord, oost and zuid in 2020-2021 (times ``break_factor`` from 2020 on)."""
    regions = tmp / "regions.csv"
    with regions.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["id", "name", "staff_prefix", "population", "opened", "uncertain", "school_region",
                    "school_region_source"])
        for i, (rid, pop) in enumerate(REGIONS):
            w.writerow([rid, rid.title(), f"r{i}", int(pop * 1e6), "2015-01-01", "", "middle", "synthetic"])
    rows: list[list[object]] = [["year", "region", "measure", "acute", "non_acute", "total", "source"]]
    for year in ROLL_OUT:
        a = round(sum(_expected(r, "acute", year) for r, _ in REGIONS))
        n = round(sum(_expected(r, "non_acute", year) for r, _ in REGIONS))
        rows.append([year, "national", "reports", a, n, a + n, "synthetic"])
    for rid in OWN:
        rows.append([2019, rid, "reports", round(_expected(rid, "acute", 2019)), "", "", "synthetic"])
    for year in (2020, 2021):
        for rid in ("noord", "oost", "zuid"):
            total = sum(_expected(rid, k, year) for k in ("acute", "non_acute")) * break_factor
            rows.append([year, rid, "reports", "", "", round(total), "synthetic"])
    rows += extra or []
    counts = tmp / "counts.csv"
    with counts.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return counts, regions


def test_until_fits_only_the_data_up_to_that_year(tmp_path: Path) -> None:
    """calibrate(until=2019) gives the same levels as the same file without its 2020-2021 rows; without --until the
    later regional totals move every region's level to 2021, with the growth those totals show (5% here)."""
    counts, regions = _write(tmp_path)
    early = cal.calibrate(counts, regions, until=2019)
    lines = counts.read_text().splitlines()
    trimmed = tmp_path / "trimmed.csv"
    trimmed.write_text("\n".join(line for line in lines if not line.startswith(("2020", "2021"))) + "\n")
    same = cal.calibrate(trimmed, regions)
    pd.testing.assert_frame_equal(early.levels.drop(columns="provenance"), same.levels.drop(columns="provenance"))
    assert set(early.levels["level_year"]) == {2019}
    full = cal.calibrate(counts, regions)
    assert set(full.levels["level_year"]) == {2021}
    assert full.pooling["growth"] == pytest.approx(0.05, abs=0.02)  # the synthetic later counts grow 5% a year


def test_backtest_without_a_break_covers_the_later_figures(tmp_path: Path) -> None:
    """Later figures that follow the known model (5% growth after 2019) all lie inside the backtest's 95% bands,
    and the band's mean is within 10% of each figure."""
    counts, regions = _write(tmp_path)
    table = cal.backtest(counts, 2019, replications=300, regions_path=regions)
    assert len(table) == 6 and set(table["year"]) == {2020, 2021}
    assert table["inside"].all(), table[["data_point", "observed", "sim_low", "sim_high"]]
    assert np.allclose(table["sim_mean"], table["observed"], rtol=0.10)
    assert cal.coverage(table) == {"points": 6, "inside": 6, "below": 0, "above": 0}


def test_backtest_flags_a_known_break_as_above_the_band(tmp_path: Path) -> None:
    """When every region's reports jump 4-fold from 2020 (a break the 2016-2019 data cannot foresee), every later
    figure lies above the band fitted to 2019 - even for the population-share regions, whose bands are wide - and
    `csgsim backtest --until 2019` says so and exits 1."""
    counts, regions = _write(tmp_path, break_factor=4.0)
    table = cal.backtest(counts, 2019, replications=300, regions_path=regions)
    assert (table["side"] == "above").all()
    res = CliRunner().invoke(app, ["backtest", str(counts), "--until", "2019", "--regions", str(regions), "-n", "200"])
    assert res.exit_code == 1, res.output
    assert "0 of 6 compared data points lie inside" in res.stdout and "6 above" in res.stdout


def test_backtest_bands_include_input_uncertainty(tmp_path: Path) -> None:
    """The backtest band is wider than the band of the same simulation with the central inputs, and the share of
    the band's variance due to the inputs is reported between 0 and 1 (a population-share region two years out
    is dominated by input uncertainty)."""
    counts, regions = _write(tmp_path)
    table = cal.backtest(counts, 2019, replications=300, regions_path=regions).set_index("data_point")
    assert ((table["sim_high"] - table["sim_low"]) > (table["stoch_high"] - table["stoch_low"])).all()
    assert table["input_share"].between(0, 1).all()
    assert table.at["2021 noord total", "input_share"] > 0.5


def test_backtest_needs_later_figures_on_the_same_measure(tmp_path: Path) -> None:
    """A backtest with no later 'reports' figure is refused with a clear message (other measures never count)."""
    counts, regions = _write(tmp_path, extra=[[2022, "national", "helped_any_channel", "", "", 15000, "x"]])
    with pytest.raises(CalibrationError, match="no 'reports' figure after 2021"):
        cal.backtest(counts, 2021, regions_path=regions)


@pytest.mark.parametrize(("row", "column", "message"), [
    ([2020, "noord", "reports_and_chats", "", "", 100, "x"], "measure", "Figures on different measures are never mixed"),
    ([2020, "Atlantis", "reports", "", "", 100, "x"], "region", "expected 'national' or a region id or name"),
    ([2031, "noord", "reports", "", "", 100, "x"], "year", "expected a year from 2012"),
    ([2009, "noord", "reports", "", "", 100, "x"], "year", "expected a year from 2012"),
])
def test_bad_calibration_rows_exit_2_naming_the_row(tmp_path: Path, row: list[object], column: str,
                                                    message: str) -> None:
    """A row with an undeclared (mixed) measure, a region unknown to the model, or a year before the first CSG or in
    the future: `csgsim calibrate` and `csgsim backtest` exit 2 with one line naming the file, the row (it is
    the 14th line), the column and what is allowed; no traceback."""
    counts, regions = _write(tmp_path, extra=[row])
    for args in (["calibrate", str(counts)], ["backtest", str(counts), "--until", "2019"]):
        res = CliRunner().invoke(app, [*args, "--regions", str(regions)])
        assert res.exit_code == 2, res.output
        assert f"counts.csv: row 14, column '{column}'" in res.output and message in res.output
        assert "Traceback" not in res.output
