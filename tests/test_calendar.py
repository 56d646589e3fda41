"""Meetings as .ics files (bot/calendar.py), read back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar

from bot.calendar import calendar_for
from bot.meetings import Meeting

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # a Sunday, a week before DST starts in the US


def meeting(**fields) -> Meeting:
    base = {
        "name": "Tuesday Night",
        "slug": "tuesday-night",
        "day": 2,
        "time": "19:00",
        "end_time": "20:30",
        "timezone": "America/New_York",
    }
    return Meeting.model_validate(base | fields)


def events(data: bytes) -> list:
    return Calendar.from_ical(data).walk("VEVENT")


def test_calendar_has_the_required_properties():
    calendar = Calendar.from_ical(calendar_for([meeting()], NOW))
    assert calendar["VERSION"] == "2.0"
    assert "Recovery Companion" in str(calendar["PRODID"])


def test_event_repeats_weekly_on_the_meeting_days_in_its_own_zone():
    (event,) = events(calendar_for([meeting(day=[1, 3, 5])], NOW))
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event["RRULE"]["BYDAY"] == ["MO", "WE", "FR"]
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert start.tzinfo is not None and start.tzinfo.key == "America/New_York"
    assert (start.date().isoformat(), start.time()) == ("2026-03-02", time(19, 0))
    assert event.decoded("DTEND") - start == timedelta(hours=1, minutes=30)
    assert str(event["UID"]) == "tuesday-night@recovery-companion"
    assert event.decoded("DTSTAMP") == NOW


def test_first_start_is_the_next_one_after_now():
    (event,) = events(calendar_for([meeting()], datetime(2026, 3, 4, 0, 30, tzinfo=UTC)))
    # 2026-03-03 19:00 in New York is 00:00 UTC on the 4th: already begun, so the next week's.
    assert event.decoded("DTSTART").date().isoformat() == "2026-03-10"


def test_each_zone_used_has_a_vtimezone():
    data = calendar_for([meeting(), meeting(slug="other", timezone="Europe/London")], NOW)
    calendar = Calendar.from_ical(data)
    zones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    assert zones == {"America/New_York", "Europe/London"}
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [
        "tuesday-night@recovery-companion",
        "other@recovery-companion",
    ]


def test_a_dst_zone_meeting_keeps_its_local_time_across_the_change():
    (event,) = events(calendar_for([meeting()], NOW))
    start = event.decoded("DTSTART")
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
    weeks = list(rule[:4])  # 3, 10, 17, 24 March: DST starts in New York on 8 March
    assert all(w.astimezone(ZoneInfo("America/New_York")).time() == time(19, 0) for w in weeks)
    offsets = {w.utcoffset() for w in weeks}
    assert offsets == {timedelta(hours=-5), timedelta(hours=-4)}
    assert [w.astimezone(UTC).hour for w in weeks] == [0, 23, 23, 23]


def test_online_meeting_has_its_link_as_location_and_url(content):
    online = meeting(
        conference_url="https://example.org/join/x",
        conference_url_notes="Passcode: calm",
        conference_phone="+1-555-0100",
        notes="Cameras optional.",
        types=["O", "DD"],
    )
    (event,) = events(calendar_for([online], NOW, content.pack("en")))
    assert str(event["LOCATION"]) == "https://example.org/join/x"
    assert str(event["URL"]) == "https://example.org/join/x"
    description = str(event["DESCRIPTION"])
    for part in ("Passcode: calm", "+1-555-0100", "Cameras optional.", "Dual diagnosis"):
        assert part in description


def test_a_spanish_reader_gets_the_program_and_types_in_spanish(content):
    (event,) = events(calendar_for([meeting(types=["O", "DD"])], NOW, content.pack("es")))
    description = str(event["DESCRIPTION"])
    assert "Alcohólicos Anónimos" in description and "Diagnóstico dual" in description
    assert "Dual diagnosis" not in description


def test_in_person_meeting_has_its_address_as_location():
    hall = meeting(location="Example Hall", formatted_address="1 Example St, Boston, MA, USA")
    (event,) = events(calendar_for([hall], NOW))
    assert str(event["LOCATION"]) == "Example Hall, 1 Example St, Boston, MA, USA"
    assert "URL" not in event


def test_a_meeting_past_midnight_ends_the_next_day():
    (event,) = events(calendar_for([meeting(time="23:00", end_time="00:00")], NOW))
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)


def test_the_google_calendar_link_repeats_on_the_meetings_own_clock():
    from urllib.parse import parse_qs, urlparse
    from zoneinfo import ZoneInfo

    from bot.calendar_links import google_calendar_url

    m = meeting(
        day=[1, 4],
        time="19:00",
        end_time="20:30",
        location="Example Hall",
        formatted_address="1 Example St, Boston, MA 02101, USA",
    )
    url = urlparse(google_calendar_url(m, NOW, "Alcoholics Anonymous"))
    assert (url.scheme, url.netloc, url.path) == (
        "https",
        "calendar.google.com",
        "/calendar/render",
    )
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["action"] == "TEMPLATE" and query["text"] == "Tuesday Night"
    assert query["ctz"] == "America/New_York" and query["recur"] == "RRULE:FREQ=WEEKLY;BYDAY=MO,TH"
    assert query["location"] == "Example Hall, 1 Example St, Boston, MA 02101, USA"
    start_text, end_text = query["dates"].split("/")
    start = datetime.strptime(start_text, "%Y%m%dT%H%M%S")
    assert datetime.strptime(end_text, "%Y%m%dT%H%M%S") - start == timedelta(hours=1, minutes=30)
    # Expanded by dateutil in its zone, the series falls where the reminders do, DST included.
    zone = ZoneInfo("America/New_York")
    rule = rrulestr(query["recur"].removeprefix("RRULE:"), dtstart=start)
    expanded = [w.replace(tzinfo=zone).astimezone(UTC) for w in rule[:10]]
    starts, after = [], NOW
    for _ in range(10):
        after = m.next_start(after)
        starts.append(after)
    assert expanded == starts
