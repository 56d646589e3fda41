"""FAQ: browse topics with buttons, or type a question and get the best curated answer."""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

from telegram import Update

from bot import callbacks, deeplinks
from bot.browsing import asked_when
from bot.content import LanguagePack
from bot.context import BotContext
from bot.handlers.common import Row, esc, keyboard, one_per_row, rendered_answer, send_answer, show
from bot.organizer import MISSED
from bot.timezones import city_name, place_named
from bot.understanding import NOTHING, Reading
from bot.views import answers
from bot.views.menu import main_menu
from bot.views.timezones import clock_text, zone_rows

PREFIX = "faq"
TIMEZONE = Reading(intent="timezone")


def _topics(pack: LanguagePack) -> list[Row]:
    return one_per_row([(c.title, callbacks.make("faq", "cat", c.id)) for c in pack.faq.categories])


async def faq(update: Update, context: BotContext) -> None:
    """/faq: the topics, as buttons."""
    pack = context.pack
    await show(update, esc(pack.text("faq_pick_category")), keyboard(_topics(pack)))


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """Topic list, a topic's questions, or an answer, edited in place."""
    pack = context.pack
    if button.action == "home":
        await show(update, esc(pack.text("faq_pick_category")), keyboard(_topics(pack)), edit=True)
        return
    if button.action == "miss":
        await _missed(update, context, button)
        return
    if button.action == "cat":
        category = next((c for c in pack.faq.categories if c.id == button.arg), None)
        if category is None:
            raise LookupError(button)
        rows = one_per_row(
            [(e.question, callbacks.make("faq", "q", e.id)) for e in category.entries]
        )
        rows.append([(pack.text("button_back"), callbacks.make("faq", "home"))])
        text = esc(pack.text("faq_pick_question", topic=category.title))
        await show(update, text, keyboard(rows), edit=True)
        return
    if button.action == "q" and button.arg in answers.entries(pack):
        category, entry = answers.entries(pack)[button.arg]
        markup = keyboard(answers.answer_rows(pack, entry, category))
        await show(update, await rendered_answer(context, entry), markup, edit=True)
        return
    raise LookupError(button)


async def open_link(update: Update, context: BotContext, target: deeplinks.Target) -> bool:
    """A link to an answer (`faq-<entry id>`): the answer, in the reader's language."""
    pack = context.pack
    found = answers.entries(pack).get(target.value)
    if found is None:
        return False
    category, entry = found
    markup = keyboard(answers.answer_rows(pack, entry, category))
    await show(update, await rendered_answer(context, entry), markup)
    return True


async def free_text(update: Update, context: BotContext) -> None:
    """A typed message: answer when one entry is clearly best, offer the closest three when a
    few are close, route a request for a feature to it, else say so and show the topics."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    pack = context.pack
    reading = context.services.library.reader(pack).read(message.text)
    entries = answers.entries(pack)
    # Saying where one is, or asking about the time zone there: the place's zone is offered.
    offer = _zone_offer(context, message.text) if reading in (NOTHING, TIMEZONE) else None
    if offer is not None:
        await show(update, esc(offer[0]), keyboard(offer[1]))
        return
    if reading.intent is not None:
        text, rows = _intent_reply(pack, reading.intent)
        if reading.intent == "meetings":
            rows = [[(pack.text("button_meetings"), await _asked_list(context, message.text))]]
        await show(update, esc(text), keyboard(rows))
        return
    if await send_answer(update, context, reading):
        return
    suggestions = [i for i in reading.suggestions if i in entries][:3]
    if suggestions:
        rows = one_per_row(
            [(entries[i][1].question, callbacks.make("faq", "q", i)) for i in suggestions]
        )
        rows.append([(pack.text("button_topics"), callbacks.make("faq", "home"))])
        await show(update, esc(pack.text("match_unsure")), keyboard(rows))
        return
    await show(update, esc(pack.text("match_none")), keyboard(_topics(pack)))


async def _missed(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """ "That's not what I asked": count the miss (the entry only, never the question), and
    offer the runners-up as a new message, leaving the answer where it was."""
    pack = context.pack
    entries = answers.entries(pack)
    if not button.args or button.args[0] not in entries:
        raise LookupError(button)
    services = context.services
    await services.storage.count(MISSED + button.args[0], services.clock().date())
    offered = [i for i in button.args[1:] if i in entries]
    rows = one_per_row([(entries[i][1].question, callbacks.make("faq", "q", i)) for i in offered])
    rows.append([(pack.text("button_topics"), callbacks.make("faq", "home"))])
    text = pack.text("miss_offer" if offered else "miss_topics")
    await show(update, esc(text), keyboard(rows))


def _zone_offer(context: BotContext, text: str) -> tuple[str, list[Row]] | None:
    """Where someone says they are ("i'm in boston", "vivo en madrid"): that place's zone,
    offered as a button, never set by itself; None when no place is named."""
    zone = place_named(text)
    now = context.services.clock()
    rows = zone_rows([zone], now, context.pack.language) if zone is not None else []
    if zone is None or not rows:
        return None
    pack = context.pack
    rows.append([(pack.text("button_tz_other"), callbacks.make("tz", "ask"))])
    where = city_name(zone, pack.language)
    return pack.text("tz_offer", zone=where, time=clock_text(ZoneInfo(zone), now)), rows


async def _asked_list(context: BotContext, text: str) -> str:
    """The list a typed request for meetings asks for: the day and time of day it names, in the
    person's zone ("tonight", "el viernes por la tarde"), in their language first as /meetings
    opens."""
    services = context.services
    now = services.clock().astimezone(await services.user_zone(context.chat_id))
    spoken = services.library.directory.spoken(context.pack.language)
    filters = dataclasses.replace(asked_when(text, now), language=spoken)
    return callbacks.make("mt", "ls", filters.encode(), 0)


def _intent_reply(pack: LanguagePack, intent: str) -> tuple[str, list[Row]]:
    """The reply to a typed request for one of the bot's own features."""
    if intent == "grounding":
        rows = one_per_row(
            [(s.label, callbacks.make("gr", "sit", s.id)) for s in pack.grounding.situations]
        )
        rows.append([(pack.text("button_sos"), callbacks.make("sos", "help"))])
        return pack.text("intent_grounding"), rows
    if intent == "meetings":
        return pack.text("intent_meetings"), []  # the list asked for: `_asked_list`
    key = f"intent_{intent}"
    return (pack.text(key) if key in pack.ui else pack.text("help")), main_menu(pack)
