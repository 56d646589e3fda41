"""Schema migrations (Alembic, configured in code) and the start-up check of the schema.

`python -m bot migrate` brings the database to the newest schema. Start-up (`Storage.open`) only
migrates a database that has no tables at all (a fresh SQLite file, a new PostgreSQL database);
any other database that is behind refuses to start with a message that says what to do, because
migrating live data should be a decision someone takes after a backup.

For developers, a new migration is drafted with

    .venv/bin/python -m bot.migrate revision -m "what changes" --rev-id 0002 [--autogenerate]
        [--url URL of a database at the current head]

then read and edit the draft (and `ruff format` it), and add its id to `REVISIONS`.

Start-up does not import Alembic (about a third of a second): it reads the `alembic_version` table
itself and compares it with `REVISIONS`, which a test keeps equal to Alembic's view of the scripts.
Alembic is imported only to migrate (`python -m bot migrate`, or a new, empty database).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from sqlalchemy import column, inspect, pool, select, table
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

_LOGGER = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
SchemaState = Literal["empty", "current", "outdated", "unknown"]

# Every revision in migrations/versions, oldest first; the last is the schema this version needs.
# A new migration must be added here (tests/test_migrations.py checks this against Alembic).
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006")

# The schema the bot created with `create_all` before it had migrations; such a database is adopted
# as revision 0001 by `python -m bot migrate` (never automatically at start-up).
BASELINE_REVISION = "0001"
BASELINE: dict[str, set[str]] = {
    "users": {
        "chat_id",
        "language",
        "timezone",
        "created_at",
        "last_seen_on",
        "blocked",
        "told_timezone",
    },
    "personal_meetings": {"id", "chat_id", "name", "days", "time", "timezone", "link", "place"},
    "subscriptions": {
        "id",
        "chat_id",
        "meeting_slug",
        "personal_id",
        "lead_minutes",
        "paused",
        "next_fire_at",
        "occurrence_at",
    },
    "deliveries": {"id", "subscription_id", "occurrence_at", "status", "updated_at"},
    "flows": {"chat_id", "flow", "step", "data", "updated_at"},
    "seen_updates": {"update_id", "seen_at"},
    "meeting_snapshots": {"slug", "fingerprint"},
    "daily_counts": {"day", "name", "count"},
}


@dataclass(frozen=True)
class Upgrade:
    """What `python -m bot migrate` did."""

    before: str | None  # None: the database was empty
    after: str
    adopted: bool  # tables from before migrations were recorded as revision 0001


class DatabaseProblem(Exception):
    """The database cannot be used as it is; the message says what to do."""

    def explain(self, migrate_command: str = "python -m bot migrate") -> str:
        return str(self)


class DatabaseUnreachable(DatabaseProblem):
    def __init__(self, url: str, cause: BaseException) -> None:
        self.url = _safe(url)
        self.cause = cause
        detail = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        super().__init__(
            f"Cannot connect to the database at {self.url} ({detail}). Check 'database.url' in "
            "the settings file, that the database server is running and accepts connections "
            "from this machine, and that the user, password and database name are right; the "
            "bot did not start and nothing was changed."
        )


class SchemaOutOfDate(DatabaseProblem):
    """The schema is behind the code: migrate after a backup."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current = current
        self.head = head
        super().__init__(self.explain())

    def explain(self, migrate_command: str = "python -m bot migrate") -> str:
        return (
            f"The database schema is out of date (at {self.current}, this version needs "
            f"{self.head}). Back up the database, then run: {migrate_command}"
        )


class SchemaUnknown(DatabaseProblem):
    """Tables without a recorded revision, or a revision this version does not know."""

    def __init__(self, current: str | None, head: str, adoptable: bool = False) -> None:
        self.current = current
        self.head = head
        self.adoptable = adoptable
        super().__init__(self.explain())

    def explain(self, migrate_command: str = "python -m bot migrate") -> str:
        if self.current is None and not self.adoptable:
            return (
                "The database has tables, but not the ones this bot creates, and no record of a "
                f"schema version (no '{VERSION_TABLE}' table): it is not the bot's database, and "
                "the bot will not touch it. Point 'database.url' at an empty database (or a "
                "new SQLite file) of the bot's own."
            )
        if self.current is None:
            return (
                "The database has the bot's tables but no record of their schema version (no "
                f"'{VERSION_TABLE}' table): it was created before the bot had migrations. "
                f"This version needs schema {self.head}. Back up the database, then run: "
                f"{migrate_command} (it records the tables as schema {BASELINE_REVISION} and "
                "migrates from there)."
            )
        return (
            f"The database schema is at revision {self.current}, which this version of the bot "
            f"does not know (it needs {self.head}): a newer version has probably migrated it. "
            "Run the newer version, or restore the backup taken before that migration."
        )


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration, in code: no alembic.ini is needed at run time."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@cache
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision this version of the bot knows (without importing Alembic)."""
    return REVISIONS[-1]


def _recorded(connection: Connection) -> list[str]:
    """The revisions in the version table, as Alembic's `get_current_heads` reads them."""
    version = table(VERSION_TABLE, column("version_num"))
    return list(connection.execute(select(version.c.version_num)).scalars())


def _inspect(connection: Connection) -> tuple[SchemaState, str | None]:
    tables = set(inspect(connection).get_table_names())
    current: str | None = None
    if VERSION_TABLE in tables:
        heads = _recorded(connection)
        current = heads[0] if len(heads) == 1 else None
        if not heads and tables == {VERSION_TABLE}:
            return "empty", None
    elif not tables:
        return "empty", None
    if current is None:
        return "unknown", None
    newest = head()
    if current == newest:
        return "current", current
    return ("outdated" if current in REVISIONS else "unknown"), current


def _created_before_migrations(connection: Connection) -> bool:
    """Whether the tables are exactly those the bot created before it had migrations (0001)."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    if tables != set(BASELINE):
        return False
    return all(
        {column["name"] for column in inspector.get_columns(table)} == columns
        for table, columns in BASELINE.items()
    )


def _migrate(connection: Connection) -> Upgrade:
    from alembic import command

    state, current = _inspect(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    adopted = False
    if state == "unknown":
        if current is not None or not _created_before_migrations(connection):
            raise SchemaUnknown(current, head())
        _LOGGER.info("recording tables made before migrations as revision %s", BASELINE_REVISION)
        command.stamp(config, BASELINE_REVISION)
        current, adopted = BASELINE_REVISION, True
    command.upgrade(config, "head")
    return Upgrade(before=current, after=head(), adopted=adopted)


def _engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return create_async_engine(url, poolclass=pool.NullPool, hide_parameters=True)


def _inspect_for_start(connection: Connection) -> tuple[SchemaState, str | None, bool]:
    state, current = _inspect(connection)
    adoptable = state == "unknown" and current is None and _created_before_migrations(connection)
    return state, current, adoptable


async def _read_state(engine: AsyncEngine, url: str) -> tuple[SchemaState, str | None, bool]:
    """(state, current revision, tables from before migrations) of the database."""
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_inspect_for_start)
    except (OSError, DBAPIError) as exc:
        raise DatabaseUnreachable(url, exc) from exc


async def prepare(engine: AsyncEngine, url: str) -> SchemaState:
    """The start-up policy: migrate an empty database, accept a current one, refuse the rest."""
    state, current, adoptable = await _read_state(engine, url)
    if state == "empty":
        await migrate_engine(engine)
    elif state == "outdated":
        raise SchemaOutOfDate(current, head())
    elif state == "unknown":
        raise SchemaUnknown(current, head(), adoptable)
    return state


async def migrate_engine(engine: AsyncEngine) -> Upgrade:
    """Apply every pending migration in one transaction (DDL is transactional on PostgreSQL)."""
    async with engine.begin() as connection:
        return await connection.run_sync(_migrate)


async def migrate(url: str) -> Upgrade:
    """`python -m bot migrate`: what the database was at, and is at now."""
    engine = _engine(url)
    try:
        await _read_state(engine, url)  # a clear message when it cannot be reached
        return await migrate_engine(engine)
    finally:
        await engine.dispose()


async def upgrade(url: str) -> str:
    """Bring the database at `url` to the newest schema; the revision it is at now."""
    return (await migrate(url)).after


async def schema_state(url: str) -> SchemaState:
    """Whether the database at `url` is empty, current, behind, or not something we know."""
    engine = _engine(url)
    try:
        return (await _read_state(engine, url))[0]
    finally:
        await engine.dispose()


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as not shown
        return "(the configured URL)"


def cli(url: str, migrate_command: str, out: TextIO) -> int:
    """`python -m bot migrate`: apply the pending migrations and say what was done (2: failed)."""
    try:
        done = asyncio.run(migrate(url))
    except DatabaseProblem as exc:
        print(exc.explain(migrate_command), file=sys.stderr)
        return 2
    where = _safe(url)
    if done.adopted:
        print(
            f"{where}: recorded the existing tables as schema {BASELINE_REVISION} "
            "(they were created before the bot had migrations).",
            file=out,
        )
    if done.before == done.after:
        print(f"{where}: the schema is up to date (revision {done.after}).", file=out)
    else:
        print(
            f"{where}: migrated the schema from {done.before or 'an empty database'} "
            f"to revision {done.after}.",
            file=out,
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Developer entry point: draft a new migration (`revision`) without an alembic.ini."""
    parser = argparse.ArgumentParser(prog="python -m bot.migrate")
    sub = parser.add_subparsers(dest="command", required=True)
    revision = sub.add_parser("revision", help="draft a new migration in bot/migrations/versions")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true")
    revision.add_argument("--rev-id", help="the revision id, such as 0002 (the next number)")
    revision.add_argument(
        "--url",
        default="sqlite+aiosqlite:///data/bot.sqlite3",
        help="a database at the current head, to compare the models with (for --autogenerate)",
    )
    args = parser.parse_args(argv)
    from alembic import command

    config = alembic_config(args.url)
    command.revision(
        config, message=args.message, autogenerate=args.autogenerate, rev_id=args.rev_id
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
