"""A meeting as a Google Calendar "add event" link, beside the .ics file (pure).

Google's template link (`calendar.google.com/calendar/render?action=TEMPLATE`) takes the first
start and end as wall times with `ctz` naming the zone, and an RRULE, so the event repeats weekly
on the meeting's own clock like the .ics does.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from bot.meetings import Meeting

TEMPLATE = "https://calendar.google.com/calendar/render"
_BYDAY = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # by Meeting Guide day, 0 = Sunday
_MAX_DETAILS = 500


def google_calendar_url(meeting: Meeting, now: dt.datetime, program: str) -> str:
    """The link that opens Google Calendar with the meeting filled in, repeating weekly."""
    local_day = meeting.next_start(now).astimezone(meeting.tz).date()
    start = dt.datetime.combine(local_day, meeting.time)
    end = start + meeting.duration
    days = ",".join(_BYDAY[day] for day in meeting.day)
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
