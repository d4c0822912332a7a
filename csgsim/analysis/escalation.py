"""Escalation figures (docs/metrics.md#escalation): who answered the acute calls, and what
the call-ins cost the people called in.

Definitions:
- answer shares: among the acute reports in the window that got their first contact, the share
  answered by the duty holder, a backup, a call-in, the neighbouring line; and the share that
  waited because no step of the chain could answer at once;
- call-ins per person: call-outs taken as a call-in, counted for every person of the region
  (casemanagers and coordinator), as a number, hours (from answering to the end of the call-out)
  per 4 weeks, and night call-ins (work between 00:00 and 06:00) per 16 weeks;
- breaches caused by call-ins: a person's working-time breaches with every call-out, minus
  their breaches with the call-in call-outs left out;
- neighbour hours: hours of acute work a neighbouring line outside the model did for the region,
  per 4 weeks (a neighbouring region in the model counts that work on its own people instead);
- hours for other regions: hours the region's people worked on other regions' acute calls (as
  their neighbouring line, or on a shared line), per 4 weeks.
"""

from __future__ import annotations

import numpy as np

from csgsim.core.calendar import HOURS_PER_DAY
from csgsim.analysis.reduce import count, mean, total
from csgsim.model.pathways import BACKUP, CALLIN, NEIGHBOUR, PRIMARY, Records
from csgsim.staff import rules

FOUR_WEEKS = 28 * HOURS_PER_DAY

#: Region metric -> (unit, description): how acute calls were answered.
ANSWER_METRICS: dict[str, tuple[str, str]] = {
    "acute_answered_by_duty": ("share", "acute calls answered by the duty holder"),
    "acute_answered_by_backup": ("share", "acute calls taken by a backup"),
    "acute_answered_by_callin": ("share", "acute calls answered by a team member called in off duty"),
    "acute_answered_by_neighbour": ("share", "acute calls answered by the neighbouring region's line"),
    "acute_waited": ("share", "acute calls that waited: no step of the chain could answer at once"),
}
#: Region metric -> (unit, description): the load of call-ins and of the neighbouring line.
CALLIN_METRICS: dict[str, tuple[str, str]] = {
    "callins_per_person_per_4w": ("count", "call-ins per team member per 4 weeks"),
    "callin_hours_per_person_per_4w": ("h", "hours of call-in work per team member per 4 weeks"),
    "night_callins_per_person_per_16w": ("count", "call-ins with work at 00-06 per team member per 16 weeks"),
    "callin_breaches": ("count", "working-time breaches caused by call-ins"),
    "neighbour_hours_per_4w": ("h", "hours of acute work done by a neighbouring line outside the model per 4 weeks"),
    "hours_for_other_regions_per_4w": ("h", "hours the region's people worked on other regions' acute calls per 4 weeks"),
}
#: Person metric -> (unit, description).
CALLIN_PERSON_METRICS: dict[str, tuple[str, str]] = {
    "callins": ("count", "call-ins (called in while off duty)"),
    "callin_hours_per_4w": ("h", "hours of call-in work per 4 weeks"),
    "night_callins_per_16w": ("count", "call-ins with work at 00-06 per 16 weeks"),
    "callin_breaches": ("count", "working-time breaches caused by call-ins"),
}


def answer_shares(rec: Records, reached: np.ndarray) -> dict[str, float]:
    """The shares of ANSWER_METRICS among the reports selected by `reached`."""
    if not count(reached):
        return dict.fromkeys(ANSWER_METRICS, np.nan)
    role = rec.acute_role[reached]
    shares = {name: mean(role == step) for name, step in
              zip(ANSWER_METRICS, (PRIMARY, BACKUP, CALLIN, NEIGHBOUR))}
    shares["acute_waited"] = mean(rec.acute_waited[reached])
    return shares


def callin_load(rec: Records, n_people: int, since: float, window: float) -> dict[str, np.ndarray]:
    """Per person: call-ins, their hours per 4 weeks and night call-ins per 16 weeks (from `since`)."""
    mine = (rec.eng_start >= since) & (rec.eng_role == CALLIN)
    person = rec.eng_person[mine]
    hours = (rec.eng_end - rec.eng_start)[mine]
    night = rules.is_night(rec.eng_start[mine], rec.eng_end[mine])
    count = np.bincount(person, minlength=n_people)[:n_people].astype(float)
    return {
        "callins": count,
        "callin_hours_per_4w": np.bincount(person, hours, minlength=n_people)[:n_people] * FOUR_WEEKS / window,
        "night_callins_per_16w": (np.bincount(person[night], minlength=n_people)[:n_people]
                                  * 4 * FOUR_WEEKS / window),
    }


def region_load(persons: dict[str, np.ndarray], rec: Records, since: float, window: float, region_id: str,
                n_people: int) -> dict[str, float]:
    """CALLIN_METRICS from the per-person figures (means over everyone in the region)."""
    counted = rec.eng_start >= since
    outside = counted & (rec.eng_role == NEIGHBOUR) & (rec.eng_person == n_people)
    helped = counted & (rec.eng_region != region_id) & (rec.eng_person < n_people)
    return {
        "callins_per_person_per_4w": mean(persons["callins"]) * FOUR_WEEKS / window,
        "callin_hours_per_person_per_4w": mean(persons["callin_hours_per_4w"]),
        "night_callins_per_person_per_16w": mean(persons["night_callins_per_16w"]),
        "callin_breaches": total(persons["callin_breaches"]),
        "neighbour_hours_per_4w": total((rec.eng_end - rec.eng_start)[outside]) * FOUR_WEEKS / window,
        "hours_for_other_regions_per_4w": total((rec.eng_end - rec.eng_start)[helped]) * FOUR_WEEKS / window,
    }
