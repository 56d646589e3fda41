"""Messages to many subscribers at once besides reminders: announcements and change notices.

Each refusal goes through the one rule (`outcomes.settle`), so a blocked chat is deactivated here
just as it is by a reminder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import Bot
from telegram.error import TelegramError

from bot.delivery.outcomes import settle
from bot.meetings import Meeting
from bot.services import Services
from bot.subscriptions import Notice
from bot.views.notices import announcement, change_notice


@dataclass(frozen=True)
class AnnounceReport:
    """What happened to one announcement: counts only."""

    total: int
    sent: int = 0
    blocked: int = 0
    failed: int = 0


async def deliver_announcement(
    bot: Bot, services: Services, meeting: Meeting, text: str
) -> AnnounceReport:
    """Send `text` to the meeting's subscribers, each in their language; counts of what happened."""
    chats = await services.subscriptions.active_chats_for(meeting.slug)
    sent = blocked = failed = 0
    for chat_id in chats:
        user = await services.storage.get_user(chat_id)
        pack = services.library.pack(user.language if user else None)
        try:
            await bot.send_message(chat_id, announcement(pack, meeting.name, text))
            sent += 1
        except TelegramError as exc:
            attempt = await settle(services, chat_id, exc, "an announcement", retried=False)
            if attempt.outcome == "blocked":
                blocked += 1
            else:
                failed += 1
    return AnnounceReport(len(chats), sent, blocked, failed)


async def tell_changes(bot: Bot, services: Services, notices: Sequence[Notice]) -> int:
    """Tell subscribers what changed about their meetings; how many were told."""
    told = 0
    for notice in notices:
        if not notice.changes:
            continue
        user = await services.storage.get_user(notice.chat_id)
        pack = services.library.pack(user.language if user else None)
        try:
            zone = (await services.user_zone(notice.chat_id)).key
            await bot.send_message(notice.chat_id, change_notice(pack, notice, zone))
            told += 1
        except TelegramError as exc:
            await settle(services, notice.chat_id, exc, "a change notice", retried=False)
    return told
