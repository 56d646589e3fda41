"""The fast outcome writer: what happened to each claimed reminder, written to the ledger at once.

Writes `deliveries` rows (id, status, updated_at) that `scheduler.store` claimed as `pending`.
Imports nothing from `bot/`: the table comes in. May import SQLAlchemy and `scheduler.store`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from scheduler.store import PENDING, chunks


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

    def __init__(self, engine: AsyncEngine, deliveries: Table) -> None:
        self._engine = engine
        self._many = (
            update(deliveries)
            .where(
                deliveries.c.id.in_(bindparam("ids", expanding=True)),
                deliveries.c.status == PENDING,
            )
            .values(status=bindparam("new_status"), updated_at=bindparam("stamp"))
        )
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        dialect = engine.dialect
        self._fast_sql = self._FAST_SQL.get(dialect.driver)
        self._asyncpg = dialect.driver == "asyncpg"  # positional arguments, synchronous_commit
        processor = deliveries.c.updated_at.type.bind_processor(dialect)
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
                for chunk in chunks(ids, 500):
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
