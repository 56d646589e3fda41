"""Helpers over PTB's JobQueue shared by the timers (reminders, purge, guided exercises)."""

from __future__ import annotations

from typing import Any

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
