"""Welcome, help and the main menu."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from telegram import Update

from bot import deeplinks
from bot.context import BotContext
from bot.handlers.common import esc, keyboard, show
from bot.views.menu import main_menu

# Opens what a link's payload names; False when it is not there (any more).
Opener = Callable[[Update, BotContext, deeplinks.Target], Awaitable[bool]]


async def start(
    update: Update, context: BotContext, openers: Mapping[str, Opener] | None = None
) -> None:
    """/start: a warm welcome and the main paths as buttons; from a link (`/start <payload>`,
    see `bot.deeplinks`), the place the link names instead."""
    pack = context.pack
    payload = context.args[0] if context.args else ""
    text = esc(pack.text("welcome"))
    others = _other_languages(context)
    if others:
        text += "\n\n" + esc(pack.text("welcome_other_languages", languages=others))
    if payload:
        target = deeplinks.parse(payload)
        opener = (openers or {}).get(target.kind) if target is not None else None
        if opener is not None and target is not None and await opener(update, context, target):
            return
        text = f"{esc(pack.text('welcome_link_lost'))}\n\n{text}"
    await show(update, text, keyboard(main_menu(pack)))


async def help_command(update: Update, context: BotContext) -> None:
    """/help: every command in a few lines."""
    pack = context.pack
    await show(update, esc(pack.text("help")), keyboard(main_menu(pack)))


def _other_languages(context: BotContext) -> str:
    """For someone whose Telegram speaks a language the bot has no texts in: the languages it
    does speak, by their own names (empty otherwise)."""
    library = context.services.library
    if not context.telegram_language or library.content.translated(context.telegram_language):
        return ""
    speaking = context.pack.language
    others = sorted(c for c in library.content.packs if c != speaking)
    return ", ".join(library.pack(c).text("speak_name") for c in others)
