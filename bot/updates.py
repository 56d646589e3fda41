"""Updates from different chats handled at once, updates from one chat in the order they came.

PTB handles updates one at a time unless told otherwise. Then a crisis message waits behind
everyone else's work: five people opening a big directory, a slow answer from Telegram to one
chat. With this processor the wait is only behind the same chat's earlier updates, which keeps
a conversation's steps in order (a flow's answer after its question, a button after the message
it belongs to).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 256  # as many as the sending transport has connections


class PerChatOrder(BaseUpdateProcessor):
    """At most `max_concurrent_updates` at once; one chat's updates strictly in arrival order.

    A chat's lock lives while some update of that chat is under way or waiting, so the table
    holds only busy chats. `asyncio.Lock` wakes its waiters first come, first served, which is
    what keeps one chat's order.
    """

    __slots__ = ("_locks", "_holders")

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key]
                del self._locks[key]

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
