"""Reading typed days and times the way people write them (English and Spanish)."""

from __future__ import annotations

import pytest

from bot.personal import DaysReading, TimeReading, parse_days, parse_time, read_days, read_time
from bot.yamlfile import load_yaml
from tests.conftest import ROOT

DEV = ROOT / "tests" / "corpora" / "dev"


def _cases(name: str, key: str) -> list[dict]:
    """The development split's cases (tests/corpora/dev/) that carry `key`."""
    loaded = load_yaml(DEV / name).data["cases"]
    return [case for case in loaded if key in case]


@pytest.mark.parametrize("case", _cases("days.yaml", "days") + _cases("days.yaml", "unclear"))
def test_days(case: dict) -> None:
    days = tuple(case.get("days", ()))
    assert read_days(case["text"]) == DaysReading(days)
    assert parse_days(case["text"]) == days


@pytest.mark.parametrize("case", _cases("days.yaml", "not_weekly"))
def test_patterns_a_weekly_reminder_cannot_keep_are_refused(case: dict) -> None:
    assert read_days(case["text"]) == DaysReading(refused="irregular")
    assert parse_days(case["text"]) == ()


def test_a_day_only_excluded_is_not_taken_as_that_day() -> None:
    assert read_days("not on mondays") == DaysReading(refused="only_except")


@pytest.mark.parametrize("case", _cases("times.yaml", "time"))
def test_times(case: dict) -> None:
    assert read_time(case["text"]) == TimeReading(case["time"])
    assert parse_time(case["text"]) == case["time"]


@pytest.mark.parametrize("case", _cases("times.yaml", "either"))
def test_a_bare_hour_is_ambiguous_not_silently_morning(case: dict) -> None:
    assert read_time(case["text"]) == TimeReading(either=tuple(case["either"]))
    assert parse_time(case["text"]) is None


@pytest.mark.parametrize("text", [c["text"] for c in _cases("times.yaml", "unclear")] + [""])
def test_what_is_not_a_time_is_refused(text: str) -> None:
    assert read_time(text) == TimeReading()


@pytest.mark.parametrize(
    "text", ["monday or tuesday", "martes o jueves", "tuesdays but thursday too",
             "tuesday and thursday, sometimes saturday", "domingos (a veces sábados)"]
)  # fmt: skip
def test_days_offered_as_a_maybe_are_asked_about_not_all_kept(text: str) -> None:
    assert read_days(text) == DaysReading(refused="choice")


@pytest.mark.parametrize("text", ["no los lunes", "no sundays", "never on sunday", "sin domingos"])
def test_a_negated_day_is_left_out_not_taken(text: str) -> None:
    assert read_days(text) == DaysReading(refused="only_except")
