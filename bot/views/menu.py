"""The main menu: the bot's main paths as buttons (shown by /start, /help and stale buttons)."""

from __future__ import annotations

from bot import callbacks
from bot.content import LanguagePack
from bot.views.html import Row


def main_menu(pack: LanguagePack) -> list[Row]:
    """The main paths: questions, meetings, grounding now, crisis help."""
    return [
        [(pack.text("button_faq"), callbacks.make("faq", "home"))],
        # The list as /meetings opens it (in the person's language first, where there are any).
        [(pack.text("button_meetings"), callbacks.make("mt", "open"))],
        [(pack.text("button_ground"), callbacks.make("gr", "home"))],
        [(pack.text("button_sos"), callbacks.make("sos", "help"))],
    ]
