"""The directory's kept schedule lists what a meeting-by-meeting calendar walk lists.

The oracle below is the plain way (every meeting's starts worked out from the recurrence rules,
the first one under way or to come in the week kept); the schedule must agree with it for any
directory, moment and filter, across clock changes, with closed meetings last.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.meetings import Meeting
from bot.schedule import Schedule
from scheduler.recurrence import occurrences

ZONES = ["America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "UTC"]
# Around the 2026 changes in the US (Mar 8, Nov 1), Europe (Mar 29, Oct 25), Australia (Apr 5).
MOMENTS = st.datetimes(
    min_value=dt.datetime(2026, 3, 1),
    max_value=dt.datetime(2026, 11, 10),
    timezones=st.just(dt.UTC),
)


def oracle(
    meetings: list[Meeting], now: dt.datetime, day: tuple[int, ZoneInfo] | None
) -> list[tuple[str, dt.datetime]]:
    found = []
    for m in meetings:
        for start in occurrences(
            m.day, m.time, m.tz, now - m.duration, now + dt.timedelta(days=7, hours=1)
        ):
            local = start.astimezone(day[1]) if day else start
            if start + m.duration > now and (day is None or (local.weekday() + 1) % 7 == day[0]):
                found.append((m, start))
                break
    found.sort(key=lambda x: (x[0].temporarily_closed, not x[0].is_active, x[1], x[0].name))
    return [(m.slug, start) for m, start in found]


@st.composite
def directories(draw: st.DrawFn) -> list[Meeting]:
    count = draw(st.integers(1, 25))
    meetings = []
    for i in range(count):
        start = draw(st.times().map(lambda t: t.replace(second=0, microsecond=0)))
        end = (
            dt.datetime.combine(dt.date(2000, 1, 1), start)
            + dt.timedelta(minutes=draw(st.sampled_from([30, 60, 90, 600])))
        ).time()
        closed = draw(st.booleans())
        meetings.append(
            Meeting.model_validate(
                {
                    "name": draw(st.sampled_from(["Serenity", "Hope", "Big Book"])),
                    "slug": f"m-{i}",
                    "day": sorted(draw(st.sets(st.integers(0, 6), min_size=1))),
                    "time": f"{start:%H:%M}",
                    "end_time": f"{end:%H:%M}",
                    "timezone": draw(st.sampled_from(ZONES)),
                    "types": ["TC"] if closed else [],
                    "conference_url": "https://example.org/j" if draw(st.booleans()) else None,
                    "address": "1 Main St, Springfield",
                }
            )
        )
    return meetings


@settings(max_examples=150, deadline=None)
@given(
    directories(),
    MOMENTS,
    st.none() | st.tuples(st.integers(0, 6), st.sampled_from(ZONES).map(ZoneInfo)),
    st.lists(MOMENTS, max_size=3),
)
def test_the_schedule_lists_what_each_meetings_own_calendar_gives(
    meetings: list[Meeting],
    now: dt.datetime,
    day: tuple[int, ZoneInfo] | None,
    earlier: list[dt.datetime],
) -> None:
    schedule = Schedule(meetings)
    for moment in earlier:  # whatever was asked before, and whatever window that left behind
        schedule.coming(moment, key="all", keep=lambda m: True)
    listed = schedule.coming(now, key="all", keep=lambda m: True, day=day)
    assert [(x.meeting.slug, x.start) for x in listed] == oracle(meetings, now, day)


def test_a_filter_lists_only_the_meetings_it_keeps_and_is_remembered_by_its_key() -> None:
    online = Meeting.model_validate(
        {
            "name": "Online",
            "slug": "on",
            "day": [1],
            "time": "19:00",
            "timezone": "UTC",
            "conference_url": "https://example.org/j",
        }
    )
    in_person = Meeting.model_validate(
        {
            "name": "Hall",
            "slug": "ip",
            "day": [1],
            "time": "18:00",
            "timezone": "UTC",
            "address": "1 Main St, Springfield",
        }
    )
    schedule = Schedule([online, in_person])
    now = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)  # a Monday: both later today
    asked: list[str] = []

    def only_online(m: Meeting) -> bool:
        asked.append(m.slug)
        return m.is_online

    assert [x.meeting.slug for x in schedule.coming(now, key="on", keep=only_online)] == ["on"]
    assert [x.meeting.slug for x in schedule.coming(now, key="on", keep=only_online)] == ["on"]
    assert sorted(asked) == ["ip", "on"]  # each meeting judged once for that key
    every = schedule.coming(now, key="all", keep=lambda m: True)
    assert [x.meeting.slug for x in every] == ["ip", "on"]  # by start
    assert len(every) == 2 and every[1:] == [every[1]]
