"""The store of claims and leases: due reminders claimed from the database, leased, given back.

The database is the source of truth. Each subscription row carries `next_fire_at` (UTC, indexed)
and the `occurrence_at` it is for.

Claiming happens in one transaction: due rows are selected (with `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so that two processes never take the same row), a ledger row keyed by (subscription,
occurrence) is written as `pending` (or `missed` when the meeting has already begun), and
`next_fire_at` moves on to the following occurrence. Sending happens after the commit; the ledger
row then becomes `sent`, `failed` or `missed` (`scheduler.writer`; a reminder that could not go
out before its meeting began is never sent late).

Leases. A `pending` row belongs to the process that claimed it for `lease` seconds from its
`updated_at`, which that process renews while it holds the row (a renewal is conditional on the
stamp it wrote, so a row another process took over is never renewed, and never sent, by the old
holder). A `pending` row whose lease ran out belongs to a process that died: `take_over` (run at
start-up and periodically by every process, not only at start-up) claims it again and sends it if
the meeting has not begun. A process that stops gracefully releases what it claimed but did not
start sending (stamp `UNLEASED`), so it can be taken at once. No new column is needed: the lease
is `updated_at` of a `pending` row.

The cycle in APScheduler 4's `DataStore` words: `claim_due` and `take_over` acquire (the second
reaps abandoned claims), `renew` extends leases, `release` releases.

Start-up is O(1) in the number of subscriptions: nothing is scheduled per subscription; one timer
sleeps until the earliest `next_fire_at` (or the earliest lease to run out, `next_wake`).

This package imports nothing from `bot/`: the tables (`Tables`), the database (`Database`) and
what a meeting is (`Planner`: which meeting a row names, when its next reminder is) come in from
the caller. May import SQLAlchemy, `scheduler.recurrence` and the standard library.

Note for the schema (not required for correctness): `take_over` and `next_wake` look for
`status = 'pending'` rows; on a large ledger an index on deliveries (status, updated_at) — on
PostgreSQL a partial one, `WHERE status = 'pending'` — keeps that cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from scheduler.recurrence import due_decision

CLAIM_BATCH = 500
# The stamp of a pending row nobody holds: any process may take it at once.
UNLEASED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
PENDING = "pending"

M = TypeVar("M")  # a meeting, as the caller's domain has it
R = TypeVar("R")  # what names a meeting in a button (the caller's)
R_co = TypeVar("R_co", covariant=True)


@dataclass(frozen=True)
class Due(Generic[M, R]):
    """A reminder to send now."""

    delivery_id: int
    chat_id: int
    language: str
    timezone: str | None
    ref: R
    meeting: M
    lead_minutes: int
    occurrence_at: dt.datetime


class Database(Protocol):
    """Where the tables are: an engine, and a session that commits when its block ends."""

    @property
    def engine(self) -> AsyncEngine: ...

    def session(self) -> AbstractAsyncContextManager[AsyncSession]: ...


@dataclass(frozen=True)
class Tables:
    """The caller's mapped classes (SQLAlchemy declarative) for the four tables claims read.

    users (chat_id, language, timezone, blocked); personal_meetings (id); subscriptions (id,
    chat_id, meeting_slug, personal_id, lead_minutes, paused, next_fire_at, occurrence_at);
    deliveries (id, subscription_id, occurrence_at, status, updated_at), unique on
    (subscription_id, occurrence_at).
    """

    user: Any
    personal_meeting: Any
    subscription: Any
    delivery: Any


class Planner(Protocol[M, R_co]):
    """What the store needs to know about meetings (the caller's domain)."""

    def meeting(self, slug: str | None, personal: Any) -> M | None:
        """The meeting a subscription names: by directory `slug`, else its personal-meeting row;
        None when it is gone."""
        ...

    def remindable(self, meeting: M) -> bool:
        """Whether reminders for `meeting` still go out (not closed, not online-less...)."""
        ...

    def plan(
        self, meeting: M, lead_minutes: int, after: dt.datetime
    ) -> tuple[dt.datetime, dt.datetime]:
        """`(fire_at, occurrence)` of the first reminder after `after`."""
        ...

    def ref(self, meeting: M, slug: str | None, personal_id: int | None) -> R_co:
        """What names this meeting in the reminder's buttons."""
        ...


class ClaimStore(Generic[M, R]):
    """Claims due reminders, leases them, and gives back what a process did not send."""

    def __init__(
        self,
        storage: Database,
        tables: Tables,
        planner: Planner[M, R],
        *,
        lease: dt.timedelta | None = None,
    ) -> None:
        self.storage = storage
        self.tables = tables
        self.planner = planner
        self.subscriptions: Table = tables.subscription.__table__
        self.deliveries: Table = tables.delivery.__table__
        subscriptions = self.subscriptions
        # Move one subscription on to its next reminder (or pause it), by id: once per claimed row.
        self._advance_one = (
            update(subscriptions)
            .where(subscriptions.c.id == bindparam("b_id"))
            .values(
                paused=bindparam("paused"),
                next_fire_at=bindparam("next_fire_at"),
                occurrence_at=bindparam("occurrence_at"),
            )
        )
        # None: claims carry no lease and may be taken over at once (a single process, tests).
        self.lease = lease

    def stamp(self, now: dt.datetime) -> dt.datetime:
        """The `updated_at` a claim made at `now` carries: the start of its lease."""
        return now if self.lease is not None else UNLEASED

    def _due(
        self,
        delivery_id: int,
        sub: Any,
        language: str,
        timezone: str | None,
        meeting: M,
        occurrence: dt.datetime,
    ) -> Due[M, R]:
        ref = self.planner.ref(meeting, sub.meeting_slug, sub.personal_id)
        return Due(
            delivery_id, sub.chat_id, language, timezone, ref, meeting, sub.lead_minutes, occurrence
        )

    def _on_postgres(self) -> bool:
        """PostgreSQL: row claims skip locked rows, and the ledger insert has its dialect."""
        return self.storage.engine.dialect.name == "postgresql"

    async def claim_due(self, now: dt.datetime, limit: int = CLAIM_BATCH) -> list[Due[M, R]]:
        """Claim up to `limit` due reminders; the ones to send now (missed ones are recorded)."""
        stamp = self.stamp(now)
        subscription, user = self.tables.subscription, self.tables.user
        personal_meeting = self.tables.personal_meeting
        planner = self.planner
        meeting_of, is_remindable = planner.meeting, planner.remindable  # once per row below
        async with self.storage.session() as session:
            query = (
                select(
                    subscription.id,
                    subscription.chat_id,
                    subscription.meeting_slug,
                    subscription.personal_id,
                    subscription.lead_minutes,
                    subscription.next_fire_at,
                    subscription.occurrence_at,
                    user.language,
                    user.timezone,
                    personal_meeting,
                )
                .join(user, user.chat_id == subscription.chat_id)
                .outerjoin(personal_meeting, personal_meeting.id == subscription.personal_id)
                .where(
                    subscription.next_fire_at <= now,
                    subscription.paused.is_(None),
                    user.blocked.is_(False),
                )
                .order_by(subscription.next_fire_at)
                .limit(limit)
            )
            if self._on_postgres():
                query = query.with_for_update(skip_locked=True, of=subscription)
            rows = (await session.execute(query)).all()
            if not rows:
                return []
            changes: list[dict[str, object]] = []
            ledger: list[dict[str, object]] = []
            to_send: dict[int, Due[M, R]] = {}
            # Everyone with the same meeting and lead time moves on to the same next reminder:
            # plan it once per batch, not once per person (a burst is mostly a few meetings).
            plans: dict[tuple[object, int, dt.datetime], tuple[dt.datetime, dt.datetime]] = {}
            refs: dict[object, R] = {}
            for row in rows:
                # The personal-meeting row is the last column selected.
                meeting = meeting_of(row.meeting_slug, row[9])
                fire_at, occurrence = row.next_fire_at, row.occurrence_at
                if (
                    meeting is None
                    or not is_remindable(meeting)
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
                    planned = planner.plan(meeting, row.lead_minutes, after)
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
                        ref = planner.ref(meeting, row.meeting_slug, row.personal_id)
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
            deliveries = self.deliveries
            inserted = await session.execute(
                dialect_insert(deliveries)
                .on_conflict_do_nothing(index_elements=["subscription_id", "occurrence_at"])
                .returning(deliveries.c.id, deliveries.c.subscription_id),
                ledger,
            )
            return [
                replace(to_send[sub_id], delivery_id=delivery_id)
                for delivery_id, sub_id in inserted.all()
                if sub_id in to_send
            ]

    async def _advance(self, session: AsyncSession, changes: Sequence[dict[str, object]]) -> None:
        """Move claimed subscriptions on: one UPDATE for every group that moves on together
        (the subscribers of one meeting with one lead time), the rest in one executemany."""
        groups: dict[tuple[object, object, object], list[dict[str, object]]] = {}
        for change in changes:
            key = (change["paused"], change["next_fire_at"], change["occurrence_at"])
            groups.setdefault(key, []).append(change)
        single = [group[0] for group in groups.values() if len(group) == 1]
        subscriptions = self.subscriptions
        for (paused, next_fire, occurrence), group in groups.items():
            if len(group) > 1:
                await session.execute(
                    update(subscriptions)
                    .where(subscriptions.c.id.in_([change["b_id"] for change in group]))
                    .values(paused=paused, next_fire_at=next_fire, occurrence_at=occurrence)
                )
        if single:
            await session.execute(self._advance_one, single)

    async def take_over(self, now: dt.datetime, limit: int | None = CLAIM_BATCH) -> list[Due[M, R]]:
        """Pending reminders whose lease ran out (their process died): claim them to send again.

        Those whose meeting has begun, or is gone, are recorded as missed; those of a person who
        blocked the bot as failed.
        """
        expired_before = now - (self.lease or dt.timedelta(0))
        delivery, subscription = self.tables.delivery, self.tables.subscription
        user, personal_meeting = self.tables.user, self.tables.personal_meeting
        due: list[Due[M, R]] = []
        async with self.storage.session() as session:
            query = (
                select(delivery, subscription, user.language, user.timezone, user.blocked)
                .add_columns(personal_meeting)
                .join(subscription, subscription.id == delivery.subscription_id)
                .join(user, user.chat_id == subscription.chat_id)
                .outerjoin(personal_meeting, personal_meeting.id == subscription.personal_id)
                .where(delivery.status == PENDING, delivery.updated_at <= expired_before)
                .order_by(delivery.occurrence_at)
            )
            if limit is not None:
                query = query.limit(limit)
            if self._on_postgres():
                query = query.with_for_update(skip_locked=True, of=delivery)
            rows = (await session.execute(query)).all()
            for claim, sub, language, timezone, blocked, personal in rows:
                meeting = self.planner.meeting(sub.meeting_slug, personal)
                if meeting is None or claim.occurrence_at <= now:
                    claim.status, claim.updated_at = "missed", now
                    continue
                if blocked:
                    claim.status, claim.updated_at = "failed", now
                    continue
                claim.updated_at = self.stamp(now)
                due.append(
                    self._due(claim.id, sub, language, timezone, meeting, claim.occurrence_at)
                )
        return due

    async def recover(self, now: dt.datetime) -> list[Due[M, R]]:
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
        delivery = self.tables.delivery
        kept: dict[int, dt.datetime] = {}
        by_stamp: dict[dt.datetime, list[int]] = {}
        for delivery_id, old in held.items():
            by_stamp.setdefault(old, []).append(delivery_id)
        async with self.storage.session() as session:
            for old, ids in by_stamp.items():
                for chunk in chunks(ids, 500):
                    result = await session.execute(
                        update(delivery)
                        .where(
                            delivery.id.in_(chunk),
                            delivery.status == PENDING,
                            delivery.updated_at == old,
                        )
                        .values(updated_at=stamp)
                        .returning(delivery.id)
                    )
                    kept.update((delivery_id, stamp) for delivery_id in result.scalars())
        return kept

    async def next_wake(self) -> dt.datetime | None:
        """When the earliest active reminder falls due, or the earliest lease runs out."""
        delivery, subscription, user = (
            self.tables.delivery,
            self.tables.subscription,
            self.tables.user,
        )
        async with self.storage.session() as session:
            fire = await session.scalar(
                select(func.min(subscription.next_fire_at))
                .join(user, user.chat_id == subscription.chat_id)
                .where(subscription.paused.is_(None), user.blocked.is_(False))
            )
            oldest = await session.scalar(
                select(func.min(delivery.updated_at)).where(delivery.status == PENDING)
            )
        expiry = oldest + (self.lease or dt.timedelta(0)) if oldest is not None else None
        times = [t for t in (fire, expiry) if t is not None]
        return min(times) if times else None

    async def counts(self, since: dt.datetime) -> dict[str, int]:
        """How many reminders were sent, missed and failed since `since` (counts only)."""
        delivery = self.tables.delivery
        async with self.storage.session() as session:
            rows = await session.execute(
                select(delivery.status, func.count())
                .where(delivery.updated_at >= since)
                .group_by(delivery.status)
            )
            return {status: count for status, count in rows.all()}


def chunks(items: Sequence[int], size: int) -> list[Sequence[int]]:
    """`items` in slices of at most `size` (an IN list has a limit on some databases)."""
    return [items[i : i + size] for i in range(0, len(items), size)]
