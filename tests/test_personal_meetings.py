"""A meeting of one's own, from first answer to deletion: each step says what it understood,
the card shows how to join, it can be changed and deleted on purpose, stopping asks once, and
an id is never given to another meeting (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.offline_api import ApiCall, OfflineBotApi
from bot.services import Services
from bot.storage import PersonalMeeting
from tests.fakes import Chat, FixedClock, running_app
from tests.test_reminders import MONDAY_NOON, library_with, reminders_sent, tick
from tests.test_spanish_screens import english_fragments

UTC = dt.UTC


@pytest.fixture
def ny_settings(database_url: str) -> Settings:
    return Settings.model_validate(
        {"database": {"url": database_url}, "defaults": {"timezone": "America/New_York"}}
    )


async def add(chat: Chat, name: str, days: str, time: str, where: str | None) -> list[ApiCall]:
    """Add a meeting in the user's own zone; what the last step answered."""
    await chat.send("/addmeeting")
    await chat.send(name)
    await chat.send(days)
    await chat.send(time)
    await chat.press("add:zone")
    if where is None:
        return await chat.press("add:skip")
    return await chat.send(where)


def labels(call: ApiCall) -> list[str]:
    return [label for label, _ in call.buttons]


async def personal_ids(services: Services) -> list[int]:
    async with services.storage.session() as session:
        return sorted(await session.scalars(select(PersonalMeeting.id)))


async def test_each_step_echoes_what_it_understood_and_a_bare_hour_is_asked_about(
    content, ny_settings
):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await chat.send("/addmeeting")
        days = (await chat.send("Home group"))[0]
        assert days.text.startswith("Home group — got it. Which day")
        time = (await chat.send("tuesdays and thursdays"))[0]
        assert time.text.startswith("Tue and Thu — got it. What time")
        either = (await chat.send("7"))[0]
        assert "morning or in the evening" in either.text
        assert labels(either) == ["07:00 in the morning", "19:00 in the evening"]
        zone = (await chat.press_label(either, "evening"))[0]
        assert zone.text.startswith("19:00 — got it. Which time zone")
        link = (await chat.send("London"))[0]
        assert link.text.startswith("London time — got it. Last step")
        saved = await chat.send("https://zoom.us/j/123 passcode 4567")
        assert "Added Home group: Tue and Thu at 19:00 (London time)" in saved[0].text
        services: Services = app.bot_data["services"]
        async with services.storage.session() as session:
            row = (await session.scalars(select(PersonalMeeting))).one()
        assert (row.link, row.link_notes, row.place) == (
            "https://zoom.us/j/123",
            "passcode 4567",
            None,
        )
        assert (row.days, row.time, row.timezone) == ("2,4", "19:00", "Europe/London")


async def test_a_link_without_its_scheme_is_a_link_and_an_address_is_a_place(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await add(chat, "Online", "mon", "19:00", "zoom.us/j/123")
        await add(chat, "In person", "tue", "19:00", "Room 4, 12 Example Ave")
        services: Services = app.bot_data["services"]
        async with services.storage.session() as session:
            rows = list(await session.scalars(select(PersonalMeeting).order_by(PersonalMeeting.id)))
        assert [(r.link, r.place) for r in rows] == [
            ("https://zoom.us/j/123", None),
            (None, "Room 4, 12 Example Ave"),
        ]


async def test_one_saved_without_reminders_is_listed_shown_edited_and_deleted_on_purpose(
    content, ny_settings
):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        picker = (await add(chat, "Home group", "tue", "19:30", "zoom.us/j/9 passcode 11"))[1]
        await chat.press_label(picker, "Done")  # no reminder chosen
        mine = (await chat.send("/mymeetings"))[0]
        assert "Home group: every Tue, 19:30. Next: Tue 3 Mar, 19:30 your time" in mine.text
        assert "Add all to my calendar" in labels(mine)
        card = (await chat.press_label(mine, "Home group"))[0]
        assert "Join: https://zoom.us/j/9" in card.text and "passcode 11" in card.text
        assert {"Edit", "Delete", "Choose reminder times"} <= set(labels(card))
        edit = (await chat.press_label(card, "Edit"))[0]
        assert labels(edit)[:5] == ["Name", "Days", "Time", "Time zone", "Link or place"]
        asked = (await chat.press_label(edit, "Time"))[0]
        assert "What time" in asked.text
        changed = (await chat.send("8:15pm"))[0]
        assert "Saved. Home group: Tue at 20:15 (New York time)" in changed.text
        await chat.press("add:edit:p.1:name")
        assert "Nothing was changed" in (await chat.send("/cancel"))[0].text
        await chat.press("add:edit:p.1:name")
        await chat.send("Tuesday home group")
        await chat.press("add:edit:p.1:days")
        await chat.press("add:day:4")  # and Thursday
        assert "Tue and Thu at 20:15" in (await chat.press("add:days"))[0].text
        await chat.press("add:edit:p.1:zone")
        assert "(Chicago time)" in (await chat.send("Chicago"))[0].text
        await chat.press("add:edit:p.1:link")
        await chat.send("Room 4, 12 Example Ave")
        card = (await chat.press("rem:man:p.1"))[0]
        assert "Tuesday home group: every Tue and Thu, 20:15 Chicago time" in card.text
        assert "Where: Room 4, 12 Example Ave" in card.text and "zoom" not in card.text
        asked = (await chat.press_label(card, "Delete"))[0]
        assert "Delete Tuesday home group?" in asked.text
        kept = (await chat.press_label(asked, "No, keep it"))[0]
        assert "Tuesday home group" in kept.text
        services: Services = app.bot_data["services"]
        assert await personal_ids(services) == [1]
        asked = (await chat.press_label(kept, "Delete"))[0]
        deleted = (await chat.press_label(asked, "Yes, delete it"))[0]
        assert "Deleted Tuesday home group." in deleted.text and deleted.buttons
        assert await personal_ids(services) == []
        assert "haven't chosen any meetings" in (await chat.send("/mymeetings"))[0].text


async def test_stopping_a_personal_meetings_reminders_asks_once_before_deleting_it(
    content, ny_settings
):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        picker = (await add(chat, "Home group", "mon", "19:30", None))[1]
        await chat.press_label(picker, "30 minutes before")
        clock.now = dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # Mon 19:00 in New York
        await tick(app)
        (reminder,) = reminders_sent(api)
        asked = (await chat.press_label(reminder, "Stop these reminders"))[0]
        assert asked.method == "sendMessage"  # the reminder stays as it was
        assert "Stop the reminders for Home group?" in asked.text
        services: Services = app.bot_data["services"]
        assert await personal_ids(services) == [1]
        assert (await services.subscriptions.chosen(501))[0].leads == (30,)
        stopped = (await chat.press_label(asked, "keep the meeting"))[0]
        assert "it stays in /mymeetings" in stopped.text
        assert await personal_ids(services) == [1]
        assert (await services.subscriptions.chosen(501))[0].leads == ()
        assert "No reminders chosen" in (await chat.send("/mymeetings"))[0].text
        picker = (await chat.press("rem:ask:p.1"))[0]
        await chat.press_label(picker, "1 hour before")
        asked = (await chat.press("rem:stop:p.1"))[0]
        deleted = (await chat.press_label(asked, "Delete the meeting too"))[0]
        assert "Deleted Home group." in deleted.text
        assert await personal_ids(services) == []
        assert await services.subscriptions.chosen(501) == []


async def test_ids_are_never_reused_and_an_old_button_says_its_meeting_is_gone(
    content, ny_settings
):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await add(chat, "First", "mon", "19:00", None)
        await add(chat, "Newest", "tue", "19:00", None)
        services: Services = app.bot_data["services"]
        assert await personal_ids(services) == [1, 2]
        await chat.press("rem:delok:p.2")
        await add(chat, "Another", "wed", "19:00", None)
        assert await personal_ids(services) == [1, 3]
        gone = (await chat.press("rem:man:p.2"))[0]
        assert "no longer in your list" in gone.text and gone.buttons
        assert "no longer in your list" in (await chat.press("rem:tog:p.2:60"))[0].text
        assert [c.leads for c in await services.subscriptions.chosen(501)] == [(), ()]


async def test_add_all_to_my_calendar_includes_personal_meetings(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await add(chat, "Home group", "tue", "19:30", "zoom.us/j/9")
        mine = (await chat.send("/mymeetings"))[0]
        (sent,) = await chat.press_label(mine, "Add all to my calendar")
        assert sent.method == "sendDocument"
        ics = b"".join(data for _, data in sent.files.values()).decode()
        assert "SUMMARY:Home group" in ics and "https://zoom.us/j/9" in ics


async def test_a_spanish_speaker_manages_a_meeting_of_their_own_in_spanish(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content), api, clock) as app:
        chat = Chat(app, api, user_id=650, language="es")
        await chat.send("/start")
        screens = []
        await chat.send("/addmeeting")
        screens += await chat.send("Grupo de casa")
        screens += await chat.send("martes y jueves")
        screens += await chat.send("7")
        screens += await chat.press("add:time:1900")
        screens += await chat.press("add:zone")
        screens += await chat.send("zoom.us/j/9 código 11")
        screens += await chat.press("rem:mine")
        screens += await chat.press("rem:man:p.1")
        screens += await chat.press("add:edit:p.1")
        screens += await chat.press("rem:ask:p.1")
        screens += await chat.press("rem:tog:p.1:60")
        screens += await chat.press("rem:stop:p.1")
        screens += await chat.press("rem:del:p.1")
        screens += await chat.press("rem:delok:p.1")
        screens += await chat.press("rem:man:p.1")
        text = "\n".join(f"{c.text}\n{' '.join(labels(c))}" for c in screens)
        assert "cada Mar y Jue, a las 19:00" in text
        assert "Grupo de casa: entendido." in text and "Mar y Jue: entendido." in text
        english = english_fragments(content)
        assert sorted(f for f in english if f in text) == []


async def test_my_meetings_skips_a_skipped_date_and_pages_instead_of_cutting(content, ny_settings):
    from tests.test_reminders import EVENING, REF

    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await chat.press(f"rem:ask:{REF}")
        await chat.press(f"rem:tog:{REF}:60")
        tonight = int(dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC).timestamp() // 60)
        await chat.press(f"rem:skip:{REF}:{tonight}")
        mine = (await chat.send("/mymeetings"))[0]
        assert "every Mon, 19:00. Next: Mon 9 Mar, 19:00 your time" in mine.text
        services: Services = app.bot_data["services"]
        for number in range(11):
            await services.subscriptions.add_personal(
                501, name=f"Mine {number}", days=[2], time="20:00", timezone="America/New_York",
                link=None, place=None,
            )  # fmt: skip
        first = (await chat.send("/mymeetings"))[0]
        assert "Showing 1–10 of your 12 meetings." in first.text
        assert first.text.count("• ") == 10
        rest = (await chat.press_label(first, "More"))[0]
        assert "Showing 11–12 of your 12 meetings." in rest.text
        assert rest.text.count("• ") == 2 and "« Earlier" in labels(rest)
