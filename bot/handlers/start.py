"""Welcome, help and the main menu."""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.content import LanguagePack
from bot.context import BotContext
from bot.handlers.common import Row, esc, keyboard, pack_for, show


def main_menu(pack: LanguagePack) -> list[Row]:
    """The main paths: questions, meetings, grounding now, crisis help."""
    return [
        [(pack.text("button_faq"), callbacks.make("faq", "home"))],
        [(pack.text("button_meetings"), callbacks.make("mt", "ls", "all", 0))],
        [(pack.text("button_ground"), callbacks.make("gr", "home"))],
        [(pack.text("button_sos"), callbacks.make("sos", "help"))],
    ]


async def start(update: Update, context: BotContext) -> None:
    """/start: a warm welcome and the main paths as buttons."""
    pack = pack_for(update, context)
    await show(update, esc(pack.text("welcome")), keyboard(main_menu(pack)))


async def help_command(update: Update, context: BotContext) -> None:
    """/help: every command in a few lines."""
    pack = pack_for(update, context)
    await show(update, esc(pack.text("help")), keyboard(main_menu(pack)))
