"""The commands that simulate a scenario as given: run, validate, experiment and whatif."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from csgsim.core.errors import OutputError
from csgsim.core.text import safe
from csgsim.ui.app import (MAX_REPLICATIONS, AbsentOpt, Format, LeavesOpt, ScenarioOpt, SchedulerOpt, SeedOpt, WorkersOpt,
                           app, built_in, check_plot_file, fail, load_scenario, needs_out, progress_bar, replications_option,
                           stdout_console)
from csgsim.ui.interrupts import keeping



def show_run(result, fmt: Format) -> None:
    """A run's figures on stdout: tables (not folded when written to a file), JSON or CSV."""
    from csgsim.ui import outputs as report

    if fmt is Format.json:
        typer.echo(report.to_json(result))
    elif fmt is Format.csv:
        typer.echo(result.region_summary().to_csv(index=False), nl=False)
    else:
        report.print_tables(result, stdout_console())


@app.command()
def run(
    scenario: ScenarioOpt = None,
    region: Annotated[Optional[list[str]], typer.Option("--region", "-r", help="Only this region (repeatable).")] = None,
    replications: Annotated[Optional[int], replications_option("Default: the scenario's.")] = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output on stdout.")] = Format.table,
    out: Annotated[Optional[Path], typer.Option(help="Write Parquet tables and a manifest to this folder "
                                                     "(a new or empty one, or an earlier run's with --overwrite).")] = None,
    overwrite: Annotated[bool, typer.Option(help="With --out: replace the earlier csgsim run in that folder "
                                                 "(and discard an interrupted one).")] = False,
    resume: Annotated[bool, typer.Option(help="With --out: complete the interrupted run into that folder "
                                              "(its finished batches are kept), or start it.")] = False,
    csv: Annotated[bool, typer.Option(help="With --out: also write the summaries as CSV.")] = False,
    records: Annotated[bool, typer.Option(help="With --out: also write every report, contact and call-out.")] = True,
    absent: AbsentOpt = None,
    leaves: LeavesOpt = None,
    plot: Annotated[Optional[Path], typer.Option(help="Also draw the key figures per region to this new PNG or PDF "
                                                      "file (an existing one only with --overwrite).")] = None,
    rota: Annotated[Optional[Path], typer.Option(help="A plan from `csgsim rota` (its rota.csv) instead of the region's duty pattern and leave plan.")] = None,
) -> None:
    """Simulate a scenario and print delays and casemanager load with 95% confidence intervals.

    With --out every finished batch is kept beside the folder until the result is written:
    after Ctrl-C or a crash, --resume completes the run with the result an uninterrupted run gives.
    """
    from csgsim.core.errors import CsgsimError

    needs_out(out, **{"--csv": csv, "--no-records": not records, "--resume": resume,
                      "--overwrite": overwrite and plot is None})
    check_plot_file(plot, overwrite)
    sc = load_scenario(scenario, region, absent, leaves)
    sc, duties = with_rota(sc, rota)
    n = replications or sc.replications
    seed = sc.seed if seed is None else seed
    try:
        if out is None:
            result = run_in_memory(sc, n, seed, workers, scheduler, duties)
        else:
            identity = {"scenario_sha256": sc.digest, "regions": list(sc.regions), "absent": absent or [],
                        "leaves": leaves or [], "seed": seed, "replications": n, "records": records,
                        "rota": rota_digest(rota)}
            result = run_into(sc, n, seed, workers, scheduler, out, identity, overwrite, resume, csv,
                              lambda res: show_run(res, fmt), duties)
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        if out is None:  # not an output's fault
            raise
        raise fail(f"--out {out}: cannot write there ({exc.strerror})") from None
    if out is None:
        show_run(result, fmt)
    if plot is not None:
        draw_plot(result, plot)


def rota_digest(path: Path | None) -> str | None:
    """The SHA-256 of a --rota file, so that --resume refuses a run folder made with another plan."""
    import hashlib

    return None if path is None else hashlib.sha256(path.read_bytes()).hexdigest()


def with_rota(sc, path: Path | None):
    """The scenario and duty plans to simulate with `--rota` (a plan in hand for its region)."""
    if path is None:
        return sc, None
    from csgsim.core.errors import CsgsimError
    from csgsim.studies import rota as planner
    from csgsim.ui.rota_files import read_plan

    try:
        sc, duties, notes = planner.simulated(sc, read_plan(path, sc))
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    return sc, duties


def rota_arms(exp, path: Path | None):
    """The experiment with the --rota plan simulated in every arm (each arm's scenario must fit
    it: same region, people, lines and period), and the plans by arm index; unchanged without one."""
    if path is None:
        return exp, None
    from dataclasses import replace

    from csgsim.core.errors import ScenarioError
    from csgsim.studies import rota as planner
    from csgsim.ui.rota_files import read_plan

    arms, duties, notes = [], {}, []
    for i, v in enumerate(exp.variants):
        try:
            sc, duties[i], said = planner.simulated(v.scenario, read_plan(path, v.scenario))
        except ScenarioError as exc:
            raise ScenarioError(f"{exp.source} variant {v.name!r} with --rota: {exc}") from None
        arms.append(replace(v, scenario=sc))
        notes += [n for n in said if n not in notes]
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    return replace(exp, variants=tuple(arms)), duties


def run_in_memory(sc, n: int, seed: int, workers: int | None, scheduler: str | None, duties=None):
    """The replications of `sc` (with `duties`: a rota's plans), kept only in memory (nothing is written)."""
    from csgsim.runtime import replications as reps
    from csgsim.runtime.executors import make_executor

    with keeping(lambda: "nothing was written; run the command again"), \
            make_executor(workers, scheduler) as backend, progress_bar(n, "replications") as bar:
        task = bar.add_task("run", total=n)
        return reps.run(sc, n, seed, backend=backend, on_progress=lambda k: bar.advance(task, k), duties=duties)


def run_into(sc, n: int, seed: int, workers: int | None, scheduler: str | None, out: Path, identity: dict,
             overwrite: bool, resume: bool, csv: bool, show, duties=None):
    """Run into output folder `out`, keeping finished batches beside it until the result is
    published (see `csgsim.runtime.partial`); `show(result)` prints the figures before the files are written."""
    import shlex
    import sys
    from contextlib import ExitStack

    from csgsim.runtime.executors import make_executor
    from csgsim.runtime.partial import PartialRun
    from csgsim.runtime.runfolder import OutputFolder
    from csgsim.runtime.streaming import RecordWriter
    from csgsim.ui import outputs as report

    again = ["csgsim", *sys.argv[1:], *([] if resume else ["--resume"])]
    with ExitStack() as stack:
        folder = stack.enter_context(OutputFolder(out, overwrite))
        kept = PartialRun.open(out, identity, resume, overwrite)
        stack.enter_context(keeping(lambda: f"{kept.batch_count()} finished batches are kept in {kept.path}; "
                                            f"complete the run with: {shlex.join(again)}"))
        writer = RecordWriter(folder.staging) if identity["records"] else None
        if writer is not None:
            stack.callback(writer.close)
        with make_executor(workers, scheduler) as backend, progress_bar(n, "replications") as bar:
            task = bar.add_task("run", total=n)
            result = kept.run(sc, n, seed, backend, identity["records"], lambda k: bar.advance(task, k), writer,
                              duties)
        show(result)
        if writer is not None:
            writer.close()
        report.write_outputs(result, folder.staging, csv=csv, streamed=writer.names if writer else None)
        typer.echo(safe(f"wrote {len(folder.publish())} files to {out}"), err=True)
        kept.remove()
    return result


def draw_plot(result, plot: Path) -> None:
    """The key figures per region to `plot`; a file that cannot be written is a clear error."""
    from csgsim.ui import plots

    try:
        plots.plot_summary(result, plot)
    except OutputError as exc:
        raise fail(f"--plot {exc}") from None
    except OSError as exc:
        raise fail(f"--plot {plot}: cannot write there ({exc.strerror})") from None
    typer.echo(safe(f"wrote {plot}"), err=True)


@app.command()
def validate(
    scenario: Annotated[Optional[Path], typer.Argument(callback=built_in, help="Scenario TOML file, or the name of a "
                                                       "built-in model such as zeeland (default: the built-in "
                                                       "Netherlands model).")] = None,
) -> None:
    """Check a scenario file and list its regions and every assumed or sourced value."""
    from csgsim.core.errors import CsgsimError
    from csgsim.model import inputs
    from csgsim.ui.formatting import PLAIN

    sc = load_scenario(scenario)
    try:
        inputs.check(sc)
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{safe(sc.source)}: valid. {safe(sc.name)}; {_counted(len(sc.regions), 'region')}, {_counted(len(sc.events), 'event')}, "
               f"{sc.start} + {sc.days} days")
    for rid, r in sc.regions.items():
        typer.echo(safe(f"  {rid}: {r.name}, {PLAIN.given(r.acute.level)} acute + {PLAIN.given(r.non_acute.level)} non-acute "
                        f"in {r.acute.level_year}, {r.casemanagers} casemanagers, {r.duty.pattern}, backup {r.backup}"))
    assumed = sum(v.startswith("assumption") for v in sc.provenance.values())
    typer.echo(f"provenance: {len(sc.provenance) - assumed} sourced values, {assumed} assumptions")
    for key, text in sc.provenance.items():
        typer.echo(f"  {safe(key)}: {safe(text)}")


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@app.command()
def experiment(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Experiment TOML file (see experiments/).")],
    out: Annotated[Optional[Path], typer.Option(help="Run folder (default: results/<file name without .toml>).")] = None,
    resume: Annotated[bool, typer.Option(help="Complete the run in the folder, or start it if there is none "
                                              "(refused if the folder holds another run).")] = False,
    replications: Annotated[Optional[int], replications_option("Per variant (default: the experiment's).")] = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    batch_size: Annotated[Optional[int], typer.Option(min=1, max=MAX_REPLICATIONS, help="Replications per task (default: about 0.5 s of work).")] = None,
    metric: Annotated[Optional[list[str]], typer.Option("--metric", "-m", help="Metric to print (repeatable).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, or json/csv of every paired difference.")] = Format.table,
    rota: Annotated[Optional[Path], typer.Option(help="A plan from `csgsim rota` (its rota.csv), simulated in every arm instead of the duty pattern and leave plan.")] = None,
) -> None:
    """Run a baseline and variants with common random numbers; print paired differences with 95% CIs.

    Every finished batch is on disk at once: an interrupted run keeps it, and --resume completes
    the run with the same results an uninterrupted run gives.
    """
    from dataclasses import replace

    from csgsim.studies import experiments as ex
    from csgsim.core.errors import CsgsimError
    from csgsim.runtime.executors import make_executor

    try:
        exp = ex.load(file)
        if replications is not None:
            exp = replace(exp, replications=replications)
        shown = ex.shown_metrics(metric)
        exp, duties = rota_arms(exp, rota)
        target = out if out is not None else Path("results") / file.stem
        folder = ex.open_folder(exp, target, resume, rota_digest(rota))
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{target}: cannot write the run folder there ({exc.strerror})") from None
    total = len(exp.variants) * exp.replications
    resume_line = f"complete the run with: csgsim experiment {file} --resume --out {folder.path}"
    try:
        with keeping(lambda: f"{folder.batch_count()} finished batches are kept in {folder.path}; {resume_line}"), \
                folder, make_executor(workers, scheduler) as backend, progress_bar(total, "replications") as bar:
            task = bar.add_task("experiment", total=total)
            typer.echo(f"{safe(exp.name)}: {len(exp.variants)} variants x {exp.replications} replications on "
                       f"{backend.label}; results in {folder.path}", err=True)
            result = ex.run(exp, folder, backend, batch_size, on_progress=lambda k: bar.advance(task, k),
                            duties=duties)
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{folder.path}: cannot write results ({exc.strerror}); finished batches are kept, "
                   f"{resume_line}") from None
    show_differences(result, fmt, shown, lambda rows: {"manifest": folder.manifest, "differences": rows})
    typer.echo(f"wrote {folder.path} (manifest.json, {', '.join(folder.manifest['tables'])})", err=True)


@app.command()
def whatif(
    scenario: ScenarioOpt = None,
    region: Annotated[Optional[list[str]], typer.Option("--region", "-r", help="Only this region (repeatable).")] = None,
    absent: AbsentOpt = None,
    leaves: LeavesOpt = None,
    replications: Annotated[Optional[int], replications_option("Default: the scenario's.")] = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    metric: Annotated[Optional[list[str]], typer.Option("--metric", "-m", help="Metric to print (repeatable).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, or json/csv of the paired differences.")] = Format.table,
) -> None:
    """Compare the scenario with and without a dropout on the same seeds: differences with 95% CIs."""
    from csgsim.studies import experiments as ex
    from csgsim.core.errors import CsgsimError
    from csgsim.runtime.executors import make_executor

    if not absent and not leaves:
        raise fail("whatif needs a dropout: give --absent PERSON:DATE:N(w|d) and/or --leaves PERSON:DATE")
    base = load_scenario(scenario, region)
    changed = load_scenario(scenario, region, absent, leaves)
    label = ", ".join([f"{a} absent" for a in absent or []] + [f"{x} leaves" for x in leaves or []])
    n = replications or base.replications
    try:
        shown = ex.shown_metrics(metric or ["duties_per_4w", "extra_duties_per_4w", "max_oncall_days_per_4w",
                                            "gap_hours", "acute_in_gap", "acute_contact_within_norm",
                                            "followup_on_time", "csg_hours_vs_contract"])
        with make_executor(workers, scheduler) as backend, progress_bar(2 * n, "replications") as bar:
            task = bar.add_task("whatif", total=2 * n)
            result = ex.what_if(base, changed, label, n, base.seed if seed is None else seed, backend,
                                on_progress=lambda k: bar.advance(task, k))
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    show_differences(result, fmt, shown)


def show_differences(result, fmt: Format, shown: list[str], wrap=lambda rows: rows) -> None:
    """Paired differences on stdout: tables (not folded when written to a file), JSON (the rows,
    as `wrap` puts them) or CSV."""
    import json

    import pandas as pd

    from csgsim.ui import tables

    rows = result.differences if result.cost_differences is None else pd.concat(
        [result.differences, result.cost_differences], ignore_index=True)  # costs: a Holm family of their own
    if fmt is Format.json:
        typer.echo(json.dumps(wrap(json.loads(rows.to_json(orient="records"))), indent=2))
    elif fmt is Format.csv:
        typer.echo(rows.to_csv(index=False), nl=False)
    else:
        tables.print_experiment(result, stdout_console(200), shown)
