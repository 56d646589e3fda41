"""What the bot keeps: the minimum, in SQLAlchemy 2 (SQLite by default, PostgreSQL in production).

Stored about a person: their chat id, language, time zone and the day they were last seen (for the
inactivity purge). Never anything they wrote. Counters carry no identity at all.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    delete,
    event,
    false,
    func,
    select,
    update,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.migrate import prepare

_SEEN_CACHE_LIMIT = 100_000
LANGUAGE_CACHE_SECONDS = 300.0


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime (SQLite too)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    """A person who talked to the bot: only what is needed to serve them."""

    __tablename__ = "users"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_on: Mapped[date] = mapped_column(Date)
    # Set when Telegram says the user blocked the bot; their reminders wait until they write again.
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether they were told, once, how to change the time zone they were given.
    told_timezone: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether `language` is their choice (/language) rather than their Telegram's; kept like the
    # time zone, and reminders follow it.
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PersonalMeeting(Base):
    """A meeting a user added themselves: only what is needed to remind them of it."""

    __tablename__ = "personal_meetings"
    # Ids are never reused (SQLite reuses a plain INTEGER PRIMARY KEY's freed ids): an old button
    # names a deleted meeting, never a newer one (migration 0006).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.chat_id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    days: Mapped[str] = mapped_column(String(20))  # Meeting Guide days, 0 = Sunday, "1,3"
    time: Mapped[str] = mapped_column(String(5))  # HH:MM in `timezone`
    timezone: Mapped[str] = mapped_column(String(64))
    link: Mapped[str | None] = mapped_column(String(500), default=None)
    # What goes with the link: "passcode 4567" (migration 0006).
    link_notes: Mapped[str | None] = mapped_column(String(200), default=None)
    place: Mapped[str | None] = mapped_column(String(200), default=None)


class Subscription(Base):
    """One reminder a user chose: a meeting and how long before it."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("chat_id", "meeting_slug", "personal_id", "lead_minutes"),
        Index("ix_subscriptions_due", "next_fire_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.chat_id", ondelete="CASCADE"), index=True
    )
    # Exactly one of the two is set: a directory meeting (followed by slug) or a personal one.
    meeting_slug: Mapped[str | None] = mapped_column(String(120), default=None, index=True)
    personal_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("personal_meetings.id", ondelete="CASCADE"), default=None
    )
    lead_minutes: Mapped[int] = mapped_column(Integer)
    # None while paused: by the user ("user"), or because the meeting is closed or gone.
    paused: Mapped[str | None] = mapped_column(String(16), default=None)
    next_fire_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    occurrence_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class Delivery(Base):
    """The ledger: one row per (subscription, occurrence), so nothing is sent twice."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "occurrence_at"),
        # The lease checks look for pending rows by age (migration 0002).
        Index("ix_deliveries_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    occurrence_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # pending (claimed, being sent), sent, missed (the meeting had begun), failed.
    status: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FlowState(Base):
    """Where a user is in a multi-step flow (such as /addmeeting), so a restart loses nothing."""

    __tablename__ = "flows"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.chat_id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(20))
    data: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SeenUpdate(Base):
    """Update ids taken through the webhook, so a re-sent update is handled once (kept a day)."""

    __tablename__ = "seen_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class MeetingSnapshot(Base):
    """What subscribers last saw of a directory meeting, to tell them when it changes."""

    __tablename__ = "meeting_snapshots"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(Text)


class DirectoryCopy(Base):
    """The meeting directory subscriptions were last synced to (one row), for a start-up whose
    meetings file fails to load (`bot.directory_guard`)."""

    __tablename__ = "directory_copies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)
    meetings: Mapped[str] = mapped_column(Text)
    # `Directory.origin` of what was saved: the same directory is not written again (0005).
    origin: Mapped[str | None] = mapped_column(String(64), default=None)


class FeedCopy(Base):
    """The last good copy of one configured feed (`bot.feeds`), and how to ask for a newer one."""

    __tablename__ = "feed_copies"

    # SHA-256 of the feed's address (addresses can be long); `source` is the address itself.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(500), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(100), default=None)
    # When it was last asked for (whatever the answer), and when a new copy was last read.
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # The meetings read from it, as the directory's own records (JSON list).
    meetings: Mapped[str] = mapped_column(Text, default="[]")
    # Why the last attempt failed (a short reason, never the feed's content); None when it worked.
    error: Mapped[str | None] = mapped_column(String(300), default=None)


class SendBudget(Base):
    """Reminder sends all instances started in one second: a ring of 60 rows (scheduler.budget)."""

    __tablename__ = "send_budget"

    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    second: Mapped[int] = mapped_column(BigInteger)
    used: Mapped[int] = mapped_column(Integer)


class DailyCount(Base):
    """Anonymous counters per day (for example, how often the crisis message was shown)."""

    __tablename__ = "daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


# The ledger's outcomes outlive the subscriptions they were for: before a subscription is deleted
# (/forget, stopping, a lead turned off), its counts move into these anonymous daily counters, so
# /stats never goes down when someone leaves.
OUTCOME_COUNTERS = {
    "sent": "reminders_sent",
    "missed": "reminders_missed",
    "failed": "reminders_failed",
}


async def delete_subscriptions(session: AsyncSession, *where: ColumnElement[bool]) -> int:
    """Delete the subscriptions matching `where` and their ledger rows (explicitly: no reliance
    on ON DELETE CASCADE), the ledger's outcomes first added to the anonymous daily counters by
    the day each was recorded; how many subscriptions went."""
    ids = select(Subscription.id).where(*where)
    rows = await session.execute(
        select(Delivery.status, Delivery.updated_at).where(
            Delivery.subscription_id.in_(ids), Delivery.status.in_(list(OUTCOME_COUNTERS))
        )
    )
    tally = Counter((updated.date(), OUTCOME_COUNTERS[status]) for status, updated in rows)
    for (day, name), count in sorted(tally.items()):
        row = await session.get(DailyCount, (day, name))
        if row is None:
            session.add(DailyCount(day=day, name=name, count=count))
        else:
            row.count += count
    await session.execute(delete(Delivery).where(Delivery.subscription_id.in_(ids)))
    result = await session.execute(delete(Subscription).where(*where))
    return int(getattr(result, "rowcount", 0) or 0)


class Storage:
    """Queries the handlers need; one instance per process, created in post_init."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # Who was already recorded today, so that a chatty user costs one write a day, not one
        # per message. Derived and disposable: losing it only costs a write.
        self._seen_today: dict[int, tuple[date, str]] = {}
        # Every language chosen with /language (few people choose one), read in one query and
        # held until `_languages_until`: the lookup before each update never waits on the
        # database behind other chats' work, a crisis reply's included.
        self._languages: dict[int, str] = {}
        self._languages_until = 0.0
        self._languages_read: asyncio.Future[None] | None = None

    @classmethod
    async def open(cls, url: str) -> Storage:
        """Connect and check the schema (see `bot.migrate.prepare`).

        An empty database (a new SQLite file, a new PostgreSQL database) is migrated to the
        newest schema; an out-of-date or unrecognised one raises `SchemaOutOfDate` or
        `SchemaUnknown`, and an unreachable one `DatabaseUnreachable`, each with a message
        that says what to do.
        """
        parsed = make_url(url)
        if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: an error's text never carries what someone typed.
        engine = create_async_engine(url, hide_parameters=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        try:
            await prepare(engine, url)
            storage = cls(engine)
            await storage._read_languages()  # so that no first update waits for it
        except BaseException:
            await engine.dispose()
            raise
        return storage

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            yield session

    async def touch_user(self, chat_id: int, language: str, now: datetime) -> bool:
        """Record that the user is here today; True when they are new."""
        if self._seen_today.get(chat_id) == (now.date(), language):
            return False
        if len(self._seen_today) > _SEEN_CACHE_LIMIT:
            self._seen_today.clear()
        self._seen_today[chat_id] = (now.date(), language)
        async with self.session() as session:
            user = await session.get(User, chat_id)
            if user is None:
                session.add(
                    User(
                        chat_id=chat_id, language=language, created_at=now, last_seen_on=now.date()
                    )
                )
                return True
            if user.language_chosen:
                language = user.language  # their choice outlives their Telegram's setting
            if user.last_seen_on != now.date() or user.language != language or user.blocked:
                # Writing again after blocking the bot resumes their reminders.
                await session.execute(
                    update(User)
                    .where(User.chat_id == chat_id)
                    .values(last_seen_on=now.date(), language=language, blocked=False)
                )
            return False

    async def set_user_fields(self, chat_id: int, **values: object) -> None:
        """Update the user's own settings (timezone, told_timezone, blocked)."""
        allowed = {"timezone", "told_timezone", "blocked"}
        if not values.keys() <= allowed:
            raise ValueError(f"not a user setting: {sorted(values.keys() - allowed)}")
        async with self.session() as session:
            await session.execute(update(User).where(User.chat_id == chat_id).values(**values))

    async def chosen_language(self, chat_id: int) -> str | None:
        """The language the user chose with /language, if they chose one.

        Read before every update (the crisis reply included), so every choice is kept in memory
        and read again, in one query, after `LANGUAGE_CACHE_SECONDS`: a choice made through
        another instance shows within that; one made here, at once."""
        if time.monotonic() >= self._languages_until:
            if self._languages_read is None or self._languages_read.done():
                self._languages_read = asyncio.ensure_future(self._read_languages())
            await asyncio.shield(self._languages_read)
        return self._languages.get(chat_id)

    async def _read_languages(self) -> None:
        query = select(User.chat_id, User.language).where(User.language_chosen)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        self._languages = {chat: language for chat, language in rows if language}
        self._languages_until = time.monotonic() + LANGUAGE_CACHE_SECONDS

    async def choose_language(self, chat_id: int, language: str | None, now: datetime) -> None:
        """Speak `language` to this user from now on; None: follow their Telegram again."""
        self._seen_today.pop(chat_id, None)
        async with self.session() as session:
            await self.ensure_user(session, chat_id, now)
            values: dict[str, object] = {"language_chosen": language is not None}
            if language is not None:
                values["language"] = language
            await session.execute(update(User).where(User.chat_id == chat_id).values(**values))
        if language is None:
            self._languages.pop(chat_id, None)
        else:
            self._languages[chat_id] = language

    async def ensure_user(self, session: AsyncSession, chat_id: int, now: datetime) -> None:
        """Make sure the user row exists before writing rows that belong to it.

        `touch_user` skips chats it already saw today; if the row was deleted since (by /forget
        on another instance, or the purge), this puts it back instead of failing a foreign key.
        """
        if await session.get(User, chat_id) is None:
            self._seen_today.pop(chat_id, None)
            session.add(User(chat_id=chat_id, language="", created_at=now, last_seen_on=now.date()))
            await session.flush()

    async def mark_blocked(self, chat_id: int) -> None:
        """Telegram refused to deliver to this chat: hold their reminders until they write."""
        self._seen_today.pop(chat_id, None)
        await self.set_user_fields(chat_id, blocked=True)

    async def first_time_update(self, update_id: int, now: datetime) -> bool:
        """Record a webhook update id; False when it was already taken (Telegram re-sent it)."""
        try:
            async with self.session() as session:
                session.add(SeenUpdate(update_id=update_id, seen_at=now))
        except IntegrityError:
            return False
        if update_id % 500 == 0:  # now and then, drop ids older than a day
            async with self.session() as session:
                await session.execute(
                    delete(SeenUpdate).where(SeenUpdate.seen_at < now - timedelta(days=1))
                )
        return True

    async def get_user(self, chat_id: int) -> User | None:
        async with self.session() as session:
            return await session.get(User, chat_id)

    async def forget_user(self, chat_id: int) -> bool:
        """Delete every row about the user; True when there was something to delete."""
        self._seen_today.pop(chat_id, None)
        self._languages.pop(chat_id, None)
        async with self.session() as session:
            # Explicit, child tables first: no reliance on ON DELETE CASCADE being enabled.
            await delete_subscriptions(session, Subscription.chat_id == chat_id)
            await session.execute(delete(PersonalMeeting).where(PersonalMeeting.chat_id == chat_id))
            await session.execute(delete(FlowState).where(FlowState.chat_id == chat_id))
            result = await session.execute(delete(User).where(User.chat_id == chat_id))
            deleted = bool(getattr(result, "rowcount", 0))
        if self.engine.dialect.name == "sqlite":
            # The deleted rows' old versions live on in the write-ahead log until a checkpoint;
            # with secure_delete the checkpoint overwrites them in the file too.
            async with self.engine.connect() as connection:
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    async def move_chat(self, old: int, new: int) -> None:
        """A group chat became a supergroup (Telegram gives it a new id): its row and reminders
        move to the new id, unchanged. Nothing happens when the old chat has no row."""
        self._seen_today.pop(old, None)
        if (language := self._languages.pop(old, None)) is not None:
            self._languages[new] = language
        async with self.session() as session:
            row = await session.get(User, old)
            if row is None:
                return
            if await session.get(User, new) is None:
                fields = {c.key: getattr(row, c.key) for c in User.__table__.columns}
                session.add(User(**{**fields, "chat_id": new}))
                await session.flush()
            await session.execute(
                update(Subscription).where(Subscription.chat_id == old).values(chat_id=new)
            )
            await session.execute(delete(FlowState).where(FlowState.chat_id == old))
            await session.execute(delete(User).where(User.chat_id == old))

    async def count(self, name: str, today: date) -> None:
        """Add one to today's anonymous counter `name`."""
        async with self.session() as session:
            row = await session.get(DailyCount, (today, name))
            if row is None:
                session.add(DailyCount(day=today, name=name, count=1))
            else:
                row.count += 1

    async def counted(self, name: str, since: date) -> int:
        async with self.session() as session:
            rows = await session.scalars(
                select(DailyCount.count).where(DailyCount.name == name, DailyCount.day >= since)
            )
            return sum(rows)

    async def counted_each(self, prefix: str, since: date) -> dict[str, int]:
        """The counters whose names start with `prefix`, each summed since `since`, by the rest
        of their name."""
        async with self.session() as session:
            rows = await session.execute(
                select(DailyCount.name, func.sum(DailyCount.count))
                .where(DailyCount.name.startswith(prefix, autoescape=True), DailyCount.day >= since)
                .group_by(DailyCount.name)
            )
            return {name.removeprefix(prefix): int(total) for name, total in rows.all()}


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # With WAL, NORMAL never corrupts the database and survives a crash of the bot; only a power
    # cut can lose the last commits (at worst a reminder marked sent goes out again).
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows (what /forget removes) are overwritten, not left in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
