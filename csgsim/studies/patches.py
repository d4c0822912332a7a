"""Patches of a scenario document: the edits experiments, sizing and the capacity report make.

A patch is (dotted key, value) applied to the parsed TOML before validation, plus a few special
keys (`team_size.REGION`, `team_delta.REGION`, keys naming every region), so a variant is the
baseline file with a handful of edits and is validated exactly like a file.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from csgsim.core import resources
from csgsim.core.errors import CsgsimError


#: Patch keys the experiment itself controls: a variant must not change them (it would break
#: the pairing of replications).
FIXED = ("scenario.seed", "scenario.replications")


class ExperimentError(CsgsimError):
    """An experiment file or one of its patches is not usable."""


def _is_leaf(value: Any) -> bool:
    return not isinstance(value, dict) or "dist" in value or "value" in value


def flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """`{a = {b = 1}}` and `{"a.b" = 1}` both give [("a.b", 1)]; value and dist tables are leaves."""
    out = []
    for k, v in table.items():
        key = f"{prefix}.{k}" if prefix else k
        out.extend(flatten(v, key) if not _is_leaf(v) and v else [(key, v)])
    return out


def _team(data: dict[str, Any], rid: str, where: str) -> list[Any]:
    """The region's casemanager list, its own or inherited from [defaults]."""
    own = data["regions"][rid].get("staff", {})
    inherited = data.get("defaults", {}).get("staff", {})
    team = own.get("casemanagers", inherited.get("casemanagers")) if isinstance(own, dict) else None
    if isinstance(team, dict) and "value" in team:
        team = team["value"]
    if not isinstance(team, list) or not team or not all(isinstance(p, dict) for p in team):
        raise ExperimentError(f"{where}: region {rid!r} has no casemanager list to resize")
    return team


def set_team(data: dict[str, Any], rid: str, size: int, where: str) -> None:
    """Cut or extend region `rid`'s casemanagers to `size` people (added ones: generated ids)."""
    team = copy.deepcopy(_team(data, rid, where))
    used = {p.get("id") for p in team}
    k = 0
    while len(team) < size:
        k += 1
        if f"{rid}-added{k}" not in used:
            team.append({**copy.deepcopy(team[-1]), "id": f"{rid}-added{k}"})
    region = data["regions"][rid]
    if not isinstance(region.get("staff"), dict):
        region["staff"] = {}
    region["staff"]["casemanagers"] = team[:size]


def _regions_of(data: dict[str, Any], key: str, where: str) -> list[str]:
    parts = key.split(".")
    regions = data.get("regions", {})
    if len(parts) == 1:
        return list(regions)
    if len(parts) > 2 or parts[1] not in regions:
        raise ExperimentError(f"{where}: {key}: no region {'.'.join(parts[1:])!r} in the scenario; "
                              f"regions: {', '.join(regions)}")
    return [parts[1]]


def apply(data: dict[str, Any], key: str, value: Any, where: str) -> None:
    """Apply one patch to a scenario document in place (see the module docstring for keys)."""
    head = key.split(".")[0]
    if key in FIXED:
        raise ExperimentError(f"{where}: {key} cannot be patched; set seed and replications in [experiment]")
    if head in ("team_size", "team_delta"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ExperimentError(f"{where}: {key} = {value!r} is not allowed; expected a whole number")
        for rid in _regions_of(data, key, where):
            size = value if head == "team_size" else len(_team(data, rid, where)) + value
            if size < 1:
                raise ExperimentError(f"{where}: {key} = {value!r} leaves region {rid!r} with {size} "
                                      "casemanagers; at least 1 is needed")
            set_team(data, rid, size, where)
        return
    parts = key.split(".")
    if not all(parts):
        raise ExperimentError(f"{where}: {key!r} is not a dotted path like defaults.backup.kind")
    node: Any = data
    if head == "events" and len(parts) > 1:
        named = {e.get("name"): e for e in data.get("events", []) if isinstance(e, dict)}
        if len(parts) < 3 or parts[1] not in named:
            raise ExperimentError(f"{where}: {key}: expected events.NAME.FIELD with NAME one of: "
                                  f"{', '.join(map(str, named)) or 'none (add events first)'}")
        node, parts = named[parts[1]], parts[2:]
    elif head not in data:
        raise ExperimentError(f"{where}: {key}: the scenario has no [{head}] table; "
                              f"top-level tables: {', '.join(data)}, plus team_size and team_delta")
    elif head == "regions" and (len(parts) < 3 or parts[1] not in data["regions"]):
        raise ExperimentError(f"{where}: {key}: expected regions.ID.KEY with ID one of: "
                              f"{', '.join(data['regions'])}")
    for i, part in enumerate(parts[:-1]):
        nxt = node.setdefault(part, {})
        if not isinstance(nxt, dict):
            raise ExperimentError(f"{where}: {key}: {'.'.join(parts[:i + 1])} is a value, not a table")
        node = nxt
    node[parts[-1]] = copy.deepcopy(value)


def patched(data: dict[str, Any], events: list[dict[str, Any]], patches: list[tuple[str, Any]],
            where: str) -> dict[str, Any]:
    """A patched copy of a scenario document: `events` appended, then each patch in order."""
    out = copy.deepcopy(data)
    if events:
        out["events"] = list(out.get("events", [])) + copy.deepcopy(events)
    for key, value in patches:
        apply(out, key, value, where)
    return out


def scenario_path(ref: str, here: Path) -> Path:
    """A path relative to the experiment file, or the name of a built-in model."""
    path = here / ref
    if path.is_file():
        return path
    builtin = resources.models_dir()
    for name in (ref, f"{ref}.toml"):
        if (builtin / name).is_file():
            return builtin / name
    names = sorted(p.stem for p in builtin.glob("*.toml"))
    raise ExperimentError(f"{here}: scenario {ref!r} is neither a file next to the experiment nor a "
                          f"built-in model; built-in: {', '.join(names)}")
