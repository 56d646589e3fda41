"""Reminders screen: choosing lead times, /mymeetings, pausing, skipping and stopping.

Sending reminders lives in `bot.delivery`; their texts in `bot.views.reminders`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from telegram import Update

from bot import callbacks
from bot.content import LanguagePack
from bot.context import BotContext
from bot.handlers.common import Row, esc, keyboard, pack_for, show
from bot.meetings import Meeting
from bot.subscriptions import LEAD_CHOICES, Chosen, MeetingRef
from bot.views.reminders import format_when, lead_label, leads_text


async def show_lead_picker(
    update: Update, context: BotContext, ref: MeetingRef, meeting: Meeting, *, edit: bool
) -> None:
    """Lead-time toggles for one meeting, with the next reminder when there is one."""
    services = context.services
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    chosen = set(await services.subscriptions.leads(chat_id, ref))
    rows: list[Row] = [
        [
            (
                ("✅ " if lead in chosen else "▫️ ") + lead_label(pack, lead),
                callbacks.make("rem", "tog", ref.encode(), lead),
            )
        ]
        for lead in LEAD_CHOICES
    ]
    rows.append([(pack.text("rem_done"), callbacks.make("rem", "done", ref.encode()))])
    lines = [esc(pack.text("rem_pick_leads", name=meeting.name))]
    next_fire = await services.subscriptions.next_fire(chat_id, ref)
    if next_fire is not None:
        zone = await services.user_zone(chat_id)
        lines.append(esc(pack.text("rem_next", when=format_when(next_fire, zone, pack))))
    elif not chosen:
        lines.append(esc(pack.text("rem_none_chosen")))
    await show(update, "\n\n".join(lines), keyboard(rows), edit=edit)


async def _manage(update: Update, context: BotContext, ref: MeetingRef, meeting: Meeting) -> None:
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    chosen = next(
        (c for c in await context.services.subscriptions.chosen(chat_id) if c.ref == ref), None
    )
    if chosen is None:
        raise LookupError(ref)
    pause = (
        (pack.text("rem_resume"), callbacks.make("rem", "resume", ref.encode()))
        if chosen.paused == "user"
        else (pack.text("rem_pause"), callbacks.make("rem", "pause", ref.encode()))
    )
    rows: list[Row] = [
        [(pack.text("rem_change_leads"), callbacks.make("rem", "ask", ref.encode()))],
        [pause, (pack.text("rem_stop"), callbacks.make("rem", "stop", ref.encode()))],
        [(pack.text("button_back"), callbacks.make("rem", "mine"))],
    ]
    zone = await context.services.user_zone(chat_id)
    text = _chosen_line(pack, chosen, zone, context.services.clock())
    await show(update, text, keyboard(rows), edit=True)


def _chosen_line(pack: LanguagePack, item: Chosen, zone: ZoneInfo, now: dt.datetime) -> str:
    """One chosen meeting: when it next meets in the user's zone, lead times, reminder status."""
    if item.paused == "user":
        status = pack.text("rem_mine_paused")
    elif item.paused:
        status = pack.text("rem_mine_closed")
    elif item.next_fire_at is not None:
        status = pack.text("rem_mine_next", when=format_when(item.next_fire_at, zone, pack))
    else:
        status = ""
    line = pack.text(
        "rem_mine_line",
        name=item.meeting.name,
        when=format_when(item.meeting.next_start(now), zone, pack),
        leads=leads_text(pack, item.leads),
        next=status,
    )
    return esc(line)


async def my_meetings(update: Update, context: BotContext) -> None:
    """/mymeetings: each chosen meeting with its next reminder, and buttons to manage it."""
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    chosen = await context.services.subscriptions.chosen(chat_id)
    add = (pack.text("rem_add_own"), callbacks.make("add", "start"))
    if not chosen:
        await show(update, esc(pack.text("rem_mine_none")), keyboard([[add]]), edit=True)
        return
    # One zone lookup and one clock reading for the whole list, not one per meeting.
    zone, now = await context.services.user_zone(chat_id), context.services.clock()
    lines = [f"<b>{esc(pack.text('rem_mine_header'))}</b>"]
    rows: list[Row] = []
    for item in chosen[:20]:
        lines.append("• " + _chosen_line(pack, item, zone, now))
        rows.append([(item.meeting.name[:60], callbacks.make("rem", "man", item.ref.encode()))])
    if any(item.ref.kind == "d" for item in chosen):
        rows.append([(pack.text("cal_all_button"), callbacks.make("cal", "all"))])
    rows.append([add])
    await show(update, "\n".join(lines), keyboard(rows), edit=True)


def _onward(pack: LanguagePack, *first: tuple[str, str]) -> list[Row]:
    """The way on from a message that ends an action: `first`, then the user's meetings."""
    rows: list[Row] = [[button] for button in first]
    rows.append([(pack.text("rem_mine_button"), callbacks.make("rem", "mine"))])
    return rows


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """Lead-time picker, manage, pause, resume, stop and skip; all scoped to the pressing chat."""
    services = context.services
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    now = services.clock()
    if button.action == "mine":
        await my_meetings(update, context)
        return
    if context.is_new_user:
        # Pressed by someone with no row: a button from before /forget. It brings no one back.
        await services.storage.forget_user(chat_id)
        raise LookupError(button)
    ref = MeetingRef.decode(button.arg)
    meeting = await services.subscriptions.resolve(chat_id, ref)
    if meeting is None:
        raise LookupError(button)
    zone = await services.user_zone(chat_id)
    if button.action == "ask":
        await show_lead_picker(update, context, ref, meeting, edit=False)
    elif button.action == "tog":
        lead = button.int_arg(1)
        if lead not in LEAD_CHOICES:
            raise LookupError(button)
        chosen = set(await services.subscriptions.leads(chat_id, ref))
        chosen ^= {lead}
        await services.subscriptions.set_leads(chat_id, ref, chosen, now)
        await show_lead_picker(update, context, ref, meeting, edit=True)
    elif button.action == "done":
        next_fire = await services.subscriptions.next_fire(chat_id, ref)
        if next_fire is None:
            again = (pack.text("rem_pick_again"), callbacks.make("rem", "ask", ref.encode()))
            await show(update, esc(pack.text("rem_none_chosen")), keyboard(_onward(pack, again)))
        else:
            when = format_when(next_fire, zone, pack)
            await show(update, esc(pack.text("rem_saved", name=meeting.name, when=when)), edit=True)
    elif button.action == "man":
        await _manage(update, context, ref, meeting)
    elif button.action in ("pause", "resume"):
        if not await services.subscriptions.set_paused(chat_id, ref, button.action == "pause", now):
            raise LookupError(button)
        if button.action == "pause":
            resume = (pack.text("rem_resume"), callbacks.make("rem", "resume", ref.encode()))
            paused = esc(pack.text("rem_paused", name=meeting.name))
            await show(update, paused, keyboard(_onward(pack, resume)), edit=True)
        else:
            next_fire = await services.subscriptions.next_fire(chat_id, ref)
            when = format_when(next_fire, zone, pack) if next_fire else "-"
            resumed = esc(pack.text("rem_resumed", when=when))
            await show(update, resumed, keyboard(_onward(pack)), edit=True)
    # Skip and Stop are pressed on a reminder: the answer is a new message, so that the
    # reminder keeps its join link or place.
    elif button.action == "stop":
        await services.subscriptions.stop(chat_id, ref)
        onward: list[Row] = _onward(pack)
        if ref.kind == "d":
            again = (pack.text("rem_remind_again"), callbacks.make("rem", "ask", ref.encode()))
            onward = _onward(pack, again)
        await show(update, esc(pack.text("rem_stopped", name=meeting.name)), keyboard(onward))
    elif button.action == "skip":
        occurrence = dt.datetime.fromtimestamp(button.int_arg(1) * 60, tz=dt.UTC)
        next_fire = await services.subscriptions.skip(chat_id, ref, occurrence, now)
        if next_fire is None:
            await show(update, esc(pack.text("rem_skipped_none")), keyboard(_onward(pack)))
        else:
            when = format_when(next_fire, zone, pack)
            await show(update, esc(pack.text("rem_skipped", when=when)), keyboard(_onward(pack)))
    else:
        raise LookupError(button)
