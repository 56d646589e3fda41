"""Delivery: everything the bot sends on its own, outside a reply to an update.

The reminder timer and loop (`timer`), sending one reminder within Telegram's limits (`send`),
announcements and change notices (`notices`), putting a meeting directory in place or holding it
back (`directory`), and the one rule for Telegram's errors that all of
them follow (`outcomes`). Telegram glue: may import services (storage, subscriptions), views,
the domain and `scheduler`; never a handler. Handlers, `bot.app` and `bot.webhook` import from
here.
"""

from bot.delivery.directory import (
    apply_directory,
    hold_keyboard,
    hold_text,
    put_in_place,
    settle_at_start,
    with_feeds,
)
from bot.delivery.feeds import schedule_feeds, sync_feeds
from bot.delivery.notices import AnnounceReport, deliver_announcement, tell_changes
from bot.delivery.outcomes import attempt_for, settle
from bot.delivery.send import rate_limiter, send_due
from bot.delivery.timer import (
    JOB_NAME,
    MAX_SLEEP,
    ReminderDelivery,
    arm,
    deliver,
    delivery_of,
    start_engine,
    wake_soon,
)

__all__ = [
    "JOB_NAME",
    "MAX_SLEEP",
    "AnnounceReport",
    "ReminderDelivery",
    "apply_directory",
    "schedule_feeds",
    "sync_feeds",
    "with_feeds",
    "arm",
    "attempt_for",
    "deliver",
    "deliver_announcement",
    "hold_keyboard",
    "hold_text",
    "put_in_place",
    "delivery_of",
    "rate_limiter",
    "send_due",
    "settle",
    "settle_at_start",
    "start_engine",
    "tell_changes",
    "wake_soon",
]
