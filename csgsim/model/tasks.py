"""Office contacts: the work a case asks of its holder in office hours, one row each.

A contact is a plain list indexed by the field numbers below, not an object: a national
region-year makes about 2,100 of them, a list literal costs half of a slotted instance to make
(0.08 against 0.15 us, made and kept; a dataclass with defaults took 0.39), reading or writing a
field costs the same, and the records take every field in one transpose (`columns`). Measured
on 160 national region-years: 3% fewer instructions in the run and its records, and 2.5% less
CPU (medians of 8 alternating runs). `Caseload.add_tasks` is the one place that makes rows.

`HOLDER` changes when an absent person's due contact is handed to a colleague. A contact may
be done in pieces (a call-out interrupts it, or it is longer than the free office time of a
day): `START` is the start of its first piece (NaN until `STARTED`), `LEFT` the hours still
to do, and `END` the end of its last piece (NaN until `DONE`).
"""

from __future__ import annotations

import numpy as np

# Task kinds, in the order a holder does them when several are due on the same day.
DAY1_VISIT, INTAKE, FOLLOWUP, NONACUTE_FOLLOWUP = 0, 1, 2, 3
TASK_KINDS = ("day1_visit", "intake", "followup", "nonacute_followup")

# The fields of a contact's row.
KIND, CASE, HOLDER, DUE_DAY, DURATION, LEFT, START, END, STARTED, DONE = range(10)


def columns(tasks: list[list]) -> dict[str, np.ndarray]:
    """Every contact's fields as arrays (kind, case, holder, due day, duration, start, end):
    one transpose of the rows, not a pass per field."""
    if not tasks:
        return {"kind": np.zeros(0, np.int8), "case": np.zeros(0, np.int64), "holder": np.zeros(0, np.int64),
                "due_day": np.zeros(0, np.int64), "duration": np.zeros(0), "start": np.zeros(0), "end": np.zeros(0)}
    n = len(tasks)
    kind, case, holder, due_day, duration, _, start, end, _, _ = zip(*tasks)
    return {"kind": np.fromiter(kind, np.int8, n), "case": np.fromiter(case, np.int64, n),
            "holder": np.fromiter(holder, np.int64, n), "due_day": np.fromiter(due_day, np.int64, n),
            "duration": np.fromiter(duration, float, n), "start": np.fromiter(start, float, n),
            "end": np.fromiter(end, float, n)}
