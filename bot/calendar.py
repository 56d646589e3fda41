"""Meetings as an iCalendar (.ics) file that phones and calendar apps import (pure; RFC 5545).

Each meeting is one weekly recurring event on the meeting's own wall clock: DTSTART carries the
meeting's IANA zone as TZID (with a VTIMEZONE describing it), so a 19:00 meeting stays at 19:00
local time across DST changes, and the calendar app shows it in whatever zone the phone is in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from icalendar import Calendar, Event

from bot.calendar_links import BYDAY, first_start
from bot.calendar_zones import vtimezone
from bot.content import LanguagePack
from bot.meetings import Meeting

PRODID = "-//Recovery Companion//Meetings//EN"
UID_DOMAIN = "recovery-companion"
# The VTIMEZONE blocks cover this long after the download; apps that know the TZID use their own.
_ZONE_SPAN = dt.timedelta(days=3653)


def event_uid(meeting: Meeting) -> str:
    """Stable across downloads, so importing the file again updates the event instead of adding."""
    return f"{meeting.slug}@{UID_DOMAIN}"


def _description(meeting: Meeting, names: LanguagePack | None) -> str:
    lines = [names.program_name(meeting.program) if names else meeting.program]
    if meeting.conference_url:
        lines.append(meeting.conference_url)
    lines.extend(
        text
        for text in (
            meeting.conference_url_notes,
            meeting.conference_phone,
            meeting.conference_phone_notes,
            meeting.location_notes,
            meeting.notes,
        )
        if text
    )
    lines.extend(names.type_name(code) if names else code for code in meeting.types)
    return "\n".join(lines)


def meeting_event(meeting: Meeting, now: dt.datetime, names: LanguagePack | None = None) -> Event:
    """One VEVENT repeating weekly on the meeting's days; `names` names its program and types."""
    start = first_start(meeting, now)
    event = Event()
    event.add("uid", event_uid(meeting))
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", start)
    # Wall-clock arithmetic: aware + timedelta keeps the zone and the local time of day.
    event.add("dtend", start + meeting.duration)
    event.add("rrule", {"freq": "weekly", "byday": [BYDAY[day] for day in meeting.day]})
    event.add("summary", meeting.name)
    place = ", ".join(p for p in (meeting.location, meeting.address) if p)
    location = place if meeting.is_in_person else meeting.conference_url or place
    if location:
        event.add("location", location)
    if meeting.conference_url:
        event.add("url", meeting.conference_url)
    event.add("description", _description(meeting, names))
    if meeting.temporarily_closed:
        event.add("status", "TENTATIVE")
    return event


def calendar_for(
    meetings: Iterable[Meeting], now: dt.datetime, names: LanguagePack | None = None
) -> bytes:
    """A VCALENDAR with one weekly VEVENT per meeting and a VTIMEZONE for each zone used; the
    program and type names in the language of `names` (the codes without it)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    chosen = list(meetings)
    since = now - dt.timedelta(days=7)
    zones = {meeting.tz.key: meeting.tz for meeting in chosen}
    for key in sorted(zones):
        calendar.add_component(vtimezone(zones[key], since, since + _ZONE_SPAN))
    for meeting in chosen:
        calendar.add_component(meeting_event(meeting, now, names))
    return bytes(calendar.to_ical())
