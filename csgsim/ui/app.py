"""The `csgsim` app and what its commands share: options with their bounds, the scenario
loader, errors that exit 2, consoles and progress bars. The command modules register on `app`;
`csgsim.ui.cli` imports them all, so nothing here imports a command module (no cycle).
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="csgsim",
    help="Simulate the on-call duty (piket) of the Dutch Centra Seksueel Geweld.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help: it wraps at any width without cutting option names, and takes no markup,
    # so '[dask]' in a help text stays as written (rich would eat it as a style tag).
    rich_markup_mode=None,
)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def built_in(path: Path | None) -> Path | None:
    """A scenario option as a file: the path given, or a built-in model of that name (`zeeland`)."""
    from csgsim.core import resources

    return None if path is None else resources.find_model(path)


ScenarioOpt = Annotated[
    Optional[Path],
    typer.Option("--scenario", "-s", callback=built_in, help="Scenario TOML file, or the name of a built-in "
                 "model such as zeeland (default: the built-in Netherlands model)."),
]


# --- the bounds of every numeric option, in one place ----------------------------------------

#: Replications in any command (a scenario allows as many); numpy seeds are 64-bit.
MAX_REPLICATIONS = 1_000_000
MAX_SEED = 2**63 - 1
#: Worker processes per core: more only add memory (about 125 MB each) and start-up time.
WORKERS_PER_CORE = 4


def cores() -> int:
    """Cores this process may use."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def max_workers() -> int:
    return WORKERS_PER_CORE * cores()


def replications_option(help: str, minimum: int = 1, short: bool = True):
    """The --replications option (-n) of a command, bounded to minimum..MAX_REPLICATIONS."""
    names = ("--replications", "-n") if short else ("--replications",)
    return typer.Option(*names, min=minimum, max=MAX_REPLICATIONS, help=help)


def _cap_workers(value: int | None) -> int | None:
    """--workers above WORKERS_PER_CORE per core is capped there, with a note on stderr."""
    top = max_workers()
    if value is not None and value > top:
        typer.echo(f"note: --workers {value} is more than {WORKERS_PER_CORE} per core; using {top}", err=True)
        return top
    return value


def _check_scheduler(value: str | None) -> str | None:
    from csgsim.runtime.executors import BackendError, check_scheduler

    try:
        return None if value is None else check_scheduler(value)
    except BackendError as exc:
        raise fail(str(exc)) from None


SeedOpt = Annotated[Optional[int], typer.Option(min=0, max=MAX_SEED, help="Master seed (default: the scenario's).")]
WorkersOpt = Annotated[Optional[int], typer.Option(
    min=1, callback=_cap_workers,
    help=f"Processes (default: all cores; at most {WORKERS_PER_CORE} per core, {max_workers()} here).")]
SchedulerOpt = Annotated[
    Optional[str],
    typer.Option(callback=_check_scheduler,
                 help="Run on Dask: 'local' (a local cluster of --workers processes) or tcp://HOST:PORT "
                      "(needs pip install 'csgsim[dask]'). Default: a process pool on this machine."),
]


def fail(message: str) -> typer.Exit:
    """An error line on stderr (control characters escaped) and exit code 2."""
    from csgsim.core.text import safe

    typer.echo(f"error: {safe(message)}", err=True)
    return typer.Exit(code=2)


def needs_out(out: object, needed: str = "--out FOLDER", **options: bool) -> None:
    """Refuse options that only mean something with --out (or `needed`) when it is missing."""
    given = [name for name, on in options.items() if on]
    if out is None and given:
        raise fail(f"{', '.join(given)} only applies with {needed}; add it or leave {given[0]} out")


AbsentOpt = Annotated[
    Optional[list[str]],
    typer.Option("--absent", help="PERSON:YYYY-MM-DD:N(w|d): out from that day for N weeks or days (repeatable)."),
]
LeavesOpt = Annotated[
    Optional[list[str]],
    typer.Option("--leaves", help="PERSON:YYYY-MM-DD: leaves that day; vacancy, then onboarding (repeatable). "
                 "PERSON may be 'coordinator' with one --region."),
]


def load_scenario(path: Path | None, regions: list[str] | None = None, absent: list[str] | None = None,
                  leaves: list[str] | None = None):
    """The scenario (default: the built-in model), narrowed to `regions`, with scripted dropout."""
    from csgsim.core import resources
    from csgsim.config import scenario
    from csgsim.core.errors import CsgsimError

    try:
        full = scenario.load(path if path is not None else resources.default_model())
        sc = full.only(regions) if regions else full
        for dropped in set(full.shared_lines) - set(sc.shared_lines):
            typer.echo(f"note: shared line {dropped.line.id!r} ({' + '.join(dropped.regions)}) is left out with its "
                       "regions: the regions run here keep their own lines in its hours", err=True)
        scripted = scripted_absences(absent, leaves)
        return scenario.with_absences(sc, scripted) if scripted else sc
    except CsgsimError as exc:
        raise fail(str(exc)) from None


def scripted_absences(absent: list[str] | None, leaves: list[str] | None) -> list:
    """The --absent and --leaves options as scripted absences (a ScenarioError names a bad one)."""
    from csgsim.config import staffing

    return ([staffing.parse_absent_option(a) for a in absent or []]
            + [staffing.parse_leaves_option(x) for x in leaves or []])


def read_model(path: Path | None):
    """The scenario document (default: the built-in model), its source name and the parsed
    scenario; raises CsgsimError. For commands that change the document before running it."""
    from csgsim.config import scenario
    from csgsim.core import resources

    path = path if path is not None else resources.default_model()
    data, digest = scenario.read(path)
    return data, str(path), scenario.parse(data, str(path), digest)


def stdout_console(width: int = 160):
    """A rich console on stdout: the terminal's width, or `width` when written to a file or a
    pipe (rich's 80 columns would fold the tables)."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else width)


def check_plot_file(plot: Path | None, overwrite: bool = False) -> None:
    """Refuse an unknown picture format, or a file csgsim may not write, before any work is done."""
    if plot is not None and plot.suffix.lower() not in (".png", ".pdf"):
        raise fail(f"--plot {plot}: allowed file types are .png and .pdf")
    check_new_file("--plot", plot, overwrite)


def check_new_file(option: str, path: Path | None, overwrite: bool) -> None:
    """A single output file the user named: its folder must exist (csgsim makes no folders for
    one file), and an existing file is replaced only with --overwrite (never a folder or device)."""
    if path is None:
        return
    if not path.parent.is_dir():
        raise fail(f"{option} {path}: the folder {path.parent} does not exist; create it first")
    if path.exists() or path.is_symlink():
        if not path.is_file() or path.is_symlink():
            raise fail(f"{option} {path}: exists and is not a file; choose another name")
        if not overwrite:
            raise fail(f"{option} {path}: the file exists; pass --overwrite to replace it")


def progress_bar(total: int, label: str):
    """A rich progress bar on stderr when stderr is a terminal; else plain progress lines on
    stderr, at most one every few seconds (`progress.Lines`)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from csgsim.ui.progress import Lines

    console = Console(stderr=True)
    if not console.is_terminal:
        return Lines(label)
    return Progress(f"[bold]{label}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=True)

