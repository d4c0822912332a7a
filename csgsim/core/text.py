"""User-provided text as it may be shown: control characters escaped, long lists cut short.

A name from a scenario file or a path from the command line can hold ESC or BEL, which a
terminal would obey (move the cursor, recolour, retitle the window); Rich's `escape` guards only
its own markup. Every such string goes through `safe` before a table or a message shows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: C0 (with DEL) and C1 control characters, shown as escapes; tab and newline are kept out too,
#: since a name or a path is one line.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def safe(text: object) -> str:
    """`text` with every C0/C1 control character written as a visible escape (\\x1b, \\x07)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def has_control(text: str) -> bool:
    """Whether `text` holds a control character (names may not)."""
    return _CONTROL.search(text) is not None


def first_few(items: Iterable[object], shown: int = 3) -> str:
    """The first `shown` items, comma-separated and made `safe`, and how many more there are."""
    items = list(items)
    head = ", ".join(safe(x) for x in items[:shown])
    return head if len(items) <= shown else f"{head} and {len(items) - shown} more ({len(items)} in all)"
