"""Browsing meetings, cards, nearby meetings, calendar files and /timezone, as a user sees them.

Through the real PTB Application on the offline Bot API, with the example directory loaded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from bot.app import build_application
from bot.handlers import meetings
from bot.handlers.meetings import Filters
from bot.meetings import Meeting
from bot.services import Services
from bot.subscriptions import MeetingRef
from scheduler.recurrence import occurrences
from tests.fakes import Chat

# --- helpers -----------------------------------------------------------------------------------


def sent(calls, method="sendMessage"):
    return [c for c in calls if c.method == method]


def only(calls, method="sendMessage"):
    found = sent(calls, method)
    assert len(found) == 1, [(c.method, c.text[:60]) for c in calls]
    return found[0]


def by_ref(services: Services) -> dict[str, Meeting]:
    return {MeetingRef.directory(m.slug).encode(): m for m in services.library.directory}


def listed(call, services: Services) -> list[Meeting]:
    """The meetings a list message shows, in order, from its card buttons."""
    refs = by_ref(services)
    return [refs[data.split(":")[2]] for _, data in call.buttons if data.startswith("mt:card:")]


async def press(chat: Chat, call, label: str):
    """Press the button labelled exactly `label` (ticked or not); meeting names contain words."""
    for text, data in call.buttons:
        if text.removeprefix("✅ ") == label:
            return await chat.press(data, call.result["message_id"])
    raise AssertionError(f"no button {label!r} in {call.buttons}")


async def list_message(chat: Chat):
    calls = await chat.send("/meetings")
    return sent(calls)[-1]


async def send_location(chat: Chat, latitude: float, longitude: float):
    message: dict[str, Any] = {
        "message_id": 9000,
        "date": 0,
        "chat": chat.chat,
        "from": chat.user,
        "location": {"latitude": latitude, "longitude": longitude},
    }
    return await chat._process({"update_id": 9001, "message": message})


# --- the list ----------------------------------------------------------------------------------


async def test_meetings_lists_the_soonest_first_with_buttons(chat: Chat, services: Services):
    calls = await chat.send("/meetings")
    told, page = sent(calls)
    assert "I'm showing times in UTC" in told.text and "/timezone" in told.text
    assert "Times are in UTC" in page.text
    assert ("📍 Meetings near me", "mt:near") in page.buttons  # how to find meetings nearby
    labels = [label for label, data in page.buttons if data.startswith("mt:card:")]
    assert len(labels) == meetings.PAGE_SIZE
    # Sunday 12:00 UTC: Early Birds (06:30 Monday in Sydney) is tonight at 19:30 UTC, and says
    # its own Monday, so a Monday-morning group listed tonight is no riddle (issue 15).
    assert labels[0] == "Today 19:30 (Mon 06:30 in Sydney) · Early Birds"
    assert labels[1] == "Today 20:00 · Sunday Evening Recovery"
    assert labels[2] == "Mon 04:00 (Sun 23:00 in New York) · Night Owls"
    assert all(len(label) <= 60 for label, _ in page.buttons)
    assert all(len(data.encode()) <= 64 for _, data in page.buttons)
    now = services.clock()
    found = listed(page, services)
    starts = [m.next_start(now) for m in found]
    assert starts == sorted(starts)


async def test_the_time_zone_is_told_only_once(chat: Chat):
    await chat.send("/meetings")
    assert len(sent(await chat.send("/meetings"))) == 1


async def test_a_meeting_under_way_is_listed_as_on_now(chat: Chat, clock):
    clock.now = datetime(2026, 3, 1, 20, 35, tzinfo=UTC)  # Sunday Evening Recovery: 20:00-21:00
    page = await list_message(chat)
    assert page.buttons[0][0] == "On now · Sunday Evening Recovery"


async def test_online_filter_narrows_the_list(chat: Chat, services: Services):
    page = await list_message(chat)
    online = only(await press(chat, page, "Online"), "editMessageText")
    assert "Showing: Online" in online.text
    shown = listed(online, services)
    assert shown and all(m.is_online for m in shown)
    assert ("✅ Online", "mt:ls:all:0") in online.buttons
    cleared = only(await press(chat, online, "Clear filters"), "editMessageText")
    assert "Showing" not in cleared.text


async def test_dual_diagnosis_and_program_filters(chat: Chat, services: Services):
    page = await list_message(chat)
    dual = only(await press(chat, page, "Dual diagnosis"), "editMessageText")
    expected = {m.slug for m in services.library.directory if m.dual_diagnosis}
    assert {m.slug for m in listed(dual, services)} == expected
    picker = only(await press(chat, dual, "Program"), "editMessageText")
    assert "Which program" in picker.text
    labels = [label for label, _ in picker.buttons]
    assert "SMART Recovery" in labels and "Gamblers Anonymous" not in labels  # only those listed
    smart = only(await press(chat, picker, "SMART Recovery"), "editMessageText")
    assert [m.slug for m in listed(smart, services)] == ["example-smart-tuesday-dual-focus"]
    assert "Dual diagnosis" in smart.text and "SMART Recovery" in smart.text


async def test_day_filter_uses_the_users_days(chat: Chat, services: Services):
    page = await list_message(chat)
    picker = only(await press(chat, page, "Day"), "editMessageText")
    assert picker.buttons[0][0] == "Today"
    tuesday = only(await press(chat, picker, "Tue"), "editMessageText")
    assert "Showing: Tue" in tuesday.text
    shown = listed(tuesday, services)
    assert shown
    now = services.clock()
    week = now + timedelta(days=7)
    for meeting in shown:
        starts = occurrences(meeting.day, meeting.time, meeting.tz, now, week)
        assert any(s.weekday() == 1 for s in starts), meeting.slug  # Tuesday in UTC
    # Night Owls meets at 23:00 on Monday in New York: 04:00 on Tuesday in UTC.
    assert "example-aa-night-owls" in {m.slug for m in shown}


async def test_paging_moves_through_all_meetings(chat: Chat, services: Services):
    page = await list_message(chat)
    seen = listed(page, services)
    assert "Page 1 of 4" in page.text
    assert not any(label.startswith("‹") for label, _ in page.buttons)
    while any(label.startswith("Next") for label, _ in page.buttons):
        page = only(await press(chat, page, "Next ›"), "editMessageText")
        seen.extend(listed(page, services))
    assert "Page 4 of 4" in page.text
    assert any(label.startswith("‹ Previous") for label, _ in page.buttons)
    assert sorted(m.slug for m in seen) == sorted(m.slug for m in services.library.directory)
    # Temporarily closed last, and marked.
    assert seen[-1].slug == "example-na-tuesday-mens-step-study"
    last_label = [label for label, data in page.buttons if data.startswith("mt:card:")][-1]
    assert last_label.startswith("(online only)")


async def test_a_page_past_the_end_shows_the_last_page(chat: Chat, services: Services):
    page = only(await chat.press("mt:ls:dd:7"), "editMessageText")
    assert len(listed(page, services)) == 4  # the list shrank since: the last page there is


# --- the card ----------------------------------------------------------------------------------


async def test_card_shows_times_in_both_zones_how_to_join_and_what_types_mean(chat: Chat):
    page = await list_message(chat)
    dual = only(await press(chat, page, "Dual diagnosis"), "editMessageText")
    label = next(text for text, _ in dual.buttons if text.endswith("SMART Tuesday Dual Focus"))
    card = only(await press(chat, dual, label), "editMessageText")
    text = card.text
    assert "<b>SMART Tuesday Dual Focus</b>" in text and "SMART Recovery" in text
    assert "When: Tue, 23:00–00:30 your time (UTC)" in text
    assert "Tue, 18:00–19:30 in New York" in text
    assert "Length: 1 h 30 min" in text
    assert "Join online: https://example.com/join/smart-tuesday" in text
    assert "Dual diagnosis (addiction together with mental health conditions)" in text
    assert "Newcomer (suited to people new to recovery)" in text
    ref = MeetingRef.directory("example-smart-tuesday-dual-focus").encode()
    assert ("Remind me", f"rem:ask:{ref}") in card.buttons
    assert ("Add to calendar", f"cal:one:{ref}") in card.buttons
    back = dict(card.buttons)["« Back"]
    assert back == "mt:ls:dd:0"
    again = only(await chat.press(back), "editMessageText")
    assert any(label.endswith("SMART Tuesday Dual Focus") for label, _ in again.buttons)


async def test_card_in_the_same_zone_shows_one_time_and_the_address(chat: Chat):
    await chat.send("/timezone")
    await chat.send("chicago")
    ref = MeetingRef.directory("example-na-just-for-today").encode()
    card = only(await chat.press(f"mt:card:{ref}"), "editMessageText")
    assert "When: Wed, 18:30–19:30 your time (Chicago)" in card.text
    assert " in Chicago." not in card.text
    assert "Where: Example Recovery Clubhouse, 250 Sample Avenue" in card.text
    assert "Closed (only for people who want to stop drinking or using)" in card.text


async def test_card_of_a_temporarily_closed_meeting_warns(chat: Chat):
    ref = MeetingRef.directory("example-na-tuesday-mens-step-study").encode()
    card = only(await chat.press(f"mt:card:{ref}"), "editMessageText")
    assert "temporarily closed" in card.text and "still runs online" in card.text


async def test_calendar_button_sends_an_ics_file(chat: Chat):
    ref = MeetingRef.directory("example-aa-serenity-at-seven").encode()
    document = only(await chat.press(f"cal:one:{ref}"), "sendDocument")
    assert "Serenity at Seven" in document.text
    (filename, content) = document.files["document"]
    assert filename == "example-aa-serenity-at-seven.ics"
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    assert str(event["UID"]) == "example-aa-serenity-at-seven@recovery-companion"
    assert event["DTSTART"].params["TZID"] == "America/New_York"


async def test_calendar_of_all_chosen_meetings(chat: Chat, services: Services):
    reply = only(await chat.press("cal:all"))
    assert "haven't chosen any meetings" in reply.text
    for slug in ("example-aa-serenity-at-seven", "example-smart-tuesday-dual-focus"):
        await services.subscriptions.set_leads(
            501, MeetingRef.directory(slug), [60], services.clock()
        )
    document = only(await chat.press("cal:all"), "sendDocument")
    (_, content) = document.files["document"]
    assert len(Calendar.from_ical(content).walk("VEVENT")) == 2


# --- nearby ------------------------------------------------------------------------------------


async def test_far_from_every_meeting_online_ones_are_offered(chat: Chat):
    reply = only(await send_location(chat, -33.9249, 18.4241))  # Cape Town
    assert "within 50 km (31 mi)" in reply.text and "Online meetings" in reply.text
    assert [label for label, _ in reply.buttons] == ["Online meetings"]
    online = only(await chat.press(reply.buttons[0][1]), "editMessageText")
    assert "Online" in online.text


async def test_someone_with_a_chosen_zone_is_not_offered_another(chat: Chat):
    await chat.press("tz:set:america.new_york")
    reply = only(await send_location(chat, 51.5074, -0.1278))
    assert not any(data.startswith("tz:") for _, data in reply.buttons)


async def test_meetings_near_me_asks_for_the_location_with_one_tap(chat: Chat):
    calls = sent(await chat.press("mt:near"))
    assert len(calls) == 1, [c.text[:80] for c in calls]
    (ask,) = calls
    keyboard = ask.params["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "📍 Send my location", "request_location": True}]]
    assert ask.params["reply_markup"]["one_time_keyboard"] is True
    assert "never stored" in ask.text
    reply = only(await send_location(chat, 51.5074, -0.1278))
    assert "closest in-person meetings" in reply.text


async def test_location_lists_the_nearest_in_person_meetings(chat: Chat, services: Services):
    reply = only(await send_location(chat, 51.5074, -0.1278))  # central London
    assert "closest in-person meetings" in reply.text
    assert "Women's Sunday Circle" in reply.text.replace("&#x27;", "'")
    assert " km (" in reply.text and " mi)" in reply.text
    cards = [(label, data) for label, data in reply.buttons if data.startswith("mt:card:")]
    first_label, first_data = cards[0]
    assert first_label == "Women's Sunday Circle · 3.6 km (2.3 mi)"
    shown = [by_ref(services)[data.split(":")[2]] for _, data in cards]
    assert all(m.is_in_person for m in shown)
    # Near means near: the example meetings thousands of kilometres away are not listed.
    assert len(cards) == 1
    # Someone who never chose a zone sees the times where they are, and can keep that zone.
    assert "London time, where you are" in reply.text
    assert ("Use London time from now on", "tz:set:europe.london") in reply.buttons
    card = only(await chat.press(first_data))  # a new message: the nearby list stays
    assert "Women's Sunday Circle" in card.text.replace("&#x27;", "'")
    assert "« Back" not in [label for label, _ in card.buttons]


# --- /timezone ---------------------------------------------------------------------------------


async def test_timezone_shows_the_zone_and_common_buttons(chat: Chat):
    reply = only(await chat.send("/timezone"))
    assert "Your time zone is UTC. It's 12:00 there now." in reply.text
    assert ("London · 12:00", "tz:set:europe.london") in reply.buttons
    assert len(reply.buttons) == 10


async def test_typing_a_misspelt_city_sets_the_zone_and_meetings_follow(chat: Chat):
    await chat.send("/timezone")
    reply = only(await chat.send("lodnon"))
    assert reply.text == "Time zone set to London. It's 12:00 there now."
    page = await list_message(chat)
    assert "Times are in London" in page.text
    # Told by setting it: no "I'm showing times in..." line.
    assert len(sent(await chat.send("/meetings"))) == 1
    # The flow is over: more text goes to the FAQ again.
    answer = only(await chat.send("paris"))
    assert "Time zone" not in answer.text


async def test_several_matches_are_offered_as_buttons(chat: Chat, services: Services):
    await chat.send("/timezone")
    reply = only(await chat.send("usa"))
    assert "Which one" in reply.text
    assert ("Chicago · 06:00", "tz:set:america.chicago") in reply.buttons
    done = only(await chat.press("tz:set:america.chicago"), "editMessageText")
    assert done.text == "Time zone set to Chicago. It's 06:00 there now."
    user = await services.storage.get_user(501)
    assert user is not None and user.timezone == "America/Chicago"


async def test_nothing_found_says_so_and_keeps_listening(chat: Chat):
    await chat.send("/timezone")
    reply = only(await chat.send("qwzx"))
    assert "couldn't find a time zone" in reply.text
    assert len(reply.buttons) == 10
    assert "Time zone set to Tokyo" in only(await chat.send("tokyo")).text


async def test_a_question_during_the_flow_goes_to_the_faq(chat: Chat):
    await chat.send("/timezone")
    # The flow is left with a word saying so (the rule of every flow: tests/test_flow_exits.py).
    left, reply = [c for c in await chat.send("do I have to talk at my first meeting?")]
    assert "so I've stopped there" in left.text
    assert "time zone" not in reply.text.lower()


async def test_cancel_ends_the_timezone_flow(chat: Chat):
    await chat.send("/timezone")
    await chat.send("/cancel")
    reply = only(await chat.send("lodnon"))
    assert "Time zone set" not in reply.text


async def test_a_stale_flow_is_ignored(chat: Chat, clock):
    await chat.send("/timezone")
    clock.now = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    reply = only(await chat.send("london"))
    assert "Time zone set" not in reply.text


async def test_the_flow_lives_in_the_database(chat: Chat, settings, library, api, clock):
    await chat.send("/timezone")
    # A new process: a fresh Application on the same database.
    fresh = build_application(settings, library, request=api, clock=clock, rate_limit=False)
    await fresh.initialize()
    assert fresh.post_init is not None
    await fresh.post_init(fresh)
    try:
        reply = only(await Chat(fresh, api).send("lodnon"))
        assert reply.text == "Time zone set to London. It's 12:00 there now."
    finally:
        assert fresh.post_shutdown is not None
        await fresh.post_shutdown(fresh)
        await fresh.shutdown()


# --- stale and forged buttons ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "mt:ls:zz:0",
        "mt:ls:on.d3:0",  # out of order
        "mt:ls:on.on:0",  # repeated
        "mt:ls:pnope:0",
        "mt:ls:d7:0",
        "mt:ls:all:x",
        "mt:ls:all",
        "mt:day:bad",
        "mt:prog",
        "mt:card:d.aaaaaaaaaaaa",
        "mt:card:p.1",
        "mt:card:nonsense",
        "mt:card:d.aaaaaaaaaaaa:near:0",
        "mt:zap",
        "cal:one:d.aaaaaaaaaaaa",
        "cal:one:p.999",
        "cal:all:x",
        "cal:zap",
        "tz:set:mars.olympus",
        "tz:set",
        "tz:zap",
    ],
)
async def test_forged_or_stale_buttons_are_refused(chat: Chat, data: str):
    reply = only(await chat.press(data))
    assert "out of date" in reply.text


async def test_a_card_for_a_valid_meeting_with_bad_list_state_is_refused(chat: Chat):
    ref = MeetingRef.directory("example-aa-night-owls").encode()
    assert "out of date" in only(await chat.press(f"mt:card:{ref}:zz:0")).text


# --- the filter code ---------------------------------------------------------------------------


def test_filter_codes_round_trip_and_fit_a_payload():
    # Every filter set at its longest: the longest program, language and type codes offered.
    widest = Filters(
        3, frozenset({"on", "ip", "dd", "nc"}), "NAR-ANON", "KOR", "a", "12x12", "zzzz"
    )
    assert widest.encode() == "d3a.on.ip.dd.nc.pnaran.lkor.y12x12.rzzzz"
    assert len(widest.encode()) <= 40  # a payload argument's limit
    assert Filters.decode(widest.encode()) == widest
    assert Filters.decode("all") == Filters()
    assert Filters.decode("te") == Filters(time="e")
    ref = MeetingRef.directory("x").encode()
    # A card keeps the filters; the page too when it fits, else Back finds the meeting's page.
    assert len(f"mt:card:{ref}:{widest.encode()}".encode()) <= 64
    assert len(f"mt:ls:{widest.encode()}:9999".encode()) <= 64
    assert len(f"mt:card:{ref}:d3.on.ip.dd.nc.pnaran:9999".encode()) <= 64


async def test_a_spanish_speaker_sees_meetings_in_spanish_first_and_can_widen(
    services: Services, app, api
):
    import dataclasses

    from bot.meetings import Directory
    from tests.fakes import Chat

    base = {"day": list(range(7)), "timezone": "America/New_York", "program": "NA"}
    directory = Directory(
        (
            Meeting.model_validate(
                {
                    **base,
                    "name": "Grupo Esperanza",
                    "slug": "esperanza",
                    "time": "19:00",
                    "types": ["S", "O"],
                }
            ),
            Meeting.model_validate({**base, "name": "Hope Group", "slug": "hope", "time": "18:00"}),
        )
    )
    services.library = dataclasses.replace(services.library, directory=directory)
    spanish = Chat(app, api, user_id=640, language="es")
    (welcome,) = await spanish.send("/start")
    # "Buscar una reunión" on the welcome opens the list as /meetings does.
    (opened,) = await spanish.press_label(welcome, "Buscar una reunión")
    labels = " ".join(label for label, _ in opened.buttons)
    assert "Grupo Esperanza" in labels and "Hope Group" not in labels
    calls = await spanish.send("/meetings")
    listing = next(c for c in calls if "Grupo Esperanza" in " ".join(b for b, _ in c.buttons))
    labels = " ".join(label for label, _ in listing.buttons)
    assert "Hope Group" not in labels and "En Español" in labels
    widened = await spanish.press_label(listing, "En Español")
    (picker,) = [c for c in widened if c.method == "editMessageText"]
    assert "¿Reuniones en qué idioma?" in picker.text
    everything = await spanish.press_label(picker, "Cualquier idioma")
    labels = " ".join(label for c in everything for label, _ in c.buttons)
    assert "Hope Group" in labels and "Grupo Esperanza" in labels
    # The English speaker's list is not narrowed, and the card names the types in their language.
    english = Chat(app, api, user_id=641, language="en")
    await english.send("/start")
    calls = await english.send("/meetings")
    labels = " ".join(label for c in calls for label, _ in c.buttons)
    assert "Hope Group" in labels and "Grupo Esperanza" in labels
