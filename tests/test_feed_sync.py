"""Feeds kept in step (`directory.feeds`): fetched on schedule over real HTTP with conditional
requests, their last good copy kept in the database through failures and restarts."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.delivery import sync_feeds
from bot.offline_api import OfflineBotApi
from bot.storage import FeedCopy, Subscription
from bot.subscriptions import MeetingRef
from tests.fakes import Chat, FixedClock, running_app
from tests.test_reminders import library_with

FEEDS = Path(__file__).parent / "feeds"
START = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
# The tsml-ui fixture: four weekly meetings (a fifth record is by appointment, skipped).
TSML = json.loads((FEEDS / "tsml_ui.json").read_text())
TSML_SLUGS = {"in-person", "online", "inactive", "test-meeting"}


class FeedServer(ThreadingHTTPServer):
    """A feed on loopback that answers as a real server would: ETag, 304, errors, slowness."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.records: list[object] = TSML
        self.version = 1
        self.status = 200
        self.delay = 0.0
        self.raw: bytes | None = None
        self.requests: list[dict[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/wp-admin/admin-ajax.php?action=meetings"

    def publish(self, records: list[object]) -> None:
        self.records, self.version = records, self.version + 1


class _Handler(BaseHTTPRequestHandler):
    server: FeedServer

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        feed = self.server
        feed.requests.append(dict(self.headers))
        time.sleep(feed.delay)
        etag = f'"v{feed.version}"'
        if feed.status != 200:
            self.send_response(feed.status)
            self.end_headers()
            return
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        body = feed.raw if feed.raw is not None else json.dumps(feed.records).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    # A short poll: shutdown() waits for the loop to look (0.5 s by default, every test).
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def settings_for(database_url: str, *urls: str, timeout: float = 5.0) -> Settings:
    return Settings.model_validate(
        {
            "database": {"url": database_url},
            "defaults": {"timezone": "America/New_York"},
            "directory": {
                "feeds": [{"url": url, "timezone": "America/New_York"} for url in urls],
                "fetch_timeout_seconds": timeout,
            },
        }
    )


def slugs(app) -> set[str]:
    return {m.slug for m in app.bot_data["services"].library.directory}


async def copy_row(app) -> FeedCopy:
    async with app.bot_data["services"].storage.session() as session:
        (row,) = await session.scalars(select(FeedCopy))
        return row


async def sync(app, clock: FixedClock, minutes: int = 0):
    clock.now += dt.timedelta(minutes=minutes)
    return await sync_feeds(app.bot, app.bot_data["services"])


async def test_a_feed_is_read_on_schedule_and_an_unchanged_one_costs_a_304(
    content, database_url, feed
):
    api, clock = OfflineBotApi(), FixedClock(START)
    settings = settings_for(database_url, feed.url)
    async with running_app(settings, library_with(content), api, clock) as app:
        (outcome,) = await sync(app, clock)
        assert (outcome.changed, outcome.meetings, outcome.skipped) == (True, 4, 1)
        assert slugs(app) == TSML_SLUGS
        assert "If-None-Match" not in feed.requests[0]
        assert await sync(app, clock, minutes=30) == []  # not due: no request at all
        assert len(feed.requests) == 1
        (outcome,) = await sync(app, clock, minutes=31)
        assert feed.requests[1]["If-None-Match"] == '"v1"'
        assert not outcome.changed and outcome.error is None and slugs(app) == TSML_SLUGS
        # Browsing sees them like any meeting.
        chat = Chat(app, api)
        await chat.send("/start")
        shown = await chat.send("/meetings")
        assert "Test Meeting" in " ".join(label for c in shown for label, _ in c.buttons)


async def test_a_meeting_that_leaves_the_feed_leaves_the_directory_and_its_people_are_told(
    content, database_url, feed
):
    api, clock = OfflineBotApi(), FixedClock(START)
    settings = settings_for(database_url, feed.url)
    async with running_app(settings, library_with(content), api, clock) as app:
        await sync(app, clock)
        chat = Chat(app, api)
        await chat.send("/start")
        await chat.press(f"rem:tog:{MeetingRef.directory('online').encode()}:60")
        feed.publish([r for r in TSML if r.get("slug") != "online"])
        before = len(api.calls)
        (outcome,) = await sync(app, clock, minutes=61)
        assert outcome.changed and "online" not in slugs(app)
        told = [c for c in api.calls[before:] if c.method == "sendMessage"]
        assert len(told) == 1 and told[0].params["chat_id"] == chat.user["id"]
        async with app.bot_data["services"].storage.session() as session:
            (sub,) = await session.scalars(select(Subscription))
        assert sub.paused == "gone"


@pytest.mark.parametrize(
    ("trouble", "reason"),
    [
        ({"status": 500}, "the server answered 500"),
        ({"raw": b"<html>maintenance</html>"}, "not JSON"),
        ({"raw": json.dumps([{"name": "no day or time"}]).encode()}, "no record could be read"),
        ({"delay": 1.5}, "no answer within 0.5 s"),
    ],
)
async def test_a_feed_that_fails_keeps_its_last_good_copy(
    content, database_url, feed, caplog, trouble, reason
):
    api, clock = OfflineBotApi(), FixedClock(START)
    settings = settings_for(database_url, feed.url, timeout=0.5)
    async with running_app(settings, library_with(content), api, clock) as app:
        await sync(app, clock)
        for name, value in trouble.items():
            setattr(feed, name, value)
        feed.version += 1
        caplog.set_level(logging.DEBUG)
        (outcome,) = await sync(app, clock, minutes=61)
        assert outcome.error is not None and reason in outcome.error
        assert slugs(app) == TSML_SLUGS
        row = await copy_row(app)
        assert reason in (row.error or "") and row.fetched_at == START
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "127.0.0.1" in logged and "maintenance" not in logged and "action=" not in logged


async def test_a_restart_serves_the_last_copy_without_fetching(content, database_url, feed):
    api, clock = OfflineBotApi(), FixedClock(START)
    settings = settings_for(database_url, feed.url)
    async with running_app(settings, library_with(content), api, clock) as app:
        await sync(app, clock)
    feed.status = 503  # down while the bot restarts
    async with running_app(settings, library_with(content), api, clock) as app:
        assert slugs(app) == TSML_SLUGS
        assert len(feed.requests) == 1


async def test_two_instances_serve_the_copy_one_of_them_fetched(content, database_url, feed):
    api, clock = OfflineBotApi(), FixedClock(START)
    settings = settings_for(database_url, feed.url)
    async with (
        running_app(settings, library_with(content), api, clock) as first,
        running_app(settings, library_with(content), OfflineBotApi(), clock) as second,
    ):
        await sync(first, clock)
        assert slugs(second) == set()
        assert await sync(second, clock, minutes=1) == []  # not due: the first just asked
        assert slugs(second) == TSML_SLUGS and len(feed.requests) == 1


async def test_a_feed_saved_as_a_file_is_read_again_only_when_it_changes(
    content, database_url, tmp_path
):
    saved = tmp_path / "feed.json"
    saved.write_text(json.dumps(TSML))
    api, clock = OfflineBotApi(), FixedClock(START)
    settings = settings_for(database_url, str(saved))
    async with running_app(settings, library_with(content), api, clock) as app:
        (first,) = await sync(app, clock)
        assert first.changed and slugs(app) == TSML_SLUGS
        (same,) = await sync(app, clock, minutes=61)
        assert not same.changed
        saved.write_text(json.dumps(TSML[:1]))
        (changed,) = await sync(app, clock, minutes=61)
        assert changed.changed and slugs(app) == {"in-person"}


async def test_organizers_see_how_each_feed_is_doing_in_stats(content, database_url, feed):
    api, clock = OfflineBotApi(), FixedClock(START)
    settings = settings_for(database_url, feed.url).model_copy(update={"admins": (42,)})
    async with running_app(settings, library_with(content), api, clock) as app:
        await sync(app, clock)
        organizer = Chat(app, api, user_id=42)
        await organizer.send("/start")
        (stats,) = await organizer.send("/stats")
        assert "Feed 127.0.0.1: 4 meetings, last read 2026-03-02 12:00 UTC" in stats.text
        feed.status = 500
        await sync(app, clock, minutes=61)
        (stats,) = await organizer.send("/stats")
        assert "the last try failed (the server answered 500); 4 meetings read" in stats.text


def test_stored_records_are_rebuilt_exactly_as_validated_and_old_ones_validated():
    """Start-up rebuilds a feed copy's meetings without validating them again: every meeting
    comes back equal to the one validated when it was stored; a copy in another format (an
    older version's) is validated, and a record that no longer validates is left out."""
    from bot.feeds import copy_of
    from bot.meetings import (
        RECORD_FORMAT,
        load_directory,
        meeting_from_record,
        meeting_record,
        read_feed,
    )
    from tests.conftest import CONTENT_DIR

    shipped, _ = load_directory(CONTENT_DIR / "meetings.yaml")
    fed = read_feed(TSML, "AA", "America/New_York").meetings
    meetings = [*shipped, *fed]
    assert len(meetings) > 20
    for meeting in meetings:
        assert meeting_from_record(meeting_record(meeting)) == meeting
        record = json.loads(json.dumps(meeting_record(meeting)))  # as stored: through JSON
        assert meeting_from_record(record) == meeting
    records = [meeting_record(m) for m in meetings]
    new = FeedCopy(
        id="x", source="s", meetings=json.dumps({"format": RECORD_FORMAT, "meetings": records})
    )
    assert list(copy_of(new).meetings) == meetings
    old = FeedCopy(id="x", source="s", meetings=json.dumps([*records, {"name": "no slug"}]))
    assert list(copy_of(old).meetings) == meetings
