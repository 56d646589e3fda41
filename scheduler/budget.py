"""The overall send rate shared by every instance on one database: a budget per second.

Each process spaces its own sends (`limiter.SendLimiter`); on its own that lets N instances send N
times the configured rate. `SharedBudget` adds one conditional write per send: a row per second
(a ring of 60 rows, `send_budget`, so nothing grows) counts the sends all instances started in
that second, and a send starts only while the count is below the rate. A send that finds its
second full waits for the next one. Instances' clocks are assumed to agree to well within a
second (NTP), as the leases already assume.

Only on PostgreSQL, where instances share a database; a SQLite file has one process. A database
that does not answer grants the send (the process's own limit still holds; and while outcomes
cannot be written, nothing new is sent anyway: `engine`).

Imports nothing from `bot/`; may import SQLAlchemy and the standard library.
"""

from __future__ import annotations

import logging
import math

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_LOGGER = logging.getLogger(__name__)
RING = 60

_TAKE = text(
    "INSERT INTO send_budget (slot, second, used) VALUES (:slot, :second, 1) "
    "ON CONFLICT (slot) DO UPDATE SET second = excluded.second, "
    "used = CASE WHEN send_budget.second = excluded.second THEN send_budget.used + 1 ELSE 1 END "
    "WHERE send_budget.second < excluded.second "
    "OR (send_budget.second = excluded.second AND send_budget.used < :cap) "
    "RETURNING used"
)


def per_second_cap(rate: float) -> int:
    """Sends all instances together may start in one second (at least one)."""
    return max(1, math.floor(rate))


class SharedBudget:
    """Grants sends within `rate` a second over every process on `engine`'s database."""

    def __init__(self, engine: AsyncEngine, rate: float) -> None:
        self._engine = engine
        self.cap = per_second_cap(rate)
        self._failing = False

    async def take(self, now: float) -> float:
        """0 when a send may start at `now` (epoch seconds), else seconds to wait first."""
        second = math.floor(now)
        try:
            async with self._engine.connect() as connection:
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
                granted = await connection.scalar(
                    _TAKE, {"slot": second % RING, "second": second, "cap": self.cap}
                )
        except Exception as exc:  # noqa: BLE001 - the process's own limit still holds
            if not self._failing:
                _LOGGER.warning("the shared send budget is not answering: %s", type(exc).__name__)
            self._failing = True
            return 0.0
        self._failing = False
        return 0.0 if granted is not None else max(second + 1 - now, 0.001)
