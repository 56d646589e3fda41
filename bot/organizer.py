"""What organizers may ask of the bot: a validated reload of the content, and counts.

Counts only, never identities: nothing here returns a chat id, and nothing returns what anyone
wrote. Personal meetings are counted, never named (their names were typed by users).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from bot import feeds
from bot.config import MEETINGS_FILE, FeedSettings, Settings
from bot.content import ContentError, Problem, load_content
from bot.examples import ExamplesError
from bot.meetings import Directory, load_directory, refusing
from bot.models import build_models
from bot.reminder_store import ReminderStore
from bot.services import Library
from bot.storage import OUTCOME_COUNTERS, Storage, Subscription, User
from bot.subscriptions import CHECKIN_PREFIX, directory_slug

STATS_DAYS = 7
# The anonymous daily counters shown by /stats, in the order shown.
COUNTERS = (
    "crisis_shown",
    "concern_shown",
    "grounding_helped",
    "checked_in_good",
    "checked_in_ok",
    "checked_in_hard",
)
# Counted per FAQ entry (this, then its id) when someone says its answer is not what they asked.
MISSED = "faq_miss:"
# Counted when someone uses /forget: their row is gone, but they were here and active that day, so
# /stats adds them back to its people counts (which would otherwise go down).
FORGOTTEN = "forgotten"


def load_library(settings: Settings) -> Library:
    """Read and validate content and the meeting directory; ContentError on any problem that
    keeps them from being used (the last good ones keep serving meanwhile).

    A meeting repeating another's slug is left out, named in `directory_left_out`, and the rest
    loads: the rule start-up follows (`bot.meetings.refusing`). When the reload is refused, such
    a record is listed with the other problems as one more thing to fix.
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
    problems.extend(refusing(meeting_problems))
    left_out = [problem for problem in meeting_problems if problem.left_out]
    if problems:
        # Nothing is changed, so nothing is left out either: a thing to fix like the others.
        raise ContentError(problems + [replace(problem, left_out=False) for problem in left_out])
    try:
        models = build_models(content, folder, settings.content.models_cache)
    except ExamplesError as exc:
        raise ContentError([Problem(folder, 1, "", str(exc))]) from exc
    return replace(Library.build(content, directory, models), directory_left_out=tuple(left_out))


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
    # People with a daily check-in, and group chats with meetings linked.
    checkins: int = 0
    groups: int = 0
    feeds: tuple[FeedState, ...] = ()
    # (FAQ entry id, answers marked "that's not what I asked"), most first.
    missed: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class FeedState:
    """One configured feed, for organizers: where, how many meetings serve, and how it went."""

    host: str
    meetings: int
    read_at: dt.datetime | None
    error: str | None


async def gather_stats(
    storage: Storage,
    directory: Directory,
    now: dt.datetime,
    configured: Sequence[FeedSettings] = (),
) -> Stats:
    """Counts for the last STATS_DAYS days (today included), and how the `configured` feeds
    are doing."""
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
        checkins = await session.scalar(
            select(func.count(func.distinct(Subscription.chat_id))).where(
                Subscription.meeting_slug.startswith(CHECKIN_PREFIX)
            )
        )
        groups = await session.scalar(
            select(func.count(func.distinct(Subscription.chat_id))).where(Subscription.chat_id < 0)
        )
    stored = await feeds.rows(storage, configured, meetings=False)
    serving = Counter(m.source for m in directory if m.source is not None)
    feed_states = tuple(
        FeedState(
            feeds.host_of(feed.url),
            serving[feed.url],
            row.fetched_at if (row := stored.get(feed.url)) else None,
            row.error if row else None,
        )
        for feed in configured
    )
    per_meeting = [
        (meeting.name, count)
        for slug, count in (await subscriber_counts(storage)).items()
        if (meeting := directory.get(slug)) is not None
    ]
    engine = ReminderStore(storage, lambda: directory)
    reminders = await engine.counts(now - dt.timedelta(days=STATS_DAYS))
    for status, name in OUTCOME_COUNTERS.items():  # of subscriptions deleted since
        reminders[status] = reminders.get(status, 0) + await storage.counted(name, since_day)
    counters = {name: await storage.counted(name, since_day) for name in COUNTERS}
    missed = await storage.counted_each(MISSED, since_day)
    forgotten = await storage.counted(FORGOTTEN, dt.date.min)
    forgotten_lately = await storage.counted(FORGOTTEN, since_day)
    return Stats(
        users=users + forgotten,
        active_users=active + forgotten_lately,
        meetings=tuple(sorted(per_meeting, key=lambda item: (-item[1], item[0]))),
        personal_subscribers=personal,
        reminders=reminders,
        counters=counters,
        checkins=checkins or 0,
        groups=groups or 0,
        feeds=feed_states,
        missed=tuple(sorted(missed.items(), key=lambda item: (-item[1], item[0]))),
    )
