"""Record rows to arrays (`core.rows.field_arrays`, and `array_of` for a field kept as a list of
its own): every number kept exactly, in its field's type, and a number of the wrong kind refused
rather than cast. Arrays to their distinct rows (`distinct_rows`): every row reads its own."""

import math
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csgsim.core.rows import array_of, distinct_rows, field_arrays

_ROW = st.tuples(st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True),
                 st.integers(-128, 127), st.booleans(), st.floats())


@given(st.lists(_ROW, max_size=40))
def test_each_field_is_its_numbers_in_its_type(rows):
    ints, floats, small, flags = field_arrays(rows, (np.int64, float, np.int8, np.int8, None))
    assert (ints.dtype, floats.dtype, small.dtype, flags.dtype) == (np.int64, np.float64, np.int8, np.int8)
    assert ints.tolist() == [r[0] for r in rows]
    assert all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(floats.tolist(), (r[1] for r in rows)))
    assert np.signbit(floats).tolist() == [math.copysign(1.0, r[1]) < 0 for r in rows]  # -0.0 stays -0.0
    assert small.tolist() == [r[2] for r in rows] and flags.tolist() == [int(r[3]) for r in rows]
    assert all(a.flags.writeable for a in (ints, floats, small, flags))


@given(st.lists(_ROW, max_size=40))
def test_a_field_kept_as_a_list_packs_as_the_same_field_of_rows(rows):
    """`array_of` of a field's values is, bit for bit, that field of `field_arrays`."""
    types = (np.int64, float, np.int8, np.int8)
    for k, (t, from_rows) in enumerate(zip(types, field_arrays(rows, types))):
        alone = array_of([r[k] for r in rows], t)
        assert alone.dtype == from_rows.dtype and alone.tobytes() == from_rows.tobytes()


def test_no_rows_give_empty_arrays_of_the_types():
    out = field_arrays([], (np.int64, None, float))
    assert [(a.dtype, a.size) for a in out] == [(np.dtype(np.int64), 0), (np.dtype(np.float64), 0)]


@pytest.mark.parametrize("row, types", [((1.5,), (np.int64,)), ((300,), (np.int8,))])
def test_a_number_of_the_wrong_kind_is_an_error(row, types):
    with pytest.raises(struct.error):
        field_arrays([row], types)
    with pytest.raises(struct.error):
        array_of(list(row), types[0])


_TABLES = st.integers(1, 70).flatmap(
    lambda n: st.lists(st.lists(st.booleans(), min_size=n, max_size=n), max_size=30)
    .map(lambda rows: np.array(rows, dtype=bool).reshape(-1, n)))


@given(_TABLES)
def test_each_row_reads_its_own_from_the_distinct_rows(table):
    """Rows that repeat share one list, and every row reads its own: who is absent per day, up
    to 62 people packed in an integer, more compared whole."""
    rows, which = distinct_rows(table)
    assert [rows[k] for k in which] == table.tolist()
    assert len(rows) == len({tuple(r) for r in rows})
    assert all(type(v) is bool for r in rows for v in r)


@pytest.mark.parametrize("people", [1, 62, 63, 64, 65, 70])
def test_no_two_distinct_rows_are_taken_for_one(people):
    """One person away per day, each in turn, then nobody: as many distinct rows as days, however
    many people (past 62 an integer would not hold every person's bit)."""
    days = np.vstack([np.eye(people, dtype=bool), np.zeros((1, people), dtype=bool)])
    rows, which = distinct_rows(days)
    assert len(rows) == people + 1 and [rows[k] for k in which] == days.tolist()

