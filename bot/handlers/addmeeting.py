"""/addmeeting: a guided flow to add a meeting that is not in the directory.

Each answer moves the flow on in the database (`flows`), so a restart mid-flow loses nothing. The
crisis check still sees every message first: it runs in an earlier handler group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update

from bot import callbacks
from bot.content import LanguagePack
from bot.context import BotContext
from bot.flows import Flow, clear_flow, get_flow, set_flow
from bot.handlers.common import Row, esc, keyboard, show
from bot.jobs import stop_guide
from bot.meetings import Meeting
from bot.personal import parse_time, read_days
from bot.subscriptions import MeetingRef
from bot.timezones import find_zones
from bot.views.menu import main_menu

PREFIX = "add"
FLOW = "add"
# An answer typed this long after the last question is more likely a question of its own.
FLOW_TTL = dt.timedelta(minutes=30)
MAX_NAME = 80
MAX_PLACE = 200
MAX_LINK = 500


class LeadPicker(Protocol):
    """Shows the reminder times for a meeting just added (the reminders feature's, given by
    `register`: a handler does not import another)."""

    def __call__(
        self, update: Update, context: BotContext, ref: MeetingRef, meeting: Meeting, *, edit: bool
    ) -> Awaitable[None]: ...


def _days_keyboard(pack: LanguagePack, chosen: list[int]) -> list[Row]:
    # Monday first, as most people read a week; Meeting Guide numbers (0 = Sunday) underneath.
    order = (1, 2, 3, 4, 5, 6, 0)
    buttons = [
        (("✅ " if d in chosen else "") + pack.text(f"day_{d}"), callbacks.make("add", "day", d))
        for d in order
    ]
    return [buttons[:4], buttons[4:], [(pack.text("add_days_done"), callbacks.make("add", "days"))]]


async def start(update: Update, context: BotContext) -> None:
    """/addmeeting: ask for the meeting's name."""
    services = context.services
    await set_flow(services.storage, context.chat_id, Flow(FLOW, "name"), services.clock())
    await show(update, esc(context.pack.text("add_name")))


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: leave whatever flow the chat is in, and stop a running guided exercise."""
    pack = context.pack
    guide_stopped = stop_guide(context.job_queue, context.chat_id)
    flow = await get_flow(context.services.storage, context.chat_id)
    if await clear_flow(context.services.storage, context.chat_id):
        key = "add_cancelled" if flow is not None and flow.name == FLOW else "flow_cancelled"
        await show(update, esc(pack.text(key)))
    elif guide_stopped:
        await show(update, esc(pack.text("ground_guided_stopped")), keyboard(main_menu(pack)))
    else:
        await show(update, esc(pack.text("flow_cancel_none")))


async def _ask(update: Update, context: BotContext, flow: Flow, *, edit: bool = False) -> None:
    services = context.services
    pack = context.pack
    await set_flow(services.storage, context.chat_id, flow, services.clock())
    if flow.step == "days":
        markup = keyboard(_days_keyboard(pack, flow.data.get("days", [])))
        await show(update, esc(pack.text("add_days")), markup, edit=edit)
    elif flow.step == "time":
        await show(update, esc(pack.text("add_time")), edit=edit)
    elif flow.step == "zone":
        zone = await services.user_zone(context.chat_id)
        rows = [[(pack.text("add_zone_mine", zone=zone.key), callbacks.make("add", "zone"))]]
        await show(update, esc(pack.text("add_zone")), keyboard(rows), edit=edit)
    elif flow.step == "link":
        rows = [[(pack.text("add_skip"), callbacks.make("add", "skip"))]]
        await show(update, esc(pack.text("add_link")), keyboard(rows), edit=edit)


def _zone_from_text(text: str) -> str | None:
    candidate = text.strip()
    try:
        return ZoneInfo(candidate).key if "/" in candidate else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


async def on_text(
    update: Update, context: BotContext, flow: Flow, *, show_leads: LeadPicker
) -> bool:
    """A typed answer to the current step (always taken: a bad answer is asked again)."""
    message = update.effective_message
    if message is None or message.text is None:
        return False
    pack = context.pack
    text = message.text.strip()
    data = dict(flow.data)
    if flow.step == "name":
        if not 1 <= len(text) <= MAX_NAME:
            await show(update, esc(pack.text("add_name_bad")))
            return True
        await _ask(update, context, Flow(FLOW, "days", {**data, "name": text}))
    elif flow.step == "days":
        reading = read_days(text)
        if reading.refused is not None:
            # "first Monday", "every other week": can't be kept weekly; "not mondays": which days?
            await show(update, esc(pack.text(f"add_days_{reading.refused}")))
            return True
        days = reading.days
        if not days:
            await show(update, esc(pack.text("add_days_missing")))
            return True
        await _ask(update, context, Flow(FLOW, "time", {**data, "days": list(days)}))
    elif flow.step == "time":
        start_time = parse_time(text)
        if start_time is None:
            await show(update, esc(pack.text("add_time_bad")))
            return True
        await _ask(update, context, Flow(FLOW, "zone", {**data, "time": start_time}))
    elif flow.step == "zone":
        zone = _zone_from_text(text) or _find_zone(text)
        if zone is None:
            await show(update, esc(pack.text("add_zone_bad")))
            return True
        await _ask(update, context, Flow(FLOW, "link", {**data, "zone": zone}))
    elif flow.step == "link":
        if text.lower().startswith(("http://", "https://")):
            if len(text) > MAX_LINK or " " in text:
                await show(update, esc(pack.text("add_link_bad")))
                return True
            await _save(update, context, data, show_leads, link=text, place=None)
        else:
            if len(text) > MAX_PLACE:
                await show(update, esc(pack.text("add_link_bad")))
                return True
            await _save(update, context, data, show_leads, link=None, place=text)
    return True


def _find_zone(text: str) -> str | None:
    found = find_zones(text, limit=1)
    return found[0] if found else None


async def _save(
    update: Update,
    context: BotContext,
    data: dict[str, object],
    show_leads: LeadPicker,
    *,
    link: str | None,
    place: str | None,
) -> None:
    services = context.services
    pack = context.pack
    chat_id = context.chat_id
    days = [int(d) for d in data["days"]]  # type: ignore[attr-defined]
    ref: MeetingRef = await services.subscriptions.add_personal(
        chat_id,
        name=str(data["name"]),
        days=days,
        time=str(data["time"]),
        timezone=str(data["zone"]),
        link=link,
        place=place,
    )
    await clear_flow(services.storage, chat_id)
    day_names = ", ".join(pack.text(f"day_{d}") for d in sorted(days, key=lambda d: (d + 6) % 7))
    saved = pack.text(
        "add_saved", name=data["name"], days=day_names, time=data["time"], zone=data["zone"]
    )
    await show(update, esc(saved))
    meeting = await services.subscriptions.resolve(chat_id, ref)
    if meeting is not None:
        await show_leads(update, context, ref, meeting, edit=False)


async def on_button(
    update: Update, context: BotContext, button: callbacks.Button, *, show_leads: LeadPicker
) -> None:
    """Day toggles, Done, "same zone as mine", Skip; only for the flow's own step."""
    if button.action == "start":
        await start(update, context)
        return
    services = context.services
    flow = await get_flow(services.storage, context.chat_id)
    if flow is None or flow.name != FLOW:
        raise LookupError(button)
    data = dict(flow.data)
    if button.action == "day" and flow.step == "days":
        day = button.int_arg(0)
        if day > 6:
            raise LookupError(button)
        days = set(data.get("days", []))
        days ^= {day}
        await _ask(update, context, Flow(FLOW, "days", {**data, "days": sorted(days)}), edit=True)
    elif button.action == "days" and flow.step == "days":
        if not data.get("days"):
            await show(update, esc(context.pack.text("add_days_missing")))
            return
        await _ask(update, context, Flow(FLOW, "time", data))
    elif button.action == "zone" and flow.step == "zone":
        zone = await services.user_zone(context.chat_id)
        await _ask(update, context, Flow(FLOW, "link", {**data, "zone": zone.key}))
    elif button.action == "skip" and flow.step == "link":
        await _save(update, context, data, show_leads, link=None, place=None)
    else:
        raise LookupError(button)
