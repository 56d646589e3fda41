"""Browsing a big directory the way tsml-ui's users do (issue 13), as a user sees it.

Meetings in progress folded into one button, time of day, any type and region as filters, a typed
search, nearby with a radius, a group's other meetings, and richer cards; in English and Spanish
where the words matter. Through the real PTB Application on the offline Bot API, with a small
directory made for it (the clock stands at Sunday 2026-03-01 12:00 UTC).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from bot.browsing import (
    Catalog,
    Filters,
    asked_when,
    conference_provider,
    fold,
    region_key,
    uses_miles,
)
from bot.flows import get_flow
from bot.handlers import meetings
from bot.meetings import Directory, Meeting
from bot.services import Services
from bot.subscriptions import MeetingRef
from tests.fakes import Chat

ONLINE = {"conference_url": "https://example.org/join"}
LONDON = {"timezone": "Europe/London", "program": "AA"}
RECORDS: list[dict[str, Any]] = [
    # Four under way at Sunday 12:00 UTC.
    *(
        {"name": f"Noon {x}", "slug": f"noon-{x}", "day": 0, "time": "11:30", **ONLINE}
        | {"end_time": "12:30", "types": ["O"]}
        for x in "abcd"
    ),
    {
        "name": "Early Start",
        "slug": "early-start",
        "day": 1,
        "time": "07:00",
        "types": ["W", "O", "X"],
        "region": "Brooklyn",
        "group": "Serenity Group",
        "location": "Example Hall",
        "address": "100 Example Street",
        "city": "Brooklyn",
        "state": "NY",
        "country": "US",
    },
    {
        "name": "Evening Hope",
        "slug": "evening-hope",
        "day": 1,
        "time": "19:00",
        "types": ["M", "SP", "X", "O"],
        "region": "Queens",
        "group": "serenity group",
        "conference_url": "https://us02web.zoom.us/j/123",
        "url": "https://example.org/meetings/evening-hope",
        "entity": "Example Intergroup",
        "entity_url": "https://example.org/contribute",
        "updated": "2024-01-05 12:30:00",
    },
    {
        "name": "Late Night",
        "slug": "late-night",
        "day": 2,
        "time": "22:30",
        "types": ["LGBTQ", "Y"],
        "city": "Cañón City",
        **ONLINE,
    },
    {"name": "Small Hours", "slug": "small-hours", "day": 3, "time": "02:00", **ONLINE},
    {
        "name": "Grupo Esperanza",
        "slug": "grupo-esperanza",
        "day": 4,
        "time": "20:00",
        "types": ["S", "W"],
        "location": "Iglesia San José",
        "region": "Queens",
        **ONLINE,
    },
    # In person in London, 1.4 km and about 21 km from Trafalgar Square.
    {
        "name": "London Lunch",
        "slug": "london-lunch",
        "day": 2,
        "time": "12:30",
        "formatted_address": "1 Example Road, London WC1, UK, GB",
        "latitude": 51.52,
        "longitude": -0.12,
        **LONDON,
    },
    {
        "name": "Far North",
        "slug": "far-north",
        "day": 3,
        "time": "19:30",
        "formatted_address": "9 Example Lane, Hertford, SG13, UK",
        "latitude": 51.70,
        "longitude": -0.12,
        **LONDON,
    },
    # In person in Madrid, about 3.7 km from the Puerta del Sol.
    {
        "name": "Madrid Centro",
        "slug": "madrid-centro",
        "day": 5,
        "time": "19:00",
        "timezone": "Europe/Madrid",
        "formatted_address": "Calle Ejemplo 1, 28010 Madrid, España, ES",
        "latitude": 40.45,
        "longitude": -3.70,
    },
]


def directory() -> Directory:
    made = []
    for record in RECORDS:
        made.append(Meeting.model_validate({"timezone": "UTC", **record}))
    return Directory(tuple(made))


@pytest.fixture
def browsing(services: Services) -> Services:
    services.library = dataclasses.replace(services.library, directory=directory())
    return services


async def person(app, api, user_id: int, language: str = "en") -> Chat:
    chat = Chat(app, api, user_id=user_id, language=language)
    await chat.send("/start")
    await chat.send("/meetings")  # told the zone once
    return chat


def sent(calls, method="sendMessage"):
    return [c for c in calls if c.method == method]


def only(calls, method="sendMessage"):
    found = sent(calls, method)
    assert len(found) == 1, [(c.method, c.text[:60]) for c in calls]
    return found[0]


def names(call) -> list[str]:
    """The meeting names on a list's card buttons, in order."""
    labels = [label for label, data in call.buttons if data.startswith("mt:card:")]
    return [label.split(" · ", 1)[1] for label in labels if " · " in label]


def ref(slug: str) -> str:
    return MeetingRef.directory(slug).encode()


async def press(chat: Chat, call, label: str, method: str = "editMessageText"):
    """Press the button labelled exactly `label` (ticked or not)."""
    for text, data in call.buttons:
        if text.removeprefix("✅ ") == label:
            return only(await chat.press(data, call.result["message_id"]), method)
    raise AssertionError(f"no button {label!r} in {call.buttons}")


async def send_location(chat: Chat, latitude: float, longitude: float):
    message = {
        "message_id": 9100,
        "date": 0,
        "chat": chat.chat,
        "from": chat.user,
        "location": {"latitude": latitude, "longitude": longitude},
    }
    return await chat._process({"update_id": 9101, "message": message})


# --- 1. meetings in progress -------------------------------------------------------------------


async def test_meetings_in_progress_are_folded_into_one_button(app, api, browsing):
    chat = await person(app, api, 701)
    page = only(await chat.send("/meetings"))
    assert "4 meetings are in progress right now." in page.text
    assert page.buttons[0] == ("▶️ 4 meetings in progress now — show", "mt:now:all:0")
    assert not any(n.startswith("Noon") for n in names(page))
    assert names(page)[0] == "Early Start"  # Monday 07:00: the first one still to come
    now = await press(chat, page, "▶️ 4 meetings in progress now — show")
    assert "Meetings in progress right now" in now.text
    assert names(now) == ["Noon a", "Noon b", "Noon c", "Noon d"]
    assert all(label.startswith("On now") for label, d in now.buttons if d.startswith("mt:card"))
    back = await press(chat, now, "« Back")
    assert "in progress right now" in back.text


async def test_one_or_two_under_way_stay_in_the_list(app, api, browsing, clock):
    clock.now += timedelta(minutes=40)  # 12:40: the four have ended; nothing under way
    chat = await person(app, api, 702)
    page = only(await chat.send("/meetings"))
    assert "in progress" not in page.text and names(page)[0] == "Early Start"


async def test_in_progress_in_spanish(app, api, browsing):
    chat = await person(app, api, 703, "es")
    page = only(await chat.press("mt:ls:all:0"), "editMessageText")
    assert "Ahora mismo hay 4 reuniones en curso." in page.text
    assert page.buttons[0][0] == "▶️ 4 reuniones en curso ahora: verlas"


# --- 2. time of day ----------------------------------------------------------------------------


async def test_time_of_day_in_the_users_zone(app, api, browsing):
    chat = await person(app, api, 704)
    page = only(await chat.send("/meetings"))
    picker = await press(chat, page, "Time of day")
    assert "Starting at which time of day? (Times in UTC.)" in picker.text
    labels = [label for label, _ in picker.buttons]
    assert labels[:4] == [
        "Morning (4:00–11:59)",
        "Midday (12:00–16:59)",
        "Evening (17:00–20:59)",
        "Night (21:00–3:59)",
    ]
    evening = await press(chat, picker, "Evening (17:00–20:59)")
    assert "Showing: Evening (17:00–20:59)" in evening.text
    assert set(names(evening)) == {"Evening Hope", "Grupo Esperanza", "Far North", "Madrid Centro"}
    night = await press(
        chat, await press(chat, evening, "Time: Evening (17:00–20:59)"), "Night (21:00–3:59)"
    )
    assert names(night) == ["Late Night", "Small Hours"]  # 22:30, and 02:00 past midnight
    # In New York (UTC-5 until 8 March) 19:00 UTC is 14:00: midday.
    await chat.press("tz:set:america.new_york")
    midday = only(await chat.press("mt:ls:ta:0"), "editMessageText")
    assert "Evening Hope" in names(midday)
    assert "Evening Hope" not in names(only(await chat.press("mt:ls:te:0"), "editMessageText"))


async def test_time_of_day_with_a_day(app, api, browsing):
    chat = await person(app, api, 705)
    monday_morning = only(await chat.press("mt:ls:d1m:0"), "editMessageText")
    assert names(monday_morning) == ["Early Start"]
    assert "Showing: Mon, Morning (4:00–11:59)" in monday_morning.text


async def test_time_of_day_in_spanish(app, api, browsing):
    chat = await person(app, api, 706, "es")
    picker = only(await chat.press("mt:tod:all"), "editMessageText")
    assert "¿En qué momento del día empiezan?" in picker.text
    assert [label for label, _ in picker.buttons][:2] == [
        "Mañana (4:00–11:59)",
        "Mediodía (12:00–16:59)",
    ]


# --- 3. any type, and region -------------------------------------------------------------------


async def test_any_type_the_directory_uses_most_common_first(app, api, browsing):
    chat = await person(app, api, 707)
    page = only(await chat.send("/meetings"))
    picker = await press(chat, page, "Type")
    labels = [label for label, data in picker.buttons if data.startswith("mt:ls:y")]
    # O: six meetings, then W and X: two each (by code), then the ones with one.
    assert labels[0].startswith("Open (anyone may attend") and labels[0].endswith(" · 6")
    assert labels[1:3] == ["Women only · 2", "Wheelchair access · 2"]
    assert "LGBTQ+ · 1" in labels and "Young people · 1" in labels
    assert not any(label.startswith("Spanish") for label in labels)  # the Language filter's
    women = await press(chat, picker, "Women only · 2")
    assert "Showing: Women only" in women.text
    assert sorted(names(women)) == ["Early Start", "Grupo Esperanza"]
    assert ("✅ Type: Women only", "mt:type:yw:0") in women.buttons


async def test_region_filter_when_meetings_carry_a_region(app, api, browsing):
    chat = await person(app, api, 708)
    page = only(await chat.send("/meetings"))
    picker = await press(chat, page, "Region")
    assert [label for label, d in picker.buttons if d.startswith("mt:ls:r")] == [
        "Brooklyn · 1",
        "Queens · 2",
    ]
    queens = await press(chat, picker, "Queens · 2")
    assert sorted(names(queens)) == ["Evening Hope", "Grupo Esperanza"]
    assert "Showing: Queens" in queens.text
    assert f"mt:ls:r{region_key('Queens')}:0" in {d for _, d in picker.buttons}


async def test_no_region_button_when_no_meeting_has_one(chat: Chat):
    page = sent(await chat.send("/meetings"))[-1]
    assert "Region" not in [label for label, _ in page.buttons]
    assert "Type" in [label for label, _ in page.buttons]


async def test_type_names_in_spanish(app, api, browsing):
    chat = await person(app, api, 709, "es")
    picker = only(await chat.press("mt:type:all:0"), "editMessageText")
    labels = [label for label, _ in picker.buttons]
    assert "Mujeres · 2" in labels and "Cualquier tipo" in labels
    assert "¿Qué clase de reunión?" in picker.text


# --- 4. the typed search -----------------------------------------------------------------------


async def test_search_by_town_without_accents_or_case(app, api, browsing):
    chat = await person(app, api, 710)
    page = only(await chat.send("/meetings"))
    ask = await press(chat, page, "🔎 Search")
    assert "Type a name or a town" in ask.text
    # Only the list's filters are kept while waiting, never what will be typed.
    flow = await get_flow(browsing.storage, 710)
    assert flow is not None and flow.data == {"filters": "all"}
    found = only(await chat.send("CANON city"))
    assert "Meetings matching “CANON city”" in found.text
    assert names(found) == ["Late Night"]
    assert await get_flow(browsing.storage, 710) is None  # answered at once, and forgotten
    # The next message is an ordinary one again.
    assert "Meetings matching" not in only(await chat.send("canon")).text


async def test_search_looks_in_names_places_regions_and_groups(app, api, browsing):
    chat = await person(app, api, 711)
    for words, expected in [
        ("serenity", {"Early Start", "Evening Hope"}),  # the group, in any case
        ("queens", {"Evening Hope", "Grupo Esperanza"}),  # the region
        ("jose", {"Grupo Esperanza"}),  # the place, without its accent
        ("hope", {"Evening Hope"}),  # the name
        ("brooklyn hall", {"Early Start"}),  # every word
    ]:
        await chat.press("mt:find:all")
        assert set(names(only(await chat.send(words)))) == expected, words
    await chat.press("mt:find:all")
    nothing = only(await chat.send("atlantis"))
    assert "I found no meeting" in nothing.text
    assert ("🔎 Search again", "mt:find:all") in nothing.buttons


async def test_search_keeps_the_lists_filters(app, api, browsing):
    chat = await person(app, api, 712)
    await chat.press("mt:find:yw")
    found = only(await chat.send("queens"))
    assert names(found) == ["Grupo Esperanza"] and "Showing: Women only" in found.text
    card_data = next(d for _, d in found.buttons if d.startswith("mt:card:"))
    assert card_data.endswith(":near")  # the results stay in view; the card comes below


async def test_a_question_typed_in_the_search_is_answered_not_searched(app, api, browsing):
    chat = await person(app, api, 713)
    await chat.press("mt:find:all")
    # The search is left with a word saying so (the rule of every flow), then answered.
    left, reply = [c for c in await chat.send("do I have to talk at my first meeting?")]
    assert "so I've stopped there" in left.text
    assert "Meetings matching" not in reply.text
    assert "talk" in reply.text
    assert await get_flow(browsing.storage, 713) is None


async def test_a_sentence_no_faq_answers_leaves_the_search_with_a_word_too(app, api, browsing):
    chat = await person(app, api, 715)
    await chat.press("mt:find:all")
    replies = [c.text for c in await chat.send("whoops hit the wrong one there, hang on")]
    assert "so I've stopped there" in replies[0]
    assert not any("Meetings matching" in text for text in replies)
    assert await get_flow(browsing.storage, 715) is None


async def test_the_search_waits_ten_minutes_only(app, api, browsing, clock):
    chat = await person(app, api, 714)
    await chat.press("mt:find:all")
    clock.now += meetings.FLOW_TTL + timedelta(minutes=1)
    assert "Meetings matching" not in only(await chat.send("hope")).text


async def test_back_from_the_search_leaves_it(app, api, browsing):
    chat = await person(app, api, 715)
    await chat.press("mt:find:all")
    only(await chat.press("mt:fx:all"), "editMessageText")
    assert await get_flow(browsing.storage, 715) is None


async def test_search_in_spanish(app, api, browsing):
    chat = await person(app, api, 716, "es")
    ask = only(await chat.press("mt:find:all"), "editMessageText")
    assert "Escribe un nombre o una ciudad" in ask.text
    found = only(await chat.send("esperanza"))
    assert "Reuniones que coinciden con «esperanza»" in found.text
    assert names(found) == ["Grupo Esperanza"]


# --- 5. nearby with a radius -------------------------------------------------------------------


async def test_nearby_offers_radii_in_miles_in_the_uk(app, api, browsing):
    chat = await person(app, api, 717)
    reply = only(await send_location(chat, 51.5074, -0.1278))  # Trafalgar Square
    radii = [(label, d) for label, d in reply.buttons if d.startswith("mt:nr:")]
    assert [label for label, _ in radii] == ["3 mi", "5 mi", "✅ 15 mi", "30 mi"]
    assert radii[0][1] == "mt:nr:51.5074_-0.1278:m3"
    assert names_near(reply) == ["London Lunch", "Far North"]
    closer = only(await chat.press(radii[0][1], reply.result["message_id"]), "editMessageText")
    assert names_near(closer) == ["London Lunch"]
    assert ("✅ 3 mi", "mt:nr:51.5074_-0.1278:m3") in closer.buttons


def names_near(call) -> list[str]:
    labels = [label for label, data in call.buttons if data.startswith("mt:card:")]
    return [label.split(" · ")[0] for label in labels]


async def test_nearby_in_km_elsewhere_and_nothing_within_a_small_radius(app, api, browsing):
    chat = await person(app, api, 718, "es")
    reply = only(await send_location(chat, 40.4168, -3.7038))  # Puerta del Sol
    labels = [label for label, d in reply.buttons if d.startswith("mt:nr:")]
    assert labels == ["5 km", "10 km", "✅ 25 km", "50 km"]
    assert names_near(reply) == ["Madrid Centro"]
    # 1.4 km from London Lunch, asked within 3 miles from a point 8 km off: none, say so.
    english = await person(app, api, 719)
    far = only(await english.press("mt:nr:51.5200_-0.2400:m3"), "editMessageText")
    assert "within 3 mi (5 km)" in far.text
    assert ("30 mi", "mt:nr:51.5200_-0.2400:m30") in far.buttons


# --- 6. the same group's other meetings --------------------------------------------------------


async def test_other_meetings_of_the_group(app, api, browsing):
    chat = await person(app, api, 720)
    card = only(await chat.press(f"mt:card:{ref('early-start')}"), "editMessageText")
    assert ("Other meetings of Serenity Group", f"mt:grp:{ref('early-start')}") in card.buttons
    group = only(await chat.press(f"mt:grp:{ref('early-start')}"), "editMessageText")
    assert "Other meetings of Serenity Group" in group.text
    assert names(group) == ["Evening Hope"]  # its group written in other letters' case
    other = only(await chat.press(group.buttons[0][1]), "editMessageText")
    assert dict(other.buttons)["« Back"] == f"mt:grp:{ref('evening-hope')}"
    # A meeting alone in its group, or in none, has no such button.
    alone = only(await chat.press(f"mt:card:{ref('late-night')}"), "editMessageText")
    assert not any(d.startswith("mt:grp:") for _, d in alone.buttons)


async def test_other_meetings_of_the_group_in_spanish(app, api, browsing):
    chat = await person(app, api, 721, "es")
    card = only(await chat.press(f"mt:card:{ref('early-start')}"), "editMessageText")
    assert "Otras reuniones de Serenity Group" in [label for label, _ in card.buttons]


# --- 7. richer cards ---------------------------------------------------------------------------


async def test_a_card_tells_region_group_provider_links_and_when_updated(app, api, browsing):
    chat = await person(app, api, 722)
    card = only(await chat.press(f"mt:card:{ref('evening-hope')}"), "editMessageText")
    text = card.text
    assert "Join on Zoom: https://us02web.zoom.us/j/123" in text
    assert "Region: Queens" in text and "Group: serenity group" in text
    assert "Listed by Example Intergroup" in text and "Listing updated 2024-01-05" in text
    buttons = dict(card.buttons)
    assert buttons["Join on Zoom"] == "https://us02web.zoom.us/j/123"
    assert buttons["Listing page"] == "https://example.org/meetings/evening-hope"
    assert buttons["Example Intergroup: website and contributions"] == (
        "https://example.org/contribute"
    )
    # Online only: no wheelchair access on its card; the in-person meeting keeps it.
    assert "Wheelchair access" not in text and "Speaker" in text
    in_person = only(await chat.press(f"mt:card:{ref('early-start')}"), "editMessageText")
    assert "Wheelchair access" in in_person.text and "Directions" in dict(in_person.buttons)
    assert "Join on" not in in_person.text


async def test_a_rich_card_in_spanish(app, api, browsing):
    chat = await person(app, api, 723, "es")
    card = only(await chat.press(f"mt:card:{ref('evening-hope')}"), "editMessageText")
    assert "Entrar por Zoom: https://us02web.zoom.us/j/123" in card.text
    assert "Región: Queens" in card.text and "Ficha actualizada el 2024-01-05" in card.text
    assert "Acceso en silla de ruedas" not in card.text
    assert "Entrar por Zoom" in dict(card.buttons)


# --- payloads ----------------------------------------------------------------------------------


async def test_a_card_whose_filters_leave_no_room_for_the_page_finds_it(app, api, browsing):
    chat = await person(app, api, 724)
    card = only(await chat.press(f"mt:card:{ref('grupo-esperanza')}:yw"), "editMessageText")
    assert dict(card.buttons)["« Back"] == "mt:ls:yw:0"


@pytest.mark.parametrize(
    "data",
    [
        "mt:ls:yabcdef:0",  # a type code longer than offered
        "mt:ls:rabc:0",  # a region key of the wrong length
        "mt:ls:tx:0",
        "mt:ls:d1x:0",
        "mt:ls:te.d1:0",  # out of order
        "mt:ls:pnar-anon:0",  # the program's long spelling is not its code
        "mt:type:all",
        "mt:reg:all:x",
        "mt:now:all",
        "mt:grp:d.aaaaaaaaaaaa",
        "mt:grp:p.1",
        "mt:find",
        "mt:nr:91.0000_0.0000:k5",
        "mt:nr:51.5_-0.1:k5",
        "mt:nr:51.5074_-0.1278:k7",
        "mt:nr:51.5074_-0.1278",
    ],
)
async def test_forged_browsing_buttons_are_refused(app, api, browsing, data: str):
    chat = await person(app, api, 725)
    assert "out of date" in only(await chat.press(data)).text


async def test_a_forged_type_or_region_lists_nothing_and_is_not_remembered(app, api, browsing):
    chat = await person(app, api, 726)
    page = only(await chat.press("mt:ls:yzz.rzzzz:0"), "editMessageText")
    assert names(page) == []
    assert not browsing.library.schedule.catalog._masks


# --- the pure parts ----------------------------------------------------------------------------


def test_the_pure_parts():
    assert fold("  Cañón   CITY ") == "canon city"
    assert conference_provider("https://us02web.zoom.us/j/1") == "Zoom"
    assert conference_provider("https://meet.google.com/abc") == "Google Meet"
    assert conference_provider("https://teams.microsoft.com/l/x") == "Microsoft Teams"
    assert conference_provider("https://example.org/zoom.us") is None
    assert uses_miles("America/Chicago") and uses_miles("Europe/London")
    assert not uses_miles("Europe/Madrid") and not uses_miles("UTC")
    catalog = Catalog(directory().meetings)
    assert [code for code, _ in catalog.offered_types()][:3] == ["O", "W", "X"]
    assert len(region_key("Queens")) == 4 and region_key("queens") == region_key("QUEENS")
    assert Filters.decode(Filters(time="n", type="lgbtq").encode()) == Filters(
        time="n", type="lgbtq"
    )


@pytest.mark.parametrize(
    ("typed", "day", "time"),
    [
        ("is there a meeting today?", 3, None),
        ("any meetings tonight", 3, "e"),
        ("meetings tomorrow morning", 4, "m"),
        ("is there an AA meeting on friday evening", 5, "e"),
        ("Tuesday night", 2, "n"),
        ("hay alguna reunión hoy", 3, None),
        ("reuniones esta noche", 3, "e"),
        ("¿Hay reuniones mañana?", 4, None),
        ("reuniones mañana por la mañana", 4, "m"),  # tomorrow, in the morning
        ("hay reunión el viernes por la tarde", 5, "e"),  # "Tarde" is the evening's button
        ("meetings on saturday or sunday", None, None),  # a choice is not one day
        ("meetings today or tomorrow", None, None),
        ("find me a meeting", None, None),
    ],
)
def test_a_typed_request_for_meetings_is_read_for_its_day_and_time_of_day(
    typed: str, day: int | None, time: str | None
):
    import datetime as dt
    from zoneinfo import ZoneInfo

    wednesday = dt.datetime(2026, 3, 4, 15, 0, tzinfo=ZoneInfo("America/New_York"))
    assert asked_when(typed, wednesday) == Filters(day=day, time=time)
    # After 21:00 "tonight" is the night.
    assert asked_when("any meetings tonight", wednesday.replace(hour=22)).time == "n"


@pytest.mark.parametrize("code", ["m", "a", "e", "n"])
@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_time_of_day_agrees_with_each_meetings_clock(code: str, zone: str):
    """The schedule's time-of-day filter lists exactly the meetings whose next start (in the
    week, under way or to come) falls in that part of the day on the user's clock."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from bot.browsing import TIMES_OF_DAY
    from bot.schedule import Schedule

    since, until = TIMES_OF_DAY[code]
    tz = ZoneInfo(zone)
    made = directory().meetings
    schedule = Schedule(made)
    for hours_on in range(0, 24 * 7, 13):
        now = dt.datetime(2026, 3, 5, 0, 0, tzinfo=dt.UTC) + dt.timedelta(hours=hours_on)
        listed = schedule.coming(now, key="all", keep=lambda m: True, hours=(since, until, tz))
        expected = set()
        for meeting in made:
            for start in meetings.coming_starts(meeting, now):
                local = start.astimezone(tz)
                minute = local.hour * 60 + local.minute
                inside = since <= minute < until if since < until else not until <= minute < since
                if inside:
                    expected.add(meeting.slug)
                    break
        assert {x.meeting.slug for x in listed} == expected, (now, code, zone)
