"""Faults during a reminder burst to many chats: a 429 storm with several sends in flight, a
Telegram outage, and a database that refuses outcomes. Nothing is lost, nothing starts inside a
pause, and nothing is sent that could not be recorded, beyond what was in flight.

The real Application (with PTB's rate limiter in the path where it matters) on the offline Bot API;
the clock is injected and the engine's sleep moves it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.delivery import delivery_of
from bot.meetings import Directory
from bot.offline_api import Failure, OfflineBotApi
from bot.services import Library, Services
from bot.storage import Delivery
from scheduler.engine import Policy
from scheduler.writer import OutcomeWriter
from tests.fakes import FixedClock, running_app
from tests.seeding import meeting_for, seed
from tests.test_engine import FakeTime

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
START = NOW + dt.timedelta(minutes=12)  # the meeting, 12 minutes away; reminders due now
MEETING = meeting_for(START)
FIRST_CHAT = 1_000_000
PEOPLE = 12


@pytest.fixture
def burst_settings(database_url: str) -> Settings:
    return Settings.model_validate({"database": {"url": database_url}})


async def burst(settings: Settings, library: Library, api: OfflineBotApi, *, rate_limit=False):
    """PEOPLE chats with a reminder due now; the app, its fake time, and the clock."""
    await seed(
        settings.database.url,
        chats=PEOPLE,
        meeting=MEETING,
        occurrence=START,
        lead_minutes=60,
        first_chat=FIRST_CHAT,
        now=NOW,
    )
    clock = FixedClock(NOW)
    served = dataclasses.replace(library, directory=Directory((MEETING,)))
    manager = running_app(settings, served, api, clock, rate_limit=rate_limit)
    app = await manager.__aenter__()
    fake = FakeTime(clock)
    delivery = delivery_of(app)
    assert delivery is not None
    delivery.sleep = fake.sleep
    return manager, app, clock, delivery


def delivered(api: OfflineBotApi) -> Counter[int]:
    """Reminders Telegram accepted, per chat."""
    return Counter(
        c.params["chat_id"]
        for c in api.calls
        if c.method == "sendMessage" and c.result is not None and "Reminder:" in c.text
    )


async def ledger(app) -> Counter[str]:
    services: Services = app.bot_data["services"]
    async with services.storage.session() as session:
        return Counter(await session.scalars(select(Delivery.status)))


async def test_a_429_storm_with_sends_in_flight_starts_nothing_inside_a_pause(
    burst_settings, library, monkeypatch
):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB warns at every RetryAfter otherwise
    api = OfflineBotApi()
    manager, app, clock, delivery = await burst(burst_settings, library, api, rate_limit=True)
    try:
        events: list[tuple[str, dt.datetime, float]] = []  # in the order they happened
        storm = iter([3, 3, 3, 3, 2, 2])  # the first six requests are refused, some in flight

        async def slow(method: str) -> None:
            if method != "sendMessage":
                return
            events.append(("attempt", clock.now, 0.0))
            for _ in range(3):  # a distant Telegram: the other sends go on meanwhile
                await asyncio.sleep(0)

        def flood(method: str, _params: dict[str, Any]) -> Failure | None:
            retry_after = next(storm, None)
            if method != "sendMessage" or retry_after is None:
                return None
            events.append(("429", clock.now, float(retry_after)))
            return Failure(method, 429, "Too Many Requests", retry_after=retry_after)

        api.before_answer, api.fail_when = slow, flood
        delivery.policy = Policy(max_in_flight=4, batch=PEOPLE, target_rate=None)
        await delivery.run()

        assert delivered(api) == {FIRST_CHAT + i: 1 for i in range(PEOPLE)}
        assert (await ledger(app)) == {"sent": PEOPLE}
        assert delivery.last_report["in_flight_peak"] > 1
        pauses: list[tuple[dt.datetime, dt.datetime]] = []
        inside = 0
        for kind, at, seconds in events:
            if kind == "429":
                pauses.append((at, at + dt.timedelta(seconds=seconds)))
            elif any(begin <= at < end for begin, end in pauses):
                inside += 1
        assert inside == 0, events
    finally:
        await manager.__aexit__(None, None, None)


async def test_a_chat_whose_sends_fail_never_holds_up_the_others(burst_settings, library):
    api = OfflineBotApi()
    manager, app, clock, delivery = await burst(burst_settings, library, api)
    try:
        sent_at: dict[int, dt.datetime] = {}
        api.on_call = lambda call: sent_at.setdefault(call.params["chat_id"], clock.now)
        unlucky = FIRST_CHAT  # its connection drops for a minute; nobody else's does
        until = NOW + dt.timedelta(seconds=60)

        def dropped(method: str, params: dict[str, Any]) -> Failure | None:
            if method == "sendMessage" and params["chat_id"] == unlucky and clock.now < until:
                return Failure(method, 502, "Bad Gateway")
            return None

        api.fail_when = dropped
        await delivery.run()

        assert delivered(api) == {FIRST_CHAT + i: 1 for i in range(PEOPLE)}
        assert (await ledger(app)) == {"sent": PEOPLE}
        others = [at for chat_id, at in sent_at.items() if chat_id != unlucky]
        assert others and max(others) == NOW  # none waited for the unlucky one's backoff
        assert sent_at[unlucky] >= until
    finally:
        await manager.__aexit__(None, None, None)


async def test_while_outcomes_cannot_be_recorded_no_new_send_starts(
    burst_settings, library, monkeypatch
):
    api = OfflineBotApi()
    manager, app, clock, delivery = await burst(burst_settings, library, api)
    try:
        events: list[str] = []
        down_until: list[dt.datetime] = []  # set at the first send: 12 s of refused writes
        write = OutcomeWriter.write

        async def flaky(self, outcomes, now):
            if down_until and clock.now < down_until[0]:
                events.append("refused")
                raise ConnectionError("the database is not answering")
            await write(self, outcomes, now)
            events.append("recorded")

        def sent(call) -> None:
            if call.method == "sendMessage":
                events.append("send")
                if not down_until:
                    down_until.append(clock.now + dt.timedelta(seconds=12))

        monkeypatch.setattr(OutcomeWriter, "write", flaky)
        api.on_call = sent
        await delivery.run()

        assert delivered(api) == {FIRST_CHAT + i: 1 for i in range(PEOPLE)}
        assert (await ledger(app)) == {"sent": PEOPLE}
        assert "refused" in events
        first_refused = events.index("refused")
        back = events.index("recorded", first_refused)
        assert "send" not in events[first_refused:back]  # nothing new while it was down
        assert delivery.last_report["record_errors"] >= 1
    finally:
        await manager.__aexit__(None, None, None)


async def test_an_outage_at_start_up_never_holds_up_the_start(burst_settings, library):
    api = OfflineBotApi()
    manager, app, clock, delivery = await burst(burst_settings, library, api)
    try:  # a process claimed the burst, then stopped gracefully before sending any of it
        claimed = await delivery.engine.claim_due(clock.now)
        await delivery.engine.release(
            {due.delivery_id: delivery.engine.stamp(clock.now) for due in claimed}
        )
    finally:
        await manager.__aexit__(None, None, None)
    assert len(claimed) == PEOPLE

    restarted = OfflineBotApi()
    until = NOW + dt.timedelta(seconds=60)
    restarted.fail_when = lambda method, _params: (
        Failure(method, 502, "Bad Gateway")
        if method == "sendMessage" and clock.now < until
        else None
    )
    served = dataclasses.replace(library, directory=Directory((MEETING,)))
    manager = running_app(burst_settings, served, restarted, clock)
    # Start-up takes over what was handed back, meets the outage, and hands it back again at
    # once: updates are served from the start, the retries go on in the background.
    app = await asyncio.wait_for(manager.__aenter__(), timeout=30)
    try:
        assert clock.now == NOW and (await ledger(app)) == {"pending": PEOPLE}
        delivery = delivery_of(app)
        assert delivery is not None
        delivery.sleep = FakeTime(clock).sleep
        await delivery.run()
        assert delivered(restarted) == {FIRST_CHAT + i: 1 for i in range(PEOPLE)}
        assert (await ledger(app)) == {"sent": PEOPLE}
    finally:
        await manager.__aexit__(None, None, None)
