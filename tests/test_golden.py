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
    "regions": "36ad15077d7c7288619de6b03376428ba1f5247b092e8fdca53eb73d760dfdbd",
    "persons": "664871f16e5735cb6206b7dc89ddc004b2d5e4655f763ce08286a9fc5c56f86f",
    "callouts": "92e4c15aae80823823f467c675deb9311c532b6e5b2e69203f22f5cbc254e1c2",
    "reports": "35f33a8ee15c5e8fb1fdb391721b29cb3d6da168fe14c5c441ee588ee0e1f216",
    "tasks": "3f47f4c4de0c66f6d2e86612a726e60d39cb2c875d5d66c83329baec6a4686b8",
}
GOLDEN_NATIONAL = {
    "regions": "a8a743bb8a57c115c8f0425314805ab7cbe8f6634f9fc19e30653ef7d4a0df43",
    "persons": "07cdf94598352218135e1e1cc7a64778fac8f6a91f659eeb76dadeabd2881d91",
    "callouts": "3f53996c124f2acbc268b58dea1748bb55d9a2df025e1e09bb8d77471ff24872",
    "reports": "6cbfa618f1ff6c84e77ff009d084bee9187599abe6e1eb69bf2f92973c1e24a4",
    "tasks": "7b9cfb83e118465b0d57f7293a7c1f91a1c4b6738beb9108cbbecc7a3d7d6adf",
}
GOLDEN_EXPERIMENT = {
    "regions": "8166e30a84e499a8682da93f9ad213a24505d3b59d559074aa3be8a82847c136",
    "differences": "8b9c26f397e61800c83797fb5f7bd1881ea886851fb69848bdedd2d6a0462399",
}


def test_one_region_is_pinned() -> None:
    """Zeeland, 3 replications, seed 11: every table is bit-identical to the pinned run."""
    assert PINNED["GOLDEN_ZEELAND"](ROOT) == GOLDEN_ZEELAND


def test_national_model_is_pinned() -> None:
    """The 16-region model, 2 replications, seed 5: every table is bit-identical."""
    assert PINNED["GOLDEN_NATIONAL"](ROOT) == GOLDEN_NATIONAL


def experiment_digests(folder: Path) -> dict[str, str]:
    """The dropout experiment, 2 replications (the fewest with paired intervals), run in `folder`."""
    from dataclasses import replace

    exp = replace(ex.load(ROOT / "experiments" / "dropout.toml"), replications=2)
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
    """The dropout experiment, 2 replications: its paired differences are bit-identical."""
    assert experiment_digests(tmp_path) == GOLDEN_EXPERIMENT
