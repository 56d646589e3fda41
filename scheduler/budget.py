"""The overall send rate shared by every instance on one database: a budget per second.

Each process spaces its own sends (`limiter.SendLimiter`); on its own that lets N instances send N
times the configured rate. `SharedBudget` adds a conditional write now and then: a row per second
(a ring of 60 rows, `send_budget`, so nothing grows) counts the places all instances took in that
second, and a send starts only on a place taken within the rate. A send that finds its
second full waits for the next one. Instances' clocks are assumed to agree to well within a
second (NTP), as the leases already assume.

Only on PostgreSQL, where instances share a database; a SQLite file has one process. A database
that does not answer grants the send (the process's own limit still holds; and while outcomes
cannot be written, nothing new is sent anyway: `engine`).

Imports nothing from `bot/`; may import SQLAlchemy and the standard library.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_LOGGER = logging.getLogger(__name__)
RING = 60

_TAKE = text(
    "INSERT INTO send_budget (slot, second, used) VALUES (:slot, :second, :want) "
    "ON CONFLICT (slot) DO UPDATE SET second = excluded.second, "
    "used = CASE WHEN send_budget.second = excluded.second "
    "THEN send_budget.used + excluded.used ELSE excluded.used END "
    "WHERE send_budget.second < excluded.second "
    "OR (send_budget.second = excluded.second AND send_budget.used + excluded.used <= :cap) "
    "RETURNING used"
)


def per_second_cap(rate: float) -> int:
    """Sends all instances together may start in one second (at least one)."""
    return max(1, math.floor(rate))


class SharedBudget:
    """Grants sends within `rate` a second over every process on `engine`'s database.

    Places are taken a tenth of a second's worth at a time (then one at a time when fewer are
    left), so a send costs a write only now and then; places a process took but did not use in
    their second are lost, which only ever lowers the rate.
    """

    def __init__(self, engine: AsyncEngine, rate: float) -> None:
        self._engine = engine
        self.cap = per_second_cap(rate)
        self._chunk = max(1, self.cap // 10)
        self._second = -1  # the second the places in hand are for
        self._left = 0
        self._full = -1  # a second found full: no need to ask again within it
        self._lock = asyncio.Lock()
        self._connection: AsyncConnection | None = None
        self._failing = False

    async def take(self, now: float) -> float:
        """0 when a send may start at `now` (epoch seconds), else seconds to wait first."""
        second = math.floor(now)
        async with self._lock:
            if self._second != second:
                self._second, self._left = second, 0
            if self._left == 0 and self._full != second:
                self._left = await self._reserve(second)
                if self._left == 0:
                    self._full = second
            if self._left > 0:
                self._left -= 1
                return 0.0
        return max(second + 1 - now, 0.001)

    async def _reserve(self, second: int) -> int:
        """Places taken in `second`: a chunk, else one, else none (the second is full)."""
        try:
            connection = await self._open()
            for want in sorted({self._chunk, 1}, reverse=True):
                granted = await connection.scalar(
                    _TAKE,
                    {"slot": second % RING, "second": second, "want": want, "cap": self.cap},
                )
                if granted is not None:
                    self._failing = False
                    return want
        except Exception as exc:  # noqa: BLE001 - the process's own limit still holds
            await self.close()
            if not self._failing:
                _LOGGER.warning("the shared send budget is not answering: %s", type(exc).__name__)
            self._failing = True
            return 1
        return 0

    async def _open(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self._engine.connect()
            try:
                self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            except BaseException:
                await connection.close()
                raise
        return self._connection

    async def close(self) -> None:
        """Give the connection back (a failed one is dropped, and the next take opens another)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()
