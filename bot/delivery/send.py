"""Sending one reminder through PTB's request path, within the bot's overall rate limit."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter

from bot.config import Settings
from bot.delivery.outcomes import settle
from bot.reminder_store import ReminderDue
from bot.services import Services
from bot.views.reminders import RenderedReminders
from scheduler.engine import Attempt
from scheduler.limiter import FREE_OVERALL_PER_SECOND

_RENDERED = RenderedReminders()


def _zone(name: str | None, services: Services) -> ZoneInfo:
    try:
        return ZoneInfo(name or services.settings.defaults.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(services.settings.defaults.timezone)


async def send_due(bot: Bot, services: Services, due: ReminderDue) -> Attempt:
    """One attempt at sending a claimed reminder; what Telegram said, for the engine to act on.

    A refusal is read by the one rule (`outcomes.attempt_for`): 429 -> flood, network errors and
    5xx -> transient (retried with backoff), a blocked chat -> its reminders deactivated at once
    and never retried, any other refusal -> failed.
    """
    now = services.clock()
    pack = services.library.pack(due.language)
    text, rows = _RENDERED.render(pack, due, _zone(due.timezone, services), now)
    message: dict[str, Any] = {
        "chat_id": due.chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
        "reply_markup": {
            "inline_keyboard": [
                [{"text": label, "callback_data": data} for label, data in row] for row in rows
            ]
        },
    }
    if services.settings.reminders.paid_broadcast:
        message["allow_paid_broadcast"] = True
    try:
        # Through PTB's own request path (its rate limiter, its errors), but without turning
        # Telegram's answer into a `Message`: nothing here reads it, and building it (with its
        # keyboard) was about three quarters of the cost of a send (bench/README.md).
        await bot._post("sendMessage", message)
    except TelegramError as exc:
        return await settle(services, due.chat_id, exc, "a reminder", retried=True)
    return Attempt("sent")


def rate_limiter(settings: Settings) -> AIORateLimiter:
    """PTB's limiter for everything the bot sends, at the configured overall rate.

    Ordinary messages stay within Telegram's free rate (about 30 a second); reminders sent as paid
    broadcasts (`reminders.paid_broadcast`) go through PTB's own paid-broadcast limit (1000/s).
    PTB has no per-private-chat limit: reminders get one from `scheduler.limiter.SendLimiter`.
    """
    overall = min(settings.reminders.overall_per_second, FREE_OVERALL_PER_SECOND)
    return AIORateLimiter(overall_max_rate=overall, max_retries=2)
