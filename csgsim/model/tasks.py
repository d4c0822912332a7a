"""Office contacts: the work a case asks of its owner in office hours, one `Task` each."""

from __future__ import annotations

import math

# Task kinds, in the order an owner does them when several are due on the same day.
DAY1_VISIT, INTAKE, FOLLOWUP, NONACUTE_FOLLOWUP = 0, 1, 2, 3
TASK_KINDS = ("day1_visit", "intake", "followup", "nonacute_followup")


class Task:
    """One contact: what, for which case, who holds it, when it is due and how long it takes.

    `owner` changes when an absent person's due contact is handed to a colleague. A contact
    may be done in pieces (a call-out interrupts it, or it is longer than the free office
    time of a day): `start` is the start of its first piece (NaN until started), `left` the
    hours still to do, and `end` the end of its last piece (NaN until `done`).

    A plain class with slots, not a dataclass: a run makes about 2,000 contacts a region-year,
    and a dataclass `__init__` with default arguments took 0.39 us a contact against this one's
    0.15 (CPython 3.11, measured on this machine).
    """

    __slots__ = ("kind", "case", "owner", "due_day", "duration", "left", "start", "end", "started", "done")

    def __init__(self, kind: int, case: int, owner: int, due_day: int, duration: float):
        self.kind = kind
        self.case = case
        self.owner = owner
        self.due_day = due_day
        self.duration = self.left = duration
        self.start = self.end = math.nan
        self.started = self.done = False
