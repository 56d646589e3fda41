"""The reminder engine below Telegram: the limiter, claims and leases, and a delivery run.

Everything runs on an injected clock: sleeping advances it, nothing waits on the wall clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import warnings
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import func, select, update

from bot.meetings import Directory
from bot.reminder_store import ReminderStore
from bot.storage import Delivery, Storage, Subscription
from scheduler.engine import Attempt, Dispatcher, Policy, in_flight_for
from scheduler.limiter import SendLimiter, read_retry_after, retry_after_seconds
from scheduler.store import UNLEASED, Due
from scheduler.writer import OutcomeWriter
from tests.fakes import FixedClock
from tests.seeding import meeting_for, seed

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
START = dt.datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # the meeting, an hour later
MEETING = meeting_for(START)
LEASE = dt.timedelta(seconds=30)


class FakeTime:
    """Sleeping moves the fixed clock on; what was slept is kept."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.slept: list[float] = []

    def seconds(self) -> float:
        return self.clock.now.timestamp()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.now += dt.timedelta(seconds=seconds)
        await asyncio.sleep(0)


class CountingSend:
    """A send that always succeeds, keeping who got a reminder and the most sends under way at
    once; `work` runs as each send starts, then the send yields `yields` times."""

    def __init__(self, yields: int = 1, work: Callable[[], None] = lambda: None) -> None:
        self.yields, self.work = yields, work
        self.sent: list[int] = []
        self.in_flight = self.peak = 0

    async def __call__(self, due: Due) -> Attempt:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.work()
        for _ in range(self.yields):
            await asyncio.sleep(0)
        self.sent.append(due.chat_id)
        self.in_flight -= 1
        return Attempt("sent")


@asynccontextmanager
async def seeded(database_url: str, chats: int) -> AsyncIterator[Storage]:
    """`chats` reminders due at NOW, and the storage over them."""
    await seed(
        database_url, chats=chats, meeting=MEETING, occurrence=START, lead_minutes=60, now=NOW
    )
    storage = await Storage.open(database_url)
    try:
        yield storage
    finally:
        await storage.close()


# --- the limiter ---------------------------------------------------------------------------------


async def test_one_chat_gets_one_message_a_second_while_other_chats_go_at_once():
    clock = FixedClock(NOW)
    fake = FakeTime(clock)
    limiter = SendLimiter(None, 1, clock=fake.seconds, sleep=fake.sleep)
    sent: list[tuple[int, float]] = []

    async def send(chat: int) -> None:
        async with limiter.slot(chat):
            sent.append((chat, fake.seconds()))

    await asyncio.gather(*(send(chat) for chat in (1, 2, 3, 1, 1)))
    times = defaultdict(list)
    for chat, at in sent:
        times[chat].append(at)
    assert times[2] == times[3] == [NOW.timestamp()]  # not held up by chat 1
    gaps = [b - a for a, b in zip(times[1], times[1][1:], strict=False)]
    assert len(times[1]) == 3 and all(gap >= 1.0 for gap in gaps)


async def test_a_pause_after_429_holds_every_chat():
    clock = FixedClock(NOW)
    fake = FakeTime(clock)
    limiter = SendLimiter(None, 1, clock=fake.seconds, sleep=fake.sleep)
    limiter.pause(5)
    assert limiter.paused_for() == 5
    async with limiter.slot(7):
        assert fake.seconds() >= NOW.timestamp() + 5


async def test_the_limiter_forgets_chats_that_no_longer_constrain(monkeypatch):
    import scheduler.limiter as limiter_module

    monkeypatch.setattr(limiter_module, "_PRUNE_AT", 10)
    clock = FixedClock(NOW)
    fake = FakeTime(clock)
    limiter = SendLimiter(None, 1, clock=fake.seconds, sleep=fake.sleep)
    for chat in range(10):
        async with limiter.slot(chat):
            pass
    clock.now += dt.timedelta(seconds=2)
    async with limiter.slot(99):
        pass
    assert len(limiter) == 1


def test_retry_after_is_read_as_int_float_or_timedelta(monkeypatch):
    from telegram.error import RetryAfter

    assert retry_after_seconds(3) == 3.0
    assert retry_after_seconds(2.5) == 2.5
    assert retry_after_seconds(dt.timedelta(seconds=4)) == 4.0
    with pytest.raises(TypeError):
        retry_after_seconds("soon")
    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    with warnings.catch_warnings():  # PTB itself warns when it makes the int form
        warnings.simplefilter("ignore")
        error = RetryAfter(7)
    assert read_retry_after(error) == 7.0  # the int form, and no warning escapes from reading it
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    assert read_retry_after(RetryAfter(dt.timedelta(seconds=9))) == 9.0


# --- claims and leases ---------------------------------------------------------------------------


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Storage]:
    async with seeded(database_url, 40) as opened:
        yield opened


def engine_for(storage: Storage, lease: dt.timedelta | None = LEASE) -> ReminderStore:
    directory = Directory((MEETING,))
    return ReminderStore(storage, lambda: directory, lease=lease)


async def statuses(storage: Storage) -> Counter[str]:
    async with storage.session() as session:
        rows = await session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        )
        return Counter(dict(rows.all()))


async def test_claims_are_leased_and_taken_over_only_after_the_lease_runs_out(storage):
    first, second = engine_for(storage), engine_for(storage)
    claimed = await first.claim_due(NOW, limit=10)
    assert len(claimed) == 10
    assert await second.claim_due(NOW, limit=100) != []  # the other 30, never the same rows
    assert await second.take_over(NOW + LEASE / 2) == []  # still leased to the first
    assert await first.next_wake() == NOW + LEASE  # when the claims run out, if not renewed
    later = NOW + LEASE + dt.timedelta(seconds=1)
    taken = await second.take_over(later)
    assert len(taken) == 40  # both claims ran out (neither holder renewed)
    assert {d.delivery_id for d in claimed} <= {d.delivery_id for d in taken}
    # The first holder's renewal now fails for every row: it must not send them any more.
    held = {d.delivery_id: NOW for d in claimed}
    assert await first.renew(held, later) == {}


async def test_renewal_keeps_a_claim_and_release_hands_it_on_at_once(storage):
    holder, other = engine_for(storage), engine_for(storage)
    claimed = await holder.claim_due(NOW, limit=5)
    held = {d.delivery_id: NOW for d in claimed}
    renewed_at = NOW + LEASE * 0.9
    held = await holder.renew(held, renewed_at)
    assert set(held) == {d.delivery_id for d in claimed}
    assert await other.take_over(NOW + LEASE * 1.5) == []  # renewed: not expired
    await holder.release(held)
    taken = await other.take_over(NOW + dt.timedelta(seconds=1))
    assert {d.delivery_id for d in taken} == set(held)


async def test_taking_over_a_reminder_whose_meeting_began_records_it_missed(storage):
    engine = engine_for(storage, lease=None)
    await engine.claim_due(NOW, limit=3)
    assert await engine.take_over(START) == []
    assert (await statuses(storage))["missed"] == 3


async def test_a_second_claim_of_one_occurrence_never_makes_a_second_ledger_row(storage):
    engine = engine_for(storage)
    claimed = await engine.claim_due(NOW, limit=100)
    assert len(claimed) == 40
    from sqlalchemy import update

    from bot.storage import Subscription

    async with storage.session() as session:  # as if another process had not advanced them
        await session.execute(
            update(Subscription).values(
                next_fire_at=START - dt.timedelta(minutes=60), occurrence_at=START
            )
        )
    assert await engine.claim_due(NOW, limit=100) == []
    assert sum((await statuses(storage)).values()) == 40


# --- a delivery run ------------------------------------------------------------------------------


async def test_a_run_sends_each_due_reminder_once_within_the_limits(database_url):
    clock = FixedClock(NOW)
    fake = FakeTime(clock)
    async with seeded(database_url, 120) as storage:
        send = CountingSend()
        limiter = SendLimiter(None, 1, clock=fake.seconds, sleep=fake.sleep)
        dispatcher = Dispatcher(
            engine_for(storage),
            send,
            clock=clock,
            limiter=limiter,
            sleep=fake.sleep,
            policy=Policy(max_in_flight=8, batch=50),
        )
        report = await dispatcher.run()
        assert sorted(send.sent) == list(range(1_000_000, 1_000_120))
        assert report["sent"] == 120 and report["claimed"] == 120
        assert 1 < send.peak <= 8
        assert await statuses(storage) == Counter(sent=120)


async def test_stopping_lets_sends_under_way_finish_and_releases_the_rest(database_url):
    clock = FixedClock(NOW)
    fake = FakeTime(clock)
    async with seeded(database_url, 60) as storage:
        sent: list[int] = []
        stop = False

        async def send(due: Due) -> Attempt:
            nonlocal stop
            await asyncio.sleep(0)
            sent.append(due.chat_id)
            stop = len(sent) >= 10  # SIGTERM arrives while these are under way
            return Attempt("sent")

        engine = engine_for(storage)
        dispatcher = Dispatcher(
            engine,
            send,
            clock=clock,
            sleep=fake.sleep,
            should_stop=lambda: stop,
            policy=Policy(max_in_flight=4, batch=30),
        )
        report = await dispatcher.run()
        counts = await statuses(storage)
        assert counts["sent"] == len(sent) == report["sent"]  # every send made was recorded
        assert len(sent) < 30 and report["released"] == 30 - len(sent)
        async with storage.session() as session:
            released = await session.scalar(
                select(func.count()).where(
                    Delivery.status == "pending", Delivery.updated_at == UNLEASED
                )
            )
        assert released == report["released"]
        # Another process (or the restart) takes them at once, not after the lease.
        taken = await engine_for(storage).take_over(NOW)
        assert len(taken) == report["released"]


# --- recording outcomes and how many sends are under way -----------------------------------------


async def test_outcomes_written_one_at_a_time_or_together_read_back_the_same(storage):
    engine = engine_for(storage)
    claimed = await engine.claim_due(NOW, limit=5)
    ids = [due.delivery_id for due in claimed]
    later = NOW + dt.timedelta(seconds=7, microseconds=123456)
    writer = OutcomeWriter(storage.engine, engine.deliveries)
    try:
        await writer.write([(ids[0], "sent")], later)  # the single-outcome path
        await writer.write([(ids[1], "failed"), (ids[2], "sent"), (ids[3], "sent")], later)
        await writer.write([(ids[0], "failed")], later + dt.timedelta(seconds=1))  # not pending
    finally:
        await writer.close()
    async with storage.session() as session:
        rows = {
            row.id: (row.status, row.updated_at)
            for row in (await session.execute(select(Delivery))).scalars()
        }
    assert rows[ids[0]] == ("sent", later)  # recorded once; a second outcome changes nothing
    assert rows[ids[1]] == ("failed", later)
    assert rows[ids[2]] == rows[ids[3]] == ("sent", later)
    assert rows[ids[4]][0] == "pending"
    # Stamps compare as the ORM writes them (the lease checks and /stats rely on it).
    assert await engine.counts(later) == {"sent": 3, "failed": 1}
    assert await engine.counts(later + dt.timedelta(microseconds=1)) == {}


def test_one_send_at_a_time_unless_answers_are_too_slow_for_the_rate():
    assert in_flight_for(30, 16, []) == 1  # nothing measured yet
    assert in_flight_for(30, 16, [0.002, 0.001]) == 1  # a fast link: one keeps up
    assert in_flight_for(1000, 16, [0.0004]) == 1  # even at the paid-broadcast rate
    assert in_flight_for(30, 16, [0.1, 0.08]) == 3  # 80 ms answers at 30/s: three under way
    assert in_flight_for(30, 16, [0.08, 5.0]) == 3  # a slow answer (waiting its turn) ignored
    assert in_flight_for(1000, 16, [0.06]) == 16  # never above the cap
    assert in_flight_for(None, 8, [0.001]) == 8  # no rate given: the cap
    assert in_flight_for(30, 1, [1.0]) == 1


async def test_a_run_on_a_fast_link_keeps_one_send_under_way(database_url):
    clock = FixedClock(NOW)
    fake = FakeTime(clock)
    async with seeded(database_url, 60) as storage:
        send = CountingSend(yields=3)
        dispatcher = Dispatcher(
            engine_for(storage),
            send,
            clock=clock,
            sleep=fake.sleep,
            policy=Policy(max_in_flight=16, batch=20, target_rate=1000),
        )
        report = await dispatcher.run()
        assert sorted(send.sent) == list(range(1_000_000, 1_000_060))
        assert send.peak == 1 and report["in_flight_peak"] == 1
        assert await statuses(storage) == Counter(sent=60)


async def test_an_occurrence_already_in_the_ledger_is_never_claimed_again(storage):
    engine = engine_for(storage)
    first = await engine.claim_due(NOW, limit=40)
    assert len(first) == 40
    # Something puts the schedule back on the same occurrence (a resume, a directory change).
    async with storage.session() as session:
        await session.execute(
            update(Subscription).values(
                next_fire_at=START - dt.timedelta(hours=1), occurrence_at=START
            )
        )
    again = await engine.claim_due(NOW + dt.timedelta(seconds=5), limit=40)
    assert again == []  # nothing to send twice
    assert await statuses(storage) == Counter(pending=40)  # and no second ledger row
    async with storage.session() as session:
        moved_on = await session.scalar(
            select(func.count()).where(Subscription.next_fire_at > START)
        )
    assert moved_on == 40  # each schedule moved on to the following meeting


@pytest.mark.parametrize("waiting", [False, True])
async def test_more_sends_go_at_once_only_when_telegram_is_slow_not_when_the_machine_is(
    database_url, waiting
):
    """Each send takes 10 ms at 1,000 a second allowed: spent waiting for Telegram (more sends
    at once keep the rate), or spent working on a busy machine (more at once would not help)."""
    clock = FixedClock(NOW)
    fake = FakeTime(clock)
    spent = {"wall": 0.0, "cpu": 0.0}

    def ten_ms() -> None:
        spent["wall"] += 0.01
        if not waiting:
            spent["cpu"] += 0.01

    async with seeded(database_url, 80) as storage:
        send = CountingSend(work=ten_ms)
        dispatcher = Dispatcher(
            engine_for(storage),
            send,
            clock=clock,
            sleep=fake.sleep,
            policy=Policy(max_in_flight=8, batch=40, target_rate=1000),
            timer=lambda: spent["wall"],
            cpu_timer=lambda: spent["cpu"],
        )
        report = await dispatcher.run()
        assert report["sent"] == 80
        if waiting:
            assert 1 < send.peak <= 8
        else:
            assert send.peak == 1
