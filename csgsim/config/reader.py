"""Reading one TOML table: each value checked where it is read, provenance kept, unknown keys refused."""

from __future__ import annotations

import copy
import math
from datetime import date
from typing import Any

import numpy as np

from csgsim.core.distributions import KINDS, Dist
from csgsim.config import limits
from csgsim.core.errors import ScenarioError
from csgsim.core.text import first_few, has_control, safe

from csgsim.config.schema import PROVENANCE_KEYS


#: Distribution parameters for which zero means nothing (a median or mean of no time at all:
#: write `{ dist = "fixed", value = 0 }` for that).
POSITIVE_PARAMS = ("mean", "median")


def brief(value: Any) -> str:
    """A bad value as an error message shows it: a long list or text cut to its start and its size."""
    if isinstance(value, (list, tuple)) and len(value) > 5:
        return f"[{', '.join(brief(x) for x in value[:3])}, ... ({len(value)} entries)]"
    if isinstance(value, dict) and len(value) > 5:
        return f"{{{', '.join(f'{k!r}: {brief(x)}' for k, x in list(value.items())[:3])}, ... ({len(value)} keys)}}"
    text = safe(repr(value))
    return text if len(text) <= 120 else f"{text[:100]}... ({len(text)} characters)"


class TableReader:
    """Reads one TOML table, checking each value and remembering which keys were used."""

    def __init__(self, data: dict[str, Any], path: str, source: str, provenance: dict[str, str]):
        self.data = data
        self.path = path
        self.source = source
        self.provenance = provenance
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, value: Any, allowed: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {self.key(name)} = {brief(value)} is not allowed; {allowed}")

    def raw(self, name: str, default: Any = ...) -> Any:
        self.used.add(name)
        if name not in self.data:
            if default is ...:
                raise ScenarioError(f"{self.source}: {self.key(name)} is missing; it is required")
            return default
        value = self.data[name]
        if isinstance(value, dict) and "value" in value and "dist" not in value:
            extra = set(value) - {"value", *PROVENANCE_KEYS}
            if extra:
                raise self.fail(name, value, f"a value table holds only value, source, assumption (not {sorted(extra)})")
            self._remember(name, value)
            return value["value"]
        return value

    def _remember(self, name: str, table: dict[str, Any]) -> None:
        """Keep the value's source or assumption: a non-empty text, or the value is refused."""
        for k in PROVENANCE_KEYS:
            if k in table:
                if not isinstance(table[k], str) or not table[k].strip():
                    raise self.fail(f"{name}.{k}", table[k], f"a {k} is a non-empty text (in quotes)")
                self.provenance[self.key(name)] = f"{k}: {table[k]}"

    def number(self, name: str, default: Any = ..., lo: float = -1e15, hi: float = 1e15,
               integer: bool = False, lo_open: bool = False) -> float:
        v = self.raw(name, default)
        ok_type = isinstance(v, int) if integer else isinstance(v, (int, float))
        if isinstance(v, bool) or not ok_type:
            raise self.fail(name, v, f"expected {'an integer' if integer else 'a number'}")
        # Python compares ints of any size exactly; numpy would fail on one beyond 64 bits.
        if (isinstance(v, float) and not math.isfinite(v)) or v < lo or v > hi or (lo_open and v == lo):
            bracket = "(" if lo_open else "["
            raise self.fail(name, v, f"allowed range {bracket}{limits.show(lo)}, {limits.show(hi)}]"
                                     f"{limits.share_hint(v, hi)}")
        return int(v) if integer else float(v)

    def choice(self, name: str, options: tuple[str, ...], default: Any = ...) -> str:
        v = self.raw(name, default)
        if v not in options:
            raise self.fail(name, v, f"allowed: {', '.join(options)}")
        return v

    def flag(self, name: str, default: Any = ...) -> bool:
        v = self.raw(name, default)
        if not isinstance(v, bool):
            raise self.fail(name, v, "expected true or false")
        return v

    def text(self, name: str, default: Any = ...) -> str:
        v = self.raw(name, default)
        if not isinstance(v, str):
            raise self.fail(name, v, "expected a string")
        return v

    def name(self, key: str, default: Any = ...) -> str:
        """A name shown in tables and messages: non-empty, one line, no control characters."""
        v = self.text(key, default)
        if not v.strip() or has_control(v) or len(v) > limits.MAX_NAME:
            raise self.fail(key, v, f"a name is 1-{limits.MAX_NAME} characters, not only spaces, "
                                    "without control characters")
        return v

    def day(self, name: str, default: Any = ...) -> date:
        v = self.raw(name, default)
        if v is None:
            return v
        if not isinstance(v, date) or hasattr(v, "hour"):
            raise self.fail(name, v, "expected a date like 2025-01-01 (no quotes, no time)")
        if not limits.FIRST_DAY <= v <= limits.LAST_DAY:
            raise ScenarioError(f"{self.source}: {self.key(name)} = {v} is not allowed; "
                                f"allowed dates {limits.FIRST_DAY} to {limits.LAST_DAY}")
        return v

    def numbers(self, name: str, default: Any = ..., length: int | None = None, lo: float = 0.0,
                integer: bool = False, positive_sum: bool = False, hi: float = limits.MAX_WEIGHT,
                unique: bool = False) -> np.ndarray:
        v = self.raw(name, default)
        kind = int if integer else (int, float)
        if not isinstance(v, list) or not all(isinstance(x, kind) and not isinstance(x, bool) for x in v):
            raise self.fail(name, v, f"expected a list of {'integers' if integer else 'numbers'}")
        if length is not None and len(v) != length:
            raise self.fail(name, v, f"expected exactly {length} numbers, got {len(v)}")
        if not all(lo <= x <= hi for x in v):  # also false for nan; checked before numpy sees big ints
            raise self.fail(name, v, f"every number must lie in [{limits.show(lo)}, {limits.show(hi)}]")
        self._unique(name, v, unique)
        arr = np.asarray(v, dtype=np.int64 if integer else float)
        if positive_sum and arr.sum() <= 0:
            raise self.fail(name, v, "at least one weight must be positive")
        return arr

    def _unique(self, name: str, values: list[Any], unique: bool) -> None:
        twice = sorted({x for x in values if values.count(x) > 1}, key=str) if unique else []
        if twice:
            raise self.fail(name, values, f"each entry may appear once ({first_few(twice)} appears more often)")

    def strings(self, name: str, options: tuple[str, ...] | None = None, default: Any = ...,
                unique: bool = False) -> tuple[str, ...]:
        v = self.raw(name, default)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.fail(name, v, "expected a list of strings")
        self._unique(name, v, unique)
        bad = [x for x in v if options is not None and x not in options]
        if bad:
            raise self.fail(name, v, f"{bad[0]!r} is unknown; allowed: {', '.join(options or ())}")
        return tuple(v)

    def dist(self, name: str, default: Any = ...) -> Dist:
        v = self.raw(name, default)
        if not isinstance(v, dict) or "dist" not in v:
            raise self.fail(name, v, 'expected a distribution like { dist = "uniform", low = 0.25, high = 0.5 }')
        kind = v["dist"]
        if not isinstance(kind, str) or kind not in KINDS:
            raise self.fail(f"{name}.dist", kind, f"allowed: {', '.join(KINDS)}")
        required, optional = KINDS[kind]
        self._remember(name, v)
        params = {k: x for k, x in v.items() if k not in ("dist", *PROVENANCE_KEYS)}
        missing = required - set(params)
        extra = set(params) - required - optional
        if missing or extra:
            raise self.fail(name, v, f"a {kind} distribution takes {', '.join(sorted(required | optional))}")
        sub = TableReader(params, self.key(name), self.source, self.provenance)
        clean = {k: sub.number(k, lo=0.0, lo_open=k in POSITIVE_PARAMS,
                               hi=limits.MAX_SIGMA if k == "sigma" else limits.MAX_DURATION_HOURS)
                 for k in sorted(params)}
        if kind == "uniform" and clean["low"] > clean["high"]:
            raise self.fail(name, v, "low must not exceed high")
        if kind == "triangular" and not clean["low"] <= clean["mode"] <= clean["high"]:
            raise self.fail(name, v, "need low <= mode <= high")
        if clean.get("low", 0.0) > clean.get("high", np.inf):
            raise self.fail(name, v, "low must not exceed high")
        return Dist(kind, tuple(clean.items()))

    def table(self, name: str, default: Any = ...) -> TableReader:
        v = self.raw(name, {} if default is ... else default)
        if not isinstance(v, dict):
            raise self.fail(name, v, "expected a table")
        return TableReader(v, self.key(name), self.source, self.provenance)

    def done(self) -> None:
        """Reject keys nobody read: a typo must not silently fall back to a default."""
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise ScenarioError(
                f"{self.source}: {self.key(unknown[0])} is not a known key; "
                f"allowed here: {', '.join(sorted(self.used))}"
            )


def _plain_table(v: Any) -> bool:
    return isinstance(v, dict) and "value" not in v and "dist" not in v


def _merge(base: dict[str, Any], over: dict[str, Any], where: tuple[str, str, str] = ("", "base", "over"),
           path: str = "") -> dict[str, Any]:
    """Deep merge: region values override [defaults]; value tables replace, not merge. A table
    over a plain value (`[defaults] leave = "abc"` under a region's `leave.x = ...`) is an
    error, not a silent drop of the value; `where` names the file and the two tables for it."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        key = f"{path}.{k}" if path else k
        if _plain_table(v) and _plain_table(out.get(k)):
            out[k] = _merge(out[k], v, where, key)
        elif _plain_table(v) and k in out:
            source, base_name, over_name = where
            raise ScenarioError(f"{source}: {base_name}.{key} = {brief(out[k])} is not allowed; expected a table "
                                f"(as {over_name}.{key} is)")
        else:
            out[k] = copy.deepcopy(v)
    return out
