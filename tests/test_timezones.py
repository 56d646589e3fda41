"""Which time zone people mean by what they type (bot/timezones.py)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

import pytest

from bot.timezones import COMMON_ZONES, find_zones, zone_code, zone_from_code, zone_label


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
    assert find_zones("UTC+2") == ["Etc/GMT-2"]  # POSIX sign: two hours ahead of UTC
    assert find_zones("gmt -5") == ["Etc/GMT+5"]
    assert find_zones("utc+0") == ["UTC"]


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
