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
    "regions": "67be630971592a6a4ae1a1270fb0e05bc2a32e1ea138bc44812ad5f334455d32",
    "persons": "13943713b512f853898c1c0bf1b2e61c9c641de4a61af5d9862cb12578dd57ee",
    "callouts": "b84f64f2c6589d3cb0238377f6036bd65eef8098aee4b1b8be186e55fb7dc414",
    "reports": "3a341f62449e2aa8184dbb8e68150f6a66d1100dae19b1641326c8fcf3f7601d",
    "tasks": "a376cbb43cbfbb7905f13e451c9cef8b5fefbb8d2b02745eb9690f2258aedbea",
}
GOLDEN_NATIONAL = {
    "regions": "774aa8a0414ec789b462834413b6c69749fee950d208ca75c33e4551fa158d11",
    "persons": "dc34ee4a4e39bafa9580e00d531e3686daecf6b3461f4cab5597dbc5fec08451",
    "callouts": "9648bd287eb12247684ce620604d6a4564fcfaa169055cf7c5398c4c5ff5a434",
    "reports": "32b524e9426da409a1e1b01a6957d0237edbec4e54cb52c975ad4eb53478af89",
    "tasks": "b2403aa4cc0277a7a083e7933ba742dc314a6c64a14943130a802818e65e324c",
}
GOLDEN_EXPERIMENT = {
    "regions": "8d43e91615a70f8a1b043ac5336a9e73c5810d31774a5e29874f4103ff39f94b",
    "differences": "4018e02ec999e28f113d227e1e236b1643e7512fa641c945cad759a664e55b5e",
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
