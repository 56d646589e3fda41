"""Chat with the bot in a terminal: the real Application, with the Bot API replaced by stdin/stdout.

Bot messages are printed as readable text, buttons are numbered, and typing a number presses one.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from bot.offline_api import ApiCall, OfflineBotApi

USER: dict[str, Any] = {"id": 42, "is_bot": False, "first_name": "You", "language_code": "en"}
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Telegram HTML as terminal text."""
    return html.unescape(_TAG.sub("", text))


class TerminalChat:
    """Turns typed lines into Telegram updates and prints what the bot sends."""

    def __init__(self, api: OfflineBotApi, out: TextIO = sys.stdout, language: str = "en") -> None:
        self.api = api
        self.out = out
        self.user = {**USER, "language_code": language}
        self.buttons: list[tuple[str, str, int]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self.on_quit: Callable[[], None] = lambda: None
        self.is_idle: Callable[[], bool] = lambda: True
        api.on_call = self.print_call

    def print_call(self, call: ApiCall) -> None:
        """Show a message (or an edit) from the bot, with its buttons numbered."""
        if call.method not in ("sendMessage", "editMessageText", "sendDocument"):
            return
        marker = "(edited) " if call.method.startswith("edit") else ""
        print(f"\nbot> {marker}{plain(call.text)}", file=self.out)
        result = call.result if isinstance(call.result, dict) else {}
        message_id = int(result.get("message_id", 0))
        labelled = call.buttons
        if labelled:
            self.buttons = [(label, data, message_id) for label, data in labelled]
            for number, (label, _, _) in enumerate(self.buttons, start=1):
                print(f"  [{number}] {plain(label)}", file=self.out)
        self.out.flush()

    def update_for(self, line: str) -> dict[str, Any] | None:
        """The Telegram update a typed line stands for: a button press or a message."""
        text = line.strip()
        if not text:
            return None
        chat = {"id": self.user["id"], "type": "private"}
        update_id = next(self._update_ids)
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            _, data, message_id = self.buttons[int(text) - 1]
            return {
                "update_id": update_id,
                "callback_query": {
                    "id": str(update_id),
                    "from": self.user,
                    "chat_instance": "terminal",
                    "data": data,
                    "message": {"message_id": message_id, "date": 0, "chat": chat, "text": "."},
                },
            }
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": 0,
            "chat": chat,
            "from": self.user,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": update_id, "message": message}

    async def _wait_until_idle(self) -> None:
        """Until the bot has answered everything typed so far (no calls for a short while)."""
        quiet_checks, seen = 0, -1
        while quiet_checks < 3:
            await asyncio.sleep(self.api.poll_seconds / 2)
            idle = self.api.updates.empty() and self.is_idle() and len(self.api.calls) == seen
            quiet_checks = quiet_checks + 1 if idle else 0
            seen = len(self.api.calls)

    async def _pump(self, lines: asyncio.Queue[str | None]) -> None:
        """Turn typed lines into updates one at a time, so that a number presses a button of
        the message the person saw (which matters when input is pasted or piped)."""
        while (line := await lines.get()) is not None:
            await self._wait_until_idle()
            update = self.update_for(line)
            if update is not None:
                self.api.updates.put_nowait(update)
        await self._wait_until_idle()
        self.on_quit()

    def start_reading(self, loop: asyncio.AbstractEventLoop, stdin: TextIO = sys.stdin) -> None:
        """Read lines on a daemon thread; the event loop turns them into updates in order."""
        lines: asyncio.Queue[str | None] = asyncio.Queue()

        def read() -> None:
            for line in stdin:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, None)  # Ctrl-D: answer, then stop

        loop.create_task(self._pump(lines))
        threading.Thread(target=read, name="terminal-input", daemon=True).start()
