"""The delays a replication measures: acute contact and attendance (minutes from the report)
and the non-acute intake wait (days), their one definition, and their figures.

A replication keeps each delay's samples besides its figures, so that the percentiles of a run
can be pooled over replications (`confidence`); the stored tables give the same samples.
"""

from __future__ import annotations

import numpy as np

from csgsim.analysis.percentiles import percentiles
from csgsim.analysis.reduce import mean
from csgsim.config.schema import Norms
from csgsim.core.calendar import HOURS_PER_DAY
from csgsim.model.pathways import Records

#: The delays whose samples a replication keeps, so that percentiles can be pooled over replications.
DELAYS = ("acute_contact", "acute_attendance", "intake_wait")


def delay_norms(norms: Norms) -> dict[str, float]:
    """The norm of each delay that has one, for shares within the norm pooled over replications."""
    return {"acute_contact": norms.acute_contact_minutes, "acute_attendance": norms.acute_attendance_minutes}


def delay_samples(rec: Records, since: float = 0.0) -> dict[str, np.ndarray]:
    """The samples of the DELAYS of the reports arriving from `since`."""
    return delays_of(rec.acute_arrival, rec.acute_contact, rec.acute_on_site, rec.nonacute_arrival,
                     rec.nonacute_intake, since)


def delays_of(acute_arrival: np.ndarray, contact: np.ndarray, on_site: np.ndarray, nonacute_arrival: np.ndarray,
              intake: np.ndarray, since: float = -np.inf) -> dict[str, np.ndarray]:
    """The DELAYS (minutes, minutes, days) from the reports' times (hours), for the reports
    arriving from `since` that got that far: the one definition, for records and stored tables."""
    acute = acute_arrival >= since
    reached = acute & ~np.isnan(contact)
    attended = acute & ~np.isnan(on_site)
    done = (nonacute_arrival >= since) & ~np.isnan(intake)
    return {
        "acute_contact": (contact - acute_arrival)[reached] * 60,
        "acute_attendance": (on_site - acute_arrival)[attended] * 60,
        "intake_wait": (intake - nonacute_arrival)[done] / HOURS_PER_DAY,
    }


def delay_figures(values: np.ndarray, norm: float | None, prefix: str) -> dict[str, float]:
    """Mean, p50/p90/p95 and share within the norm; NaN when nothing was measured."""
    out = {f"{prefix}_mean": np.nan, f"{prefix}_p50": np.nan, f"{prefix}_p90": np.nan, f"{prefix}_p95": np.nan}
    if values.size:
        out[f"{prefix}_mean"] = mean(values)
        p = percentiles(values, (50, 90, 95))
        out.update({f"{prefix}_p50": p[0], f"{prefix}_p90": p[1], f"{prefix}_p95": p[2]})
    if norm is not None:
        out[f"{prefix}_within_norm"] = mean(values <= norm + 1e-9) if values.size else np.nan
    return out
