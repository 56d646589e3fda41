"""Messages delivery sends on people's behalf besides reminders: announcements, change notices.

Pure rendering from a language pack (no I/O). May import `bot.content` and the domain.
"""

from __future__ import annotations

from bot.content import LanguagePack
from bot.subscriptions import Notice
from bot.views.html import esc


def announcement(pack: LanguagePack, name: str, text: str) -> str:
    """The message subscribers get: who it is from, then the organizer's words as plain text."""
    return f"<b>{esc(pack.text('admin_announce_header', name=name))}</b>\n\n{esc(text)}"


def change_notice(pack: LanguagePack, notice: Notice) -> str:
    """What changed about a meeting someone chose (its time, its place...), in their language."""
    changes = "; ".join(pack.text(f"rem_change_{c}") for c in notice.changes)
    return esc(pack.text("rem_changed", name=notice.name, changes=changes))
