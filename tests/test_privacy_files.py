"""What people typed is gone from the database *files* after /forget, and never logged at DEBUG,
even by the database drivers (which log statements with their parameters)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.logs import quiet_libraries
from bot.services import Services
from tests.fakes import Chat

MARKER = "quokka93"


def _file_bytes(services: Services) -> bytes:
    database = services.storage.engine.url.database
    assert database
    files = [Path(database), Path(f"{database}-wal")]
    return b"".join(path.read_bytes() for path in files if path.exists())


async def test_debug_logs_and_database_files_keep_nothing_typed(
    chat: Chat, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    if services.storage.engine.dialect.name != "sqlite":
        pytest.skip("the file check reads SQLite's own files")
    caplog.set_level(logging.DEBUG)
    quiet_libraries()
    await chat.send("/start")
    await chat.send("/addmeeting")
    await chat.send(f"Circle {MARKER}")
    await chat.send("thursday")
    await chat.send("7pm")
    await chat.press("add:zone")
    await chat.send(f"Room {MARKER}")
    await chat.send("/addmeeting")
    await chat.send(f"Abandoned {MARKER}")  # the flow is left half way
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert MARKER not in logged
    assert MARKER.encode() in _file_bytes(services)  # kept while it is needed
    await chat.send("/forget")
    await chat.press("priv:yes")
    assert MARKER.encode() not in _file_bytes(services)
