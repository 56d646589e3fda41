"""Forget people the bot no longer serves: a daily purge of blocked and long-inactive users.

Someone is inactive when they have not written for `inactive_days` and have no reminder running
(a member who only receives reminders is still using the bot). Someone who blocked the bot is
forgotten once they have not written for `blocked_days`; writing again unblocks them before that.
Deletion goes through `Storage.forget_user`, the same code as /forget, so nothing is left behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select
from telegram.ext import Application, ContextTypes

from bot.context import BotContext
from bot.jobs import cancel_jobs
from bot.services import Services
from bot.storage import FlowState, Storage, Subscription, User

_LOGGER = logging.getLogger(__name__)
JOB_NAME = "purge"
DEFAULT_BLOCKED_DAYS = 30
# Every flow times out (a user's after 30 minutes, an organizer's announcement draft after two
# hours), and what was typed into it is deleted once it has: a flow untouched for longer than the
# longest time-out has expired, whatever its kind. Checked hourly.
ORGANIZER_FLOW_TTL = dt.timedelta(hours=2)
LONGEST_FLOW_TTL = ORGANIZER_FLOW_TTL
FLOWS_JOB_NAME = "drop-expired-flows"
FLOWS_EVERY = dt.timedelta(hours=1)


async def purge(
    storage: Storage,
    now: dt.datetime,
    inactive_days: int,
    blocked_days: int = DEFAULT_BLOCKED_DAYS,
) -> int:
    """Delete every user due for forgetting at `now`; how many were deleted."""
    today = now.date()
    running = exists().where(Subscription.chat_id == User.chat_id, Subscription.paused.is_(None))
    inactive = and_(User.last_seen_on < today - dt.timedelta(days=inactive_days), ~running)
    blocked = and_(
        User.blocked.is_(True), User.last_seen_on < today - dt.timedelta(days=blocked_days)
    )
    async with storage.session() as session:
        chat_ids = list(await session.scalars(select(User.chat_id).where(or_(inactive, blocked))))
    deleted = 0
    for chat_id in chat_ids:
        deleted += await storage.forget_user(chat_id)
    return deleted


async def drop_expired_flows(storage: Storage, now: dt.datetime) -> int:
    """Delete every flow past its time-out (abandoned /addmeeting answers, unsent announcements);
    how many were dropped."""
    async with storage.session() as session:
        result = await session.execute(
            delete(FlowState).where(FlowState.updated_at < now - LONGEST_FLOW_TTL)
        )
        return int(getattr(result, "rowcount", 0) or 0)


async def run_flow_drop(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The hourly job: expired flows deleted; logs the count only."""
    assert isinstance(context, BotContext)
    dropped = await drop_expired_flows(context.services.storage, context.services.clock())
    if dropped:
        _LOGGER.info("purge: %d expired flow(s) deleted", dropped)


async def run_purge(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The daily job: purge users and stale organizer drafts; logs counts only."""
    assert isinstance(context, BotContext)
    services = context.services
    privacy = services.settings.privacy
    now = services.clock()
    deleted = await purge(services.storage, now, privacy.inactive_days, privacy.blocked_days)
    flows = await drop_expired_flows(services.storage, now)
    _LOGGER.info("purge: %d user(s) forgotten, %d expired flow(s) deleted", deleted, flows)


def schedule_purge(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
    """Run the purge every day at `privacy.purge_hour_utc` (call from post_init)."""
    job_queue = application.job_queue
    if job_queue is None:
        return
    cancel_jobs(job_queue, JOB_NAME)
    cancel_jobs(job_queue, FLOWS_JOB_NAME)
    hour = services.settings.privacy.purge_hour_utc
    job_queue.run_daily(run_purge, time=dt.time(hour, 0, tzinfo=dt.UTC), name=JOB_NAME)
    job_queue.run_repeating(run_flow_drop, interval=FLOWS_EVERY, name=FLOWS_JOB_NAME)
