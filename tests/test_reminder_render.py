"""A burst renders each distinct reminder message once; every person still gets their own text."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.content import load_content
from bot.subscriptions import MeetingRef
from bot.views.reminders import RenderedReminders, render_reminder
from scheduler.store import Due
from tests.conftest import CONTENT_DIR
from tests.seeding import meeting_for

START = dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC)
CONTENT = load_content(CONTENT_DIR, "en")


def due(meeting=None, *, chat: int = 1, language: str = "en") -> Due:
    meeting = meeting or meeting_for(START)
    return Due(chat, chat, language, None, MeetingRef.directory(meeting.slug), meeting, 60, START)


def test_cached_messages_are_exactly_what_rendering_gives_at_every_moment():
    cache = RenderedReminders()
    pack, meeting = CONTENT.pack("en"), meeting_for(START)
    for zone in (ZoneInfo("UTC"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")):
        for seconds in range(3600 - 200, 3600 + 200, 7):  # across several minute boundaries
            now = START - dt.timedelta(seconds=seconds)
            for chat in (1, 2):
                item = due(meeting, chat=chat)
                assert cache.render(pack, item, zone, now) == render_reminder(pack, item, zone, now)


def test_another_language_or_a_reloaded_meeting_is_rendered_afresh():
    cache = RenderedReminders()
    zone, now = ZoneInfo("UTC"), START - dt.timedelta(hours=1)
    english, spanish = CONTENT.pack("en"), CONTENT.pack("es")
    text_en, _ = cache.render(english, due(), zone, now)
    text_es, _ = cache.render(spanish, due(language="es"), zone, now)
    assert text_en != text_es
    renamed = meeting_for(START).model_copy(update={"name": "Renamed Evening Group"})
    text_renamed, _ = cache.render(english, due(renamed), zone, now)
    assert "Renamed Evening Group" in text_renamed and "Renamed" not in text_en


def test_the_cache_stays_small():
    cache = RenderedReminders(size=10)
    pack, zone = CONTENT.pack("en"), ZoneInfo("UTC")
    for minutes in range(100):
        cache.render(pack, due(), zone, START - dt.timedelta(minutes=minutes))
    assert len(cache._entries) <= 10
