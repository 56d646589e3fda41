"""Sending one reminder through PTB's request path, within the bot's overall rate limit."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Bot
from telegram.error import ChatMigrated, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter

from bot import deeplinks
from bot.config import Settings
from bot.delivery.outcomes import settle
from bot.reminder_store import ReminderDue
from bot.services import Services
from bot.views.checkin import render_checkin
from bot.views.html import is_link
from bot.views.reminders import RenderedReminders
from scheduler.engine import Attempt
from scheduler.limiter import FREE_OVERALL_PER_SECOND, read_retry_after

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
    if due.ref.kind == "c":  # the daily check-in (`bot.checkins`), not a meeting
        text, rows = render_checkin(pack)
    else:
        text, rows = _RENDERED.render(
            pack, due, _zone(due.timezone, services), now, private_link=_private_link(bot, due)
        )
    message: dict[str, Any] = {
        "chat_id": due.chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
        "reply_markup": {"inline_keyboard": [[_button(*button) for button in row] for row in rows]},
    }
    if services.settings.reminders.paid_broadcast:
        message["allow_paid_broadcast"] = True
    once = _ONE_ATTEMPT.set(True)
    try:
        # Through PTB's own request path (its rate limiter, its errors), but without turning
        # Telegram's answer into a `Message`: nothing here reads it, and building it (with its
        # keyboard) was about three quarters of the cost of a send (bench/README.md).
        try:
            await bot._post("sendMessage", message)
        except ChatMigrated as exc:
            # The group became a supergroup: its reminders follow it, this one included.
            await services.storage.move_chat(due.chat_id, exc.new_chat_id)
            message["chat_id"] = exc.new_chat_id
            await bot._post("sendMessage", message)
    except TelegramError as exc:
        return await settle(services, due.chat_id, exc, "a reminder", retried=True)
    finally:
        _ONE_ATTEMPT.reset(once)
    return Attempt("sent")


def _button(label: str, data: str) -> dict[str, str]:
    """A button as the Bot API takes it: a link for a web address, else a callback payload."""
    if is_link(data):
        return {"text": label, "url": data}
    return {"text": label, "callback_data": data}


def _private_link(bot: Bot, due: ReminderDue) -> str | None:
    """For a group chat's reminder: the link that opens the meeting in a private chat with the
    bot (None for a private chat, a personal meeting, or a bot whose username is unknown)."""
    if due.chat_id >= 0 or due.ref.kind != "d" or not bot.username:
        return None
    return deeplinks.link(bot.username, deeplinks.meeting_payload(due.meeting.slug))


JSONDict = dict[str, Any]
# Set while a reminder is sent: `BotRateLimiter` tries it once (the engine retries it).
_ONE_ATTEMPT: ContextVar[bool] = ContextVar("one_attempt", default=False)


class BotRateLimiter(AIORateLimiter):
    """PTB's limiter, except that a reminder is tried once and every 429 reaches `on_flood`.

    PTB retries a request that got 429 itself, after sleeping `retry_after`, and any other
    request that finishes meanwhile ends its pause early: with several reminders in flight, most
    attempts started inside a running pause. So a reminder's 429 goes straight back to the
    engine, whose pause (`SendLimiter.pause`, on the injected clock) every reminder send waits
    out. Other messages (replies: a crisis reply must still go out) keep PTB's retries, and
    their 429s start the engine's pause too (`on_flood`, set by the reminder delivery).
    """

    def __init__(self, overall_max_rate: float, max_retries: int) -> None:
        super().__init__(overall_max_rate=overall_max_rate, max_retries=max_retries)
        self.on_flood: Callable[[float], None] | None = None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        async def watched(*a: Any, **kw: Any) -> bool | JSONDict | list[JSONDict]:
            try:
                return await callback(*a, **kw)
            except RetryAfter as exc:
                if self.on_flood is not None:
                    self.on_flood(read_retry_after(exc))
                raise

        if not _ONE_ATTEMPT.get():
            return await super().process_request(
                watched, args, kwargs, endpoint, data, rate_limit_args
            )
        # PTB's one attempt within its limits (what its retry loop calls each time), a group
        # chat's within PTB's limit per group (about 20 a minute).
        chat_id = data.get("chat_id")
        group = chat_id if isinstance(chat_id, int) and chat_id < 0 else False
        return await self._run_request(
            chat=True,
            group=group,
            allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
            callback=watched,
            args=args,
            kwargs=kwargs,
        )


def rate_limiter(settings: Settings) -> BotRateLimiter:
    """PTB's limiter for everything the bot sends, at the configured overall rate.

    Ordinary messages stay within Telegram's free rate (about 30 a second); reminders sent as paid
    broadcasts (`reminders.paid_broadcast`) go through PTB's own paid-broadcast limit (1000/s).
    PTB has no per-private-chat limit: reminders get one from `scheduler.limiter.SendLimiter`.
    """
    overall = min(settings.reminders.overall_per_second, FREE_OVERALL_PER_SECOND)
    return BotRateLimiter(overall_max_rate=overall, max_retries=2)
