"""What organizers may ask of the bot: a validated reload of the content, and counts.

Counts only, never identities: nothing here returns a chat id, and nothing returns what anyone
wrote. Personal meetings are counted, never named (their names were typed by users).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.config import MEETINGS_FILE, Settings
from bot.content import ContentError, Problem, load_content
from bot.examples import ExamplesError
from bot.meetings import Directory, load_directory
from bot.models import build_models
from bot.reminder_store import ReminderStore
from bot.services import Library
from bot.storage import Storage, Subscription, User
from bot.subscriptions import directory_slug

STATS_DAYS = 7
# The anonymous daily counters shown by /stats, in the order shown.
COUNTERS = ("crisis_shown", "concern_shown", "grounding_helped")


def load_library(settings: Settings) -> Library:
    """Read and validate content and the meeting directory; ContentError on any problem at all.

    Unlike start-up, a reload refuses a directory with bad records: the organizer is there to
    fix them, and the last good directory keeps serving meanwhile.
    """
    folder = settings.content.dir
    content = load_content(folder, settings.defaults.language)
    problems: list[Problem] = []
    if settings.safety.region not in content.regions:
        problems.append(
            Problem(
                folder / content.default_language / "safety.yaml",
                1,
                "",
                f"regions: no crisis resources for the configured region {settings.safety.region}",
            )
        )
    directory, meeting_problems = load_directory(folder / MEETINGS_FILE)
    problems.extend(meeting_problems)
    if problems:
        raise ContentError(problems)
    try:
        models = build_models(content, folder, settings.content.models_cache)
    except ExamplesError as exc:
        raise ContentError([Problem(folder, 1, "", str(exc))]) from exc
    return Library.build(content, directory, models)


def describe_library(library: Library) -> tuple[int, int, int]:
    """(questions, exercises, meetings) in the default language, as check-content counts them."""
    pack = library.pack(None)
    questions = sum(len(c.entries) for c in pack.faq.categories)
    return questions, len(pack.grounding.exercises), len(library.directory)


async def subscriber_counts(storage: Storage) -> dict[str, int]:
    """People with reminders per directory meeting slug (who can be reached: not blocked)."""
    async with storage.session() as session:
        rows = await session.execute(
            select(Subscription.meeting_slug, func.count(func.distinct(Subscription.chat_id)))
            .join(User, User.chat_id == Subscription.chat_id)
            .where(directory_slug(), User.blocked.is_(False))
            .group_by(Subscription.meeting_slug)
        )
        return {slug: count for slug, count in rows.all() if slug is not None}


@dataclass(frozen=True)
class Stats:
    """What /stats shows: numbers only."""

    users: int
    active_users: int
    # (meeting name, people with reminders), most first; meetings no longer listed are left out.
    meetings: tuple[tuple[str, int], ...]
    personal_subscribers: int
    reminders: dict[str, int]
    counters: dict[str, int]


async def gather_stats(storage: Storage, directory: Directory, now: dt.datetime) -> Stats:
    """Counts for the last STATS_DAYS days (today included)."""
    since_day = now.date() - dt.timedelta(days=STATS_DAYS - 1)
    async with storage.session() as session:
        users = await session.scalar(select(func.count()).select_from(User)) or 0
        active = (
            await session.scalar(
                select(func.count()).select_from(User).where(User.last_seen_on >= since_day)
            )
            or 0
        )
        personal = (
            await session.scalar(
                select(func.count(func.distinct(Subscription.chat_id)))
                .join(User, User.chat_id == Subscription.chat_id)
                .where(Subscription.personal_id.is_not(None), User.blocked.is_(False))
            )
            or 0
        )
    per_meeting = [
        (meeting.name, count)
        for slug, count in (await subscriber_counts(storage)).items()
        if (meeting := directory.get(slug)) is not None
    ]
    engine = ReminderStore(storage, lambda: directory)
    reminders = await engine.counts(now - dt.timedelta(days=STATS_DAYS))
    counters = {name: await storage.counted(name, since_day) for name in COUNTERS}
    return Stats(
        users=users,
        active_users=active,
        meetings=tuple(sorted(per_meeting, key=lambda item: (-item[1], item[0]))),
        personal_subscribers=personal,
        reminders=reminders,
        counters=counters,
    )
