"""Meeting Guide feeds kept in step (`directory.feeds`): fetched on schedule, read tolerantly, and
their last good copy kept in the database.

Each feed is asked for at most every `refresh_minutes`, with the validators of the copy it gave
last (`If-None-Match`, `If-Modified-Since`), so an unchanged feed costs a 304 and no parsing. A
feed that cannot be fetched (time-out, refusal, too large) or read (not JSON, no record usable)
keeps its last good copy, and the reason is kept for organizers (never the feed's content). The
copies live in `feed_copies`, so a restart serves the feeds' meetings without fetching them, and
every instance on one database serves the same copy: the one that fetched it stores it, the others
pick it up.

A feed's meetings join the meetings file's by slug (`compose`): a feed's meeting replaces the
file's meeting with its slug, and a meeting that left the feed leaves the directory. Putting the
result in place (syncing subscriptions, holding a change that is too large) is
`bot.delivery.directory`'s.

A service: may import storage, config and the domain; never Telegram.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import defer

from bot.config import FeedSettings
from bot.meetings import (
    RECORD_FORMAT,
    Directory,
    Meeting,
    meeting_from_record,
    meeting_record,
    merge,
    read_feed,
)
from bot.storage import FeedCopy, Storage

_LOGGER = logging.getLogger(__name__)
MAX_REASON = 300
MAX_FEED_BYTES = 20 * 1024 * 1024
USER_AGENT = "recovery-companion-bot meeting import"


class FeedError(Exception):
    """The feed cannot be read at all; the message says why."""


def feed_records(body: bytes) -> list[Any]:
    """The records of a Meeting Guide feed (a JSON list, or an object with a `meetings` list);
    FeedError when it is not one."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FeedError("the feed is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise FeedError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise FeedError("the feed is nested too deeply to be a Meeting Guide feed") from exc
    if isinstance(data, dict) and isinstance(data.get("meetings"), list):
        data = data["meetings"]
    if not isinstance(data, list):
        raise FeedError("a Meeting Guide feed is a JSON list of meetings")
    return data


@dataclass(frozen=True)
class Answer:
    """A feed's answer: its body, or None when it has not changed since the copy we hold."""

    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What one refresh of one feed did (counts and a reason, never content)."""

    source: str
    changed: bool = False
    error: str | None = None
    meetings: int = 0
    skipped: int = 0
    dropped: int = 0


@dataclass(frozen=True)
class Copy:
    """A feed's stored meetings, and when they were read."""

    source: str
    meetings: tuple[Meeting, ...]
    fetched_at: dt.datetime | None


def feed_id(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


async def fetch(
    url: str, etag: str | None, last_modified: str | None, *, wait_seconds: float
) -> Answer:
    """GET `url` conditionally, at most `MAX_FEED_BYTES`; FeedError saying why it failed."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with (
            httpx.AsyncClient(timeout=wait_seconds, follow_redirects=True) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == httpx.codes.NOT_MODIFIED:
                return Answer(None, etag, last_modified)
            if response.status_code != httpx.codes.OK:
                raise FeedError(f"the server answered {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > MAX_FEED_BYTES:
                    raise FeedError(f"the feed is larger than {MAX_FEED_BYTES // 2**20} MB")
            return Answer(
                bytes(body), response.headers.get("ETag"), response.headers.get("Last-Modified")
            )
    except httpx.TimeoutException as exc:
        raise FeedError(f"no answer within {wait_seconds:g} s") from exc
    except httpx.HTTPError as exc:
        raise FeedError(f"cannot reach the feed ({type(exc).__name__})") from exc


def read_file(path: Path, etag: str | None) -> Answer:
    """A feed saved as a file: unchanged when its size and modification time are."""
    try:
        status = path.stat()
        validator = f"{status.st_mtime_ns}-{status.st_size}"
        if validator == etag:
            return Answer(None, etag)
        if status.st_size > MAX_FEED_BYTES:
            raise FeedError(f"the feed is larger than {MAX_FEED_BYTES // 2**20} MB")
        return Answer(path.read_bytes(), validator)
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from exc


def due(row: FeedCopy | None, feed: FeedSettings, now: dt.datetime) -> bool:
    """Whether `feed` is to be asked for again at `now`."""
    if row is None or row.checked_at is None:
        return True
    return now - row.checked_at >= dt.timedelta(minutes=feed.refresh_minutes)


async def refresh(
    storage: Storage, feed: FeedSettings, now: dt.datetime, *, program: str, wait_seconds: float
) -> Outcome:
    """Ask for `feed` once and store what it gave; its last good copy stays on any failure."""
    key = feed_id(feed.url)
    async with storage.session() as session:
        validators = await session.execute(
            select(FeedCopy.etag, FeedCopy.last_modified).where(FeedCopy.id == key)
        )
        etag, last_modified = validators.one_or_none() or (None, None)
    try:
        if feed.url.lower().startswith(("https://", "http://")):
            answer = await fetch(feed.url, etag, last_modified, wait_seconds=wait_seconds)
        else:
            answer = read_file(Path(feed.url), etag)
        if answer.body is None:
            await _save(storage, key, feed.url, now, error=None)
            return Outcome(feed.url)
        reading = read_feed(feed_records(answer.body), feed.program or program, feed.timezone)
        if not reading.meetings and reading.skipped:
            raise FeedError(f"no record could be read ({len(reading.skipped)} skipped)")
    except FeedError as exc:
        reason = str(exc)[:MAX_REASON]
        _LOGGER.warning("feed %s kept its last good copy: %s", host_of(feed.url), reason)
        await _save(storage, key, feed.url, now, error=reason)
        return Outcome(feed.url, error=reason)
    meetings = [m.model_copy(update={"source": feed.url}) for m in reading.meetings]
    records = stored_copy(meetings)
    await _save(
        storage,
        key,
        feed.url,
        now,
        error=None,
        fetched={"etag": answer.etag, "last_modified": answer.last_modified, "meetings": records},
    )
    return Outcome(feed.url, True, None, len(meetings), len(reading.skipped), len(reading.dropped))


async def _save(
    storage: Storage,
    key: str,
    source: str,
    now: dt.datetime,
    *,
    error: str | None,
    fetched: dict[str, str | None] | None = None,
) -> None:
    async with storage.session() as session:
        row = await session.get(FeedCopy, key, options=[defer(FeedCopy.meetings)])
        if row is None:
            row = FeedCopy(id=key, source=source, meetings="[]")
            session.add(row)
        row.checked_at, row.error = now, error
        if fetched is not None:
            row.etag, row.last_modified = fetched["etag"], fetched["last_modified"]
            row.meetings = fetched["meetings"] or "[]"
            row.fetched_at = now


async def rows(
    storage: Storage, feeds: Sequence[FeedSettings], *, meetings: bool = True
) -> dict[str, FeedCopy]:
    """The stored rows of the configured feeds, by address (feeds no longer configured are not
    served). Without `meetings`, only when each was asked for and read (a big feed's copy is
    megabytes: the minute's look for due feeds must not read it)."""
    wanted = {feed_id(feed.url): feed.url for feed in feeds}
    if not wanted:
        return {}
    query = select(FeedCopy).where(FeedCopy.id.in_(wanted))
    if not meetings:
        query = query.options(defer(FeedCopy.meetings, raiseload=True))
    async with storage.session() as session:
        found = await session.scalars(query)
        return {wanted[row.id]: row for row in found}


def stored_copy(meetings: Iterable[Meeting]) -> str:
    """A feed's meetings as its stored copy keeps them (read back by `copy_of`)."""
    records = [meeting_record(m) for m in meetings]
    return json.dumps({"format": RECORD_FORMAT, "meetings": records}, ensure_ascii=False)


def copy_of(row: FeedCopy) -> Copy:
    """A stored row's meetings. Records this version wrote (its `RECORD_FORMAT`) are rebuilt
    without validating them again; others (an older version's) are validated, and one that no
    longer validates is left out, with a count."""
    stored = json.loads(row.meetings or "[]")
    trusted = isinstance(stored, dict) and stored.get("format") == RECORD_FORMAT
    records = stored.get("meetings", []) if isinstance(stored, dict) else stored
    if trusted:
        return Copy(row.source, tuple(map(meeting_from_record, records)), row.fetched_at)
    meetings: list[Meeting] = []
    bad = 0
    for record in records:
        try:
            meetings.append(Meeting.model_validate(record))
        except ValidationError:
            bad += 1
    if bad:
        _LOGGER.warning("feed %s: %d stored meetings no longer read", host_of(row.source), bad)
    return Copy(row.source, tuple(meetings), row.fetched_at)


def compose(directory: Directory, copies: Iterable[Copy]) -> Directory:
    """`directory` with each feed copy's meetings in (by slug), and none that left that feed."""
    for copy in copies:
        merged, _ = merge(directory, copy.meetings, copy.source)
        origin = ""
        if directory.origin and copy.fetched_at is not None:
            made = f"{directory.origin}|{copy.source}|{copy.fetched_at.isoformat()}"
            origin = hashlib.sha256(made.encode()).hexdigest()
        directory = Directory(tuple(merged), directory.program, directory.timezone, origin)
    return directory


def host_of(url: str) -> str:
    """A feed named in a log line by its host (or file name), not its whole address."""
    if "://" in url:
        return httpx.URL(url).host or "?"
    return Path(url).name
