"""A synthetic registration export drawn from a scenario's own demand model, labelled synthetic.

Why: a coordinator can try the import before touching real data, the repository can ship an
example without personal data, and the round-trip tests know the truth the import must find.
Reports arrive as the scenario's intensity says (levels, seasonality, profile, events, week
factors); the optional columns come from its pathway. Every id and a `synthetic` column say
that no row is a real report.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from csgsim.config.schema import Scenario
from csgsim.core.calendar import HOURS_PER_DAY, Calendar

from .registrations import COLUMNS, Registrations, need

FORENSIC_SHARE = 0.5  # assumption for the synthetic column only: half of acute reports get an exam
NON_ACUTE_CONTACT_HOURS = (1.0, 48.0)  # assumption: non-acute first contact within two days
LABEL = "synthetic: drawn by csgsim from {source}, region {region}; not real reports"


@dataclass(frozen=True)
class SyntheticReports:
    calls: np.ndarray  # datetime64[m]
    acute: np.ndarray
    contact_minutes: np.ndarray
    on_site_minutes: np.ndarray  # NaN for non-acute
    forensic: np.ndarray  # 1/0, NaN for non-acute
    followups: tuple[np.ndarray, np.ndarray]  # (report number, days after the call's day)

    def registrations(self, sha256: str = "synthetic") -> Registrations:
        """The reports as the importer would read them (for tests that skip the file)."""
        return Registrations("synthetic", sha256, self.calls, self.acute, None, self.contact_minutes,
                             self.on_site_minutes, self.forensic, self.followups)


def _arrivals(scenario: Scenario, region: str, kind: str, cal: Calendar, rng: np.random.Generator) -> np.ndarray:
    """Minutes from the start of each report of `kind` (Poisson per hour, gamma week factors)."""
    from csgsim.demand.intensity import intensity, week_factors

    rate = intensity(scenario, region, kind, cal)
    weeks = -(-rate.size // (7 * HOURS_PER_DAY))
    cv = scenario.regions[region].demand(kind).overdispersion_cv
    rate = rate * np.repeat(week_factors(cv, weeks, rng), 7 * HOURS_PER_DAY)[:rate.size]
    hours = np.repeat(np.arange(rate.size), rng.poisson(rate))
    return hours * 60 + rng.integers(0, 60, hours.size)


def generate(scenario: Scenario, region: str, start: date, end: date, seed: int) -> SyntheticReports:
    """Reports of `region` with first calls from `start` to `end` (inclusive), seeded."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(region.encode()),)))
    cal = Calendar(start, (end - start).days + 1)
    minutes = [_arrivals(scenario, region, k, cal, rng) for k in ("acute", "non_acute")]
    acute = np.concatenate([np.ones(minutes[0].size, bool), np.zeros(minutes[1].size, bool)])
    order = np.argsort(np.concatenate(minutes), kind="stable")
    offset, acute = np.concatenate(minutes)[order], acute[order]
    calls = np.datetime64(start, "m") + offset.astype("timedelta64[m]")
    path = scenario.regions[region].pathway
    u = rng.random((3, acute.size))
    low, high = NON_ACUTE_CONTACT_HOURS
    contact = np.where(acute, path.callback.quantile(u[0]), low + u[0] * (high - low)) * 60
    on_site = np.where(acute, np.round(path.on_site.quantile(u[1]) * 60), np.nan)
    forensic = np.where(acute, (u[2] < FORENSIC_SHARE).astype(float), np.nan)
    rows, days = [], []
    last = (np.datetime64(end, "D") - calls.astype("datetime64[D]")).astype(int)
    for kind_mask, schedule in ((acute, path.followup_days), (~acute, path.nonacute_followup_days)):
        for d in schedule:
            keep = kind_mask & (d <= last)  # no follow-up after the export's last day
            rows.append(np.flatnonzero(keep))
            days.append(np.full(keep.sum(), float(d)))
    return SyntheticReports(calls, acute, np.round(contact), on_site, forensic,
                            (np.concatenate(rows), np.concatenate(days)))


def to_frame(reports: SyntheticReports, label: str, dutch: bool = False):
    """The reports as an export table, with English or Dutch column names and type words."""
    import pandas as pd

    col = {c: names[1 if dutch else 0] for c, names in COLUMNS.items()}
    fmt = "%Y-%m-%d %H:%M"
    calls = pd.to_datetime(reports.calls)
    rows, days = reports.followups
    dates = pd.Series(pd.to_datetime(reports.calls.astype("datetime64[D]")[rows])
                      + pd.to_timedelta(days, unit="D")).dt.strftime("%Y-%m-%d")
    joined = dates.groupby(rows).agg(";".join).reindex(range(reports.calls.size), fill_value="")
    words = ("acuut", "niet-acuut") if dutch else ("acute", "non-acute")
    yes_no = ("ja", "nee") if dutch else ("yes", "no")
    frame = pd.DataFrame({
        col["id"]: [f"SYNTHETIC-{i:06d}" for i in range(1, reports.calls.size + 1)],
        col["first_call"]: calls.strftime(fmt),
        col["type"]: np.where(reports.acute, *words),
        col["first_contact"]: (calls + pd.to_timedelta(reports.contact_minutes, unit="m")).strftime(fmt),
        col["on_site_minutes"]: [f"{v:.0f}" if v == v else "" for v in reports.on_site_minutes],
        col["forensic_exam"]: np.where(np.isnan(reports.forensic), "", np.where(reports.forensic == 1, *yes_no)),
        col["followup_dates"]: joined.to_numpy(),
    })
    frame["synthetic"] = label
    return frame


def write_export(frame, path: Path) -> None:
    """CSV (comma-separated, UTF-8) or .xlsx by the file's suffix."""
    if path.suffix.lower() == ".xlsx":
        need("openpyxl")
        frame.to_excel(path, index=False, sheet_name="synthetic registrations")
    else:
        frame.to_csv(path, index=False)
