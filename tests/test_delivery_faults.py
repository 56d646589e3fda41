"""Telegram's errors on the reminder path, through the real Application and the offline Bot API.

429 waits `retry_after` and tries again; network errors and 5xx are retried with backoff until the
meeting begins (then recorded as missed); Forbidden and "chat not found" deactivate the person's
reminders at once, never retried; a reminder that cannot go out before its meeting begins is
recorded as missed. The clock is injected and the engine's sleep moves it: no waiting.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.delivery import delivery_of
from bot.offline_api import Failure, OfflineBotApi
from bot.services import Services
from bot.storage import Delivery
from tests.fakes import Chat, FixedClock, running_app
from tests.test_engine import FakeTime
from tests.test_reminders import (
    EVENING,
    MONDAY_NOON,
    library_with,
    reminders_sent,
    subscribe,
    tick,
)

UTC = dt.UTC
AT_18_NY = dt.datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 18:00 in New York, the 1-hour reminder
MEETING_START = dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC)


@pytest.fixture
def ny_settings(database_url: str) -> Settings:
    """As in test_reminders: people in New York by default."""
    return Settings.model_validate(
        {"database": {"url": database_url}, "defaults": {"timezone": "America/New_York"}}
    )


def attempts(api: OfflineBotApi) -> list:
    return [c for c in api.calls if c.method == "sendMessage" and "Reminder:" in c.text]


async def ledger(app) -> list[str]:
    services: Services = app.bot_data["services"]
    async with services.storage.session() as session:
        return list(await session.scalars(select(Delivery.status).order_by(Delivery.id)))


async def started(ny_settings, content, api, clock, *leads):
    """The app, a subscriber to the evening meeting with `leads`, and the fake time."""
    manager = running_app(ny_settings, library_with(content, EVENING), api, clock)
    app = await manager.__aenter__()
    chat = Chat(app, api)
    await chat.send("/start")
    await subscribe(chat, *leads)
    fake = FakeTime(clock)
    delivery = delivery_of(app)
    assert delivery is not None
    delivery.sleep = fake.sleep
    return manager, app, chat, fake


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize("timedelta_mode", [False, True], ids=["int", "timedelta"])
async def test_429_waits_retry_after_then_sends_once(
    content, ny_settings, monkeypatch, timedelta_mode
):
    if timedelta_mode:
        monkeypatch.setenv("PTB_TIMEDELTA", "true")
    else:
        monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    manager, app, _chat, fake = await started(ny_settings, content, api, clock, 60)
    try:
        api.failures.append(Failure("sendMessage", 429, "Too Many Requests", retry_after=7))
        clock.now = AT_18_NY
        await tick(app)
        assert len(attempts(api)) == 2 and len(reminders_sent(api)) == 1
        assert sum(fake.slept) >= 7 and clock.now >= AT_18_NY + dt.timedelta(seconds=7)
        assert await ledger(app) == ["sent"]
        assert delivery_of(app).last_report["flood"] == 1
    finally:
        await manager.__aexit__(None, None, None)


async def test_5xx_is_retried_with_backoff_and_then_sent(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    manager, app, _chat, fake = await started(ny_settings, content, api, clock, 60)
    try:
        api.failures += [Failure("sendMessage", 502, "Bad Gateway")] * 2
        clock.now = AT_18_NY
        await tick(app)
        assert len(attempts(api)) == 3 and len(reminders_sent(api)) == 1
        assert sum(fake.slept) == pytest.approx(1 + 2)  # backoff: 1 s, then 2 s
        assert await ledger(app) == ["sent"]
    finally:
        await manager.__aexit__(None, None, None)


def outage(clock: FixedClock, until: dt.datetime, status: int = 502):
    """Telegram answers every sendMessage with `status` until `until` (by the test's clock)."""

    def fail_when(method: str, _params: dict) -> Failure | None:
        if method == "sendMessage" and clock.now < until:
            return Failure(method, status, "Bad Gateway")
        return None

    return fail_when


async def test_a_minute_of_5xx_with_the_meeting_12_minutes_away_loses_nothing(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    manager, app, _chat, fake = await started(ny_settings, content, api, clock, 60)
    try:
        clock.now = MEETING_START - dt.timedelta(minutes=12)  # the bot was down until then
        api.fail_when = outage(clock, clock.now + dt.timedelta(seconds=60))
        await tick(app)
        assert len(reminders_sent(api)) == 1 and len(attempts(api)) > 4
        assert await ledger(app) == ["sent"]
        assert max(fake.slept) <= 30  # the backoff is capped
    finally:
        await manager.__aexit__(None, None, None)


async def test_5xx_until_the_meeting_begins_is_recorded_missed_never_sent_late(
    content, ny_settings
):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    manager, app, _chat, _fake = await started(ny_settings, content, api, clock, 60)
    try:
        clock.now = MEETING_START - dt.timedelta(minutes=2)
        api.fail_when = outage(clock, MEETING_START + dt.timedelta(minutes=5))
        await tick(app)
        assert reminders_sent(api) == []
        assert await ledger(app) == ["missed"]
        await tick(app)
        assert reminders_sent(api) == []  # recorded: never tried again
    finally:
        await manager.__aexit__(None, None, None)


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot was blocked by the user"),
        (400, "Bad Request: chat not found"),
    ],
)
async def test_blocked_or_gone_chat_is_deactivated_at_once_never_retried(
    content, ny_settings, status, description
):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    # Two reminders due in the same burst for one person (the bot was down over both).
    manager, app, chat, _fake = await started(ny_settings, content, api, clock, 120, 60)
    try:
        api.failures.append(Failure("sendMessage", status, description))
        clock.now = AT_18_NY
        await tick(app)
        assert len(attempts(api)) == 1  # the second one is not tried either
        assert await ledger(app) == ["failed", "failed"]
        services: Services = app.bot_data["services"]
        assert (await services.storage.get_user(501)).blocked
        await chat.send("hello again")  # writing again resumes their reminders
        assert not (await services.storage.get_user(501)).blocked
        clock.now = dt.datetime(2026, 3, 9, 22, 0, tzinfo=UTC)  # next Monday, 1 hour before
        await tick(app)
        assert len(reminders_sent(api)) == 2  # both of that week's reminders
    finally:
        await manager.__aexit__(None, None, None)


async def test_a_reminder_held_up_past_the_meeting_start_is_missed_not_sent_late(
    content, ny_settings, monkeypatch
):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    manager, app, _chat, _fake = await started(ny_settings, content, api, clock, 60)
    try:
        api.failures.append(Failure("sendMessage", 429, "Too Many Requests", retry_after=60))
        clock.now = MEETING_START - dt.timedelta(seconds=20)  # down until just before it began
        await tick(app)
        assert len(attempts(api)) == 1 and reminders_sent(api) == []
        assert await ledger(app) == ["missed"]
    finally:
        await manager.__aexit__(None, None, None)


async def test_one_chat_gets_at_most_one_reminder_a_second(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    manager, app, _chat, fake = await started(ny_settings, content, api, clock, 120, 60)
    try:
        sent_at: list[dt.datetime] = []
        api.on_call = lambda call: sent_at.append(clock.now) if "Reminder:" in call.text else None
        clock.now = AT_18_NY
        await tick(app)
        assert len(reminders_sent(api)) == 2
        assert sent_at[1] - sent_at[0] >= dt.timedelta(seconds=1)
        assert await ledger(app) == ["sent", "sent"]
    finally:
        await manager.__aexit__(None, None, None)
