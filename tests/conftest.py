"""Shared fixtures: the shipped content, and the real Application on the offline Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import BotApplication, build_application
from bot.config import Settings
from bot.content import Content, load_content
from bot.meetings import load_directory
from bot.offline_api import OfflineBotApi
from bot.services import Library, Services
from tests.fakes import Chat, FixedClock

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(CONTENT_DIR)


@pytest.fixture(scope="session")
def library(content: Content) -> Library:
    return Library.build(content, load_directory(CONTENT_DIR / "meetings.yaml")[0])


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"},
            "content": {"dir": str(CONTENT_DIR)},
        }
    )


@pytest.fixture
def api() -> OfflineBotApi:
    return OfflineBotApi()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def app(
    settings: Settings, library: Library, api: OfflineBotApi, clock: FixedClock
) -> AsyncIterator[BotApplication]:
    application = build_application(settings, library, request=api, clock=clock, rate_limit=False)
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    yield application
    assert application.post_shutdown is not None
    await application.post_shutdown(application)
    await application.shutdown()


@pytest.fixture
def services(app: BotApplication) -> Services:
    return app.bot_data["services"]  # type: ignore[no-any-return]


@pytest.fixture
async def chat(app: BotApplication, api: OfflineBotApi) -> Chat:
    """A user who has already said /start."""
    person = Chat(app, api)
    await person.send("/start")
    return person


@pytest.fixture
def newcomer(app: BotApplication, api: OfflineBotApi) -> Chat:
    """A user the bot has never seen."""
    return Chat(app, api, user_id=601)
