"""How every command writes a figure: the metric's label, its value with as many digits as it
needs, and its 95% interval, clipped to the values the metric can take (a count, a delay or an
hour total is never negative, a share lies in 0-100%). `run`, `whatif`, `experiment`, `size` and
the report's English page use these, so one figure reads the same everywhere.

Differences between two runs are not clipped: they may be negative.
"""

from __future__ import annotations

import math

from csgsim.analysis.metrics import PERSON_METRICS, REGION_METRICS

#: Short labels of the region metrics, for table headings (the long ones are in `metrics`).
SHORT: dict[str, str] = {
    "acute_reports": "acute/run",
    "non_acute_reports": "non-acute/run",
    "acute_contact_mean": "contact mean min",
    "acute_contact_p50": "contact p50 min",
    "acute_contact_p90": "contact p90 min",
    "acute_contact_p95": "contact p95 min",
    "acute_contact_within_norm": "contact in norm",
    "acute_attendance_mean": "on site mean min",
    "acute_attendance_p50": "on site p50 min",
    "acute_attendance_p90": "on site p90 min",
    "acute_attendance_p95": "on site p95 min",
    "acute_attendance_within_norm": "on site in norm",
    "acute_answered_by_duty": "duty holder",
    "acute_answered_by_backup": "to backup",
    "acute_answered_by_callin": "call-in",
    "acute_answered_by_neighbour": "neighbour",
    "acute_waited": "waited",
    "intake_wait_mean": "intake wait d",
    "intake_wait_p50": "intake p50 d",
    "intake_wait_p90": "wait p90 d",
    "intake_wait_p95": "wait p95 d",
    "intake_within_norm": "intake in norm",
    "followup_on_time": "follow-ups on time",
    "oncall_hours_per_4w": "on-call h /4wk",
    "duties_per_4w": "duties /4wk",
    "callouts_per_duty": "call-outs /duty",
    "night_callouts_per_16w": "nights /16wk",
    "csg_hours_per_week": "CSG h /week",
    "csg_hours_vs_contract": "h / contract",
    "active_caseload": "caseload",
    "absent_share": "absent",
    "extra_duties_per_4w": "taken over /4wk",
    "max_oncall_days_per_4w": "max on-call days /4wk",
    "rule_breaches": "rule breaches",
    "backup_only_hours": "backup-only h",
    "gap_hours": "gap h",
    "acute_in_gap": "acute in gap",
    "callins_per_person_per_4w": "call-ins /person /4wk",
    "heavy_week_share": "weeks 5+",
    "zero_week_share": "weeks with none",
}

#: What a level of each unit can be: (lowest, highest).
RANGES: dict[str, tuple[float, float]] = {"share": (0.0, 1.0)}
NON_NEGATIVE = (0.0, math.inf)


def label(metric: str) -> str:
    """A metric's heading: its short label, else its long one, else the id itself (a cost)."""
    if metric in SHORT:
        return SHORT[metric]
    known = REGION_METRICS.get(metric) or PERSON_METRICS.get(metric)
    return known[1] if known else metric.replace("_", " ")


def unit_of(metric: str) -> str:
    known = REGION_METRICS.get(metric) or PERSON_METRICS.get(metric)
    return known[0] if known else ""


def clip(lo: float, hi: float, unit: str) -> tuple[float, float]:
    """An interval of a level cut to the values of its unit (every unit of csgsim is non-negative;
    shares are at most 1). Not for differences."""
    low, high = RANGES.get(unit, NON_NEGATIVE)
    return max(lo, low), min(hi, high)


def digits(value: float, unit: str) -> int:
    """Decimals a figure needs: shares one (as percent), else three significant figures up to 100."""
    if unit == "share":
        return 1
    size = abs(value)
    return 0 if size >= 100 else 1 if size >= 10 else 2


def value(x: float, unit: str, places: int | None = None, signed: bool = False) -> str:
    """A figure (shares as percentages); '-' for a missing one."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    places = digits(x, unit) if places is None else places
    scaled = 100 * x if unit == "share" else x
    text = f"{scaled:{'+' if signed else ''}.{places}f}"
    if signed and float(text) == 0:
        text = text.lstrip("+-")
    return text + ("%" if unit == "share" else "")


def interval(mean: float, lo: float, hi: float, unit: str, as_range: bool = False, difference: bool = False,
             mark: str = "") -> str:
    """`12.3 ±1.5` (a symmetric interval), or `12.3 (11.0 to 14.1)` for an asymmetric one (asked
    for, or made so by clipping a level to its possible values, here or in the summary); just the
    figure when the interval rounds to nothing. The bounds have the figure's decimals. A difference is signed, not clipped."""
    if mean is None or math.isnan(mean):
        return "-"
    places = digits(mean, unit)
    text = value(mean, unit, places, signed=difference)
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return text + mark
    if not difference:
        lo, hi = clip(lo, hi, unit)
    as_range = as_range or not math.isclose(mean - lo, hi - mean, rel_tol=1e-6, abs_tol=1e-12)
    if as_range:
        low, high = value(lo, unit, places, difference), value(hi, unit, places, difference)
        return text + mark if low == high == text else f"{text} ({low} to {high}){mark}"
    half = value(max(mean - lo, hi - mean), unit, places)
    return text + mark if float(half.rstrip("%")) == 0 else f"{text} \u00b1{half}{mark}"
