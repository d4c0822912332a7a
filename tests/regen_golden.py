"""Re-pin the golden digests: `python -m tests.regen_golden`.

Recomputes every constant of tests/test_golden.py (`PINNED`), rewrites the ones that changed
in place and prints, per constant and table, old -> new. Run it only when a change of results
is intended, and say why in the commit that carries the new digests.
"""

from __future__ import annotations

import pprint
import re
import tempfile
from pathlib import Path

from tests import test_golden

FILE = Path(test_golden.__file__)


def render(name: str, digests: dict[str, str]) -> str:
    body = "".join(f'    "{k}": "{v}",\n' for k, v in digests.items())
    return f"{name} = {{\n{body}}}"


def main() -> int:
    text = FILE.read_text()
    changed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in test_golden.PINNED.items():
            old = getattr(test_golden, name)
            new = make(Path(tmp) / name)
            diff = {k: (old.get(k), new.get(k)) for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
            if not diff:
                print(f"{name}: unchanged")
                continue
            changed += 1
            print(f"{name}: changed")
            pprint.pprint({k: f"{o} -> {n}" for k, (o, n) in sorted(diff.items())}, width=160)
            text, hits = re.subn(rf"^{name} = \{{\n.*?^\}}", render(name, new), text, count=1, flags=re.S | re.M)
            if hits != 1:
                raise SystemExit(f"{FILE}: cannot find the constant {name}")
    FILE.write_text(text)
    print(f"{changed} of {len(test_golden.PINNED)} constants rewritten in {FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
