"""Shared fixtures: the shipped content, and the real Application on the offline Bot API.

Every test that touches the database (through `settings`, `app`, `chat`... or `database_url`) runs
on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set (CI sets it), each time on a
database at the newest schema with no rows; `empty_database_url` gives one with no tables at all,
for the tests of migrating.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.app import BotApplication, build_application
from bot.config import Settings
from bot.content import Content, load_content
from bot.meetings import load_directory
from bot.migrate import VERSION_TABLE, head, upgrade
from bot.models import build_models
from bot.offline_api import OfflineBotApi
from bot.services import Library, Services
from tests.fakes import Chat, FixedClock

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"


# The tiers (markers declared in pyproject.toml), one per file: `make test` runs them all, `make
# test-quick` the pure units and the chats. A new test file must be given a tier here.
TIERS: dict[str, str] = {
    "test_calendar.py": "unit",
    "test_calendar_zones.py": "unit",
    "test_deeplinks.py": "chat",
    "test_feed_sync.py": "chat",
    "test_checkin.py": "chat",
    "test_groups.py": "chat",
    "test_links.py": "chat",
    "test_language_choice.py": "chat",
    "test_translation_report.py": "content",
    "test_feed_shapes.py": "unit",
    "test_spanish_screens.py": "chat",
    "test_callbacks.py": "unit",
    "test_classifier.py": "unit",
    "test_delivery_outcomes.py": "unit",
    "test_layers.py": "unit",
    "test_personal.py": "unit",
    "test_matching.py": "unit",
    "test_matching_heldout.py": "unit",
    "test_meetings.py": "unit",
    "test_recurrence.py": "unit",
    "test_schedule.py": "unit",
    "test_safety.py": "unit",
    "test_timezones.py": "unit",
    "test_admin.py": "chat",
    "test_delivery_faults.py": "chat",
    "test_directory_guard.py": "chat",
    "test_flows.py": "chat",
    "test_flow_routing.py": "chat",
    "test_flow_exits.py": "chat",
    "test_flow_exit_rules.py": "unit",
    "test_privacy_files.py": "chat",
    "test_safety_replies.py": "chat",
    "test_safety_plan.py": "chat",
    "test_send_faults.py": "chat",
    "test_understanding_chat.py": "chat",
    "test_inline.py": "chat",
    "test_webhook_inputs.py": "chat",
    "test_update_order.py": "chat",
    "test_meetings_flow.py": "chat",
    "test_privacy.py": "chat",
    "test_reminder_render.py": "chat",
    "test_reminders.py": "chat",
    "test_fuzz.py": "fuzz",
    "test_directory_sync.py": "db",
    "test_engine.py": "db",
    "test_migrations.py": "db",
    "test_purge.py": "db",
    "test_send_budget.py": "db",
    "test_storage.py": "db",
    "test_config.py": "process",
    "test_end_to_end.py": "process",
    "test_kill_restart.py": "process",
    "test_startup.py": "process",
    "test_terminal.py": "process",
    "test_two_instances.py": "process",
    "test_content.py": "content",
    "test_content_faq.py": "content",
    "test_content_grounding.py": "content",
    "test_ui_keys.py": "content",
    "test_browsing.py": "chat",
    "test_personal_meetings.py": "chat",
    "test_list_labels.py": "chat",
    "test_check_content_messages.py": "content",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its file's tier; a file without one is an error, not a silent skip."""
    for item in items:
        name = item.path.name
        if name not in TIERS:
            raise pytest.UsageError(f"{name} has no tier: add it to TIERS in tests/conftest.py")
        item.add_marker(getattr(pytest.mark, TIERS[name]))


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(CONTENT_DIR)


@pytest.fixture(scope="session")
def library(content: Content) -> Library:
    # The learned readers as the bot runs them; trained once, cached where `make run` caches.
    models = build_models(content, CONTENT_DIR, CONTENT_DIR.parent / "data" / "models")
    return Library.build(content, load_directory(CONTENT_DIR / "meetings.yaml")[0], models)


_SHARED_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
# Under `make test` (pytest-xdist) each worker has a database of its own on that server: the
# first worker the configured one (`test`), the others `test_gw1`..., created on first use; where
# one cannot be created, the worker shares the configured one and takes turns (below).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _own_database(url: str, worker: str) -> str:
    if not url or worker in ("", "gw0"):
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


TEST_DATABASE_URL = _own_database(_SHARED_DATABASE_URL, _WORKER)
_database_ready = False
# Held for the length of each PostgreSQL test, so that test runs started at the same time on this
# machine (all using the one `test` database) take turns instead of dropping each other's tables.
_PG_TEST_LOCK = 0x7EC0_7E57


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def empty_postgres(connection: asyncpg.Connection) -> None:
    """Drop every table (alembic_version too) in the current schema of the test database."""
    names = await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    )
    if names:
        quoted = ", ".join(f'"{row["tablename"]}"' for row in names)
        await connection.execute(f"DROP TABLE {quoted} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A URL of an empty database: a new SQLite file, or the emptied PostgreSQL test database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    async with _postgres_turn() as lock:
        await empty_postgres(lock)
        yield TEST_DATABASE_URL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema once, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "bot.sqlite3"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


# The tables of a freshly migrated PostgreSQL test database, once this run has migrated one.
_PG_SCHEMA: set[str] = set()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[str]:
    """A URL of a database at the newest schema with no rows: a copy of a migrated SQLite file,
    or the PostgreSQL test database with its tables emptied (migrated again only when a test left
    it at another schema). Migrating takes most of a second on PostgreSQL; copying, milliseconds."""
    if request.param == "sqlite":
        path = tmp_path / "bot.sqlite3"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    async with _postgres_turn() as lock:
        tables = {
            row["tablename"]
            for row in await lock.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        current = None
        if VERSION_TABLE in tables:
            current = await lock.fetchval(f"SELECT max(version_num) FROM {VERSION_TABLE}")
        if _PG_SCHEMA and tables == _PG_SCHEMA and current == head():
            names = ", ".join(f'"{name}"' for name in sorted(tables - {VERSION_TABLE}))
            await lock.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            await empty_postgres(lock)
            await upgrade(TEST_DATABASE_URL)
            _PG_SCHEMA.clear()
            _PG_SCHEMA.update(
                row["tablename"]
                for row in await lock.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            )
        yield TEST_DATABASE_URL


async def _create_own_database() -> None:
    """This worker's database, created when it does not exist yet (once per run)."""
    global TEST_DATABASE_URL, _database_ready
    if _database_ready or TEST_DATABASE_URL == _SHARED_DATABASE_URL:
        return
    _database_ready = True
    try:
        await (await asyncpg.connect(_asyncpg_dsn(TEST_DATABASE_URL))).close()
        return
    except asyncpg.InvalidCatalogNameError:
        pass
    admin = await asyncpg.connect(_asyncpg_dsn(_SHARED_DATABASE_URL))
    try:
        name = make_url(TEST_DATABASE_URL).database
        await admin.execute(f'CREATE DATABASE "{name}"')
    except asyncpg.DuplicateDatabaseError:
        pass  # another run made it first
    except asyncpg.PostgresError:
        TEST_DATABASE_URL = _SHARED_DATABASE_URL  # not allowed here: share, taking turns
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def _postgres_turn() -> AsyncIterator[asyncpg.Connection]:
    """This test's turn at the PostgreSQL test database (skipped when none is configured)."""
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL: set TEST_DATABASE_URL to run this test on it too")
    await _create_own_database()
    lock = await asyncpg.connect(_asyncpg_dsn(TEST_DATABASE_URL))
    try:
        await lock.execute("SET statement_timeout = '15min'")
        await lock.execute("SELECT pg_advisory_lock($1)", _PG_TEST_LOCK)
        yield lock
    finally:
        await lock.close()  # which releases the lock


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings.model_validate(
        {
            "database": {"url": database_url},
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
