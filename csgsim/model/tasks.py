"""Office contacts: the work a case asks of its owner in office hours, one `Task` each."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Task kinds, in the order an owner does them when several are due on the same day.
DAY1_VISIT, INTAKE, FOLLOWUP, NONACUTE_FOLLOWUP = 0, 1, 2, 3
TASK_KINDS = ("day1_visit", "intake", "followup", "nonacute_followup")


@dataclass(slots=True)
class Task:
    """One contact: what, for which case, who holds it, when it is due and how long it takes.

    `owner` changes when an absent person's due contact is handed to a colleague. A contact
    may be done in pieces (a call-out interrupts it, or it is longer than the free office
    time of a day): `start` is the start of its first piece (NaN until started), `left` the
    hours still to do, and `end` the end of its last piece (NaN until `done`).
    """

    kind: int
    case: int
    owner: int
    due_day: int
    duration: float
    left: float
    start: float = math.nan
    end: float = math.nan
    started: bool = False
    done: bool = False
