"""What every view shares: Telegram HTML escaping and the (label, callback payload) button row."""

from __future__ import annotations

import html
from collections.abc import Sequence

Row = Sequence[tuple[str, str]]


def is_link(payload: str) -> bool:
    """Whether a button's payload is a web address (a link button), not a callback payload
    (no callback payload starts with one)."""
    return payload.startswith(("https://", "http://"))


def esc(text: str) -> str:
    """Escape content for Telegram HTML; content is plain text by design."""
    return html.escape(text.strip(), quote=False)
