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
    "regions": "50f3432210166bf009926cff0ca532a030345523b46c2a14d05cf62aba881255",
    "persons": "8db774d31577d895a34bb3c6efb2a4f0e2e7f908be7330faf5249d06392424c3",
    "callouts": "afaf530b8277ebad6a5efa948099f6a9777108deae98f9bb3c2a9532162c3a9c",
    "reports": "326fba578b7e2947e31bf2fe03e07da28e34b92637e982190b90913c59919093",
    "tasks": "3b837076de456798305c52a6076183c95ee2152c6190e5e06611354b3c36acf4",
}
GOLDEN_NATIONAL = {
    "regions": "ae9acf81fd6bae00dfd7788116db35178c395504af9b5f85e613e12dba5954ef",
    "persons": "b84f4d9bbb91c73a1d1a7fc3837192d0e7d25bc32c4c3d49ffe5d44336e1351a",
    "callouts": "2fb22f0382bba1e350f04e8273d42501a27223049effd27f79347ab04390a551",
    "reports": "1bdfde6915f1919886f2ed6e2e9a99940b7987ce1c9b7522f0f0066a602dced1",
    "tasks": "542cc0e392f17c017eccd18bf45014438b876bf0c2d4d827f9c21afd62ab2822",
}
GOLDEN_EXPERIMENT = {
    "regions": "77d1325a8382c3b1e5f1058d2b688e1f4dfe02a0e8fd0409fb453317fa3e4069",
    "differences": "dd80b214444daccbfd0d6cb5c8f62d60e4f1243aacf72bc487eab1da10c6269b",
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
