"""Everything that is not a feature: remembering the user, buttons, unknown input, errors."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from bot import callbacks
from bot.context import BotContext
from bot.handlers.common import Handler, esc, keyboard, show
from bot.logs import describe_failure
from bot.views.menu import main_menu

_LOGGER = logging.getLogger(__name__)

ButtonCallback = Callable[[Update, BotContext, callbacks.Button], Awaitable[None]]


async def remember_user(update: Update, context: BotContext) -> None:
    """Note that the user is here today (chat id and language only), and welcome new ones."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return
    services = context.services
    context.is_new_user = await services.storage.touch_user(
        chat.id, context.pack.language, services.clock()
    )


async def point_new_user_onwards(update: Update, context: BotContext) -> None:
    """After the first answer to someone who skipped /start, one line on where to go next."""
    message = update.effective_message
    command = message.text.split()[0] if message is not None and message.text else ""
    if context.is_new_user and update.callback_query is None and command not in ("/start", "/help"):
        await show(update, esc(context.pack.text("new_user_note")))


def button_router(features: Mapping[str, ButtonCallback]) -> Handler:
    """A button handler: each press to its feature's callback by payload prefix (`register` gives
    the map); malformed or stale payloads are refused politely, changing nothing."""

    async def button(update: Update, context: BotContext) -> None:
        query = update.callback_query
        if query is None:
            return
        parsed = callbacks.parse(query.data)
        handler = features.get(parsed.feature) if parsed else None
        with contextlib.suppress(BadRequest):  # too old to answer: the press can still be served
            await query.answer()
        try:
            if parsed is None or handler is None:
                raise LookupError(query.data)
            await handler(update, context, parsed)
        except LookupError:
            pack = context.pack
            await show(update, esc(pack.text("stale_button")), keyboard(main_menu(pack)))

    return button


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have."""
    await show(update, esc(context.pack.text("unknown_command")))


async def not_text(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice: say that only text is read, and keep crisis help one press away."""
    pack = context.pack
    rows = [[(pack.text("button_crisis_help"), callbacks.make("sos", "help"))]]
    await show(update, esc(pack.text("not_text")), keyboard(rows))


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure without the update (it holds what people wrote), and apologise."""
    error = context.error
    if isinstance(error, ApplicationHandlerStop):
        return
    if isinstance(error, Forbidden):
        _LOGGER.info("a user has blocked the bot; skipped the reply")
        return
    # The type and the place, never the exception's text: a database error's text carries the
    # statement's parameters, and other errors may quote what someone typed.
    _LOGGER.error("handler failed: %s", describe_failure(error) if error else "unknown")
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await show(update, esc(context.pack.text("error")))
        except Exception:  # noqa: BLE001 - the apology is best effort
            _LOGGER.warning("could not send the apology either")
