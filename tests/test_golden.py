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
    "regions": "798064cbe0b0d0ea2007224ad81f10cf4c2e060e99fb58f253d64e51eae9cc5f",
    "persons": "8057a7afde94f53dd0ad80e9aab45f2187fc89daafb2b51abef8d5bd14920d4b",
    "callouts": "52f40f0889dd2e5e3aed6b92e78bf81484d57a8c13f4a5d9d6852ca1985de67c",
    "reports": "e9ea19559b74f2cd2d2d24ed73c5968ff7d9dd40f084dd2a7c5a1431e2d6ce25",
    "tasks": "9ed88c0857cd1c668d74130845e739c406d78562800641e57cc1f1afc9333155",
}
GOLDEN_NATIONAL = {  # re-pinned (issue 13): recalibrated model with input uncertainty drawn per replication
    "regions": "09fed4241f7c14bc2029f480dad0d4da00c354d7d078adfb63f33abad8b1d854",
    "persons": "1a42620229e681920d2b8262e47fc6109d45df76866b97425202343d45fc5e1d",
    "callouts": "15664466d43b943549f20fbe4a2bc7b49fe45ddaf3fe8d756950ed2bc0a894c4",
    "reports": "af047798d57d1f642e26e442f0d575f3b90f0546bd5f4c86a690b98e92adf8d3",
    "tasks": "38e3043920da6d78f9d111326ab2742682a19a481d41a8128548fd6a4b6c4421",
}
GOLDEN_EXPERIMENT = {  # re-pinned (issue 13): the experiment runs the recalibrated national model
    "regions": "eff93f1115ae8f570b77e10421333548f235ebf91e67a06d797038e38a91bea8",
    "differences": "be660a1716b755c9047e9db66041f8d375dc742e90c970cde5643d538593650f",
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
