"""Scenario files: every bad value gives one clear error naming file, key, value and rule."""

import pytest

from csgsim.core import resources

from csgsim.config import scenario
from csgsim.core.errors import ScenarioError
from tests.conftest import EXAMPLE, build, region_data, scenario_data


def write(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


def test_example_and_default_models_load():
    """The shipped models validate, and the provenance of assumed values is kept."""
    sc = scenario.load(EXAMPLE)
    assert list(sc.regions) == ["zeeland", "friesland", "rotterdam"]
    assert sc.provenance["regions.zeeland.demand.acute.level"].startswith("source:")
    assert len(sc.digest) == 64
    assert scenario.load(resources.default_model()).regions


@pytest.mark.parametrize("path", sorted((EXAMPLE.parent).glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_model_validates_and_names_its_sources(path):
    """Each file in models/ loads, and each region's demand level says where it comes from."""
    sc = scenario.load(path)
    for rid in sc.regions:
        assert f"regions.{rid}.demand.acute.level" in sc.provenance


def test_missing_file_is_named(tmp_path):
    """A missing file is reported with its path."""
    with pytest.raises(ScenarioError, match="no such scenario file"):
        scenario.load(tmp_path / "nope.toml")


def test_toml_syntax_error_names_file_and_line(tmp_path):
    """A syntax error names the file and TOML's own line and column."""
    path = write(tmp_path, "[scenario]\nname = \n")
    with pytest.raises(ScenarioError, match=r"s\.toml: TOML syntax error.*line 2"):
        scenario.load(path)


@pytest.mark.parametrize(
    ("section", "patch", "key", "allowed"),
    [
        ("pathway", {"exam_share": 0.5}, "regions.x.pathway.exam_share", "removed because it never changed a result"),
        ("duty", {"pattern": "daily"}, "regions.x.duty.pattern", "rotation_24h, week, office_plus_oncall"),
        ("backup", {"kind": "boss"}, "regions.x.backup.kind", "none, coordinator"),
        ("pathway", {"phone": {"dist": "gamma", "k": 1}}, "regions.x.pathway.phone.dist", "uniform"),
        ("pathway", {"phone": {"dist": "uniform", "low": 2, "high": 1}}, "regions.x.pathway.phone", "low must not exceed high"),
        ("pathway", {"followup_days": [0, 7]}, "regions.x.pathway.followup_days", r"\[1, 365\]"),
        ("duty", {"handover_hour": 24}, "regions.x.duty.handover_hour", r"\[0, 23\]"),
        ("duty", {"hand_over_hour": 8}, "regions.x.duty.hand_over_hour", "not a known key"),
    ],
)
def test_bad_region_values_name_key_value_and_rule(section, patch, key, allowed):
    """Out-of-range values, unknown choices and typos in keys are rejected by name."""
    with pytest.raises(ScenarioError) as err:
        build({"x": region_data(**{section: patch})})
    msg = str(err.value)
    assert msg.startswith("<test>: ") and key in msg
    assert __import__("re").search(allowed, msg), msg


def test_negative_level_and_bad_dates_are_rejected():
    """Negative demand and a campaign ending before it starts are errors."""
    with pytest.raises(ScenarioError, match=r"demand.acute.level = -3"):
        build({"x": region_data(acute=-3)})
    from datetime import date
    ev = {"name": "c", "kind": "campaign", "start": date(2025, 3, 1), "end": date(2025, 2, 1), "effect": 0.2}
    with pytest.raises(ScenarioError, match=r"events\[0\]\.end"):
        build({"x": region_data()}, events=[ev])


def test_unknown_region_in_selection_lists_the_allowed():
    """Asking for a region that is not in the file lists the regions that are."""
    sc = build({"x": region_data()})
    with pytest.raises(ScenarioError, match="allowed: x"):
        sc.only(["y"])


def test_team_ids_must_be_unique():
    """Two casemanagers with one id would merge their load figures: rejected."""
    data = scenario_data({"x": region_data(team=2)})
    data["regions"]["x"]["staff"]["casemanagers"][1]["id"] = "r-cm1"
    with pytest.raises(ScenarioError, match="unique"):
        scenario.parse(data, "<test>")
