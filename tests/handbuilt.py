"""Hand-built inputs and records: tiny cases whose right answer can be worked out on paper."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np

from csgsim.config.schema import Scenario
from csgsim.model import inputs
from csgsim.model.pathways import AcuteInputs, NonAcuteInputs, Records, RegionInputs
from tests.conftest import FLAT, build, region_data

MONDAY = date(2025, 1, 6)
FIXED = {"callback": 0.1, "phone": 0.25, "travel": 0.5, "on_site": 2.0, "day1_visit": 1.0,
         "followup_duration": 1.0, "intake_duration": 1.0}


def scenario(team: int = 3, hours_per_week: float = 8.0, backup: str = "none", days: int = 14,
             followup_days: tuple[int, ...] = (7,), nonacute_followup_days: tuple[int, ...] = (),
             attendance: str = "day0", duty: dict[str, Any] | None = None, **sections: dict[str, Any]) -> Scenario:
    """One region 'x' from a Monday: fixed durations (FIXED), 24 h duties, no absence, no rules."""
    pathway = {k: {"dist": "fixed", "value": v} for k, v in FIXED.items()}
    pathway.update(attendance=attendance, followup_days=list(followup_days),
                   nonacute_followup_days=list(nonacute_followup_days))
    region = region_data(team=team, hours_per_week=hours_per_week, duty={"pattern": "rotation_24h", **(duty or {})},
                         backup={"kind": backup}, pathway=pathway, absence={"enabled": False},
                         rules={"set": "none"}, **sections)
    region["demand"]["acute"].update({"profile": "flat"})
    region["demand"]["non_acute"].update({"profile": "flat"})
    return build({"x": region}, days=days, start=MONDAY, profiles={"flat": FLAT}, scenario={"warmup_days": 0})


def run_inputs(sc: Scenario, acute: list[float] = (), non_acute: list[float] = (),
               absent: dict[int, list[int]] | None = None) -> tuple[inputs.RegionPlan, RegionInputs]:
    """The region's plan and inputs with exactly the given report times (hours from the start)
    and absent days per person index (office work only: duties are as planned)."""
    plan = inputs.plan(sc, "x")
    pw = plan.region.pathway
    sampled = inputs.sample(plan, 0, 0)
    a, m = np.asarray(acute, dtype=float), np.asarray(non_acute, dtype=float)

    acute_in = AcuteInputs(a, *(np.full(a.size, FIXED[k]) for k in ("callback", "phone", "travel", "on_site",
                                                                     "day1_visit")),
                           followup=np.full((a.size, len(pw.followup_days)), FIXED["followup_duration"]))
    non_in = NonAcuteInputs(m, np.full(m.size, FIXED["intake_duration"]),
                            np.full((m.size, len(pw.nonacute_followup_days)), FIXED["followup_duration"]))
    away = np.zeros_like(sampled.absent)
    for person, days in (absent or {}).items():
        away[person, days] = True
    # the chain's draws are marks of the reports: the same middle marks for every given report
    chain = inputs.chain_inputs(plan.region, np.full((a.size, len(inputs.ACUTE_MARKS)), 0.5))
    return plan, replace(sampled, acute=acute_in, non_acute=non_in, absent=away, chain=chain)


def records(**fields: Any) -> Records:
    """Records with nothing in them, except the given fields (arrays or lists)."""
    empty_f, empty_i = np.zeros(0), np.zeros(0, dtype=np.int64)
    base: dict[str, Any] = {
        "acute_arrival": empty_f, "acute_contact": empty_f, "acute_responder": empty_i,
        "acute_role": np.zeros(0, dtype=np.int8), "acute_on_site": empty_f,
        "acute_in_gap": np.zeros(0, dtype=bool), "acute_owner": empty_i,
        "nonacute_arrival": empty_f, "nonacute_intake": empty_f, "nonacute_owner": empty_i,
        "task_kind": np.zeros(0, dtype=np.int8), "task_case": empty_i, "task_owner": empty_i,
        "task_due_day": empty_i, "task_start": empty_f, "task_duration": empty_f,
        "eng_person": empty_i, "eng_start": empty_f, "eng_end": empty_f, "eng_report": empty_i,
    }
    for key, value in fields.items():
        if key in base:  # the rest are read below, with their defaults
            base[key] = np.asarray(value, dtype=base[key].dtype)
    n_acute, n_eng = base["acute_arrival"].size, base["eng_person"].size
    # The escalation fields: unless given, every call answered at once by the step recorded in
    # acute_role, and every call-out taken by the duty holder of this region.
    base["acute_answered"] = np.asarray(fields.get("acute_answered", base["acute_contact"]), dtype=float)
    base["acute_waited"] = np.asarray(fields.get("acute_waited", np.zeros(n_acute, dtype=bool)), dtype=bool)
    base["eng_role"] = np.asarray(fields.get("eng_role", np.zeros(n_eng)), dtype=np.int8)
    base["eng_region"] = np.asarray(fields.get("eng_region", ["x"] * n_eng), dtype=object)
    # Office work: unless given, every contact done whole in one piece from its start.
    start, duration = base["task_start"], base["task_duration"]
    base["task_end"] = np.asarray(fields.get("task_end", start + duration), dtype=float)
    done = np.flatnonzero(~np.isnan(base["task_end"]))
    base["work_task"] = np.asarray(fields.get("work_task", done), dtype=np.int64)
    base["work_person"] = np.asarray(fields.get("work_person", base["task_owner"][done]), dtype=np.int64)
    base["work_start"] = np.asarray(fields.get("work_start", start[done]), dtype=float)
    base["work_end"] = np.asarray(fields.get("work_end", base["task_end"][done]), dtype=float)
    for key, dtype in (("handover_case", np.int64), ("handover_time", float), ("handover_from", np.int64),
                       ("handover_owner", np.int64)):
        base[key] = np.asarray(fields.get(key, []), dtype=dtype)
    return Records(**base)
