"""Schema migrations: the models and the migrations agree, and start-up treats each database state
as it should (on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot import migrate
from bot.__main__ import main
from bot.migrate import (
    DatabaseUnreachable,
    SchemaOutOfDate,
    SchemaUnknown,
    head,
    schema_state,
    upgrade,
)
from bot.storage import Base, Storage
from tests.conftest import ROOT

UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:1/test"
SECOND = '''"""A column for the test of an out-of-date schema."""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("daily_counts", sa.Column("note", sa.String(length=10), nullable=True))


def downgrade() -> None:
    op.drop_column("daily_counts", "note")
'''


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """These tests start from a database with no tables at all."""
    return empty_database_url


async def run_sync(url: str, fn):
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(fn)
    finally:
        await engine.dispose()


def differences(metadata: MetaData):
    def compare(connection: Connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    return compare


def copy_of_models() -> MetaData:
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    return metadata


async def test_the_migrations_make_exactly_the_models(database_url):
    """`alembic check`: a model changed without a migration fails here, on both databases."""
    assert await upgrade(database_url) == head()
    assert await run_sync(database_url, differences(Base.metadata)) == []
    # And the comparison does see a change: a column the migrations do not make.
    changed = copy_of_models()
    changed.tables["users"].append_column(Column("nickname", String(20)))
    (found,) = await run_sync(database_url, differences(changed))
    assert found[0] == "add_column" and found[3].name == "nickname"


def test_the_revisions_start_up_knows_are_alembics():
    """Start-up checks the schema against `REVISIONS` without Alembic: they must not drift."""
    script = migrate._script()
    assert migrate.head() == script.get_current_head()
    oldest_first = tuple(reversed([rev.revision for rev in script.walk_revisions()]))
    assert oldest_first == migrate.REVISIONS


def test_starting_on_a_current_database_does_not_import_alembic(tmp_path: Path):
    """Alembic costs about a third of a second to import; only migrating needs it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'b.sqlite3'}"
    probe = (
        "import asyncio, sys\n"
        "from bot.storage import Storage\n"
        "async def main():\n"
        "    storage = await Storage.open(sys.argv[1])\n"
        "    await storage.close()\n"
        "    print('alembic' in sys.modules)\n"
        "asyncio.run(main())\n"
    )
    run = [sys.executable, "-c", probe, url]
    empty = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert empty.stdout.strip() == "True"  # an empty database is migrated, with Alembic
    current = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert current.stdout.strip() == "False"


async def test_an_empty_database_is_migrated_when_the_bot_opens_it(database_url):
    assert await schema_state(database_url) == "empty"
    storage = await Storage.open(database_url)
    await storage.close()
    assert await schema_state(database_url) == "current"
    storage = await Storage.open(database_url)  # and a current one simply opens
    await storage.close()


def create_before_migrations(connection: Connection) -> None:
    """The tables as the bot made them before it had migrations (later ones come from those)."""
    before = [t for name, t in Base.metadata.tables.items() if name in migrate.BASELINE]
    Base.metadata.create_all(connection, tables=before)
    # Columns later revisions added to those tables.
    connection.execute(text("ALTER TABLE users DROP COLUMN language_chosen"))
    connection.execute(text("ALTER TABLE personal_meetings DROP COLUMN link_notes"))


@pytest.fixture
def with_second_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This version of the bot, but with one more migration (0007) than the database has."""
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0007_note.py").write_text(SECOND)
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    monkeypatch.setattr(migrate, "REVISIONS", (*migrate.REVISIONS, "0007"))
    migrate._script.cache_clear()
    yield
    migrate._script.cache_clear()


async def test_an_out_of_date_schema_is_refused_until_migrated(database_url, request):
    assert await upgrade(database_url) == "0006"
    request.getfixturevalue("with_second_migration")
    assert await schema_state(database_url) == "outdated"
    with pytest.raises(SchemaOutOfDate) as refused:
        await Storage.open(database_url)
    assert (refused.value.current, refused.value.head) == ("0006", "0007")
    assert str(refused.value) == (
        "The database schema is out of date (at 0006, this version needs 0007). "
        "Back up the database, then run: python -m bot migrate"
    )
    assert await upgrade(database_url) == "0007"
    assert await schema_state(database_url) == "current"
    storage = await Storage.open(database_url)
    await storage.close()


def test_the_out_of_date_message_names_the_settings_file():
    problem = SchemaOutOfDate("0001", "0002")
    assert problem.explain("python -m bot migrate --config /etc/bot.yaml") == (
        "The database schema is out of date (at 0001, this version needs 0002). "
        "Back up the database, then run: python -m bot migrate --config /etc/bot.yaml"
    )


async def test_tables_from_before_migrations_are_refused_then_adopted_by_migrate(database_url):
    await run_sync(database_url, create_before_migrations)
    assert await schema_state(database_url) == "unknown"
    with pytest.raises(SchemaUnknown) as refused:
        await Storage.open(database_url)
    assert refused.value.adoptable
    assert "created before the bot had migrations" in str(refused.value)
    assert "Back up the database, then run: python -m bot migrate" in str(refused.value)
    assert await upgrade(database_url) == head()
    storage = await Storage.open(database_url)
    await storage.close()


async def test_a_database_of_something_else_is_never_touched(database_url):
    await run_sync(database_url, lambda c: c.execute(text("CREATE TABLE other (id INTEGER)")))
    with pytest.raises(SchemaUnknown) as refused:
        await Storage.open(database_url)
    assert not refused.value.adoptable and "not the bot's database" in str(refused.value)
    with pytest.raises(SchemaUnknown):
        await upgrade(database_url)
    assert await schema_state(database_url) == "unknown"


async def test_a_schema_from_a_newer_version_is_refused(database_url):
    await upgrade(database_url)
    await run_sync(
        database_url, lambda c: c.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    )
    with pytest.raises(SchemaUnknown, match="9999.*newer version"):
        await Storage.open(database_url)


async def test_an_unreachable_database_says_so_in_one_paragraph():
    with pytest.raises(DatabaseUnreachable) as refused:
        await Storage.open(UNREACHABLE)
    message = str(refused.value)
    assert message.startswith("Cannot connect to the database at " + UNREACHABLE)
    assert "\n" not in message and "'database.url'" in message


async def test_sqlite_keeps_its_pragmas(tmp_path: Path):
    storage = await Storage.open(f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}")
    try:
        async with storage.engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
    finally:
        await storage.close()


def test_migrate_command_says_what_it_did(tmp_path: Path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(f"database:\n  url: sqlite+aiosqlite:///{tmp_path / 'data' / 'b.sqlite3'}\n")
    assert main(["--config", str(config), "migrate"]) == 0
    assert f"migrated the schema from an empty database to revision {head()}" in (
        capsys.readouterr().out
    )
    assert main(["migrate", "--config", str(config)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_migrate_command_exits_2_when_the_database_is_unreachable(tmp_path: Path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(f"database:\n  url: {UNREACHABLE}\n")
    assert main(["migrate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Cannot connect to the database") and err.count("\n") == 1


def _start(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )


async def test_start_up_refuses_an_unmigrated_database_with_what_to_do(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    await run_sync(url, create_before_migrations)
    config = tmp_path / "c.yaml"
    config.write_text(f"database:\n  url: {url}\n")
    result = _start(config)
    assert result.returncode == 2, result.stderr
    assert f"then run: python -m bot migrate --config {config}" in result.stderr
    assert "Traceback" not in result.stderr


def test_start_up_exits_2_without_a_traceback_when_the_database_is_unreachable(tmp_path: Path):
    config = tmp_path / "c.yaml"
    config.write_text(f"database:\n  url: {UNREACHABLE}\n")
    result = _start(config)
    assert result.returncode == 2
    assert "Cannot connect to the database" in result.stderr
    assert "Traceback" not in result.stderr


def _upgrade_to(revision: str):
    def run(connection: Connection) -> None:
        from alembic import command

        config = migrate.alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    return run


async def test_0006_keeps_personal_meetings_and_their_reminders_and_never_reuses_an_id(
    database_url,
):
    """Migrated as `python -m bot migrate` does: the rows stay, and a freed id is not reused."""
    await run_sync(database_url, _upgrade_to("0005"))
    await run_sync(
        database_url,
        lambda c: [
            c.execute(text(sql))
            for sql in (
                "INSERT INTO users (chat_id, language, timezone, created_at, last_seen_on, "
                "blocked, told_timezone, language_chosen) VALUES (7, 'en', 'UTC', "
                "'2026-01-01', '2026-01-01', false, false, false)",
                "INSERT INTO personal_meetings (chat_id, name, days, time, timezone) "
                "VALUES (7, 'Kept', '1', '19:00', 'UTC'), (7, 'Newest', '2', '19:00', 'UTC')",
                "INSERT INTO subscriptions (chat_id, personal_id, lead_minutes) VALUES (7, 1, 60)",
            )
        ],
    )
    assert await upgrade(database_url) == head()

    def reuse(connection: Connection) -> list[object]:
        connection.execute(text("DELETE FROM personal_meetings WHERE id = 2"))
        connection.execute(
            text(
                "INSERT INTO personal_meetings (chat_id, name, days, time, timezone) "
                "VALUES (7, 'Another', '3', '19:00', 'UTC')"
            )
        )
        return [
            *connection.execute(text("SELECT id, name FROM personal_meetings ORDER BY id")),
            *connection.execute(text("SELECT personal_id FROM subscriptions")),
        ]

    rows = await run_sync(database_url, reuse)
    assert [tuple(r) for r in rows][:2] == [(1, "Kept"), (3, "Another")]
    assert [tuple(r) for r in rows][2:] == [(1,)]
