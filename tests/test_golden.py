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
GOLDEN_NATIONAL = {
    "regions": "22c4e0d53067d4a6edc2972f68da2281150d79231ce61269b84536ee3c786519",
    "persons": "cc64ad8d21550275606ffa6bee71cc8df9bfaa8b40c1f00afcd33f2c08c149c4",
    "callouts": "d0df4e9aa5510e1dae0fad1026b0a028ca0e9a8c6d948ae179e2c0807472a0e0",
    "reports": "1a1a9238164e56be1bc4ca6a3d0a9658d30edff2052f54b6d1bddf675e85bb76",
    "tasks": "8a87c1ead95c31f03851423bc91f3be97863d005d5672ad35b4d4e9460afc39b",
}
GOLDEN_EXPERIMENT = {
    "regions": "e476b14ad9afe4264852e2009f780e153559a6d861de71c066da77ab7c7b26da",
    "differences": "3869c43098e9d42397268fa109d9cdd671924c5c795b1c353886c52e7372dcd2",
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
