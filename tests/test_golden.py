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
    "regions": "5b7ec5497ccf19bc568048e8197e2ae3133c95222de2119c2c90874d257971d1",
    "persons": "cc1a4302e40ea116250245fce3c7025ccc8d0f262fc4102b356992a944b813ed",
    "callouts": "87dd4c70afb7ed4b8728b48b96a5d19e29ef389d1c9327b8d7c7aedc91414747",
    "reports": "c226ead827f37ed5101a208a2974dcd33f8af7292beeeadf9d4c5bf714918282",
    "tasks": "9ed88c0857cd1c668d74130845e739c406d78562800641e57cc1f1afc9333155",
}
GOLDEN_NATIONAL = {
    "regions": "f49cb72cd4f7b937fd8c31d944ef6bbfa8d0e326bacf81caf37642f70933a329",
    "persons": "174c4601cb3f30f64d3b0cde786815dc84acb7c6e8e24deddf2c80de0bbded47",
    "callouts": "3b51c4006dbfc5bbecfc6822466a20a1710ae29d3384f2cb868f56ef961a69d3",
    "reports": "72113c7fc70f154225b6bcb3662e0db7eeca94f7feb509212e1ed13470960d34",
    "tasks": "94a9218375a6b937d5985958762804aaaf61c403e7dba19af5fa96f9c79258f2",
}
GOLDEN_EXPERIMENT = {
    "regions": "4ac93819440863a49f37708dc06a14523f4718026a8c196ca3f71d1cddbb305f",
    "differences": "e98d33530f8a1ef2c5c2839d6264f6365dc23dec7299272526e15b12c3c2b94a",
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
