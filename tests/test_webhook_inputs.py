"""The webhook server answers every body it is sent: malformed ones get 400 or are dropped with 200,
never 500; /healthz answers in time even when the database never does."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from tornado.httpserver import HTTPServer

from bot.app import BotApplication
from bot.config import Settings
from bot.services import Services
from bot.webhook import HEALTH_TIMEOUT_S, database_answers, make_web_app
from tests.fakes import OfflineBotApi

SECRET = "s3cret-Token_1"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}


@pytest.fixture
async def webhook(app: BotApplication, settings: Settings) -> AsyncIterator[str]:
    hooked = settings.model_copy(
        update={
            "telegram": settings.telegram.model_copy(
                update={
                    "webhook": settings.telegram.webhook.model_validate(
                        {"path": "/tg", "secret_token": SECRET}
                    )
                }
            )
        }
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = HTTPServer(make_web_app(app, hooked))
    server.listen(port, address="127.0.0.1")
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _message(update_id: int, **message: Any) -> dict[str, Any]:
    return {"update_id": update_id, "message": {"message_id": 1, "date": 0, **message}}


MALFORMED: list[bytes] = [
    b"",
    b"not json",
    b"null",
    b"[]",
    b'"text"',
    b'{"update_id": "abc"}',
    b'{"update_id": true}',
    b'{"update_id": -4}',
    b'{"update_id": 123456789012345678901234567890}',
    b'{"update_id": 1.5}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"update_id": 5, "message": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}",
    json.dumps({"update_id": 6, "message": "hello"}).encode(),
    json.dumps({"update_id": 7, "callback_query": {"id": "1"}}).encode(),
    json.dumps({"update_id": 8, "message": {"text": "hi \ud800"}}).encode(),
]


@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
async def test_a_malformed_body_never_gets_500(webhook: str, body: bytes) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{webhook}/tg", content=body, headers=HEADERS)
    assert response.status_code in (200, 400)


async def test_updates_without_chat_or_sender_are_dropped_not_handled(
    webhook: str, app: BotApplication, api: OfflineBotApi
) -> None:
    no_chat = _message(
        11, text="is it free", **{"from": {"id": 5, "is_bot": False, "first_name": "A"}}
    )
    no_sender = {
        "update_id": 12,
        "callback_query": {"id": "9", "chat_instance": "1", "data": "gr:home"},
    }
    async with httpx.AsyncClient() as client:
        for update in (no_chat, no_sender):
            response = await client.post(f"{webhook}/tg", json=update, headers=HEADERS)
            assert response.status_code == 200
    assert app.update_queue.empty()
    assert not [c for c in api.calls if c.method == "sendMessage"]


async def test_health_answers_in_time_when_the_database_hangs(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Silent:
        async def __aenter__(self) -> None:
            await asyncio.sleep(3600)

        async def __aexit__(self, *exc: object) -> None:
            return None

    class SilentEngine:
        def connect(self) -> Silent:
            return Silent()

    monkeypatch.setattr(services.storage, "engine", SilentEngine())
    answered = await asyncio.wait_for(database_answers(services), timeout=HEALTH_TIMEOUT_S + 1)
    assert answered is False


class _Logged(Exception):
    """Start-up got as far as setting up logging (the rest is not this test's)."""


def test_logging_level_is_honoured_in_webhook_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import __main__ as entry
    from bot import logs

    levels: list[str] = []

    def record(level: str, token: str | None) -> None:
        levels.append(level)
        raise _Logged

    monkeypatch.setattr(logs, "setup_logging", record)
    settings = Settings.model_validate(
        {
            "telegram": {
                "token": "123:abc",
                "mode": "webhook",
                "webhook": {"public_url": "https://bot.example.org", "secret_token": SECRET},
            },
            "logging": {"level": "DEBUG"},
        }
    )
    with pytest.raises(_Logged):
        entry._prepare(settings)
    assert levels == ["DEBUG"]
