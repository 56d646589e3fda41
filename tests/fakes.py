"""Test doubles at the Bot API boundary, and small builders for Telegram updates.

The PTB stack above `OfflineBotApi` is real: Bot, Application, handlers, JobQueue.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from telegram import Update

from bot.app import BotApplication
from bot.offline_api import ApiCall, OfflineBotApi


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Chat:
    """One person talking to the bot in a private chat."""

    _ids = itertools.count(1)

    def __init__(
        self, app: BotApplication, api: OfflineBotApi, user_id: int = 501, language: str = "en"
    ) -> None:
        self.app = app
        self.api = api
        self.user = {"id": user_id, "is_bot": False, "first_name": "Sam", "language_code": language}
        self.chat = {"id": user_id, "type": "private"}

    async def _process(self, payload: dict[str, Any]) -> list[ApiCall]:
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        return [c for c in self.api.calls[before:] if c.method != "answerCallbackQuery"]

    async def send(self, text: str) -> list[ApiCall]:
        """Type a message (a /command when it starts with /); return what the bot sent."""
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": 0,
            "chat": self.chat,
            "from": self.user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return await self._process({"update_id": next(self._ids), "message": message})

    # What Telegram sends for each kind of attachment (the fields PTB requires).
    ATTACHMENTS: dict[str, Any] = {
        "sticker": {
            "file_id": "x",
            "file_unique_id": "x",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
        "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
        "voice": {"file_id": "v", "file_unique_id": "v", "duration": 3},
        "document": {"file_id": "d", "file_unique_id": "d", "file_name": "list.pdf"},
    }

    async def send_attachment(self, kind: str, caption: str | None = None) -> list[ApiCall]:
        """Send a sticker, photo, voice note or document (`ATTACHMENTS`), with `caption` when
        given; return what the bot sent."""
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": 0,
            "chat": self.chat,
            "from": self.user,
            kind: self.ATTACHMENTS[kind],
        }
        if caption is not None:
            message["caption"] = caption
        return await self._process({"update_id": next(self._ids), "message": message})

    async def send_sticker(self) -> list[ApiCall]:
        return await self.send_attachment("sticker")

    async def send_photo(self, caption: str | None = None) -> list[ApiCall]:
        """Send a photo, with `caption` when given; return what the bot sent."""
        return await self.send_attachment("photo", caption)

    async def press(self, data: str, message_id: int = 1) -> list[ApiCall]:
        """Press an inline button carrying `data` on message `message_id`."""
        query = {
            "id": str(next(self._ids)),
            "from": self.user,
            "chat_instance": "test",
            "data": data,
            "message": {"message_id": message_id, "date": 0, "chat": self.chat, "text": "."},
        }
        return await self._process({"update_id": next(self._ids), "callback_query": query})

    async def press_label(self, call: ApiCall, label: str) -> list[ApiCall]:
        """Press the button whose label contains `label` on the message `call` sent."""
        for text, data in call.buttons:
            if label.lower() in text.lower():
                message_id = call.result["message_id"] if isinstance(call.result, dict) else 1
                return await self.press(data, message_id)
        raise AssertionError(f"no button like {label!r} in {call.buttons}")


async def started(
    app: BotApplication, api: OfflineBotApi, language: str, user_id: int = 650
) -> Chat:
    """Someone whose Telegram is in `language`, who has said /start."""
    person = Chat(app, api, user_id=user_id, language=language)
    await person.send("/start")
    return person


class GroupChat:
    """A group chat the bot is in (privacy mode: it sees commands only), and its members."""

    _ids = itertools.count(1_000_000)

    def __init__(
        self, app: BotApplication, api: OfflineBotApi, chat_id: int = -1001234, title: str = "Group"
    ) -> None:
        self.app = app
        self.api = api
        self.chat = {"id": chat_id, "type": "supergroup", "title": title}

    @staticmethod
    def member(user_id: int, language: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Member", "language_code": language}

    async def _process(self, payload: dict[str, Any]) -> list[ApiCall]:
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        return [
            c
            for c in self.api.calls[before:]
            if c.method not in ("answerCallbackQuery", "getChatMember")
        ]

    async def send(self, text: str, user_id: int, language: str = "en") -> list[ApiCall]:
        """A member sends a command to the group (the only messages the bot receives there)."""
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": 0,
            "chat": self.chat,
            "from": self.member(user_id, language),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return await self._process({"update_id": next(self._ids), "message": message})

    async def press(self, data: str, user_id: int, language: str = "en") -> list[ApiCall]:
        query = {
            "id": str(next(self._ids)),
            "from": self.member(user_id, language),
            "chat_instance": "group",
            "data": data,
            "message": {"message_id": 1, "date": 0, "chat": self.chat, "text": "."},
        }
        return await self._process({"update_id": next(self._ids), "callback_query": query})

    async def membership(self, old: str, new: str, by: int) -> list[ApiCall]:
        """The bot's own membership changed (added: left -> member; removed: -> left/kicked)."""
        from bot.offline_api import BOT_USER

        changed = {
            "chat": self.chat,
            "from": self.member(by),
            "date": 0,
            "old_chat_member": {"status": old, "user": BOT_USER},
            "new_chat_member": (
                {"status": new, "user": BOT_USER, "until_date": 0}
                if new == "kicked"
                else {"status": new, "user": BOT_USER}
            ),
        }
        return await self._process({"update_id": next(self._ids), "my_chat_member": changed})


@asynccontextmanager
async def running_app(
    settings, library, api: OfflineBotApi, clock, *, rate_limit: bool = False
) -> AsyncIterator[BotApplication]:
    """The bot's Application, initialised with its services, as `make run` would start it
    (with PTB's rate limiter in the request path when `rate_limit`)."""
    from bot.app import build_application

    application = build_application(
        settings, library, request=api, clock=clock, rate_limit=rate_limit
    )
    await application.initialize()
    assert application.post_init is not None and application.post_shutdown is not None
    await application.post_init(application)
    try:
        yield application
    finally:
        await application.post_shutdown(application)
        await application.shutdown()
