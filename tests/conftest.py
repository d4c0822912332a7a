"""Shared builders: small scenarios made in code from the shipped example's defaults."""

from __future__ import annotations

import copy
import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from csgsim.config import scenario as scenario_mod

# The suite is a gate: hypothesis draws the same examples on every run and every machine, so a
# red run means the code changed, not that a new example was drawn. HYPOTHESIS_PROFILE=explore
# draws new ones (and remembers failures in .hypothesis/), for hunting bugs.
settings.register_profile("gate", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "models" / "three-regions.toml"
FLAT = {"hours": [1.0] * 24, "days": [1.0] * 7, "holidays": "ignore"}


def example_data() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE.read_text())


def region_data(team: int = 5, acute: float = 60.0, non_acute: float = 70.0, prefix: str = "r",
                hours_per_week: float = 8.0, **sections: dict[str, Any]) -> dict[str, Any]:
    """A region table; `sections` (duty=, backup=, pathway=, ...) override the defaults."""
    body: dict[str, Any] = {
        "name": prefix.upper(),
        "demand": {"acute": {"level": acute}, "non_acute": {"level": non_acute}},
        "staff": {
            "coordinator": {"id": f"{prefix}-coord", "hours_per_week": 16},
            "casemanagers": [{"id": f"{prefix}-cm{i + 1}", "hours_per_week": hours_per_week} for i in range(team)],
        },
    }
    for key, value in sections.items():
        body.setdefault(key, {}).update(value)
    return body


def scenario_data(regions: dict[str, dict[str, Any]], days: int = 365, start: date = date(2025, 1, 1),
                  events: list[dict[str, Any]] | None = None, **top: dict[str, Any]) -> dict[str, Any]:
    data = example_data()
    # Annual leave is on in the shipped defaults; tests built here opt in (region_data(leave=...)),
    # so that a test of something else does not change with the leave plan.
    data["defaults"].pop("leave", None)
    data["scenario"].update({"start": start, "days": days})
    data["regions"] = copy.deepcopy(regions)
    if events:
        data["events"] = events
    for key, value in top.items():
        data.setdefault(key, {}).update(value)
    return data


def build(regions: dict[str, dict[str, Any]], **kw: Any) -> scenario_mod.Scenario:
    return scenario_mod.parse(scenario_data(regions, **kw), "<test>")


def queue_scenario(rate_per_hour: float, mean_service: float, backup: str, days: int = 365) -> scenario_mod.Scenario:
    """A region that reduces to M/M/1 (backup none) or M/M/2 (backup external).

    One casemanager always on duty (never absent, no working-time rules, no call-in or
    neighbouring line), flat Poisson arrivals, exponential time on site and nothing else: no
    call-back, phone or travel time, no non-acute reports, no follow-ups.
    """
    zero = {"dist": "fixed", "value": 0.0}
    hours = 365 * 24
    region = region_data(
        team=1, acute=rate_per_hour * hours, non_acute=0.0,
        duty={"pattern": "rotation_24h"},
        backup={"kind": backup},
        pathway={"attendance": "day0", "callback": zero, "phone": zero, "travel": zero,
                 "on_site": {"dist": "exponential", "mean": mean_service},
                 "followup_days": [], "nonacute_followup_days": []},
        absence={"enabled": False},
        rules={"set": "none"},
        escalation={"callin": False, "neighbour": "none"},
    )
    region["demand"]["acute"].update({"profile": "flat", "growth_per_year": 0.0, "level_year": 2025,
                                      "seasonality": [1.0] * 12})
    region["demand"]["non_acute"].update({"profile": "flat", "level_year": 2025})
    return build({"q": region}, days=days, profiles={"flat": FLAT}, scenario={"warmup_days": 0})


@pytest.fixture
def three_regions() -> scenario_mod.Scenario:
    return scenario_mod.load(EXAMPLE)
