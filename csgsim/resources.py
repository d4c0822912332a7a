"""Where the built-in scenario files are: inside the wheel, or the repository's models/."""

from __future__ import annotations

from pathlib import Path

DEFAULT_MODEL = "netherlands.toml"


def models_dir() -> Path:
    """The installed copy (csgsim/models in the wheel) or, in a source checkout, ../models."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "models", here.parent / "models"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("csgsim's built-in models are missing from this installation")


def default_model() -> Path:
    return models_dir() / DEFAULT_MODEL
