"""Duration distributions, declared in scenario files and sampled in bulk with numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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

    def sample(self, rng: np.random.Generator, n: int | tuple[int, ...]) -> np.ndarray:
        """Draw n values; truncation clips rather than redraws, so the draw count is fixed."""
        p = dict(self.params)
        if self.kind == "fixed":
            return np.full(n, p["value"])
        if self.kind == "uniform":
            return rng.uniform(p["low"], p["high"], n)
        if self.kind == "triangular":
            if p["low"] == p["high"]:
                return np.full(n, p["low"])
            return rng.triangular(p["low"], p["mode"], p["high"], n)
        if self.kind == "exponential":
            x = rng.exponential(p["mean"], n)
        else:
            x = p["median"] * np.exp(p["sigma"] * rng.standard_normal(n))
        if "low" in p or "high" in p:
            x = np.clip(x, p.get("low", 0.0), p.get("high", np.inf))
        return x
