"""Updates from different chats handled at once, updates from one chat in the order they came.

PTB handles updates one at a time unless told otherwise. Then a crisis message waits behind
everyone else's work: five people opening a big directory, a slow answer from Telegram to one
chat. With this processor the wait is only behind the same chat's earlier updates, which keeps
a conversation's steps in order (a flow's answer after its question, a button after the message
it belongs to).

Running everyone's work at once is not enough on its own: fifty people opening a big directory
share the event loop and the database's connections with the one person in danger. Ordinary
updates therefore run at most `ORDINARY_AT_ONCE` at a time, and an update the safety check
flags (`urgent`) does not queue for that: it waits only for its own chat's earlier updates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.safety import Assessment, Level

MAX_CONCURRENT_UPDATES = 256  # as many as the sending transport has connections
# Ordinary updates under way at once: enough to keep Telegram's answers overlapping, few enough
# that an urgent one finds the loop and a database connection free (bench/bench_directory.py).
ORDINARY_AT_ONCE = 8


class PerChatOrder(BaseUpdateProcessor):
    """At most `max_concurrent_updates` at once; one chat's updates strictly in arrival order.

    `urgent(update)` says whether an update skips the queue of ordinary ones (at most
    `ordinary_at_once` of those run together). A chat's lock lives while some update of that
    chat is under way or waiting, so the table holds only busy chats. `asyncio.Lock` wakes its
    waiters first come, first served, which is what keeps one chat's order.
    """

    __slots__ = ("_locks", "_holders", "_ordinary", "_urgent")

    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        *,
        urgent: Callable[[object], bool] = lambda _update: False,
        ordinary_at_once: int = ORDINARY_AT_ONCE,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}
        self._ordinary = asyncio.Semaphore(ordinary_at_once)
        self._urgent = urgent

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        key = chat_key(update)
        if key is None:
            await self._run(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                await self._run(update, coroutine)
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key]
                del self._locks[key]

    async def _run(self, update: object, coroutine: Awaitable[object]) -> None:
        if self._is_urgent(update):
            await coroutine
            return
        async with self._ordinary:
            await coroutine

    def _is_urgent(self, update: object) -> bool:
        try:
            return self._urgent(update)
        except Exception:  # noqa: BLE001 - a failing check only costs the shortcut
            return False

    def busy_chats(self) -> int:
        """How many chats have an update under way or waiting (for tests and /stats)."""
        return len(self._locks)


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (the user's, for updates without a chat), if any."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


def flagged_by(assess: Callable[[], Callable[[str], Assessment]]) -> Callable[[object], bool]:
    """`urgent` for `PerChatOrder`: a message, caption or inline query the safety check does not
    pass as ordinary, or /sos. `assess()` gives the check in use now (content can be reloaded)."""

    def urgent(update: object) -> bool:
        if not isinstance(update, Update):
            return False
        if update.inline_query is not None:  # typed in another chat: the same check
            text = update.inline_query.query
        elif update.effective_message is not None:
            text = update.effective_message.text or update.effective_message.caption or ""
        else:
            return False
        if text.lower().startswith("/sos"):
            return True
        return bool(text) and assess()(text).level is not Level.NONE

    return urgent
