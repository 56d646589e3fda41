"""Small helpers shared by the handlers: language, keyboards, replying or editing in place.

The one module a handler may import from another (besides services, views and the domain).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.content import FaqEntry, LanguagePack
from bot.context import BotContext
from bot.timezones import city_name
from bot.understanding import Reading
from bot.views import answers
from bot.views.html import Row, esc, is_link
from bot.views.timezones import clock_text

__all__ = ["Row", "esc", "keyboard", "one_per_row", "pack_for", "show", "text_to_check"]


def pack_for(update: Update, context: BotContext) -> LanguagePack:
    """The content pack for the user's Telegram language (worked out once: `context.pack`)."""
    return context.pack


# What PTB calls for an update.
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def keyboard(rows: Sequence[Row]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback payload); a payload that is a web address
    makes a link button (no callback payload starts with one)."""
    return InlineKeyboardMarkup([[_button(label, data) for label, data in row] for row in rows])


def _button(label: str, data: str) -> InlineKeyboardButton:
    if is_link(data):
        return InlineKeyboardButton(label, url=data)
    return InlineKeyboardButton(label, callback_data=data)


def text_to_check(update: Update) -> str:
    """What the safety check reads of a message: its text or caption, without a command's own
    name ("/help i want to die" is checked as "i want to die"); empty when there is nothing."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message is not None else ""
    if message is not None and message.text and text.startswith("/"):
        text = text.partition(" ")[2]  # the command's name is ours; what follows is theirs
    return text if text.strip() else ""


def one_per_row(buttons: Sequence[tuple[str, str]]) -> list[Row]:
    return [[button] for button in buttons]


async def show(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None, *, edit: bool = False
) -> None:
    """Edit the message a button belongs to (when `edit`), otherwise send a new message."""
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return
        except BadRequest as exc:
            # Pressing the same button twice: Telegram refuses an edit that changes nothing.
            if "not modified" in str(exc).lower():
                return
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text, reply_markup=markup)


async def tell_timezone_once(update: Update, context: BotContext) -> None:
    """Once per user: which zone times are shown in, and how to change it."""
    services = context.services
    user = await services.storage.get_user(context.chat_id)
    if user is None or user.told_timezone:
        return
    zone = await services.user_zone(context.chat_id)
    where = city_name(zone.key, context.pack.language)
    told = context.pack.text("tz_told", zone=where, time=clock_text(zone, services.clock()))
    await show(update, esc(told))
    await services.storage.set_user_fields(context.chat_id, told_timezone=True)


async def send_answer(update: Update, context: BotContext, reading: Reading) -> bool:
    """Send the entry `reading` answers directly, with its buttons; False when it answers none."""
    found = answers.entries(context.pack).get(reading.answer or "")
    if found is None:
        return False
    category, entry = found
    rows = answers.answer_rows(context.pack, entry, category, reading)
    await show(update, await rendered_answer(context, entry), keyboard(rows))
    return True


async def rendered_answer(context: BotContext, entry: FaqEntry) -> str:
    """`render_answer` for this chat: an `emergency` entry has the region's emergency line
    beneath it."""
    beneath = None
    if entry.emergency:
        region = await context.services.region_of(context.pack, context.chat_id)
        beneath = region.emergency_line
    return answers.render_answer(context.pack, entry, beneath)
