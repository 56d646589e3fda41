"""Storage semantics that differ between SQLite and PostgreSQL, checked on both (PostgreSQL when
TEST_DATABASE_URL is set): big and negative chat ids, aware UTC times, row counts, a failed insert
in its own transaction, and two processes claiming reminders from one database."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot import storage as storage_module
from bot.meetings import Directory
from bot.reminder_store import ReminderStore
from bot.storage import LANGUAGE_CACHE_SECONDS, PersonalMeeting, Storage, Subscription, User

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # a Monday, an hour before 19:00 UTC
BIG_GROUP = -1_001_234_567_890_123  # channel and supergroup ids do not fit in 32 bits


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Storage]:
    opened = await Storage.open(database_url)
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_resent_update_id_is_refused_and_storage_carries_on(storage: Storage):
    assert await storage.first_time_update(2**40, NOW)
    assert not await storage.first_time_update(2**40, NOW)  # a failed INSERT, rolled back
    assert await storage.first_time_update(500, NOW + dt.timedelta(days=2))  # and the clean-up
    assert await storage.first_time_update(2**40, NOW + dt.timedelta(days=3))  # a day later


async def test_big_chat_ids_and_times_come_back_as_they_went_in(storage: Storage):
    local = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert await storage.touch_user(BIG_GROUP, "en", local)
    user = await storage.get_user(BIG_GROUP)
    assert user is not None and user.created_at == local and user.created_at.tzinfo == UTC
    assert not user.blocked
    await storage.set_user_fields(BIG_GROUP, blocked=True, timezone="America/Argentina/Salta")
    user = await storage.get_user(BIG_GROUP)
    assert user is not None and user.blocked and user.timezone == "America/Argentina/Salta"


async def test_forget_says_whether_there_was_anything(storage: Storage):
    await storage.touch_user(BIG_GROUP, "en", NOW)
    assert await storage.forget_user(BIG_GROUP)
    assert not await storage.forget_user(BIG_GROUP)


async def seed_due(storage: Storage, chats: int) -> None:
    """`chats` users, each with a personal meeting on Mondays at 19:00 UTC, reminded an hour
    before: all due at NOW."""
    async with storage.session() as session:
        for i in range(chats):
            chat_id = BIG_GROUP - i
            session.add(
                User(
                    chat_id=chat_id,
                    language="en",
                    created_at=NOW,
                    last_seen_on=NOW.date(),
                    blocked=False,
                    told_timezone=False,
                )
            )
            await session.flush()  # no relationship() tells the ORM users go first
            meeting = PersonalMeeting(
                chat_id=chat_id, name=f"Group {i}", days="1", time="19:00", timezone="UTC"
            )
            session.add(meeting)
            await session.flush()
            session.add(
                Subscription(
                    chat_id=chat_id,
                    personal_id=meeting.id,
                    lead_minutes=60,
                    next_fire_at=NOW,
                    occurrence_at=NOW + dt.timedelta(hours=1),
                )
            )


async def test_next_wake_is_an_aware_utc_time(storage: Storage):
    engine = ReminderStore(storage, lambda: Directory(()))
    assert await engine.next_wake() is None
    await seed_due(storage, 2)
    assert await engine.next_wake() == NOW


async def test_two_processes_never_claim_one_reminder(database_url: str, storage: Storage):
    if not database_url.startswith("postgresql"):
        pytest.skip("two processes on one database: PostgreSQL only (FOR UPDATE SKIP LOCKED)")
    await seed_due(storage, 10)
    other = await Storage.open(database_url)
    try:
        first = ReminderStore(storage, lambda: Directory(()))
        second = ReminderStore(other, lambda: Directory(()))
        claims = await asyncio.gather(first.claim_due(NOW, limit=5), second.claim_due(NOW, limit=5))
    finally:
        await other.close()
    chats = [due.chat_id for batch in claims for due in batch]
    assert sorted(chats) == sorted(BIG_GROUP - i for i in range(10))
    assert await first.claim_due(NOW) == []
    async with storage.session() as session:
        planned = set(await session.scalars(select(Subscription.next_fire_at)))
    assert planned == {NOW + dt.timedelta(days=7)}


async def test_a_language_chosen_through_another_instance_shows_after_the_cache_time(
    storage: Storage, database_url: str, monkeypatch: pytest.MonkeyPatch
):
    other = await Storage.open(database_url)  # a second instance of the bot, same database
    now = dt.datetime.now(dt.UTC)
    try:
        assert await storage.chosen_language(42) is None
        await other.choose_language(42, "es", now)
        assert await other.chosen_language(42) == "es"  # its own choice shows at once
        assert await storage.chosen_language(42) is None  # held in memory, no read per update
        later = time.monotonic() + LANGUAGE_CACHE_SECONDS + 1
        monkeypatch.setattr(storage_module.time, "monotonic", lambda: later)
        assert await storage.chosen_language(42) == "es"
        await storage.choose_language(42, None, now)  # "same as my Telegram" again
        assert await storage.chosen_language(42) is None
    finally:
        await other.close()
