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


def stop_guide(job_queue: JobQueue[Any] | None, chat_id: int) -> int | None:
    """Cancel the guided exercise running in `chat_id` at once (no step of it follows); the id
    of the message it is shown in (for `take_stop_off`), or None when none ran."""
    if job_queue is None:
        return None
    message_id = guide_message(job_queue, chat_id)
    return message_id if cancel_jobs(job_queue, guide_job_name(chat_id)) else None


def guide_message(job_queue: JobQueue[Any] | None, chat_id: int) -> int | None:
    """The id of the message the exercise running in `chat_id` is shown in (its Stop button's)."""
    if job_queue is None:
        return None
    for job in job_queue.get_jobs_by_name(guide_job_name(chat_id)):
        message_id = getattr(job.data, "message_id", None)
        if not job.removed and isinstance(message_id, int):
            return message_id
    return None


async def take_stop_off(bot: Bot, chat_id: int, message_id: int | None) -> None:
    """Take the Stop button off the message of an exercise that has ended, so that no live Stop
    is left on it; nothing when there is none, or the message is deleted or too old to edit."""
    if message_id is not None:
        with contextlib.suppress(TelegramError):
            await bot.edit_message_reply_markup(chat_id, message_id)


async def end_guide(bot: Bot, job_queue: JobQueue[Any] | None, chat_id: int) -> bool:
    """Stop the guided exercise running in `chat_id` and take the Stop button off its message;
    True when there was one."""
    message_id = stop_guide(job_queue, chat_id)
    await take_stop_off(bot, chat_id, message_id)
    return message_id is not None
