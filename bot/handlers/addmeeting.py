"""/addmeeting: a guided flow to add a meeting that is not in the directory.

Each answer moves the flow on in the database (`flows`), so a restart mid-flow loses nothing. The
crisis check still sees every message first: it runs in an earlier handler group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Mapping
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Update

from bot import callbacks
from bot.content import LanguagePack
from bot.context import BotContext
from bot.flow_exit import Exit
from bot.flows import Flow, clear_flow, get_flow, set_flow
from bot.handlers.common import Row, esc, keyboard, show
from bot.jobs import end_guide
from bot.meetings import Meeting
from bot.personal import read_days, read_link, read_time
from bot.subscriptions import MeetingRef
from bot.timezones import city_name, find_zones
from bot.views.menu import main_menu
from bot.views.reminders import days_text

PREFIX = "add"
FLOW = "add"
# An answer typed this long after the last question is more likely a question of its own.
FLOW_TTL = dt.timedelta(minutes=30)
MAX_NAME = 80


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
    guide_stopped = await end_guide(context.bot, context.job_queue, context.chat_id)
    flow = await get_flow(context.services.storage, context.chat_id)
    if await clear_flow(context.services.storage, context.chat_id):
        key = "flow_cancelled"
        if flow is not None and flow.name == FLOW:
            key = "add_edit_cancelled" if "edit" in flow.data else "add_cancelled"
        await show(update, esc(pack.text(key)))
    elif guide_stopped:
        await show(update, esc(pack.text("ground_guided_stopped")), keyboard(main_menu(pack)))
    else:
        await show(update, esc(pack.text("flow_cancel_none")))


async def leave(update: Update, context: BotContext, flow: Flow, exit: Exit) -> None:
    """Text that is plainly not an answer ended the flow (`bot.flow_exit`): "cancel" typed as
    /cancel; a question or another command word with a word that the flow is over, before its
    ordinary answer."""
    if exit.command == "cancel":
        await cancel(update, context)
        return
    await clear_flow(context.services.storage, context.chat_id)
    key = "flow_left"
    if flow.name == FLOW:
        key = "flow_left_edit" if "edit" in flow.data else "flow_left_add"
    await show(update, esc(context.pack.text(key)))


async def _ask(
    update: Update, context: BotContext, flow: Flow, *, edit: bool = False, got: str = ""
) -> None:
    """Ask the flow's step, after `got`: what the last answer was understood as."""
    services = context.services
    pack = context.pack
    await set_flow(services.storage, context.chat_id, flow, services.clock())
    lead = f"{esc(got)} " if got else ""
    if flow.step == "name":
        await show(update, lead + esc(pack.text("add_ask_name")), edit=edit)
    elif flow.step == "days":
        markup = keyboard(_days_keyboard(pack, flow.data.get("days", [])))
        await show(update, lead + esc(pack.text("add_days")), markup, edit=edit)
    elif flow.step == "time":
        await show(update, lead + esc(pack.text("add_time")), edit=edit)
    elif flow.step == "zone":
        zone = await services.user_zone(context.chat_id)
        mine = pack.text("add_zone_mine", zone=city_name(zone.key, pack.language))
        rows = [[(mine, callbacks.make("add", "zone"))]]
        await show(update, lead + esc(pack.text("add_zone")), keyboard(rows), edit=edit)
    elif flow.step == "link":
        rows = [[(pack.text("add_skip"), callbacks.make("add", "skip"))]]
        await show(update, lead + esc(pack.text("add_link")), keyboard(rows), edit=edit)


def _zone_from_text(text: str) -> str | None:
    candidate = text.strip()
    try:
        return ZoneInfo(candidate).key if "/" in candidate else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


# The step after each one, when adding (an edit changes one step and is done).
_NEXT = {"name": "days", "days": "time", "time": "zone", "zone": "link"}


async def _answered(
    update: Update,
    context: BotContext,
    flow: Flow,
    changes: Mapping[str, object],
    got: str,
    *,
    edit: bool = False,
) -> None:
    """Move on from an answered step: the next question (echoing `got`), or, in an edit, save."""
    if "edit" in flow.data:
        await _save_edit(update, context, int(str(flow.data["edit"])), changes)
        return
    await _ask(
        update, context, Flow(FLOW, _NEXT[flow.step], {**flow.data, **changes}), got=got, edit=edit
    )


def _got_days(pack: LanguagePack, days: list[int]) -> str:
    return pack.text("add_got_days", days=days_text(pack, days))


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
        await _answered(update, context, flow, {"name": text}, pack.text("add_got_name", name=text))
    elif flow.step == "days":
        reading = read_days(text)
        if reading.refused is not None:
            # "first Monday", "every other week": can't be kept weekly; "not mondays": which days?
            await show(update, esc(pack.text(f"add_days_{reading.refused}")))
            return True
        days = list(reading.days)
        if not days:
            await show(update, esc(pack.text("add_days_missing")))
            return True
        await _answered(update, context, flow, {"days": days}, _got_days(pack, days))
    elif flow.step == "time":
        read = read_time(text)
        if read.either is not None:
            morning, evening = read.either
            rows: list[Row] = [
                [
                    (pack.text("add_time_morning", time=morning), _time_button(morning)),
                    (pack.text("add_time_evening", time=evening), _time_button(evening)),
                ]
            ]
            await show(update, esc(pack.text("add_time_either")), keyboard(rows))
            return True
        if read.time is None:
            await show(update, esc(pack.text("add_time_bad")))
            return True
        got = pack.text("add_got_time", time=read.time)
        await _answered(update, context, flow, {"time": read.time}, got)
    elif flow.step == "zone":
        zone = _zone_from_text(text) or _find_zone(text, context.services.clock())
        if zone is None:
            await show(update, esc(pack.text("add_zone_bad")))
            return True
        got = pack.text("add_got_zone", zone=city_name(zone, pack.language))
        await _answered(update, context, flow, {"zone": zone}, got)
    elif flow.step == "link":
        link = read_link(text)
        if link.too_long:
            await show(update, esc(pack.text("add_link_bad")))
            return True
        where = {"link": link.link, "link_notes": link.notes, "place": link.place}
        if "edit" in data:
            await _save_edit(update, context, int(str(data["edit"])), where)
        else:
            await _save(update, context, data, show_leads, **where)
    return True


def _time_button(time: str) -> str:
    return callbacks.make("add", "time", time.replace(":", ""))


def _find_zone(text: str, now: dt.datetime) -> str | None:
    found = find_zones(text, limit=1, now=now)
    return found[0] if found else None


async def _save(
    update: Update,
    context: BotContext,
    data: dict[str, object],
    show_leads: LeadPicker,
    *,
    link: str | None,
    place: str | None,
    link_notes: str | None = None,
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
        link_notes=link_notes,
        place=place,
    )
    await clear_flow(services.storage, chat_id)
    saved = pack.text(
        "add_saved",
        name=data["name"],
        days=days_text(pack, days),
        time=data["time"],
        zone=pack.text("tz_city_time", zone=city_name(str(data["zone"]), pack.language)),
    )
    await show(update, esc(saved))
    meeting = await services.subscriptions.resolve(chat_id, ref)
    if meeting is not None:
        await show_leads(update, context, ref, meeting, edit=False)


async def _save_edit(
    update: Update, context: BotContext, personal_id: int, changes: Mapping[str, object]
) -> None:
    """Keep one changed detail of a meeting the user added, and show it as it is now."""
    services = context.services
    pack = context.pack
    fields = {EDIT_COLUMNS.get(k, k): v for k, v in changes.items()}
    if "days" in fields:
        fields["days"] = ",".join(str(d) for d in sorted(set(fields["days"])))  # type: ignore[call-overload]
    ref = MeetingRef.personal(personal_id)
    await clear_flow(services.storage, context.chat_id)
    meeting = await services.subscriptions.update_personal(
        context.chat_id,
        ref,
        {k: None if v is None else str(v) for k, v in fields.items()},
        services.clock(),
    )
    back = [[(pack.text("add_edit_back"), callbacks.make("rem", "man", ref.encode()))]]
    if meeting is None:
        await show(update, esc(pack.text("rem_gone")), keyboard(back))
        return
    saved = pack.text(
        "add_edited",
        name=meeting.name,
        days=days_text(pack, meeting.day),
        time=f"{meeting.time:%H:%M}",
        zone=pack.text("tz_city_time", zone=city_name(meeting.timezone, pack.language)),
    )
    await show(update, esc(saved), keyboard(back))


# The flow's names for a personal meeting's columns, where they differ.
EDIT_COLUMNS = {"zone": "timezone"}
# What can be edited, as its button names it: the flow step that asks for it.
EDIT_STEPS = ("name", "days", "time", "zone", "link")


async def _edit_menu(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """`add:edit:<ref>`: which detail to change; `add:edit:<ref>:<step>` asks for it."""
    services = context.services
    pack = context.pack
    ref = MeetingRef.decode(button.arg)
    meeting = await services.subscriptions.resolve(context.chat_id, ref)
    if ref.kind != "p" or meeting is None:
        raise LookupError(button)
    step = button.args[1] if len(button.args) > 1 else None
    if step is None:
        rows: list[Row] = [
            [(pack.text(f"add_edit_{name}"), callbacks.make("add", "edit", ref.encode(), name))]
            for name in EDIT_STEPS
        ]
        rows.append([(pack.text("button_back"), callbacks.make("rem", "man", ref.encode()))])
        asked = esc(pack.text("add_edit_which", name=meeting.name))
        await show(update, asked, keyboard(rows), edit=True)
        return
    if step not in EDIT_STEPS:
        raise LookupError(button)
    data: dict[str, object] = {"edit": int(ref.value), "days": list(meeting.day)}
    await _ask(update, context, Flow(FLOW, step, data))


async def on_button(
    update: Update, context: BotContext, button: callbacks.Button, *, show_leads: LeadPicker
) -> None:
    """Day toggles, Done, morning or evening, "same zone as mine", Skip; only for the flow's
    own step. And the way into editing a meeting the user added."""
    if button.action == "start":
        await start(update, context)
        return
    if button.action == "edit":
        await _edit_menu(update, context, button)
        return
    services = context.services
    flow = await get_flow(services.storage, context.chat_id)
    if flow is None or flow.name != FLOW:
        raise LookupError(button)
    data = dict(flow.data)
    pack = context.pack
    if button.action == "day" and flow.step == "days":
        day = button.int_arg(0)
        if day > 6:
            raise LookupError(button)
        days = set(data.get("days", []))
        days ^= {day}
        await _ask(update, context, Flow(FLOW, "days", {**data, "days": sorted(days)}), edit=True)
    elif button.action == "days" and flow.step == "days":
        if not data.get("days"):
            await show(update, esc(pack.text("add_days_missing")))
            return
        picked = [int(d) for d in data["days"]]
        await _answered(update, context, flow, {"days": picked}, _got_days(pack, picked))
    elif button.action == "time" and flow.step == "time":
        digits = button.arg or ""
        if not (len(digits) == 4 and digits.isdigit() and digits < "2400" and digits[2] < "6"):
            raise LookupError(button)
        time = f"{digits[:2]}:{digits[2:]}"
        got = pack.text("add_got_time", time=time)
        await _answered(update, context, flow, {"time": time}, got, edit=True)
    elif button.action == "zone" and flow.step == "zone":
        zone = await services.user_zone(context.chat_id)
        got = pack.text("add_got_zone", zone=city_name(zone.key, pack.language))
        await _answered(update, context, flow, {"zone": zone.key}, got)
    elif button.action == "skip" and flow.step == "link":
        if "edit" in data:
            where = {"link": None, "link_notes": None, "place": None}
            await _save_edit(update, context, int(str(data["edit"])), where)
        else:
            await _save(update, context, data, show_leads, link=None, place=None)
    else:
        raise LookupError(button)
