"""Small helpers shared by the handlers: language, keyboards, replying or editing in place."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.content import LanguagePack
from bot.context import BotContext
from bot.views.html import Row, esc

__all__ = ["Row", "esc", "keyboard", "one_per_row", "pack_for", "show"]


def pack_for(update: Update, context: BotContext) -> LanguagePack:
    """The content pack for the user's Telegram language, else the default language."""
    user = update.effective_user
    return context.services.library.pack(user.language_code if user else None)


def keyboard(rows: Sequence[Row]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback payload)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


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
