"""The .ics time-zone blocks, read back by an independent reader (dateutil's `tzical`), agree
with the zone database for every IANA zone for ten years; and the weekly events, expanded by an
independent expander (dateutil's `rrule`), fall where the bot's reminders do."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from zoneinfo import ZoneInfo

import pytest
from dateutil import tz as dateutil_tz
from dateutil.rrule import rrulestr
from icalendar import Calendar

from bot.calendar import calendar_for
from bot.calendar_zones import transitions
from bot.meetings import Meeting

NOW = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)
TEN_YEARS = dt.timedelta(days=3653)
ZONES = sorted(
    z for z in zoneinfo.available_timezones() if not z.startswith(("Etc/", "SystemV/")) and "/" in z
)


def meeting(zone: str, start: str = "19:00", day: int = 2) -> Meeting:
    return Meeting.model_validate(
        {"name": "Group", "slug": "group", "day": day, "time": start, "timezone": zone}
    )


def read_back(data: bytes, zone: str) -> dt.tzinfo:
    found = dateutil_tz.tzical(io.StringIO(data.decode())).get(zone)
    assert found is not None, zone
    return found


def offset_of(instant: dt.datetime, zone: ZoneInfo) -> dt.timedelta:
    return instant.astimezone(zone).utcoffset() or dt.timedelta(0)


def test_every_zone_reads_back_as_the_zone_database_says_for_ten_years():
    wrong: dict[str, dt.datetime] = {}
    for name in ZONES:
        zone = ZoneInfo(name)
        block = read_back(calendar_for([meeting(name)], NOW), name)
        since = NOW
        changes = transitions(zone, since, since + TEN_YEARS)
        probes = [since + dt.timedelta(days=d) for d in range(0, 3653, 13)]
        for change in changes:
            probes += [change - dt.timedelta(hours=1), change - dt.timedelta(seconds=1), change]
            probes += [change + dt.timedelta(hours=1)]
        for instant in probes:
            wall = instant.astimezone(zone)
            local = wall.replace(tzinfo=None)
            # A wall time that happens twice has two right answers; either reading is the zone's.
            readings = {offset_of(local.replace(tzinfo=zone, fold=f), zone) for f in (0, 1)}
            readings.add(wall.utcoffset() or dt.timedelta(0))
            if local.replace(tzinfo=block).utcoffset() not in readings:
                wrong.setdefault(name, instant)
    assert wrong == {}


@pytest.mark.parametrize(
    "zone", ["Africa/Casablanca", "America/New_York", "America/Santiago", "Australia/Lord_Howe"]
)
def test_zones_the_old_blocks_got_wrong_have_every_change(zone: str):
    """Casablanca's clocks change around Ramadan; the old blocks missed those, and every change
    after 2036. Each change the zone database knows in ten years is in the file."""
    data = calendar_for([meeting(zone)], NOW)
    (block,) = Calendar.from_ical(data).walk("VTIMEZONE")
    onsets = len(block.walk("STANDARD")) + len(block.walk("DAYLIGHT"))
    changes = transitions(ZoneInfo(zone), NOW - dt.timedelta(days=7), NOW + TEN_YEARS)
    assert onsets == len(changes) + 1  # the offset at the start, then each change
    if zone == "Africa/Casablanca":
        assert any(c.year == 2027 for c in changes)


Onset = tuple[dt.datetime, dt.timedelta, dt.timedelta]


def onsets(data: bytes) -> list[Onset]:
    """The file's own observances: (onset on the wall clock before it, offset from, offset to)."""
    (block,) = Calendar.from_ical(data).walk("VTIMEZONE")
    found = [
        (p.decoded("dtstart"), p.decoded("tzoffsetfrom"), p.decoded("tzoffsetto"))
        for p in block.subcomponents
    ]
    return sorted(found, key=lambda o: o[0])


def rfc_instant(wall: dt.datetime, observances: list[Onset]) -> dt.datetime:
    """RFC 5545's reading of a wall time from the file's observances alone: a time the clock
    skips or repeats takes the offset from before the change; any other time, the offset of the
    last change before it."""
    offset = observances[0][2]
    for onset, before, after in observances:
        jump = after - before
        if (jump > dt.timedelta(0) and onset <= wall < onset + jump) or (
            jump < dt.timedelta(0) and onset + jump <= wall < onset
        ):
            return (wall - before).replace(tzinfo=dt.UTC)
        if wall >= onset:
            offset = after
    return (wall - offset).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("zone", "start", "day"),
    [
        ("America/New_York", "02:30", 0),  # skipped on spring-forward Sunday
        ("America/New_York", "01:30", 0),  # twice on fall-back Sunday
        ("Europe/London", "01:15", 0),
        ("Australia/Sydney", "02:30", 0),
        ("Australia/Lord_Howe", "02:15", 0),
        ("America/Santiago", "00:00", 0),  # Chile changes at midnight
        ("Africa/Casablanca", "02:30", 0),
        ("America/Havana", "00:30", 0),
        ("Asia/Tehran", "19:00", 3),
    ],
)
def test_events_expanded_independently_fall_where_the_reminders_do(zone: str, start: str, day: int):
    chosen = meeting(zone, start, day)
    data = calendar_for([chosen], NOW)
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    observances = onsets(data)
    first = event.decoded("dtstart").replace(tzinfo=None)
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=first)
    walls = rule.between(first, first + TEN_YEARS, inc=True)
    expected = [rfc_instant(wall, observances) for wall in walls]
    starts, after = [], NOW
    while len(starts) < len(expected):
        after = chosen.next_start(after)
        starts.append(after)
    assert starts == expected
