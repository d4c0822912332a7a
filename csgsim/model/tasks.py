"""Office contacts: the work a case asks of its holder in office hours, one row each.

A contact is a plain list indexed by the field numbers below, not an object: a national
region-year makes about 2,100 of them, a list literal costs half of a slotted instance to make
(0.08 against 0.15 us, made and kept; a dataclass with defaults took 0.39), reading or writing a
field costs the same, and the records take every field in one transpose (`columns`). Measured
on 160 national region-years: 3% fewer instructions in the run and its records, and 2.5% less
CPU (medians of 8 alternating runs). `Caseload.add_tasks` makes the rows, and
`Caseload.open_intake` the one row of a new non-acute case.

A row starts with its order of work: due day, kind, then its index (the order made, unique).
Lists compare item by item, so a row is its own entry on a holder's queue (a heap) and in its
case's list of open contacts, and two rows never compare past the index: no entry tuple to make
and free per contact, and the queue's top is the row itself.

`HOLDER` changes when an absent person's due contact is handed to a colleague. A contact may
be done in pieces (a call-out interrupts it, or it is longer than the free office time of a
day): `START` is the start of its first piece (NaN until `STARTED`), `LEFT` the hours still
to do, and `END` the end of its last piece (NaN until `DONE`).
"""

from __future__ import annotations

import numpy as np

from csgsim.core.rows import field_arrays

# Task kinds, in the order a holder does them when several are due on the same day.
DAY1_VISIT, INTAKE, FOLLOWUP, NONACUTE_FOLLOWUP = 0, 1, 2, 3
TASK_KINDS = ("day1_visit", "intake", "followup", "nonacute_followup")

# The fields of a contact's row: its order of work (due day, kind, index), those the records keep
# besides, then the run's own state (not recorded).
DUE_DAY, KIND, INDEX, CASE, HOLDER, DURATION, START, END, LEFT, STARTED, DONE = range(11)


#: The array type of each field the records keep, in row order (None: the index, not kept).
_RECORDED = (np.int64, np.int8, None, np.int64, np.int64, float, float, float)


def columns(tasks: list[list]) -> dict[str, np.ndarray]:
    """Every contact's recorded fields as arrays (kind, case, holder, due day, duration, start,
    end): one transpose of the rows, not a pass per field, which stops before the three fields
    of the run's own state."""
    names = ("due_day", "kind", "case", "holder", "duration", "start", "end")
    return dict(zip(names, field_arrays(tasks, _RECORDED)))
