"""The commands about a centre's own registrations: synthetic-export and import-registrations.

Registered on `csgsim.ui.app.app`; `csgsim.ui.cli` imports this module. Nothing of an export's
rows is printed or written: only counts, dates of the period, and estimates.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from csgsim.ui.app import MAX_SEED, ScenarioOpt, app, fail, read_model, stdout_console

DateOpt = Optional[datetime]


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@app.command("synthetic-export")
def synthetic_export(
    region: Annotated[str, typer.Option("--region", "-r", help="Region id whose demand model draws the reports.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The export to write (.csv or .xlsx); its name must say 'synthetic'.")],
    scenario: ScenarioOpt = None,
    start: Annotated[DateOpt, typer.Option("--from", formats=["%Y-%m-%d"], help="First day of the calls.")] = datetime(2023, 1, 1),
    end: Annotated[DateOpt, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day of the calls, inclusive.")] = datetime(2024, 12, 31),
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED)] = 1,
    dutch: Annotated[bool, typer.Option("--dutch/--english", help="Column names and words in Dutch or English.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
) -> None:
    """Draw a registration export from a scenario's demand model (synthetic: no real reports)."""
    from csgsim.calibration import synthetic
    from csgsim.config.limits import FIRST_DAY, LAST_DAY
    from csgsim.core.errors import CsgsimError
    from csgsim.ui.formatting import PLAIN

    if "synthetic" not in out.name.lower():
        raise fail(f"--out {out}: a synthetic export's file name must contain 'synthetic', so it is never taken "
                   "for a real one")
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise fail(f"--out {out}: allowed file types are .csv and .xlsx")
    if out.exists() and not overwrite:
        raise fail(f"--out {out}: exists; give --overwrite to replace it")
    first, last = _day(start), _day(end)
    if last < first or first < FIRST_DAY or last > LAST_DAY:
        raise fail(f"--from {first} --to {last}: allowed dates {FIRST_DAY} to {LAST_DAY}, --from before --to")
    try:
        data, source, sc = read_model(scenario)
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    if region not in sc.regions:
        raise fail(f"--region {region!r}: not in {source}; its regions: {', '.join(sc.regions)}")
    reports = synthetic.generate(sc, region, first, last, seed)
    label = synthetic.LABEL.format(source=Path(source).name, region=region)
    try:
        synthetic.write_export(synthetic.to_frame(reports, label, dutch), out)
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"--out {out}: cannot be written ({exc.strerror or exc})") from None
    typer.echo(f"wrote {out}: {PLAIN.given(reports.calls.size)} synthetic reports of {region}, {first} to {last}", err=True)


@app.command("import-registrations")
def import_registrations(
    export: Annotated[Path, typer.Argument(help="The centre's export: .csv or .xlsx, one row per report.")],
    region: Annotated[str, typer.Option("--region", "-r", help="The region the reports belong to.")],
    scenario: ScenarioOpt = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the scenario with the own demand here (TOML).")] = None,
    mapping: Annotated[Optional[Path], typer.Option(help="Mapping file: the export's own column names and type words.")] = None,
    sheet: Annotated[Optional[str], typer.Option(help="The .xlsx sheet holding the reports (default: the first).")] = None,
    start: Annotated[DateOpt, typer.Option("--from", formats=["%Y-%m-%d"], help="First registered day (default: the first call's month).")] = None,
    end: Annotated[DateOpt, typer.Option("--to", formats=["%Y-%m-%d"], help="Last registered day (default: the end of the last call's month).")] = None,
    opened: Annotated[DateOpt, typer.Option(formats=["%Y-%m-%d"], help="The day the centre opened: earlier calls are errors.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out file.")] = False,
) -> None:
    """Import a registration export: check it, estimate the region's own demand, print it beside the
    model's and write the scenario with it (--out). Bad input: every problem listed, exit 2, nothing written."""
    import tomllib

    from csgsim.calibration import own_demand, own_writer, registrations
    from csgsim.calibration.registration_warnings import warnings
    from csgsim.config import scenario as scenario_mod
    from csgsim.core.errors import CsgsimError

    if out is not None and out.exists() and not overwrite:
        raise fail(f"--out {out}: exists; give --overwrite to replace it")
    try:
        data, source, sc = read_model(scenario)
        if region not in sc.regions:
            raise fail(f"--region {region!r}: not in {source}; its regions: {', '.join(sc.regions)}")
        reg = registrations.read_export(export, mapping, sheet=sheet,
                                        opened=_day(opened) or registrations.FIRST_CENTRE_OPENED)
        reg = _region_rows(reg, region, sc.regions[region].name, export)
        shipped = own_writer.shipped(data, source, region)
        est = own_demand.estimate(
            reg, {k: shipped.demand(k).profile for k in own_demand.KINDS},
            {k: shipped.demand(k).seasonality for k in own_demand.KINDS}, _day(start), _day(end),
            sc.norms.acute_contact_minutes, lambda a, b: own_demand.event_days(sc, region, a, b))
        text = own_writer.patch(Path(source).read_text(encoding="utf-8-sig"), region, est)
        scenario_mod.parse(tomllib.loads(text), str(out or "the written scenario"))
    except CsgsimError as exc:
        raise fail(str(exc)) from None
    for line in warnings(reg.first_call, est.start, est.end):
        typer.echo(f"warning: {export}: {line}", err=True)
    from csgsim.ui import registration_tables

    registration_tables.print_estimates(est, sc, region, stdout_console())
    if out is not None:
        from csgsim.ui.demand_cli import _write_text

        _write_text(out, text)


def _region_rows(reg, region: str, name: str, export: Path):
    """The rows of `region` where the export has a region column (matched by id or name)."""
    import numpy as np

    from csgsim.calibration.registrations import RegistrationError

    if reg.region is None:
        return reg
    values = np.char.lower(reg.region.astype(str))
    keep = (values == region.lower()) | (values == name.lower())
    if not keep.any():
        found, counts = np.unique(reg.region, return_counts=True)
        listed = ", ".join(f"{str(f)!r} ({c} reports)" for f, c in zip(found[:10], counts[:10]))
        raise RegistrationError(f"{export}: no report of region {region!r} ({name}) in the region column; it holds "
                                f"{listed}")
    return reg.only(keep)
