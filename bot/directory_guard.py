"""A bad meetings file never talks to everyone: the last good directory, and syncs held back.

- The directory that subscriptions were last synced to is kept in the database (`DirectoryCopy`,
  one row): every sync that is applied saves it.
- At start-up, a meetings file with any problem (unreadable, over the loader's size limit, one bad
  record) is not used: the last good copy serves instead, nothing is synced (no notice, no
  pause), and organizers are told. Like /reload, which refuses such a file outright. Except a
  record repeating an earlier one's slug, at start-up and on /reload alike: it is left out and
  named, and the rest is used (`bot.meetings.refusing`); the slug keeps its first record.
- A sync that would pause or tell more than a small share of the directory subscriptions
  (`content.hold_share`, and more than `content.hold_min`) is held until an organizer confirms
  it; the last good directory serves meanwhile.

A service: may import storage, subscriptions, config and the domain; never Telegram.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.config import ContentSettings
from bot.meetings import Directory, Meeting, meeting_record
from bot.storage import DirectoryCopy, Storage
from bot.subscriptions import Subscriptions

_COPY_ID = 1


@dataclass(frozen=True)
class SavedDirectory:
    """The last good directory (read back only when it is used: a big one takes a second), and
    when it was saved."""

    text: str
    saved_at: dt.datetime

    @functools.cached_property
    def directory(self) -> Directory | None:
        """The saved directory; None when it cannot be read back."""
        try:
            return decode(self.text)
        except ValueError:
            return None


@dataclass(frozen=True)
class DirectoryHold:
    """Why the directory in use is not the meetings file's: counts and times, never content."""

    reason: Literal["load_failed", "large_change"]
    problems: int = 0  # load_failed: problems found in the file
    affected: int = 0  # large_change: subscriptions the sync would pause or tell
    subscriptions: int = 0  # large_change: all directory subscriptions
    saved_at: dt.datetime | None = None  # when the directory in use was saved (None: no copy)
    pending: Directory | None = None  # large_change: applied when an organizer confirms
    nonce: str = ""  # ties the confirm button to this hold


@dataclass(frozen=True)
class Choice:
    """What serves now, and whether it is synced to subscriptions now."""

    directory: Directory
    sync: bool
    hold: DirectoryHold | None = None


def too_large(affected: int, total: int, settings: ContentSettings) -> bool:
    """Whether a sync that moves `affected` of `total` subscriptions waits for an organizer."""
    return affected > max(settings.hold_min, settings.hold_share * total)


def encode(directory: Directory) -> str:
    """The directory as JSON, in the meetings file's own field names."""
    return json.dumps(
        {
            "program": directory.program,
            "timezone": directory.timezone,
            "meetings": [meeting_record(m) for m in directory],
        },
        ensure_ascii=False,
    )


def decode(text: str) -> Directory:
    """A directory `encode` wrote; ValueError when it cannot be read back."""
    try:
        data = json.loads(text)
        meetings = tuple(Meeting.model_validate(record) for record in data["meetings"])
        return Directory(meetings, data["program"], data["timezone"])
    except (ValidationError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError("the saved directory cannot be read") from exc


async def save_copy(storage: Storage, directory: Directory, now: dt.datetime) -> None:
    """Keep `directory` as the last good one (it was just synced to subscriptions); not written
    again when the copy saved has its origin."""
    if directory.origin:
        async with storage.session() as session:
            saved = await session.scalar(
                select(DirectoryCopy.origin).where(DirectoryCopy.id == _COPY_ID)
            )
        if saved == directory.origin:
            return
    text = encode(directory)
    # One statement, insert or update: two instances starting together both save it, and a
    # read-then-insert lets the second fail on the first's row.
    postgres = storage.engine.dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    origin = directory.origin or None
    statement = insert(DirectoryCopy).values(
        id=_COPY_ID, saved_at=now, meetings=text, origin=origin
    )
    statement = statement.on_conflict_do_update(
        index_elements=["id"], set_={"saved_at": now, "meetings": text, "origin": origin}
    )
    async with storage.session() as session:
        await session.execute(statement)


async def load_copy(storage: Storage) -> SavedDirectory | None:
    """The last good directory, or None when none was saved (or it cannot be read)."""
    async with storage.session() as session:
        row = await session.get(DirectoryCopy, _COPY_ID)
    if row is None:
        return None
    return SavedDirectory(row.meetings, row.saved_at)


async def choose(
    subscriptions: Subscriptions,
    loaded: Directory,
    problems: int,
    last_good: SavedDirectory | None,
    settings: ContentSettings,
) -> Choice:
    """Which directory serves: the file's (`loaded`, with `problems`), or the last good one.

    A file with problems never syncs. A sync too large (`too_large`) is held, with the last good
    directory serving; without a last good copy (the first start), what loaded serves unsynced.
    """

    def serving() -> tuple[Directory, dt.datetime | None]:
        """The last good directory and when it was saved, else `loaded` (and no time)."""
        saved = last_good.directory if last_good is not None else None
        if last_good is None or saved is None:
            return loaded, None
        return saved, last_good.saved_at

    if problems:
        directory, saved_at = serving()
        hold = DirectoryHold("load_failed", problems=problems, saved_at=saved_at)
        return Choice(directory, False, hold)
    affected, total = await subscriptions.sync_impact(loaded)
    if too_large(affected, total, settings):
        directory, saved_at = serving()
        hold = DirectoryHold(
            "large_change",
            affected=affected,
            subscriptions=total,
            saved_at=saved_at,
            pending=loaded,
            nonce=secrets.token_hex(4),
        )
        return Choice(directory, False, hold)
    return Choice(loaded, True)
