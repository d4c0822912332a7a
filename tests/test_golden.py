"""Golden digests: fixed seeds give bit-identical results across refactorings.

A digest changes only when a result changes. When a change of the model or of the random
streams is intended, re-pin the digests with `python -m tests.regen_golden` (it rewrites the
constants below and prints which changed) in the same commit, and say why in its message.
"""

from __future__ import annotations

from pathlib import Path

from csgsim.runtime.runfolder import digest
from csgsim.studies import experiments as ex
from csgsim.runtime import replications as reps
from csgsim.config import scenario as scenario_mod
from csgsim.runtime.executors import make_executor

ROOT = Path(__file__).resolve().parents[1]


def run_digests(model: str, replications: int, seed: int) -> dict[str, str]:
    sc = scenario_mod.load(ROOT / "models" / model)
    res = reps.run(sc, replications=replications, seed=seed, workers=1, keep_records=True)
    out = {"regions": digest(res.region_long), "persons": digest(res.person_long)}
    out.update({name: digest(table) for name, table in sorted(res.records.items())})
    return out


GOLDEN_ZEELAND = {
    "regions": "7f79783d9f85570802b44ad10f3a3b3c6e551357f48295d83802a79995491078",
    "persons": "3c7ffba6a704ce5dd9a8be1a8bdec8286a0bb4cc5d8217145638257a604fe533",
    "callouts": "d4cbe7d6e23c09b5f50cb457fd01c55d56f7298dd9f03040d4fbfad3f2881528",
    "reports": "330927ec475847266357d91bcdf1c48e48d97ee468b7517eebfcccbf64084cbe",
    "tasks": "5a306a0abbfef40f51ab1bd8faf9f9c7c72c4434ff519e85303610bd71184551",
}
GOLDEN_NATIONAL = {
    "regions": "b61a542a517f6985913ae273c7d57f28a2e472a7604ddb07bce0f3d73966f88b",
    "persons": "aa527b3e8067feba86ed6d069ffbd2aad50f283a76ae3519c838d3e1764219ad",
    "callouts": "e9c66a3cc17bf0472bc8dde456eb91f7f6af6fa1af4f67b459ba9b92b5ccfb2f",
    "reports": "2dafb8cd5842c11a3a7cc65423f11ddc0d5d059b81ba603cc0c7d7472520106f",
    "tasks": "fda4bae96c1c9341c436a196f37685846b4c9290ab29c2f0d33eb51b8cfc5b40",
}
GOLDEN_EXPERIMENT = {
    "regions": "58abe06601717bc024ae63350a98835957ac3b4fc672c20398c182d3c60d59fb",
    "differences": "86cda9e40902a6d2c1c9e27d16cff376381996d18a617c94a6a846c8d4c58348",
}


def test_one_region_is_pinned() -> None:
    """Zeeland, 3 replications, seed 11: every table is bit-identical to the pinned run."""
    assert PINNED["GOLDEN_ZEELAND"](ROOT) == GOLDEN_ZEELAND


def test_national_model_is_pinned() -> None:
    """The 16-region model, 2 replications, seed 5: every table is bit-identical."""
    assert PINNED["GOLDEN_NATIONAL"](ROOT) == GOLDEN_NATIONAL


def experiment_digests(folder: Path) -> dict[str, str]:
    """The dropout experiment, 3 replications, run in `folder`."""
    from dataclasses import replace

    exp = replace(ex.load(ROOT / "experiments" / "dropout.toml"), replications=3)
    run = ex.open_folder(exp, folder / "run", resume=False)
    with make_executor(1) as backend:
        result = ex.run(exp, run, backend)
    return {"regions": digest(result.regions), "differences": digest(result.differences)}


#: Each pinned constant and how its digests are made (tests.regen_golden recomputes them all).
PINNED = {
    "GOLDEN_ZEELAND": lambda folder: run_digests("zeeland.toml", 3, 11),
    "GOLDEN_NATIONAL": lambda folder: run_digests("netherlands.toml", 2, 5),
    "GOLDEN_EXPERIMENT": experiment_digests,
}


def test_experiment_is_pinned(tmp_path: Path) -> None:
    """The dropout experiment, 3 replications: its paired differences are bit-identical."""
    assert experiment_digests(tmp_path) == GOLDEN_EXPERIMENT
