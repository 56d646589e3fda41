"""Helpers over PTB's JobQueue shared by the timers (reminders, purge, guided exercises)."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import JobQueue


def cancel_jobs(job_queue: JobQueue[Any], name: str) -> bool:
    """Remove every job called `name`; True when there was one (re-arming replaces, not adds)."""
    jobs = job_queue.get_jobs_by_name(name)
    for job in jobs:
        job.schedule_removal()
    return bool(jobs)


def guide_job_name(chat_id: int) -> str:
    """The name of the job pacing the guided exercise running in `chat_id`."""
    return f"guide:{chat_id}"


def stop_guide(job_queue: JobQueue[Any] | None, chat_id: int) -> bool:
    """Cancel the guided exercise running in `chat_id`; True when there was one."""
    if job_queue is None:
        return False
    return cancel_jobs(job_queue, guide_job_name(chat_id))


def guide_message(job_queue: JobQueue[Any] | None, chat_id: int) -> int | None:
    """The id of the message the exercise running in `chat_id` is shown in (its Stop button's)."""
    if job_queue is None:
        return None
    for job in job_queue.get_jobs_by_name(guide_job_name(chat_id)):
        message_id = getattr(job.data, "message_id", None)
        if not job.removed and isinstance(message_id, int):
            return message_id
    return None


async def end_guide(bot: Bot, job_queue: JobQueue[Any] | None, chat_id: int) -> bool:
    """Stop the guided exercise running in `chat_id` and take the Stop button off its message,
    so that no live Stop is left on an exercise that has ended; True when there was one."""
    message_id = guide_message(job_queue, chat_id)
    if not stop_guide(job_queue, chat_id):
        return False
    if message_id is not None:
        with contextlib.suppress(TelegramError):  # deleted, or too old to edit: nothing to take
            await bot.edit_message_reply_markup(chat_id, message_id)
    return True
