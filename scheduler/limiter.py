"""Telegram's sending limits for reminders: about 30 messages a second overall, 1 a second per chat.

python-telegram-bot's `AIORateLimiter` limits the whole bot and each group, but has no limit per
private chat, and a reminder burst often holds several reminders for one person (one meeting,
several lead times; several meetings at the same hour). `SendLimiter` adds that, and a pause that
every sender honours after Telegram answers 429 (`retry_after`).

- Overall: an `aiolimiter.AsyncLimiter` (the leaky bucket PTB's limiter uses), so sends to
  different chats go concurrently up to the overall rate, evenly spaced (PTB's own bucket lets
  a whole second's worth through at once).
- Per chat: one send at a time to a chat, and the next one starts no sooner than
  1 / per_chat_per_second after the previous one started.
- Shared: with several instances on one database, the overall rate holds for all of them together
  (`scheduler.budget`).
- Pause: after a 429 every sender waits until `retry_after` has passed, including one that was
  already waiting for its turn when the pause began.

The per-chat spacing and the pause read an injected clock and sleep with an injected function, so
tests drive them with a fixed clock and no waiting on the wall clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from aiolimiter import AsyncLimiter

Seconds = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Telegram: "no more than 30 messages per second" to different users; paid broadcasts up to 1000.
FREE_OVERALL_PER_SECOND = 30.0
PAID_OVERALL_PER_SECOND = 1000.0
# Forget a chat's spacing once it no longer constrains anything, when this many are kept.
_PRUNE_AT = 10_000


def retry_after_seconds(value: object) -> float:
    """RetryAfter.retry_after as seconds: an int, a float or a timedelta (PTB's PTB_TIMEDELTA)."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"retry_after is neither seconds nor a timedelta: {value!r}")


def read_retry_after(error: object) -> float:
    """The seconds Telegram asked to wait, from a `telegram.error.RetryAfter`.

    Reading `retry_after` warns (a deprecation) unless PTB_TIMEDELTA is set; the value is the
    same either way, so the warning is not passed on.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return retry_after_seconds(getattr(error, "retry_after"))  # noqa: B009


class Budget(Protocol):
    """Sends granted over every instance together (`scheduler.budget.SharedBudget`)."""

    async def take(self, now: float) -> float:
        """0 when a send may start at `now`, else the seconds to wait first."""
        ...


@dataclass
class _Chat:
    next_at: float = 0.0
    users: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class SendLimiter:
    """Overall and per-chat limits for reminder sends, and a pause after 429."""

    def __init__(
        self,
        overall_per_second: float | None,
        per_chat_per_second: float | None,
        *,
        clock: Seconds,
        sleep: Sleep = asyncio.sleep,
        should_stop: Callable[[], bool] = lambda: False,
        shared: Budget | None = None,
    ) -> None:
        self._overall: AsyncLimiter | None = None
        if overall_per_second is not None:
            # Evenly spaced, not in bursts: at most the rate in any one second. Fast rates (paid
            # broadcasts) may bunch 1/20 of a second's worth, so that a busy loop loses nothing.
            burst = 1.0 if overall_per_second <= 50 else overall_per_second / 20
            self._overall = AsyncLimiter(burst, burst / overall_per_second)
        self._interval = 1 / per_chat_per_second if per_chat_per_second else 0.0
        self._clock = clock
        self._sleep = sleep
        # Stopping: a sender stops waiting for its turn (and the caller sends nothing).
        self._should_stop = should_stop
        self._chats: dict[int, _Chat] = {}
        self._resume_at = 0.0
        # The rate over every instance together (`scheduler.budget`), and when it allows again.
        self._shared = shared
        self._budget_at = 0.0

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing is sent by anyone until `seconds` from now."""
        self._resume_at = max(self._resume_at, self._clock() + max(seconds, 0.0))

    def paused_for(self) -> float:
        """Seconds left of a pause after 429 (0 when not paused)."""
        return max(self._resume_at - self._clock(), 0.0)

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for this chat's turn and the overall budget; send inside the block."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) >= _PRUNE_AT:
                self._prune()
            chat = self._chats[chat_id] = _Chat()
        chat.users += 1
        try:
            async with chat.lock:
                await self._turn(chat)
                chat.next_at = self._clock() + self._interval
                yield
        finally:
            chat.users -= 1

    async def _turn(self, chat: _Chat) -> None:
        """Wait for this chat's spacing, any pause, the overall budget and the shared one. A
        pause that begins while waiting (another send's 429) is waited out too: no send starts
        inside a pause."""
        while not self._should_stop():
            wait = max(chat.next_at, self._resume_at, self._budget_at) - self._clock()
            standing = False
            if wait > 0:
                before = self._clock()
                await self._sleep(wait)
                # A clock that stands still (a test's fixed clock): nothing more to wait for.
                standing = self._clock() <= before
                if not standing:
                    continue
            if self._overall is not None:
                await self._overall.acquire()
            if standing:
                return
            if self._resume_at > self._clock():
                continue  # paused while waiting for the budget: the pause comes first
            if self._shared is not None:
                asked = self._clock()
                wait = await self._shared.take(asked)
                if wait > 0:  # this second is spent, by every instance together
                    self._budget_at = max(self._budget_at, self._clock() + wait)
                    continue
                if math.floor(self._clock()) != math.floor(asked):
                    continue  # its second ended while asking: the place is not used
            return

    def _prune(self) -> None:
        now = self._clock()
        for chat_id, chat in list(self._chats.items()):
            if chat.users == 0 and chat.next_at <= now:
                del self._chats[chat_id]

    def __len__(self) -> int:
        """Chats whose spacing is remembered (for tests of the pruning)."""
        return len(self._chats)
