"""A meeting's weekly series as calendars write it, and as a Google Calendar link (pure).

What the .ics file (`bot.calendar`) and the link share lives here, without icalendar (which is
slow to import): the series' first start on the meeting's wall clock and its RRULE weekdays.
Google's template link (`calendar.google.com/calendar/render?action=TEMPLATE`) takes the first
start and end as wall times with `ctz` naming the zone, and an RRULE, so the event repeats weekly
on the meeting's own clock like the .ics does.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from bot.meetings import Meeting

TEMPLATE = "https://calendar.google.com/calendar/render"
# iCalendar weekdays, indexed by Meeting Guide day (0 = Sunday).
BYDAY = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
_MAX_DETAILS = 500


def first_start(meeting: Meeting, now: dt.datetime) -> dt.datetime:
    """The next start after `now` on the meeting's wall clock, aware in the meeting's zone.

    Built from the local date and the listed time, not from the UTC instant, so that a time moved
    forward through a DST gap on that one day does not become the series' time.
    """
    local_day = meeting.next_start(now).astimezone(meeting.tz).date()
    return dt.datetime.combine(local_day, meeting.time, tzinfo=meeting.tz)


def google_calendar_url(meeting: Meeting, now: dt.datetime, program: str) -> str:
    """The link that opens Google Calendar with the meeting filled in, repeating weekly."""
    start = first_start(meeting, now).replace(tzinfo=None)
    end = start + meeting.duration
    days = ",".join(BYDAY[day] for day in meeting.day)
    place = ", ".join(p for p in (meeting.location, meeting.address) if p)
    details = "\n".join(p for p in (program, meeting.conference_url) if p)[:_MAX_DETAILS]
    query = {
        "action": "TEMPLATE",
        "text": meeting.name,
        "dates": f"{start:%Y%m%dT%H%M%S}/{end:%Y%m%dT%H%M%S}",
        "ctz": meeting.timezone,
        "recur": f"RRULE:FREQ=WEEKLY;BYDAY={days}",
        "details": details,
    }
    if place and meeting.is_in_person:
        query["location"] = place
    return f"{TEMPLATE}?{urlencode(query)}"
