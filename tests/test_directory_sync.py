"""Following the meeting directory at start-up, with many subscribers to a few meetings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.meetings import Directory
from bot.storage import Storage, Subscription
from bot.subscriptions import Subscriptions
from tests.seeding import meeting_for, seed

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)
MEETING = meeting_for(START)
PEOPLE = 2_000


async def test_an_unchanged_directory_changes_nothing_and_a_moved_meeting_tells_everyone(
    database_url: str,
):
    await seed(
        database_url, chats=PEOPLE, meeting=MEETING, occurrence=START, lead_minutes=60, now=NOW
    )
    storage = await Storage.open(database_url)
    try:
        unchanged = Directory((MEETING,))
        subscriptions = Subscriptions(storage, lambda: unchanged)
        assert await subscriptions.sync_directory(unchanged, NOW) == []

        later = MEETING.model_copy(update={"time": dt.time(START.hour + 1, START.minute)})
        notices = await subscriptions.sync_directory(Directory((later,)), NOW)
        assert len(notices) == PEOPLE and len({n.chat_id for n in notices}) == PEOPLE
        assert {(n.slug, n.changes) for n in notices} == {(MEETING.slug, ("when",))}
        async with storage.session() as session:
            fire_times = set(await session.scalars(select(Subscription.next_fire_at)))
        assert fire_times == {START}  # an hour later, less the hour's lead

        assert await subscriptions.sync_directory(Directory((later,)), NOW) == []
    finally:
        await storage.close()
