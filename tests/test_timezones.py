"""Which time zone people mean by what they type (bot/timezones.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

import pytest

from bot.timezones import (
    COMMON_ZONES,
    city_name,
    find_zones,
    place_named,
    zone_code,
    zone_from_code,
    zone_label,
)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("  AMERICA/NEW_YORK ", "America/New_York"),
        ("US/Eastern", "US/Eastern"),
        ("london", "Europe/London"),
        ("New York", "America/New_York"),
        ("new-york", "America/New_York"),
        ("los angeles", "America/Los_Angeles"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Zürich", "Europe/Zurich"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("kolkata", "Asia/Kolkata"),
    ],
)
def test_names_and_cities(text, zone):
    assert find_zones(text) == [zone]


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("EST", "America/New_York"),
        ("edt", "America/New_York"),
        ("Eastern", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("Pacific", "America/Los_Angeles"),
        ("CST", "America/Chicago"),
        ("Central", "America/Chicago"),
        ("MST", "America/Denver"),
        ("Mountain", "America/Denver"),
        ("GMT", "Europe/London"),
        ("UK", "Europe/London"),
        ("BST", "Europe/London"),
        ("IST", "Asia/Kolkata"),
        ("AEST", "Australia/Sydney"),
        ("CET", "Europe/Berlin"),
        ("UTC", "UTC"),
    ],
)
def test_abbreviations(text, zone):
    assert find_zones(text) == [zone]


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("ireland", "Europe/Dublin"),
        ("India", "Asia/Kolkata"),
        ("germany", "Europe/Berlin"),
        ("Japan", "Asia/Tokyo"),
        ("philippines", "Asia/Manila"),
        ("boston", "America/New_York"),
        ("San Francisco", "America/Los_Angeles"),
        ("seattle", "America/Los_Angeles"),
        ("dublin", "Europe/Dublin"),
        ("Manchester", "Europe/London"),
        ("mumbai", "Asia/Kolkata"),
        ("delhi", "Asia/Kolkata"),
        ("toronto", "America/Toronto"),
        ("vancouver", "America/Vancouver"),
        ("melbourne", "Australia/Melbourne"),
        ("brisbane", "Australia/Brisbane"),
        ("auckland", "Pacific/Auckland"),
        ("istanbul", "Europe/Istanbul"),
    ],
)
def test_countries_and_big_cities(text, zone):
    assert find_zones(text) == [zone]


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("lodnon", "Europe/London"),
        ("new yrok", "America/New_York"),
        ("sydnye", "Australia/Sydney"),
        ("bostn", "America/New_York"),
        ("sao paolo", "America/Sao_Paulo"),
        ("tokio", "Asia/Tokyo"),
    ],
)
def test_typos(text, zone):
    assert find_zones(text)[0] == zone


def test_countries_with_several_zones_offer_the_main_ones():
    assert find_zones("USA")[:4] == [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
    ]
    assert len(find_zones("australia", limit=3)) == 3


def test_start_of_a_name_is_enough():
    assert find_zones("buenos") == ["America/Argentina/Buenos_Aires"]


def test_offsets():
    """The places people live at that offset, never Etc/GMT-10 (its sign inverted, no daylight
    saving); the ones at that offset at the moment first."""
    assert find_zones("gmt+10")[:2] == ["Australia/Sydney", "Australia/Brisbane"]
    march = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)  # Sydney is on daylight time, +11
    assert find_zones("+10", now=march)[0] == "Australia/Brisbane"
    assert "Australia/Sydney" in find_zones("+10", now=march)
    assert find_zones("utc-5")[0] == "America/New_York"
    assert find_zones("gmt -5")[0] == "America/New_York"
    assert find_zones("UTC+2", now=dt.datetime(2026, 1, 15, tzinfo=dt.UTC))[0] == "Europe/Helsinki"
    assert find_zones("+5:30") == ["Asia/Kolkata", "Asia/Colombo"]
    assert find_zones("utc+0")[0] == "UTC"
    for text in ("gmt+10", "utc-5", "+3", "UTC+14", "gmt-11"):
        assert find_zones(text) and not any(z.startswith("Etc/") for z in find_zones(text))


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("ciudad de méxico", "America/Mexico_City"),
        ("Ciudad de Mexico", "America/Mexico_City"),
        ("nueva york", "America/New_York"),
        ("Nueva York", "America/New_York"),
        ("los ángeles", "America/Los_Angeles"),
        ("bogotá", "America/Bogota"),
        ("londres", "Europe/London"),
        ("sídney", "Australia/Sydney"),
        ("la habana", "America/Havana"),
    ],
)
def test_spanish_names_of_cities_are_found(text, zone):
    assert find_zones(text)[0] == zone


def test_people_are_shown_city_names_in_their_language():
    assert city_name("Australia/Sydney") == "Sydney"
    assert city_name("America/New_York", "es") == "Nueva York"
    assert city_name("America/Mexico_City", "es") == "Ciudad de México"
    assert city_name("Asia/Kathmandu", "es") == "Kathmandu"


@pytest.mark.parametrize(
    "text", ["", "   ", "???", "asdfgh", "xyzzy qqq", "hello", "what time is it", "ab", "Europe"]
)
def test_garbage_finds_nothing(text):
    assert find_zones(text) == []


def test_results_are_real_zones_and_respect_the_limit():
    zones = available_timezones()
    for text in ("usa", "canada", "san", "lodnon", "europe/paris"):
        found = find_zones(text, limit=2)
        assert len(found) <= 2
        assert all(z in zones for z in found)


def test_common_zones_are_real_and_have_codes():
    assert 8 <= len(COMMON_ZONES) <= 12
    for zone in COMMON_ZONES:
        ZoneInfo(zone)
        assert zone_from_code(zone_code(zone)) == zone


def test_zone_codes_round_trip_and_fit_a_payload():
    for zone in available_timezones() - {"localtime", "posixrules", "Factory"}:
        code = zone_code(zone)
        if "+" in zone:
            assert code is None
            continue
        assert code is not None and len(code) <= 40
        assert zone_from_code(code) == zone
    assert zone_from_code("mars.olympus_mons") is None
    assert zone_from_code("") is None


def test_labels():
    assert zone_label("America/New_York") == "New York"
    assert zone_label("UTC") == "UTC"


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("i'm in boston", "America/New_York"),
        ("I live in Madrid.", "Europe/Madrid"),
        ("im in sydney right now", "Australia/Sydney"),
        ("estoy en madrid", "Europe/Madrid"),
        ("vivo en buenos aires", "America/Argentina/Buenos_Aires"),
        ("vivo en la paz", "America/La_Paz"),
        # No place, a country of several zones, or a short word that is mostly something else.
        ("i'm in a meeting", None),
        ("i'm in pain", None),
        ("i am in the usa", None),
        ("estoy en la calle", None),
        ("boston", None),  # no sentence saying one is there: the /timezone search reads it
    ],
)
def test_a_place_someone_says_they_are_in(text: str, zone: str | None):
    assert place_named(text) == zone
