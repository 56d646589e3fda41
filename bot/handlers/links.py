"""/link: a meeting's start link and a printable QR code, for an organizer's flyer or website.

Whoever scans the code or taps the link opens the bot at the meeting's card, with "Remind me"
(see `bot.deeplinks`). Organizers only (`bot.handlers.register`).
"""

from __future__ import annotations

from telegram import Update

from bot import deeplinks
from bot.context import BotContext
from bot.handlers.common import esc, show
from bot.qr import qr_png

MAX_CHOICES = 8
MAX_NAME = 200  # of a caption's 1,024 characters


async def link_command(update: Update, context: BotContext) -> None:
    """/link <slug or part of a name>: the link as text and the QR code as a PNG file."""
    pack = context.pack
    query = " ".join(context.args or []).strip()
    if not query:
        await show(update, esc(pack.text("admin_link_usage")))
        return
    found = deeplinks.meetings_named(context.services.library.directory, query)
    if not found:
        await show(update, esc(pack.text("admin_link_none", query=query[:MAX_NAME])))
        return
    if len(found) > 1:
        lines = [esc(pack.text("admin_link_choose", count=len(found)))]
        lines += [f"/link {esc(m.slug)} ({esc(m.name[:MAX_NAME])})" for m in found[:MAX_CHOICES]]
        if len(found) > MAX_CHOICES:
            lines.append(esc(pack.text("admin_more", count=len(found) - MAX_CHOICES)))
        await show(update, "\n".join(lines))
        return
    meeting = found[0]
    url = deeplinks.link(context.bot.username, deeplinks.meeting_payload(meeting.slug))
    caption = pack.text("admin_link_ready", name=meeting.name[:MAX_NAME], link=url)
    chat = update.effective_chat
    if chat is not None:
        # A file, not a photo: Telegram recompresses photos, and this one is for printing.
        await chat.send_document(
            document=qr_png(url), filename="meeting-qr.png", caption=esc(caption)
        )
        # For the group's own Telegram chat: the bot joins it and posts this meeting's reminders.
        group = deeplinks.group_link(context.bot.username, deeplinks.meeting_payload(meeting.slug))
        await show(update, esc(pack.text("admin_link_group", link=group)))
