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
    "regions": "8a9bf275709a64127e164fb456ae16d691c59c4b34162ac7b677625f3dcd2edb",
    "persons": "9d456e8efa7e2e207f56bafe047aeabef5d39bff98d48c5322a18595d27b6634",
    "callouts": "3142ad07e1941b5b7e28676e2734555144c2548c8fc1dc569838082103ba3279",
    "reports": "90ecf5f5605a791b4f6a041ba23ac065bd588e28b0a151e4a2cb66cae1bf97c9",
    "tasks": "85e8fe83afa19242708dc82092ef3f2cb74bf489a66bdd7044b5689b47bc6502",
}
GOLDEN_EXPERIMENT = {
    "regions": "9a1a07897d6de246b940aac3a0fc287df1261965f4960e008a9b0d5ed77cd846",
    "differences": "89c791c45398796d918a7d016d794d0feeda2f7136f5a8400712e53294596ba3",
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
