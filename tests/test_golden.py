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
    "regions": "1e755c06740c493e4c10aab3e7bfed966232f36881590641b2058dd91c11f716",
    "persons": "04c19e4ca02289c89c8b01ff85e797c538287ee9257e6080bb3de85e7ae05b90",
    "callouts": "52f40f0889dd2e5e3aed6b92e78bf81484d57a8c13f4a5d9d6852ca1985de67c",
    "reports": "60b5f19f80796a790f43a70f873b8fcdcb0877ab7fa9a0a9f0f02383a99e7409",
    "tasks": "0092d45fbae7539446690364de0058b4370e9ae6337abebb1a055f05a6e72a94",
}
GOLDEN_NATIONAL = {
    "regions": "c0e6a20efdfec549bc7908ee92d70bab4569eaff679988952813934ba96490ca",
    "persons": "b73e94c60008b10d0341e79e77d2d551d2700fcd3981c66e856da83ec2169b6d",
    "callouts": "d0df4e9aa5510e1dae0fad1026b0a028ca0e9a8c6d948ae179e2c0807472a0e0",
    "reports": "f66aac4f70a78d2f57e58bef3574b820413f6ac084bdb5fa51a2dc8ad4441fba",
    "tasks": "844b968cffe2c74ddf6b65205a971534497ed548f4079a1af807c524d931350f",
}
GOLDEN_EXPERIMENT = {
    "regions": "cea0c43026294558b6334139f8144db0abfc3b68ea70852aa9cd41cda57541c3",
    "differences": "1d70abf3b9ab52b1679db77f33d13ff21a0296a057053f422a4b9fa09425fc8e",
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
