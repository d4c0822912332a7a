"""Golden digests: fixed seeds give bit-identical results across refactorings.

A digest changes only when a result changes. When a change of the model or of the random
streams is intended, re-pin the digest in the same commit and say why in its message.
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
    "regions": "d48ff7515511061030ccc14643e98fc4888623ce6708ba6a3e8a4952c65f9177",
    "persons": "678388e8b4a32aa89b02571dc3a049c35e5b3931b4c466fb7fa98346383d236a",
    "callouts": "9b626291c02f05e2a9b6371391e66d6cc125c50fc8bb87c68364cb479e367977",
    "reports": "22fe36e25f448ddbfef954601debe8d0fbd528af17d31550ca89637d6613d275",
    "tasks": "5328f42de807ba5ecdbb52c01da9f2b20cd3d770fda87593408f5071b1dba3cb",
}
GOLDEN_NATIONAL = {
    "regions": "2bc196b615bbb39dc55d7778e86a98a5407c4a73f45911d9b934830968117c2d",
    "persons": "d3e773812be574ba7395d01c1cf8b2ab25cc7917b80674c914efab1bb7bfac33",
    "callouts": "5104304fa32f4c401a353d679287ef36e92c533a64b4e17f865776fa30996523",
    "reports": "0a36feee7423b90c9b3e1ab6210df9d862803c17c1408ffe1cf1fa09f17046e1",
    "tasks": "ab55f23a484e4de193698282822c86f62ad2163262852356514997dee02af23b",
}
GOLDEN_EXPERIMENT = {
    "regions": "1fe953bd613a6d5112da0901a6df69cd29f9eb3b5ce5fdb9814d807e4d72719a",
    "differences": "931e7fdb7cfb5fa178ae71d6953b2a9273bb7eb76a67ced64fa2263d9acf8d66",
}


def test_one_region_is_pinned() -> None:
    """Zeeland, 3 replications, seed 11: every table is bit-identical to the pinned run."""
    assert run_digests("zeeland.toml", 3, 11) == GOLDEN_ZEELAND


def test_national_model_is_pinned() -> None:
    """The 16-region model, 2 replications, seed 5: every table is bit-identical."""
    assert run_digests("netherlands.toml", 2, 5) == GOLDEN_NATIONAL


def test_experiment_is_pinned(tmp_path: Path) -> None:
    """The dropout experiment, 3 replications: its paired differences are bit-identical."""
    from dataclasses import replace

    exp = replace(ex.load(ROOT / "experiments" / "dropout.toml"), replications=3)
    folder = ex.open_folder(exp, tmp_path / "run", resume=False)
    with make_executor(1) as backend:
        result = ex.run(exp, folder, backend)
    got = {"regions": digest(result.regions), "differences": digest(result.differences)}
    assert got == GOLDEN_EXPERIMENT
