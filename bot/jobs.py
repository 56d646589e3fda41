"""One helper over PTB's JobQueue shared by the timers (reminders, purge, guided exercises)."""

from __future__ import annotations

from typing import Any

from telegram.ext import JobQueue


def cancel_jobs(job_queue: JobQueue[Any], name: str) -> bool:
    """Remove every job called `name`; True when there was one (re-arming replaces, not adds)."""
    jobs = job_queue.get_jobs_by_name(name)
    for job in jobs:
        job.schedule_removal()
    return bool(jobs)
