"""Weekly meeting recurrence across DST, and reminder planning (scheduler/recurrence.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.views.reminders import format_relative
from scheduler.recurrence import (
    clock_change_between,
    due_decision,
    local_start,
    next_occurrence,
    next_reminder,
    occurrences,
    reminder_time,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")
PHOENIX = ZoneInfo("America/Phoenix")
TOKYO = ZoneInfo("Asia/Tokyo")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # DST moves the clock by 30 minutes
SANTIAGO = ZoneInfo("America/Santiago")  # DST changes at midnight

SUN, MON, TUE, WED, THU, FRI, SAT = range(7)  # Meeting Guide days: 0 = Sunday


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def guide_day(day: date) -> int:
    """Meeting Guide day of a date, from isoweekday (Monday = 1 .. Sunday = 7)."""
    return day.isoweekday() % 7


# --- DST edges, zone by zone --------------------------------------------------------------------


def test_weekly_evening_meeting_keeps_its_wall_time_across_us_spring_forward():
    starts = list(occurrences([SUN], time(19), NEW_YORK, utc(2026, 3, 1), utc(2026, 3, 16)))
    assert starts == [utc(2026, 3, 2, 0), utc(2026, 3, 8, 23), utc(2026, 3, 15, 23)]
    assert all(s.astimezone(NEW_YORK).time() == time(19) for s in starts)
    assert all(s.tzinfo is UTC for s in starts)


def test_missing_time_on_us_spring_forward_is_read_before_the_jump():
    # RFC 5545 3.3.5: a time inside the gap takes the offset from before it, so 02:30 EST is
    # 03:30 EDT, where every calendar app puts the bot's .ics event too.
    start = next_occurrence([SUN], time(2, 30), NEW_YORK, utc(2026, 3, 7))
    assert start == utc(2026, 3, 8, 7, 30)
    assert start.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)
    # The first moment of the gap is the jump itself, and the week after is back to 02:30.
    assert next_occurrence([SUN], time(2), NEW_YORK, utc(2026, 3, 7)) == utc(2026, 3, 8, 7)
    after = next_occurrence([SUN], time(2, 30), NEW_YORK, start)
    assert after.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 3, 15, 2, 30)


def test_ambiguous_time_on_us_fall_back_takes_the_first():
    first = next_occurrence([SUN], time(1, 30), NEW_YORK, utc(2026, 10, 31))
    assert first == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, not 01:30 EST (06:30Z)
    # Between the two 01:30s the meeting has happened: the next one is a week later.
    assert next_occurrence([SUN], time(1, 30), NEW_YORK, first) == utc(2026, 11, 8, 6, 30)
    assert next_occurrence([SUN], time(1, 30), NEW_YORK, utc(2026, 11, 1, 6)) == utc(
        2026, 11, 8, 6, 30
    )


def test_us_fall_back_evening_meeting():
    starts = list(occurrences([SAT, SUN], time(19), NEW_YORK, utc(2026, 10, 31), utc(2026, 11, 3)))
    assert starts == [utc(2026, 10, 31, 23), utc(2026, 11, 2, 0)]


def test_london_spring_forward_and_fall_back():
    # 2026-03-29: 01:00 GMT -> 02:00 BST, so 01:30 does not exist.
    assert next_occurrence([SUN], time(1, 30), LONDON, utc(2026, 3, 28)) == utc(
        2026, 3, 29, 1, 30
    )  # 02:30 BST
    assert next_occurrence([SUN], time(19), LONDON, utc(2026, 3, 28)) == utc(2026, 3, 29, 18)
    assert next_occurrence([SUN], time(19), LONDON, utc(2026, 3, 22)) == utc(2026, 3, 22, 19)
    # 2026-10-25: 02:00 BST -> 01:00 GMT, so 01:30 happens twice: the BST one counts.
    assert next_occurrence([SUN], time(1, 30), LONDON, utc(2026, 10, 24)) == utc(
        2026, 10, 25, 0, 30
    )
    assert next_occurrence([SUN], time(19), LONDON, utc(2026, 10, 24)) == utc(2026, 10, 25, 19)


def test_sydney_fall_back_and_spring_forward():
    # 2026-04-05: 03:00 AEDT -> 02:00 AEST; 02:30 happens twice, the AEDT (+11) one counts.
    first = next_occurrence([SUN], time(2, 30), SYDNEY, utc(2026, 4, 1))
    assert first == utc(2026, 4, 4, 15, 30)
    assert next_occurrence([SUN], time(19), SYDNEY, utc(2026, 4, 1)) == utc(2026, 4, 5, 9)
    # 2026-10-04: 02:00 AEST -> 03:00 AEDT; 02:30 AEST is 03:30 AEDT.
    spring = next_occurrence([SUN], time(2, 30), SYDNEY, utc(2026, 10, 1))
    assert spring == utc(2026, 10, 3, 16, 30)
    assert spring.astimezone(SYDNEY).replace(tzinfo=None) == datetime(2026, 10, 4, 3, 30)
    assert next_occurrence([SUN], time(19), SYDNEY, utc(2026, 10, 1)) == utc(2026, 10, 4, 8)


@pytest.mark.parametrize(
    ("tz", "offset"), [(KOLKATA, (5, 30)), (TOKYO, (9, 0)), (PHOENIX, (-7, 0))]
)
def test_zones_without_dst_are_exactly_a_week_apart(tz: ZoneInfo, offset: tuple[int, int]):
    starts = list(occurrences([MON], time(19), tz, utc(2026, 1, 1), utc(2027, 1, 1)))
    assert len(starts) == 52
    assert all(b - a == timedelta(days=7) for a, b in zip(starts, starts[1:], strict=False))
    shift = timedelta(hours=offset[0], minutes=offset[1] if offset[0] >= 0 else -offset[1])
    assert starts[0] == datetime(2026, 1, 5, 19, tzinfo=UTC) - shift
    assert all(guide_day(s.astimezone(tz).date()) == MON for s in starts)


def test_kolkata_is_untouched_by_other_zones_dst():
    start = next_occurrence([SUN], time(2, 30), KOLKATA, utc(2026, 3, 7))
    assert start == utc(2026, 3, 7, 21)  # 02:30 IST on Sunday 2026-03-08


def test_half_hour_dst_in_lord_howe():
    # 2026-10-04: 02:00 -> 02:30 (+10:30 -> +11); 02:15 at +10:30 is 02:45 at +11.
    start = next_occurrence([SUN], time(2, 15), LORD_HOWE, utc(2026, 10, 1))
    assert start.astimezone(LORD_HOWE).replace(tzinfo=None) == datetime(2026, 10, 4, 2, 45)


def test_a_skipped_calendar_day():
    # Samoa skipped Friday 2011-12-30 (-10 -> +14): read with the offset from before, the
    # Friday meeting's 19:00 is Saturday's 19:00, as a calendar app would show it.
    apia = ZoneInfo("Pacific/Apia")
    start = next_occurrence([FRI], time(19), apia, utc(2011, 12, 27))
    assert start == utc(2011, 12, 31, 5)
    assert start.astimezone(apia).replace(tzinfo=None) == datetime(2011, 12, 31, 19, 0)
    following = next_occurrence([FRI], time(19), apia, start)
    assert following.astimezone(apia).replace(tzinfo=None) == datetime(2012, 1, 6, 19, 0)


def test_days_use_sunday_zero():
    # 2026-03-09 is a Monday, 2026-03-14 a Saturday.
    assert next_occurrence([MON], time(9), TOKYO, utc(2026, 3, 8)) == utc(2026, 3, 9, 0)
    assert next_occurrence([SAT], time(9), TOKYO, utc(2026, 3, 8)) == utc(2026, 3, 14, 0)
    assert next_occurrence([SUN], time(9), TOKYO, utc(2026, 3, 8)) == utc(2026, 3, 15, 0)


def test_strictly_after_and_any_aware_input():
    start = next_occurrence([MON], time(19), NEW_YORK, utc(2026, 3, 9, 23))
    assert start == utc(2026, 3, 16, 23)  # the start itself is not "after" itself
    local_after = datetime(2026, 3, 9, 18, 59, tzinfo=NEW_YORK)
    assert next_occurrence([MON], time(19), NEW_YORK, local_after) == utc(2026, 3, 9, 23)
    assert next_occurrence([MON, MON, WED], time(19), NEW_YORK, local_after) == utc(2026, 3, 9, 23)


def test_occurrences_range_is_half_open():
    since, until = utc(2026, 3, 9, 23), utc(2026, 3, 23, 23)
    assert list(occurrences([MON], time(19), NEW_YORK, since, until)) == [
        since,
        utc(2026, 3, 16, 23),
    ]
    assert list(occurrences([MON], time(19), NEW_YORK, until, since)) == []


def test_local_start():
    assert local_start(date(2026, 3, 8), time(2, 30), NEW_YORK) == utc(2026, 3, 8, 7, 30)
    assert local_start(date(2026, 11, 1), time(1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)


@pytest.mark.parametrize(
    ("days", "start", "after", "message"),
    [
        ([], time(19), utc(2026, 1, 1), "at least one day"),
        ([7], time(19), utc(2026, 1, 1), r"0 \(Sunday\) to 6"),
        ([True], time(19), utc(2026, 1, 1), r"0 \(Sunday\) to 6"),
        ([1], time(19), datetime(2026, 1, 1), "aware"),
        ([1], time(19, tzinfo=UTC), utc(2026, 1, 1), "wall-clock"),
    ],
)
def test_bad_input_is_refused(days: list[int], start: time, after: datetime, message: str):
    with pytest.raises(ValueError, match=message):
        next_occurrence(days, start, NEW_YORK, after)


# --- properties across zones --------------------------------------------------------------------

ZONES = [NEW_YORK, LONDON, SYDNEY, KOLKATA, PHOENIX, TOKYO, LORD_HOWE, SANTIAGO]
TRANSITION_DAYS = [
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 9, 6),
]

zones = st.sampled_from(ZONES)
day_sets = st.frozensets(st.integers(0, 6), min_size=1)
near_transitions = st.builds(
    lambda day, seconds: datetime.combine(day, time(), tzinfo=UTC) + timedelta(seconds=seconds),
    st.sampled_from(TRANSITION_DAYS),
    st.integers(-4 * 86400, 4 * 86400),
)
anywhen = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
afters = st.one_of(near_transitions, anywhen)
# Times around the usual change-over hours come up more often.
any_times = st.one_of(
    st.builds(time, st.integers(0, 3), st.integers(0, 59)),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)
quarter_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


def _transitions(tz: ZoneInfo, first_year: int = 2024, last_year: int = 2028) -> list[datetime]:
    """Every instant (UTC, to the minute) the zone's offset changes in the years given."""
    found: list[datetime] = []
    now, end = utc(first_year, 1, 1), utc(last_year + 1, 1, 1)
    offset = now.astimezone(tz).utcoffset()
    while now < end:
        later = now + timedelta(hours=6)
        if later.astimezone(tz).utcoffset() != offset:
            lo, hi = now, later
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == offset:
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
            offset = later.astimezone(tz).utcoffset()
        now = later
    return found


TRANSITIONS = {tz: _transitions(tz) for tz in ZONES}


@st.composite
def cases(
    draw: st.DrawFn, quarter: bool = False
) -> tuple[ZoneInfo, frozenset[int], time, datetime]:
    """A meeting and an `after`; half of them aimed at a DST change of the meeting's zone:
    `after` within the week before it, the meeting on its local day, at a wall time near it
    (inside the gap or the repeated hour, or just around them)."""
    tz = draw(zones)
    days = draw(day_sets)
    times = quarter_times if quarter else any_times
    if not TRANSITIONS[tz] or draw(st.booleans()):
        return tz, days, draw(times), draw(afters)
    change = draw(st.sampled_from(TRANSITIONS[tz]))
    wall_after = change.astimezone(tz).replace(tzinfo=None)
    wall_before = (change - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None)
    low = min(wall_after, wall_before) - timedelta(minutes=90)
    steps = 15 if quarter else 1
    span = int((max(wall_after, wall_before) + timedelta(minutes=90) - low).total_seconds() // 60)
    wall = low + timedelta(minutes=draw(st.integers(0, span // steps)) * steps)
    wall = wall.replace(second=0, microsecond=0)
    if quarter:
        wall = wall.replace(minute=wall.minute - wall.minute % 15)
    days = days | {guide_day(wall.date())}
    after = change + timedelta(seconds=draw(st.integers(-8 * 86400, 3600)))
    return tz, days, wall.time(), after


def _exists(day: date, start: time, tz: ZoneInfo) -> bool:
    wall = datetime.combine(day, start)
    return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall


def _read_before_the_jump(day: date, start: time, tz: ZoneInfo) -> datetime:
    """RFC 5545's instant for a wall time the clock skips: the wall time minus the offset in
    force before the jump (taken a day earlier, clear of the change)."""
    wall = datetime.combine(day, start)
    offset = (wall - timedelta(days=1)).replace(tzinfo=tz).utcoffset()
    assert offset is not None
    return (wall - offset).replace(tzinfo=UTC)


def _check_start(days: frozenset[int], start: time, tz: ZoneInfo, result: datetime) -> date:
    """The result is the meeting time on a meeting day, or a time the clock skipped that day,
    read with the offset from before the jump.

    Returns the local date the start belongs to.
    """
    local = result.astimezone(tz)
    wall = local.replace(tzinfo=None)
    if local.time() == start:
        assert guide_day(local.date()) in days
        return local.date()
    for day in (local.date(), local.date() - timedelta(days=1)):
        skipped = guide_day(day) in days and not _exists(day, start, tz)
        if skipped and _read_before_the_jump(day, start, tz) == result:
            return day
    raise AssertionError(f"{wall} is neither {start} nor a skipped {start} read before the jump")


@settings(max_examples=400, deadline=None)
@given(case=cases())
def test_next_occurrence_properties(case: tuple[ZoneInfo, frozenset[int], time, datetime]):
    tz, days, start, after = case
    result = next_occurrence(days, start, tz, after)
    assert result > after
    assert result.utcoffset() == timedelta(0)
    _check_start(days, start, tz, result)
    # No earlier start: every meeting day between `after` and the result starts at or before
    # `after` (the first reading of an ambiguous time, a skipped one read before the jump).
    day = after.astimezone(tz).date() - timedelta(days=1)
    while day <= result.astimezone(tz).date():
        if guide_day(day) in days:
            wall = datetime.combine(day, start, tzinfo=tz)
            exists = _exists(day, start, tz)
            candidate = wall.astimezone(UTC) if exists else _read_before_the_jump(day, start, tz)
            assert candidate <= after or candidate >= result
        day += timedelta(days=1)
    # Asking again from just before the result gives the result.
    assert next_occurrence(days, start, tz, result - timedelta(microseconds=1)) == result


@settings(max_examples=300, deadline=None)
@given(case=cases(), pick=st.integers(0, 6))
def test_single_day_meeting_is_seven_local_days_apart(
    case: tuple[ZoneInfo, frozenset[int], time, datetime], pick: int
):
    tz, days, start, after = case
    day = sorted(days)[pick % len(days)]
    first = next_occurrence([day], start, tz, after)
    second = next_occurrence([day], start, tz, first)
    first_day = _check_start(frozenset([day]), start, tz, first)
    second_day = _check_start(frozenset([day]), start, tz, second)
    assert second_day - first_day == timedelta(days=7)
    if tz in (KOLKATA, PHOENIX, TOKYO):
        assert second - first == timedelta(days=7)


def _brute_force(days: frozenset[int], start: time, tz: ZoneInfo, after: datetime) -> datetime:
    """Walk UTC in quarter hours and watch the local clock reach the meeting time on a meeting day.

    Each local date counts once (its first crossing): that is "the first of two" on fall-back
    days. On spring-forward days the clock jumps over the time; the start is then where the
    clock would have shown it without the jump (RFC 5545). Exact for times on quarter hours in
    zones whose offsets and changes are on quarter hours.
    """
    step = timedelta(minutes=15)
    now = after.replace(minute=after.minute - after.minute % 15, second=0, microsecond=0)
    now -= timedelta(days=2)
    previous = now.astimezone(tz).replace(tzinfo=None)
    reached: set[date] = set()
    for _ in range(20 * 96):
        now += step
        wall = now.astimezone(tz).replace(tzinfo=None)
        for day in {previous.date(), wall.date()}:
            target = datetime.combine(day, start)
            if day not in reached and guide_day(day) in days and previous < target <= wall:
                reached.add(day)
                skipped = wall - previous > step and target < wall
                instant = now - step + (target - previous) if skipped else now
                if instant > after:
                    return instant
        previous = wall
    raise AssertionError("no start within 20 days")


@settings(max_examples=300, deadline=None)
@given(case=cases(quarter=True))
def test_next_occurrence_matches_brute_force(case: tuple[ZoneInfo, frozenset[int], time, datetime]):
    tz, days, start, after = case
    assert next_occurrence(days, start, tz, after) == _brute_force(days, start, tz, after)


@settings(max_examples=150, deadline=None)
@given(
    case=cases(),
    lead=st.sampled_from(
        [timedelta(days=1), timedelta(hours=2), timedelta(hours=1), timedelta(minutes=30)]
        + [timedelta(minutes=15)]
    ),
)
def test_next_reminder_properties(
    case: tuple[ZoneInfo, frozenset[int], time, datetime], lead: timedelta
):
    tz, days, start, after = case
    fire_at, occurrence = next_reminder(days, start, tz, lead, after)
    assert fire_at == reminder_time(occurrence, lead, tz)
    assert fire_at > after
    _check_start(days, start, tz, occurrence)
    # The earliest such start: any start before it fires at or before `after`.
    earlier = [
        s for s in occurrences(days, start, tz, after - timedelta(days=8), occurrence) if s > after
    ]
    assert all(reminder_time(s, lead, tz) <= after for s in earlier)
    assert due_decision(fire_at, occurrence, after) == "wait"
    assert due_decision(fire_at, occurrence, fire_at) == "send"


# --- reminders -----------------------------------------------------------------------------------

MONDAY_7PM = ([MON], time(19), NEW_YORK)


@pytest.mark.parametrize(
    ("lead", "fire_at"),
    [
        (timedelta(days=1), utc(2026, 3, 15, 23)),
        (timedelta(hours=2), utc(2026, 3, 16, 21)),
        (timedelta(hours=1), utc(2026, 3, 16, 22)),
        (timedelta(minutes=30), utc(2026, 3, 16, 22, 30)),
        (timedelta(minutes=15), utc(2026, 3, 16, 22, 45)),
    ],
)
def test_next_reminder_lead_times(lead: timedelta, fire_at: datetime):
    after = utc(2026, 3, 10)
    assert next_reminder(*MONDAY_7PM, lead, after) == (fire_at, utc(2026, 3, 16, 23))


def test_next_reminder_skips_a_start_whose_reminder_time_has_passed():
    # 18:30 on the Monday: the 1 hour reminder for 19:00 is past, so plan next week's.
    after = utc(2026, 3, 16, 22, 30)
    fire_at, occurrence = next_reminder(*MONDAY_7PM, timedelta(hours=1), after)
    assert (fire_at, occurrence) == (utc(2026, 3, 23, 22), utc(2026, 3, 23, 23))
    # Exactly at the fire time: that one is being sent, so plan the next.
    again = next_reminder(*MONDAY_7PM, timedelta(hours=1), utc(2026, 3, 16, 22))
    assert again == (utc(2026, 3, 23, 22), utc(2026, 3, 23, 23))
    # The 15 minute reminder for today is still ahead.
    assert next_reminder(*MONDAY_7PM, timedelta(minutes=15), after)[1] == utc(2026, 3, 16, 23)


def test_a_lead_of_a_day_or_more_keeps_the_clock_time_across_a_clock_change():
    # Sunday 2026-03-08 19:00 EDT; "1 day before" is Saturday 19:00 EST (23 hours before).
    fire_at, occurrence = next_reminder(
        [SUN], time(19), NEW_YORK, timedelta(days=1), utc(2026, 3, 1, 1)
    )
    assert occurrence == utc(2026, 3, 8, 23)
    assert fire_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 3, 7, 19)
    assert clock_change_between(fire_at, occurrence, NEW_YORK) == timedelta(hours=1)
    # Falling back (Sunday 2026-11-01): Saturday 19:00 EDT, 25 hours before.
    fire_at, occurrence = next_reminder(
        [SUN], time(19), NEW_YORK, timedelta(days=1), utc(2026, 10, 25, 1)
    )
    assert fire_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 10, 31, 19)
    assert occurrence - fire_at == timedelta(hours=25)
    assert clock_change_between(fire_at, occurrence, NEW_YORK) == timedelta(hours=-1)
    # A day and an hour: the day on the clock, the hour elapsed (Saturday 18:00 EST).
    fire_at, _ = next_reminder([SUN], time(19), NEW_YORK, timedelta(hours=25), utc(2026, 3, 1, 1))
    assert fire_at.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 3, 7, 18)
    # Shorter leads are elapsed time: 2 hours before 19:00 EDT.
    assert reminder_time(utc(2026, 3, 8, 23), timedelta(hours=2), NEW_YORK) == utc(2026, 3, 8, 21)
    assert clock_change_between(utc(2026, 3, 9), utc(2026, 3, 10), NEW_YORK) == timedelta(0)


def test_next_reminder_refuses_a_non_positive_lead():
    with pytest.raises(ValueError, match="positive"):
        next_reminder(*MONDAY_7PM, timedelta(0), utc(2026, 3, 10))


def test_due_decision():
    fire_at, occurrence = utc(2026, 3, 16, 22), utc(2026, 3, 16, 23)
    assert due_decision(fire_at, occurrence, fire_at - timedelta(seconds=1)) == "wait"
    assert due_decision(fire_at, occurrence, fire_at) == "send"
    # Late (the bot was down) but the meeting has not begun: still send.
    assert due_decision(fire_at, occurrence, occurrence - timedelta(minutes=1)) == "send"
    # Once the meeting has begun it is too late.
    assert due_decision(fire_at, occurrence, occurrence) == "missed"
    assert due_decision(fire_at, occurrence, occurrence + timedelta(hours=3)) == "missed"
    # Any aware zone compares by instant.
    local_now = datetime(2026, 3, 16, 18, 30, tzinfo=NEW_YORK)
    assert due_decision(fire_at, occurrence, local_now) == "send"
    with pytest.raises(ValueError, match="aware"):
        due_decision(fire_at, occurrence, datetime(2026, 3, 16, 22, 30))


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=1), "in 1 hour"),
        (timedelta(minutes=30), "in 30 minutes"),
        (timedelta(days=1), "in 1 day"),
        (timedelta(hours=2, minutes=15), "in 2 hours 15 minutes"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(minutes=15), "in 15 minutes"),
        (timedelta(hours=2), "in 2 hours"),
        (timedelta(minutes=59, seconds=50), "in 1 hour"),
        (timedelta(hours=23, minutes=59, seconds=40), "in 1 day"),
        (timedelta(days=1, hours=2, minutes=40), "in 1 day 3 hours"),
        (timedelta(days=3), "in 3 days"),
        (timedelta(seconds=20), "now"),
        (timedelta(0), "now"),
        (timedelta(minutes=-5), "5 minutes ago"),
    ],
)
def test_format_relative(delta: timedelta, text: str):
    assert format_relative(delta) == text
