"""Import a Meeting Guide JSON feed (a file or an http(s) URL) into `content/meetings.yaml`.

The feed is read whole (at most `MAX_FEED_BYTES`, `FETCH_TIMEOUT_SECONDS` per request), parsed
with `bot.meetings.parse_feed`, merged by slug into the existing directory, and the file is
rewritten in one step (write a temporary file, then rename). Nothing is written when the feed
cannot be read, or when the existing file has problems (they would be lost on rewrite): the report
says why. The rewritten file keeps every meeting but not hand-written comments.
"""

from __future__ import annotations

import os
import stat
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.content import Problem
from bot.feed_zones import zone_named
from bot.feeds import MAX_FEED_BYTES, USER_AGENT, FeedError, feed_records
from bot.meetings import (
    DEFAULT_PROGRAM,
    PROGRAMS,
    Directory,
    check_timezone,
    dump_directory,
    load_directory,
    merge,
    read_feed,
)
from bot.yamlfile import MAX_FILE_BYTES

FETCH_TIMEOUT_SECONDS = 20

Fetch = Callable[[str], bytes]


def fetch_url(url: str) -> bytes:
    """GET an http(s) URL, at most `MAX_FEED_BYTES`, with a `FETCH_TIMEOUT_SECONDS` timeout."""
    if not url.lower().startswith(("https://", "http://")):
        raise FeedError(f"only http and https addresses can be fetched, not {url!r}")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            body: bytes = response.read(MAX_FEED_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise FeedError(f"the server answered {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise FeedError(f"cannot reach the feed: {exc.reason}") from exc
    except (TimeoutError, OSError) as exc:
        raise FeedError(f"cannot read the feed: {exc}") from exc
    if len(body) > MAX_FEED_BYTES:
        raise FeedError(f"the feed is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
    return body


def _read_source(source: str, fetch: Fetch) -> bytes:
    if source.lower().startswith(("https://", "http://")):
        body = fetch(source)
    elif "://" in source:
        raise FeedError(f"give a file path or an http(s) address, not {source!r}")
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_FEED_BYTES:
                raise FeedError(f"the feed is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
            body = path.read_bytes()
        except OSError as exc:
            raise FeedError(f"cannot read {source}: {exc.strerror or exc}") from exc
    if len(body) > MAX_FEED_BYTES:
        raise FeedError(f"the feed is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
    return body


@dataclass
class ImportReport:
    """What an import did; `lines()` is ready to print."""

    source: str
    directory_path: Path
    error: str | None = None
    imported: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    dropped: list[tuple[int, str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.error is not None:
            out.append(f"Import from {self.source} failed: {self.error}")
            out.extend(f"  {p}" for p in self.problems)
            return out
        c = self.counts
        out.append(
            f"Imported {self.imported} meetings from {self.source} into {self.directory_path}: "
            f"{c.get('added', 0)} added, {c.get('updated', 0)} updated, "
            f"{c.get('unchanged', 0)} unchanged, {c.get('removed', 0)} removed (no longer in"
            f" the feed), {c.get('kept', 0)} kept from elsewhere."
        )
        if c.get("removed"):
            out.append(
                "The removed meetings' subscribers are told, and their reminders paused, when the"
                " bot next loads the directory (/reload, or a restart)."
            )
        if self.dropped:
            out.append(f"Left out {len(self.dropped)} bad fields, keeping their meetings:")
            for index, label, reason in self.dropped:
                name = f" ({printable(label)})" if label else ""
                out.append(f"  record [{index}]{name}: {printable(reason)}")
        if self.skipped:
            out.append(f"Skipped {len(self.skipped)} records:")
            for index, label, reason in self.skipped:
                name = f" ({printable(label)})" if label else ""
                out.append(f"  record [{index}]{name}: {printable(reason)}")
        return out


def check_timezone_message(name: str) -> str:
    try:
        check_timezone(name)
    except ValueError as exc:
        return str(exc)
    return f"unknown time zone {name!r}"


def printable(text: str) -> str:
    """`text` safe for an organizer's terminal: control characters (escape sequences that could
    retitle or clear it) shown as escapes, not sent."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode() for ch in text
    )


def import_meetings(
    source: str,
    directory_path: Path,
    *,
    default_timezone: str | None = None,
    program: str | None = None,
    fetch: Fetch = fetch_url,
) -> ImportReport:
    """Read a feed from a file path or http(s) URL and merge it into the meetings file.

    Records without a `timezone` take `default_timezone`, else the file's own `timezone:`, else
    the zone their coordinates or state imply (skipped when none can be known); records take
    `program` (else the file's top-level `program:`, else AA).
    """
    report = ImportReport(source=source, directory_path=directory_path)
    if default_timezone is not None:
        named = zone_named(default_timezone)
        if named is None:
            report.error = f"default time zone: {check_timezone_message(default_timezone)}"
            return report
        default_timezone = named
    if program is not None and program.upper() not in PROGRAMS:
        report.error = f"unknown program {program!r}; use one of {', '.join(PROGRAMS)}"
        return report
    try:
        records = feed_records(_read_source(source, fetch))
    except FeedError as exc:
        report.error = str(exc)
        return report

    existing = Directory()
    if directory_path.exists():
        existing, problems = load_directory(directory_path)
        if problems:
            report.error = (
                f"{directory_path} has problems; fix them first, or the import would drop "
                "those meetings"
            )
            report.problems = problems
            return report
    default_program = program.upper() if program else existing.program
    # The directory file's own `timezone:` is the feed's default unless one was given.
    feed_zone = default_timezone or existing.timezone
    reading = read_feed(records, default_program, feed_zone)
    meetings = [m.model_copy(update={"source": source}) for m in reading.meetings]
    merged, counts = merge(existing, meetings, source)
    report.imported, report.counts = len(meetings), counts
    report.skipped, report.dropped = reading.skipped, reading.dropped
    text = dump_directory(
        merged,
        program=existing.program if existing.program != DEFAULT_PROGRAM else None,
        timezone=existing.timezone,
    )
    if len(text.encode()) > MAX_FILE_BYTES:
        # What the importer writes, the loader must read: a directory this big is not a file
        # to edit by hand, and parsing it at every start would be slow. Feeds are kept in the
        # database instead.
        report.error = (
            f"{len(merged)} meetings would make {directory_path} larger than the"
            f" {MAX_FILE_BYTES // 1_000_000} MB a meetings file may be; nothing was written. List"
            f" the feed under directory.feeds in the config instead: the bot keeps it in step and"
            f" in its database."
        )
        return report
    try:
        _write_atomically(directory_path, text)
    except OSError as exc:
        report.error = f"cannot write {directory_path}: {exc.strerror or exc}"
        return report
    report.written = True
    return report


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temp, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def main(source: str, directory_path: Path, default_timezone: str | None, out: TextIO) -> int:
    """Run an import and print its report: 0 when it was written, 1 when it could not be."""
    report = import_meetings(source, directory_path, default_timezone=default_timezone)
    for line in report.lines():
        print(line, file=out)
    return 0 if report.ok else 1
