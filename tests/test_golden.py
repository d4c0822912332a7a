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
    "regions": "ca78f0d48827950f1e6ffe37258989dfee95ab0cb2af5ffb5476dfb830b2f481",
    "persons": "1280adef24370e6d11e5dc1fe50fcb45052ce005c5a0bfe00f77f85ef781a47a",
    "callouts": "dbed7769607c54764d8430e2e2ffbd89dfc6e4e56ab9f8124a8492cb2bf5e862",
    "reports": "20e71505f7dc88f6c95bbd50d103135df1902ddf621354d5450e588874558142",
    "tasks": "401dc8a27cf513f81a1ce65fe0d354f60a3e84bf6724e0e926fad042cc4d3159",
}
GOLDEN_EXPERIMENT = {
    "regions": "5ea58147dd12de31fe5511e4eacef67dd91ce69565b77918993100e6024e900d",
    "differences": "595a1ba3ae286970258e1afb4eedf7e771a8366ae905b25628cc9db6670b47e0",
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
