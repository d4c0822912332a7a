"""Rows of numbers, as a run records them (a tuple or list per event), turned into arrays; and
arrays of rows turned into the few distinct rows a run reads many times."""

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


def distinct_rows(a: np.ndarray) -> tuple[list[list[bool]], list[int]]:
    """The distinct rows of a 2-d boolean array, as lists, and each row's number among them:
    rows that repeat (who is absent per day) are then one list each, not one per row to make,
    keep and free. Up to 62 columns a row is read as the bits of one integer (a sort of
    numbers, not of rows); past that the rows are compared whole."""
    if a.shape[1] <= 62:
        _, first, which = np.unique(a @ (1 << np.arange(a.shape[1], dtype=np.int64)),
                                    return_index=True, return_inverse=True)
    else:
        _, first, which = np.unique(a, axis=0, return_index=True, return_inverse=True)
    return a[first].tolist(), which.ravel().tolist()
