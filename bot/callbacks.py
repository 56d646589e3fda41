"""Button payloads: short strings, built and parsed in one place, treated as untrusted input.

A payload is `feature:action` or `feature:action:argument` (at most 64 bytes, Telegram's limit).
Arguments are content ids; a handler must still check that the id exists before using it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_PAYLOAD = re.compile(r"^([a-z]{1,8}):([a-z]{1,8})(?::([a-z0-9_-]{1,40}))?$")


@dataclass(frozen=True)
class Button:
    """A parsed button press."""

    feature: str
    action: str
    arg: str | None = None


def make(feature: str, action: str, arg: str | None = None) -> str:
    """Build a payload; raise ValueError rather than send one Telegram would refuse."""
    data = f"{feature}:{action}" if arg is None else f"{feature}:{action}:{arg}"
    if len(data.encode()) > MAX_BYTES or not _PAYLOAD.match(data):
        raise ValueError(f"invalid button payload {data!r}")
    return data


def parse(data: str | None) -> Button | None:
    """The button a payload stands for, or None when it is malformed or oversized."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    found = _PAYLOAD.match(data)
    if not found:
        return None
    return Button(found.group(1), found.group(2), found.group(3))
