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
    "regions": "3f167dc8a51868b6eda8eea891e2eb2f6968d69073a11de6193ece7696f0f30e",
    "persons": "a631922e44b27fef317823ded589f133b1ca88e0d42238ceca1527f432f39735",
    "callouts": "b081a4d9bd7660ce614163610c250d68f79f02064ad4c4e624d3176484a20e2f",
    "reports": "7df70fd75b8f77cead696440ce4c604a02acb1690301631e0ddb5cfa60afca84",
    "tasks": "7dd84ea85fd73d64d74424175d9cefaacbbb25f6bd88a9d00494132ab6644cfd",
}
GOLDEN_NATIONAL = {
    "regions": "28aafe278889e164f0493c178b6972687d516c4cd8f47fc0fa359fa589161ab1",
    "persons": "728cb832dc1d70091421d80090bed7886c3f62cb2a9b0f0e633c9abf2c83677c",
    "callouts": "f00ae90a536a0a65375d8e169ef6949f80a0b9f21a92851ba17532950f7154c5",
    "reports": "df6a94f65425c2e399d4d039293d1e9d82f547b865f570631bfbcffc58cd4fac",
    "tasks": "025b3be259764ad4d294afdf970d8dda8dc9ca379eb7a724521a805ff4830f99",
}
GOLDEN_EXPERIMENT = {
    "regions": "20ff1a90226f59b8119787cf9a07207ae49cf4c13ececb1ff77e026a617d0cc1",
    "differences": "409c3085077393821f2c42b839971da3a66e7a310c88a0775eb290175dfd3f64",
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
