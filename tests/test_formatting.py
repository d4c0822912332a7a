"""One number format for every command (csgsim.ui.formatting): intervals of levels clipped to the
values their metric can take, differences signed and unclipped, labels instead of raw ids."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csgsim.analysis.metrics import PERSON_METRICS, REGION_METRICS
from csgsim.ui import formatting
from csgsim.ui.outputs import TABLES

UNITS = sorted({u for u, _ in [*REGION_METRICS.values(), *PERSON_METRICS.values()]})
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def numbers(text: str) -> list[float]:
    return [float(x) for x in NUMBER.findall(text)]


@pytest.mark.parametrize("unit", UNITS)
@given(mean=st.floats(0, 1, allow_nan=False), below=st.floats(0, 5), above=st.floats(0, 5))
def test_a_level_never_prints_an_impossible_bound(unit: str, mean: float, below: float, above: float) -> None:
    """For every unit: a level's interval, however wide, prints no bound below 0 and, for a share,
    none above 100%; a clipped interval prints as a range, not as a +/- that would cross 0."""
    text = formatting.interval(mean, mean - below, mean + above, unit)
    shown = numbers(text)
    assert all(x >= 0 for x in shown), text
    if unit == "share":
        assert all(x <= 100 for x in shown) and text.count("%") == len(shown), text
    if "\u00b1" in text:  # a +/- never reaches below 0 (beyond the last decimal's rounding)
        first = NUMBER.findall(text)[0]
        last_digit = 10.0 ** -(len(first.split(".")[1]) if "." in first else 0)
        assert shown[0] - shown[1] >= -last_digit, text


@given(mean=st.floats(-50, 50, allow_nan=False), half=st.floats(0, 100))
def test_a_difference_is_signed_and_not_clipped(mean: float, half: float) -> None:
    text = formatting.interval(mean, mean - half, mean + half, "count", difference=True)
    if formatting.value(mean, "count") not in ("0", "0.0", "0.00", "-0", "-0.0", "-0.00") and mean > 0:
        assert text.startswith("+"), text
    assert formatting.interval(1.0, -3.0, 5.0, "count", difference=True) == "+1.00 \u00b14.00"


def test_examples_of_the_formats() -> None:
    """The formats a user sees, pinned: shares one decimal, the bound with the figure's decimals,
    an interval that rounds to nothing left out, a clipped one as a range."""
    assert formatting.interval(0.5, 0.4, 0.6, "share") == "50.0% \u00b110.0%"
    assert formatting.interval(4.671, 4.6709, 4.6711, "ratio") == "4.67"
    assert formatting.interval(6.48, -5.02, 17.98, "count") == "6.48 (0.00 to 17.98)"
    assert formatting.interval(0.002, 0.0, 0.006, "share") == "0.2% (0.0% to 0.6%)"
    assert formatting.interval(float("nan"), 0, 1, "count") == "-"


def test_every_region_metric_has_a_label_not_its_id() -> None:
    """run, whatif, experiment and size head their columns with these labels."""
    for metric in REGION_METRICS:
        assert formatting.label(metric) != metric and "_" not in formatting.label(metric), metric
    for _, metrics in TABLES:
        assert all(m in formatting.SHORT for m in metrics)


def test_a_size_target_heading_keeps_the_bound_as_given() -> None:
    """A bound of 6.5 duties is not printed as 6 (it was rounded to whole units)."""
    from csgsim.studies.targets import parse_target
    from csgsim.ui.tables import target_heading

    assert target_heading(parse_target("duties_per_4w<=6.5")).endswith("\u2264 6.5")
    assert target_heading(parse_target("followup_on_time>=0.95")).endswith("\u2265 95%")
