"""Group chats: a group's admins link the chat to its meetings, and the bot posts their reminders.

In a group the bot answers its commands only (privacy mode: Telegram sends it nothing else), and
keeps nothing about the group's members: the chat is one row (its id, language and zone, as a
private chat's is) with one subscription per linked meeting, so its reminders go through the
same durable ledger as everyone's. Who may link is asked of Telegram (`getChatMember`) at each
command and button press, never remembered.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import callbacks, deeplinks
from bot.context import BotContext
from bot.handlers.common import Row, esc, keyboard, show, text_to_check
from bot.meetings import Meeting
from bot.safety import Level
from bot.subscriptions import MeetingRef
from bot.views.reminders import format_when, lead_label
from scheduler.recurrence import next_occurrence

_LOGGER = logging.getLogger(__name__)

PREFIX = "grp"
# How long before each meeting its reminder is posted in the group.
GROUP_LEAD_MINUTES = 30
# Meetings offered as buttons when a name matches several.
PICK_LIMIT = 8
_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
_GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


async def _is_admin(update: Update, context: BotContext) -> bool:
    """Whether whoever sent this update administers the chat, as Telegram says now. A message
    sent as the chat itself (an anonymous admin) is an admin's."""
    chat, user = update.effective_chat, update.effective_user
    message = update.effective_message
    if chat is None:
        return False
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        _LOGGER.warning("could not ask who administers a group: %s", type(exc).__name__)
        return False
    return member.status in _ADMINS


async def _refuse(update: Update, context: BotContext) -> None:
    await show(update, esc(context.pack.text("group_admins_only")))


def _private_button(context: BotContext, payload: str | None = None) -> list[Row]:
    """A button that opens a private chat with the bot (at `payload`); none without a username."""
    username = context.bot.username
    if not username:
        return []
    url = deeplinks.link(username, payload) if payload else deeplinks.chat_link(username)
    return [[(context.pack.text("group_talk_privately"), url)]]


async def start(update: Update, context: BotContext) -> None:
    """/start in a group: from a "add to group" link (`?startgroup=m-<slug>`), link that meeting;
    otherwise say what the bot does here."""
    payload = context.args[0] if context.args else ""
    target = deeplinks.parse(payload) if payload else None
    if target is not None and target.kind == "meeting":
        meeting = deeplinks.meeting_of(target, context.services.library.directory)
        if meeting is not None:
            if not await _is_admin(update, context):
                await _refuse(update, context)
                return
            await _link(update, context, meeting)
            return
    await help_command(update, context)


async def help_command(update: Update, context: BotContext) -> None:
    """/help in a group: what the bot does here, and the way to a private chat."""
    pack = context.pack
    rows = _private_button(context)
    await show(update, esc(pack.text("group_welcome")), keyboard(rows))


async def link_meeting(update: Update, context: BotContext) -> None:
    """/linkmeeting <name>: an admin links the chat to a directory meeting found by name."""
    pack = context.pack
    if not await _is_admin(update, context):
        await _refuse(update, context)
        return
    query = " ".join(context.args or ()).strip()
    if not query:
        await show(update, esc(pack.text("group_link_usage")))
        return
    found = deeplinks.meetings_named(context.services.library.directory, query[:100])
    if not found:
        await show(update, esc(pack.text("group_link_none", query=query[:100])))
        return
    if len(found) == 1:
        await _link(update, context, found[0])
        return
    rows = [
        [(_label(context, m), callbacks.make(PREFIX, "add", MeetingRef.directory(m.slug).encode()))]
        for m in found[:PICK_LIMIT]
    ]
    key = "group_link_choose" if len(found) <= PICK_LIMIT else "group_link_many"
    await show(update, esc(pack.text(key, count=len(found), shown=PICK_LIMIT)), keyboard(rows))


def _label(context: BotContext, meeting: Meeting) -> str:
    when = _when(context, meeting)
    label = f"{meeting.name} · {when}"
    return label if len(label) <= 60 else label[:59] + "…"


def _when(context: BotContext, meeting: Meeting) -> str:
    """The meeting's next start in its own zone: "Tue 3 Mar, 18:00"."""
    start = next_occurrence(meeting.day, meeting.time, meeting.tz, context.services.clock())
    return format_when(start, meeting.tz, context.pack)


async def _link(update: Update, context: BotContext, meeting: Meeting) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    services, pack = context.services, context.pack
    now = services.clock()
    ref = MeetingRef.directory(meeting.slug)
    await services.subscriptions.set_leads(chat.id, ref, [GROUP_LEAD_MINUTES], now)
    # The chat speaks the language of whoever linked it, and shows times in the meeting's zone.
    await services.storage.choose_language(chat.id, pack.language, now)
    await services.storage.set_user_fields(chat.id, timezone=meeting.timezone)
    text = pack.text(
        "group_linked",
        name=meeting.name,
        lead=lead_label(pack, GROUP_LEAD_MINUTES),
        when=f"{_when(context, meeting)} ({meeting.timezone})",
    )
    await show(update, esc(text))


async def group_meetings(update: Update, context: BotContext) -> None:
    """/groupmeetings: the meetings whose reminders are posted here, each with a way to stop."""
    await _show_linked(update, context)


async def _show_linked(update: Update, context: BotContext, *, edit: bool = False) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    pack = context.pack
    chosen = await context.services.subscriptions.chosen(chat.id)
    if not chosen:
        await show(update, esc(pack.text("group_list_empty")), edit=edit)
        return
    lines = [esc(pack.text("group_list", lead=lead_label(pack, GROUP_LEAD_MINUTES)))]
    rows = []
    for item in chosen:
        lines.append(f"• {esc(item.meeting.name)} ({esc(_when(context, item.meeting))})")
        label = pack.text("group_unlink_button", name=item.meeting.name)[:60]
        rows.append([(label, callbacks.make(PREFIX, "del", item.ref.encode()))])
    await show(update, "\n".join(lines), keyboard(rows), edit=edit)


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """`grp:add:<ref>` and `grp:del:<ref>`, pressed in the group: by an admin only."""
    chat = update.effective_chat
    if chat is None or chat.type == "private" or button.action not in ("add", "del"):
        raise LookupError(button)
    ref = MeetingRef.decode(button.arg)
    if ref.kind != "d":
        raise LookupError(button)
    if not await _is_admin(update, context):
        await _refuse(update, context)
        return
    subscriptions = context.services.subscriptions
    meeting = await subscriptions.resolve(chat.id, ref)
    if meeting is None:
        raise LookupError(button)
    if button.action == "add":
        await _link(update, context, meeting)
        return
    await subscriptions.stop(chat.id, ref)
    await show(update, esc(context.pack.text("group_unlinked", name=meeting.name)))


async def sos(update: Update, context: BotContext) -> None:
    """/sos in a group: the region's crisis line, and a button to talk privately, where the full
    help is (the group sees this one)."""
    await _point_to_help(update, context)


async def check_danger(update: Update, context: BotContext) -> None:
    """What reaches the bot in a group (its commands, replies to its messages) is checked for
    danger first, as in a private chat; danger gets the region's line and the way to a private
    chat, and nothing else answers it."""
    text = text_to_check(update)
    if not text:
        return
    assessment = context.services.library.assess(text)
    if assessment.level is not Level.CRISIS:
        return
    await _point_to_help(update, context)
    raise ApplicationHandlerStop


async def _point_to_help(update: Update, context: BotContext) -> None:
    """In a few words, as the whole group reads them: help is there now, the region's crisis line,
    and a button to a private chat."""
    services = context.services
    region = await services.region_of(context.pack, context.chat_id)
    text = f"{esc(context.pack.text('group_danger'))}\n\n{esc(region.crisis_line)}"
    await show(update, text, keyboard(_private_button(context, "sos")))
    await services.storage.count("crisis_shown", services.clock().date())


async def migrated(update: Update, context: BotContext) -> None:
    """The group became a supergroup (a new chat id): what it linked follows it."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id is not None:
        await context.services.storage.move_chat(message.chat.id, message.migrate_to_chat_id)
        context.services.subscriptions.on_change()


async def membership(update: Update, context: BotContext) -> None:
    """The bot was added to a group (say hello) or removed from one (forget the chat)."""
    changed = update.my_chat_member
    if changed is None or changed.chat.type == "private":
        return
    old, new = changed.old_chat_member.status, changed.new_chat_member.status
    if new in _GONE:
        await context.services.storage.forget_user(changed.chat.id)
        context.services.subscriptions.on_change()
    elif old in _GONE:
        await help_command(update, context)
