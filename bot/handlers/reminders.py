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
from bot.views.reminders import format_when, lead_label, leads_text, pattern_text, place_lines

# Meetings on one page of /mymeetings.
PAGE = 10


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
    """One chosen meeting's card: when it meets, how to join or where, its reminders, and what
    can be done with it (a meeting the user added can be edited and deleted too)."""
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    chosen = next(
        (c for c in await context.services.subscriptions.chosen(chat_id) if c.ref == ref), None
    )
    if chosen is None:
        raise LookupError(ref)
    rows: list[Row] = []
    if chosen.leads:
        pause = (
            (pack.text("rem_resume"), callbacks.make("rem", "resume", ref.encode()))
            if chosen.paused == "user"
            else (pack.text("rem_pause"), callbacks.make("rem", "pause", ref.encode()))
        )
        rows.append([(pack.text("rem_change_leads"), callbacks.make("rem", "ask", ref.encode()))])
        rows.append([pause, (pack.text("rem_stop"), callbacks.make("rem", "stop", ref.encode()))])
    else:
        rows.append([(pack.text("rem_pick_again"), callbacks.make("rem", "ask", ref.encode()))])
    if ref.kind == "p":
        rows.append(
            [
                (pack.text("rem_edit"), callbacks.make("add", "edit", ref.encode())),
                (pack.text("rem_delete"), callbacks.make("rem", "del", ref.encode())),
            ]
        )
    rows.append([(pack.text("meetings_calendar"), callbacks.make("cal", "one", ref.encode()))])
    rows.append([(pack.text("button_back"), callbacks.make("rem", "mine"))])
    zone = await context.services.user_zone(chat_id)
    lines = [
        _chosen_line(pack, chosen, zone, context.services.clock()),
        *place_lines(pack, meeting),
    ]
    await show(update, "\n".join(lines), keyboard(rows), edit=True)


def _chosen_line(pack: LanguagePack, item: Chosen, zone: ZoneInfo, now: dt.datetime) -> str:
    """One chosen meeting: how often and when it next meets in the user's zone, lead times,
    reminder status."""
    if item.paused == "user":
        status = pack.text("rem_mine_paused")
    elif item.paused:
        status = pack.text("rem_mine_closed")
    elif item.next_fire_at is not None:
        status = pack.text("rem_mine_next", when=format_when(item.next_fire_at, zone, pack))
    else:
        status = ""
    if item.leads:
        line = pack.text(
            "rem_mine_entry",
            name=item.meeting.name,
            pattern=pattern_text(pack, item.meeting, zone),
            when=format_when(item.next_meeting(now), zone, pack),
            leads=leads_text(pack, item.leads),
            next=status,
        )
    else:
        line = pack.text(
            "rem_mine_line_none",
            name=item.meeting.name,
            pattern=pattern_text(pack, item.meeting, zone),
            when=format_when(item.next_meeting(now), zone, pack),
        )
    return esc(line.strip())


async def my_meetings(update: Update, context: BotContext, page: int = 0) -> None:
    """/mymeetings: each chosen meeting with its next reminder, and buttons to manage it; a page
    of `PAGE` at a time, saying how many there are."""
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    chosen = await context.services.subscriptions.chosen(chat_id)
    add = (pack.text("rem_add_own"), callbacks.make("add", "start"))
    if not chosen:
        await show(update, esc(pack.text("rem_mine_none")), keyboard([[add]]), edit=True)
        return
    pages = (len(chosen) + PAGE - 1) // PAGE
    page = min(max(page, 0), pages - 1)
    shown = chosen[page * PAGE : (page + 1) * PAGE]
    # One zone lookup and one clock reading for the whole list, not one per meeting.
    zone, now = await context.services.user_zone(chat_id), context.services.clock()
    lines = [f"<b>{esc(pack.text('rem_mine_header'))}</b>"]
    rows: list[Row] = []
    for item in shown:
        lines.append("• " + _chosen_line(pack, item, zone, now))
        rows.append([(item.meeting.name[:60], callbacks.make("rem", "man", item.ref.encode()))])
    if pages > 1:
        first, last = page * PAGE + 1, page * PAGE + len(shown)
        lines.append(esc(pack.text("rem_mine_page", first=first, last=last, count=len(chosen))))
        turn: list[tuple[str, str]] = []
        if page > 0:
            turn.append((pack.text("rem_mine_earlier"), callbacks.make("rem", "mine", page - 1)))
        if page < pages - 1:
            turn.append((pack.text("rem_mine_more"), callbacks.make("rem", "mine", page + 1)))
        rows.append(turn)
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
        await my_meetings(update, context, button.int_arg(0))
        return
    if context.is_new_user:
        # Pressed by someone with no row: a button from before /forget. It brings no one back.
        await services.storage.forget_user(chat_id)
        raise LookupError(button)
    ref = MeetingRef.decode(button.arg)
    meeting = await services.subscriptions.resolve(chat_id, ref)
    if meeting is None:
        if ref.kind == "p":
            # A meeting the user deleted (ids are never reused, so it names no other one).
            await show(update, esc(pack.text("rem_gone")), keyboard(_onward(pack)))
            return
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
    elif button.action == "stop" and ref.kind == "p":
        # A meeting the user added: ask once, whether to keep it listed or delete it.
        asked = esc(pack.text("rem_stop_ask", name=meeting.name))
        rows: list[Row] = [
            [(pack.text("rem_stop_only"), callbacks.make("rem", "stopok", ref.encode()))],
            [(pack.text("rem_stop_delete"), callbacks.make("rem", "delok", ref.encode()))],
            [(pack.text("rem_keep"), callbacks.make("rem", "man", ref.encode()))],
        ]
        await show(update, asked, keyboard(rows))
    elif button.action == "del":
        asked = esc(pack.text("rem_delete_ask", name=meeting.name))
        rows = [
            [(pack.text("rem_delete_yes"), callbacks.make("rem", "delok", ref.encode()))],
            [(pack.text("rem_keep"), callbacks.make("rem", "man", ref.encode()))],
        ]
        await show(update, asked, keyboard(rows), edit=True)
    elif button.action == "delok":
        if not await services.subscriptions.delete_personal(chat_id, ref):
            raise LookupError(button)
        add = (pack.text("rem_add_own"), callbacks.make("add", "start"))
        deleted = esc(pack.text("rem_deleted", name=meeting.name))
        await show(update, deleted, keyboard(_onward(pack, add)), edit=True)
    elif button.action in ("stop", "stopok"):
        await services.subscriptions.stop(chat_id, ref)
        again = (pack.text("rem_remind_again"), callbacks.make("rem", "ask", ref.encode()))
        onward = _onward(pack, again)
        key = "rem_stopped_kept" if ref.kind == "p" else "rem_stopped"
        await show(update, esc(pack.text(key, name=meeting.name)), keyboard(onward))
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
