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
    "regions": "7eafa7d60d33ad782cb3e96f98c3edb8b00c571facf90b31cbcb5750939e8f9d",
    "persons": "cc1a4302e40ea116250245fce3c7025ccc8d0f262fc4102b356992a944b813ed",
    "callouts": "b3dd4da97ce7b2817f2d3680365a706fb8d968ddfe8979f43a37decce9dec3ad",
    "reports": "c226ead827f37ed5101a208a2974dcd33f8af7292beeeadf9d4c5bf714918282",
    "tasks": "9ed88c0857cd1c668d74130845e739c406d78562800641e57cc1f1afc9333155",
}
GOLDEN_NATIONAL = {
    "regions": "1fbcb1c033a70ccc2fe56581b2609d92ebf7804c2aa210b22a5a032e29f2ba0c",
    "persons": "f280870b268d057ae397670d4e9ea72e9e103035c83cc093b74680ea5ecec517",
    "callouts": "1ef0eab08aa36c4e018a5fd2c63c50c7d0351b946c2b7fc52e3d2e8710c14e4b",
    "reports": "90ecf5f5605a791b4f6a041ba23ac065bd588e28b0a151e4a2cb66cae1bf97c9",
    "tasks": "85e8fe83afa19242708dc82092ef3f2cb74bf489a66bdd7044b5689b47bc6502",
}
GOLDEN_EXPERIMENT = {
    "regions": "46e47166e031cf0cfe26ec09680641cf869c6cf090d7ff7e0156f4512523c5f5",
    "differences": "5cb6f74a48b6113a7fe62a34fd152dfe765eb5f7eb4adb59a345fe5b3f3a2c21",
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
