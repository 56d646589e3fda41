"""Choosing reminders and receiving them on time: restarts, DST, skips, blocks and changes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select

from bot.config import Settings
from bot.content import Content
from bot.meetings import Directory, Meeting
from bot.offline_api import Failure, OfflineBotApi
from bot.services import Library, Services
from bot.storage import Delivery, PersonalMeeting, Subscription, User
from bot.subscriptions import MeetingRef
from tests.fakes import Chat, FixedClock, running_app

UTC = dt.UTC
EVENING = Meeting.model_validate(
    {
        "name": "Evening Dual Recovery",
        "slug": "evening-ny",
        "program": "DRA",
        "day": 1,  # Monday (Meeting Guide: 0 = Sunday)
        "time": "19:00",
        "timezone": "America/New_York",
        "types": ["O", "DD"],
        "conference_url": "https://example.org/join/evening",
    }
)
LONDON = Meeting.model_validate(
    {
        "name": "Saturday Morning Hope",
        "slug": "london-sat",
        "day": 6,
        "time": "10:00",
        "timezone": "Europe/London",
        "location": "Church hall",
        "formatted_address": "1 Example Street, London",
    }
)
REF = MeetingRef.directory("evening-ny").encode()
# Monday 2 March 2026, 12:00 UTC = 07:00 in New York (EST, before the 8 March change).
MONDAY_NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def library_with(content: Content, *meetings: Meeting) -> Library:
    return Library.build(content, Directory(tuple(meetings)))


@pytest.fixture
def ny_settings(database_url: str) -> Settings:
    return Settings.model_validate(
        {
            "database": {"url": database_url},
            "defaults": {"timezone": "America/New_York"},
        }
    )


async def tick(app) -> None:
    """Run the reminder timer now (it reads the injected clock), instead of waiting for it."""
    from bot.delivery import JOB_NAME

    jobs = [j for j in app.job_queue.get_jobs_by_name(JOB_NAME) if not j.removed]
    assert jobs, "the reminder timer is not armed"
    await jobs[0].run(app)


def reminders_sent(api: OfflineBotApi) -> list:
    return [
        c
        for c in api.calls
        if c.method == "sendMessage" and "Reminder:" in c.text and c.result is not None
    ]


async def subscribe(chat: Chat, *leads: int) -> list:
    await chat.press(f"rem:ask:{REF}")
    calls = []
    for lead in leads:
        calls = await chat.press(f"rem:tog:{REF}:{lead}")
    return calls


async def test_remind_me_offers_lead_times_and_confirms_next_reminder(
    content, ny_settings, tmp_path
):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        picker = (await chat.press(f"rem:ask:{REF}"))[0]
        labels = [label for label, _ in picker.buttons]
        assert labels[:5] == [
            "▫️ 1 day before",
            "▫️ 2 hours before",
            "▫️ 1 hour before",
            "▫️ 30 minutes before",
            "▫️ 15 minutes before",
        ]
        await chat.press(f"rem:tog:{REF}:60")
        chosen = (await chat.press(f"rem:tog:{REF}:15"))[0]
        assert "✅ 1 hour before" in [label for label, _ in chosen.buttons]
        assert "Next reminder: Mon 2 Mar, 18:00 your time" in chosen.text
        done = (await chat.press(f"rem:done:{REF}"))[0]
        assert "Mon 2 Mar, 18:00" in done.text and "/mymeetings" in done.text


async def test_reminder_arrives_on_time_with_join_link_and_buttons_exactly_once(
    content, ny_settings
):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await subscribe(chat, 60)
        clock.now = dt.datetime(2026, 3, 2, 22, 59, tzinfo=UTC)
        await tick(app)
        assert reminders_sent(api) == []
        clock.now = dt.datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 18:00 in New York
        await tick(app)
        (reminder,) = reminders_sent(api)
        assert "Evening Dual Recovery" in reminder.text
        assert "in 1 hour, at 19:00 your time" in reminder.text
        assert "https://example.org/join/evening" in reminder.text
        labels = [label for label, _ in reminder.buttons]
        assert labels == [
            "Skip this week",
            "Stop these reminders",
            "A grounding exercise before I go",
        ]
        await tick(app)
        assert len(reminders_sent(api)) == 1


async def test_weekly_reminder_keeps_local_time_across_the_dst_change(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await subscribe(chat, 60)
        clock.now = dt.datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
        await tick(app)
        services: Services = app.bot_data["services"]
        ref = MeetingRef.decode(REF)
        next_fire = await services.subscriptions.next_fire(chat.chat["id"], ref)
        # 18:00 EDT on Monday 9 March is 22:00 UTC (it was 23:00 UTC a week before, in EST).
        assert next_fire == dt.datetime(2026, 3, 9, 22, 0, tzinfo=UTC)
        clock.now = next_fire
        await tick(app)
        assert "at 19:00 your time" in reminders_sent(api)[-1].text


async def test_restart_loses_nothing_and_sends_once(content, ny_settings):
    library = library_with(content, EVENING)
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library, api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await subscribe(chat, 60, 15)
    # Down over the first reminder; back at 18:40 New York time, before the meeting begins.
    clock.now = dt.datetime(2026, 3, 2, 23, 40, tzinfo=UTC)
    api2 = OfflineBotApi()
    async with running_app(ny_settings, library, api2, clock) as app:
        await tick(app)
        (late,) = reminders_sent(api2)
        assert "in 20 minutes, at 19:00" in late.text
        clock.now = dt.datetime(2026, 3, 2, 23, 45, tzinfo=UTC)
        await tick(app)
        assert len(reminders_sent(api2)) == 2  # the 15-minute one, now due
        await tick(app)
        assert len(reminders_sent(api2)) == 2


async def test_reminder_that_fell_due_before_a_meeting_already_begun_is_missed_not_sent(
    content, ny_settings
):
    library = library_with(content, EVENING)
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library, api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await subscribe(chat, 60)
    clock.now = dt.datetime(2026, 3, 3, 0, 5, tzinfo=UTC)  # 19:05 in New York: it has begun
    api2 = OfflineBotApi()
    async with running_app(ny_settings, library, api2, clock) as app:
        await tick(app)
        assert reminders_sent(api2) == []
        services: Services = app.bot_data["services"]
        async with services.storage.session() as session:
            statuses = list(await session.scalars(select(Delivery.status)))
        assert statuses == ["missed"]
        next_fire = await services.subscriptions.next_fire(501, MeetingRef.decode(REF))
        assert next_fire == dt.datetime(2026, 3, 9, 22, 0, tzinfo=UTC)


async def test_a_send_cut_off_by_a_crash_is_sent_at_start_up(content, ny_settings):
    library = library_with(content, EVENING)
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library, api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await subscribe(chat, 60)
        clock.now = dt.datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
        from bot.reminder_store import ReminderStore

        services: Services = app.bot_data["services"]
        engine = ReminderStore(services.storage, lambda: services.library.directory)
        claimed = await engine.claim_due(clock.now)  # claimed, then the process "dies"
        assert len(claimed) == 1
    api2 = OfflineBotApi()
    async with running_app(ny_settings, library, api2, clock):
        assert len(reminders_sent(api2)) == 1


async def test_skip_this_week_and_stop(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await subscribe(chat, 60, 15)
        clock.now = dt.datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
        await tick(app)
        reminder = reminders_sent(api)[-1]
        skipped = (await chat.press_label(reminder, "Skip this week"))[0]
        assert "Mon 9 Mar, 18:00" in skipped.text
        clock.now = dt.datetime(2026, 3, 2, 23, 45, tzinfo=UTC)
        await tick(app)
        assert len(reminders_sent(api)) == 1  # the 15-minute reminder was skipped too
        stopped = (await chat.press_label(reminder, "Stop these reminders"))[0]
        assert "won't remind you" in stopped.text
        clock.now = dt.datetime(2026, 3, 9, 22, 0, tzinfo=UTC)
        await tick(app)
        assert len(reminders_sent(api)) == 1


async def test_my_meetings_lists_pause_resume(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING, LONDON), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        empty = (await chat.send("/mymeetings"))[0]
        assert "haven't chosen any meetings" in empty.text
        await subscribe(chat, 60)
        mine = (await chat.send("/mymeetings"))[0]
        assert (
            "Evening Dual Recovery: every Mon, 19:00. Next: Mon 2 Mar, 19:00 your time" in mine.text
        )
        assert "Reminders 1 hour before" in mine.text
        manage = (await chat.press_label(mine, "Evening Dual Recovery"))[0]
        paused = (await chat.press_label(manage, "Pause"))[0]
        assert "Paused" in paused.text
        clock.now = dt.datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
        await tick(app)
        assert reminders_sent(api) == []
        assert "Paused." in (await chat.send("/mymeetings"))[0].text
        await chat.press(f"rem:resume:{REF}")
        await tick(app)
        assert reminders_sent(api) == []  # resuming never sends for a past time
        clock.now = dt.datetime(2026, 3, 9, 22, 0, tzinfo=UTC)
        await tick(app)
        assert len(reminders_sent(api)) == 1


async def test_add_a_personal_meeting_and_get_reminded(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        assert "What do you call it" in (await chat.send("/addmeeting"))[0].text
        days = (await chat.send("Tuesday home group"))[0]
        assert "Which day" in days.text
        await chat.press("add:day:2")  # Tuesday
        assert "What time" in (await chat.press("add:days"))[0].text
        assert "couldn't read" in (await chat.send("half past seven-ish"))[0].text
        zone = (await chat.send("7:30pm"))[0]
        assert "Same as mine: New York" in zone.buttons[0][0]
        await chat.press_label(zone, "Same as mine")
        saved = await chat.send("Room 4, 12 Example Ave")
        assert "Added Tuesday home group: Tue at 19:30 (New York time)" in saved[0].text
        picker = saved[1]
        await chat.press_label(picker, "30 minutes before")
        clock.now = dt.datetime(2026, 3, 4, 0, 0, tzinfo=UTC)  # Tue 19:00 in New York
        await tick(app)
        (reminder,) = reminders_sent(api)
        assert "Tuesday home group" in reminder.text
        assert "in 30 minutes, at 19:30 your time" in reminder.text
        assert "Room 4, 12 Example Ave" in reminder.text


async def test_crisis_check_runs_inside_the_add_meeting_flow(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await chat.send("/addmeeting")
        crisis = await chat.send("i want to kill myself")
        assert len(crisis) == 1 and "988" in crisis[0].text
        # The crisis ends the flow: the next words are not taken as the meeting's name.
        assert "Which day" not in (await chat.send("Thursday group"))[0].text


async def test_add_meeting_flow_survives_a_restart(content, ny_settings):
    library = library_with(content)
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library, api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await chat.send("/addmeeting")
        await chat.send("Friday step study")
    async with running_app(ny_settings, library, api, clock) as app:
        chat = Chat(app, api)
        assert "What time" in (await chat.send("fridays"))[0].text
        assert "nothing was added" in (await chat.send("/cancel"))[0].text.lower()
        assert "nothing to cancel" in (await chat.send("/cancel"))[0].text.lower()


async def test_blocked_user_is_deactivated_at_once_and_resumes_on_return(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await subscribe(chat, 60)
        api.failures.append(Failure("sendMessage", 403, "Forbidden: bot was blocked by the user"))
        clock.now = dt.datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
        await tick(app)
        attempts = [c for c in api.calls if c.method == "sendMessage" and "Reminder" in c.text]
        assert len(attempts) == 1  # tried once, not retried
        services: Services = app.bot_data["services"]
        assert (await services.storage.get_user(501)).blocked
        clock.now = dt.datetime(2026, 3, 9, 22, 0, tzinfo=UTC)
        await tick(app)
        assert reminders_sent(api) == []
        await chat.send("hi again")  # writing again lifts the block
        assert not (await services.storage.get_user(501)).blocked


async def test_directory_changes_are_told_and_followed_by_slug(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await subscribe(chat, 60)
    moved = EVENING.model_copy(update={"time": dt.time(20, 0)})
    api2 = OfflineBotApi()
    async with running_app(ny_settings, library_with(content, moved), api2, clock) as app:
        (notice,) = [c for c in api2.calls if "has changed" in c.text]
        assert "Evening Dual Recovery has changed: time Mon 19:00 → Mon 20:00." in notice.text
        services: Services = app.bot_data["services"]
        next_fire = await services.subscriptions.next_fire(501, MeetingRef.decode(REF))
        assert next_fire == dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 19:00 EST, for 20:00
    closed = moved.model_copy(update={"types": ("TC",)})
    api3 = OfflineBotApi()
    async with running_app(ny_settings, library_with(content, closed), api3, clock) as app:
        (notice,) = [c for c in api3.calls if "has changed" in c.text]
        assert "temporarily closed" in notice.text
        clock.now = dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
        await tick(app)
        assert reminders_sent(api3) == []
    api4 = OfflineBotApi()
    async with running_app(ny_settings, library_with(content), api4, clock):
        (notice,) = [c for c in api4.calls if "has changed" in c.text]
        assert "no longer listed" in notice.text
    api5 = OfflineBotApi()
    async with running_app(ny_settings, library_with(content), api5, clock):
        assert not [c for c in api5.calls if "has changed" in c.text]  # told once


async def test_forget_deletes_subscriptions_and_personal_meetings(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await subscribe(chat, 60)
        await chat.send("/addmeeting")
        await chat.send("Mine")
        await chat.send("mon")
        await chat.send("19:00")
        await chat.press("add:zone")
        await chat.press("add:skip")
        await chat.press("priv:yes")
        services: Services = app.bot_data["services"]
        async with services.storage.session() as session:
            assert list(await session.scalars(select(Subscription))) == []
            assert list(await session.scalars(select(PersonalMeeting))) == []


@pytest.mark.parametrize(
    "payload",
    [
        f"rem:tog:{REF}:999",
        "rem:ask:d.zzzzzzzzzzzz",
        "rem:man:p.1",
        "rem:skip:d.x:1",
        "rem:stop:p.99999",
        "add:day:3",
    ],
)
async def test_forged_reminder_buttons_change_nothing(content, ny_settings, payload):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        owner = Chat(app, api, user_id=900)
        await owner.send("/start")
        await owner.send("/addmeeting")
        await owner.send("Owner's meeting")
        await owner.send("mon")
        await owner.send("19:00")
        await owner.press("add:zone")
        await owner.press("add:skip")  # personal meeting id 1 belongs to user 900
        intruder = Chat(app, api, user_id=901)
        await intruder.send("/start")
        reply = (await intruder.press(payload))[0]
        assert "out of date" in reply.text
        services: Services = app.bot_data["services"]
        assert await services.subscriptions.chosen(901) == []


async def test_a_user_deleted_elsewhere_can_start_over_the_same_day(content, ny_settings):
    """/forget handled by another instance: this one's "seen today" note must not break writes."""
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        services: Services = app.bot_data["services"]
        async with services.storage.session() as session:  # as another process would
            await session.execute(delete(User).where(User.chat_id == 501))
        assert "What do you call it" in (await chat.send("/addmeeting"))[0].text
        picker = (await subscribe(chat, 60))[0]
        assert "Next reminder" in picker.text


async def test_what_follows_a_reminder_is_a_new_message_and_every_ending_has_a_way_on(
    content, ny_settings
):
    """A reminder keeps its join link: Skip, Stop and grounding answer with new messages, and
    each message that ends an action (skip, stop, pause, resume, Done with none) has buttons."""
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await subscribe(chat, 60)
        clock.now = dt.datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
        await tick(app)
        reminder = reminders_sent(api)[-1]
        for label in ("A grounding exercise", "Skip this week", "Stop these reminders"):
            (answer,) = await chat.press_label(reminder, label)
            assert answer.method == "sendMessage", label  # the reminder is not edited away
            assert answer.buttons, label
        assert "Remind me again" in [label for label, _ in answer.buttons]
        assert "My meetings" in [label for label, _ in answer.buttons]
        picker = (await chat.press_label(answer, "Remind me again"))[0]
        (nothing,) = await chat.press_label(picker, "Done")
        assert "No reminders chosen" in nothing.text
        assert [label for label, _ in nothing.buttons] == ["Choose reminder times", "My meetings"]
        await subscribe(chat, 60)
        paused = (await chat.press(f"rem:pause:{REF}"))[0]
        assert [label for label, _ in paused.buttons] == ["Resume", "My meetings"]
        resumed = (await chat.press_label(paused, "Resume"))[0]
        assert "Resumed" in resumed.text and resumed.buttons


async def test_an_old_lead_button_after_forget_brings_no_one_back(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        chat = Chat(app, api)
        await chat.send("/start")
        await subscribe(chat, 60)
        await chat.send("/forget")
        await chat.press("priv:yes")
        reply = (await chat.press(f"rem:tog:{REF}:15"))[0]
        assert "out of date" in reply.text
        services: Services = app.bot_data["services"]
        assert await services.storage.get_user(501) is None
        async with services.storage.session() as session:
            assert list(await session.scalars(select(Subscription))) == []


async def test_change_notices_say_old_and_new_in_the_users_language(content, ny_settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, EVENING), api, clock) as app:
        spanish = Chat(app, api, user_id=650, language="es")
        await spanish.send("/start")
        await subscribe(spanish, 60)
        london = Chat(app, api, user_id=651)
        await london.send("/start")
        await london.send("/timezone")
        await london.send("London")
        await subscribe(london, 60)
    moved = EVENING.model_copy(
        update={"day": (2,), "time": dt.time(19, 30), "conference_url": "https://example.org/new"}
    )
    api2 = OfflineBotApi()
    async with running_app(ny_settings, library_with(content, moved), api2, clock):
        told = {c.params["chat_id"]: c.text for c in api2.calls if c.method == "sendMessage"}
        assert told[650] == (
            "Evening Dual Recovery cambió: horario Lun 19:00 → Mar 19:30; enlace para entrar "
            "https://example.org/join/evening → https://example.org/new. Tus recordatorios siguen "
            "los datos nuevos. /mymeetings"
        )
        assert "time Mon 19:00 New York time → Tue 19:30 New York time;" in told[651]


async def test_a_day_ahead_reminder_keeps_the_clock_time_and_says_the_clocks_change(
    content, ny_settings
):
    sunday = EVENING.model_copy(update={"day": (0,), "slug": "sunday-ny", "name": "Sunday Hope"})
    ref = MeetingRef.directory("sunday-ny").encode()
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(ny_settings, library_with(content, sunday), api, clock) as app:
        chat = Chat(app, api)
        spanish = Chat(app, api, user_id=650, language="es")
        for person in (chat, spanish):
            await person.send("/start")
            await person.press(f"rem:ask:{ref}")
            await person.press(f"rem:tog:{ref}:1440")
        # Saturday 7 March, 18:00 EST: 24 hours before Sunday's 19:00 EDT, but not the clock time.
        clock.now = dt.datetime(2026, 3, 7, 23, 0, tzinfo=UTC)
        await tick(app)
        assert reminders_sent(api) == []
        clock.now = dt.datetime(2026, 3, 8, 0, 0, tzinfo=UTC)  # Saturday 19:00 EST
        await tick(app)
        (english,) = reminders_sent(api)
        assert "at 19:00 your time (Sun 8 Mar)" in english.text
        assert "The clocks change before then: 19:00 is the time on your clock" in english.text
        (spanish_reminder,) = [
            c for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == 650
            and "Antes de eso cambia la hora" in c.text
        ]  # fmt: skip
        assert "las 19:00 son la hora de tu reloj" in spanish_reminder.text
        # The next Sunday's reminder, with no change in between, says nothing of clocks.
        clock.now = dt.datetime(2026, 3, 14, 23, 0, tzinfo=UTC)  # Saturday 19:00 EDT
        await tick(app)
        later = [c for c in reminders_sent(api) if c.params["chat_id"] == 501]
        assert len(later) == 2 and "clocks" not in later[-1].text
