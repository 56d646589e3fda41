"""Welcome, help and the main menu."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import esc, keyboard, show
from bot.views.menu import main_menu


async def start(update: Update, context: BotContext) -> None:
    """/start: a warm welcome and the main paths as buttons."""
    pack = context.pack
    await show(update, esc(pack.text("welcome")), keyboard(main_menu(pack)))


async def help_command(update: Update, context: BotContext) -> None:
    """/help: every command in a few lines."""
    pack = context.pack
    await show(update, esc(pack.text("help")), keyboard(main_menu(pack)))
