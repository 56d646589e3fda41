"""/language: which language the bot speaks to you, whatever your Telegram app is set to.

Kept like the time zone (`users.language`, `language_chosen`); reminders follow it. "Same as my
Telegram" goes back to following the app. `apply_choice` runs before every other handler, the
safety check included, so a crisis reply comes in the chosen language too.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot import callbacks
from bot.context import BotContext
from bot.handlers.common import esc, keyboard, show
from bot.views.menu import main_menu

PREFIX = "lang"
AUTO = "auto"
# Reading the choice may not hold up a crisis reply: past this, the update goes on in the
# Telegram language.
LOOKUP_SECONDS = 0.5

_LOGGER = logging.getLogger(__name__)


async def apply_choice(update: Update, context: BotContext) -> None:
    """Before anything else: speak the language this user chose, if they chose one."""
    if update.effective_user is None:
        return
    # An update with no chat (an inline query) is the user's: their private chat has their id.
    chat = update.effective_chat
    chat_id = chat.id if chat is not None else update.effective_user.id
    storage = context.services.storage
    try:
        chosen = await asyncio.wait_for(storage.chosen_language(chat_id), LOOKUP_SECONDS)
    except Exception as exc:  # noqa: BLE001 - the Telegram language serves instead
        _LOGGER.warning("could not read a chosen language: %s", type(exc).__name__)
        return
    if chosen and chosen in context.services.library.content.packs:
        context.speak(chosen)


def _choices(context: BotContext) -> list[list[tuple[str, str]]]:
    library = context.services.library
    rows = [
        [(library.pack(code).text("speak_name"), callbacks.make(PREFIX, "set", code))]
        for code in sorted(library.content.packs)
    ]
    rows.append([(context.pack.text("speak_same_as_telegram"), callbacks.make(PREFIX, AUTO))])
    return rows


async def language(update: Update, context: BotContext) -> None:
    """/language: the languages as buttons, and "same as my Telegram"."""
    pack = context.pack
    await show(update, esc(pack.text("speak_pick")), keyboard(_choices(context)))


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """A language chosen (`set`), or back to Telegram's (`auto`); the answer in the new one."""
    services = context.services
    packs = services.library.content.packs
    if button.action == "set" and button.arg in packs:
        chosen: str | None = button.arg
    elif button.action == AUTO:
        chosen = None
    else:
        raise LookupError(button)
    await services.storage.choose_language(context.chat_id, chosen, services.clock())
    context.speak(chosen or services.library.pack(context.telegram_language).language)
    pack = context.pack
    await show(update, esc(pack.text("speak_set")), keyboard(main_menu(pack)), edit=True)
