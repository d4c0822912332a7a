"""Line structures to size a region with: every choice of its optional lines, alone or pooled.

A region whose scenario marks on-call lines `optional` is sized once for every choice of those
lines; a region in a shared line with its own lines only and pooled with its partners (whose
teams stay as the scenario has them); a region asked as a neighbouring line is simulated too.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from csgsim.config.lines import SharedLine
from csgsim.config.schema import Region
from csgsim.studies.targets import SizingError

ONE_STRUCTURE = "as in the scenario"
MAX_OPTIONAL_LINES = 3  # 2**3 structures per region at most


def _with_neighbours(regions: dict[str, Region], ids: tuple[str, ...]) -> tuple[str, ...]:
    """The regions `ids` and every region their escalation asks as its neighbouring line, in turn."""
    out = list(ids)
    for rid in out:
        neighbour = regions[rid].escalation.neighbour
        if neighbour in regions and neighbour not in out:
            out.append(neighbour)
    return tuple(r for r in regions if r in out)


def structures(data: dict[str, Any], region: Region, shared: tuple[SharedLine, ...] = (),
               regions: dict[str, Region] | None = None) -> list[tuple[str, dict[str, Any] | None, tuple[str, ...]]]:
    """The line structures to size a region with: every choice of its optional lines, each
    with the region's own lines only and, where the scenario defines a shared line for it,
    pooled with the regions it shares with (their teams as in the scenario).

    Each is (label, patch, regions): the patch sets the region's `lines` to the lines kept (None:
    the scenario's own), and `regions` are those simulated. Without optional or shared lines
    there is one structure, the scenario's own. A region asked as a neighbouring line is simulated
    too (as the scenario has it).
    """
    regions = {region.id: region} if regions is None else regions
    alone = _with_neighbours(regions, (region.id,))
    optional = [line.id for line in region.lines if line.optional]
    pool = next((s for s in shared if region.id in s.regions), None)
    if not optional and pool is None:
        return [(ONE_STRUCTURE, None, alone)]
    if len(optional) > MAX_OPTIONAL_LINES:
        raise SizingError(f"region {region.id!r} has {len(optional)} optional lines; sizing tries every choice of "
                          f"them, so at most {MAX_OPTIONAL_LINES} may be optional")
    body = data["regions"][region.id]
    raw = body.get("lines", data.get("defaults", {}).get("lines", []))
    out = []
    for keep in itertools.product((False, True), repeat=len(optional)):
        kept = {line_id for line_id, k in zip(optional, keep) if k}
        entries = [e for e in raw if not e.get("optional", False) or e.get("id") in kept]
        label = "without optional lines" if not kept else "with " + " + ".join(i for i in optional if i in kept)
        patch = {"lines": entries} if optional else None
        if pool is None:
            out.append((label, patch, alone))
            continue
        label = "" if not optional else f"{label}, "
        out.append((f"{label}own lines only", patch, alone))
        others = " + ".join(r for r in pool.regions if r != region.id)
        out.append((f"{label}{pool.line.id} shared with {others}", patch,
                    _with_neighbours(regions, (region.id, *pool.regions))))
    return out


def with_lines(data: dict[str, Any], rid: str, patch: dict[str, Any] | None) -> dict[str, Any]:
    if patch is None:
        return data
    doc = copy.deepcopy(data)
    doc["regions"][rid].update(copy.deepcopy(patch))
    return doc
