"""Re-planning: hand the duties of absent people to others before the run.

Every block whose holder is absent at any time in it is re-planned as a whole, in time order,
so a later decision sees the earlier ones. Office blocks go to the least-loaded present
casemanager (no working-time rules: they count only on-call duty). On-call blocks follow the
policy:

- "spread": the least-loaded casemanager who is present throughout the block and can take
  it within the duty-count rules (`ledger.Ledger`); if nobody can, a gap.
- "spread_or_breach": as spread, but if nobody fits the rules the least-loaded present
  casemanager takes it and the breach is logged.
- "backup": the backup person (e.g. the coordinator) if present throughout, else a gap; a
  hand-over beyond the rules is logged as a breach.
- "gap": the block becomes a gap.
- "planned" (annual leave, planned weeks ahead; not a scenario choice): as spread; if nobody
  fits, the backup person if present and within the rules; else the least-loaded present
  casemanager beyond the rules (a breach); else the backup beyond the rules. A gap only when
  nobody at all is present.

Load is the on-call (or, for office blocks, office) hours a person holds in the fixed 4-week
window of the block's start, as the roster stands at that decision; ties go by the
next-in-line order, then by index.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

import numpy as np

from csgsim.staff.absence import Spells, overlaps
from csgsim.core.calendar import HOURS_PER_DAY
from csgsim.staff.duties import NOBODY, OFFICE, ONCALL, Schedule
from csgsim.config.staffing import POLICIES, RuleSet
from csgsim.core.errors import ScenarioError
from csgsim.staff.ledger import Ledger
from csgsim.staff.rules import DAYS_4W

WINDOW_HOURS = DAYS_4W * HOURS_PER_DAY
# Why a block went where it went.
SPREAD, OFFICE_TAKEN, BACKUP, BREACH, BACKUP_BREACH = "spread", "office", "backup", "breach", "backup_breach"
NO_COMPLIANT, NOBODY_PRESENT, POLICY_GAP = "gap_no_compliant", "gap_nobody_present", "gap_policy"
BREACH_REASONS = (BREACH, BACKUP_BREACH)
PLANNED = "planned"


@dataclass(frozen=True)
class ReplanLog:
    """One record per re-planned block, and what the re-plan cost."""

    block: np.ndarray  # index into the schedule
    original: np.ndarray  # the absent holder
    new: np.ndarray  # the new holder, NOBODY for a gap
    reason: np.ndarray  # one of the reason strings above
    extra_duties: np.ndarray  # per person: on-call blocks taken over
    extra_oncall_hours: np.ndarray  # per person: hours of those blocks
    gap_hours: float  # hours of re-planned blocks (either kind) left without a holder
    breaches: int  # blocks handed over beyond the duty-count rules

    def __len__(self) -> int:
        return int(self.block.size)


def _window_hours(start: np.ndarray, end: np.ndarray, n_windows: int, first: float = 0.0) -> np.ndarray:
    """(n_blocks, n_windows) hours of each block [start, end) inside each fixed 4-week window
    from `first` (the first window is cut at 0)."""
    edges = np.maximum(first + np.arange(n_windows + 1) * WINDOW_HOURS, 0.0)
    inside = np.minimum(end[:, None], edges[1:]) - np.maximum(start[:, None], edges[:-1])
    return np.clip(inside, 0, None)


def _tie_rank(next_in_line: list[int] | None, n_people: int) -> np.ndarray:
    """Position in next_in_line; people not listed come after, by index (the final sort key)."""
    rank = np.full(n_people, n_people, dtype=np.int64)
    for i, p in enumerate(next_in_line or []):
        if not 0 <= p < n_people:
            raise ValueError(f"next_in_line holds {p}, not a person index (0..{n_people - 1})")
        rank[p] = min(rank[p], i)
    return rank


def _initial_load(base: Schedule, person: np.ndarray, n_people: int, windows: _Windows) -> dict[int, np.ndarray]:
    """Per kind, (n_people, n_windows) hours each holder keeps once the absent holders' blocks are
    vacated: the load that orders the candidates for the first re-planned block."""
    n_windows = windows.n_windows
    block, window, hours = windows.nonzero
    kind, holder = base.kind[block], person[block]
    held = (holder >= 0) & ((kind == ONCALL) | (kind == OFFICE))
    # Each block's nonzero hours, in block order: the sums np.add.at would make, term for term
    # (a zero adds nothing), from one bincount over (kind, person, window): a kind's bins take
    # its own blocks' hours, in the order a bincount of that kind alone would.
    flat = ((kind[held] == OFFICE) * n_people + holder[held]) * n_windows + window[held]
    load = np.bincount(flat, weights=hours[held], minlength=2 * n_people * n_windows)
    return {ONCALL: load[:n_people * n_windows].reshape(n_people, n_windows),
            OFFICE: load[n_people * n_windows:].reshape(n_people, n_windows)}


def _choose_taker(
    block: int,
    kind: int,
    keys: list[tuple[float, int, int]],
    policy: str,
    absent: np.ndarray,
    backup_person: int | None,
    ledger: Ledger,
) -> tuple[int, str]:
    """Who takes the vacated `block`, and why (one of the reason strings above).

    `keys` are the present casemanagers' (load, rank, person), no two alike: the least-loaded is
    their min, and the rules are tried least-loaded first (the others are sorted only if the
    first does not fit: almost every block goes to it); the policy branches follow the module
    docstring. Kept apart from `replan` so each policy's order of fall-backs reads in one place.
    """
    if kind == OFFICE:
        return (min(keys)[2], OFFICE_TAKEN) if keys else (NOBODY, NOBODY_PRESENT)  # the least-loaded
    if policy == "gap":
        return NOBODY, POLICY_GAP
    if policy == "backup":
        if absent[backup_person, block]:
            return NOBODY, NOBODY_PRESENT
        return backup_person, BACKUP if ledger.fits(backup_person, block) else BACKUP_BREACH
    if keys:
        taker = min(keys)[2]
        if ledger.fits(taker, block):
            return taker, SPREAD
        for _, _, taker in sorted(keys)[1:]:
            if ledger.fits(taker, block):
                return taker, SPREAD
    backup_here = policy == PLANNED and backup_person is not None and not absent[backup_person, block]
    if backup_here and ledger.fits(backup_person, block):
        return backup_person, BACKUP
    if keys and policy in ("spread_or_breach", PLANNED):
        return min(keys)[2], BREACH
    if backup_here:
        return backup_person, BACKUP_BREACH
    return NOBODY, NO_COMPLIANT if keys else NOBODY_PRESENT


def _log(base: Schedule, hit: np.ndarray, new: np.ndarray, reason: list[str], n_people: int) -> ReplanLog:
    """The record of the re-planned blocks `hit` (given to `new` for `reason`) and what they cost,
    summed once the loop is done so `replan` ends at the last decision."""
    hours = base.end[hit] - base.start[hit]
    taken = (new >= 0) & (base.kind[hit] == ONCALL)
    return ReplanLog(
        block=hit,
        original=base.person[hit],
        new=new,
        reason=np.array(reason, dtype=str),
        extra_duties=np.bincount(new[taken], minlength=n_people),
        extra_oncall_hours=np.bincount(new[taken], weights=hours[taken], minlength=n_people),
        gap_hours=float(hours[new == NOBODY].sum()),
        breaches=sum(map(reason.count, BREACH_REASONS)),  # two counts, not a test per block
    )


def _check_policy(policy: str, backup_person: int | None) -> None:
    """A clear error for a policy that does not exist or cannot be applied to this region."""
    if policy not in POLICIES + (PLANNED,):
        raise ScenarioError(f"unknown re-planning policy {policy!r}; allowed: {', '.join(POLICIES)}")
    if policy == "backup" and backup_person is None:
        raise ScenarioError("re-planning policy 'backup' needs a backup person, but the region has none")


def _people(base: Schedule, n_casemanagers: int, backup_person: int | None) -> int:
    """People a re-plan counts: the casemanagers, every holder and the backup person."""
    return max(n_casemanagers, int(base.person.max(initial=NOBODY)) + 1, (backup_person or 0) + 1)


def ledger_for(base: Schedule, n_casemanagers: int, ruleset: RuleSet, backup_person: int | None = None,
               day_start: float = 0.0, origin: float = 0.0) -> Ledger:
    """The duty counts `replan` starts from, for re-plans in a row that share one ledger.

    Every replication starts from the same planned roster, so its ledger is built once
    (`_ledger_template`) and each call gets a copy to change."""
    roster = _Arrays(base.start, base.end, base.person, base.kind)
    return _ledger_template(roster, _people(base, n_casemanagers, backup_person), ruleset, day_start, origin).copy()


class _Arrays:
    """Arrays as a cache key: equal when they are, bit for bit."""

    def __init__(self, *arrays: np.ndarray) -> None:
        self.arrays = arrays
        self._key = tuple((a.dtype.str, a.shape, a.tobytes()) for a in arrays)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Arrays) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)


@lru_cache(maxsize=64)
def _ledger_template(roster: _Arrays, n_people: int, ruleset: RuleSet, day_start: float, origin: float) -> Ledger:
    """The ledger of a roster, never changed itself: `ledger_for` hands out copies."""
    start, end, person, kind = roster.arrays
    return Ledger(Schedule(start=start, end=end, person=person, kind=kind), n_people, ruleset, day_start, origin)


@dataclass(frozen=True)
class _Windows:
    """The 4-week load windows of a roster's blocks (`_load_windows`), the same for every
    re-plan of every replication: how many lie before the origin and in all, each block's nonzero
    hours in them (in row order), and per block its first window and the (window, hours) it touches."""

    before: int
    n_windows: int
    nonzero: tuple[np.ndarray, np.ndarray, np.ndarray]  # block, window, hours
    first: list[int]
    touched: list[list[tuple[int, float]]]


@lru_cache(maxsize=64)
def _windows(blocks: _Arrays, origin: float) -> _Windows:
    start, end = blocks.arrays
    before, n_windows, in_window = _load_windows(start, end, origin)
    block, window = np.nonzero(in_window)
    first = np.minimum((start - origin) // WINDOW_HOURS + before, n_windows - 1).astype(int).tolist()
    # A block's hours in the windows it touches (adding a zero changes no load).
    touched = [[(w, x) for w, x in enumerate(row) if x] for row in in_window.tolist()]
    return _Windows(before, n_windows, (block, window, in_window[block, window]), first, touched)


def _load_windows(start: np.ndarray, end: np.ndarray, origin: float) -> tuple[int, int, np.ndarray]:
    """The 4-week load windows counted from `origin` (those before it apart): how many lie before
    it, how many in all, and each block's hours in each."""
    before = int(np.ceil(origin / WINDOW_HOURS))
    n_windows = before + max(1, int(np.ceil((end[-1] - origin) / WINDOW_HOURS))) if start.size else 1
    return before, n_windows, _window_hours(start, end, n_windows, origin - before * WINDOW_HOURS)


def replan(
    base: Schedule,
    spells: Spells,
    n_casemanagers: int,
    ruleset: RuleSet,
    policy: str,
    next_in_line: list[int] | None = None,
    backup_person: int | None = None,
    day_start: float = 0.0,
    origin: float = 0.0,
    ledger: Ledger | None = None,
    absent: np.ndarray | None = None,
) -> tuple[Schedule, ReplanLog]:
    """The schedule with every block of an absent holder re-planned by `policy`.

    Casemanagers are people 0..n_casemanagers-1; only they take blocks under the spread
    policies and office blocks. Nobody ends up on duty while absent. Under "spread" a gap
    appears only when no present casemanager can take the block within the rules, and no
    duty-count rule is newly breached (except that removing one block of a multi-block duty
    splits it in two, which a duty count can notice; base patterns never build such duties).
    Every window (of the rules and of the load) counts from `origin`, the reported start, as the
    metrics count them; hours before it fall in windows of their own. `ledger`: the duty counts
    of `base` (`ledger_for`), brought in place to those of the result, so that a re-plan of the
    result can go on from it; built here when None. `absent`: `overlaps(spells, n, base.start,
    base.end)` where the caller has it (rows past the people a re-plan counts are not read).
    """
    _check_policy(policy, backup_person)
    n_people = _people(base, n_casemanagers, backup_person)
    rank = _tie_rank(next_in_line, n_people)
    if absent is None or absent.shape[0] < n_people:
        absent = overlaps(spells, n_people, base.start, base.end)
    hit = np.flatnonzero((base.person >= 0) & absent[np.maximum(base.person, 0), np.arange(len(base))])
    person = base.person.copy()
    ledger = Ledger(base, n_people, ruleset, day_start, origin) if ledger is None else ledger
    for b in hit.tolist():
        ledger.remove(b)
    person[hit] = NOBODY  # vacated: the load below counts only the holders who stay
    windows = _windows(_Arrays(base.start, base.end), origin)
    load = _initial_load(base, person, n_people, windows)

    # The loop asks Python lists, not numpy, per block: it runs once per re-planned block.
    present = (~absent[:n_casemanagers, hit]).T.tolist()
    casemanagers = range(n_casemanagers)
    rank_of = rank.tolist()
    load_of = {kind: rows.tolist() for kind, rows in load.items()}
    kinds = base.kind[hit].tolist()
    first_window = [windows.first[b] for b in hit.tolist()]
    touched = [windows.touched[b] for b in hit.tolist()]
    new, reason = [], []
    for i, b in enumerate(hit.tolist()):
        kind, w, held = kinds[i], first_window[i], load_of[kinds[i]]
        keys = []  # a loop: a comprehension's own frame costs more than its handful of items
        for q in compress(casemanagers, present[i]):
            keys.append((held[q][w], rank_of[q], q))
        taker, why = _choose_taker(b, kind, keys, policy, absent, backup_person, ledger)
        new.append(taker)
        reason.append(why)
        if taker != NOBODY:
            mine = held[taker]
            for v, x in touched[i]:
                mine[v] += x
            if kind == ONCALL:
                ledger.add(taker, b)
    person[hit] = new  # NOBODY for a gap
    log = _log(base, hit, np.array(new, dtype=np.int64), reason, n_people)
    return Schedule(start=base.start, end=base.end, person=person, kind=base.kind), log
