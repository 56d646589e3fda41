"""When a weekly meeting next starts, and when its reminder should fire (pure; no clock of its own).

Days follow the Meeting Guide convention, **0 = Sunday .. 6 = Saturday**. Python's
`date.weekday()` counts **0 = Monday .. 6 = Sunday**; the two meet only in `_guide_day`, which
converts: guide day = (python weekday + 1) % 7.

Every start is computed on the meeting's own wall clock, in its IANA zone, and returned in UTC:

- a weekly 19:00 meeting is at 19:00 local time on both sides of a DST change;
- a wall time that does not exist that day (spring forward: 02:30 on 2026-03-08 in New York)
  is read with the offset from before the jump, as RFC 5545 (3.3.5) says and every calendar app
  does with the bot's `.ics`: 02:30 EST, which is 03:30 EDT;
- a wall time that happens twice (fall back: 01:30 on 2026-11-01 in New York) is the first of the
  two (`fold=0`).

- a reminder a day or more ahead keeps the clock time: "1 day before" a 19:00 meeting is at 19:00
  the day before, also when the clocks change in between (whole days are counted on the
  meeting's wall clock, the rest of the lead in elapsed time); `clock_change_between` says
  whether the clocks change between a reminder and its meeting, for the reminder to say so.

Every `datetime` going in must be aware (any zone); every one coming out is aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Decision = Literal["send", "wait", "missed"]

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
# Enough local days to reach the next start of any weekly meeting, even where a zone skipped a
# whole calendar day (Pacific/Apia skipped 2011-12-30).
_SEARCH_DAYS = 16


def _guide_day(day: date) -> int:
    """Meeting Guide weekday of `day`: Python's Monday=0..Sunday=6 becomes Sunday=0..Saturday=6."""
    return (day.weekday() + 1) % 7


def _check_days(days: Iterable[int]) -> frozenset[int]:
    wanted = frozenset(days)
    if not wanted:
        raise ValueError("a weekly meeting needs at least one day")
    for day in wanted:
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise ValueError(f"days run from 0 (Sunday) to 6 (Saturday), not {day!r}")
    return wanted


def _check_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone)")


def _check_time(start: time) -> None:
    if start.tzinfo is not None:
        raise ValueError("the meeting time is a wall-clock time; give it without a time zone")


def local_start(day: date, start: time, tz: ZoneInfo) -> datetime:
    """The instant (aware UTC) the wall clock in `tz` shows `start` on `day`.

    Ambiguous wall times take their first occurrence; wall times inside a gap are read with
    the offset from before the gap (RFC 5545), so they land as far past the jump as they were
    into it.
    """
    _check_time(start)
    # fold=0 is both rules at once: the earlier of two readings of a repeated time, and the
    # offset from before the jump for a time that does not exist.
    return datetime.combine(day, start, tzinfo=tz).astimezone(UTC)


def next_occurrence(days: Iterable[int], start: time, tz: ZoneInfo, after: datetime) -> datetime:
    """The first start strictly after `after`, as aware UTC.

    `days` use the Meeting Guide convention (0 = Sunday .. 6 = Saturday); `start` is the local wall
    time in `tz`.
    """
    wanted = _check_days(days)
    _check_time(start)
    _check_aware(after, "after")
    after_utc = after.astimezone(UTC)
    # Start a day early: a start on the previous local date can still be after `after` when it
    # was pushed forward through a gap.
    day = after_utc.astimezone(tz).date() - _DAY
    for _ in range(_SEARCH_DAYS):
        if _guide_day(day) in wanted:
            candidate = local_start(day, start, tz)
            if candidate > after_utc:
                return candidate
        day += _DAY
    raise AssertionError("no start found within two weeks")  # unreachable with a valid zone


def occurrences(
    days: Iterable[int], start: time, tz: ZoneInfo, since: datetime, until: datetime
) -> Iterator[datetime]:
    """Every start in the half-open range `[since, until)`, in order, as aware UTC."""
    wanted = _check_days(days)
    _check_aware(since, "since")
    _check_aware(until, "until")
    until_utc = until.astimezone(UTC)
    current = next_occurrence(wanted, start, tz, since.astimezone(UTC) - timedelta(microseconds=1))
    while current < until_utc:
        yield current
        current = next_occurrence(wanted, start, tz, current)


# How far a wall-clock day can differ from 24 hours (a DST change; two hours at most in tzdata).
_LONGEST_SHIFT = timedelta(hours=3)


def reminder_time(occurrence: datetime, lead: timedelta, tz: ZoneInfo) -> datetime:
    """When the reminder `lead` before `occurrence` fires, as aware UTC: whole days of `lead`
    back on the wall clock in `tz` (the same clock time), the rest in elapsed time."""
    _check_aware(occurrence, "occurrence")
    days, rest = divmod(lead, _DAY)
    if not days:
        return occurrence.astimezone(UTC) - lead
    wall = occurrence.astimezone(tz).replace(tzinfo=None) - days * _DAY
    return local_start(wall.date(), wall.time(), tz) - rest


def next_reminder(
    days: Iterable[int], start: time, tz: ZoneInfo, lead: timedelta, after: datetime
) -> tuple[datetime, datetime]:
    """`(fire_at, occurrence)`, both aware UTC, for the earliest start whose reminder time
    (`reminder_time(occurrence, lead, tz)`) is strictly after `after`.

    `lead` must be positive: a reminder at the very start would always be too late to send.
    """
    if lead <= timedelta(0):
        raise ValueError("the reminder lead time must be positive")
    _check_aware(after, "after")
    after_utc = after.astimezone(UTC)
    occurrence = next_occurrence(days, start, tz, after_utc + lead - _LONGEST_SHIFT)
    while (fire_at := reminder_time(occurrence, lead, tz)) <= after_utc:
        occurrence = next_occurrence(days, start, tz, occurrence)
    return fire_at, occurrence


def clock_change_between(since: datetime, until: datetime, tz: ZoneInfo) -> timedelta:
    """How far the clocks in `tz` move between `since` and `until` (forward: positive);
    zero when they do not change."""
    _check_aware(since, "since")
    _check_aware(until, "until")
    before, after = since.astimezone(tz).utcoffset(), until.astimezone(tz).utcoffset()
    assert before is not None and after is not None  # a ZoneInfo always has an offset
    return after - before


def due_decision(fire_at: datetime, occurrence: datetime, now: datetime) -> Decision:
    """What to do with a reminder at `now`.

    "wait" before its fire time; "send" from then on, even late (the bot was down), as long as the
    meeting has not begun; "missed" once it has begun (at its start and after): a reminder for a
    meeting already under way is never sent.
    """
    _check_aware(fire_at, "fire_at")
    _check_aware(occurrence, "occurrence")
    _check_aware(now, "now")
    if now >= occurrence:
        return "missed"
    if now < fire_at:
        return "wait"
    return "send"
