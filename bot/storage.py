"""What the bot keeps: the minimum, in SQLAlchemy 2 (SQLite by default, PostgreSQL in production).

Stored about a person: their chat id, language, time zone and the day they were last seen (for the
inactivity purge). Never anything they wrote. Counters carry no identity at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import BigInteger, Date, DateTime, Integer, String, delete, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


_SEEN_CACHE_LIMIT = 100_000


class Base(DeclarativeBase):
    pass


class User(Base):
    """A person who talked to the bot: only what is needed to serve them."""

    __tablename__ = "users"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_on: Mapped[date] = mapped_column(Date)


class DailyCount(Base):
    """Anonymous counters per day (for example, how often the crisis message was shown)."""

    __tablename__ = "daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Storage:
    """Queries the handlers need; one instance per process, created in post_init."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # Who was already recorded today, so that a chatty user costs one write a day, not one
        # per message. Derived and disposable: losing it only costs a write.
        self._seen_today: dict[int, tuple[date, str]] = {}

    @classmethod
    async def open(cls, url: str) -> Storage:
        """Connect, creating the SQLite folder and the tables when they are missing."""
        parsed = make_url(url)
        if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        return cls(engine)

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
            if user.last_seen_on != now.date() or user.language != language:
                await session.execute(
                    update(User)
                    .where(User.chat_id == chat_id)
                    .values(last_seen_on=now.date(), language=language)
                )
            return False

    async def get_user(self, chat_id: int) -> User | None:
        async with self.session() as session:
            return await session.get(User, chat_id)

    async def forget_user(self, chat_id: int) -> bool:
        """Delete every row about the user; True when there was something to delete."""
        self._seen_today.pop(chat_id, None)
        async with self.session() as session:
            result = await session.execute(delete(User).where(User.chat_id == chat_id))
            return bool(getattr(result, "rowcount", 0))

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
