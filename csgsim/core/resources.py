"""Where the built-in files are: inside the wheel, or the repository's models/ and calibration/."""

from __future__ import annotations

from pathlib import Path

DEFAULT_MODEL = "netherlands.toml"


def models_dir() -> Path:
    """The installed copy (csgsim/models in the wheel) or, in a source checkout, ../models."""
    here = Path(__file__).resolve().parents[1]  # the csgsim package
    for candidate in (here / "models", here.parent / "models"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("csgsim's built-in models are missing from this installation")


def default_model() -> Path:
    return models_dir() / DEFAULT_MODEL


def find_model(path: str | Path) -> Path:
    """`path` if it exists; else the built-in model of that name (`zeeland.toml` or `zeeland`),
    so a name works from any folder, on the command line as in Python; else `path` unchanged,
    for the loader to report as missing."""
    given = Path(path)
    if given.exists() or given.parent != Path("."):
        return given
    for name in (given.name, f"{given.name}.toml"):
        if (models_dir() / name).is_file():
            return models_dir() / name
    return given


def calibration_dir() -> Path:
    """The calibration data: csgsim/data/calibration in the wheel or, in a source checkout, ../calibration.

    Not csgsim/calibration: that name is the calibration module.
    """
    here = Path(__file__).resolve().parents[1]  # the csgsim package
    for candidate in (here / "data" / "calibration", here.parent / "calibration"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("csgsim's calibration data are missing from this installation")
