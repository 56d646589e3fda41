"""Button payloads: short strings, built and parsed in one place, treated as untrusted input.

A payload is `feature:action` followed by up to three `:argument`s (at most 64 bytes in all,
Telegram's limit). Arguments are ids, keys or small numbers; a handler must still check that what
they name exists, and belongs to the person pressing, before using it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_PAYLOAD = re.compile(r"^[a-z]{1,8}:[a-z]{1,8}(?::[a-z0-9_.-]{1,40}){0,3}$")


@dataclass(frozen=True)
class Button:
    """A parsed button press."""

    feature: str
    action: str
    args: tuple[str, ...] = ()

    @property
    def arg(self) -> str | None:
        """The first argument, if any."""
        return self.args[0] if self.args else None

    def int_arg(self, index: int, default: int = 0) -> int:
        """Argument `index` as a small non-negative int; LookupError when it is not one."""
        if index >= len(self.args):
            return default
        value = self.args[index]
        if not value.isdigit() or len(value) > 9:
            raise LookupError(value)
        return int(value)


def make(feature: str, action: str, *args: str | int | None) -> str:
    """Build a payload; raise ValueError rather than send one Telegram would refuse."""
    parts = [feature, action, *(str(a) for a in args if a is not None)]
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES or not _PAYLOAD.fullmatch(data):
        raise ValueError(f"invalid button payload {data!r}")
    return data


def parse(data: str | None) -> Button | None:
    """The button a payload stands for, or None when it is malformed or oversized."""
    if not data or not _PAYLOAD.fullmatch(data):
        return None
    try:
        if len(data.encode()) > MAX_BYTES:
            return None
    except UnicodeEncodeError:  # a lone surrogate: not text Telegram would have sent
        return None
    feature, action, *args = data.split(":")
    return Button(feature, action, tuple(args))
