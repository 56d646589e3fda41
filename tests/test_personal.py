"""Reading typed days and times the way people write them (English and Spanish)."""

from __future__ import annotations

import pytest

from bot.personal import DaysReading, TimeReading, parse_days, parse_time, read_days, read_time

SUN, MON, TUE, WED, THU, FRI, SAT = range(7)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("monday", (MON,)),
        ("Mondays and Thursdays", (MON, THU)),
        ("mon wed", (MON, WED)),
        ("every Tuesday", (TUE,)),
        ("mon-fri", (MON, TUE, WED, THU, FRI)),
        ("Mon - Fri", (MON, TUE, WED, THU, FRI)),
        ("mon thru fri", (MON, TUE, WED, THU, FRI)),
        ("tuesday to thursday", (TUE, WED, THU)),
        ("fri-sun", (SUN, FRI, SAT)),
        ("lunes a viernes", (MON, TUE, WED, THU, FRI)),
        ("de lunes a viernes", (MON, TUE, WED, THU, FRI)),
        ("miércoles", (WED,)),
        ("martes y jueves", (TUE, THU)),
        ("weekdays", (MON, TUE, WED, THU, FRI)),
        ("every weekday", (MON, TUE, WED, THU, FRI)),
        ("entre semana", (MON, TUE, WED, THU, FRI)),
        ("weekends", (SUN, SAT)),
        ("every day", tuple(range(7))),
        ("todos los días", tuple(range(7))),
        ("every day except monday", (SUN, TUE, WED, THU, FRI, SAT)),
        ("daily but not sunday", (MON, TUE, WED, THU, FRI, SAT)),
        ("except mondays", (SUN, TUE, WED, THU, FRI, SAT)),
        ("mon-fri except wed", (MON, TUE, THU, FRI)),
        ("thursday, not sure yet about the time", (THU,)),
        ("the one after my therapy", ()),
    ],
)
def test_days(text: str, days: tuple[int, ...]) -> None:
    assert read_days(text) == DaysReading(days)
    assert parse_days(text) == days


@pytest.mark.parametrize(
    "text",
    [
        "every other monday",
        "every 2 weeks on tuesday",
        "biweekly fridays",
        "first sunday of the month",
        "last friday of each month",
        "1st and 3rd wednesday",
        "el primer domingo del mes",
        "cada dos semanas los lunes",
    ],
)
def test_patterns_a_weekly_reminder_cannot_keep_are_refused(text: str) -> None:
    assert read_days(text) == DaysReading(refused="irregular")
    assert parse_days(text) == ()


def test_a_day_only_excluded_is_not_taken_as_that_day() -> None:
    assert read_days("not on mondays") == DaysReading(refused="only_except")


@pytest.mark.parametrize(
    ("text", "time"),
    [
        ("19:00", "19:00"),
        ("7pm", "19:00"),
        ("7 pm", "19:00"),
        ("7p", "19:00"),
        ("7 p.m.", "19:00"),
        ("7:30 pm", "19:30"),
        ("7:30am", "07:30"),
        ("19h", "19:00"),
        ("19h30", "19:30"),
        ("19 hs", "19:00"),
        ("19hs", "19:00"),
        ("1900", "19:00"),
        ("0730", "07:30"),
        ("07:30", "07:30"),
        ("seven pm", "19:00"),
        ("7 in the evening", "19:00"),
        ("7 in the morning", "07:00"),
        ("at 7pm", "19:00"),
        ("half past six pm", "18:30"),
        ("quarter to 8 pm", "19:45"),
        ("midnight", "00:00"),
        ("noon", "12:00"),
        ("12", "12:00"),
        ("7 de la tarde", "19:00"),
        ("a las 8 de la noche", "20:00"),
        ("8 y media de la noche", "20:30"),
        ("7 de la mañana", "07:00"),
        ("mediodía", "12:00"),
        ("18 horas", "18:00"),
        ("6 o'clock pm", "18:00"),
    ],
)
def test_times(text: str, time: str) -> None:
    assert read_time(text) == TimeReading(time)
    assert parse_time(text) == time


@pytest.mark.parametrize(
    ("text", "either"),
    [
        ("7", ("07:00", "19:00")),
        ("7:30", ("07:30", "19:30")),
        ("half past six", ("06:30", "18:30")),
        ("seven", ("07:00", "19:00")),
        ("a las 8", ("08:00", "20:00")),
    ],
)
def test_a_bare_hour_is_ambiguous_not_silently_morning(text: str, either: tuple[str, str]) -> None:
    assert read_time(text) == TimeReading(either=either)
    assert parse_time(text) is None


@pytest.mark.parametrize("text", ["around seven I think", "25:00", "13pm", "7:75", "soon", ""])
def test_what_is_not_a_time_is_refused(text: str) -> None:
    assert read_time(text) == TimeReading()
