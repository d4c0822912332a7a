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
    "regions": "2162c54d22fb6293b4dbe67c0cd0b34024fc4a2f5b2c6b9bcb35089d66e2d9ce",
    "persons": "f6b75334aced1ba10cb34bd86b604d154437454fbb1cbaa69bdbc41a190338fd",
    "callouts": "0f9d2e29a27ec843cf6b96e35ccc85875fb3d728188117cf1746bccb3993cd7b",
    "reports": "8146139edf870c1c3ffa9b6d4408e67bfca408e1ba5c03dd30fa57266e94d254",
    "tasks": "923b9344961e1579ae368174006847686107347b99e98442da79d8cada136f8a",
}
GOLDEN_NATIONAL = {
    "regions": "8f1e8b41c0107c28f33dcebdd5f031fbc0f4b905f41c1da7dae7d2704516d04e",
    "persons": "646da8d519e90ba0f0c80960771af17ff81e82cf2557fe5437f7994bf6ebff2a",
    "callouts": "ea429d754d19235372579c1a136829660c52b4ab26d70488eadcd41ff86d7469",
    "reports": "2d26cafcb164ae80bd8b3e82894abfc813aa00cbde12a37537d49597a36f2058",
    "tasks": "94a99b975f3e90afe5161d30401624cbb914a9a391fdbb4cd2eb604eea272680",
}
GOLDEN_EXPERIMENT = {
    "regions": "20b7906d4a5ae0ebeb58c3e9b237c3ae721171f8aa46a26e0ac6dd075b88752d",
    "differences": "0f3869039d255f671d33f499b945e14f6affc3338369a2b32abba01d8a0a9161",
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
