"""The casework hours a week a team needs, sized after the people (see `casework`): at the people
answer, a coarse grid of hours per person, then a finer grid inside the bracket the coarse one
found, every total judged like a team size (`sizing_search`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from csgsim.runtime.jobs import Job
from csgsim.studies import casework as cw
from csgsim.studies.sizing_search import Built, Cell, window
from csgsim.studies.sizing_verdicts import RegionSizing, Spell, spelled


@dataclass
class Casework:
    """The casework hours a week a region's team needs, sized at `people` casemanagers (the people
    answer, else the scenario's team: `people_from` says which) against the casework targets."""

    people: int
    people_from: str  # "the people answer" or "the scenario's team"
    scenario_hours: float  # the casemanagers' contracted hours a week in the scenario
    search: RegionSizing  # its candidates are total hours a week

    @property
    def hours(self) -> int | None:
        return self.search.answer

    @property
    def enough(self) -> int | None:
        """The hours answer, else the smallest total settled as enough (`RegionSizing.enough`)."""
        return self.search.enough

    def line(self, spell: Spell = str) -> str:
        """E.g. 'casework needs 41 h a week (6.8 h each); the scenario gives 48'."""
        given = f"the scenario gives {self.scenario_hours:.0f}"
        if self.hours is None and self.enough is not None:
            return (f"casework needs at most {self.enough} h a week ({self.enough / self.people:.1f} h each; "
                    f"less not settled on {spelled(self.search.binding(), spell)} within the cap); {given}")
        if self.hours is None:
            return f"casework hours at {self.people} casemanagers: {self.search.status} ({given})"
        return f"casework needs {self.hours} h a week ({self.hours / self.people:.1f} h each); {given}"


#: (region, line structure) -> its cells; a search runs them (`sizing_search.run_rounds`).
Cells = dict[tuple[str, str], list[Cell]]


def _team(r: RegionSizing, scenario_team: int) -> tuple[int, str]:
    """The team the hours are sized at, and where it comes from."""
    if r.answer is not None:
        return r.answer, "the people answer"
    if r.enough is not None:
        return r.enough, "the smallest team settled as enough"
    return scenario_team, "the scenario's team"


def size_hours(results: list[RegionSizing], build: Callable[[str, str, int, float], tuple[Job, int]], team: dict[str, int],
               given: dict[str, float], search: Callable[[Built, Cells], None], monotone: bool,
               conclude: Callable[[Cells], list[RegionSizing]]) -> None:
    """For each region and structure of `results`: the casework hours a week at its people
    answer (else the scenario's team), set as its `casework`. `build(rid, structure, people,
    hours)` makes a candidate's job; `search` judges cells; `conclude` turns them into answers."""
    people = {(r.region, r.structure): _team(r, team[r.region]) for r in results}
    built = Built(lambda k: build(k[0], k[1], people[k[0], k[1]][0], k[2]))  # k: (region, structure, hours)
    grid = {k: cw.candidates(n, given[k[0]]) for k, (n, _) in people.items()}
    cells: Cells = {}
    for finer in (False, True):
        stage = {k: [Cell(h) for h in totals] for k, totals in grid.items()}
        search(built, stage)
        for key, row in stage.items():
            cells[key] = sorted(cells.get(key, []) + row, key=lambda c: c.size)
        if finer or not monotone:
            break
        brackets = {k: window(row) for k, row in cells.items()}  # largest total failing, smallest meeting
        grid = {k: [h for h in cw.fine(row[lo].size, row[hi].size) if h not in {c.size for c in row}]
                for k, row in cells.items() for lo, hi in [brackets[k]] if 0 <= lo < hi < len(row)}
    found = {(h.region, h.structure): h for h in conclude(cells)}
    for r in results:
        n, source = people[r.region, r.structure]
        r.casework = Casework(n, source, given[r.region], found[r.region, r.structure])
