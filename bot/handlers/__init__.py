"""Telegram handlers; `register(application)` adds every one of them, in the order that matters.

`register` owns every routing table: the commands (also the command menu, `MENU_COMMANDS`), the
button prefixes and the multi-step flows, and who may use the organizer tools. Handler modules may
import `bot.handlers.common`, views, services and the domain; only this module imports a handler
module (what one feature needs of another comes in through `register`).
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any, NamedTuple

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callbacks
from bot.context import BotContext
from bot.flows import Flow, clear_flow
from bot.handlers import (
    addmeeting,
    admin,
    calendar,
    checkin,
    fallback,
    faq,
    grounding,
    groups,
    inline,
    language,
    links,
    meetings,
    privacy,
    reminders,
    safety,
    safety_plan,
    start,
    text,
    timezone,
)
from bot.handlers.common import Handler
from bot.purge import ORGANIZER_FLOW_TTL
from bot.views import answers

# Handler groups run in ascending order; a handler stops later groups by raising
# ApplicationHandlerStop.
LANGUAGE_GROUP = -20
SAFETY_GROUP = -10
USER_GROUP = -5
PLAN_GROUP = -3
GUIDE_GROUP = -1
FEATURE_GROUP = 0
LAST_GROUP = 10

PRIVATE = filters.ChatType.PRIVATE
PRIVATE_TEXT = PRIVATE & filters.TEXT
GROUPS = filters.ChatType.GROUPS


class Command(NamedTuple):
    name: str
    callback: Handler
    # Organizer commands: routed for `admins` only, and kept out of the public menu.
    organizers: bool = False


def _links() -> dict[str, start.Opener]:
    """What a link's payload may open (`bot.deeplinks`), by the kind of its target."""
    return {
        "meeting": meetings.open_link,
        "faq": faq.open_link,
        "sos": safety.open_link,
        "ground": grounding.open_link,
    }


# The one table of commands, in the order of the command menu.
COMMANDS: tuple[Command, ...] = (
    Command("start", functools.partial(start.start, openers=_links())),
    Command("faq", faq.faq),
    Command("ground", grounding.ground),
    Command("meetings", meetings.meetings),
    Command("mymeetings", reminders.my_meetings),
    Command("timezone", timezone.timezone),
    Command("language", language.language),
    Command("addmeeting", addmeeting.start),
    Command("checkin", checkin.checkin),
    Command("sos", safety.sos),
    Command("plan", safety_plan.start_plan),
    Command("privacy", privacy.privacy),
    Command("forget", privacy.forget),
    Command("cancel", addmeeting.cancel),
    Command("help", start.help_command),
    Command("reload", admin.reload, organizers=True),
    Command("announce", admin.announce, organizers=True),
    Command("stats", admin.stats, organizers=True),
    Command("link", links.link_command, organizers=True),
)
# What `bot.app` puts in Telegram's command menu, in every language.
MENU_COMMANDS: tuple[str, ...] = tuple(c.name for c in COMMANDS if not c.organizers)
# Added to the menu in organizers' own chats only.
ORGANIZER_COMMANDS: tuple[str, ...] = tuple(c.name for c in COMMANDS if c.organizers)

# In group chats, commands only (the bot never reads a group's conversation). `organizers` here
# means the chat's own admins, asked of Telegram at each use (`groups`), not the bot's organizers.
GROUP_COMMANDS: tuple[Command, ...] = (
    Command("start", groups.start),
    Command("help", groups.help_command),
    Command("sos", groups.sos),
    Command("groupmeetings", groups.group_meetings),
    Command("linkmeeting", groups.link_meeting, organizers=True),
)
# The group menus (`bot.app`): for every member, and for the chat's administrators.
GROUP_MENU: tuple[str, ...] = tuple(
    c.name for c in GROUP_COMMANDS if not c.organizers and c.name != "start"
)
GROUP_ADMIN_MENU: tuple[str, ...] = (
    *GROUP_MENU,
    *(c.name for c in GROUP_COMMANDS if c.organizers),
)


def _button_routes(admins: Collection[int]) -> dict[str, fallback.ButtonCallback]:
    """Button payload prefix -> the feature's callback."""
    add_meeting = functools.partial(addmeeting.on_button, show_leads=reminders.show_lead_picker)
    return {
        faq.PREFIX: faq.on_button,
        safety.PREFIX: safety.on_button,
        privacy.PREFIX: privacy.on_button,
        timezone.PREFIX: timezone.on_button,
        language.PREFIX: language.on_button,
        addmeeting.PREFIX: add_meeting,
        admin.PREFIX: _organizers_press(admin.on_button, admins),
        safety_plan.PREFIX: safety_plan.on_button,
        # These modules do not export their PREFIX yet.
        "gr": grounding.on_button,
        "rem": reminders.on_button,
        "mt": meetings.on_button,
        "cal": calendar.on_button,
        groups.PREFIX: groups.on_button,
        checkin.PREFIX: checkin.on_button,
    }


def _flows(admins: Collection[int]) -> text.Flows:
    """Flow name -> what takes text typed in it, its time-out, and whether a question leaves it
    (text plainly not an answer leaves any flow: `text.text_router`)."""
    add_meeting = functools.partial(addmeeting.on_text, show_leads=reminders.show_lead_picker)
    return {
        addmeeting.FLOW: text.FlowRoute(add_meeting, addmeeting.FLOW_TTL),
        timezone.FLOW: text.FlowRoute(timezone.on_text, timezone.FLOW_TTL),
        meetings.FLOW: text.FlowRoute(meetings.on_text, meetings.FLOW_TTL),
        # An announcement may well be worded as a question: only a command word leaves it.
        admin.FLOW: text.FlowRoute(
            _organizers_text(admin.on_text, admins), ORGANIZER_FLOW_TTL, questions=False
        ),
    }


def _is_organizer(update: Update, admins: Collection[int]) -> bool:
    user = update.effective_user
    return user is not None and user.id in admins


def _organizers_press(
    callback: fallback.ButtonCallback, admins: Collection[int]
) -> fallback.ButtonCallback:
    """`callback` for organizers; anyone else's press is a stale button."""

    async def guarded(update: Update, context: BotContext, button: callbacks.Button) -> None:
        if not _is_organizer(update, admins):
            raise LookupError(button)
        await callback(update, context, button)

    return guarded


def _organizers_text(callback: text.FlowText, admins: Collection[int]) -> text.FlowText:
    """`callback` for organizers; anyone else (a former organizer, say) leaves the flow."""

    async def guarded(update: Update, context: BotContext, flow: Flow) -> bool:
        if not _is_organizer(update, admins):
            await clear_flow(context.services.storage, context.chat_id)
            return False
        return await callback(update, context, flow)

    return guarded


def register(
    application: Application[Any, Any, Any, Any, Any, Any], *, admins: Collection[int]
) -> None:
    """Add every handler of the bot to `application`; `admins` may use the organizer tools."""
    # First of all: the language the user chose, so that even the crisis reply speaks it.
    application.add_handler(TypeHandler(Update, language.apply_choice), group=LANGUAGE_GROUP)
    # order matters: the crisis check sees every text message and caption first, commands
    # included, in any state, and is the only thing that answers when it finds danger.
    application.add_handler(
        MessageHandler(
            PRIVATE & (filters.TEXT | filters.CAPTION) & filters.UpdateType.MESSAGES,
            safety.check_message,
        ),
        group=SAFETY_GROUP,
    )
    # In groups, what reaches the bot (its commands, replies to it) is checked first too.
    application.add_handler(
        MessageHandler(
            GROUPS & (filters.TEXT | filters.CAPTION) & filters.UpdateType.MESSAGES,
            groups.check_danger,
        ),
        group=SAFETY_GROUP,
    )
    # order matters: after the crisis check, so that a crisis reply is always the first reply.
    application.add_handler(TypeHandler(Update, fallback.remember_user), group=USER_GROUP)

    # order matters: /cancel during a safety plan ends the plan, before /cancel's other meanings.
    application.add_handler(
        CommandHandler("cancel", safety_plan.cancel, filters=PRIVATE), group=PLAN_GROUP
    )

    organizers = filters.User(user_id=admins)
    for command in COMMANDS:
        # An organizer command from anyone else falls through to "unknown command" below.
        allowed = PRIVATE & organizers if command.organizers else PRIVATE
        application.add_handler(
            CommandHandler(command.name, command.callback, filters=allowed), group=FEATURE_GROUP
        )
    for command in GROUP_COMMANDS:
        application.add_handler(
            CommandHandler(command.name, command.callback, filters=GROUPS), group=FEATURE_GROUP
        )
    application.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, groups.migrated), group=FEATURE_GROUP
    )
    # Added to a group or removed from one (a removed group's rows are deleted).
    application.add_handler(
        ChatMemberHandler(groups.membership, ChatMemberHandler.MY_CHAT_MEMBER), group=FEATURE_GROUP
    )
    application.add_handler(
        CallbackQueryHandler(fallback.button_router(_button_routes(admins))), group=FEATURE_GROUP
    )
    # order matters: known commands above; any other command is unknown, not a question.
    application.add_handler(
        MessageHandler(PRIVATE & filters.COMMAND, fallback.unknown_command),
        group=FEATURE_GROUP,
    )
    # order matters: before any flow or the FAQ, text typed during a guided exercise ("stop",
    # chatter, a question) is read as said during it.
    application.add_handler(
        MessageHandler(
            PRIVATE_TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE,
            grounding.typed_during_guide,
        ),
        group=GUIDE_GROUP,
    )
    application.add_handler(
        MessageHandler(
            PRIVATE_TEXT & filters.UpdateType.MESSAGE,
            # order matters: a fresh flow's question first (starting a plan ends any flow), then
            # the safety plan's, then the FAQ; what leaves a flow is said, then answered so.
            text.text_router(
                _flows(admins),
                ordinary=safety_plan.answers_first(faq.free_text),
                leave=addmeeting.leave,
            ),
        ),
        group=FEATURE_GROUP,
    )
    # order matters: a shared location is not text, but has its own answer.
    application.add_handler(
        MessageHandler(
            PRIVATE & filters.LOCATION & filters.UpdateType.MESSAGE,
            meetings.nearby,
        ),
        group=FEATURE_GROUP,
    )
    application.add_handler(
        MessageHandler(PRIVATE & filters.UpdateType.MESSAGE & ~filters.TEXT, fallback.not_text),
        group=FEATURE_GROUP,
    )
    # Inline mode (`@bot question` in any chat): no chat, so no crisis check above sees it; the
    # handler runs the same check on the query itself.
    renderers = inline.Renderers(answers.render_answer, meetings.render_card)
    application.add_handler(
        InlineQueryHandler(functools.partial(inline.answer_query, renderers=renderers)),
        group=FEATURE_GROUP,
    )
    # order matters: last, after the answer, so that the answer comes first.
    application.add_handler(TypeHandler(Update, fallback.point_new_user_onwards), group=LAST_GROUP)
    application.add_error_handler(fallback.on_error)
