"""The daily check-in: opt in at a time, asked once a day in one's zone, answers never kept."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.offline_api import ApiCall, OfflineBotApi
from bot.storage import DailyCount, Delivery, Subscription
from tests.fakes import Chat, FixedClock, running_app
from tests.test_privacy import _all_database_text
from tests.test_reminders import EVENING, MONDAY_NOON, REF, library_with, tick

UTC = dt.UTC


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings.model_validate(
        {"database": {"url": database_url}, "defaults": {"timezone": "America/New_York"}}
    )


def checkins(api: OfflineBotApi) -> list[ApiCall]:
    return [
        c
        for c in api.calls
        if c.method == "sendMessage" and "How are you today?" in c.text and c.result is not None
    ]


async def table(app, model) -> list:
    async with app.bot_data["services"].storage.session() as session:
        return list(await session.scalars(select(model)))


async def test_opt_in_then_asked_daily_at_that_local_time_across_the_clock_change(
    content, settings
):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)  # Mon 2 Mar 2026, 07:00 in New York
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        (offer,) = await chat.send("/checkin")
        assert "I don't keep your answers" in offer.text and "(New York)" in offer.text
        (done,) = await chat.press_label(offer, "21:00")
        assert "Every day at 21:00 (New York)" in done.text
        assert "Mon 2 Mar, 21:00" in done.text
        # Not one of "my meetings": nothing to manage there.
        (mine,) = await chat.send("/mymeetings")
        assert "check-in" not in mine.text.lower()

        clock.now = dt.datetime(2026, 3, 3, 1, 59, tzinfo=UTC)  # 20:59 EST
        await tick(app)
        assert checkins(api) == []
        clock.now = dt.datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 21:00 EST
        await tick(app)
        await tick(app)
        (asked,) = checkins(api)
        labels = [label for label, _ in asked.buttons]
        assert labels == [
            "😊 Good",
            "🙂 Getting by",
            "😔 Struggling",
            "Not today",
            "Stop check-ins",
        ]
        # After the change to daylight time (8 March) it is still 21:00 in New York: 01:00 UTC.
        clock.now = dt.datetime(2026, 3, 10, 0, 59, tzinfo=UTC)
        await tick(app)
        before = len(checkins(api))
        clock.now = dt.datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
        await tick(app)
        assert len(checkins(api)) == before + 1


async def test_a_check_in_the_bot_was_down_for_is_missed_not_sent_at_night(content, settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await chat.press("ci:at:2100")
        clock.now = dt.datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # 03:00 the next night
        await tick(app)
        assert checkins(api) == []
        assert [d.status for d in await table(app, Delivery)] == ["missed"]


async def test_struggling_offers_grounding_the_crisis_line_and_the_next_meeting(content, settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await chat.press(f"rem:tog:{REF}:60")
        await chat.press("ci:at:1200")
        (hard,) = await chat.press("ci:hard")
        assert "988" in hard.text
        assert "Your next meeting: Evening Dual Recovery, Mon 2 Mar, 19:00." in hard.text
        labels = [label for label, _ in hard.buttons]
        assert labels == ["Grounding now", "Crisis help", "That meeting", "Meetings today"]
        (card,) = await chat.press_label(hard, "That meeting")
        assert "Evening Dual Recovery" in card.text
        (ok,) = await chat.press("ci:ok")
        assert ("Meetings today", "mt:ls:d1:0") in ok.buttons  # Monday in New York
        (good,) = await chat.press("ci:good")
        assert "Glad to hear it" in good.text


async def test_answers_are_counted_never_kept_or_logged(content, settings, caplog):
    caplog.set_level(logging.DEBUG)
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content), api, clock) as app:
        services = app.bot_data["services"]
        chat = Chat(app, api)
        await chat.send("/start")
        await chat.press("ci:at:0800")
        for answer in ("ci:hard", "ci:hard", "ci:good"):
            await chat.press(answer)
        counts = {(c.name, c.count) for c in await table(app, DailyCount)}
        assert counts == {("checked_in_hard", 2), ("checked_in_good", 1)}
        stored = await _all_database_text(services)
        # The counts are anonymous (a day and a number); the rows about this person hold the time.
        assert "501" not in "".join(line for line in stored.splitlines() if "checked_in_" in line)
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "ci:hard" not in logged and "ci:good" not in logged


async def test_stop_from_the_message_typed_times_and_forget(content, settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        (done,) = await chat.send("/checkin 7:30pm")
        assert "Every day at 19:30" in done.text
        (again,) = await chat.send("/checkin")
        assert "every day at 19:30" in again.text
        assert not [label for label, _ in again.buttons if label.startswith("✅")]
        (unclear,) = await chat.send("/checkin banana")
        assert "couldn't read that time" in unclear.text
        (stopped,) = await chat.press("ci:stop")
        assert "Check-ins stopped" in stopped.text
        assert await table(app, Subscription) == []
        (none,) = await chat.press("ci:stop")
        assert "no daily check-in to stop" in none.text
        await chat.press("ci:at:2200")
        await chat.send("/forget")
        await chat.press("priv:yes")
        assert await table(app, Subscription) == []


async def test_a_directory_change_never_pauses_a_check_in(content, settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        services = app.bot_data["services"]
        chat = Chat(app, api)
        await chat.send("/start")
        await chat.press("ci:at:2100")
        notices = await services.subscriptions.sync_directory(
            library_with(content).directory, clock.now
        )
        assert notices == []
        (sub,) = await table(app, Subscription)
        assert sub.paused is None and sub.next_fire_at is not None


@pytest.mark.parametrize("payload", ["ci:at:2101", "ci:at:9999", "ci:hard:1", "ci:zzz"])
async def test_forged_check_in_buttons_change_nothing(content, settings, payload):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        (reply,) = await chat.press(payload)
        assert "button" in reply.text.lower()
        assert await table(app, Subscription) == []


async def test_a_check_in_follows_the_person_to_a_new_time_zone(content, settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await chat.press("ci:at:2100")
        await chat.send("/timezone")
        await chat.send("Europe/Madrid")
        (again,) = await chat.send("/checkin")
        assert "every day at 21:00 (Madrid)" in again.text
        (sub,) = await table(app, Subscription)
        assert sub.next_fire_at == dt.datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 21:00 in Madrid
