"""Keeping the directory in step with its feeds: the job that refreshes them (`bot.feeds`) and
puts a changed directory in place, through the same guard as /reload (`put_in_place`)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot
from telegram.ext import Application, ContextTypes

from bot import feeds
from bot.delivery.directory import put_in_place
from bot.jobs import cancel_jobs
from bot.services import Services

_LOGGER = logging.getLogger(__name__)
JOB_NAME = "feeds"
# How often the job looks for a feed that is due (each has its own refresh_minutes).
LOOK_EVERY_SECONDS = 60


async def sync_feeds(bot: Bot, services: Services) -> list[feeds.Outcome]:
    """Refresh the feeds that are due; put in place any copy newer than the one served (this
    process's fetch, or another instance's). What each refresh did."""
    settings = services.settings
    configured = settings.directory.feeds
    stored = await feeds.rows(services.storage, configured, meetings=False)
    outcomes = []
    for feed in configured:
        if feeds.due(stored.get(feed.url), feed, services.clock()):
            outcomes.append(
                await feeds.refresh(
                    services.storage,
                    feed,
                    services.clock(),
                    program=services.library.directory.program,
                    wait_seconds=settings.directory.fetch_timeout_seconds,
                )
            )
    stored = await feeds.rows(services.storage, configured, meetings=False)
    newer = [
        feed
        for feed in configured
        if (row := stored.get(feed.url)) is not None
        and row.fetched_at is not None
        and services.feed_versions.get(feed.url) != row.fetched_at
    ]
    if newer:
        # Only now the copies themselves, of the feeds that changed.
        full = await feeds.rows(services.storage, newer)
        copies = [feeds.copy_of(row) for row in full.values()]
        directory = feeds.compose(services.library.directory, copies)
        for copy in copies:
            services.feed_versions[copy.source] = copy.fetched_at
        _, told = await put_in_place(bot, services, directory, problems=0)
        services.subscriptions.on_change()
        _LOGGER.info(
            "%d feed(s) changed: %d meetings now, %d subscribers told",
            len(copies),
            len(services.library.directory),
            told,
        )
    return outcomes


async def _run(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = context.bot_data["services"]
    try:
        await sync_feeds(context.bot, services)
    except Exception:  # noqa: BLE001 - tried again at the next look
        _LOGGER.exception("could not sync the meeting feeds")


def schedule_feeds(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
    """Look for due feeds every minute, the first time at once (call from post_init)."""
    job_queue = application.job_queue
    if job_queue is None or not services.settings.directory.feeds:
        return
    cancel_jobs(job_queue, JOB_NAME)
    job_queue.run_repeating(_run, interval=LOOK_EVERY_SECONDS, first=0.5, name=JOB_NAME)
