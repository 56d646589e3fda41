"""Group chats: an admin links the chat to a meeting, and its reminders are posted there."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.offline_api import ApiCall, Failure, OfflineBotApi
from bot.storage import Delivery, Subscription, User
from tests.fakes import Chat, FixedClock, GroupChat, running_app
from tests.test_reminders import EVENING, MONDAY_NOON, library_with, tick

UTC = dt.UTC
GROUP = -1001234
ADMIN, MEMBER = 7001, 7002
BOT_LINK = "https://t.me/recovery_companion_bot"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings.model_validate(
        {"database": {"url": database_url}, "defaults": {"timezone": "America/New_York"}}
    )


def group_reminders(api: OfflineBotApi) -> list[ApiCall]:
    return [
        c
        for c in api.calls
        if c.method == "sendMessage" and c.params.get("chat_id") == GROUP and "⏰" in c.text
    ]


async def rows(app, table, **where) -> list:
    storage = app.bot_data["services"].storage
    async with storage.session() as session:
        query = select(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return list(await session.scalars(query))


def other_meeting(name: str, slug: str):
    return EVENING.model_copy(update={"name": name, "slug": slug})


async def test_an_admin_links_the_chat_and_each_reminder_is_posted_once_with_link_buttons(
    content, settings
):
    api, clock = OfflineBotApi(chat_admins={GROUP: {ADMIN}}), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        group = GroupChat(app, api, GROUP)
        (hello,) = await group.membership("left", "member", by=ADMIN)
        assert "/linkmeeting" in hello.text and hello.buttons == [
            ("💬 Talk to me privately", BOT_LINK)
        ]
        (linked,) = await group.send("/linkmeeting evening", ADMIN)
        assert "Evening Dual Recovery" in linked.text and "30 minutes before" in linked.text
        (sub,) = await rows(app, Subscription, chat_id=GROUP)
        assert sub.meeting_slug == "evening-ny" and sub.lead_minutes == 30

        clock.now = dt.datetime(2026, 3, 2, 23, 29, tzinfo=UTC)  # 18:29 in New York
        await tick(app)
        assert group_reminders(api) == []
        clock.now = dt.datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
        await tick(app)
        await tick(app)
        (reminder,) = group_reminders(api)
        assert "Evening Dual Recovery" in reminder.text and "in 30 minutes" in reminder.text
        # Links only: any member may press them, and none acts on anyone's reminders.
        assert reminder.buttons == [
            ("Join now", "https://example.org/join/evening"),
            ("🔔 Remind me privately", f"{BOT_LINK}?start=m-evening-ny"),
        ]
        assert [d.status for d in await rows(app, Delivery, subscription_id=sub.id)] == ["sent"]


async def test_a_member_who_is_not_an_admin_cannot_link_or_unlink(content, settings):
    api, clock = OfflineBotApi(chat_admins={GROUP: {ADMIN}}), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        group = GroupChat(app, api, GROUP)
        (refused,) = await group.send("/linkmeeting evening", MEMBER)
        assert "Only this chat's admins" in refused.text
        assert await rows(app, Subscription, chat_id=GROUP) == []
        (refused,) = await group.send("/start m-evening-ny", MEMBER)
        assert "Only this chat's admins" in refused.text
        assert await rows(app, Subscription, chat_id=GROUP) == []

        await group.send("/linkmeeting evening", ADMIN)
        (listing,) = await group.send("/groupmeetings", MEMBER)
        assert "Evening Dual Recovery" in listing.text
        ((label, unlink),) = listing.buttons
        assert label == "Stop posting: Evening Dual Recovery"
        (refused,) = await group.press(unlink, MEMBER)
        assert "Only this chat's admins" in refused.text
        assert len(await rows(app, Subscription, chat_id=GROUP)) == 1
        (done,) = await group.press(unlink, ADMIN)
        assert "stop posting reminders for Evening Dual Recovery" in done.text
        assert await rows(app, Subscription, chat_id=GROUP) == []


async def test_an_add_to_group_link_links_that_meeting_for_an_admin(content, settings):
    api, clock = OfflineBotApi(chat_admins={GROUP: {ADMIN}}), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        group = GroupChat(app, api, GROUP)
        (linked,) = await group.send("/start m-evening-ny", ADMIN)
        assert "Evening Dual Recovery" in linked.text
        assert len(await rows(app, Subscription, chat_id=GROUP)) == 1
        # A stale payload falls back to what the bot does in a group.
        (hello,) = await group.send("/start m-long-gone", ADMIN)
        assert "/linkmeeting" in hello.text


async def test_a_name_that_matches_several_offers_buttons_pressed_by_an_admin(content, settings):
    meetings = [other_meeting(f"Evening Group {n}", f"evening-{n}") for n in range(12)]
    api, clock = OfflineBotApi(chat_admins={GROUP: {ADMIN}}), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, *meetings), api, clock) as app:
        group = GroupChat(app, api, GROUP)
        (choose,) = await group.send("/linkmeeting evening group", ADMIN)
        assert "12 meetings match" in choose.text and len(choose.buttons) == 8
        label, data = choose.buttons[3]
        assert label.startswith("Evening Group 3 · Mon 2 Mar, 19:00")
        (refused,) = await group.press(data, MEMBER)
        assert "Only this chat's admins" in refused.text
        await group.press(data, ADMIN)
        (sub,) = await rows(app, Subscription, chat_id=GROUP)
        assert sub.meeting_slug == "evening-3"
        (none,) = await group.send("/linkmeeting zzz", ADMIN)
        assert 'no meeting with "zzz"' in none.text
        (usage,) = await group.send("/linkmeeting", ADMIN)
        assert "/linkmeeting serenity" in usage.text


async def test_nothing_about_members_is_kept_and_removal_forgets_the_chat(content, settings):
    api, clock = OfflineBotApi(chat_admins={GROUP: {ADMIN}}), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        group = GroupChat(app, api, GROUP)
        await group.send("/linkmeeting evening", ADMIN)
        await group.send("/groupmeetings", MEMBER)
        await group.send("/help", MEMBER)
        assert [u.chat_id for u in await rows(app, User)] == [GROUP]
        await group.membership("member", "kicked", by=ADMIN)
        assert await rows(app, User) == [] and await rows(app, Subscription) == []


async def test_in_a_group_only_commands_are_answered_and_sos_points_to_a_private_chat(
    content, settings
):
    api, clock = OfflineBotApi(chat_admins={GROUP: {ADMIN}}), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        group = GroupChat(app, api, GROUP)
        assert await group.send("what happens at a first meeting?", MEMBER) == []
        assert await group.send("/meetings", MEMBER) == []  # a private-chat command
        (sos,) = await group.send("/sos", MEMBER)
        # A short pointer the whole group reads: the region's line and a private chat.
        line = content.pack("en").safety.regions["US"].crisis_line
        assert line in html.unescape(sos.text) and "talk to me privately" in sos.text
        assert sos.buttons == [("💬 Talk to me privately", f"{BOT_LINK}?start=sos")]
        # The full help, with its buttons, is in the private chat, for the same person.
        private = Chat(app, api, user_id=MEMBER)
        full = (await private.send("/sos"))[0]  # then a word for someone new
        assert "988" in full.text and len(full.text) > 2 * len(sos.text)
        assert any(data.startswith("sos:kind:") for _, data in full.buttons)


async def test_a_spanish_admin_links_the_chat_in_spanish_and_reminders_follow(content, settings):
    api, clock = OfflineBotApi(chat_admins={GROUP: {ADMIN}}), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        group = GroupChat(app, api, GROUP)
        (linked,) = await group.send("/linkmeeting evening", ADMIN, language="es")
        assert "Publicaré un recordatorio aquí 30 minutos antes de Evening" in linked.text
        clock.now = dt.datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
        await tick(app)
        (reminder,) = group_reminders(api)
        assert "en 30 minutos" in reminder.text
        assert ("🔔 Recuérdamelo en privado", f"{BOT_LINK}?start=m-evening-ny") in (
            reminder.buttons
        )
        # An English member's command is answered in the chat's language.
        (listing,) = await group.send("/groupmeetings", MEMBER)
        assert "Publico aquí un recordatorio" in listing.text


async def test_group_menus_show_members_and_admins_their_commands(content, settings):
    api, clock = OfflineBotApi(), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, EVENING), api, clock):
        menus = {
            (c.params.get("scope", {}).get("type"), c.params.get("language_code")): [
                command["command"] for command in c.params["commands"]
            ]
            for c in api.calls
            if c.method == "setMyCommands"
        }
        (button,) = [c for c in api.calls if c.method == "setChatMenuButton"]
    assert menus[("all_group_chats", None)] == ["help", "sos", "groupmeetings"]
    assert menus[("all_chat_administrators", None)] == [
        "help",
        "sos",
        "groupmeetings",
        "linkmeeting",
    ]
    assert menus[("all_group_chats", "es")] == menus[("all_group_chats", None)]
    # In a private chat, the menu button opens the command menu (the main paths).
    assert button.params["menu_button"] == {"type": "commands"}


async def test_a_group_that_becomes_a_supergroup_keeps_its_reminders(content, settings):
    api, clock = OfflineBotApi(chat_admins={GROUP: {ADMIN}}), FixedClock(MONDAY_NOON)
    upgraded, again = -1009999, -1008888
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        group = GroupChat(app, api, GROUP)
        await group.send("/linkmeeting evening", ADMIN)
        # Telegram's service message in the old group names the new chat.
        notice = {
            "message_id": 77,
            "date": 0,
            "chat": group.chat,
            "from": GroupChat.member(ADMIN),
            "migrate_to_chat_id": upgraded,
        }
        await group._process({"update_id": 99, "message": notice})
        assert [u.chat_id for u in await rows(app, User)] == [upgraded]
        assert [s.chat_id for s in await rows(app, Subscription)] == [upgraded]
        # Missed the notice: the send itself is refused with the new id, and follows it.
        api.failures.append(
            Failure("sendMessage", 400, "Bad Request: group chat was upgraded", None, again)
        )
        clock.now = dt.datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
        await tick(app)
        sent = [c for c in api.calls if c.method == "sendMessage" and "⏰" in c.text]
        assert [c.params["chat_id"] for c in sent] == [upgraded, again]
        assert sent[-1].result is not None
        assert [s.chat_id for s in await rows(app, Subscription)] == [again]
        assert [d.status for d in await rows(app, Delivery)] == ["sent"]


async def test_sos_and_danger_in_a_spanish_group_get_the_line_and_a_private_chat_in_spanish(
    content, settings
):
    api, clock = OfflineBotApi(chat_admins={GROUP: {ADMIN}}), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        group = GroupChat(app, api, GROUP)
        line = content.pack("es").safety.regions["US"].crisis_line
        for text in ("/sos", "/help me quiero matar"):
            (reply,) = await group.send(text, MEMBER, language="es")
            assert line in html.unescape(reply.text) and "en privado" in reply.text
            assert reply.buttons == [("💬 Háblame en privado", f"{BOT_LINK}?start=sos")]


async def test_danger_that_reaches_the_bot_in_a_group_gets_the_line_and_a_private_chat(
    content, settings
):
    api, clock = OfflineBotApi(chat_admins={GROUP: {ADMIN}}), FixedClock(MONDAY_NOON)
    async with running_app(settings, library_with(content, EVENING), api, clock) as app:
        group = GroupChat(app, api, GROUP)
        # A reply to the bot's reminder, or words after a command: both reach it in privacy mode.
        for text in ("i took all my pills and i want to die", "/help i want to kill myself"):
            (reply,) = await group.send(text, MEMBER)
            assert "988" in reply.text and "talk to me privately" in reply.text
            assert reply.buttons == [("💬 Talk to me privately", f"{BOT_LINK}?start=sos")]
        # Ordinary talk that reaches it gets nothing; a command still works.
        assert await group.send("thanks, see you all tonight", MEMBER) == []
        (linked,) = await group.send("/linkmeeting evening", ADMIN)
        assert "Evening Dual Recovery" in linked.text
