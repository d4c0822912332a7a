"""Everything the report shows, computed (or read from a run folder) with progress on stderr.

The baseline comes from a run folder written by `csgsim run --out` (or by an earlier report), or
is simulated here; the comparisons (one more casemanager, one long absence) and the budget year
run on the baseline's seed and replication count, so they pair with it. A part whose input is not
available says why, and the report shows that sentence instead of a figure.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csgsim.analysis.metrics import PERSON_METRICS, REGION_METRICS
from csgsim.config import scenario as scenario_mod
from csgsim.config.schema import Scenario
from csgsim.core.errors import CsgsimError
from csgsim.runtime.executors import Backend
from csgsim.runtime.jobs import delays_from_reports
from csgsim.runtime.provenance import manifest as make_manifest
from csgsim.runtime.replications import RunResult, run
from csgsim.studies import capacity, outlook

ABSENCE_WEEKS = 12
OUTLOOK_LAST = 2030


class ReportError(CsgsimError):
    """The report cannot be built from what it was given."""


@dataclass
class ReportData:
    scenario: Scenario
    data: dict[str, Any]
    result: RunResult
    manifest: dict[str, Any]
    plus_one: capacity.Comparison
    plus_line: capacity.Comparison
    absence: capacity.Comparison
    absence_start: date
    budget: pd.DataFrame | None = None
    budget_why: str = ""
    outlook: pd.DataFrame | None = None  # national expected reports per variant and year, with bands
    outlook_why: str = ""  # the outlook file that was not found
    sizing: Any = None  # csgsim.studies.sizing.Sizing, when asked for (--size)
    schemes: dict[str, capacity.Comparison] = field(default_factory=dict)  # every region on another scheme
    outlook_source: tuple[str, list[tuple[str, float]]] | None = None  # experiment file, (variant, uplift)


_STARTED = time.monotonic()


def say(message: str) -> None:
    """Progress on stderr, with the seconds since the command started."""
    from csgsim.ui.formatting import PLAIN

    print(f"report [{PLAIN.seconds(time.monotonic() - _STARTED)}]: {message}", file=sys.stderr, flush=True)


def read_run_folder(folder: Path) -> tuple[Scenario, dict[str, Any], RunResult, dict[str, Any]]:
    """A baseline written by `csgsim run --out` (or an earlier report) with its cost tables and
    records; the scenario file is checked against the run's SHA-256."""
    from csgsim.runtime.runfolder import read_manifest

    man = read_manifest(folder)
    if man is None or "scenario_file" not in man:
        raise ReportError(f"--from {folder}: not a csgsim run folder (no readable manifest.json)")
    path = Path(man["scenario_file"])
    data, digest = scenario_mod.read(path)
    if digest != man.get("scenario_sha256"):
        raise ReportError(f"--from {folder}: {path} has changed since the run (SHA-256 differs); rerun it")
    if any(str(a).startswith(("--absent", "--leaves")) for a in man.get("command", [])):
        raise ReportError(f"--from {folder}: the run has scripted dropout from the command line, which the "
                          "report cannot repeat; run the report on the scenario instead")
    sc = scenario_mod.parse(data, str(path), digest).only(list(man.get("regions", [])))
    data = {**data, "regions": {r: data["regions"][r] for r in sc.regions}}
    if (sc.start.isoformat(), sc.days) != (man.get("start"), man.get("days")):
        raise ReportError(f"--from {folder}: the run covers {man.get('start')} + {man.get('days')} days, the "
                          f"scenario {sc.start} + {sc.days}")
    try:
        tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in
                  ("replications_regions", "replications_casemanagers", "replications_costs", "reports")}
    except (OSError, ValueError) as exc:
        raise ReportError(f"--from {folder}: a table is missing or unreadable ({exc}); write the run with "
                          "`csgsim run --out` on a scenario with [costs], with records") from None
    missing = sorted({"rep", "region", "type", "warmup", "arrival_h", "contact_h", "on_site_h", "intake_h"}
                     - set(tables["reports"].columns))
    if missing:
        raise ReportError(f"--from {folder}: reports.parquet has no column {', '.join(missing)} (written by an "
                          "older csgsim); rerun `csgsim run --out`")
    reps = np.sort(tables["replications_regions"]["rep"].unique())
    people = [(rid, p.id) for rid, reg in sc.regions.items() for p in reg.people]
    result = RunResult(sc, int(man["seed"]), reps,
                       _cube(tables["replications_regions"], reps, ["region"], [(r,) for r in sc.regions], REGION_METRICS),
                       _cube(tables["replications_casemanagers"], reps, ["region", "person"], people, PERSON_METRICS),
                       {"reports": tables["reports"]},
                       delays_from_reports(tables["reports"], list(sc.regions), reps),
                       cost_table=tables["replications_costs"])
    return sc, data, result, man


def _cube(long: pd.DataFrame, reps: np.ndarray, keys: list[str], labels: list[tuple[str, ...]],
          metrics: dict[str, Any]) -> np.ndarray:
    """A long table (rep, keys..., metric, value) as the (rep, label, metric) array of a RunResult."""
    wide = long.pivot_table(index=["rep", *keys], columns="metric", values="value", dropna=False, sort=False)
    index = pd.MultiIndex.from_tuples([(r, *label) for r in reps for label in labels], names=["rep", *keys])
    values = wide.reindex(index=index, columns=list(metrics)).to_numpy(dtype=float)
    return values.reshape(len(reps), len(labels), len(metrics))


def gather(scenario_file: Path | None, folder: Path | None, regions: list[str] | None, replications: int,
           seed: int | None, backend: Backend, outlook_file: Path | None,
           on_progress: Callable[[int], None] | None = None, size_cap: int = 0) -> ReportData:
    """Run (or read) the baseline, then the comparisons, the budget year and the outlook."""
    from csgsim.core import resources

    if folder is not None:
        sc, data, result, man = read_run_folder(folder)
        say(f"baseline from {folder}: {result.replications} replications, seed {result.seed}")
    else:
        path = scenario_file if scenario_file is not None else resources.default_model()
        data, digest = scenario_mod.read(path)
        if regions:
            scenario_mod.parse(data, str(path), digest).only(regions)
            data = {**data, "regions": {r: data["regions"][r] for r in regions}}
        sc = scenario_mod.parse(data, str(path), digest)
        n, s = replications, sc.seed if seed is None else seed
        say(f"1/6 baseline {sc.start.year}: {n} replications of {len(sc.regions)} region{'s' if len(sc.regions) > 1 else ''}")
        result = run(sc, n, s, backend=backend, keep_records=True, on_progress=on_progress)
        man = make_manifest(result)
    if all(r.costs is None for r in sc.regions.values()):
        raise ReportError(f"{sc.source}: the scenario has no [costs] table; the report needs one "
                          "(see models/three-regions.toml)")
    n, s = result.replications, result.seed
    say(f"2/6 one more casemanager per region: {n} replications on the same seeds")
    plus = capacity.compare(sc, capacity.plus_one(data, sc.source), "+1", n, s, backend, on_progress,
                            base_result=result)
    say("3/6 one more on-call line per region (Friday and Saturday nights) on the same seeds")
    line = capacity.compare(sc, capacity.plus_line(data, sc.source), "+line", n, s, backend, on_progress,
                            base_result=result)
    out_sc, start = capacity.key_person_out(sc, ABSENCE_WEEKS)
    say(f"4/6 first casemanager of each region out {ABSENCE_WEEKS} weeks from {start}")
    absence = capacity.compare(sc, out_sc, "absence", n, s, backend, on_progress, base_result=result)
    report = ReportData(sc, data, result, man, plus, line, absence, start)
    _budget_year(report, backend, on_progress)
    _other_schemes(report, backend, on_progress)
    _outlook(report, outlook_file)
    if size_cap:
        _sizing(report, backend, on_progress, size_cap)
    return report


SIZES = list(range(2, 11))


def _sizing(report: ReportData, backend: Backend, on_progress: Callable[[int], None] | None, cap: int) -> None:
    """The smallest team per region meeting the default targets (csgsim size), at most `cap`
    replications per size."""
    from csgsim.studies import sizing
    from csgsim.studies import targets

    goals = targets.default_targets(report.scenario)
    say(f"sizing every region: sizes {SIZES[0]}-{SIZES[-1]}, targets {', '.join(map(str, goals))}, "
        f"at most {cap} replications per size")
    report.sizing = sizing.size(report.data, report.scenario.source, list(report.scenario.regions), SIZES, goals,
                                report.result.seed, backend, batch=min(10, cap), max_replications=cap,
                                on_progress=on_progress)


def _budget_year(report: ReportData, backend: Backend, on_progress: Callable[[int], None] | None) -> None:
    years = {r.costs.budget_year for r in report.scenario.regions.values() if r.costs and r.costs.budget_year}
    if not years:
        report.budget_why = "no region has a [costs] budget_check band"
        say("5/6 budget check skipped: " + report.budget_why)  # the page says it in its own language
        return
    year = min(years)
    n, s = report.result.replications, report.result.seed
    say(f"5/6 budget check: the scenario in {year}, {n} replications")
    sc = scenario_mod.parse(capacity.in_year(report.data, year), f"{report.scenario.source} ({year})",
                            report.scenario.digest)
    report.budget = capacity.budget_check(run(sc, n, s, backend=backend, on_progress=on_progress))


def _other_schemes(report: ReportData, backend: Backend, on_progress: Callable[[int], None] | None) -> None:
    """The same replications priced under every other on-call scheme of [costs.schemes]."""
    used = {r.costs.scheme.name for r in report.scenario.regions.values() if r.costs}
    names = [n for n in report.data["costs"].get("schemes", {}) if n not in used or len(used) > 1]
    n, s = report.result.replications, report.result.seed
    for name in names:
        say(f"6/6 costs under scheme {name}: {n} replications on the same seeds")
        other = capacity.with_scheme(report.data, report.scenario.source, name)
        report.schemes[name] = capacity.compare(report.scenario, other, name, n, s, backend, on_progress,
                                                base_result=report.result)


def _outlook(report: ReportData, outlook_file: Path | None) -> None:
    """Expected reports per year from the first level year to OUTLOOK_LAST, for the outlook variants."""
    from csgsim.core import resources
    from csgsim.studies import experiments

    path = outlook_file or resources.models_dir().parent / "experiments" / "zedenwet-2024.toml"
    if not path.is_file():
        report.outlook_why = str(path)  # the page says, in its language, that this file was not found
        say(f"outlook skipped: {path} not found (pass --outlook FILE with an experiment of event variants)")
        return
    exp = experiments.load(path)
    variants = {v.name: v.scenario.events for v in exp.variants}
    first = min(r.acute.level_year for r in report.scenario.regions.values())
    table = outlook.expected_by_year(report.scenario, variants, first, OUTLOOK_LAST)
    report.outlook = outlook.national(table)
    report.outlook_source = (path.name, [(v.name, max((e.effect for e in v.scenario.events), default=0.0))
                                         for v in exp.variants])
