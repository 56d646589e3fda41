"""/timezone: the zone meetings are shown in; pick a common one or type a city or zone name.

"Typing a time zone" is a flow kept in the database (`bot.flows`), so a restart in between loses
nothing. Setting a zone re-plans nothing: reminders are computed in each meeting's own zone and only
shown in the user's.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from telegram import Update

from bot import callbacks
from bot.context import BotContext
from bot.flows import Flow, clear_flow, get_flow, set_flow
from bot.handlers.common import esc, keyboard, show
from bot.timezones import COMMON_ZONES, city_name, find_zones, zone_from_code
from bot.views.timezones import clock_text, zone_rows

PREFIX = "tz"
FLOW = "tz"
# A zone typed this long after /timezone is more likely something else (a question, say).
FLOW_TTL = dt.timedelta(minutes=30)
# Zone names are short: longer text, or a question, while in the flow is not one.
MAX_QUERY_WORDS = 4


async def timezone(update: Update, context: BotContext) -> None:
    """/timezone: the current zone and time, common zones as buttons, or type a city."""
    await _ask(update, context, edit=False)


async def _ask(update: Update, context: BotContext, *, edit: bool) -> None:
    services = context.services
    pack = context.pack
    chat_id = context.chat_id
    now = services.clock()
    zone = await services.user_zone(chat_id)
    await set_flow(services.storage, chat_id, Flow(FLOW, "zone", {}), now)
    where = city_name(zone.key, pack.language)
    text = "\n\n".join(
        (
            esc(pack.text("tz_current", zone=where, time=clock_text(zone, now))),
            esc(pack.text("tz_ask")),
        )
    )
    await show(update, text, keyboard(zone_rows(COMMON_ZONES, now, pack.language)), edit=edit)


async def _set_zone(update: Update, context: BotContext, zone: str, *, edit: bool) -> None:
    services = context.services
    chat_id = context.chat_id
    await services.storage.set_user_fields(chat_id, timezone=zone, told_timezone=True)
    await services.checkins.follow_zone(chat_id, zone, services.clock())
    flow = await get_flow(services.storage, chat_id)
    if flow is not None and flow.name == FLOW:  # a button press must not end another flow
        await clear_flow(services.storage, chat_id)
    pack = context.pack
    local = clock_text(ZoneInfo(zone), services.clock())
    where = city_name(zone, pack.language)
    await show(update, esc(pack.text("tz_set", zone=where, time=local)), edit=edit)


async def on_text(update: Update, context: BotContext, flow: Flow) -> bool:
    """Text typed while the chat is choosing a time zone; True when it was taken as a zone name."""
    message = update.effective_message
    if message is None or message.text is None:
        return False
    services = context.services
    now = services.clock()
    text = message.text.strip()
    zones = find_zones(text, now=now)
    if len(zones) == 1:
        await _set_zone(update, context, zones[0], edit=False)
        return True
    pack = context.pack
    if zones:
        rows = zone_rows(zones, now, context.pack.language)
        await show(update, esc(pack.text("tz_pick")), keyboard(rows))
        return True
    if len(text.split()) > MAX_QUERY_WORDS or "?" in text:
        await clear_flow(services.storage, context.chat_id)  # not a place name: the FAQ answers
        await show(update, esc(pack.text("flow_left")))
        return False
    await show(
        update, esc(pack.text("tz_none")), keyboard(zone_rows(COMMON_ZONES, now, pack.language))
    )
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
