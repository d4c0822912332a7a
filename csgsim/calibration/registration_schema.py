"""The export's schema, as two pandera schemas: one on the raw text, one on the parsed values.

Each check carries a name that says what is wrong and what is allowed; pandera's failure cases
(lazy validation: every failure, not the first) become one message per column and check, with
the first few row numbers and a count (`_messages`). docs/registrations.md lists the rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from csgsim.core.errors import CsgsimError

MAX_ROWS = 150_000  # reports in one export: far more than a centre registers in ten years

#: Canonical column -> (English name, Dutch name); headers match case-, space- and dash-blind.
COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("id", "meldingsnummer"),
    "first_call": ("first_call", "eerste_melding"),
    "type": ("type", "soort"),
    "first_contact": ("first_contact", "eerste_contact"),
    "on_site_minutes": ("on_site_minutes", "minuten_ter_plaatse"),
    "forensic_exam": ("forensic_exam", "forensisch_onderzoek"),
    "followup_dates": ("followup_dates", "vervolgcontacten"),
    "region": ("region", "regio"),
}
REQUIRED = ("id", "first_call", "type")
TYPE_WORDS = {"acute": ("acute", "acuut", "a"),
              "non_acute": ("non_acute", "non-acute", "nonacute", "niet_acuut", "niet-acuut", "niet acuut", "na")}
YES = ("yes", "ja", "y", "j", "1", "true", "waar")
NO = ("no", "nee", "n", "0", "false", "onwaar")
#: The allowed dates: YYYY-MM-DD or DD-MM-YYYY, optionally with HH:MM[:SS] (ISO's T allowed).
_TIME = r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?$"
ISO_DATE = r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})" + _TIME
DUTCH_DATE = r"^(?P<day>\d{1,2})-(?P<month>\d{1,2})-(?P<year>\d{4})" + _TIME
FOLLOWUP_SEPARATORS = r"[;,|]"  # dates hold none of these
FIRST_CENTRE_OPENED = date(2012, 1, 1)  # the first CSG (Utrecht) opened in 2012
SHOW_ROWS = 5


class RegistrationError(CsgsimError):
    """An export, or its mapping file, cannot be used; the message names every kind of problem."""


HEADER_ROWS = 2  # data row 0 is row 2 of the file: the header is row 1


def parse_dates(text):
    """Text -> datetimes in the allowed forms (NaT where none fits, the date does not exist, or
    the cell is empty): regular expressions pick the parts, pandas builds the dates in one go."""
    import pandas as pd

    text = text.fillna("").astype(str).str.strip()
    parts = text.str.extract(ISO_DATE)
    dutch = parts["year"].isna()
    if dutch.any():
        parts.loc[dutch] = text[dutch].str.extract(DUTCH_DATE)[parts.columns]
    parts = parts.fillna({"hour": "0", "minute": "0", "second": "0"})
    found = parts["year"].notna()
    clock = parts.loc[found, ["hour", "minute", "second"]].astype(int)
    found[found] = ((clock["hour"] < 24) & (clock["minute"] < 60) & (clock["second"] < 60)).to_numpy()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if found.any():
        out[found] = pd.to_datetime(parts[found].astype(int), errors="coerce")
    return out


def _followups(text):
    """The follow-up column split into one row per date (index repeated), empty parts dropped."""
    parts = text.str.split(FOLLOWUP_SEPARATORS, regex=True).explode().str.strip()
    return parts[parts != ""]


def _type_of(words: dict[str, str]):
    allowed = {w: kind for kind, ws in TYPE_WORDS.items() for w in ws} | words
    return lambda s: s.str.strip().str.lower().str.replace(" ", "_").map(allowed)


def _text_schema(words: dict[str, str]):
    import pandera.pandas as pa

    def dates_ok(s):
        return (s == "") | parse_dates(s).notna()

    def number_ok(s):
        import pandas as pd

        return (s == "") | pd.to_numeric(s.str.replace(",", "."), errors="coerce").notna()

    def followups_ok(s):
        import pandas as pd

        parts = _followups(s)
        bad = parts[parse_dates(parts).isna()].index
        return pd.Series(~s.index.isin(bad), index=s.index)

    def optional(check, name):
        return pa.Column(str, pa.Check(check, name=name), required=False)

    return pa.DataFrameSchema({
        "id": pa.Column(str, pa.Check(lambda s: s != "", name="an empty id")),
        "first_call": pa.Column(str, pa.Check(lambda s: parse_dates(s).notna(),
                                              name="an empty or unparseable date (allowed: YYYY-MM-DD HH:MM, "
                                                   "DD-MM-YYYY HH:MM)")),
        "type": pa.Column(str, pa.Check(lambda s: _type_of(words)(s).notna(),
                                        name="an unknown type (allowed: acute/acuut, non-acute/niet-acuut, or the "
                                             "mapping file's [types])")),
        "first_contact": optional(dates_ok, "an unparseable date (allowed: YYYY-MM-DD HH:MM, DD-MM-YYYY HH:MM)"),
        "on_site_minutes": optional(number_ok, "not a number of minutes"),
        "forensic_exam": optional(lambda s: s.str.lower().isin(("",) + YES + NO),
                                  name="neither yes nor no (allowed: yes/ja/1, no/nee/0, or empty)"),
        "followup_dates": optional(followups_ok, "an unparseable date (allowed: dates separated by ';', ',' or '|')"),
    }, strict=False)


def _parsed_schema(today: date, opened: date):
    import pandas as pd
    import pandera.pandas as pa

    end = pd.Timestamp(today) + pd.Timedelta(days=1)
    start = pd.Timestamp(opened)

    def when(name):
        return [pa.Check(lambda s: s.isna() | (s < end), name=f"a date in the future (after {today})"),
                pa.Check(lambda s: s.isna() | (s >= start), name=f"a date before the centre opened ({opened})")]

    def after_call(col, name, day=False):
        def check(d):
            call = d["first_call"].dt.normalize() if day else d["first_call"]
            return d[col].isna() | (d[col] >= call) if col in d else True
        return pa.Check(check, name=name)

    return pa.DataFrameSchema({
        "id": pa.Column(str, unique=True, report_duplicates="all"),
        "first_call": pa.Column("datetime64[ns]", when("first_call"), nullable=True),
        "first_contact": pa.Column("datetime64[ns]", when("first_contact"), nullable=True, required=False),
        "on_site_minutes": pa.Column(float, pa.Check(lambda s: s.isna() | (s >= 0), name="a negative duration"),
                                     nullable=True, required=False),
        "first_followup": pa.Column("datetime64[ns]", when("followup_dates"), nullable=True, required=False),
        "last_followup": pa.Column("datetime64[ns]", when("followup_dates"), nullable=True, required=False),
    }, checks=[after_call("first_contact", "first_contact|a first contact before the first call"),
               after_call("first_followup", "followup_dates|a follow-up before the first call's day", day=True)], strict=False)


def _rows(index) -> str:
    rows = sorted({int(i) + HEADER_ROWS for i in index})
    shown = ", ".join(str(r) for r in rows[:SHOW_ROWS])
    more = f" and {len(rows) - SHOW_ROWS} more" if len(rows) > SHOW_ROWS else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more} ({len(rows)} in all)"


def _messages(exc, path: str) -> list[str]:
    """One line per kind of problem: the column, what is wrong, which rows."""
    cases = exc.failure_cases
    out = []
    missing = cases[cases["check"] == "column_in_dataframe"]
    if len(missing):
        names = [f"{c} ({' or '.join(COLUMNS[c])})" for c in REQUIRED if c in set(missing["failure_case"])]
        out.append(f"{path}: missing required column(s) {', '.join(names)}; a mapping file can name "
                   "the export's own headers (docs/registrations.md)")
    broken = cases[(cases["check"] != "column_in_dataframe") & cases["index"].isna()]
    for column in dict.fromkeys(broken["column"]):
        out.append(f"{path}: column {column!r}: cannot be checked (a cell of an unexpected kind)")
    rest = cases[(cases["check"] != "column_in_dataframe") & cases["index"].notna()]
    for check, group in rest.groupby("check", sort=False):
        column, _, what = str(check).rpartition("|")
        column = column or str(group["column"].iloc[0])
        if check == "field_uniqueness":
            what = "a duplicate id"
        out.append(f"{path}: column {column!r}: {what} in {_rows(group['index'])}")
    return out


def check_text(table, path: str, words: dict[str, str]) -> None:
    """The raw-text rules; raise one RegistrationError holding every message."""
    import pandera.pandas as pa

    try:
        _text_schema(words).validate(table, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise RegistrationError("\n".join(_messages(exc, path))) from None


def parse(table, words: dict[str, str]):
    """Typed columns (datetimes, the type, numbers, yes/no as 1/0) and the follow-up dates, one
    per entry with its report's index (None without the column)."""
    import pandas as pd

    out = pd.DataFrame({"id": table["id"], "first_call": parse_dates(table["first_call"]),
                        "type": _type_of(words)(table["type"])})
    if "first_contact" in table:
        out["first_contact"] = parse_dates(table["first_contact"])
    if "on_site_minutes" in table:
        out["on_site_minutes"] = pd.to_numeric(table["on_site_minutes"].str.replace(",", "."), errors="coerce").astype(float)
    if "forensic_exam" in table:
        yes_no = table["forensic_exam"].str.lower()
        out["forensic_exam"] = yes_no.isin(YES).astype(float).where(yes_no != "")
    followups = None
    if "followup_dates" in table:
        followups = parse_dates(_followups(table["followup_dates"]))
        grouped = followups.groupby(level=0)
        out["first_followup"], out["last_followup"] = grouped.min(), grouped.max()
    if "region" in table:
        out["region"] = table["region"]
    return out, followups


def check_parsed(df: Any, path: str, today: date, opened: date) -> None:
    """The rules on the parsed values (dates in range, unique ids, order, signs)."""
    import pandera.pandas as pa

    try:
        _parsed_schema(today, opened).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise RegistrationError("\n".join(_messages(exc, path))) from None
