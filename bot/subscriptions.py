"""Chosen meetings and their reminders: the queries behind "Remind me", /mymeetings and /addmeeting.

A meeting is named by a `MeetingRef`: a directory meeting by a short key derived from its slug
(slugs can be longer than a button payload allows), or a personal meeting by its row id, which is
only ever resolved together with the chat that owns it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.meetings import Directory, Meeting
from bot.storage import (
    MeetingSnapshot,
    PersonalMeeting,
    Storage,
    Subscription,
    User,
    delete_subscriptions,
)
from scheduler.recurrence import next_reminder, reminder_time

# The lead times offered on a card, in minutes: 1 day, 2 h, 1 h, 30 min, 15 min.
LEAD_CHOICES: tuple[int, ...] = (1440, 120, 60, 30, 15)
# How `bot.checkins` names a daily check-in's row (kept here: that module imports this one).
CHECKIN_PREFIX = "checkin@"
PERSONAL_PREFIX = "personal-"
# What `update_personal` may change of a meeting the user added.
PERSONAL_FIELDS = frozenset({"name", "days", "time", "timezone", "link", "link_notes", "place"})


def meeting_key(slug: str) -> str:
    """A short, stable key for a slug (12 characters of its SHA-256, base32, lower case)."""
    digest = hashlib.sha256(slug.encode()).digest()
    return base64.b32encode(digest).decode()[:12].lower()


@dataclass(frozen=True)
class MeetingRef:
    """A directory meeting (`d.<key>`) or a personal one (`p.<id>`), as carried by buttons."""

    kind: str
    value: str

    def encode(self) -> str:
        return f"{self.kind}.{self.value}"

    @classmethod
    def decode(cls, text: str | None) -> MeetingRef:
        """Parse a button argument; LookupError when it is not a well-formed reference."""
        if not text or "." not in text:
            raise LookupError(text)
        kind, _, value = text.partition(".")
        if kind == "d" and len(value) == 12 and value.isalnum():
            return cls(kind, value)
        if kind == "p" and value.isdigit() and len(value) <= 9:
            return cls(kind, value)
        raise LookupError(text)

    @classmethod
    def directory(cls, slug: str) -> MeetingRef:
        return cls("d", meeting_key(slug))

    @classmethod
    def personal(cls, personal_id: int) -> MeetingRef:
        return cls("p", str(personal_id))

    @classmethod
    def checkin(cls) -> MeetingRef:
        """The daily check-in (`bot.checkins`): a reminder row, but not a meeting anyone chose."""
        return cls("c", "0")


def personal_meeting(row: PersonalMeeting) -> Meeting:
    """A personal meeting as a `Meeting`, so one code plans and shows both kinds."""
    fields: dict[str, object] = {
        "name": row.name,
        "slug": f"{PERSONAL_PREFIX}{row.id}",
        "program": "OTHER",
        "day": [int(d) for d in row.days.split(",") if d],
        "time": row.time,
        "timezone": row.timezone,
    }
    if row.link:
        fields["conference_url"] = row.link
    if row.link_notes:
        fields["conference_url_notes"] = row.link_notes
    if row.place:
        fields["location"] = row.place
    return Meeting.model_validate(fields)


def plan(
    meeting: Meeting, lead_minutes: int, after: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """(fire_at, occurrence) of the next reminder for `meeting` whose time is after `after`."""
    return next_reminder(
        meeting.day, meeting.time, meeting.tz, dt.timedelta(minutes=lead_minutes), after
    )


def remindable(meeting: Meeting) -> bool:
    """Reminders run unless the meeting is marked temporarily closed (TC): they pause and say so.

    The spec's TC closes the location; an online option may go on, but we would rather pause
    than send someone to a closed door, and tell them why.
    """
    return not meeting.temporarily_closed


def fingerprint(meeting: Meeting) -> dict[str, str]:
    """What subscribers care about when a directory meeting changes: when, how to join, where.

    Kept as written in `meeting_snapshots` (a changed format would tell everyone of a change);
    `read_when` reads "when" back."""
    days = ",".join(str(d) for d in meeting.day)
    return {
        "when": f"{days} {meeting.time:%H:%M}-{meeting.end_time:%H:%M} {meeting.timezone}",
        "link": meeting.conference_url or meeting.conference_phone or "",
        "place": meeting.address or meeting.location or "",
        "status": "closed" if meeting.temporarily_closed else "open",
    }


def read_when(when: str) -> tuple[list[int], str, str, str] | None:
    """A fingerprint's "when" ("1,3 19:00-20:00 America/New_York") as (days, start, end, zone);
    None when it is not in that form."""
    parts = when.split(" ")
    if len(parts) != 3 or "-" not in parts[1]:
        return None
    days = [int(d) for d in parts[0].split(",") if d.isdigit()]
    start, _, end = parts[1].partition("-")
    return days, start, end, parts[2]


@dataclass(frozen=True)
class Chosen:
    """A meeting a user chose, with its lead times and next reminder (None while paused)."""

    ref: MeetingRef
    meeting: Meeting
    leads: tuple[int, ...]
    paused: str | None
    next_fire_at: dt.datetime | None
    # (lead, occurrence its next reminder is for) of each reminder row.
    planned: tuple[tuple[int, dt.datetime | None], ...] = ()

    def next_meeting(self, now: dt.datetime) -> dt.datetime:
        """The next time it meets that the user has not skipped.

        An occurrence was skipped when a reminder still due before it (its fire time is after
        `now`) has moved on to a later occurrence; a reminder already sent moves on too, but its
        fire time for the occurrence is past."""
        start = self.meeting.next_start(now)
        for _ in range(8):
            skipped = not self.paused and any(
                occurrence is not None
                and occurrence > start
                and reminder_time(start, dt.timedelta(minutes=lead), self.meeting.tz) > now
                for lead, occurrence in self.planned
            )
            if not skipped:
                break
            start = self.meeting.next_start(start)
        return start


@dataclass(frozen=True)
class Notice:
    """Something to tell subscribers of a directory meeting after the directory changed."""

    chat_id: int
    slug: str
    name: str
    changes: tuple[str, ...]  # "when", "link", "place", "closed", "gone", "reopened"
    # The meeting's `fingerprint` as subscribers last saw it, and as it is now (empty if none).
    before: Mapping[str, str] = field(default_factory=dict)
    after: Mapping[str, str] = field(default_factory=dict)


class Subscriptions:
    """Reads and writes chosen meetings; every call is scoped to the chat that asks."""

    def __init__(self, storage: Storage, directory: Callable[[], Directory]) -> None:
        self.storage = storage
        self._directory = directory
        # Changes call this so that the reminder engine can wake up earlier if needed.
        self.on_change: Callable[[], None] = lambda: None
        self._keys: tuple[Directory, dict[str, str]] | None = None

    @property
    def directory(self) -> Directory:
        return self._directory()

    def _slug_for_key(self, key: str) -> str | None:
        """The directory slug a button's key names: an index made once per directory, not a
        hash of every meeting per press (a directory can hold 20,000)."""
        directory = self.directory
        if self._keys is None or self._keys[0] is not directory:
            self._keys = (directory, {meeting_key(m.slug): m.slug for m in directory})
        return self._keys[1].get(key)

    async def resolve(self, chat_id: int, ref: MeetingRef) -> Meeting | None:
        """The meeting `ref` names, if it exists and (when personal) belongs to `chat_id`."""
        if ref.kind == "d":
            slug = self._slug_for_key(ref.value)
            return self.directory.get(slug) if slug else None
        async with self.storage.session() as session:
            row = await session.get(PersonalMeeting, int(ref.value))
            return personal_meeting(row) if row is not None and row.chat_id == chat_id else None

    def _where(self, chat_id: int, ref: MeetingRef, meeting: Meeting) -> ColumnElement[bool]:
        if ref.kind == "d":
            return and_(Subscription.chat_id == chat_id, Subscription.meeting_slug == meeting.slug)
        return and_(Subscription.chat_id == chat_id, Subscription.personal_id == int(ref.value))

    async def leads(self, chat_id: int, ref: MeetingRef) -> tuple[int, ...]:
        """The lead times (minutes) chosen for this meeting, longest first."""
        meeting = await self.resolve(chat_id, ref)
        if meeting is None:
            return ()
        async with self.storage.session() as session:
            rows = await session.scalars(
                select(Subscription.lead_minutes).where(self._where(chat_id, ref, meeting))
            )
            return tuple(sorted(rows, reverse=True))

    async def set_leads(
        self, chat_id: int, ref: MeetingRef, leads: Iterable[int], now: dt.datetime
    ) -> dt.datetime | None:
        """Make the chosen lead times exactly `leads`; the next reminder time, if any."""
        meeting = await self.resolve(chat_id, ref)
        if meeting is None:
            raise LookupError(ref)
        wanted = {lead for lead in leads if lead in LEAD_CHOICES or ref.kind == "p"}
        async with self.storage.session() as session:
            await self.storage.ensure_user(session, chat_id, now)
            existing = {
                s.lead_minutes: s
                for s in await session.scalars(
                    select(Subscription).where(self._where(chat_id, ref, meeting))
                )
            }
            paused = next((s.paused for s in existing.values() if s.paused), None)
            if paused is None and not remindable(meeting):
                paused = "closed"
            gone = [row.id for lead, row in existing.items() if lead not in wanted]
            if gone:
                await delete_subscriptions(session, Subscription.id.in_(gone))
            for lead in wanted - existing.keys():
                fire_at, occurrence = plan(meeting, lead, now)
                session.add(
                    Subscription(
                        chat_id=chat_id,
                        meeting_slug=meeting.slug if ref.kind == "d" else None,
                        personal_id=int(ref.value) if ref.kind == "p" else None,
                        lead_minutes=lead,
                        paused=paused,
                        next_fire_at=None if paused else fire_at,
                        occurrence_at=None if paused else occurrence,
                    )
                )
            if ref.kind == "d":
                await _save_snapshot(session, meeting)
        self.on_change()
        return await self.next_fire(chat_id, ref)

    async def next_fire(self, chat_id: int, ref: MeetingRef) -> dt.datetime | None:
        meeting = await self.resolve(chat_id, ref)
        if meeting is None:
            return None
        async with self.storage.session() as session:
            rows = await session.scalars(
                select(Subscription.next_fire_at).where(
                    self._where(chat_id, ref, meeting),
                    Subscription.next_fire_at.is_not(None),
                )
            )
            times = [t for t in rows if t is not None]
            return min(times) if times else None

    async def chosen(self, chat_id: int) -> list[Chosen]:
        """Every meeting the user chose, soonest reminder first, paused ones last."""
        async with self.storage.session() as session:
            subs = list(
                await session.scalars(select(Subscription).where(Subscription.chat_id == chat_id))
            )
            personal = {
                row.id: row
                for row in await session.scalars(
                    select(PersonalMeeting).where(PersonalMeeting.chat_id == chat_id)
                )
            }
        grouped: dict[MeetingRef, list[Subscription]] = {}
        meetings: dict[MeetingRef, Meeting] = {}
        for sub in subs:
            if sub.meeting_slug is not None:
                ref = MeetingRef.directory(sub.meeting_slug)
                found = self.directory.get(sub.meeting_slug)
                if found is None:
                    continue  # gone from the directory: paused, shown again if it comes back
                meetings[ref] = found
            elif sub.personal_id in personal:
                ref = MeetingRef.personal(sub.personal_id)
                meetings[ref] = personal_meeting(personal[sub.personal_id])
            else:
                continue
            grouped.setdefault(ref, []).append(sub)
        # A meeting the user added is theirs whether or not it has reminders.
        for row in personal.values():
            ref = MeetingRef.personal(row.id)
            if ref not in grouped:
                grouped[ref] = []
                meetings[ref] = personal_meeting(row)
        result = []
        for ref, rows in grouped.items():
            fires = [r.next_fire_at for r in rows if r.next_fire_at is not None]
            result.append(
                Chosen(
                    ref,
                    meetings[ref],
                    tuple(sorted((r.lead_minutes for r in rows), reverse=True)),
                    next((r.paused for r in rows if r.paused), None),
                    min(fires) if fires else None,
                    tuple((r.lead_minutes, r.occurrence_at) for r in rows),
                )
            )
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        return sorted(result, key=lambda c: (c.next_fire_at is None, c.next_fire_at or far))

    async def set_paused(
        self, chat_id: int, ref: MeetingRef, paused: bool, now: dt.datetime
    ) -> bool:
        """Pause or resume the user's reminders for a meeting; False when nothing matched."""
        meeting = await self.resolve(chat_id, ref)
        if meeting is None:
            return False
        async with self.storage.session() as session:
            rows = list(
                await session.scalars(
                    select(Subscription).where(self._where(chat_id, ref, meeting))
                )
            )
            for row in rows:
                if paused:
                    row.paused, row.next_fire_at, row.occurrence_at = "user", None, None
                elif remindable(meeting):
                    row.paused = None
                    row.next_fire_at, row.occurrence_at = plan(meeting, row.lead_minutes, now)
        self.on_change()
        return bool(rows)

    async def stop(self, chat_id: int, ref: MeetingRef) -> bool:
        """Delete the user's reminders for a meeting (a personal meeting itself stays listed)."""
        meeting = await self.resolve(chat_id, ref)
        if meeting is None:
            return False
        async with self.storage.session() as session:
            deleted = await delete_subscriptions(session, self._where(chat_id, ref, meeting))
        self.on_change()
        return bool(deleted) or ref.kind == "p"

    async def delete_personal(self, chat_id: int, ref: MeetingRef) -> bool:
        """Delete a meeting the user added, with its reminders; False when it was not theirs."""
        if ref.kind != "p":
            return False
        async with self.storage.session() as session:
            await delete_subscriptions(
                session, Subscription.chat_id == chat_id, Subscription.personal_id == int(ref.value)
            )
            result = await session.execute(
                delete(PersonalMeeting).where(
                    PersonalMeeting.id == int(ref.value), PersonalMeeting.chat_id == chat_id
                )
            )
        self.on_change()
        return bool(getattr(result, "rowcount", 0))

    async def update_personal(
        self, chat_id: int, ref: MeetingRef, changes: dict[str, str | None], now: dt.datetime
    ) -> Meeting | None:
        """Change fields of a meeting the user added (name, days, time, timezone, link,
        link_notes, place) and re-plan its reminders; the meeting as it is now (None: not theirs).
        ValueError on a bad time or zone, and nothing is changed."""
        if ref.kind != "p" or not changes.keys() <= PERSONAL_FIELDS:
            raise LookupError(ref)
        async with self.storage.session() as session:
            row = await session.get(PersonalMeeting, int(ref.value))
            if row is None or row.chat_id != chat_id:
                return None
            for name, value in changes.items():
                setattr(row, name, value)
            meeting = personal_meeting(row)  # raises on a bad time or zone: rolled back
            for sub in await session.scalars(
                select(Subscription).where(
                    Subscription.chat_id == chat_id,
                    Subscription.personal_id == row.id,
                    Subscription.paused.is_(None),
                )
            ):
                sub.next_fire_at, sub.occurrence_at = plan(meeting, sub.lead_minutes, now)
        self.on_change()
        return meeting

    async def skip(
        self, chat_id: int, ref: MeetingRef, occurrence: dt.datetime, now: dt.datetime
    ) -> dt.datetime | None:
        """Skip every reminder for one occurrence; the next reminder after it, if any."""
        meeting = await self.resolve(chat_id, ref)
        if meeting is None:
            raise LookupError(ref)
        async with self.storage.session() as session:
            rows = await session.scalars(
                select(Subscription).where(
                    self._where(chat_id, ref, meeting),
                    Subscription.paused.is_(None),
                )
            )
            for row in rows:
                if row.occurrence_at is not None and row.occurrence_at <= occurrence:
                    lead = dt.timedelta(minutes=row.lead_minutes)
                    after = max(now, reminder_time(occurrence, lead, meeting.tz))
                    row.next_fire_at, row.occurrence_at = plan(meeting, row.lead_minutes, after)
        self.on_change()
        return await self.next_fire(chat_id, ref)

    async def add_personal(
        self,
        chat_id: int,
        *,
        name: str,
        days: Sequence[int],
        time: str,
        timezone: str,
        link: str | None,
        place: str | None,
        link_notes: str | None = None,
    ) -> MeetingRef:
        """Keep a meeting the user added; they choose lead times next."""
        async with self.storage.session() as session:
            row = PersonalMeeting(
                chat_id=chat_id,
                name=name,
                days=",".join(str(d) for d in sorted(set(days))),
                time=time,
                timezone=timezone,
                link=link,
                link_notes=link_notes,
                place=place,
            )
            session.add(row)
            await session.flush()
            personal_meeting(row)  # raises on a bad time or zone, and nothing is kept
            return MeetingRef.personal(row.id)

    async def sync_directory(self, directory: Directory, now: dt.datetime) -> list[Notice]:
        """Follow subscriptions to the new directory by slug; who to tell about what changed.

        Meetings that disappeared or are temporarily closed pause their reminders; ones that
        came back resume; a changed time re-plans the next reminder.
        """
        notices: list[Notice] = []
        async with self.storage.session() as session:
            snapshots = {s.slug: s for s in await session.scalars(select(MeetingSnapshot))}
            for slug, saved, changes in await _changed_slugs(session, directory, snapshots):
                meeting = directory.get(slug)
                subs = list(await session.scalars(select(Subscription).where(_followed(slug))))
                for sub in subs:
                    if meeting is None or not remindable(meeting):
                        sub.paused = "gone" if meeting is None else "closed"
                        sub.next_fire_at = sub.occurrence_at = None
                    else:
                        sub.paused = None
                        sub.next_fire_at, sub.occurrence_at = plan(meeting, sub.lead_minutes, now)
                name = meeting.name if meeting else str((saved or {}).get("name", slug))
                for chat_id in sorted({s.chat_id for s in subs}):
                    after = fingerprint(meeting) if meeting else {}
                    notices.append(Notice(chat_id, slug, name, changes, saved or {}, after))
                if meeting is None:
                    if slug in snapshots:
                        snapshots[slug].fingerprint = json.dumps({**(saved or {}), "gone": "1"})
                else:
                    await _save_snapshot(session, meeting)
        if notices:
            self.on_change()
        return notices

    async def sync_impact(self, directory: Directory) -> tuple[int, int]:
        """(subscriptions that `sync_directory(directory)` would pause or tell about a change,
        all directory subscriptions); changes nothing."""
        async with self.storage.session() as session:
            snapshots = {s.slug: s for s in await session.scalars(select(MeetingSnapshot))}
            told = [
                slug
                for slug, _, changes in await _changed_slugs(session, directory, snapshots)
                if changes or (meeting := directory.get(slug)) is None or not remindable(meeting)
            ]
            affected = 0
            for chunk in range(0, len(told), 500):
                affected += (
                    await session.scalar(
                        select(func.count())
                        .select_from(Subscription)
                        .where(_followed(told[chunk : chunk + 500]))
                    )
                    or 0
                )
            total = await session.scalar(
                select(func.count()).select_from(Subscription).where(directory_slug())
            )
        return affected, total or 0

    async def active_chats_for(self, slug: str) -> list[int]:
        """Chats with active reminders for a directory meeting (for announcements)."""
        async with self.storage.session() as session:
            rows = await session.scalars(
                select(Subscription.chat_id)
                .join(User, User.chat_id == Subscription.chat_id)
                .where(Subscription.meeting_slug == slug, User.blocked.is_(False))
                .distinct()
            )
            return list(rows)

    async def deactivate_chat(self, chat_id: int) -> None:
        """The user blocked the bot: stop planning their reminders until they write again."""
        await self.storage.mark_blocked(chat_id)


def directory_slug() -> ColumnElement[bool]:
    """Subscriptions to directory meetings (not personal ones, not daily check-ins)."""
    return and_(
        Subscription.meeting_slug.is_not(None),
        ~Subscription.meeting_slug.startswith(CHECKIN_PREFIX),
    )


def _followed(slugs: str | Sequence[str]) -> ColumnElement[bool]:
    """Subscriptions to these directory meetings that a sync moves (not paused by the person)."""
    named = (
        Subscription.meeting_slug == slugs
        if isinstance(slugs, str)
        else Subscription.meeting_slug.in_(slugs)
    )
    return and_(named, or_(Subscription.paused.is_(None), Subscription.paused != "user"))


async def _changed_slugs(
    session: AsyncSession, directory: Directory, snapshots: dict[str, MeetingSnapshot]
) -> list[tuple[str, dict[str, str] | None, tuple[str, ...]]]:
    """(slug, what subscribers last saw, what changed) of each followed meeting that a sync of
    `directory` moves, in slug order."""
    # DISTINCT in the database (an index scan): one row per meeting, not per subscriber.
    slugs = set(
        await session.scalars(select(Subscription.meeting_slug).where(directory_slug()).distinct())
    )
    moved = []
    for slug in sorted(s for s in slugs if s is not None):
        meeting = directory.get(slug)
        saved = json.loads(snapshots[slug].fingerprint) if slug in snapshots else None
        old = {k: v for k, v in saved.items() if k != "name"} if saved else None
        new = fingerprint(meeting) if meeting is not None else None
        if old == new or (new is None and old is not None and old.get("gone")):
            continue
        moved.append((slug, saved, _changes(old, new)))
    return moved


def _changes(old: dict[str, str] | None, new: dict[str, str] | None) -> tuple[str, ...]:
    if new is None:
        return ("gone",)
    if old is None:
        return ()
    if old.get("gone"):
        return ("reopened",)
    changes = [k for k in ("when", "link", "place") if old.get(k) != new.get(k)]
    if old.get("status") != new.get("status"):
        changes.append("closed" if new["status"] == "closed" else "reopened")
    return tuple(changes)


async def _save_snapshot(session: AsyncSession, meeting: Meeting) -> None:
    row = await session.get(MeetingSnapshot, meeting.slug)
    text = json.dumps({**fingerprint(meeting), "name": meeting.name})
    if row is None:
        session.add(MeetingSnapshot(slug=meeting.slug, fingerprint=text))
    else:
        row.fingerprint = text
