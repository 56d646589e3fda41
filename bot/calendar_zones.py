"""VTIMEZONE blocks that say exactly what the zone database says (pure; RFC 5545 3.6.5).

A calendar app that knows the TZID uses its own zone data; one that does not (and any app reading
the file strictly) uses the VTIMEZONE. The icalendar library's own blocks are built from the
transitions written out in the zone file and a guess at their pattern: they go wrong where a zone
does not follow a yearly rule (Africa/Casablanca, whose clocks change around Ramadan) and after
the last transition the file lists explicitly (2037 for most zones). Here every transition in the
span is found by asking `zoneinfo` for the offset, so whatever rule it follows (its footer rule
included), and written as an observance of its own: no RRULE to get wrong.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_STEP = dt.timedelta(hours=12)  # zones never change twice within 12 hours
_SECOND = dt.timedelta(seconds=1)


def _reading(instant: dt.datetime, zone: ZoneInfo) -> tuple[dt.timedelta, dt.timedelta, str]:
    local = instant.astimezone(zone)
    none = dt.timedelta(0)
    return (local.utcoffset() or none, local.dst() or none, local.tzname() or "")


def transitions(zone: ZoneInfo, since: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """Every instant in `[since, until)` (aware UTC) where the offset, DST or name changes."""
    found: list[dt.datetime] = []
    here, reading = since, _reading(since, zone)
    while here < until:
        there = min(here + _STEP, until)
        later = _reading(there, zone)
        if later != reading:
            low, high = here, there  # reading at low differs from high: find the first second
            while high - low > _SECOND:
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _reading(middle, zone) == reading:
                    low = middle
                else:
                    high = middle
            found.append(high)
        here, reading = there, later
    return found


def vtimezone(zone: ZoneInfo, since: dt.datetime, until: dt.datetime) -> Timezone:
    """The zone from `since` to `until` (aware): its offset at `since`, then every change."""
    since = since.astimezone(dt.UTC).replace(microsecond=0)
    until = until.astimezone(dt.UTC)
    block = Timezone()
    block.add("tzid", zone.key)
    offset, dst, name = _reading(since, zone)
    block.add_component(_observance(since + offset, offset, offset, dst, name))
    for change in transitions(zone, since, until):
        after, dst, name = _reading(change, zone)
        # DTSTART is the onset on the wall clock as it read before the change (RFC 5545).
        block.add_component(_observance(change + offset, offset, after, dst, name))
        offset = after
    return block


def _observance(
    onset: dt.datetime, before: dt.timedelta, after: dt.timedelta, dst: dt.timedelta, name: str
) -> TimezoneStandard | TimezoneDaylight:
    part = TimezoneDaylight() if dst else TimezoneStandard()
    part.add("dtstart", onset.replace(tzinfo=None))
    part.add("tzoffsetfrom", before)
    part.add("tzoffsetto", after)
    if name:
        part.add("tzname", name)
    return part
