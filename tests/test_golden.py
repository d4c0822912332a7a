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
    "regions": "9dac69029dbf95c3bda2d57bd6c177ff17b7591acc3af1380665b68e1dfbe3df",
    "persons": "0677d994aea4b74938c1649543d61d3785bc61c0d68eff38293ed6a368b907b2",
    "callouts": "c9aa6d65aac4812e051c25ceaaba0d80ed45163a4dc36f66735ffb4407ff20b3",
    "reports": "ad1940f84561e14b30713334b3abf3927cbeece2e4d5a03911e95aba5b13f7fd",
    "tasks": "348a2b49ae5af64c3b49b72a237465d6dbcaf135f362a90c5f840d486b2c09de",
}
GOLDEN_NATIONAL = {
    "regions": "068f2f17d1b9c8cf7180d39530ab95a48cd218e30f1a71c50c345473c5b1f92d",
    "persons": "9a68ca9a459d84b79ca485ca8cf784461c8b1e7c3c9d9912f84e4daccb875d9a",
    "callouts": "103ccd73cb31dd5738a51fc9a135d4ca2d1029e7396f6e5d2274890593ce3391",
    "reports": "d36e5f438be3ec0d4dd62a8eb1d28703c74accfca4ddf78dca94f878fc3e2694",
    "tasks": "2c6137eeb351ac716e0f64fc4eca4b0558054c7e7cd106a3cda375579bb510cd",
}
GOLDEN_EXPERIMENT = {
    "regions": "a7500c084bc20299da8ca950106b10922bc630f8bb68b617f2373cf8497abd13",
    "differences": "3b8b0b436c1f6402e5e5ec5fbdb937a05b9160b972ab129d5c67b991b07858f1",
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
