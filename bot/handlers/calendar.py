"""Add to calendar: a meeting, or all of the user's chosen meetings, as an .ics file."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update

from bot import callbacks
from bot.context import BotContext
from bot.handlers.common import esc, pack_for, show
from bot.meetings import Meeting
from bot.subscriptions import MeetingRef

ALL_FILENAME = "meetings.ics"


async def _send(
    update: Update, context: BotContext, meetings: Sequence[Meeting], filename: str, caption: str
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    # Imported on first use: icalendar takes about 50 ms to import, and most people never ask.
    from bot.calendar import calendar_for

    data = calendar_for(meetings, context.services.clock(), pack_for(update, context))
    await chat.send_document(document=data, filename=filename, caption=esc(caption))


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """`cal:one:<ref>` sends one meeting; `cal:all` sends every meeting the user chose."""
    services = context.services
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    if button.action == "one" and len(button.args) == 1:
        # Personal meetings resolve only for the chat that owns them.
        meeting = await services.subscriptions.resolve(chat_id, MeetingRef.decode(button.arg))
        if meeting is None:
            raise LookupError(button)
        caption = pack.text("cal_caption", name=meeting.name)
        await _send(update, context, [meeting], f"{meeting.slug}.ics", caption)
    elif button.action == "all" and not button.args:
        chosen = [c.meeting for c in await services.subscriptions.chosen(chat_id)]
        if not chosen:
            await show(update, esc(pack.text("cal_none")))
            return
        caption = pack.text("cal_caption_all", count=len(chosen))
        await _send(update, context, chosen, ALL_FILENAME, caption)
    else:
        raise LookupError(button)
