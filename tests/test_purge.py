"""The daily purge: blocked and long-inactive people are forgotten, with everything about them."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.purge import JOB_NAME, drop_expired_flows, purge, schedule_purge
from bot.storage import Delivery, FlowState, PersonalMeeting, Storage, Subscription, User
from tests.fakes import FixedClock, running_app

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
TABLES = (User, PersonalMeeting, Subscription, Delivery, FlowState)


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Storage]:
    opened = await Storage.open(database_url)
    yield opened
    await opened.close()


async def add_user(
    storage: Storage,
    chat_id: int,
    days_ago: int,
    *,
    blocked: bool = False,
    reminders: str | None = None,
) -> None:
    """A user last seen `days_ago`; `reminders` is None (none), "running" or "paused".

    Every user gets a personal meeting and a flow; one with reminders also gets a delivery row.
    """
    seen = NOW - dt.timedelta(days=days_ago)
    async with storage.session() as session:
        session.add(
            User(
                chat_id=chat_id,
                language="en",
                created_at=seen,
                last_seen_on=seen.date(),
                blocked=blocked,
            )
        )
        await session.flush()
        personal = PersonalMeeting(
            chat_id=chat_id, name="Home group", days="1", time="19:00", timezone="UTC"
        )
        session.add(personal)
        session.add(FlowState(chat_id=chat_id, flow="tz", step="ask", data="{}", updated_at=seen))
        await session.flush()
        if reminders is None:
            return
        occurrence = NOW + dt.timedelta(days=1)
        sub = Subscription(
            chat_id=chat_id,
            personal_id=personal.id,
            lead_minutes=60,
            paused="user" if reminders == "paused" else None,
            next_fire_at=None if reminders == "paused" else occurrence - dt.timedelta(hours=1),
            occurrence_at=None if reminders == "paused" else occurrence,
        )
        session.add(sub)
        await session.flush()
        session.add(
            Delivery(subscription_id=sub.id, occurrence_at=seen, status="sent", updated_at=seen)
        )


async def rows_of(storage: Storage, chat_id: int) -> dict[str, int]:
    """How many rows each table holds about `chat_id`."""
    counts = {}
    async with storage.session() as session:
        for table in TABLES:
            if table is Delivery:
                query = (
                    select(func.count())
                    .select_from(Delivery)
                    .join(Subscription, Subscription.id == Delivery.subscription_id)
                    .where(Subscription.chat_id == chat_id)
                )
            else:
                query = select(func.count()).select_from(table).where(table.chat_id == chat_id)
            counts[table.__tablename__] = await session.scalar(query) or 0
    return counts


async def test_long_inactive_user_is_purged_with_all_their_rows(storage):
    await add_user(storage, 501, days_ago=200, reminders="paused")
    assert sum((await rows_of(storage, 501)).values()) == 5

    assert await purge(storage, NOW, inactive_days=180) == 1

    assert await rows_of(storage, 501) == dict.fromkeys(
        ("users", "personal_meetings", "subscriptions", "deliveries", "flows"), 0
    )


async def test_recent_user_is_kept(storage):
    await add_user(storage, 502, days_ago=10, reminders="paused")
    await add_user(storage, 503, days_ago=179)
    assert await purge(storage, NOW, inactive_days=180) == 0
    assert (await rows_of(storage, 502))["users"] == 1
    assert (await rows_of(storage, 503))["users"] == 1


async def test_quiet_user_whose_reminders_still_run_is_kept(storage):
    """Receiving reminders is using the bot, even without writing to it."""
    await add_user(storage, 504, days_ago=400, reminders="running")
    assert await purge(storage, NOW, inactive_days=180) == 0
    assert (await rows_of(storage, 504))["subscriptions"] == 1


async def test_blocked_user_is_purged_once_the_window_has_passed(storage):
    await add_user(storage, 505, days_ago=20, blocked=True, reminders="running")
    await add_user(storage, 506, days_ago=20, reminders="running")  # not blocked: kept
    assert await purge(storage, NOW, inactive_days=180, blocked_days=30) == 0
    assert (await rows_of(storage, 505))["users"] == 1

    later = NOW + dt.timedelta(days=11)  # 31 days since they were last seen
    assert await purge(storage, later, inactive_days=180, blocked_days=30) == 1
    assert sum((await rows_of(storage, 505)).values()) == 0
    assert (await rows_of(storage, 506))["users"] == 1


async def test_expired_flows_of_every_kind_are_dropped_and_live_ones_stay(storage):
    await add_user(storage, 507, days_ago=0)
    await add_user(storage, 508, days_ago=0)
    await add_user(storage, 509, days_ago=0)
    async with storage.session() as session:
        draft = await session.get(FlowState, 507)
        draft.flow, draft.data = "announce", '{"text": "draft"}'
        draft.updated_at = NOW - dt.timedelta(hours=1)
        abandoned = await session.get(FlowState, 509)
        abandoned.flow, abandoned.data = "addmeeting", '{"name": "what they typed"}'
        abandoned.updated_at = NOW - dt.timedelta(hours=1, minutes=30)
    assert await drop_expired_flows(storage, NOW) == 0
    # Two hours on: the unsent announcement and the abandoned /addmeeting answers are gone.
    assert await drop_expired_flows(storage, NOW + dt.timedelta(hours=1, minutes=1)) == 2
    async with storage.session() as session:
        assert await session.get(FlowState, 507) is None
        assert await session.get(FlowState, 509) is None
        assert await session.get(FlowState, 508) is not None  # someone's flow of a minute ago


async def test_the_daily_job_purges_at_the_configured_hour(database_url, library, api):
    settings = Settings.model_validate(
        {
            "database": {"url": database_url},
            "privacy": {"inactive_days": 90, "blocked_days": 14, "purge_hour_utc": 4},
        }
    )
    clock = FixedClock(NOW)
    async with running_app(settings, library, api, clock) as app:
        services = app.bot_data["services"]
        schedule_purge(app, services)
        schedule_purge(app, services)  # calling it again does not add a second job
        await app.job_queue.start()
        try:
            jobs = [j for j in app.job_queue.get_jobs_by_name(JOB_NAME) if not j.removed]
            assert len(jobs) == 1
            assert jobs[0].next_t.astimezone(dt.UTC).time() == dt.time(4, 0)
            await add_user(services.storage, 601, days_ago=100)
            await add_user(services.storage, 602, days_ago=15, blocked=True)
            await add_user(services.storage, 603, days_ago=15)

            await jobs[0].run(app)

            assert (await rows_of(services.storage, 601))["users"] == 0
            assert (await rows_of(services.storage, 602))["users"] == 0
            assert (await rows_of(services.storage, 603))["users"] == 1
        finally:
            await app.job_queue.stop()
