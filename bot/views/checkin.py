"""The daily check-in's texts and buttons (pure: the pack, the time and the zone come in)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.content import LanguagePack
from bot.views.html import Row, esc

PREFIX = "ci"
# The answers, in the order shown (payload action -> its label's ui key).
ANSWERS: tuple[tuple[str, str], ...] = (
    ("good", "checkin_good"),
    ("ok", "checkin_getting_by"),
    ("hard", "checkin_struggling"),
)
# Times offered when choosing one (HH:MM in the person's zone); any other can be typed.
TIMES: tuple[str, ...] = ("08:00", "12:00", "18:00", "20:00", "21:00", "22:00")


def render_checkin(pack: LanguagePack) -> tuple[str, list[Row]]:
    """ "How are you today?" with the three answers, "not today" and "stop"."""
    rows: list[Row] = [
        [(pack.text(key), callbacks.make(PREFIX, action)) for action, key in ANSWERS],
        [
            (pack.text("checkin_not_today"), callbacks.make(PREFIX, "skip")),
            (pack.text("checkin_stop"), callbacks.make(PREFIX, "stop")),
        ],
    ]
    return f"🌤 {esc(pack.text('checkin_question'))}", rows


def time_rows(pack: LanguagePack, current: str | None) -> list[Row]:
    """The times to pick from (the current one marked), and "stop" when there is one."""
    marked = [
        (f"✅ {t}" if t == current else t, callbacks.make(PREFIX, "at", t.replace(":", "")))
        for t in TIMES
    ]
    rows: list[Row] = [marked[:3], marked[3:]]
    if current is not None:
        rows.append([(pack.text("checkin_stop"), callbacks.make(PREFIX, "stop"))])
    return rows


def today_list(zone: ZoneInfo, now: dt.datetime) -> str:
    """The payload of /meetings narrowed to today in `zone` (Meeting Guide day: 0 = Sunday)."""
    day = (now.astimezone(zone).weekday() + 1) % 7
    return callbacks.make("mt", "ls", f"d{day}", 0)
