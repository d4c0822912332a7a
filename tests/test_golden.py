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
    "regions": "b7aa230d6480144ba41f2d9bfcbaadecbb813a082fb1b57597ed0d0d2bd76e22",
    "persons": "edf95f76afd89369a62308e27f24a29b008834b52cef442d5543a32c8e239c74",
    "callouts": "dc6a5b8366fceca7415d78df0cb4ee8f52ed9b00efd638ae88bf310d4b9ec919",
    "reports": "bd6ff94fb1b6469e4e4a5dc57609d74757ced6f0bcb10815e8041290036d7af3",
    "tasks": "f5577936aba7c64d5d068a53c0351bae3b9bfb8f2ca9262e082da783293bad30",
}
GOLDEN_NATIONAL = {
    "regions": "747ed8e75a8dbfa0325632e04d2d4f01e00105fd0faad5943eb5fe6d6516e45c",
    "persons": "dc5b51e96162038f1b6e6dffc395545a71867d92cd4f355ee14d99ebf27bac1d",
    "callouts": "8b7579be277973d384bb7238b8ea27ceabd2b4daee310786c0d4411b6667b962",
    "reports": "a99f45696d0677480c4dac8eda8cc31ede45e9c8bc729c164a68d8efd80e86cf",
    "tasks": "b1162d9d1a977437519bb96de95b92feb9ae22a739acf134fe176dcaec79c1a0",
}
GOLDEN_EXPERIMENT = {
    "regions": "eadbcbcbc5633a3900fd263f63fb67f6b922306a3af0ca5d42e195de341ed022",
    "differences": "f06cd558e9e90f2155a047f2b118e82395f18feb7c714b880a733e6ecd3559a9",
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
