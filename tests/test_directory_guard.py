"""A bad directory never talks to everyone: start-up keeps the last good one when the meetings file
fails, and a sync that would pause or notify many subscriptions waits for an organizer.

Through the real Application on the offline Bot API, started and restarted on one database, as a
deployment restarts after someone edited `meetings.yaml`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import shutil

import pytest
import yaml
from sqlalchemy import func, select

from bot.config import ContentSettings, Settings
from bot.directory_guard import decode, encode, too_large
from bot.meetings import Directory, Meeting, meeting_record
from bot.offline_api import OfflineBotApi
from bot.services import Library, Services
from bot.storage import Subscription
from tests.conftest import CONTENT_DIR
from tests.fakes import Chat, FixedClock, running_app
from tests.seeding import meeting_for, seed

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)
MEETING = meeting_for(START)
OTHER = Meeting.model_validate(
    {
        "name": "Another Group",
        "slug": "another-group",
        "day": 1,
        "time": "19:00",
        "timezone": "UTC",
        "conference_url": "https://example.org/join/other",
    }
)
ADMIN = 900
PEOPLE = 20


@pytest.fixture
def organizer_settings(database_url: str) -> Settings:
    return Settings.model_validate(
        {"database": {"url": database_url}, "content": {"dir": str(CONTENT_DIR)}, "admins": [ADMIN]}
    )


def notices(api: OfflineBotApi) -> list:
    """What went to subscribers (everyone but the organizer)."""
    return [c for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] != ADMIN]


def to_organizer(api: OfflineBotApi) -> list:
    return [c for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == ADMIN]


async def paused(services: Services) -> int:
    async with services.storage.session() as session:
        return (
            await session.scalar(
                select(func.count())
                .select_from(Subscription)
                .where(Subscription.paused.is_not(None))
            )
            or 0
        )


async def subscribers(settings: Settings, people: int) -> None:
    """`people` with a reminder for MEETING (and a snapshot of it: nothing changed yet)."""
    await seed(
        settings.database.url,
        chats=people,
        meeting=MEETING,
        occurrence=START,
        lead_minutes=60,
        now=NOW,
    )


async def start(settings, library, directory, problems=0):
    """One start of the bot with `directory` read from the meetings file (with `problems`)."""
    api = OfflineBotApi()
    served = dataclasses.replace(library, directory=directory, directory_problems=problems)
    manager = running_app(settings, served, api, FixedClock(NOW))
    app = await manager.__aenter__()
    return manager, app, api


async def test_a_start_on_a_broken_meetings_file_keeps_the_last_good_directory(
    organizer_settings, library: Library, caplog
):
    await subscribers(organizer_settings, PEOPLE)
    manager, app, api = await start(organizer_settings, library, Directory((MEETING,)))
    await manager.__aexit__(None, None, None)  # a good start: its directory is the last good one
    assert notices(api) == [] and to_organizer(api) == []

    # The file is now over the loader's size limit (or has a typo in the followed meeting): it
    # gives no meetings and one problem.
    caplog.set_level(logging.INFO)
    manager, app, api = await start(organizer_settings, library, Directory(), problems=1)
    try:
        services: Services = app.bot_data["services"]
        assert notices(api) == []
        assert await paused(services) == 0
        assert services.library.directory.get(MEETING.slug) == MEETING
        [told] = to_organizer(api)
        assert "could not be used" in told.text and "1 meetings" in told.text
        assert any("not used" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
        assert not any(MEETING.name in r.getMessage() for r in caplog.records)
        stats = await Chat(app, api, user_id=ADMIN).send("/stats")
        assert any("could not be used" in call.text for call in stats)
    finally:
        await manager.__aexit__(None, None, None)

    manager, app, api = await start(organizer_settings, library, Directory((MEETING,)))
    await manager.__aexit__(None, None, None)  # the file fixed: nothing to tell anyone either
    assert notices(api) == [] and to_organizer(api) == []


async def test_a_start_on_a_file_with_a_duplicate_slug_leaves_that_record_out_and_loads_the_rest(
    organizer_settings, library: Library, tmp_path, monkeypatch, capsys
):
    """The rule of /reload (tests/test_admin.py): one duplicate slug leaves that record out, named,
    and the rest of the file serves and syncs; it is not a file that "could not be used"."""
    from bot import __main__ as entry
    from bot import logs

    await subscribers(organizer_settings, PEOPLE)
    manager, app, api = await start(organizer_settings, library, Directory((MEETING,)))
    await manager.__aexit__(None, None, None)  # a good start: its directory is the last good one

    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    copy = {**meeting_record(OTHER), "name": "Another Group Again", "time": "08:00"}
    records = [meeting_record(MEETING), meeting_record(OTHER), copy]
    (folder / "meetings.yaml").write_text(yaml.safe_dump({"meetings": records}, sort_keys=False))
    settings = organizer_settings.model_copy(
        update={"content": organizer_settings.content.model_copy(update={"dir": folder})}
    )
    monkeypatch.setattr(logs, "setup_logging", lambda level, token: None)  # keep pytest's
    # As `python -m bot` starts (the terminal: no token); in a thread, as it runs its own loop.
    prepared = await asyncio.to_thread(entry._prepare, settings)
    assert isinstance(prepared, tuple)
    started, _ = prepared
    said = capsys.readouterr().err
    assert "another-group: duplicate slug (first used on line" in said and "left out" in said

    manager, app, api = await start(
        organizer_settings, library, started.directory, started.directory_problems
    )
    try:
        services: Services = app.bot_data["services"]
        assert services.directory_hold is None and to_organizer(api) == []
        assert services.library.directory.get(OTHER.slug) == OTHER  # the file's, the first one
        assert services.library.directory.get(MEETING.slug) == MEETING
        assert notices(api) == [] and await paused(services) == 0
    finally:
        await manager.__aexit__(None, None, None)


async def test_a_sync_that_would_pause_most_subscriptions_waits_for_an_organizer(
    organizer_settings, library: Library
):
    await subscribers(organizer_settings, PEOPLE)
    manager, app, api = await start(organizer_settings, library, Directory((MEETING,)))
    await manager.__aexit__(None, None, None)

    # A valid file, but the followed meeting is no longer in it: 20 of 20 would be paused.
    manager, app, api = await start(organizer_settings, library, Directory((OTHER,)))
    try:
        services: Services = app.bot_data["services"]
        assert notices(api) == [] and await paused(services) == 0
        assert services.library.directory.get(MEETING.slug) == MEETING  # the last good one
        [held] = to_organizer(api)
        assert "20 of 20" in held.text
        organizer = Chat(app, api, user_id=ADMIN)
        await organizer.send("/start")
        await organizer.press_label(held, "Apply")
        assert len(notices(api)) == PEOPLE  # now, as the organizer confirmed: each told once
        assert await paused(services) == PEOPLE
        assert services.library.directory.get(OTHER.slug) == OTHER
        assert services.directory_hold is None
        await organizer.press_label(held, "Apply")  # a second press finds nothing held
        assert len(notices(api)) == PEOPLE
    finally:
        await manager.__aexit__(None, None, None)


async def test_a_small_change_goes_ahead_at_once(organizer_settings, library: Library):
    await subscribers(organizer_settings, 4)  # all of them, but not more than hold_min (5)
    later = MEETING.model_copy(update={"time": dt.time(19, 0)})
    manager, app, api = await start(organizer_settings, library, Directory((later,)))
    try:
        assert len(notices(api)) == 4 and to_organizer(api) == []
    finally:
        await manager.__aexit__(None, None, None)


@pytest.mark.parametrize(
    ("affected", "total", "held"),
    [(5, 5, False), (6, 6, True), (20, 100, False), (21, 100, True), (0, 0, False)],
)
def test_the_share_that_is_held(affected: int, total: int, held: bool):
    assert too_large(affected, total, ContentSettings()) is held


def test_the_saved_directory_reads_back_as_it_was(library: Library):
    assert decode(encode(library.directory)) == library.directory


async def test_instances_starting_together_both_save_the_directory(database_url: str):
    """Two processes on one database save the last good directory at the same moment: neither
    fails on the other's row (it was read, then inserted, and the second insert failed)."""
    import asyncio

    from bot.directory_guard import load_copy, save_copy
    from bot.storage import Storage

    first, second = await Storage.open(database_url), await Storage.open(database_url)
    try:
        both = Directory((MEETING,)), Directory((MEETING, OTHER))
        await asyncio.gather(
            *(save_copy(s, d, NOW) for s, d in zip((first, second), both, strict=True))
        )
        await asyncio.gather(*(save_copy(s, both[1], START) for s in (first, second) * 3))
        saved = await load_copy(first)
        assert saved is not None and saved.directory == both[1] and saved.saved_at == START
    finally:
        await first.close()
        await second.close()


async def test_a_directory_of_the_same_origin_is_not_written_again(database_url: str):
    """A start-up on the directory already saved (the same file, the same feed copies) leaves
    the saved copy alone: for a big feed it is megabytes; a new origin writes it."""
    from bot.directory_guard import load_copy, save_copy
    from bot.storage import Storage

    storage = await Storage.open(database_url)
    try:
        await save_copy(storage, Directory((MEETING,), origin="a" * 64), NOW)
        await save_copy(storage, Directory((MEETING, OTHER), origin="a" * 64), START)
        saved = await load_copy(storage)
        assert saved is not None and saved.saved_at == NOW
        assert saved.directory == Directory((MEETING,))
        await save_copy(storage, Directory((MEETING, OTHER), origin="b" * 64), START)
        saved = await load_copy(storage)
        assert saved is not None and saved.directory == Directory((MEETING, OTHER))
        # No origin: always written.
        await save_copy(storage, Directory((OTHER,)), START)
        saved = await load_copy(storage)
        assert saved is not None and saved.directory == Directory((OTHER,))
    finally:
        await storage.close()
