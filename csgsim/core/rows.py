"""Rows of numbers, as a run records them (a tuple or list per event), turned into arrays."""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

# The struct code of each array type a field may have (native layout, as numpy's).
_CODES = {np.dtype(np.int8): "b", np.dtype(np.int64): "q", np.dtype(np.float64): "d"}


def field_arrays(rows: Sequence[Sequence], types: Sequence[type | None]) -> list[np.ndarray]:
    """One array per field of `rows`, each of its own type (None: the field is left out; the
    fields past the last type are not even transposed).

    One transpose of the rows, then `struct` packs each field's numbers straight into its
    array's memory: half the time of np.fromiter, which converts number by number. A number
    of the wrong kind (a float in an int field, an int8 out of range) is an error, not a cast."""
    n = len(rows)
    fields = zip(*rows) if n else [()] * len(types)  # no rows: every field empty
    out = []
    for t, field in zip(types, fields):  # types first: no field is transposed past the last type
        if t is not None:
            out.append(array_of(field, t))
    return out


def array_of(values: Sequence, t: type) -> np.ndarray:
    """`values` as an array of type `t`, packed straight into its memory (as `field_arrays`)."""
    array = np.empty(len(values), dtype=t)
    struct.pack_into(f"{len(values)}{_CODES[array.dtype]}", array, 0, *values)
    return array
