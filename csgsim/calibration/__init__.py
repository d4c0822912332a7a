"""Calibration: public report counts in, a national model with levels, uncertainty and provenance out.

Sub-modules, in the order the data flow through them: ``data`` (read and check the CSVs),
``fitting`` (statsmodels GLMs: growth, acute share, event effects), ``history`` (the Poisson
model with region and year effects), ``pooling`` (partial pooling of levels and splits, the
level update after the last national year), ``levels`` (levels with provenance), ``pipeline``
(``calibrate``), ``writer`` (the model TOML and levels CSV), ``check`` (data versus model, and
the backtest). Nothing here prints; ``csgsim.ui`` does.
"""

from csgsim.demand.annual import annual_counts, simulate_year

from .check import CHECK_REPLICATIONS, CHECK_SEED, backtest, check, coverage
from .data import (COUNT_COLUMNS, EXCLUDED_POINTS, LEVEL_MEASURE, MEASURES, NATIONAL, REQUIRED_COLUMNS, TYPES,
                   default_regions_path, fraction_open, load_counts, load_regions, type_label)
from .fitting import fit_acute_share, fit_event_effect, fit_growth
from .pipeline import DEFAULT_GROWTH, CalibrationResult, calibrate
from .levels import Growth
from .writer import levels_table, staff_rule, write_model

__all__ = [
    "CHECK_REPLICATIONS", "CHECK_SEED", "COUNT_COLUMNS", "DEFAULT_GROWTH", "EXCLUDED_POINTS", "LEVEL_MEASURE",
    "MEASURES", "NATIONAL", "REQUIRED_COLUMNS", "TYPES", "CalibrationResult", "Growth", "annual_counts", "backtest",
    "calibrate", "check", "coverage", "default_regions_path", "fit_acute_share", "fit_event_effect", "fit_growth",
    "fraction_open", "levels_table", "load_counts", "load_regions", "simulate_year", "staff_rule", "type_label",
    "write_model",
]
