"""The overall send rate holds for every instance together: three processes' limiters, one
database, at most the configured rate started in any one second (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import Storage
from scheduler.budget import SharedBudget
from scheduler.limiter import SendLimiter
from tests.fakes import FixedClock
from tests.test_engine import FakeTime

START = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


async def test_three_instances_start_at_most_the_rate_in_any_one_second(database_url: str):
    storage = await Storage.open(database_url)  # the schema
    await storage.close()
    clock = FixedClock(START)
    fake = FakeTime(clock)
    engines = [create_async_engine(database_url) for _ in range(3)]  # one per instance
    try:
        budgets = [SharedBudget(engine, 30) for engine in engines]
        limiters = [
            SendLimiter(None, None, clock=fake.seconds, sleep=fake.sleep, shared=budget)
            for budget in budgets
        ]
        started: Counter[int] = Counter()

        async def send(limiter: SendLimiter, chat_id: int) -> None:
            async with limiter.slot(chat_id):
                started[int(fake.seconds())] += 1

        # 40 reminders in each instance, all due at once: 120 to send at 30 a second.
        await asyncio.gather(
            *(send(limiter, n * 1000 + i) for n, limiter in enumerate(limiters) for i in range(40))
        )
        assert sum(started.values()) == 120
        assert max(started.values()) <= 30
        assert len(started) >= 4  # spread over four seconds, as the rate demands
        for budget in budgets:
            await budget.close()
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_budget_that_does_not_answer_lets_the_send_go(tmp_path):
    # No table at all: every take fails, and is granted (the process's own limit still holds).
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'none.sqlite3'}")
    try:
        assert await SharedBudget(engine, 30).take(START.timestamp()) == 0
    finally:
        await engine.dispose()
