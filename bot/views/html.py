"""What every view shares: Telegram HTML escaping and the (label, callback payload) button row."""

from __future__ import annotations

import html
from collections.abc import Sequence

Row = Sequence[tuple[str, str]]


def esc(text: str) -> str:
    """Escape content for Telegram HTML; content is plain text by design."""
    return html.escape(text.strip(), quote=False)
