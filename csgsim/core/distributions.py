"""Duration distributions, declared in scenario files and drawn by inverse CDF from uniform marks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from csgsim.core.clamp import clamp

#: Parameters each distribution takes; `low`/`high` on lognormal and exponential truncate.
KINDS: dict[str, tuple[set[str], set[str]]] = {
    "fixed": ({"value"}, set()),
    "uniform": ({"low", "high"}, set()),
    "triangular": ({"low", "mode", "high"}, set()),
    "exponential": ({"mean"}, {"low", "high"}),
    "lognormal": ({"median", "sigma"}, {"low", "high"}),
}


@dataclass(frozen=True)
class Dist:
    """A non-negative duration distribution in hours."""

    kind: str
    params: tuple[tuple[str, float], ...]

    def __getitem__(self, key: str) -> float:
        return dict(self.params)[key]

    def get(self, key: str, default: float) -> float:
        return dict(self.params).get(key, default)

    @property
    def mean(self) -> float:
        """The mean before truncation (exact for fixed, uniform, triangular, exponential)."""
        p = dict(self.params)
        if self.kind == "fixed":
            return p["value"]
        if self.kind == "uniform":
            return (p["low"] + p["high"]) / 2
        if self.kind == "triangular":
            return (p["low"] + p["mode"] + p["high"]) / 3
        if self.kind == "exponential":
            return p["mean"]
        return p["median"] * float(np.exp(p["sigma"] ** 2 / 2))

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The values at probabilities `u` (inverse CDF): a report's uniform marks become its
        durations, so a report keeps its durations when other reports come or go, and a larger
        parameter makes every report's duration larger. `low`/`high` truncation clips."""
        p = dict(self.params)
        u = np.asarray(u, dtype=float)
        if self.kind == "fixed":
            return np.full(u.shape, p["value"])
        if self.kind == "uniform":
            return p["low"] + u * (p["high"] - p["low"])
        if self.kind == "triangular":
            lo, mode, hi = p["low"], p["mode"], p["high"]
            if lo == hi:
                return np.full(u.shape, lo)
            cut = (mode - lo) / (hi - lo)
            return np.where(u < cut, lo + np.sqrt(u * (hi - lo) * (mode - lo)),
                            hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode)))
        if self.kind == "exponential":
            x = -p["mean"] * np.log1p(-u)
        else:
            from scipy.special import ndtri

            x = p["median"] * np.exp(p["sigma"] * ndtri(u))
        if "low" in p or "high" in p:  # np.clip, without its Python wrapper
            x = clamp(x, p.get("low", 0.0), p.get("high", np.inf))
        return x
