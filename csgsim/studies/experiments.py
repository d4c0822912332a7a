"""Experiments: a baseline and named variants of one scenario, compared with common random numbers.

An experiment file names a base scenario and describes each variant as patches of the raw
scenario document, so every variant is validated by the same loader as a scenario file:

    [experiment]
    name = "Zedenwet"
    scenario = "netherlands"        # a built-in model, or a path relative to this file
    replications = 100              # default: the scenario's
    seed = 1                        # default: the scenario's; the same for every variant
    regions = ["zeeland"]           # default: all

    [baseline]                      # patches of the baseline, applied to every variant too
    events = [{ name = "law", kind = "level", start = 2024-07-01, effect = 0.0 }]

    [[variants]]
    name = "high"
    set = { "events.law.effect" = 0.53, "defaults.backup.kind" = "external" }

    [[grids]]                       # the cartesian product of the axes, one variant per point
    name = "roster"                 # points are named roster[law=0.3, team=5]
    axes = { "events.law.effect" = [0.0, 0.3, 0.6], "team_size.zeeland" = [4, 5, 6] }
    labels = { "events.law.effect" = "law", "team_size.zeeland" = "team" }   # default: the keys

Patch keys (`set`, grid `axes`): a dotted path into the scenario document
(`defaults.backup.kind`, `regions.zeeland.demand.acute.level`); `events.NAME.FIELD` for the
event called NAME; `team_size` / `team_size.REGION` to cut or extend the casemanager list to N
people (added people get generated ids and the hours of the last one listed); `team_delta` /
`team_delta.REGION` to change it by N. `events = [...]` appends events. A variant applies the
baseline's patches, then its own `events`, then its `set` in file order; a grid point applies
the grid's `events` and `set`, then one value per axis.

Every variant runs the same replication indices with the same seed: replication r of every
variant sees the same random streams (see `csgsim.core.streams`): the same people's absences when
the team changes, every baseline report (with its durations) when demand rises. Differences
between variants are measured on paired replications, and their confidence intervals are much
narrower than those of independent runs (`benchmarks/crn_variance.py` prints by how much).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from csgsim.config import scenario as scenario_mod
from csgsim.runtime.runfolder import RunFolder
from csgsim.runtime.executors import Backend, dispatch
from csgsim.analysis.delays import delay_norms
from csgsim.analysis.metrics import REGION_METRICS
from csgsim.analysis.summary import summarise
from csgsim.runtime.jobs import make_job
from csgsim.runtime.replications import collect
from csgsim.config.reader import TableReader
from csgsim.config.schema import Scenario
from csgsim.staff.duties import Schedule

from csgsim.studies import armcosts
from csgsim.studies.differences import BASELINE, Delays, paired_differences
from csgsim.studies.patches import ExperimentError, flatten, patched, scenario_path


@dataclass(frozen=True)
class Variant:
    """One arm of an experiment: its patches (after the baseline's) and the scenario they give."""

    name: str
    kind: str  # "baseline", "variant" or "grid"
    grid: str
    note: str
    patches: tuple[tuple[str, Any], ...]
    events: tuple[dict[str, Any], ...]
    axes: tuple[tuple[str, Any], ...]
    data: dict[str, Any]  # the patched scenario document, for callers that patch further
    scenario: Scenario


@dataclass(frozen=True)
class Experiment:
    name: str
    source: str
    sha256: str
    scenario_file: str
    scenario_sha256: str
    seed: int
    replications: int
    regions: tuple[str, ...]
    variants: tuple[Variant, ...]  # the baseline first
    note: str

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise ExperimentError(f"{self.source}: no variant {name!r}; variants: "
                              f"{', '.join(v.name for v in self.variants)}")


# --- patching a scenario document -----------------------------------------------------------


# --- reading an experiment file -------------------------------------------------------------


def _arm(r: TableReader, what: str) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    """The `events` and `set` of a baseline, variant or grid table."""
    events = r.raw("events", [])
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise r.fail("events", events, "expected a list of event tables")
    patches = r.raw("set", {})
    if not isinstance(patches, dict):
        raise r.fail("set", patches, f"expected a table of patches for the {what}")
    return events, flatten(patches)


def _table_list(top: TableReader, key: str) -> list[TableReader]:
    """Readers for an array of tables ([[variants]], [[grids]]); anything else is an error."""
    listed = top.raw(key, [])
    if not isinstance(listed, list) or not all(isinstance(body, dict) for body in listed):
        raise top.fail(key, listed, f"expected [[{key}]] tables")
    return [TableReader(body, f"{key}[{i}]", top.source, {}) for i, body in enumerate(listed)]


def _grid_axes(r: TableReader) -> tuple[list[tuple[str, Any]], dict[str, str]]:
    """A grid's axes (dotted key, values) and the short labels of some keys, checked: its variants
    are named by them, so a malformed table stops here, naming the key at fault."""
    given = r.raw("axes")
    axes = flatten(given) if isinstance(given, dict) else []
    if not axes or not all(isinstance(v, list) and v for _, v in axes):
        raise r.fail("axes", given, 'expected a table of non-empty lists, like { "team_size.zeeland" = [4, 5, 6] }')
    labels = r.raw("labels", {})
    labels = dict(flatten(labels)) if isinstance(labels, dict) else labels
    keys = [k for k, _ in axes]
    if (not isinstance(labels, dict) or set(labels) - set(keys)
            or not all(isinstance(x, str) for x in labels.values())):
        raise r.fail("labels", labels, f"expected short names for some of the axes {keys}, "
                                       f"like {{ \"{keys[0]}\" = \"x\" }}")
    return axes, labels


def _check_names(src: str, variants: list[Variant]) -> None:
    """Every variant needs its own name: results, run folders and reports are keyed by it."""
    names = [v.name for v in variants]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise ExperimentError(f"{src}: variant name {dup!r} is used twice (or is the reserved name "
                              f"{BASELINE!r}); every variant needs its own name")


def load(path: str | Path) -> Experiment:
    """Read an experiment file and build (and validate) the scenario of every variant."""
    path = Path(path)
    data, sha = scenario_mod.read(path)
    src = str(path)
    top = TableReader(data, "", src, {})
    ex = top.table("experiment")
    name = ex.text("name")
    note = ex.text("note", default="")
    scen_file = scenario_path(ex.text("scenario"), path.parent)
    reps = ex.number("replications", integer=True, lo=1, hi=1_000_000) if "replications" in ex.data else None
    seed = ex.number("seed", integer=True, lo=0) if "seed" in ex.data else None
    regions = ex.strings("regions", default=[])
    ex.done()
    raw, scen_sha = scenario_mod.read(scen_file)

    def build(vname: str, kind: str, grid: str, note: str, events: list[dict[str, Any]],
              patches: list[tuple[str, Any]], axes: list[tuple[str, Any]]) -> Variant:
        where = f"{src} variant {vname!r}"
        doc = patched(raw, base_events + events, base_patches + patches + axes, where)
        sc = scenario_mod.parse(doc, f"{where} (scenario {scen_file})", scen_sha)
        if regions:
            sc = sc.only(regions)
        return Variant(vname, kind, grid, note, tuple(patches + axes), tuple(events), tuple(axes), doc, sc)

    base_r = top.table("baseline")
    base_note = base_r.text("note", default="")
    base_events, base_patches = _arm(base_r, "baseline")
    base_r.done()
    variants = [build(BASELINE, "baseline", "", base_note, [], [], [])]
    for r in _table_list(top, "variants"):
        vname = r.text("name")
        vnote = r.text("note", default="")
        events, patches = _arm(r, "variant")
        r.done()
        variants.append(build(vname, "variant", "", vnote, events, patches, []))
    for r in _table_list(top, "grids"):
        gname = r.text("name")
        gnote = r.text("note", default="")
        events, patches = _arm(r, "grid")
        axes, labels = _grid_axes(r)
        keys = [k for k, _ in axes]
        r.done()
        for point in itertools.product(*(v for _, v in axes)):
            label = ", ".join(f"{labels.get(k, k)}={_text(v)}" for k, v in zip(keys, point))
            variants.append(build(f"{gname}[{label}]", "grid", gname, gnote, events, patches,
                                  list(zip(keys, point))))
    top.done()
    _check_names(src, variants)
    first = variants[0].scenario
    return Experiment(
        name=name, source=src, sha256=sha, scenario_file=str(scen_file), scenario_sha256=scen_sha,
        seed=first.seed if seed is None else seed,
        replications=first.replications if reps is None else reps,
        regions=tuple(first.regions), variants=tuple(variants), note=note,
    )


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# --- results ------------------------------------------------------------------------------


@dataclass
class ExperimentResult:
    """Per-replication tables of every variant, summaries and paired differences."""

    experiment: Experiment
    regions: pd.DataFrame  # variant, rep, region, metric, value
    persons: pd.DataFrame  # variant, rep, region, person, role, metric, value
    summary: pd.DataFrame  # variant, region, metric, unit, mean, ci_low, ci_high, n
    differences: pd.DataFrame  # variant, region, metric, unit, baseline, variant_mean, diff, ci, n
    costs: pd.DataFrame | None = None  # as `summary`, of `armcosts.ARM_COSTS` (None: nothing priced)
    cost_differences: pd.DataFrame | None = None  # as `differences`, a Holm family of their own


def variants_table(exp: Experiment) -> pd.DataFrame:
    """One row per variant: how it was made (patches as JSON) and one column per grid axis."""
    rows = []
    for v in exp.variants:
        row = {"variant": v.name, "kind": v.kind, "grid": v.grid, "note": v.note,
               "patches": json.dumps([[k, x] for k, x in v.patches], default=str),
               "added_events": json.dumps(list(v.events), default=str)}
        row.update({k: _text(x) if not isinstance(x, (int, float)) else x for k, x in v.axes})
        rows.append(row)
    return pd.DataFrame(rows)


def result_from_tables(exp: Experiment, regions: pd.DataFrame, persons: pd.DataFrame,
                       delays: Delays | None = None, costs: pd.DataFrame | None = None) -> ExperimentResult:
    """Summaries and paired differences of every variant; with the delays, delay percentiles and
    shares within the norm are pooled over replications (each variant against its own norms);
    with `costs` (`armcosts` rows), the same of the arms' costs."""
    norms = {v.name: delay_norms(v.scenario.norms) for v in exp.variants}
    summary = pd.concat([summarise(regions[regions["variant"] == v.name], ["variant", "region"], REGION_METRICS,
                                   delays, exp.seed, norms[v.name]) for v in exp.variants], ignore_index=True)
    priced = None if costs is None else armcosts.compare(costs, [v.name for v in exp.variants], exp.seed)
    return ExperimentResult(exp, regions, persons, summary,
                            paired_differences(regions, delays=delays, norms=norms, seed=exp.seed),
                            *(priced or (None, None)))


def run(exp: Experiment, folder: RunFolder, backend: Backend, batch_size: int | None = None,
        on_progress: Callable[[int], None] | None = None,
        duties: dict[int, dict[str, Schedule]] | None = None) -> ExperimentResult:
    """Run every variant's missing replications into a run folder (see `csgsim.runtime.runfolder`), then
    assemble the results from what the folder holds, so a resumed run equals an uninterrupted one.
    `duties` ({variant index: {region: plan}}) simulates a plan in hand (a rota) in those arms.
    """
    jobs = {i: make_job(v.scenario, exp.seed, duties=(duties or {}).get(i)) for i, v in enumerate(exp.variants)}
    done = folder.finished()
    pending = {i: [r for r in range(exp.replications) if r not in done.get(i, set())] for i in jobs}
    if on_progress:
        on_progress(len(jobs) * exp.replications - sum(map(len, pending.values())))
    for i, batch in dispatch(backend, jobs, pending, batch_size):
        res = collect(exp.variants[i].scenario, exp.seed, batch)
        folder.add(i, pd.concat([res.region_long, armcosts.rows(res.cost_long)], ignore_index=True),
                   res.person_long, res.delays)
        if on_progress:
            on_progress(len(batch))
    names = [v.name for v in exp.variants]
    regions, persons = folder.tables(names)
    regions, costs = armcosts.split(regions)
    result = result_from_tables(exp, regions, persons, folder.delays(names, list(range(exp.replications)),
                                                                     list(exp.regions)), costs)
    folder.complete({
        "summary_regions": result.summary,
        "differences": result.differences,
        "variants": variants_table(exp),
        "replications_regions": regions,
        "replications_casemanagers": persons,
        **({} if result.costs is None else {"summary_costs": result.costs, "cost_differences": result.cost_differences,
                                            "replications_costs": costs}),
    })
    return result


def identity(exp: Experiment, rota_sha256: str | None = None) -> dict[str, Any]:
    """What a run folder must match to be resumed: everything that decides the results.

    `inputs_sha256` digests every variant's patched scenario document, so an edited comment in
    either file does not block a resume but any changed value does; `rota_sha256` the plan
    simulated in every arm, if any.
    """
    docs = json.dumps([[v.name, v.data] for v in exp.variants], sort_keys=True, default=str)
    return {
        "seed": exp.seed,
        "replications": exp.replications,
        "regions": list(exp.regions),
        "variants": [v.name for v in exp.variants],
        "inputs_sha256": hashlib.sha256(docs.encode()).hexdigest(),
        **({} if rota_sha256 is None else {"rota_sha256": rota_sha256}),
    }


def open_folder(exp: Experiment, path: str | Path, resume: bool, rota_sha256: str | None = None) -> RunFolder:
    """The run folder of `exp` at `path`: new, or (with `resume`) the matching one there."""
    return RunFolder.open(path, identity(exp, rota_sha256), resume, {
        "experiment_name": exp.name, "experiment_file": exp.source, "experiment_sha256": exp.sha256,
        "scenario_file": exp.scenario_file, "scenario_sha256": exp.scenario_sha256})


# --- terminal output ----------------------------------------------------------------------

#: Metrics shown by default: demand, acute response, follow-up, legal load, hours, coverage.
SHOWN = ("acute_reports", "acute_contact_p95", "followup_on_time", "max_oncall_days_per_4w",
         "csg_hours_vs_contract", "gap_hours")


def shown_metrics(names: list[str] | None) -> list[str]:
    """The metrics to print: those asked for (checked against REGION_METRICS) or SHOWN."""
    unknown = [m for m in names or [] if m not in REGION_METRICS]
    if unknown:
        raise ExperimentError(f"--metric {unknown[0]!r} is unknown; allowed: {', '.join(REGION_METRICS)}")
    return list(names) if names else [m for m in SHOWN if m in REGION_METRICS]


def what_if(base: Scenario, changed: Scenario, label: str, replications: int, seed: int, backend: Backend,
            on_progress: Callable[[int], None] | None = None) -> ExperimentResult:
    """The same replications of `base` and of `changed` (e.g. with a dropout), and their paired
    differences: a two-arm experiment built in memory, with nothing written to disk.
    """
    from csgsim.runtime.replications import run as run_scenario

    arms = []
    for name, sc in ((BASELINE, base), (label, changed)):
        res = run_scenario(sc, replications, seed, backend=backend, on_progress=on_progress)
        arms.append(Variant(name, "variant" if arms else BASELINE, "", "", (), (), (), {}, sc))
        arms[-1] = (arms[-1], res)
    regions = pd.concat([res.region_long.assign(variant=v.name) for v, res in arms], ignore_index=True)
    persons = pd.concat([res.person_long.assign(variant=v.name) for v, res in arms], ignore_index=True)
    delays = {(v.name, *key): arrays for v, res in arms for key, arrays in (res.delays or {}).items()}
    exp = Experiment(f"What if: {label}", base.source, base.digest, base.source, base.digest, seed, replications,
                     tuple(base.regions), tuple(v for v, _ in arms), "")
    return result_from_tables(exp, regions, persons, delays)
