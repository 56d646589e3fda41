"""/timezone: the zone meetings are shown in; pick a common one or type a city or zone name.

"Typing a time zone" is a flow kept in the database (`bot.flows`), so a restart in between loses
nothing. Setting a zone re-plans nothing: reminders are computed in each meeting's own zone and only
shown in the user's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from telegram import Update

from bot import callbacks
from bot.context import BotContext
from bot.flows import Flow, clear_flow, get_flow, set_flow
from bot.handlers.common import Row, esc, keyboard, pack_for, show
from bot.timezones import COMMON_ZONES, find_zones, zone_code, zone_from_code, zone_label

FLOW = "tz"
# A zone typed this long after /timezone is more likely something else (a question, say).
FLOW_TTL = dt.timedelta(minutes=30)
# Zone names are short: longer text, or a question, while in the flow is not one.
MAX_QUERY_WORDS = 4


def _chat_id(update: Update) -> int:
    return update.effective_chat.id if update.effective_chat else 0


def clock_text(zone: ZoneInfo, now: dt.datetime) -> str:
    """The wall-clock time in `zone` at `now`, as HH:MM."""
    return f"{now.astimezone(zone):%H:%M}"


def zone_rows(zones: Sequence[str], now: dt.datetime, *, full_names: bool = False) -> list[Row]:
    """Two buttons a row, each a zone and its time now; zones without a button code are skipped."""
    buttons = [
        (
            f"{zone if full_names else zone_label(zone)} · {clock_text(ZoneInfo(zone), now)}",
            callbacks.make("tz", "set", code),
        )
        for zone in zones
        if (code := zone_code(zone)) is not None
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def timezone(update: Update, context: BotContext) -> None:
    """/timezone: the current zone and time, common zones as buttons, or type a city."""
    await _ask(update, context, edit=False)


async def _ask(update: Update, context: BotContext, *, edit: bool) -> None:
    services = context.services
    pack = pack_for(update, context)
    chat_id = _chat_id(update)
    now = services.clock()
    zone = await services.user_zone(chat_id)
    await set_flow(services.storage, chat_id, Flow(FLOW, "zone", {}), now)
    text = "\n\n".join(
        (
            esc(pack.text("tz_current", zone=zone.key, time=clock_text(zone, now))),
            esc(pack.text("tz_ask")),
        )
    )
    await show(update, text, keyboard(zone_rows(COMMON_ZONES, now)), edit=edit)


async def _set_zone(update: Update, context: BotContext, zone: str, *, edit: bool) -> None:
    services = context.services
    chat_id = _chat_id(update)
    await services.storage.set_user_fields(chat_id, timezone=zone, told_timezone=True)
    flow = await get_flow(services.storage, chat_id)
    if flow is not None and flow.name == FLOW:  # a button press must not end another flow
        await clear_flow(services.storage, chat_id)
    pack = pack_for(update, context)
    local = clock_text(ZoneInfo(zone), services.clock())
    await show(update, esc(pack.text("tz_set", zone=zone, time=local)), edit=edit)


async def handle_flow_text(update: Update, context: BotContext, flow: Flow) -> bool:
    """Text typed while the chat is choosing a time zone; True when it was taken as a zone name."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or message.text is None or chat is None or flow.name != FLOW:
        return False
    services = context.services
    now = services.clock()
    if not flow.fresh(now, FLOW_TTL):
        await clear_flow(services.storage, chat.id)
        return False
    text = message.text.strip()
    zones = find_zones(text)
    if len(zones) == 1:
        await _set_zone(update, context, zones[0], edit=False)
        return True
    pack = pack_for(update, context)
    if zones:
        rows = zone_rows(zones, now, full_names=True)
        await show(update, esc(pack.text("tz_pick")), keyboard(rows))
        return True
    if len(text.split()) > MAX_QUERY_WORDS or "?" in text:
        await clear_flow(services.storage, chat.id)  # not a place name: let the FAQ answer it
        return False
    await show(update, esc(pack.text("tz_none")), keyboard(zone_rows(COMMON_ZONES, now)))
    return True


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """`tz:set:<zone code>` sets the zone; `tz:ask` asks again."""
    if button.action == "set" and len(button.args) == 1:
        zone = zone_from_code(button.arg)
        if zone is None:
            raise LookupError(button)
        await _set_zone(update, context, zone, edit=True)
    elif button.action == "ask" and not button.args:
        await _ask(update, context, edit=True)
    else:
        raise LookupError(button)


async def tell_timezone_once(update: Update, context: BotContext) -> None:
    """Once per user: which zone times are shown in, and how to change it."""
    chat = update.effective_chat
    if chat is None:
        return
    services = context.services
    user = await services.storage.get_user(chat.id)
    if user is None or user.told_timezone:
        return
    zone = await services.user_zone(chat.id)
    told = pack_for(update, context).text(
        "tz_told", zone=zone.key, time=clock_text(zone, services.clock())
    )
    await show(update, esc(told))
    await services.storage.set_user_fields(chat.id, told_timezone=True)
