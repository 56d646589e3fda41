"""Reminder texts: the reminder message, times in words and on the clock, lead-time labels.

Pure rendering from a language pack (no I/O, no clock of its own: `now` comes in). May import the
domain, `bot.content`, `bot.callbacks` and `scheduler`'s value types.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.content import LanguagePack
from bot.meetings import Meeting
from bot.reminder_store import ReminderDue
from bot.timezones import city_name
from bot.views.html import Row, esc
from bot.views.places import directions_url
from scheduler.recurrence import clock_change_between

ENGLISH_UNITS: Mapping[str, str] = {
    "now": "now",
    "in": "in {0}",
    "ago": "{0} ago",
    "day": "{0} day",
    "days": "{0} days",
    "hour": "{0} hour",
    "hours": "{0} hours",
    "minute": "{0} minute",
    "minutes": "{0} minutes",
}


def format_relative(delta: dt.timedelta, words: Mapping[str, str] = ENGLISH_UNITS) -> str:
    """A short English phrase for a time from now: "in 1 hour", "in 2 hours 15 minutes".

    Rounded to the nearest minute (so a reminder sent a few seconds late still says "in 1 hour");
    from one day up, to the nearest hour ("in 1 day 3 hours"). Under half a minute is "now", and a
    negative delta reads "... ago".
    """

    def plural(count: int, unit: str) -> str:
        return words[unit if count == 1 else unit + "s"].format(count)

    seconds = delta.total_seconds()
    minutes = math.floor(abs(seconds) / 60 + 0.5)
    if minutes == 0:
        return words["now"]
    if minutes >= 24 * 60:
        hours = math.floor(minutes / 60 + 0.5)
        parts = [plural(hours // 24, "day")]
        if hours % 24:
            parts.append(plural(hours % 24, "hour"))
    else:
        parts = []
        if minutes >= 60:
            parts.append(plural(minutes // 60, "hour"))
        if minutes % 60:
            parts.append(plural(minutes % 60, "minute"))
    text = " ".join(parts)
    return words["ago" if seconds < 0 else "in"].format(text)


def format_when(moment: dt.datetime, zone: ZoneInfo, pack: LanguagePack) -> str:
    """`Tue 3 Mar, 18:00` in `zone`, in the pack's language."""
    local = moment.astimezone(zone)
    day = pack.text(f"day_{(local.weekday() + 1) % 7}")  # weekday(): 0 = Monday; ours: 0 = Sunday
    return f"{day} {local.day} {pack.text(f'month_{local.month}')}, {local:%H:%M}"


def days_text(pack: LanguagePack, days: Sequence[int]) -> str:
    """ "Tue and Thu", "Mon, Wed and Fri": Monday first, in the pack's language."""
    names = [pack.text(f"day_{d}") for d in sorted(set(days), key=lambda d: (d + 6) % 7)]
    if len(names) < 2:
        return "".join(names)
    return pack.text("rem_days_and", first=", ".join(names[:-1]), last=names[-1])


def pattern_text(pack: LanguagePack, meeting: Meeting, zone: ZoneInfo) -> str:
    """How often it meets, on its own clock: "every Tue and Thu, 19:00", with the meeting's
    place's time named when that is not the user's zone ("..., 19:00 New York time")."""
    days = days_text(pack, meeting.day)
    time = f"{meeting.time:%H:%M}"
    if meeting.tz.key == zone.key:
        return pack.text("rem_pattern", days=days, time=time)
    return pack.text(
        "rem_pattern_zone", days=days, time=time, zone=city_name(meeting.tz.key, pack.language)
    )


def place_lines(pack: LanguagePack, meeting: Meeting) -> list[str]:
    """How to join it or where it is, one line each (already escaped)."""
    lines = []
    if meeting.conference_url:
        lines.append(esc(pack.text("rem_join", link=meeting.conference_url)))
        if meeting.conference_url_notes:
            lines.append(esc(meeting.conference_url_notes))
    if meeting.conference_phone:
        lines.append(esc(pack.text("rem_phone", phone=meeting.conference_phone)))
    place = ", ".join(p for p in (meeting.location, meeting.address) if p)
    if place:
        lines.append(esc(pack.text("rem_where", place=place)))
    return lines


def relative_words(pack: LanguagePack) -> dict[str, str]:
    """The words `format_relative` needs ("in {0}", "{0} hours"...), in the pack's language."""
    return {unit: pack.text(f"rel_{unit}") for unit in ENGLISH_UNITS}


def lead_label(pack: LanguagePack, minutes: int) -> str:
    key = f"rem_lead_{minutes}"
    return pack.text(key) if key in pack.ui else f"{minutes} min"


def leads_text(pack: LanguagePack, leads: Sequence[int]) -> str:
    return ", ".join(lead_label(pack, m).removesuffix(" before") for m in leads)


def render_reminder(
    pack: LanguagePack,
    due: ReminderDue,
    zone: ZoneInfo,
    now: dt.datetime,
    *,
    private_link: str | None = None,
) -> tuple[str, list[Row]]:
    """The reminder message: which meeting, when in words and clock time, how to join or where.

    In a group chat (Telegram's group ids are negative) the buttons are links only, which any
    member may press: join, directions, and `private_link` (the meeting in a private chat with
    the bot, to be reminded there too). A private reminder's buttons act on the person's own
    reminders."""
    meeting = due.meeting
    local = due.occurrence_at.astimezone(zone)
    lines = [
        f"⏰ <b>{esc(pack.text('rem_reminder', name=meeting.name))}</b>",
        esc(
            pack.text(
                "rem_starts",
                relative=format_relative(due.occurrence_at - now, relative_words(pack)),
                time=f"{local:%H:%M}",
                date=format_when(due.occurrence_at, zone, pack).rsplit(",", 1)[0],
            )
        ),
    ]
    if clock_change_between(now, due.occurrence_at, zone):
        # "At 19:00 tomorrow" the night before the clocks change: which clock it means.
        lines.append(esc(pack.text("rem_clocks_change", time=f"{local:%H:%M}")))
    own = due.occurrence_at.astimezone(meeting.tz)
    if own.utcoffset() != local.utcoffset():
        where = city_name(meeting.timezone, pack.language)
        lines.append(esc(pack.text("rem_their_time", time=f"{own:%H:%M}", zone=where)))
    lines.extend(place_lines(pack, meeting))
    if due.chat_id < 0:
        return "\n".join(lines), _group_rows(pack, due, private_link)
    minutes = int(due.occurrence_at.timestamp() // 60)
    rows: list[Row] = [
        [(pack.text("rem_skip"), callbacks.make("rem", "skip", due.ref.encode(), minutes))],
        [(pack.text("rem_stop"), callbacks.make("rem", "stop", due.ref.encode()))],
        # A new message: the reminder, with its link or place, stays as it is.
        [(pack.text("rem_ground_first"), callbacks.make("gr", "new"))],
    ]
    return "\n".join(lines), rows


def _group_rows(pack: LanguagePack, due: ReminderDue, private_link: str | None) -> list[Row]:
    meeting = due.meeting
    links: list[tuple[str, str]] = []
    if meeting.conference_url:
        links.append((pack.text("meetings_join_button"), meeting.conference_url))
    directions = directions_url(meeting) if meeting.is_in_person else None
    if directions is not None:
        links.append((pack.text("meetings_directions"), directions))
    rows: list[Row] = [links] if links else []
    if private_link is not None:
        rows.append([(pack.text("group_remind_me_privately"), private_link)])
    return rows


class RenderedReminders:
    """Reminder messages already rendered, for the others in a burst.

    Everyone who chose one meeting with one lead time, in one language and time zone, gets the
    same message: the text depends on nothing else (the "in 1 hour" is whole minutes). Entries
    hold their pack and meeting, so a /reload (new objects) never matches an old entry.
    """

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._entries: dict[tuple[object, ...], tuple[object, object, str, list[Row]]] = {}

    def render(
        self,
        pack: LanguagePack,
        due: ReminderDue,
        zone: ZoneInfo,
        now: dt.datetime,
        *,
        private_link: str | None = None,
    ) -> tuple[str, list[Row]]:
        seconds = (due.occurrence_at - now).total_seconds()
        minutes = (math.floor(abs(seconds) / 60 + 0.5), seconds < 0)  # as format_relative rounds
        group = due.chat_id < 0
        key = (id(pack), id(due.meeting), due.ref, due.occurrence_at, zone.key, minutes, group)
        found = self._entries.get(key)
        if found is not None and found[0] is pack and found[1] is due.meeting:
            return found[2], found[3]
        text, rows = render_reminder(pack, due, zone, now, private_link=private_link)
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[key] = (pack, due.meeting, text, rows)
        return text, rows
