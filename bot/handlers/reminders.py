"""Reminders: choosing lead times, /mymeetings, and sending reminders when they fall due."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot import callbacks
from bot.content import LanguagePack
from bot.context import BotContext
from bot.handlers.common import Row, esc, keyboard, pack_for, show
from bot.meetings import Meeting
from bot.services import Services
from bot.subscriptions import LEAD_CHOICES, MeetingRef, Notice
from scheduler.engine import Due, ReminderEngine
from scheduler.recurrence import format_relative

_LOGGER = logging.getLogger(__name__)
JOB_NAME = "reminders"
# Look at the database at least this often, whatever the next reminder says: a safety net for
# changes made by another process.
MAX_SLEEP = dt.timedelta(seconds=60)


def format_when(moment: dt.datetime, zone: ZoneInfo, pack: LanguagePack) -> str:
    """`Tue 3 Mar, 18:00` in `zone`."""
    local = moment.astimezone(zone)
    day = pack.text(f"day_{(local.weekday() + 1) % 7}")  # weekday(): 0 = Monday; ours: 0 = Sunday
    return f"{day} {local.day} {local:%b}, {local:%H:%M}"


def lead_label(pack: LanguagePack, minutes: int) -> str:
    key = f"rem_lead_{minutes}"
    return pack.text(key) if key in pack.ui else f"{minutes} min"


def _leads_text(pack: LanguagePack, leads: Sequence[int]) -> str:
    return ", ".join(lead_label(pack, m).removesuffix(" before") for m in leads)


def _zone(name: str | None, services: Services) -> ZoneInfo:
    try:
        return ZoneInfo(name or services.settings.defaults.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(services.settings.defaults.timezone)


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
    text = await _chosen_line(
        context, pack, chat_id, chosen.meeting, chosen.leads, chosen.paused, chosen.next_fire_at
    )
    await show(update, text, keyboard(rows), edit=True)


async def _chosen_line(
    context: BotContext,
    pack: LanguagePack,
    chat_id: int,
    meeting: Meeting,
    leads: Sequence[int],
    paused: str | None,
    next_fire: dt.datetime | None,
) -> str:
    zone = await context.services.user_zone(chat_id)
    start = meeting.next_start(context.services.clock())
    if paused == "user":
        status = pack.text("rem_mine_paused")
    elif paused:
        status = pack.text("rem_mine_closed")
    elif next_fire is not None:
        status = pack.text("rem_mine_next", when=format_when(next_fire, zone, pack))
    else:
        status = ""
    line = pack.text(
        "rem_mine_line",
        name=meeting.name,
        when=format_when(start, zone, pack),
        leads=_leads_text(pack, leads),
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
    lines = [f"<b>{esc(pack.text('rem_mine_header'))}</b>"]
    rows: list[Row] = []
    for item in chosen[:20]:
        lines.append(
            "• "
            + await _chosen_line(
                context, pack, chat_id, item.meeting, item.leads, item.paused, item.next_fire_at
            )
        )
        rows.append([(item.meeting.name[:60], callbacks.make("rem", "man", item.ref.encode()))])
    if any(item.ref.kind == "d" for item in chosen):
        rows.append([(pack.text("cal_all_button"), callbacks.make("cal", "all"))])
    rows.append([add])
    await show(update, "\n".join(lines), keyboard(rows), edit=True)


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """Lead-time picker, manage, pause, resume, stop and skip; all scoped to the pressing chat."""
    services = context.services
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    now = services.clock()
    if button.action == "mine":
        await my_meetings(update, context)
        return
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
            await show(update, esc(pack.text("rem_none_chosen")), edit=True)
        else:
            when = format_when(next_fire, zone, pack)
            await show(update, esc(pack.text("rem_saved", name=meeting.name, when=when)), edit=True)
    elif button.action == "man":
        await _manage(update, context, ref, meeting)
    elif button.action in ("pause", "resume"):
        if not await services.subscriptions.set_paused(chat_id, ref, button.action == "pause", now):
            raise LookupError(button)
        if button.action == "pause":
            await show(update, esc(pack.text("rem_paused", name=meeting.name)), edit=True)
        else:
            next_fire = await services.subscriptions.next_fire(chat_id, ref)
            when = format_when(next_fire, zone, pack) if next_fire else "-"
            await show(update, esc(pack.text("rem_resumed", when=when)), edit=True)
    elif button.action == "stop":
        await services.subscriptions.stop(chat_id, ref)
        await show(update, esc(pack.text("rem_stopped", name=meeting.name)), edit=True)
    elif button.action == "skip":
        occurrence = dt.datetime.fromtimestamp(button.int_arg(1) * 60, tz=dt.UTC)
        next_fire = await services.subscriptions.skip(chat_id, ref, occurrence, now)
        if next_fire is None:
            await show(update, esc(pack.text("rem_skipped_none")), edit=True)
        else:
            when = format_when(next_fire, zone, pack)
            await show(update, esc(pack.text("rem_skipped", when=when)), edit=True)
    else:
        raise LookupError(button)


def render_reminder(
    pack: LanguagePack, due: Due, zone: ZoneInfo, now: dt.datetime
) -> tuple[str, list[Row]]:
    """The reminder message: which meeting, when in words and clock time, how to join or where."""
    meeting = due.meeting
    local = due.occurrence_at.astimezone(zone)
    lines = [
        f"⏰ <b>{esc(pack.text('rem_reminder', name=meeting.name))}</b>",
        esc(
            pack.text(
                "rem_starts",
                relative=format_relative(due.occurrence_at - now),
                time=f"{local:%H:%M}",
                date=format_when(due.occurrence_at, zone, pack).rsplit(",", 1)[0],
            )
        ),
    ]
    own = due.occurrence_at.astimezone(meeting.tz)
    if own.utcoffset() != local.utcoffset():
        lines.append(esc(pack.text("rem_their_time", time=f"{own:%H:%M}", zone=meeting.timezone)))
    if meeting.conference_url:
        lines.append(esc(pack.text("rem_join", link=meeting.conference_url)))
    if meeting.conference_phone:
        lines.append(esc(pack.text("rem_phone", phone=meeting.conference_phone)))
    place = ", ".join(p for p in (meeting.location, meeting.address) if p)
    if place:
        lines.append(esc(pack.text("rem_where", place=place)))
    minutes = int(due.occurrence_at.timestamp() // 60)
    rows: list[Row] = [
        [(pack.text("rem_skip"), callbacks.make("rem", "skip", due.ref.encode(), minutes))],
        [(pack.text("rem_stop"), callbacks.make("rem", "stop", due.ref.encode()))],
        [(pack.text("rem_ground_first"), callbacks.make("gr", "home"))],
    ]
    return "\n".join(lines), rows


async def send_due(bot: Bot, services: Services, engine: ReminderEngine, due: Due) -> str:
    """Send one claimed reminder and record the outcome; returns it (sent, failed, blocked)."""
    now = services.clock()
    pack = services.library.pack(due.language)
    text, rows = render_reminder(pack, due, _zone(due.timezone, services), now)
    try:
        await bot.send_message(due.chat_id, text, reply_markup=keyboard(rows))
    except Forbidden:
        await engine.mark(due.delivery_id, "failed", now)
        await services.subscriptions.deactivate_chat(due.chat_id)
        return "blocked"
    except BadRequest as exc:
        await engine.mark(due.delivery_id, "failed", now)
        if "chat not found" in str(exc).lower():
            await services.subscriptions.deactivate_chat(due.chat_id)
            return "blocked"
        _LOGGER.warning("a reminder was refused by Telegram: %s", type(exc).__name__)
        return "failed"
    except TelegramError as exc:
        await engine.mark(due.delivery_id, "failed", services.clock())
        _LOGGER.warning("a reminder could not be sent: %s", type(exc).__name__)
        return "failed"
    await engine.mark(due.delivery_id, "sent", services.clock())
    return "sent"


async def deliver(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The reminder timer: send everything due, then sleep until the next one."""
    assert isinstance(context, BotContext)
    services = context.services
    engine = ReminderEngine(services.storage, lambda: services.library.directory)
    try:
        while batch := await engine.claim_due(services.clock()):
            for due in batch:
                await send_due(context.bot, services, engine, due)
    finally:
        await arm(context.application, services)


async def arm(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    """(Re)start the one timer: at the earliest reminder, or within MAX_SLEEP."""
    job_queue = application.job_queue
    if job_queue is None:
        return
    engine = ReminderEngine(services.storage, lambda: services.library.directory)
    wake = await engine.next_wake()
    delay = MAX_SLEEP
    if wake is not None:
        delay = min(max(wake - services.clock(), dt.timedelta(0)), MAX_SLEEP)
    for job in job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    job_queue.run_once(deliver, when=delay, name=JOB_NAME)


def wake_soon(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """A subscription changed: look again right away (the timer then re-arms itself)."""
    job_queue = application.job_queue
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    job_queue.run_once(deliver, when=0.05, name=JOB_NAME)


async def start_engine(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
    """At start-up: resend what a crash left in flight, tell people about directory changes, arm."""
    engine = ReminderEngine(services.storage, lambda: services.library.directory)
    for due in await engine.recover(services.clock()):
        await send_due(application.bot, services, engine, due)
    await tell_changes(
        application.bot,
        services,
        await services.subscriptions.sync_directory(services.library.directory, services.clock()),
    )
    services.subscriptions.on_change = lambda: wake_soon(application)
    await arm(application, services)


async def tell_changes(bot: Bot, services: Services, notices: Sequence[Notice]) -> int:
    """Tell subscribers what changed about their meetings; how many were told."""
    told = 0
    for notice in notices:
        if not notice.changes:
            continue
        user = await services.storage.get_user(notice.chat_id)
        pack = services.library.pack(user.language if user else None)
        changes = "; ".join(pack.text(f"rem_change_{c}") for c in notice.changes)
        try:
            await bot.send_message(
                notice.chat_id, esc(pack.text("rem_changed", name=notice.name, changes=changes))
            )
            told += 1
        except Forbidden:
            await services.subscriptions.deactivate_chat(notice.chat_id)
        except TelegramError as exc:
            _LOGGER.warning("could not tell a subscriber about a change: %s", type(exc).__name__)
    return told
