"""Organizer tools through the real Application: /reload, /announce, /stats, and refusing others."""

from __future__ import annotations

import datetime as dt
import html
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.content import Problem
from bot.flows import Flow, get_flow, set_flow
from bot.handlers import admin
from bot.offline_api import Failure
from bot.services import Services
from bot.storage import Delivery, FlowState, Subscription
from bot.subscriptions import MeetingRef, meeting_key
from tests.conftest import CONTENT_DIR
from tests.fakes import Chat, running_app

ADMIN_ID = 900
SERENITY = "example-aa-serenity-at-seven"  # Mondays 19:00 America/New_York
SUNRISE = "example-aa-sunrise-online"
BLOCKED = Failure("sendMessage", 403, "Forbidden: bot was blocked by the user")


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of the shipped content that a test may edit and reload."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


@pytest.fixture
def admin_settings(database_url: str, content_dir: Path) -> Settings:
    return Settings.model_validate(
        {
            "database": {"url": database_url},
            "content": {"dir": str(content_dir)},
            "admins": [ADMIN_ID],
        }
    )


@pytest.fixture
async def admin_app(admin_settings, library, api, clock, monkeypatch) -> AsyncIterator:
    """The bot with one organizer; it starts on the shipped content, and reloads from the copy."""
    async with running_app(admin_settings, library, api, clock) as app:
        yield app


@pytest.fixture
def services(admin_app) -> Services:
    return admin_app.bot_data["services"]


@pytest.fixture
async def organizer(admin_app, api) -> Chat:
    person = Chat(admin_app, api, user_id=ADMIN_ID)
    await person.send("/start")
    return person


async def member(app, api, user_id: int, *slugs: str) -> Chat:
    """Someone who said /start and asked to be reminded 1 hour before each of `slugs`."""
    person = Chat(app, api, user_id=user_id)
    await person.send("/start")
    for slug in slugs:
        ref = MeetingRef.directory(slug).encode()
        await person.press(f"rem:ask:{ref}")
        await person.press(f"rem:tog:{ref}:60")
    return person


def texts_to(calls, chat_id: int) -> list[str]:
    return [
        c.text for c in calls if c.method == "sendMessage" and c.params.get("chat_id") == chat_id
    ]


# /reload -----------------------------------------------------------------------------------------


async def test_reload_follows_a_changed_meeting_time_and_tells_its_subscribers(
    admin_app, api, services, organizer, content_dir
):
    subscriber = await member(admin_app, api, 501, SERENITY)
    ref = MeetingRef.directory(SERENITY)
    before = await services.subscriptions.next_fire(501, ref)
    assert before == dt.datetime(2026, 3, 2, 23, 0, tzinfo=dt.UTC)  # Mon 18:00 in New York
    meetings = content_dir / "meetings.yaml"
    head, slug, rest = meetings.read_text().partition(f"slug: {SERENITY}")
    rest = rest.replace(
        'time: "19:00"\n    end_time: "20:00"', 'time: "20:00"\n    end_time: "21:00"', 1
    )
    meetings.write_text(head + slug + rest)

    calls = await organizer.send("/reload")

    told = texts_to(calls, subscriber.chat["id"])
    assert told == [
        "Serenity at Seven has changed: time Mon 19:00 New York time → Mon 20:00 New York "
        "time. Your reminders follow the new details. /mymeetings"
    ]
    summary = texts_to(calls, ADMIN_ID)[-1]
    assert summary.startswith("Reloaded: ")
    assert "21 meetings" in summary and "questions" in summary and "exercises" in summary
    assert summary.endswith("Subscribers told about changed meetings: 1.")
    assert services.library.directory[SERENITY].time == dt.time(20, 0)
    after = await services.subscriptions.next_fire(501, ref)
    assert after == dt.datetime(2026, 3, 3, 0, 0, tzinfo=dt.UTC)  # Mon 19:00 in New York


async def test_reload_with_a_broken_faq_keeps_the_old_content_and_says_where(
    admin_app, api, services, organizer, content_dir
):
    old = services.library
    faq = content_dir / "en" / "faq.yaml"
    lines = faq.read_text().splitlines(keepends=True)
    broken_line = next(i for i, line in enumerate(lines) if line.strip() == "answer: |")
    lines[broken_line] = lines[broken_line].replace("answer:", "answr:")
    faq.write_text("".join(lines))

    calls = await organizer.send("/reload")

    reply = texts_to(calls, ADMIN_ID)[-1]
    assert reply.startswith("Nothing was changed: the bot keeps serving the content it had.")
    assert f"{faq}:{broken_line + 1}: " in reply
    assert "answr" in reply
    assert services.library is old
    # Still serving: the old answers work.
    assert texts_to(await organizer.send("/faq"), ADMIN_ID)


async def test_reload_problem_list_fits_one_message_and_says_how_many_more(content):
    pack = content.pack(None)
    problems = [Problem(Path("content/en/faq.yaml"), n, f"entry-{n}", "x" * 60) for n in range(400)]
    text = admin.problems_text(pack, problems)
    assert len(text) < 4096
    shown = text.count("content/en/faq.yaml:")
    assert 10 < shown < 400
    assert text.endswith(f"and {400 - shown} more")


DUPLICATE = """
  - name: Serenity Copy
    slug: example-aa-serenity-at-seven
    day: 2
    time: "10:00"
    timezone: America/New_York
    conference_url: https://example.org/join/copy
"""


def with_duplicate(meetings: Path) -> int:
    """Move Sunrise Online to 07:30 and append a second record with Serenity at Seven's slug;
    the line of that second slug."""
    text = meetings.read_text().replace(
        'time: "07:00"\n    end_time: "07:45"', 'time: "07:30"\n    end_time: "08:15"', 1
    )
    lines = (text.rstrip("\n") + "\n" + DUPLICATE).splitlines()
    meetings.write_text("\n".join(lines) + "\n")
    return len(lines) - lines[::-1].index(f"    slug: {SERENITY}")


async def test_reload_with_a_duplicate_slug_leaves_that_record_out_and_loads_the_rest(
    admin_app, api, services, organizer, content_dir
):
    meetings = content_dir / "meetings.yaml"
    line = with_duplicate(meetings)

    reply = texts_to(await organizer.send("/reload"), ADMIN_ID)[-1]

    # One rule, as at start-up: the rest loads, the duplicate is named, and nothing contradicts.
    assert reply.startswith("Reloaded: "), reply
    assert "Nothing was changed" not in reply
    assert f"{meetings}:{line}: example-aa-serenity-at-seven: duplicate slug" in reply
    assert "Left out, while the rest loaded (1). Fix these, then /reload:" in reply
    assert reply.endswith("duplicate slug (first used on line 21); this meeting is left out")
    assert services.library.directory[SUNRISE].time == dt.time(7, 30)
    assert services.library.directory[SERENITY].name == "Serenity at Seven"  # the first one
    assert services.directory_hold is None


async def test_reload_with_a_real_problem_and_a_duplicate_says_nothing_was_changed_throughout(
    admin_app, api, services, organizer, content_dir
):
    old = services.library
    meetings = content_dir / "meetings.yaml"
    line = with_duplicate(meetings)
    meetings.write_text(meetings.read_text().replace("day: 3\n", "day: 9\n", 1))

    reply = texts_to(await organizer.send("/reload"), ADMIN_ID)[-1]

    assert reply.startswith("Nothing was changed")
    assert f"{meetings}:{line}: example-aa-serenity-at-seven: duplicate slug" in reply
    assert "is left out" not in reply  # nothing was changed: no meeting was left out either
    assert services.library is old


# /announce ---------------------------------------------------------------------------------------


async def test_announce_reaches_that_meetings_subscribers_only_and_counts_a_block(
    admin_app, api, services, organizer
):
    for user_id in (501, 502, 503):
        await member(admin_app, api, user_id, SERENITY)
    await member(admin_app, api, 504, SUNRISE)

    picker = (await organizer.send("/announce"))[-1]
    assert ("Serenity at Seven (3)", f"adm:ann:{meeting_key(SERENITY)}") in picker.buttons
    assert ("Sunrise Online (1)", f"adm:ann:{meeting_key(SUNRISE)}") in picker.buttons
    assert len(picker.buttons) == 2  # only meetings with subscribers

    prompt = (await organizer.press_label(picker, "Serenity"))[-1]
    assert "subscribers of Serenity at Seven (3)" in prompt.text

    preview = (await organizer.send("Doors open at 18:30 <this week> & bring a friend"))[-1]
    assert preview.params["chat_id"] == ADMIN_ID
    assert "Doors open at 18:30 &lt;this week&gt; &amp; bring a friend" in preview.text
    assert [label for label, _ in preview.buttons] == ["Send", "Cancel"]
    draft = await get_flow(services.storage, ADMIN_ID)
    assert draft is not None and draft.step == "confirm"

    api.failures.append(BLOCKED)  # the first delivery finds a subscriber who blocked the bot
    before = len(api.calls)
    calls = await organizer.press_label(preview, "Send")

    deliveries = [
        c
        for c in api.calls[before:]
        if c.method == "sendMessage" and c.params["chat_id"] != ADMIN_ID
    ]
    assert sorted(c.params["chat_id"] for c in deliveries) == [501, 502, 503]
    delivered = [c for c in deliveries if c.result is not None]
    assert len(delivered) == 2
    assert all(
        c.text.startswith("<b>📣 From the organizers of Serenity at Seven:</b>")
        and "Doors open at 18:30" in c.text
        for c in delivered
    )
    assert texts_to(calls, ADMIN_ID)[-1] == "Sent to 2 of 3; 1 has blocked the bot."
    refused = next(c.params["chat_id"] for c in deliveries if c.result is None)
    assert (await services.storage.get_user(refused)).blocked
    # The draft is gone with the flow: nothing of what the organizer wrote is kept.
    assert await get_flow(services.storage, ADMIN_ID) is None
    async with services.storage.session() as session:
        assert all("Doors" not in row.data for row in await session.scalars(select(FlowState)))

    # Pressing Send again sends nothing: the button is stale now.
    again = await organizer.press_label(preview, "Send")
    assert [c.params["chat_id"] for c in again if c.method == "sendMessage"] == [ADMIN_ID]
    assert again[-1].text.startswith("That button is out of date.")


async def announcement_draft(organizer: Chat, text: str):
    """An announcement to Serenity at Seven's subscribers, typed and waiting on its preview."""
    picker = (await organizer.send("/announce"))[-1]
    await organizer.press_label(picker, "Serenity")
    return (await organizer.send(text))[-1]


async def test_announce_cancel_deletes_the_draft_and_sends_nothing(
    admin_app, api, services, organizer
):
    await member(admin_app, api, 501, SERENITY)
    preview = await announcement_draft(organizer, "A draft")
    calls = await organizer.press_label(preview, "Cancel")
    assert "Cancelled" in calls[-1].text
    assert await get_flow(services.storage, ADMIN_ID) is None
    assert not any(c.params.get("chat_id") == 501 for c in calls)


async def test_announce_send_button_of_an_older_draft_cannot_send_the_newer_one(
    admin_app, api, organizer
):
    await member(admin_app, api, 501, SERENITY)
    first = await announcement_draft(organizer, "First version")
    await organizer.send("Second version")
    calls = await organizer.press_label(first, "Send")
    assert texts_to(calls, 501) == []
    assert calls[-1].text.startswith("That button is out of date.")


async def test_announce_preview_loses_its_buttons_once_sent_and_a_double_press_sends_once(
    admin_app, api, services, organizer
):
    await member(admin_app, api, 501, SERENITY)
    preview = await announcement_draft(organizer, "Doors open at 18:30")

    first = await organizer.press_label(preview, "Send")
    second = await organizer.press_label(preview, "Send")  # the double tap, on the old keyboard

    (removed,) = [c for c in first if c.method == "editMessageReplyMarkup"]
    assert removed.params["message_id"] == preview.result["message_id"]
    assert not removed.params.get("reply_markup")  # no buttons left on the preview
    assert len(texts_to(first, 501)) == 1
    assert texts_to(second, 501) == []  # no second send
    assert texts_to(second, ADMIN_ID) == [
        "That button is out of date. Here is where you can start again:"
    ]


async def test_announce_preview_loses_its_buttons_once_cancelled_and_they_do_nothing_after(
    admin_app, api, services, organizer
):
    await member(admin_app, api, 501, SERENITY)
    preview = await announcement_draft(organizer, "A draft")

    (cancelled,) = await organizer.press_label(preview, "Cancel")
    assert cancelled.method == "editMessageText" and cancelled.buttons == []

    for label in ("Cancel", "Send"):
        calls = await organizer.press_label(preview, label)
        assert texts_to(calls, 501) == []
        assert calls[-1].text.startswith("That button is out of date.")


async def test_an_old_previews_cancel_does_not_cancel_a_newer_draft(
    admin_app, api, services, organizer
):
    await member(admin_app, api, 501, SERENITY)
    old = await announcement_draft(organizer, "First version")
    new = (await organizer.send("Second version"))[-1]

    calls = await organizer.press_label(old, "Cancel")

    assert calls[-1].text.startswith("That button is out of date.")
    draft = await get_flow(services.storage, ADMIN_ID)
    assert draft is not None and draft.data["text"] == "Second version"
    sent = await organizer.press_label(new, "Send")
    assert len(texts_to(sent, 501)) == 1


async def test_announce_lists_many_meetings_in_pages(admin_app, api, services, organizer):
    slugs = [m.slug for m in services.library.directory][:10]
    await member(admin_app, api, 501, *slugs)
    first = (await organizer.send("/announce"))[-1]
    assert len([d for _, d in first.buttons if d.startswith("adm:ann:")]) == 8
    assert ("Next ›", "adm:page:1") in first.buttons
    second = (await organizer.press("adm:page:1"))[-1]
    assert len([d for _, d in second.buttons if d.startswith("adm:ann:")]) == 2
    assert ("‹ Previous", "adm:page:0") in second.buttons


async def test_announce_with_no_subscribers_says_so(admin_app, organizer):
    reply = (await organizer.send("/announce"))[-1]
    assert reply.text.startswith("No meeting in the directory has subscribers")
    assert reply.buttons == []


# /stats ------------------------------------------------------------------------------------------


async def test_stats_shows_counts_and_never_who(admin_app, api, services, clock, organizer):
    await member(admin_app, api, 501, SERENITY)
    await member(admin_app, api, 502, SERENITY, SUNRISE)
    clock.now = clock.now - dt.timedelta(days=30)
    await Chat(admin_app, api, user_id=503).send("/start")  # seen a month ago only
    clock.now = clock.now + dt.timedelta(days=30)
    today = clock.now.date()
    for name, times in (("crisis_shown", 2), ("concern_shown", 3), ("grounding_helped", 4)):
        for _ in range(times):
            await services.storage.count(name, today)
    await services.storage.count("crisis_shown", today - dt.timedelta(days=8))  # too old
    async with services.storage.session() as session:
        sub = (await session.scalars(select(Subscription).where(Subscription.chat_id == 501))).one()
        for days, status in ((1, "sent"), (2, "sent"), (3, "missed"), (4, "failed"), (9, "sent")):
            at = clock.now - dt.timedelta(days=days)
            session.add(
                Delivery(subscription_id=sub.id, occurrence_at=at, status=status, updated_at=at)
            )

    reply = (await organizer.send("/stats"))[-1].text

    assert "People: 4 in all, 3 active in the last 7 days" in reply  # the organizer is one
    assert "Reminders: 2 sent, 1 missed, 1 failed" in reply
    assert "Crisis message shown: 2" in reply
    assert "Gentle check shown: 3" in reply
    assert "Grounding exercises that helped: 4" in reply
    assert "• Serenity at Seven: 2" in reply and "• Sunrise Online: 1" in reply
    assert "Meetings people added themselves: 0" in reply
    for chat_id in (501, 502, 503, ADMIN_ID):
        assert str(chat_id) not in reply


async def test_stats_names_the_answers_people_said_were_not_what_they_asked(
    admin_app, api, organizer
):
    assert "not what I asked" not in (await organizer.send("/stats"))[-1].text  # none yet
    for user_id in (501, 502):
        person = Chat(admin_app, api, user_id=user_id)
        await person.send("/start")
        (answer,) = [c for c in await person.send("how much does it cost to go") if c.buttons]
        await person.press_label(answer, "not what I asked")

    reply = (await organizer.send("/stats"))[-1].text

    assert 'Answers marked "That\'s not what I asked": cost 2' in html.unescape(reply)
    assert "501" not in reply and "how much" not in reply  # neither who nor what they wrote


async def test_a_double_tap_on_that_helped_counts_once(admin_app, api, services, organizer):
    someone = Chat(admin_app, api, user_id=501)
    await someone.send("/start")
    exercise = services.library.pack(None).grounding.exercises[0]
    (shown,) = await someone.press(f"gr:ex:{exercise.id}")
    assert "That helped" in [label for label, _ in shown.buttons]

    first = await someone.press_label(shown, "That helped")
    second = await someone.press_label(shown, "That helped")  # the same, old keyboard

    (kept,) = [c for c in first if c.method == "editMessageReplyMarkup"]
    assert "That helped" not in [label for label, _ in kept.buttons]
    assert "Another one" in [label for label, _ in kept.buttons]
    assert [c.text for c in first if c.method == "sendMessage"] == [
        "I'm glad it helped. It's there any time: /ground."
    ]
    assert [c for c in second if c.method == "sendMessage"] == []
    assert "Grounding exercises that helped: 1" in (await organizer.send("/stats"))[-1].text


async def _two_members_with_a_reminder_sent(admin_app, api, services, clock) -> None:
    await member(admin_app, api, 501, SERENITY)
    await member(admin_app, api, 502, SERENITY)
    async with services.storage.session() as session:
        for chat_id in (501, 502):
            sub = (
                await session.scalars(select(Subscription).where(Subscription.chat_id == chat_id))
            ).one()
            at = clock.now - dt.timedelta(days=1)
            session.add(
                Delivery(subscription_id=sub.id, occurrence_at=at, status="sent", updated_at=at)
            )


async def _forget_one_and_stop_the_other(admin_app, api) -> None:
    leaver = Chat(admin_app, api, user_id=501)
    await leaver.send("/forget")
    await leaver.press("priv:yes")
    ref = MeetingRef.directory(SERENITY).encode()
    await Chat(admin_app, api, user_id=502).press(f"rem:stop:{ref}")


async def test_stats_people_and_counters_do_not_go_down_after_forget_or_stopping(
    admin_app, api, services, clock, organizer
):
    await _two_members_with_a_reminder_sent(admin_app, api, services, clock)
    await services.storage.count("crisis_shown", clock.now.date())
    await services.storage.count("grounding_helped", clock.now.date())
    before = (await organizer.send("/stats"))[-1].text
    assert "People: 3 in all, 3 active in the last 7 days" in before

    await _forget_one_and_stop_the_other(admin_app, api)
    after = (await organizer.send("/stats"))[-1].text

    assert "People: 3 in all, 3 active in the last 7 days" in after
    assert "Crisis message shown: 1" in after
    assert "Grounding exercises that helped: 1" in after
    # A week later, whoever left is no longer "active", but still counted "in all".
    clock.now += dt.timedelta(days=8)
    later = (await organizer.send("/stats"))[-1].text
    assert "People: 3 in all, 1 active in the last 7 days" in later


async def test_stats_reminders_sent_do_not_go_down_after_forget_or_stopping(
    admin_app, api, services, clock, organizer
):
    await _two_members_with_a_reminder_sent(admin_app, api, services, clock)
    assert "Reminders: 2 sent" in (await organizer.send("/stats"))[-1].text

    await _forget_one_and_stop_the_other(admin_app, api)

    assert "Reminders: 2 sent" in (await organizer.send("/stats"))[-1].text


# Refusing everyone else --------------------------------------------------------------------------


async def test_non_admin_gets_the_unknown_command_reply_and_changes_nothing(
    admin_app, api, services
):
    someone = Chat(admin_app, api, user_id=501)
    await someone.send("/start")
    unknown = (await someone.send("/nosuchcommand"))[-1].text
    old = services.library
    for command in ("/reload", "/announce", "/stats"):
        calls = await someone.send(command)
        assert [c.text for c in calls] == [unknown], command
    assert services.library is old


async def test_non_admin_pressing_admin_buttons_gets_the_stale_button_reply(
    admin_app, api, services
):
    someone = Chat(admin_app, api, user_id=501)
    await someone.send("/start")
    stale = (await someone.press("nope:nope"))[-1]
    # Even holding a draft (say, a former organizer), nothing is sent for them.
    now = services.clock()
    await set_flow(
        services.storage,
        501,
        Flow(
            "announce",
            "confirm",
            {"slug": SERENITY, "text": "x", "nonce": "abcd1234", "since": now.isoformat()},
        ),
        now,
    )
    for data in (
        "adm:page:0",
        f"adm:ann:{meeting_key(SERENITY)}",
        "adm:send:abcd1234",
        "adm:stop",
    ):
        calls = await someone.press(data)
        assert [(c.method, c.text, c.buttons) for c in calls] == [
            (stale.method, stale.text, stale.buttons)
        ], data


async def test_admin_commands_are_not_in_the_public_menu(admin_app, api):
    menus = [c for c in api.calls if c.method == "setMyCommands" and "scope" not in c.params]
    assert menus
    for call in menus:
        names = {command["command"] for command in call.params["commands"]}
        assert not names & {"reload", "announce", "stats", "link"}
    # Only the organizers' own chats' menus have them (tests/test_links.py).
    scoped = [
        c
        for c in api.calls
        if c.method == "setMyCommands" and c.params.get("scope", {}).get("type") == "chat"
    ]
    assert {c.params["scope"]["chat_id"] for c in scoped} == {ADMIN_ID}
