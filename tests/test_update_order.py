"""A crisis message never waits behind someone else's chat; one chat's messages stay in order.

The updates go through the Application's own update queue and processor, as polling and the
webhook deliver them. Telegram's answer to one chat is held back to make that chat slow.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.request import RequestData

from bot.app import BotApplication
from bot.offline_api import OfflineBotApi
from bot.updates import ORDINARY_AT_ONCE, PerChatOrder

SLOW, OTHER = 601, 602
WAIT = 10.0  # seconds: only reached when the behaviour is wrong


class SlowForOneChat(OfflineBotApi):
    """Answers every call at once, except sends to the `slow` chats, held until `release` is set."""

    def __init__(self, slow: frozenset[int] = frozenset({SLOW})) -> None:
        super().__init__()
        self.slow = {str(chat) for chat in slow}
        self.release = asyncio.Event()
        self.arrived = asyncio.Condition()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        is_send = url.rsplit("/", 1)[-1].startswith("send")
        chat = request_data.json_parameters.get("chat_id") if request_data else None
        if is_send and chat in self.slow:
            await self.release.wait()
        answer = await super().do_request(url, method, request_data)
        async with self.arrived:
            self.arrived.notify_all()
        return answer

    def sent_to(self, chat_id: int) -> list[str]:
        return [
            c.text
            for c in self.calls
            if c.method == "sendMessage" and c.params.get("chat_id") == chat_id
        ]

    async def until(self, chat_id: int, text: str) -> None:
        """Wait until a message to `chat_id` containing `text` has been sent."""
        async with self.arrived:
            await asyncio.wait_for(
                self.arrived.wait_for(lambda: any(text in t for t in self.sent_to(chat_id))), WAIT
            )

    def first_with(self, chat_id: int, text: str) -> int:
        return next(i for i, t in enumerate(self.sent_to(chat_id)) if text in t)


def message(app: BotApplication, chat_id: int, text: str, number: int) -> Update:
    person = {"id": chat_id, "is_bot": False, "first_name": "Sam", "language_code": "en"}
    payload = {
        "update_id": chat_id * 100 + number,
        "message": {
            "message_id": number,
            "date": 0,
            "chat": {"id": chat_id, "type": "private"},
            "from": person,
            "text": text,
        },
    }
    return Update.de_json(payload, app.bot)


async def test_a_crisis_message_is_answered_while_another_chat_waits_on_telegram(
    settings, library, clock, content
):
    from tests.fakes import running_app

    api = SlowForOneChat()
    async with running_app(settings, library, api, clock) as app:
        assert isinstance(app.update_processor, PerChatOrder)
        await app.start()
        try:
            await app.update_queue.put(message(app, SLOW, "what happens at a first meeting", 1))
            await app.update_queue.put(message(app, SLOW, "how much does it cost", 2))
            await app.update_queue.put(message(app, OTHER, "i want to kill myself", 1))

            await api.until(OTHER, "988")  # resources first, without waiting for the slow chat
            assert api.sent_to(SLOW) == []  # whose first answer is still held

            api.release.set()
            expect, cost = (content.entries[e].question for e in ("what-to-expect", "cost"))
            await api.until(SLOW, cost)
            # The slow chat's own messages were answered in the order they came.
            assert api.first_with(SLOW, expect) < api.first_with(SLOW, cost)
        finally:
            await app.stop()
        assert app.update_processor.busy_chats() == 0  # nothing left behind for finished chats


async def test_a_crisis_message_skips_the_queue_of_ordinary_ones(settings, library, clock, content):
    """Many chats waiting on Telegram fill the ordinary slots; danger does not queue for one."""
    from tests.fakes import running_app

    crowd = frozenset(range(700, 700 + ORDINARY_AT_ONCE + 2))
    quiet = 603
    api = SlowForOneChat(crowd)
    async with running_app(settings, library, api, clock) as app:
        await app.start()
        try:
            for chat in sorted(crowd):
                await app.update_queue.put(message(app, chat, "what happens at a first meeting", 1))
            await app.update_queue.put(message(app, quiet, "how much does it cost", 1))
            await app.update_queue.put(message(app, OTHER, "i took all my pills", 1))

            await api.until(OTHER, "988")
            assert api.sent_to(quiet) == []  # an ordinary question waits its turn

            api.release.set()
            await api.until(quiet, content.entries["cost"].question)
        finally:
            api.release.set()  # so that stopping never waits on a held answer
            await app.stop()


def test_what_skips_the_queue_is_read_from_messages_captions_and_inline_queries(library):
    from bot.updates import flagged_by

    urgent = flagged_by(lambda: library.assess)
    user = {"id": 5, "is_bot": False, "first_name": "A"}
    chat = {"id": 5, "type": "private"}

    def update(**fields: Any) -> Update:
        return Update.de_json({"update_id": 1, **fields}, None)

    def message(**fields: Any) -> Update:
        return update(message={"message_id": 1, "date": 0, "chat": chat, "from": user, **fields})

    def inline(query: str) -> Update:
        return update(inline_query={"id": "1", "from": user, "query": query, "offset": ""})

    assert urgent(message(text="i want to kill myself tonight"))
    assert urgent(message(caption="i want to kill myself tonight"))
    assert urgent(inline("i want to kill myself tonight"))
    assert urgent(message(text="/sos"))
    assert not urgent(message(text="what time is the meeting"))
    assert not urgent(inline("what happens at a first meeting"))
    assert not urgent(update(callback_query={"id": "1", "from": user, "chat_instance": "x"}))
