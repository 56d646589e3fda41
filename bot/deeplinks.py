"""Links that open the bot at the right place: `https://t.me/<bot>?start=<payload>` (pure).

Telegram passes the payload to `/start` once, when the person taps Start. It may hold up to 64
characters from `A-Z a-z 0-9 _ -`, so a meeting whose slug fits is linked by its slug and any
other by a short digest of it (found again by looking the digest up in the directory):

- `m-<slug>` or `mh-<digest>`: the meeting's card, with "Remind me";
- `faq-<entry id>`: that answer;
- `sos`, `ground`: the crisis resources, the grounding exercises.

Printed links outlive the directory: a payload that leads nowhere now is told apart from one
that never meant anything, and both fall back to the welcome with a word about it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from bot.meetings import Directory, Meeting

MAX_PAYLOAD = 64
_SAFE = re.compile(r"[A-Za-z0-9_-]+")
_DIGEST_CHARS = 20  # 80 bits of SHA-256: no two slugs of a real directory share one

Kind = Literal["meeting", "faq", "sos", "ground"]


@dataclass(frozen=True)
class Target:
    """Where a payload leads: a meeting (by slug, or by `digest` when the slug did not fit), an
    FAQ entry, or a screen."""

    kind: Kind
    value: str = ""
    digest: bool = False


def digest(slug: str) -> str:
    return hashlib.sha256(slug.encode()).hexdigest()[:_DIGEST_CHARS]


def meeting_payload(slug: str) -> str:
    payload = f"m-{slug}"
    if len(payload) <= MAX_PAYLOAD and _SAFE.fullmatch(slug):
        return payload
    return f"mh-{digest(slug)}"


def faq_payload(entry_id: str) -> str:
    payload = f"faq-{entry_id}"
    if len(payload) > MAX_PAYLOAD or not _SAFE.fullmatch(entry_id):
        raise ValueError(f"FAQ entry id {entry_id!r} cannot be a link payload")
    return payload


def parse(payload: str) -> Target | None:
    """The target a payload names, or None when it names nothing this bot makes."""
    if len(payload) > MAX_PAYLOAD or not _SAFE.fullmatch(payload):
        return None
    if payload in ("sos", "ground"):
        return Target(payload)  # type: ignore[arg-type]
    prefix, _, rest = payload.partition("-")
    if not rest:
        return None
    if prefix == "m":
        return Target("meeting", rest)
    if prefix == "mh" and re.fullmatch(f"[0-9a-f]{{{_DIGEST_CHARS}}}", rest):
        return Target("meeting", rest, digest=True)
    if prefix == "faq":
        return Target("faq", rest)
    return None


def meeting_of(target: Target, directory: Directory) -> Meeting | None:
    """The listed meeting a meeting target names (by slug at once; by digest through an index
    made once per directory)."""
    if not target.digest:
        return directory.get(target.value)
    global _DIGESTS  # one index, for the directory being served
    if _DIGESTS is None or _DIGESTS[0] is not directory:
        _DIGESTS = (directory, {digest(m.slug): m.slug for m in directory})
    slug = _DIGESTS[1].get(target.value)
    return directory.get(slug) if slug is not None else None


_DIGESTS: tuple[Directory, dict[str, str]] | None = None


def link(bot_username: str, payload: str) -> str:
    return f"{chat_link(bot_username)}?start={payload}"


def group_link(bot_username: str, payload: str) -> str:
    """A link that asks which group to add the bot to, then opens `payload` there: a meeting's
    payload links the group's chat to that meeting (its admins only)."""
    return f"{chat_link(bot_username)}?startgroup={payload}"


def chat_link(bot_username: str) -> str:
    """The private chat with the bot."""
    return f"https://t.me/{quote(bot_username.lstrip('@'))}"


def meetings_named(directory: Directory, query: str) -> list[Meeting]:
    """The meeting whose slug is `query`, else those whose name or slug holds it (any case): how
    an organizer names the meeting a link is for."""
    exact = directory.get(query)
    if exact is not None:
        return [exact]
    folded = query.casefold()
    return [m for m in directory if folded in m.name.casefold() or folded in m.slug.casefold()]
