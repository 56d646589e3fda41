"""The reminder engine: claim due reminders from the database, record them, advance the schedule.

The database is the source of truth. Each subscription row carries `next_fire_at` (UTC, indexed)
and the `occurrence_at` it is for. Claiming happens in one transaction: due rows are selected
(with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so that two processes never take the same row), a
ledger row keyed by (subscription, occurrence) is written as `pending` (or `missed` when the meeting
has already begun), and `next_fire_at` moves on to the following occurrence. Sending happens after
the commit; the ledger row then becomes `sent` or `failed`. A crash between the commit and the send
leaves a `pending` row, which `recover` sends again at start-up if the meeting has not begun: the
reminder in flight at the crash is the only one that can arrive twice.

Start-up is O(1) in the number of subscriptions: nothing is scheduled per subscription; one timer
sleeps until the earliest `next_fire_at`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, update

from bot.meetings import Directory, Meeting
from bot.storage import Delivery, PersonalMeeting, Storage, Subscription, User
from bot.subscriptions import MeetingRef, personal_meeting, plan, remindable
from scheduler.recurrence import due_decision

CLAIM_BATCH = 500


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

    def __init__(self, storage: Storage, directory: Callable[[], Directory]) -> None:
        self.storage = storage
        self._directory = directory

    def _meeting(self, sub: Subscription, personal: PersonalMeeting | None) -> Meeting | None:
        if sub.meeting_slug is not None:
            return self._directory().get(sub.meeting_slug)
        return personal_meeting(personal) if personal is not None else None

    async def claim_due(self, now: dt.datetime, limit: int = CLAIM_BATCH) -> list[Due]:
        """Claim up to `limit` due reminders; the ones to send now (missed ones are recorded)."""
        due: list[Due] = []
        async with self.storage.session() as session:
            query = (
                select(Subscription, User.language, User.timezone, PersonalMeeting)
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
            if self.storage.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=Subscription)
            rows = (await session.execute(query)).all()
            for sub, language, timezone, personal in rows:
                meeting = self._meeting(sub, personal)
                fire_at, occurrence = sub.next_fire_at, sub.occurrence_at
                if (
                    meeting is None
                    or not remindable(meeting)
                    or fire_at is None
                    or occurrence is None
                ):
                    sub.paused = "gone" if meeting is None else "closed"
                    sub.next_fire_at = sub.occurrence_at = None
                    continue
                decision = due_decision(fire_at, occurrence, now)
                already = await session.scalar(
                    select(Delivery.id).where(
                        Delivery.subscription_id == sub.id, Delivery.occurrence_at == occurrence
                    )
                )
                # Advance first: the next reminder is for a meeting that has not begun yet.
                lead = dt.timedelta(minutes=sub.lead_minutes)
                sub.next_fire_at, sub.occurrence_at = plan(
                    meeting, sub.lead_minutes, max(fire_at, now - lead)
                )
                if already is not None:
                    continue  # recorded before (a second claim of one occurrence): never twice
                status = "pending" if decision == "send" else "missed"
                delivery = Delivery(
                    subscription_id=sub.id, occurrence_at=occurrence, status=status, updated_at=now
                )
                session.add(delivery)
                await session.flush()
                if status == "pending":
                    ref = (
                        MeetingRef.directory(meeting.slug)
                        if sub.meeting_slug is not None
                        else MeetingRef.personal(sub.personal_id or 0)
                    )
                    due.append(
                        Due(
                            delivery.id,
                            sub.chat_id,
                            language,
                            timezone,
                            ref,
                            meeting,
                            sub.lead_minutes,
                            occurrence,
                        )
                    )
        return due

    async def mark(self, delivery_id: int, status: str, now: dt.datetime) -> None:
        """Record the outcome of a send: sent, failed or missed."""
        async with self.storage.session() as session:
            await session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(status=status, updated_at=now)
            )

    async def recover(self, now: dt.datetime) -> list[Due]:
        """Reminders claimed but never sent (the process stopped mid-send): send or mark missed."""
        due: list[Due] = []
        async with self.storage.session() as session:
            rows = (
                await session.execute(
                    select(Delivery, Subscription, User.language, User.timezone, PersonalMeeting)
                    .join(Subscription, Subscription.id == Delivery.subscription_id)
                    .join(User, User.chat_id == Subscription.chat_id)
                    .outerjoin(PersonalMeeting, PersonalMeeting.id == Subscription.personal_id)
                    .where(Delivery.status == "pending")
                )
            ).all()
            for delivery, sub, language, timezone, personal in rows:
                meeting = self._meeting(sub, personal)
                if meeting is None or delivery.occurrence_at <= now:
                    delivery.status, delivery.updated_at = "missed", now
                    continue
                ref = (
                    MeetingRef.directory(meeting.slug)
                    if sub.meeting_slug is not None
                    else MeetingRef.personal(sub.personal_id or 0)
                )
                due.append(
                    Due(
                        delivery.id,
                        sub.chat_id,
                        language,
                        timezone,
                        ref,
                        meeting,
                        sub.lead_minutes,
                        delivery.occurrence_at,
                    )
                )
        return due

    async def next_wake(self) -> dt.datetime | None:
        """When the earliest active reminder falls due, if there is one."""
        async with self.storage.session() as session:
            return await session.scalar(
                select(func.min(Subscription.next_fire_at))
                .join(User, User.chat_id == Subscription.chat_id)
                .where(Subscription.paused.is_(None), User.blocked.is_(False))
            )

    async def counts(self, since: dt.datetime) -> dict[str, int]:
        """How many reminders were sent, missed and failed since `since` (counts only)."""
        async with self.storage.session() as session:
            rows = await session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.updated_at >= since)
                .group_by(Delivery.status)
            )
            return {status: count for status, count in rows.all()}
