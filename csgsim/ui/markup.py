"""Text from users (names, ids, paths) made safe for a Rich table or message.

Rich's own `escape` guards only its markup; ESC and BEL in a region's name would still reach
the terminal and be obeyed. Here control characters are first made visible (`csgsim.core.text.safe`).
"""

from __future__ import annotations

from rich.markup import escape as _rich_escape

from csgsim.core.text import safe


def escape(text: object) -> str:
    """`text` with control characters made visible and Rich's markup escaped."""
    return _rich_escape(safe(text))
