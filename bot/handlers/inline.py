"""Inline mode: `@bot what happens at a first meeting` in any chat offers answers to send.

A sponsor shares the right answer with a newcomer: the best FAQ entries for the query (read as a
typed question is), the meetings whose name it holds, and crisis resources first when the query
signals danger. The query is read and forgotten like any message: never logged, never stored.
Inline mode must be switched on for the bot with @BotFather (/setinline).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.content import CrisisKind, FaqEntry, LanguagePack
from bot.context import BotContext
from bot.handlers.common import keyboard
from bot.meetings import Meeting
from bot.safety import Level
from bot.views.inline import (
    STARTING_POINTS,
    Offer,
    crisis_offers,
    distinct,
    faq_ids,
    faq_offer,
    meeting_offer,
    meetings_named,
)
from bot.views.places import directions_url

# Results are per person (`is_personal`) and in their language; a minute keeps a changed
# /language or a reloaded directory from being served stale for long.
CACHE_SECONDS = 60
MAX_MEETINGS = 5


class Renderers(NamedTuple):
    """How the bot renders what inline mode offers, as its FAQ and meeting screens do (given
    by `register`: handler modules do not import each other)."""

    answer: Callable[[LanguagePack, FaqEntry], str]
    card: Callable[[LanguagePack, Meeting, ZoneInfo, dt.datetime], str]


async def answer_query(update: Update, context: BotContext, *, renderers: Renderers) -> None:
    """An inline query: crisis resources first when it signals danger (and nothing else when it
    is a crisis, as in a chat); else the best answers and the meetings it names; the starting
    points when it is empty or nothing fits."""
    query = update.inline_query
    if query is None:
        return
    text, user_id = query.query.strip(), query.from_user.id
    library = context.services.library
    bot = _bot_username(context)
    offers: list[Offer] = []
    assessment = library.assess(text) if text else None
    if assessment is not None and assessment.level is not Level.NONE:
        crisis = assessment.level is Level.CRISIS
        kind = assessment.kind or "self_harm"
        offers += await _crisis(context, user_id, kind, bot, others=crisis)
        if crisis:
            await _answer(update, offers)
            return
    found: list[Offer] = []
    if text:
        reading = library.reader(context.pack).read(text)
        found += _faq(context, faq_ids(reading, list(_entries(context.pack))), renderers, bot)
        found += await _meetings(context, text, renderers, bot, user_id)
    if not found:
        found += _faq(context, STARTING_POINTS, renderers, bot)
        found += await _crisis(context, user_id, "self_harm", bot, others=False)
    await _answer(update, offers + found)


def _entries(pack: LanguagePack) -> dict[str, FaqEntry]:
    return {e.id: e for c in pack.faq.categories for e in c.entries}


def _faq(
    context: BotContext, ids: Sequence[str], renderers: Renderers, bot: str | None
) -> list[Offer]:
    """The entries `ids` (those the user's language has), rendered as the bot answers them."""
    pack = context.pack
    entries = _entries(pack)
    return [
        faq_offer(pack, entries[i], renderers.answer(pack, entries[i]), bot)
        for i in ids
        if i in entries
    ]


async def _crisis(
    context: BotContext, user_id: int, kind: CrisisKind, bot: str | None, *, others: bool
) -> list[Offer]:
    """The crisis resources of the user's region (their zone's, else the configured one)."""
    services = context.services
    pack = context.pack
    region = await services.region_of(pack, user_id)
    return crisis_offers(pack, region, kind, bot, others=others)


async def _meetings(
    context: BotContext, text: str, renderers: Renderers, bot: str | None, user_id: int
) -> list[Offer]:
    """The directory's meetings named by `text`, as cards in the user's zone."""
    services = context.services
    found = meetings_named(services.library.directory, text, MAX_MEETINGS)
    if not found:
        return []
    pack = context.pack
    zone = await services.user_zone(user_id)
    now = services.clock()
    return [
        meeting_offer(
            pack,
            meeting,
            renderers.card(pack, meeting, zone, now),
            directions=directions_url(meeting),
            zone=zone,
            now=now,
            bot=bot,
        )
        for meeting in found
    ]


def _bot_username(context: BotContext) -> str | None:
    """The configured username, else the one Telegram gave at start-up; None with neither."""
    configured = context.services.settings.telegram.username
    if configured:
        return configured
    try:
        return context.bot.username
    except RuntimeError:  # not initialised: no getMe answer yet
        return None


async def _answer(update: Update, offers: list[Offer]) -> None:
    query = update.inline_query
    assert query is not None
    results = [
        InlineQueryResultArticle(
            id=offer.id,
            title=offer.title,
            description=offer.description,
            input_message_content=InputTextMessageContent(
                offer.text,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
            reply_markup=keyboard(offer.rows) if offer.rows else None,
        )
        for offer in distinct(offers)
    ]
    try:
        await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True)
    except BadRequest as exc:
        # Typing on outruns answering: a query already replaced by a longer one has expired.
        if "query is too old" not in str(exc).lower():
            raise
