"""Errors a user can cause and fix; the CLI turns each into one clear line and exit code 2."""


class CsgsimError(Exception):
    """Base class of every error that is the input's fault, not the program's."""


class ScenarioError(CsgsimError):
    """A scenario file is unreadable or holds a value that is not allowed."""


class OutputError(CsgsimError):
    """An output path names something csgsim must not replace (a folder, a device)."""


class CalibrationError(CsgsimError):
    """A calibration data file holds a row that cannot be used."""
