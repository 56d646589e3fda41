"""The reminder engine: claim due reminders from the database, send them within limits, record them.

The database is the source of truth. Each subscription row carries `next_fire_at` (UTC, indexed)
and the `occurrence_at` it is for.

Claiming happens in one transaction: due rows are selected (with `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so that two processes never take the same row), a ledger row keyed by (subscription,
occurrence) is written as `pending` (or `missed` when the meeting has already begun), and
`next_fire_at` moves on to the following occurrence. Sending happens after the commit; the ledger
row then becomes `sent`, `failed` or `missed` (a reminder that could not go out before its meeting
began is never sent late).

Leases. A `pending` row belongs to the process that claimed it for `lease` seconds from its
`updated_at`, which that process renews while it holds the row (a renewal is conditional on the
stamp it wrote, so a row another process took over is never renewed, and never sent, by the old
holder). A `pending` row whose lease ran out belongs to a process that died: `take_over` (run at
start-up and periodically by every process, not only at start-up) claims it again and sends it if
the meeting has not begun. A process that stops gracefully releases what it claimed but did not
start sending (stamp `UNLEASED`), so it can be taken at once. No new column is needed: the lease
is `updated_at` of a `pending` row.

The only reminders that can arrive twice are those whose send was in flight (request made, outcome
not yet committed) when a process died. A process keeps one send in flight, and commits its
outcome before the next starts, unless Telegram answers too slowly for one at a time to reach the
configured rate (`in_flight_for`); then more, never above `max_in_flight`, and outcomes that
arrive together are committed together.

Start-up is O(1) in the number of subscriptions: nothing is scheduled per subscription; one timer
sleeps until the earliest `next_fire_at` (or the earliest lease to run out).

Note for the schema (not required for correctness): `take_over` and `next_wake` look for
`status = 'pending'` rows; on a large ledger an index on deliveries (status, updated_at) — on
PostgreSQL a partial one, `WHERE status = 'pending'` — keeps that cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from bot.meetings import Directory, Meeting
from bot.storage import Delivery, PersonalMeeting, Storage, Subscription, User
from bot.subscriptions import MeetingRef, personal_meeting, plan, remindable
from scheduler.limiter import SendLimiter
from scheduler.recurrence import due_decision

_LOGGER = logging.getLogger(__name__)
CLAIM_BATCH = 500
# The stamp of a pending row nobody holds: any process may take it at once.
UNLEASED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
PENDING = "pending"
_SUBSCRIPTIONS = Subscription.metadata.tables["subscriptions"]
_DELIVERIES = Delivery.metadata.tables["deliveries"]
# Move one subscription on to its next reminder (or pause it), by id: run once per claimed row.
_ADVANCE = (
    update(_SUBSCRIPTIONS)
    .where(_SUBSCRIPTIONS.c.id == bindparam("b_id"))
    .values(
        paused=bindparam("paused"),
        next_fire_at=bindparam("next_fire_at"),
        occurrence_at=bindparam("occurrence_at"),
    )
)


@dataclass(frozen=True)
class Due:
    """A reminder to send now."""

    delivery_id: int
    chat_id: int
    language: str
    timezone: str | None
    ref: MeetingRef
    meeting: Meeting
    lead_minutes: int
    occurrence_at: dt.datetime


class ReminderEngine:
    """Claims due reminders and records what happened to them."""

    def __init__(
        self,
        storage: Storage,
        directory: Callable[[], Directory],
        *,
        lease: dt.timedelta | None = None,
    ) -> None:
        self.storage = storage
        self._directory = directory
        # None: claims carry no lease and may be taken over at once (a single process, tests).
        self.lease = lease

    def stamp(self, now: dt.datetime) -> dt.datetime:
        """The `updated_at` a claim made at `now` carries: the start of its lease."""
        return now if self.lease is not None else UNLEASED

    def _meeting(self, sub: Subscription, personal: PersonalMeeting | None) -> Meeting | None:
        if sub.meeting_slug is not None:
            return self._directory().get(sub.meeting_slug)
        return personal_meeting(personal) if personal is not None else None

    @staticmethod
    def _due(
        delivery_id: int,
        sub: Subscription,
        language: str,
        timezone: str | None,
        meeting: Meeting,
        occurrence: dt.datetime,
    ) -> Due:
        ref = (
            MeetingRef.directory(meeting.slug)
            if sub.meeting_slug is not None
            else MeetingRef.personal(sub.personal_id or 0)
        )
        return Due(
            delivery_id, sub.chat_id, language, timezone, ref, meeting, sub.lead_minutes, occurrence
        )

    def _on_postgres(self) -> bool:
        """PostgreSQL: row claims skip locked rows, and the ledger insert has its dialect."""
        return self.storage.engine.dialect.name == "postgresql"

    async def claim_due(self, now: dt.datetime, limit: int = CLAIM_BATCH) -> list[Due]:
        """Claim up to `limit` due reminders; the ones to send now (missed ones are recorded)."""
        stamp = self.stamp(now)
        async with self.storage.session() as session:
            query = (
                select(
                    Subscription.id,
                    Subscription.chat_id,
                    Subscription.meeting_slug,
                    Subscription.personal_id,
                    Subscription.lead_minutes,
                    Subscription.next_fire_at,
                    Subscription.occurrence_at,
                    User.language,
                    User.timezone,
                    PersonalMeeting,
                )
                .join(User, User.chat_id == Subscription.chat_id)
                .outerjoin(PersonalMeeting, PersonalMeeting.id == Subscription.personal_id)
                .where(
                    Subscription.next_fire_at <= now,
                    Subscription.paused.is_(None),
                    User.blocked.is_(False),
                )
                .order_by(Subscription.next_fire_at)
                .limit(limit)
            )
            if self._on_postgres():
                query = query.with_for_update(skip_locked=True, of=Subscription)
            rows = (await session.execute(query)).all()
            if not rows:
                return []
            changes: list[dict[str, object]] = []
            ledger: list[dict[str, object]] = []
            to_send: dict[int, Due] = {}
            # Everyone with the same meeting and lead time moves on to the same next reminder:
            # plan it once per batch, not once per person (a burst is mostly a few meetings).
            plans: dict[tuple[object, int, dt.datetime], tuple[dt.datetime, dt.datetime]] = {}
            refs: dict[object, MeetingRef] = {}
            for row in rows:
                personal: PersonalMeeting | None = row.PersonalMeeting
                meeting = (
                    self._directory().get(row.meeting_slug)
                    if row.meeting_slug is not None
                    else personal_meeting(personal)
                    if personal is not None
                    else None
                )
                fire_at, occurrence = row.next_fire_at, row.occurrence_at
                if (
                    meeting is None
                    or not remindable(meeting)
                    or fire_at is None
                    or occurrence is None
                ):
                    paused = "gone" if meeting is None else "closed"
                    changes.append(
                        {
                            "b_id": row.id,
                            "paused": paused,
                            "next_fire_at": None,
                            "occurrence_at": None,
                        }
                    )
                    continue
                decision = due_decision(fire_at, occurrence, now)
                # Advance first: the next reminder is for a meeting that has not begun yet.
                key = row.meeting_slug if row.meeting_slug is not None else row.personal_id
                after = max(fire_at, now - dt.timedelta(minutes=row.lead_minutes))
                planned = plans.get((key, row.lead_minutes, after))
                if planned is None:
                    planned = plan(meeting, row.lead_minutes, after)
                    plans[(key, row.lead_minutes, after)] = planned
                changes.append(
                    {
                        "b_id": row.id,
                        "paused": None,
                        "next_fire_at": planned[0],
                        "occurrence_at": planned[1],
                    }
                )
                status = PENDING if decision == "send" else "missed"
                ledger.append(
                    {
                        "subscription_id": row.id,
                        "occurrence_at": occurrence,
                        "status": status,
                        "updated_at": stamp if status == PENDING else now,
                    }
                )
                if status == PENDING:
                    ref = refs.get(key)
                    if ref is None:
                        ref = (
                            MeetingRef.directory(meeting.slug)
                            if row.meeting_slug is not None
                            else MeetingRef.personal(row.personal_id or 0)
                        )
                        refs[key] = ref
                    to_send[row.id] = Due(
                        0,
                        row.chat_id,
                        row.language,
                        row.timezone,
                        ref,
                        meeting,
                        row.lead_minutes,
                        occurrence,
                    )
            await self._advance(session, changes)
            if not ledger:
                return []
            # An occurrence already in the ledger (claimed once before) is not inserted or
            # returned again: never sent twice. Rows are matched by subscription (once per
            # batch), so no ordering of RETURNING is needed, which keeps this one multi-row
            # INSERT on SQLite too.
            dialect_insert = pg_insert if self._on_postgres() else sqlite_insert
            inserted = await session.execute(
                dialect_insert(_DELIVERIES)
                .on_conflict_do_nothing(index_elements=["subscription_id", "occurrence_at"])
                .returning(_DELIVERIES.c.id, _DELIVERIES.c.subscription_id),
                ledger,
            )
            return [
                replace(to_send[sub_id], delivery_id=delivery_id)
                for delivery_id, sub_id in inserted.all()
                if sub_id in to_send
            ]

    @staticmethod
    async def _advance(session: AsyncSession, changes: Sequence[dict[str, object]]) -> None:
        """Move claimed subscriptions on: one UPDATE for every group that moves on together
        (the subscribers of one meeting with one lead time), the rest in one executemany."""
        groups: dict[tuple[object, object, object], list[dict[str, object]]] = {}
        for change in changes:
            key = (change["paused"], change["next_fire_at"], change["occurrence_at"])
            groups.setdefault(key, []).append(change)
        single = [group[0] for group in groups.values() if len(group) == 1]
        for (paused, next_fire, occurrence), group in groups.items():
            if len(group) > 1:
                await session.execute(
                    update(_SUBSCRIPTIONS)
                    .where(_SUBSCRIPTIONS.c.id.in_([change["b_id"] for change in group]))
                    .values(paused=paused, next_fire_at=next_fire, occurrence_at=occurrence)
                )
        if single:
            await session.execute(_ADVANCE, single)

    async def take_over(self, now: dt.datetime, limit: int | None = CLAIM_BATCH) -> list[Due]:
        """Pending reminders whose lease ran out (their process died): claim them to send again.

        Those whose meeting has begun, or is gone, are recorded as missed; those of a person who
        blocked the bot as failed.
        """
        expired_before = now - (self.lease or dt.timedelta(0))
        due: list[Due] = []
        async with self.storage.session() as session:
            query = (
                select(Delivery, Subscription, User.language, User.timezone, User.blocked)
                .add_columns(PersonalMeeting)
                .join(Subscription, Subscription.id == Delivery.subscription_id)
                .join(User, User.chat_id == Subscription.chat_id)
                .outerjoin(PersonalMeeting, PersonalMeeting.id == Subscription.personal_id)
                .where(Delivery.status == PENDING, Delivery.updated_at <= expired_before)
                .order_by(Delivery.occurrence_at)
            )
            if limit is not None:
                query = query.limit(limit)
            if self._on_postgres():
                query = query.with_for_update(skip_locked=True, of=Delivery)
            rows = (await session.execute(query)).all()
            for delivery, sub, language, timezone, blocked, personal in rows:
                meeting = self._meeting(sub, personal)
                if meeting is None or delivery.occurrence_at <= now:
                    delivery.status, delivery.updated_at = "missed", now
                    continue
                if blocked:
                    delivery.status, delivery.updated_at = "failed", now
                    continue
                delivery.updated_at = self.stamp(now)
                due.append(
                    self._due(delivery.id, sub, language, timezone, meeting, delivery.occurrence_at)
                )
        return due

    async def recover(self, now: dt.datetime) -> list[Due]:
        """Reminders claimed but never sent (their process stopped): send them or mark missed."""
        return await self.take_over(now, limit=None)

    async def renew(
        self, held: Mapping[int, dt.datetime], now: dt.datetime
    ) -> dict[int, dt.datetime]:
        """Extend the lease of rows still held (stamp unchanged, still pending): id -> new stamp."""
        return await self._restamp(held, self.stamp(now))

    async def release(self, held: Mapping[int, dt.datetime]) -> None:
        """Give back rows claimed but not sent (a graceful stop): anyone may take them at once."""
        await self._restamp(held, UNLEASED)

    async def _restamp(
        self, held: Mapping[int, dt.datetime], stamp: dt.datetime
    ) -> dict[int, dt.datetime]:
        """Move rows this process still holds (pending, with the stamp it wrote) to `stamp`;
        a row another process took over keeps its stamp and is left out of the result."""
        kept: dict[int, dt.datetime] = {}
        by_stamp: dict[dt.datetime, list[int]] = {}
        for delivery_id, old in held.items():
            by_stamp.setdefault(old, []).append(delivery_id)
        async with self.storage.session() as session:
            for old, ids in by_stamp.items():
                for chunk in _chunks(ids, 500):
                    result = await session.execute(
                        update(Delivery)
                        .where(
                            Delivery.id.in_(chunk),
                            Delivery.status == PENDING,
                            Delivery.updated_at == old,
                        )
                        .values(updated_at=stamp)
                        .returning(Delivery.id)
                    )
                    kept.update((delivery_id, stamp) for delivery_id in result.scalars())
        return kept

    async def next_wake(self) -> dt.datetime | None:
        """When the earliest active reminder falls due, or the earliest lease runs out."""
        async with self.storage.session() as session:
            fire = await session.scalar(
                select(func.min(Subscription.next_fire_at))
                .join(User, User.chat_id == Subscription.chat_id)
                .where(Subscription.paused.is_(None), User.blocked.is_(False))
            )
            oldest = await session.scalar(
                select(func.min(Delivery.updated_at)).where(Delivery.status == PENDING)
            )
        expiry = oldest + (self.lease or dt.timedelta(0)) if oldest is not None else None
        times = [t for t in (fire, expiry) if t is not None]
        return min(times) if times else None

    async def counts(self, since: dt.datetime) -> dict[str, int]:
        """How many reminders were sent, missed and failed since `since` (counts only)."""
        async with self.storage.session() as session:
            rows = await session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.updated_at >= since)
                .group_by(Delivery.status)
            )
            return {status: count for status, count in rows.all()}


class OutcomeWriter:
    """Writes send outcomes on a connection of its own, in autocommit mode.

    Each outcome is durable as soon as its one statement returns: there is no separate BEGIN and
    COMMIT. The delivery loop records every send before the next one starts (so that a crash can
    duplicate only the send in flight), which makes this the hottest write of the engine: a
    single outcome on SQLite (aiosqlite) or PostgreSQL (asyncpg) goes straight to the driver
    with one fixed statement, which costs a quarter to a third of the same statement through
    SQLAlchemy's adapters (bench/README.md). The timestamp goes through the column type's own bind
    processor, so the row is exactly what SQLAlchemy would have written. Several outcomes go
    through SQLAlchemy, one atomic `UPDATE ... WHERE id IN (...)` per status. A connection that
    fails is dropped and the next write opens another.

    On PostgreSQL this connection commits with `synchronous_commit` off: a write returns once
    the server has it, before its disk flush (the flush was most of the write, 0.1-0.3 ms here).
    That is the same promise SQLite makes with `synchronous=NORMAL`. If this process dies, the
    server still flushes what it acknowledged, so the crash window stays the send under way. If
    the database server itself crashes, it can lose the last fraction of a second of outcomes
    (wal_writer_delay, at most three times 200 ms by default). Those rows go back to `pending`
    and their reminders are sent again: a reminder can come twice, and none is lost. Claims keep
    durable commits.
    """

    _FAST_SQL = {
        "aiosqlite": "UPDATE deliveries SET status = ?, updated_at = ? "
        "WHERE id = ? AND status = 'pending'",
        "asyncpg": "UPDATE deliveries SET status = $1, updated_at = $2 "
        "WHERE id = $3 AND status = 'pending'",
    }
    _many = (
        update(Delivery)
        .where(Delivery.id.in_(bindparam("ids", expanding=True)), Delivery.status == PENDING)
        .values(status=bindparam("new_status"), updated_at=bindparam("stamp"))
    )

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        dialect = engine.dialect
        self._fast_sql = self._FAST_SQL.get(dialect.driver)
        self._asyncpg = dialect.driver == "asyncpg"  # positional arguments, synchronous_commit
        processor = _DELIVERIES.c.updated_at.type.bind_processor(dialect)
        self._stamp: Callable[[dt.datetime], Any] = processor or (lambda value: value)

    async def _open(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self._engine.connect()
            try:
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                raw = await connection.get_raw_connection()
            except BaseException:
                await connection.close()
                raise
            self._connection, self._driver = connection, raw.driver_connection
            if self._asyncpg:
                await self._driver.execute("SET synchronous_commit TO OFF")
        return self._connection

    async def write(self, outcomes: Sequence[tuple[int, str]], now: dt.datetime) -> None:
        connection = await self._open()
        try:
            if len(outcomes) == 1 and self._fast_sql is not None:
                (delivery_id, status), stamp = outcomes[0], self._stamp(now)
                if self._asyncpg:
                    await self._driver.execute(self._fast_sql, status, stamp, delivery_id)
                else:
                    await self._driver.execute(self._fast_sql, (status, stamp, delivery_id))
                return
            by_status: dict[str, list[int]] = {}
            for delivery_id, status in outcomes:
                by_status.setdefault(status, []).append(delivery_id)
            for status, ids in by_status.items():
                for chunk in _chunks(ids, 500):
                    await connection.execute(
                        self._many, {"ids": list(chunk), "new_status": status, "stamp": now}
                    )
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        connection, driver = self._connection, self._driver
        self._connection, self._driver = None, None
        if connection is None:
            return
        try:
            if self._asyncpg:
                # Back to the pool as it came: other work commits durably.
                await driver.execute("RESET synchronous_commit")
        except Exception:  # noqa: BLE001 - a connection in doubt is not given back
            with contextlib.suppress(Exception):
                await connection.invalidate()
        with contextlib.suppress(Exception):
            await connection.close()


def _chunks(items: Sequence[int], size: int) -> list[Sequence[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- Sending ------------------------------------------------------------------------------------

Outcome = Literal["sent", "blocked", "failed", "flood", "transient"]


@dataclass(frozen=True)
class Attempt:
    """What one send attempt came to, as the transport (Telegram glue) reports it.

    sent; blocked (the person blocked the bot or the chat is gone: never retried); failed
    (refused for good); flood (429: wait `retry_after` seconds, then again); transient (network
    error or 5xx: again after a backoff, a bounded number of times).
    """

    outcome: Outcome
    retry_after: float = 0.0


Send = Callable[[Due], Awaitable[Attempt]]
Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Policy:
    """How hard to try: bounded retries with exponential backoff for transient errors.

    `max_in_flight` caps the sends under way at once. With `target_rate` (sends a second, the
    configured limit) the dispatcher uses only as many as that rate needs (see
    `Dispatcher.in_flight_allowed`); without it, always `max_in_flight`.
    """

    max_in_flight: int = 16
    batch: int = 100
    max_attempts: int = 4  # transient errors: the first try and 3 more
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    target_rate: float | None = None


async def nap(
    seconds: float, *, clock: Clock, sleep: Sleep, should_stop: Callable[[], bool]
) -> None:
    """Sleep `seconds` by `clock` in short steps, waking early when `should_stop` says so.

    Never longer than `seconds` in all, even when `clock` stands still (a test's fixed clock).
    """
    step = 0.25
    end = clock() + dt.timedelta(seconds=seconds)
    for _ in range(math.ceil(max(seconds, 0) / step) + 1):
        left = (end - clock()).total_seconds()
        if left <= 0 or should_stop():
            return
        await sleep(min(left, step))


def in_flight_for(rate: float | None, cap: int, answer_times: Sequence[float]) -> int:
    """How many sends to have under way: as few as keep up with `rate` sends a second.

    One at a time, unless Telegram's answers take so long that one at a time cannot reach `rate`:
    then rate x answer time, taking the shortest of the recent `answer_times` (seconds) so that
    time spent waiting in a rate limiter does not count as distance; never more than `cap`. With
    no `rate`, always `cap`. Every send under way is one that a hard crash could make arrive
    twice, so this is also the crash window.
    """
    if rate is None or cap <= 1:
        return max(cap, 1)
    if not answer_times:
        return 1
    return max(1, min(cap, math.ceil(rate * min(answer_times))))


class _Recorder:
    """Records outcomes as they come, one write at a time on one connection: a send's own
    outcome is written at once when no write is under way; whatever arrives during a write goes
    in the next one (a group commit, when several sends are in flight)."""

    def __init__(self, engine: ReminderEngine, clock: Clock) -> None:
        self._writer = OutcomeWriter(engine.storage.engine)
        self._clock = clock
        self._waiting: list[tuple[int, str, asyncio.Future[None]]] = []
        self._writing = False
        self._later: asyncio.Task[None] | None = None

    async def record(self, delivery_id: int, status: str) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery_id, status, future))
        if not self._writing:
            self._writing = True
            await self._write_batch()  # ours, and anything that waited with it
            if self._waiting:  # arrived meanwhile: written in the background, our slot is free
                self._later = asyncio.create_task(self._write_rest())
            else:
                self._writing = False
        await future

    async def _write_rest(self) -> None:
        try:
            while self._waiting:
                await self._write_batch()
        finally:
            self._writing = False

    async def _write_batch(self) -> None:
        batch, self._waiting = self._waiting, []
        try:
            await self._writer.write([(i, s) for i, s, _ in batch], self._clock())
        except Exception as exc:  # noqa: BLE001 - every waiter learns of it
            for *_, future in batch:
                if not future.done():
                    future.set_exception(exc)
        else:
            for *_, future in batch:
                if not future.done():
                    future.set_result(None)

    async def close(self) -> None:
        if self._later is not None:
            await asyncio.gather(self._later, return_exceptions=True)
        await self._writer.close()


class Dispatcher:
    """One delivery run: claim what is due, send it within the limits, record every outcome.

    Sends go concurrently (up to `max_in_flight`) through `limiter`; a run ends when nothing more
    is due, or when `should_stop` says so: then sends under way finish, nothing new starts, and
    what was claimed but not started is released for another process (or the next start).
    """

    def __init__(
        self,
        engine: ReminderEngine,
        send: Send,
        *,
        clock: Clock,
        limiter: SendLimiter | None = None,
        sleep: Sleep = asyncio.sleep,
        should_stop: Callable[[], bool] = lambda: False,
        policy: Policy = Policy(),
        take_over_only: bool = False,
        timer: Callable[[], float] = time.monotonic,
        cpu_timer: Callable[[], float] = time.thread_time,
    ) -> None:
        self.engine = engine
        # How long the recent sends waited for Telegram's answer (seconds): the time each took by
        # `timer`, less the time this thread spent working on it (`cpu_timer`), so that a busy or
        # slow machine is not mistaken for a distant Telegram.
        self._timer, self._cpu_timer = timer, cpu_timer
        self._answer_times: deque[float] = deque(maxlen=32)
        # Claim the next batch while this one is sent, except on SQLite: it has one writer at a
        # time, and an outcome write that meets a claim waits in SQLite's busy handler (1 ms
        # naps and up), which costs more than the claim itself.
        self._prefetch = engine.storage.engine.dialect.name != "sqlite"
        self._send = send
        self._clock = clock
        self._limiter = limiter
        self._raw_sleep = sleep
        self._should_stop = should_stop
        self.policy = policy
        # Only what a stopped process left behind, once (start-up), not newly due reminders.
        self._take_over_only = take_over_only
        self._recorder = _Recorder(engine, clock)
        self._held: dict[int, dt.datetime] = {}
        self._unstarted: set[int] = set()
        self._blocked: set[int] = set()
        self._renewed_at = clock()
        self._taken_over_at: dt.datetime | None = None
        self._lease_lock = asyncio.Lock()
        self.report: Counter[str] = Counter()

    async def sleep(self, seconds: float) -> None:
        """Sleep up to `seconds`, waking early when the run should stop."""
        await nap(seconds, clock=self._clock, sleep=self._raw_sleep, should_stop=self._should_stop)

    async def run(self) -> Counter[str]:
        """Deliver everything due now; counts of what happened (sent, missed, failed...)."""
        tasks: set[asyncio.Task[None]] = set()
        queue: deque[Due] = deque()
        claiming: asyncio.Task[list[Due]] | None = None
        exhausted = False  # a claim came back empty: nothing more is due for now
        try:
            while not self._should_stop():
                # Claim the next batch while this one is being sent (never two claims at once).
                if (
                    claiming is None
                    and not exhausted
                    and (not queue or (self._prefetch and len(queue) <= self.policy.batch // 2))
                ):
                    claiming = asyncio.create_task(self._claim())
                if not queue:
                    if claiming is None:
                        break
                    fresh = await claiming
                    claiming = None
                    exhausted = not fresh
                    queue.extend(fresh)
                    continue
                allowed = self.in_flight_allowed()
                if allowed == 1 and not tasks:
                    # One at a time (the usual case): no task to make and wait for.
                    self.report["in_flight_peak"] = max(self.report["in_flight_peak"], 1)
                    await self._deliver(queue.popleft())
                    continue
                while len(tasks) >= allowed:
                    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                if self._should_stop():
                    break
                task = asyncio.create_task(self._deliver(queue.popleft()))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                if len(tasks) > self.report["in_flight_peak"]:
                    self.report["in_flight_peak"] = len(tasks)
        finally:
            if claiming is not None:
                # A claim under way finishes (its rows are ours now) and is released unsent.
                done = await asyncio.gather(claiming, return_exceptions=True)
                if isinstance(done[0], list):
                    queue.extend(done[0])
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            self._unstarted.update(due.delivery_id for due in queue)
            await self._release()
            await self._recorder.close()
        return self.report

    def in_flight_allowed(self) -> int:
        """How many sends may be under way now (see `in_flight_for`)."""
        return in_flight_for(self.policy.target_rate, self.policy.max_in_flight, self._answer_times)

    async def _claim(self) -> list[Due]:
        now = self._clock()
        lease = self.engine.lease
        if self._take_over_only and self._taken_over_at is not None:
            return []
        try:
            taken: list[Due] = []
            if (
                self._taken_over_at is None
                or lease is None
                or now - self._taken_over_at >= lease / 3
            ):
                self._taken_over_at = now
                taken = [
                    d
                    for d in await self.engine.take_over(now, self.policy.batch)
                    if d.delivery_id not in self._held
                ]
            fresh = taken
            if not self._take_over_only and len(taken) < self.policy.batch:
                fresh += await self.engine.claim_due(now, self.policy.batch - len(taken))
        except Exception:
            _LOGGER.exception("could not claim due reminders; trying again shortly")
            self.report["claim_errors"] += 1
            await self.sleep(1.0)
            return []
        stamp = self.engine.stamp(now)
        for due in fresh:
            self._held[due.delivery_id] = stamp
        if not self._held or len(self._held) == len(fresh):
            self._renewed_at = now
        self.report["claimed"] += len(fresh)
        return fresh

    async def _still_held(self, delivery_id: int) -> bool:
        """Renew the leases when a third of one has gone by; whether this row is still ours."""
        lease = self.engine.lease
        if lease is not None and self._clock() - self._renewed_at >= lease / 3:
            async with self._lease_lock:
                now = self._clock()
                if now - self._renewed_at >= lease / 3:
                    held = dict(self._held)
                    try:
                        kept = await self.engine.renew(held, now)
                    except Exception:
                        _LOGGER.exception("could not renew reminder leases")
                        return False
                    lost = held.keys() - kept.keys()
                    if lost:
                        _LOGGER.warning("%d claimed reminders were taken over elsewhere", len(lost))
                    # Claimed or recorded while the renewal ran: those entries stay as they are.
                    for lost_id in lost:
                        self._held.pop(lost_id, None)
                    for kept_id, stamp in kept.items():
                        if kept_id in self._held:
                            self._held[kept_id] = stamp
                    self._renewed_at = now
        return delivery_id in self._held

    async def _record(self, due: Due, status: str) -> None:
        self._held.pop(due.delivery_id, None)
        self.report[status] += 1
        try:
            await self._recorder.record(due.delivery_id, status)
        except Exception:
            # The row stays pending under our lease; after it runs out the reminder is sent
            # again (the same window as a crash mid-send).
            _LOGGER.exception("could not record a reminder's outcome")
            self.report["record_errors"] += 1

    async def _deliver(self, due: Due) -> None:
        transient = 0
        while True:
            limited = (
                self._limiter.slot(due.chat_id)
                if self._limiter is not None
                else contextlib.nullcontext()
            )
            async with limited:
                if self._should_stop():
                    self._unstarted.add(due.delivery_id)
                    return
                if self._clock() >= due.occurrence_at:
                    await self._record(due, "missed")  # never sent after the meeting began
                    return
                if due.chat_id in self._blocked:
                    await self._record(due, "failed")
                    return
                if not await self._still_held(due.delivery_id):
                    self.report["lost"] += 1
                    return
                began, worked = self._timer(), self._cpu_timer()
                try:
                    attempt = await self._send(due)
                except Exception:
                    _LOGGER.exception("sending a reminder raised")
                    attempt = Attempt("failed")
                waited = (self._timer() - began) - (self._cpu_timer() - worked)
                self._answer_times.append(max(waited, 0.0))
            if attempt.outcome == "flood":
                self.report["flood"] += 1
                if self._limiter is not None:
                    self._limiter.pause(attempt.retry_after)
                else:
                    await self.sleep(attempt.retry_after)
                continue
            if attempt.outcome == "transient":
                transient += 1
                self.report["transient"] += 1
                if transient >= self.policy.max_attempts:
                    await self._record(due, "failed")
                    return
                delay = self.policy.backoff_seconds * 2 ** (transient - 1)
                await self.sleep(min(delay, self.policy.max_backoff_seconds))
                continue
            if attempt.outcome == "blocked":
                self._blocked.add(due.chat_id)
                self.report["blocked"] += 1
                await self._record(due, "failed")
                return
            await self._record(due, attempt.outcome)
            return

    async def _release(self) -> None:
        unstarted = {i: self._held[i] for i in self._unstarted if i in self._held}
        self._unstarted.clear()
        if not unstarted:
            return
        try:
            await self.engine.release(unstarted)
            self.report["released"] += len(unstarted)
        except Exception:
            _LOGGER.exception("could not release claimed reminders (they wait for the lease)")
        for delivery_id in unstarted:
            self._held.pop(delivery_id, None)
