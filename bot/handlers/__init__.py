"""register(application): every handler of the bot, in one place, in the order that matters."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers import (
    addmeeting,
    admin,
    fallback,
    faq,
    grounding,
    meetings,
    privacy,
    reminders,
    safety,
    start,
    text,
    timezone,
)

# Handler groups run in ascending order; a handler stops later groups by raising
# ApplicationHandlerStop.
SAFETY_GROUP = -10
USER_GROUP = -5
FEATURE_GROUP = 0
LAST_GROUP = 10

PRIVATE_TEXT = filters.ChatType.PRIVATE & filters.TEXT


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every handler of the bot to `application`."""
    # order matters: the crisis check sees every text message first, commands included, in any
    # state, and is the only thing that answers when it finds danger.
    application.add_handler(
        MessageHandler(PRIVATE_TEXT & (filters.UpdateType.MESSAGES), safety.check_message),
        group=SAFETY_GROUP,
    )
    # order matters: after the crisis check, so that a crisis reply is always the first reply.
    application.add_handler(TypeHandler(Update, fallback.remember_user), group=USER_GROUP)

    commands = [
        ("start", start.start),
        ("help", start.help_command),
        ("faq", faq.faq),
        ("ground", grounding.ground),
        ("sos", safety.sos),
        ("privacy", privacy.privacy),
        ("forget", privacy.forget),
        ("meetings", meetings.meetings),
        ("mymeetings", reminders.my_meetings),
        ("timezone", timezone.timezone),
        ("addmeeting", addmeeting.start),
        ("cancel", addmeeting.cancel),
        # Organizer commands: checked against `admins` inside, and kept out of the public menu.
        ("reload", admin.reload),
        ("announce", admin.announce),
        ("stats", admin.stats),
    ]
    for name, callback in commands:
        application.add_handler(
            CommandHandler(name, callback, filters=filters.ChatType.PRIVATE), group=FEATURE_GROUP
        )
    application.add_handler(CallbackQueryHandler(fallback.button), group=FEATURE_GROUP)
    # order matters: known commands above; any other command is unknown, not a question.
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, fallback.unknown_command),
        group=FEATURE_GROUP,
    )
    application.add_handler(
        MessageHandler(PRIVATE_TEXT & filters.UpdateType.MESSAGE, text.on_text),
        group=FEATURE_GROUP,
    )
    # order matters: a shared location is not text, but has its own answer.
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.LOCATION & filters.UpdateType.MESSAGE,
            meetings.nearby,
        ),
        group=FEATURE_GROUP,
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.TEXT, fallback.not_text
        ),
        group=FEATURE_GROUP,
    )
    # order matters: last, after the answer, so that the answer comes first.
    application.add_handler(TypeHandler(Update, fallback.point_new_user_onwards), group=LAST_GROUP)
    application.add_error_handler(fallback.on_error)
