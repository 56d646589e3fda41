"""The /meetings list's labels read right across time zones (issue 15, item 1).

A list button says when a meeting starts on the user's clock. Two readings went wrong: for someone
in Sydney, "Fri 11:30 · Dual Recovery Thursday" (a New York Thursday evening) looked like a
contradiction, and a Wednesday 10:00 meeting listed on a Wednesday after 10:00 said "Wed 10:00"
for next week's. Now the meeting's own day and time follow in its own place when its day differs,
and a start a week ahead carries its date. Through the real PTB Application on the offline Bot
API; the clock is injected (Wednesday 2 December 2026, 11:00 in Sydney).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.content import Content
from bot.meetings import Directory, Meeting
from bot.services import Services
from bot.views.browsing import when_label
from tests.fakes import Chat, FixedClock

SYDNEY = ZoneInfo("Australia/Sydney")
# Wednesday 2 December 2026, 11:00 in Sydney (UTC+11) and Tuesday 1 December 19:00 in New York.
NOW = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
RECORDS: list[dict[str, Any]] = [
    # Thursday 3 December 19:30 in New York is Friday 4 December 11:30 in Sydney.
    {
        "name": "Dual Recovery Thursday",
        "slug": "dual-recovery-thursday",
        "day": 4,
        "time": "19:30",
        "timezone": "America/New_York",
        "conference_url": "https://example.org/dra",
    },
    # Wednesday 10:00 in Sydney: at 11:00 on a Wednesday the next one is a week ahead.
    {
        "name": "Harbour Morning",
        "slug": "harbour-morning",
        "day": 3,
        "time": "10:00",
        "timezone": "Australia/Sydney",
        "conference_url": "https://example.org/harbour",
    },
    # Later today in Sydney: no date, no second clock.
    {
        "name": "Sydney Evening",
        "slug": "sydney-evening",
        "day": 3,
        "time": "18:00",
        "timezone": "Australia/Sydney",
        "conference_url": "https://example.org/evening",
    },
]


def meeting(slug: str) -> Meeting:
    (record,) = [r for r in RECORDS if r["slug"] == slug]
    return Meeting.model_validate(record)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def labelled(services: Services) -> Services:
    made = tuple(Meeting.model_validate(r) for r in RECORDS)
    services.library = dataclasses.replace(services.library, directory=Directory(made))
    return services


def labels(call: Any) -> dict[str, str]:
    """Meeting name -> the when part of its list button."""
    found = {}
    for label, data in call.buttons:
        if data.startswith("mt:card:") and " · " in label:
            when, name = label.rsplit(" · ", 1)
            found[name] = when
    return found


async def sydney_list(app: Any, api: Any, user_id: int, language: str = "en") -> Any:
    chat = Chat(app, api, user_id=user_id, language=language)
    await chat.send("/start")
    await chat.press("tz:set:australia.sydney")
    (page,) = [c for c in await chat.send("/meetings") if c.method == "sendMessage"]
    return page


# --- in a chat ---------------------------------------------------------------------------------


async def test_a_sydney_user_sees_a_new_york_thursday_as_thursday_there(app, api, labelled):
    page = await sydney_list(app, api, 1501)
    assert labels(page)["Dual Recovery Thursday"] == "Fri 11:30 (Thu 19:30 in New York)"
    assert "America/New_York" not in str(page.buttons)


async def test_the_same_weekday_next_week_carries_its_date(app, api, labelled):
    page = await sydney_list(app, api, 1502)
    shown = labels(page)
    assert shown["Harbour Morning"] == "Wed 9 Dec 10:00"
    assert shown["Sydney Evening"] == "Today 18:00"
    # Soonest first: the week-ahead one is last.
    assert list(shown) == ["Sydney Evening", "Dual Recovery Thursday", "Harbour Morning"]


async def test_in_spanish_the_days_months_and_places_are_spanish(app, api, labelled):
    shown = labels(await sydney_list(app, api, 1503, language="es"))
    assert shown["Dual Recovery Thursday"] == "Vie 11:30 (Jue 19:30 en Nueva York)"
    assert shown["Harbour Morning"] == "Mié 9 dic 10:00"
    assert shown["Sydney Evening"] == "Hoy 18:00"


# --- the rule, directly ------------------------------------------------------------------------


def test_the_six_days_after_today_need_no_date(content: Content):
    pack = content.pack("en")
    evening = meeting("sydney-evening")
    tuesday = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # Tuesday 8 December 18:00 in Sydney
    assert when_label(pack, evening, tuesday, SYDNEY, NOW) == "Tue 18:00"


def test_a_meeting_on_the_same_day_in_both_places_shows_one_clock(content: Content):
    pack = content.pack("en")
    thursday = meeting("dual-recovery-thursday")
    start = datetime(2026, 12, 4, 0, 30, tzinfo=UTC)  # Thursday 19:30 in New York
    new_york = ZoneInfo("America/New_York")
    assert when_label(pack, thursday, start, new_york, NOW) == "Thu 19:30"
    london = ZoneInfo("Europe/London")  # Friday 00:30 there: the meeting's Thursday is named
    assert when_label(pack, thursday, start, london, NOW) == "Fri 00:30 (Thu 19:30 in New York)"


def test_a_meeting_under_way_is_on_now(content: Content):
    pack = content.pack("en")
    start = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert when_label(pack, meeting("sydney-evening"), start, SYDNEY, NOW) == "On now"


def test_the_label_still_fits_a_button(content: Content):
    from bot.handlers.meetings import MAX_LABEL, button_label
    from bot.schedule import Listed

    pack = content.pack("en")
    start = datetime(2026, 12, 11, 0, 30, tzinfo=UTC)  # a week ahead and another day there
    label = button_label(pack, Listed(meeting("dual-recovery-thursday"), start), SYDNEY, NOW)
    assert label.startswith("Fri 11 Dec 11:30 (Thu 19:30 in New York) · Dual")
    assert len(label) <= MAX_LABEL
