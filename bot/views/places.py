"""Where a meeting is, as a link a phone opens in its maps app (pure)."""

from __future__ import annotations

import urllib.parse

from bot.meetings import Meeting

MAPS_SEARCH = "https://www.google.com/maps/search/?api=1&query="


def directions_url(meeting: Meeting) -> str | None:
    """A maps search for the meeting's place (its coordinates, else its address)."""
    if meeting.latitude is not None and meeting.longitude is not None:
        query = f"{meeting.latitude},{meeting.longitude}"
    else:
        query = ", ".join(p for p in (meeting.location, meeting.address) if p)
    return f"{MAPS_SEARCH}{urllib.parse.quote(query)}" if query else None
