"""Inline mode's offers: FAQ answers, meeting cards and crisis resources to send into any chat.

Pure rendering and ranking (no I/O, no clock of its own). Each offer becomes one
`InlineQueryResultArticle` in `bot.handlers.inline`: an id Telegram accepts (at most 64 bytes,
unique in one answer), a short title and description for the list, the message it sends (Telegram
HTML, as the bot shows it in a chat) and link buttons only. A message sent inline belongs to the
chat it was sent into, not to the bot's chat, so a button there cannot be one of the bot's
callback buttons: the way into the bot is a start link (`bot.deeplinks`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot import deeplinks
from bot.content import CRISIS_KINDS, CrisisKind, FaqEntry, LanguagePack, RegionResources
from bot.meetings import Directory, Meeting
from bot.personal import fold
from bot.understanding import Reading
from bot.views.html import Row, esc

MAX_ID_BYTES = 64
MAX_TITLE = 64
MAX_DESCRIPTION = 100
# A query shorter than this names no meeting: one or two letters would match most of them.
MIN_MEETING_QUERY = 3
# The empty query's starting points, after which crisis help is offered.
STARTING_POINTS = ("what-to-expect", "do-i-have-to-talk")

_WORD = re.compile(r"\w+")
# The title of each kind of crisis message in the list.
_CRISIS_TITLES: dict[CrisisKind, str] = {
    "self_harm": "share_crisis",
    "overdose": "share_overdose",
    "other_danger": "share_other_danger",
    "abuse": "share_abuse",
}


@dataclass(frozen=True)
class Offer:
    """One result to offer: `text` is Telegram HTML; `rows` hold (label, web address) buttons."""

    id: str
    title: str
    description: str
    text: str
    rows: Sequence[Row] = ()


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def result_id(key: str) -> str:
    """`key` as a result id, or a digest of it when it is longer than Telegram takes."""
    if 0 < len(key.encode()) <= MAX_ID_BYTES:
        return key
    return "h-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def distinct(offers: Sequence[Offer]) -> list[Offer]:
    """The first offer of each id, in order (Telegram refuses an answer with an id twice)."""
    seen: set[str] = set()
    kept = []
    for offer in offers:
        if offer.id not in seen:
            seen.add(offer.id)
            kept.append(offer)
    return kept


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def _open_row(pack: LanguagePack, bot: str | None, payload: str | None) -> list[Row]:
    """The "Open in @bot" start-link button, when the bot's username is known."""
    if not bot or payload is None:
        return []
    name = bot.removeprefix("@")
    return [[(pack.text("share_open", bot=f"@{name}"), deeplinks.link(name, payload))]]


def faq_ids(reading: Reading, known: Sequence[str], limit: int = 3) -> list[str]:
    """The entries a reading points to, best first: the answer and its runners-up, or the close
    ones it would offer; none for a feature request or when nothing fits."""
    ranked = [reading.answer, *reading.alternatives] if reading.answer else reading.suggestions
    present = set(known)
    chosen: list[str] = []
    for entry_id in ranked:
        if entry_id in present and entry_id not in chosen:
            chosen.append(entry_id)
    return chosen[:limit]


def faq_offer(pack: LanguagePack, entry: FaqEntry, answer: str, bot: str | None) -> Offer:
    """An FAQ answer (`answer`: the entry as the bot renders it), with its start link."""
    try:
        payload: str | None = deeplinks.faq_payload(entry.id)
    except ValueError:
        payload = None
    return Offer(
        id=result_id(f"faq-{entry.id}"),
        title=clip(entry.question, MAX_TITLE),
        description=clip(_first_line(entry.answer), MAX_DESCRIPTION),
        text=answer,
        rows=_open_row(pack, bot, payload),
    )


def crisis_offers(
    pack: LanguagePack,
    region: RegionResources,
    first: CrisisKind,
    bot: str | None,
    *,
    others: bool = True,
) -> list[Offer]:
    """The region's message for `first`, then (with `others`) those for the other kinds; each
    with a start link to the bot's crisis help."""
    kinds = [first, *(k for k in CRISIS_KINDS if k != first and others)]
    offers = []
    for kind in kinds:
        message = region.crisis if kind == "self_harm" else getattr(region, kind)
        description = region.crisis_line if kind == "self_harm" else _first_line(message)
        offers.append(
            Offer(
                id=result_id(f"sos-{kind}"),
                title=clip(pack.text(_CRISIS_TITLES[kind]), MAX_TITLE),
                description=clip(description, MAX_DESCRIPTION),
                text=esc(message),
                rows=_open_row(pack, bot, "sos"),
            )
        )
    return offers


def meetings_named(directory: Directory, query: str, limit: int = 5) -> list[Meeting]:
    """The meetings whose name has a word starting with each word of `query`, ignoring case and
    accents ("seren sev" finds "Serenity at Seven"), in directory order."""
    words = _WORD.findall(fold(query))
    if len("".join(words)) < MIN_MEETING_QUERY:
        return []
    found = []
    for meeting in directory:
        names = _WORD.findall(fold(meeting.name))
        if all(any(name.startswith(word) for name in names) for word in words):
            found.append(meeting)
            if len(found) == limit:
                break
    return found


def meeting_offer(
    pack: LanguagePack,
    meeting: Meeting,
    card: str,
    *,
    directions: str | None,
    zone: ZoneInfo,
    now: dt.datetime,
    bot: str | None,
) -> Offer:
    """A meeting's card (`card`, as the bot renders it), with the join link and directions when
    it has them and "Remind me" as a start link to the card in the bot."""
    payload = deeplinks.meeting_payload(meeting.slug)
    links: list[tuple[str, str]] = []
    if meeting.conference_url:
        links.append((pack.text("meetings_join_button"), meeting.conference_url))
    if directions is not None and meeting.is_in_person:
        links.append((pack.text("meetings_directions"), directions))
    rows: list[Row] = [links] if links else []
    if bot:
        name = bot.removeprefix("@")
        rows.append([(pack.text("meetings_remind"), deeplinks.link(name, payload))])
    start = meeting.next_start(now).astimezone(zone)
    when = f"{pack.text(f'day_{(start.weekday() + 1) % 7}')} {start:%H:%M} ({zone.key})"
    description = f"{when} · {pack.program_name(meeting.program)}"
    if meeting.temporarily_closed:
        mark = "meetings_mark_online_only" if meeting.is_active else "meetings_mark_closed"
        description = f"{pack.text(mark)} {description}"
    return Offer(
        id=result_id(payload),
        title=clip(meeting.name, MAX_TITLE),
        description=clip(description, MAX_DESCRIPTION),
        text=card,
        rows=rows,
    )
