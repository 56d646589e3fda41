"""Time zones as the bot shows them: a zone's clock now, and zones as buttons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.timezones import city_name, zone_code
from bot.views.html import Row


def clock_text(zone: ZoneInfo, now: dt.datetime) -> str:
    """The wall-clock time in `zone` at `now`, as HH:MM."""
    return f"{now.astimezone(zone):%H:%M}"


def zone_rows(zones: Sequence[str], now: dt.datetime, language: str = "en") -> list[Row]:
    """Two buttons a row, each a zone's city (in `language`) and its time now; zones without a
    button code are skipped."""
    buttons = [
        (
            f"{city_name(zone, language)} · {clock_text(ZoneInfo(zone), now)}",
            callbacks.make("tz", "set", code),
        )
        for zone in zones
        if (code := zone_code(zone)) is not None
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
