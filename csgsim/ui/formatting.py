"""How every command and the report write a figure: the metric's label, its value with as many
digits as it needs, and its 95% interval, clipped to the values the metric can take (a count, a
delay or an hour total is never negative, a share lies in 0-100%). Every command's tables and
lines and both languages of the report use these (tests/test_formatting.py fails where another ui
module formats a number itself), so one figure reads the same everywhere: the terminal in plain
figures (a point, no thousands sign but in money), the report in its reader's locale (babel's
decimal and thousands signs, month names), rounded the same way.

Differences between two runs are not clipped: they may be negative.
"""

from __future__ import annotations

import math
from typing import Any
from dataclasses import dataclass
from datetime import date

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
LOCALES = {"nl": "nl_NL", "en": "en_GB"}  # the report's languages


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
    """Decimals a figure needs: shares one (as percent), sds of a log three, else two below 10, one
    below 100, none from 100."""
    if unit == "share":
        return 1
    if unit == "log":  # a standard deviation on the log scale: small, and read as a factor
        return 3
    size = abs(value)
    return 0 if size >= 100 else 1 if size >= 10 else 2


def _missing(x: float | None) -> bool:
    return x is None or x != x  # None or NaN, of any float type


@dataclass(frozen=True)
class Numbers:
    """Figures for one reader. `lang=None` is the terminal: a point for decimals, thousands grouped
    only in amounts of money, '-' for a missing figure, and a symmetric interval as `±half`. A
    report language ("nl", "en") takes its locale's signs from babel (installed with
    csgsim[report]), groups thousands, writes amounts in euros and every interval as a range
    `(low – high)`. Both round alike."""

    lang: str | None = None

    @property
    def locale(self) -> str:
        return LOCALES[self.lang] if self.lang else "en"

    @property
    def missing(self) -> str:
        return "\u2013" if self.lang else "-"

    def number(self, x: float | None, places: int = 0, signed: bool = False, grouped: bool = False) -> str:
        """`x` with `places` decimals; signed: a '+' on a figure above zero. One that rounds to 0 has
        no sign ('0.0', not '-0.0'). Thousands are grouped in a report, in the terminal if `grouped`."""
        if _missing(x):
            return self.missing
        text = f"{x:{'+' if signed else ''}{',' if self.lang or grouped else ''}.{places}f}"
        if float(text.replace(",", "")) == 0:
            text = text.lstrip("+-")
        if self.lang:
            from babel.numbers import get_decimal_symbol, get_group_symbol

            point, group = get_decimal_symbol(self.locale), get_group_symbol(self.locale)
            text = "".join(point if c == "." else group if c == "," else c for c in text)
        return text

    def percent(self, share: float | None, places: int = 0, signed: bool = False) -> str:
        """A share as a percentage: 0.473 is '47.3%' (places=1)."""
        return self.missing if _missing(share) else self.number(100 * share, places, signed) + "%"

    def money(self, x: float | None, signed: bool = False) -> str:
        """Whole euros: '€ 81.473' in Dutch, '81,473' in the terminal (whose headings say EUR)."""
        if _missing(x) or not self.lang:
            return self.number(x, 0, signed, grouped=True)
        text = self.number(abs(x), 0)
        sign = "-" if x < 0 and text.strip("0.,") else "+" if signed and x > 0 and text.strip("0.,") else ""
        return f"{sign}\u20ac {text}"

    def day(self, when: date, pattern: str = "long") -> str:
        """A date in the reader's words ('1 januari 2025'); `pattern` a babel date pattern ('MMM yy')."""
        if not self.lang:
            return when.isoformat()
        from babel.dates import format_date

        return format_date(when, format=pattern, locale=self.locale)

    def value(self, x: float | None, unit: str, places: int | None = None, signed: bool = False) -> str:
        """A figure of `unit`, with decimals by `digits`: shares as percentages, euros as whole amounts."""
        if _missing(x):
            return self.missing
        places = digits(x, unit) if places is None else places
        if unit == "share":
            return self.percent(x, places, signed)
        return self.money(x, signed) if unit == "EUR" else self.number(x, places, signed)

    def given(self, x: float | None) -> str:
        """A number as the user or the scenario gave it (a contract's hours, an option, an exact
        count): its shortest form, nothing rounded away below six significant figures."""
        if _missing(x):
            return self.missing
        places = 0 if x == 0 else max(0, 5 - math.floor(math.log10(abs(x))))
        while places and round(x, places - 1) == round(x, places):
            places -= 1
        return self.number(x, places)

    def significant(self, x: float | None, figures: int = 2) -> str:
        """`x` to `figures` significant figures without an exponent (a p-value: '0.034', '0.0000012')."""
        if _missing(x):
            return self.missing
        places = 0 if x == 0 else max(0, figures - 1 - math.floor(math.log10(abs(x))))
        return self.number(x, places)

    def seconds(self, s: float) -> str:
        """Elapsed wall time: tenths of a second below 10 s, whole seconds from there ('0.4 s', '12 s')."""
        return f"{self.number(s, 1 if abs(s) < 10 else 0)} s"

    def band(self, mean: float | None, lo: float | None, hi: float | None, unit: str,
             difference: bool = False) -> str:
        """An interval or a simulated band in a column of its own, beside its figure: 'low to high'
        (a report: 'low \u2013 high') with the figure's decimals, a level's clipped as in `interval`."""
        if _missing(mean) or _missing(lo) or _missing(hi):
            return self.missing
        if not difference:
            lo, hi = clip(lo, hi, unit)
        places = digits(mean, unit)
        low, high = (self.value(v, unit, places, difference) for v in (lo, hi))
        return f"{low} \u2013 {high}" if self.lang else f"{low} to {high}"

    def bounds(self, mean: float, lo: float | None, hi: float | None, unit: str,
               difference: bool = False) -> tuple[str, str] | None:
        """An interval's bounds as shown, with the figure's decimals: a level's clipped to the values
        its unit can take, a difference's signed. None where there is no interval, or it rounds to
        the figure itself."""
        if _missing(mean) or _missing(lo) or _missing(hi):
            return None
        if not difference:
            lo, hi = clip(lo, hi, unit)
        places = digits(mean, unit)
        shown = [self.value(v, unit, places, difference) for v in (mean, lo, hi)]
        return None if shown[1] == shown[2] == shown[0] else (shown[1], shown[2])

    def interval(self, mean: float | None, lo: float | None, hi: float | None, unit: str, as_range: bool = False,
                 difference: bool = False, mark: str = "", suffix: str = "") -> str:
        """`12.3 ±1.5` for a symmetric interval in the terminal, else `12.3 (11.0 to 14.1)` (asked for,
        or made asymmetric by clipping a level to its possible values, here or in the summary); in a
        report always `12,3 (11,0 \u2013 14,1)`. Just the figure when the interval rounds to nothing.
        A difference is signed, not clipped. `suffix` (' min') follows the figure and the interval."""
        if _missing(mean):
            return self.missing
        text = self.value(mean, unit, signed=difference) + suffix
        shown = self.bounds(mean, lo, hi, unit, difference)
        if shown is None:
            return text + mark
        if self.lang:
            return f"{text} ({shown[0]} \u2013 {shown[1]}{suffix}){mark}"
        if not difference:
            lo, hi = clip(lo, hi, unit)
        if as_range or not math.isclose(mean - lo, hi - mean, rel_tol=1e-6, abs_tol=1e-12):
            return f"{text} ({shown[0]} to {shown[1]}{suffix}){mark}"
        half = self.value(max(mean - lo, hi - mean), unit, digits(mean, unit))
        return text + mark if float(half.rstrip("%").replace(",", "")) == 0 else f"{text} \u00b1{half}{suffix}{mark}"


PLAIN = Numbers()  # the terminal's figures


def target_words(target: Any, f: Numbers = PLAIN, name: str | None = None) -> str:
    """A sizing target (`studies.targets.Target`) as words: the metric's `name` (default: its
    label), \u2264 or \u2265, and the bound as the user gave it (a share's 0.975 is 97.5%)."""
    op = {"<=": "\u2264", ">=": "\u2265"}.get(target.op, target.op)
    bound = f.given(100 * target.bound) + "%" if unit_of(target.metric) == "share" else f.given(target.bound)
    return f"{name or label(target.metric)} {op} {bound}"


def value(x: float | None, unit: str, places: int | None = None, signed: bool = False) -> str:
    """A figure for the terminal (shares as percentages); '-' for a missing one."""
    return PLAIN.value(x, unit, places, signed)


def interval(mean: float | None, lo: float | None, hi: float | None, unit: str, as_range: bool = False,
             difference: bool = False, mark: str = "") -> str:
    """A figure and its 95% interval for the terminal (see Numbers.interval)."""
    return PLAIN.interval(mean, lo, hi, unit, as_range, difference, mark)
