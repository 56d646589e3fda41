"""Update throughput of the free-text path versus a bare PTB echo handler, both offline.

Both run the real PTB Application on the same offline Bot API transport; the echo bot replies with
the text it got, the real bot runs the crisis check, remembers the user, matches the question and
answers with the curated entry.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.app import build_application
from bot.config import Settings
from bot.content import load_content
from bot.offline_api import OfflineBotApi
from bot.services import Library

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "do i have to talk at my first meeting",
    "is it free",
    "can i take my antidepressants and still go to NA",
    "what if someone i know sees me there",
    "what happens if i relapse",
    "are online meetings a thing",
    "whats the difference between open and closed meetings",
    "do i need to believe in god",
]
UPDATES = 2000


def _updates(bot: Any) -> list[Update]:
    result = []
    for i in range(UPDATES):
        user = {"id": 10_000 + i % 50, "is_bot": False, "first_name": "B", "language_code": "en"}
        payload = {
            "update_id": i + 1,
            "message": {
                "message_id": i + 1,
                "date": 0,
                "chat": {"id": user["id"], "type": "private"},
                "from": user,
                "text": QUESTIONS[i % len(QUESTIONS)],
            },
        }
        result.append(Update.de_json(payload, bot))
    return result


async def _throughput(app: Application[Any, Any, Any, Any, Any, Any]) -> float:
    updates = _updates(app.bot)
    for update in updates[:50]:  # warm up: users are created, caches filled
        await app.process_update(update)
    start = time.perf_counter()
    for update in updates:
        await app.process_update(update)
    return len(updates) / (time.perf_counter() - start)


async def _echo() -> float:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    api = OfflineBotApi()
    app = ApplicationBuilder().token("0:bench").request(api).get_updates_request(api).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    try:
        return await _throughput(app)
    finally:
        await app.shutdown()


async def _bot(directory: Path) -> float:
    settings = Settings.model_validate(
        {"database": {"url": f"sqlite+aiosqlite:///{directory / 'bench.sqlite3'}"}}
    )
    library = Library.build(load_content(ROOT / "content"))
    api = OfflineBotApi()
    app = build_application(settings, library, request=api, rate_limit=False)
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    try:
        return await _throughput(app)
    finally:
        await app.post_shutdown(app)
        await app.shutdown()


def run() -> list[tuple[str, float, str]]:
    """Rows of (name, value, unit)."""
    with tempfile.TemporaryDirectory() as tmp:
        echo = asyncio.run(_echo())
        free_text = asyncio.run(_bot(Path(tmp)))
    return [
        ("echo_updates_per_s", echo, "updates/s"),
        ("free_text_updates_per_s", free_text, "updates/s"),
        ("free_text_vs_echo", free_text / echo, "ratio"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name}: {value:.3f} {unit}")
