"""/checkin: an optional "How are you today?" once a day, and what each answer offers.

Only the schedule is kept (`bot.checkins`); an answer is never stored, only counted (an anonymous
count per day, as /stats shows).
"""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.checkins import CheckIn
from bot.context import BotContext
from bot.handlers.common import Row, esc, keyboard, show
from bot.personal import parse_time
from bot.subscriptions import Chosen
from bot.timezones import city_name
from bot.views.checkin import PREFIX, TIMES, time_rows, today_list

__all__ = ["PREFIX", "checkin", "on_button"]
from bot.views.menu import main_menu
from bot.views.reminders import format_when
from scheduler.recurrence import next_occurrence


async def checkin(update: Update, context: BotContext) -> None:
    """/checkin: the current check-in time (or an offer of one); `/checkin 19:30` sets it."""
    typed = " ".join(context.args or ()).strip()
    if typed:
        time = parse_time(typed[:40])
        if time is None:
            await _show_times(update, context, problem=True)
            return
        await _set(update, context, time)
        return
    await _show_times(update, context)


async def _show_times(update: Update, context: BotContext, *, problem: bool = False) -> None:
    services, pack = context.services, context.pack
    current = await services.checkins.get(context.chat_id)
    zone = city_name((await services.user_zone(context.chat_id)).key, pack.language)
    if problem:
        text = pack.text("checkin_time_unclear", zone=zone)
    elif current is None:
        text = pack.text("checkin_offer", zone=zone)
    else:
        text = pack.text(
            "checkin_current", time=current.time, zone=city_name(current.zone, pack.language)
        )
    await show(update, esc(text), keyboard(time_rows(pack, current.time if current else None)))


async def _set(update: Update, context: BotContext, time: str) -> None:
    services, pack = context.services, context.pack
    zone = await services.user_zone(context.chat_id)
    first = await services.checkins.set(context.chat_id, CheckIn(time, zone.key), services.clock())
    place = city_name(zone.key, pack.language)
    text = pack.text("checkin_set", time=time, zone=place, first=format_when(first, zone, pack))
    rows = [[(pack.text("checkin_stop"), callbacks.make(PREFIX, "stop"))]]
    await show(update, esc(text), keyboard(rows))


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """Picking a time (`at`), the day's answers (`good`, `ok`, `hard`), `skip` and `stop`."""
    pack, services = context.pack, context.services
    action = button.action
    if action == "at":
        time = f"{button.arg or ''}"
        time = f"{time[:2]}:{time[2:]}"
        if time not in TIMES:
            raise LookupError(button)
        await _set(update, context, time)
    elif action == "stop":
        stopped = await services.checkins.stop(context.chat_id)
        key = "checkin_stopped" if stopped else "checkin_none"
        await show(update, esc(pack.text(key)), keyboard(main_menu(pack)))
    elif action == "skip":
        await show(update, esc(pack.text("checkin_skipped")))
    elif action in ("good", "ok", "hard") and not button.args:
        await services.storage.count(f"checked_in_{action}", services.clock().date())
        await _answer(update, context, action)
    else:
        raise LookupError(button)


async def _answer(update: Update, context: BotContext, action: str) -> None:
    """What each answer offers: good, a word; getting by, today's meetings; struggling,
    grounding, the crisis line and the person's next chosen meeting."""
    services, pack = context.services, context.pack
    zone = await services.user_zone(context.chat_id)
    now = services.clock()
    today = (pack.text("checkin_meetings_today"), today_list(zone, now))
    ground = (pack.text("button_ground"), callbacks.make("gr", "home"))
    if action == "good":
        await show(update, esc(pack.text("checkin_reply_good")), keyboard([[today]]))
        return
    if action == "ok":
        await show(update, esc(pack.text("checkin_reply_ok")), keyboard([[today], [ground]]))
        return
    region = services.region(pack, zone.key)
    lines = [pack.text("checkin_reply_hard"), region.crisis_line]
    rows: list[Row] = [[ground], [(pack.text("button_crisis_help"), callbacks.make("sos", "help"))]]
    upcoming = _next_chosen(await services.subscriptions.chosen(context.chat_id))
    if upcoming is not None:
        meeting = upcoming.meeting
        start = next_occurrence(meeting.day, meeting.time, meeting.tz, now)
        when = format_when(start, zone, pack)
        lines.append(pack.text("checkin_next_meeting", name=meeting.name, when=when))
        if upcoming.ref.kind == "d":
            label = pack.text("checkin_that_meeting")
            rows.append([(label, callbacks.make("mt", "card", upcoming.ref.encode()))])
    rows.append([today])
    await show(update, "\n\n".join(esc(line) for line in lines), keyboard(rows))


def _next_chosen(chosen: list[Chosen]) -> Chosen | None:
    """The chosen meeting whose reminders are on and come first (`chosen` is in that order)."""
    return next((c for c in chosen if c.paused is None and c.next_fire_at is not None), None)
