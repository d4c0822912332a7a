"""Replications: run a scenario many times, serially or in parallel, with identical results.

A replication is every region of the scenario simulated once with the streams of its index
(see `csgsim.core.streams.stream`), so results depend only on (scenario, seed, replication index), never on
the worker that ran them or the order they finished in. Workers receive batches of indices
(see `csgsim.runtime.executors.dispatch`) and return compact arrays; the parent puts them back in index order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csgsim.analysis.costs import ADDITIVE, COST_METRICS, year_windows
from csgsim.analysis.delays import delay_norms
from csgsim.analysis.metrics import PERSON_METRICS, REGION_METRICS
from csgsim.analysis.summary import summarise, summarise_values
from csgsim.config.schema import Scenario
from csgsim.runtime import heap
from csgsim.runtime.executors import RECORDS_TASK_SECONDS, TARGET_TASK_SECONDS, Backend, dispatch, make_executor
from csgsim.runtime.jobs import Replication, make_job
from csgsim.runtime.spill import FigureCube, SpilledDelays
from csgsim.runtime.streaming import RecordWriter
from csgsim.staff.rota import Planned


@dataclass
class RunResult:
    """Per-replication figures as arrays (replication x label x metric; a run's are
    `spill.FigureCube`s on disk, read a label or a stretch of replications at a time), their
    summaries, and optional raw records.

    The long tables (`region_long`, `person_long`: one row per replication, label and metric)
    are built only when asked for, or a slice at a time (`region_rows`, `person_rows`): for the
    national model they are about 3,000 rows a replication, and building them whole for 1,000
    replications held most of a run's memory. Summaries come from the arrays directly.
    """

    scenario: Scenario
    seed: int
    reps: np.ndarray  # replication indices, ascending
    region_values: np.ndarray | FigureCube  # (reps, regions, region metrics)
    person_values: np.ndarray | FigureCube  # (reps, people of all regions, person metrics)
    records: dict[str, pd.DataFrame] | None
    # (region, delay): one array per rep; a `SpilledDelays` (on disk) after a run
    delays: Mapping[tuple[str, str], list[np.ndarray]] | None = None
    cost_table: pd.DataFrame | None = None  # `cost_long` as read from a run's files
    # a run's costs (reps, regions, years, cost metrics), on disk (reps, regions x years, cost metrics); None: no [costs]
    cost_values: np.ndarray | FigureCube | None = None
    _summaries: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False, compare=False)

    def _summary(self, name: str, make: Callable[[], pd.DataFrame | None]) -> pd.DataFrame | None:
        """Summaries are computed once (a report asks for them many times); tables are not mutated."""
        if name not in self._summaries:
            self._summaries[name] = make()
            heap.release()
        return self._summaries[name]

    @property
    def replications(self) -> int:
        return len(self.reps)

    def _people(self) -> list[tuple[str, str, str]]:
        return [(rid, p.id, p.role) for rid, reg in self.scenario.regions.items() for p in reg.people]

    def region_rows(self, part: slice = slice(None)) -> pd.DataFrame:
        """rep, region, metric, value for the replications in `part` (positions, not indices)."""
        return _long(self.reps[part], self.region_values[part], [(r,) for r in self.scenario.regions],
                     ["region"], list(REGION_METRICS))

    def person_rows(self, part: slice = slice(None)) -> pd.DataFrame:
        """rep, region, person, role, metric, value for the replications in `part`."""
        return _long(self.reps[part], self.person_values[part], self._people(), ["region", "person", "role"],
                     list(PERSON_METRICS))

    @property
    def region_long(self) -> pd.DataFrame:
        return self.region_rows()

    @property
    def person_long(self) -> pd.DataFrame:
        return self.person_rows()

    def region_summary(self) -> pd.DataFrame:
        """Means with t-intervals; delay percentiles and shares within the norms pooled over replications."""
        return self._summary("regions", lambda: summarise_values(
            self.region_values, [(r,) for r in self.scenario.regions], ["region"], REGION_METRICS, self.delays,
            self.seed, delay_norms(self.scenario.norms), after_label=heap.release))

    @property
    def cost_long(self) -> pd.DataFrame | None:
        """rep, region, year, metric, value; None without [costs]. A run's is built from
        `cost_values` at each call (about 10 MB for 1,000 national replications), not held."""
        return self.cost_table if self.cost_values is None else self.cost_rows()

    def cost_rows(self, part: slice = slice(None)) -> pd.DataFrame | None:
        """`cost_long` for the replications in `part` (positions, not indices); None without [costs]."""
        if self.cost_values is None:
            table = self.cost_table
            return None if table is None else table[table["rep"].isin(self.reps[part])].reset_index(drop=True)
        return _cost_long(self.reps[part], list(self.scenario.regions), _years(self.scenario), self.cost_values[part])

    def cost_summary(self) -> pd.DataFrame | None:
        """Costs per region and year, and for the whole scenario ('national'), mean and 95% CI."""
        if self.cost_values is None:
            if self.cost_table is None:
                return None
            return self._summary("costs", lambda: summarise(with_national(self.cost_table), ["region", "year"],
                                                            COST_METRICS))
        return self._summary("costs", lambda: cost_summary_of(self.scenario, self.reps, self.cost_values))

    def person_summary(self) -> pd.DataFrame:
        return summarise_values(self.person_values, self._people(), ["region", "person", "role"], PERSON_METRICS)


def _long(reps: np.ndarray, cube: np.ndarray, labels: list[tuple[str, ...]], keys: list[str],
          metrics: list[str]) -> pd.DataFrame:
    """A (rep, label, metric) array as long rows in that order. Text columns repeat references to
    the few label strings (object arrays), not fixed-width copies of them."""
    n_labels, n_metrics = len(labels), len(metrics)
    columns: dict[str, np.ndarray] = {"rep": np.repeat(reps, n_labels * n_metrics)}
    for k, key in enumerate(keys):
        column = np.empty(n_labels, dtype=object)
        column[:] = [label[k] for label in labels]
        columns[key] = np.tile(np.repeat(column, n_metrics), len(reps))
    names = np.empty(n_metrics, dtype=object)
    names[:] = metrics
    columns["metric"] = np.tile(names, len(reps) * n_labels)
    columns["value"] = cube.ravel()
    frame = pd.DataFrame(columns)
    text = [*keys, "metric"]
    frame[text] = frame[text].astype("str")  # the same text type pandas gives a column of strings
    return frame


class Collector:
    """Takes finished batches one at a time into the arrays of a `RunResult`, so the main process
    never holds the replications themselves: with `spill` per-replication figures and delays go
    to disk (see `csgsim.runtime.spill`), else into arrays made once for all `reps` and a dict;
    records (only those still in the batch) into lists."""

    def __init__(self, scenario: Scenario, seed: int, reps: list[int] | np.ndarray, spill: bool = True):
        self.scenario, self.seed = scenario, seed
        self.reps = np.sort(np.asarray(reps, dtype=np.int64))
        self._position = {int(r): i for i, r in enumerate(self.reps)}
        n, regions = len(self.reps), len(scenario.regions)
        n_people = sum(len(reg.people) for reg in scenario.regions.values())
        self.spill = spill
        cube = FigureCube if spill else lambda *shape: np.empty(shape)
        self.regions = cube(n, regions, len(REGION_METRICS))
        self.persons = cube(n, n_people, len(PERSON_METRICS))
        self.costs: np.ndarray | FigureCube | None = None
        self.delays: SpilledDelays | dict[tuple[str, str], list[np.ndarray]] = (
            SpilledDelays(self._position) if spill else {})
        self.records: dict[str, list[pd.DataFrame | None]] | None = None

    def add(self, batch: list[Replication]) -> None:
        """Take a batch's figures; the batch can be dropped afterwards."""
        for r in batch:
            i = self._position[r.rep]
            self._put(i, r)
            if isinstance(self.delays, SpilledDelays):
                self.delays.add(r.rep, list(self.scenario.regions), r.delays)
            else:
                for rid, kinds in zip(self.scenario.regions, r.delays):
                    for kind, values in kinds.items():
                        self.delays.setdefault((rid, kind), [None] * len(self.reps))[i] = values
            if r.records is not None:
                if self.records is None:
                    self.records = {k: [None] * len(self.reps) for k in r.records}
                for k, table in r.records.items():
                    self.records[k][i] = table

    def _put(self, i: int, r: Replication) -> None:
        """Replication `r`'s figures at position `i` (costs on disk with regions x years as one axis)."""
        if self.spill:
            self.regions.put(i, r.regions)
            self.persons.put(i, r.persons)
        else:
            self.regions[i], self.persons[i] = r.regions, r.persons
        if r.costs is None:
            return
        if self.costs is None:
            self.costs = (FigureCube(len(self.reps), r.costs.shape[0] * r.costs.shape[1], r.costs.shape[2])
                          if self.spill else np.zeros((len(self.reps), *r.costs.shape), dtype=r.costs.dtype))
        if self.spill:
            self.costs.put(i, r.costs.reshape(-1, r.costs.shape[2]))
        else:
            self.costs[i] = r.costs

    def result(self) -> RunResult:
        """The run's result (every replication of `reps` must have been added)."""
        records = None if self.records is None else {k: pd.concat(t, ignore_index=True)
                                                     for k, t in self.records.items()}
        priced = any(reg.costs is not None for reg in self.scenario.regions.values())
        return RunResult(self.scenario, self.seed, self.reps, self.regions, self.persons, records, self.delays,
                         cost_values=self.costs if priced else None)


def collect(scenario: Scenario, seed: int, results: list[Replication]) -> RunResult:
    """Stack replications (in index order) into arrays, delays in memory (a few at a time)."""
    collector = Collector(scenario, seed, [r.rep for r in results], spill=False)
    collector.add(results)
    return collector.result()


def _years(scenario: Scenario) -> list[int]:
    """The calendar years of the reported period, as the cost cube's third axis."""
    return [y for y, _, _ in year_windows(scenario.simulation_calendar, scenario.warmup_hours)]


def _cost_long(reps: np.ndarray, regions: list[str], years: list[int], cube: np.ndarray) -> pd.DataFrame:
    """The cost cube (rep, region, year, metric) in long form."""
    metrics = list(COST_METRICS)
    inner = len(regions) * len(years) * len(metrics)
    return pd.DataFrame({
        "rep": np.repeat(reps, inner),
        "region": np.tile(np.repeat(_texts(regions), len(years) * len(metrics)), len(reps)),
        "year": np.tile(np.repeat(years, len(metrics)), len(reps) * len(regions)),
        "metric": np.tile(_texts(metrics), len(reps) * len(regions) * len(years)),
        "value": cube.ravel(),
    })


def _texts(words: list[str]) -> np.ndarray:
    """`words` as an object array: repeated, it holds references to the few strings, where a
    fixed-width text array would copy each (for 1,000 national replications, tens of MB)."""
    out = np.empty(len(words), dtype=object)
    out[:] = words
    return out


def with_national(cost_long: pd.DataFrame) -> pd.DataFrame:
    """Add region 'national': per replication and year, the sum of the regions' additive figures,
    its days, and the per-case figures of the sums (regions without [costs] left out)."""
    long = _national(cost_long).reset_index().melt(id_vars=["rep", "year"], var_name="metric")
    long["region"] = "national"
    return pd.concat([cost_long, long[cost_long.columns]], ignore_index=True)


def _national(cost_long: pd.DataFrame) -> pd.DataFrame:
    """The national figures of `with_national`, indexed by (rep, year) in the table's order,
    with the COST_METRICS as columns. Each (rep, year) is computed from its own rows alone."""
    wide = cost_long.pivot_table(index=["rep", "year", "region"], columns="metric", values="value",
                                 sort=False).dropna(how="all")
    nat = wide[list(ADDITIVE)].groupby(level=["rep", "year"], sort=False).sum()
    nat["days"] = wide["days"].groupby(level=["rep", "year"], sort=False).first()
    with np.errstate(invalid="ignore", divide="ignore"):
        nat["cost_per_case"] = nat["total"] / nat["reports"].where(nat["reports"] > 0)
        nat["variable_per_case"] = nat["variable"] / nat["reports"].where(nat["reports"] > 0)
    return nat[list(COST_METRICS)]


#: Replications whose national cost figures are computed at a time (see `cost_summary_of`).
COST_CHUNK = 50


def cost_summary_of(scenario: Scenario, reps: np.ndarray, cube: np.ndarray | FigureCube,
                    chunk: int = COST_CHUNK) -> pd.DataFrame:
    """`summarise(with_national(cost_long))` of a cost cube (rep, region, year, metric; on disk
    rep, region x year, metric) without the long table: the national figures `chunk`
    replications at a time (with the same pandas code, so the same numbers), then per (region,
    year, metric) the replications' vector, as `summarise_values` takes it. The rows come in the
    order `summarise` gives them: the regions (region, year, metric), then 'national' metric by
    metric (the order `melt` leaves them in).
    """
    regions, years = list(scenario.regions), _years(scenario)
    n, n_years, n_metrics = len(reps), len(years), len(COST_METRICS)
    national = np.empty((n, n_years, n_metrics))
    for start in range(0, n, chunk):
        part = slice(start, start + chunk)
        figures = _national(_cost_long(reps[part], regions, years, cube[part]))
        if len(figures) != len(reps[part]) * n_years:
            raise ValueError("a replication-year has no region with cost figures")
        national[part] = figures.to_numpy().reshape(-1, n_years, n_metrics)
    keys = ["region", "year"]
    by_region = summarise_values(cube.reshape(n, len(regions) * n_years, n_metrics) if isinstance(cube, np.ndarray)
                                 else cube,
                                 [(r, y) for r in regions for y in years], keys, COST_METRICS)
    by_year = summarise_values(national, [("national", y) for y in years], keys, COST_METRICS)
    metric_first = [y * n_metrics + m for m in range(n_metrics) for y in range(n_years)]
    return pd.concat([by_region, by_year.iloc[metric_first]], ignore_index=True)


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    keep_records: bool = False,
    backend: Backend | None = None,
    on_progress: Callable[[int], None] | None = None,
    record_writer: RecordWriter | None = None,
    duties: dict[str, Planned] | None = None,
) -> RunResult:
    """Run `replications` replications (default: the scenario's) of every region.

    On `backend` if given (see `executors`), else on `workers` local processes (default: all).
    With `record_writer`, every report, task and call-out goes to its files batch by batch
    (no record stays in memory) and the result holds no records; with `keep_records` alone
    they are returned in memory. `duties`: per region, a duty plan in hand (a rota) instead of the
    region's pattern; sickness is still re-planned on top of it.
    """
    seed = scenario.seed if seed is None else seed
    n = scenario.replications if replications is None else replications
    job = make_job(scenario, seed, keep_records or record_writer is not None, duties)
    collector = Collector(scenario, seed, list(range(n)))
    with nullcontext(backend) if backend is not None else make_executor(workers) as opened:
        seconds = RECORDS_TASK_SECONDS if keep_records or record_writer is not None else TARGET_TASK_SECONDS
        for _, batch in dispatch(opened, {0: job}, {0: list(range(n))}, target_seconds=seconds):
            if record_writer is not None:
                record_writer.add(batch)
            collector.add(batch)
            if on_progress:
                on_progress(len(batch))
            del batch
            heap.release()
    return collector.result()
