"""The meeting directory, Meeting Guide feeds, merging, distance, and the import command."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from pydantic import ValidationError

from bot.content import Content
from bot.meeting_import import FeedError, fetch_url, import_meetings, main
from bot.meetings import (
    LANGUAGE_TYPES,
    PROGRAMS,
    Directory,
    Meeting,
    dump_directory,
    haversine_km,
    load_directory,
    merge,
    nearest,
    parse_feed,
)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "content" / "meetings.yaml"


def meeting(**fields: Any) -> Meeting:
    record: dict[str, Any] = {
        "name": "Test Meeting",
        "slug": "test-meeting",
        "day": 1,
        "time": "19:00",
        "timezone": "America/New_York",
    }
    record.update(fields)
    return Meeting.model_validate(record)


# --- the shipped example directory ----------------------------------------------------------------


def test_shipped_directory_loads_without_problems():
    directory, problems = load_directory(SHIPPED)
    assert [str(p) for p in problems] == []
    assert len(directory) >= 20
    assert {m.program for m in directory} >= {"AA", "NA", "SMART", "DRA", "DTR", "AL-ANON", "CA"}
    assert len({m.timezone for m in directory}) >= 6
    assert len(directory.filter(dual_diagnosis=True)) >= 2
    assert len([m for m in directory if "DD" in m.types]) >= 2
    assert len(directory.filter(newcomer=True)) >= 2
    assert any(m.temporarily_closed for m in directory)
    assert directory.filter(online=True) and directory.filter(in_person=True)


def test_shipped_directory_is_clearly_examples():
    directory, _ = load_directory(SHIPPED)
    assert SHIPPED.read_text().startswith("# EXAMPLE")
    for m in directory:
        assert m.slug.startswith("example-")
        assert m.notes and m.notes.startswith("Example listing")
        for url in (m.conference_url, m.url, m.entity_url):
            if url:
                host = urlparse(url).hostname or ""
                assert host in ("example.org", "example.com"), url
        if m.conference_phone:
            assert "555-01" in m.conference_phone


# Every type code of the Meeting Guide spec's current list (code4recovery/spec, data/types.json
# at 404117a, 2026-03-06), so none is shown to members as a bare code.
SPEC_TYPES = [
    "11",
    "12x12",
    "A",
    "ABSI",
    "AF",
    "AL",
    "AL-AN",
    "AM",
    "AR",
    "ASL",
    "B",
    "BA",
    "BE",
    "BG",
    "BI",
    "BRK",
    "C",
    "CAN",
    "CF",
    "D",
    "DA",
    "DB",
    "DD",
    "DE",
    "DR",
    "EL",
    "EN",
    "FA",
    "FF",
    "FI",
    "FR",
    "G",
    "GR",
    "H",
    "HE",
    "HI",
    "HR",
    "HU",
    "IS",
    "ITA",
    "JA",
    "KA",
    "KOR",
    "L",
    "LGBTQ",
    "LIT",
    "LS",
    "LT",
    "M",
    "MED",
    "ML",
    "MT",
    "N",
    "NB",
    "NDG",
    "NE",
    "NL",
    "NO",
    "O",
    "OUT",
    "P",
    "POA",
    "POC",
    "POL",
    "POR",
    "PUN",
    "RUS",
    "S",
    "SEN",
    "SK",
    "SL",
    "SM",
    "SP",
    "ST",
    "SV",
    "T",
    "TC",
    "TH",
    "TL",
    "TR",
    "TUR",
    "UK",
    "W",
    "X",
    "XB",
    "XT",
    "Y",
]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_spec_type_and_program_has_a_name_in_each_language(content: Content, language):
    pack = content.pack(language)
    unnamed = [c for c in (*SPEC_TYPES, "ONL") if not pack.names.types.get(c)]
    assert unnamed == []
    assert all(pack.names.programs.get(p) for p in PROGRAMS)
    assert set(PROGRAMS) >= {"AA", "NA", "SMART", "DRA", "DTR", "AL-ANON", "NAR-ANON", "CA"}


def test_names_are_in_the_readers_language(content: Content):
    english, spanish = content.pack("en"), content.pack("es")
    assert english.type_name("DD").startswith("Dual diagnosis")
    assert spanish.type_name("DD").startswith("Diagnóstico dual")
    assert spanish.type_name("S") == "Español" and english.type_name("S") == "Spanish"
    assert spanish.program_name("NA") == "Narcóticos Anónimos"


def test_na_directories_codes_mean_the_same_as_the_specs():
    m = meeting(types=["BEG", "spk", "DISC", "CLOSED", "WCHR", "JFT"])
    assert m.types == ("BE", "SP", "D", "C", "X", "JFT")
    assert m.newcomer  # the newcomer filter finds NA newcomer meetings


def test_a_meetings_languages_are_its_language_types():
    assert meeting(types=["O", "S", "ASL", "TUR"]).languages == ("S", "ASL", "TUR")
    assert {"S", "EN", "FR", "TUR", "NL"} <= LANGUAGE_TYPES


# --- the Meeting model ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (1, (1,)),
        ([5, 1, 1], (1, 5)),
        ("3", (3,)),
        ("1,3", (1, 3)),
        ("Monday", (1,)),
        (["sun", "sat"], (0, 6)),
    ],
)
def test_day_is_normalised(day: Any, expected: tuple[int, ...]):
    assert meeting(day=day).day == expected


@pytest.mark.parametrize("day", [7, -1, [], "funday", True, [1, 9], 1.5])
def test_bad_day_is_refused(day: Any):
    with pytest.raises(ValidationError, match="day"):
        meeting(day=day)


def test_times_and_duration():
    m = meeting(time="19:00:00")
    assert m.time == dt.time(19) and m.end_time == dt.time(20)
    assert m.duration == dt.timedelta(hours=1)
    late = meeting(time="23:30", end_time="00:45")
    assert late.duration == dt.timedelta(minutes=75)
    assert meeting(time="23:30").end_time == dt.time(0, 30)
    assert meeting(time="23:00", end_time="24:00").duration == dt.timedelta(hours=1)
    assert meeting(time=dt.time(7, 5)).time == dt.time(7, 5)
    for bad in ("25:00", "7pm", "19.00", "", 1140):
        with pytest.raises(ValidationError):
            meeting(time=bad)
    with pytest.raises(ValidationError, match="same as time"):
        meeting(time="19:00", end_time="19:00")


def test_fields_and_properties():
    m = meeting(
        program="smart",
        types=["O", "DD", "O", "BE"],
        address="1 Example Street",
        city="Springfield",
        state="IL",
        postal_code=62701,
        country="US",
        conference_url="https://example.org/join/x",
    )
    assert m.program == "SMART"
    assert m.types == ("O", "DD", "BE")
    assert m.street == "1 Example Street"
    assert m.address == "1 Example Street, Springfield, IL 62701, US"
    assert m.is_online and m.is_in_person and m.dual_diagnosis and m.newcomer
    assert not m.temporarily_closed and m.is_active
    assert meeting(formatted_address="9 Sample Rd, Town").address == "9 Sample Rd, Town"
    assert meeting().address == ""
    assert meeting(conference_phone="+1-555-0100").is_online


def test_temporarily_closed_and_approximate_are_not_in_person():
    closed = meeting(types=["TC"], formatted_address="1 Example St, Town")
    assert closed.temporarily_closed and not closed.is_in_person and not closed.is_active
    hybrid_closed = meeting(
        types=["TC"], formatted_address="1 Example St", conference_url="https://example.org/j"
    )
    assert hybrid_closed.is_online and hybrid_closed.is_active
    online = meeting(formatted_address="Chicago, IL, USA", approximate="yes", conference_phone="1")
    assert online.is_online and not online.is_in_person


def test_dual_recovery_programs_count_as_dual_diagnosis():
    assert meeting(program="DRA").dual_diagnosis
    assert meeting(program="dtr").dual_diagnosis
    assert not meeting(program="NA").dual_diagnosis


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slug": "Has Spaces"}, "slug"),
        ({"slug": "x" * 62}, "slug"),
        ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone"),
        ({"timezone": "../etc/passwd"}, "unknown time zone"),
        ({"program": "XYZ"}, "unknown program"),
        ({"conference_url": "javascript:alert(1)"}, "web address"),
        ({"latitude": 10.0}, "both latitude and longitude"),
        ({"latitude": 91, "longitude": 0}, "latitude"),
        ({"types": ["O", "not a code"]}, "type code"),
        ({"colour": "blue"}, "colour"),
        ({"name": "  "}, "name"),
    ],
)
def test_invalid_meetings_are_refused(fields: dict[str, Any], message: str):
    with pytest.raises(ValidationError, match=message):
        meeting(**fields)


def test_meeting_is_frozen_and_knows_its_next_start():
    m = meeting()
    with pytest.raises(ValidationError):
        m.name = "Other"  # type: ignore[misc]
    after = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    assert m.next_start(after) == dt.datetime(2026, 3, 16, 23, tzinfo=dt.UTC)


# --- the directory --------------------------------------------------------------------------------


def _directory() -> Directory:
    return Directory(
        (
            meeting(slug="aa-mon", day=1, formatted_address="1 A St", types=["O", "BE"]),
            meeting(
                slug="na-online", program="NA", day=[1, 3], conference_url="https://example.org/a"
            ),
            meeting(slug="smart-dd", program="SMART", day=2, types=["DD"], conference_phone="1"),
            meeting(slug="dra", program="DRA", day=4, formatted_address="2 B St"),
            meeting(slug="closed", day=1, formatted_address="3 C St", types=["TC"]),
        )
    )


def test_directory_lookup():
    d = _directory()
    assert len(d) == 5 and "dra" in d and "nope" not in d
    assert d["dra"].program == "DRA" and d.get("nope") is None
    with pytest.raises(KeyError):
        d["nope"]
    with pytest.raises(ValueError, match="duplicate"):
        Directory((meeting(), meeting()))


def test_directory_filter():
    d = _directory()

    def slugs(found: tuple[Meeting, ...]) -> list[str]:
        return [m.slug for m in found]

    assert slugs(d.filter()) == ["aa-mon", "na-online", "smart-dd", "dra", "closed"]
    assert slugs(d.filter(day=1)) == ["aa-mon", "na-online", "closed"]
    assert slugs(d.filter(online=True)) == ["na-online", "smart-dd"]
    assert slugs(d.filter(in_person=True)) == ["aa-mon", "dra"]
    assert slugs(d.filter(online=False, in_person=False)) == ["closed"]
    assert slugs(d.filter(dual_diagnosis=True)) == ["smart-dd", "dra"]
    assert slugs(d.filter(program="na")) == ["na-online"]
    assert slugs(d.filter(program=["SMART", "DRA"], day=4)) == ["dra"]
    assert slugs(d.filter(newcomer=True)) == ["aa-mon"]
    assert slugs(d.filter(active=False)) == ["closed"]


# --- loading meetings.yaml ------------------------------------------------------------------------

BAD_FILE = """\
program: NA
meetings:
  - name: Good One
    slug: good-one
    day: 1
    time: "19:00"
    timezone: America/New_York
  - name: Bad Time
    slug: bad-time
    day: 2
    time: "25:00"
    timezone: America/New_York
  - name: Bad Zone
    slug: bad-zone
    day: 2
    time: "19:00"
    timezone: Mars/Base
  - just a string
  - name: Good Two
    slug: good-two
    program: SMART
    day: [0, 6]
    time: 7:30
    end_time: 19:00
    timezone: Europe/London
    postal_code: 02134
  - name: Duplicate
    slug: good-one
    day: 3
    time: "10:00"
    timezone: America/New_York
  - name: Typo
    slug: typo
    day: 3
    time: "10:00"
    timezone: America/New_York
    conferance_url: https://example.org/x
  - name: Plain Number
    slug: plain-number
    day: 3
    time: 700
    timezone: America/New_York
"""


def test_bad_records_are_reported_with_lines_and_the_rest_kept(tmp_path: Path):
    path = tmp_path / "meetings.yaml"
    path.write_text(BAD_FILE)
    directory, problems = load_directory(path)
    assert [m.slug for m in directory] == ["good-one", "good-two"]
    assert directory.program == "NA"
    assert directory["good-one"].program == "NA"  # the file's default
    two = directory["good-two"]
    assert two.program == "SMART"
    # Unquoted 7:30 and 19:00 are read as the text written, not YAML's base-60 numbers.
    assert (two.time, two.end_time) == (dt.time(7, 30), dt.time(19, 0))
    assert two.postal_code == "02134"
    text = [str(p) for p in problems]
    assert text[0].startswith(f"{path}:11: bad-time: time: not a time: '25:00'")
    assert text[1].startswith(f"{path}:17: bad-zone: timezone: unknown time zone 'Mars/Base'")
    assert text[2] == f"{path}:18: each meeting must be a mapping of fields"
    assert text[3] == (
        f"{path}:28: good-one: duplicate slug (first used on line 4); this meeting is left out"
    )
    assert text[4] == f"{path}:37: typo: unknown field 'conferance_url'"
    assert text[5].startswith(f"{path}:41: plain-number: time: write the time in quotes")
    assert len(problems) == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("meetings: [\n  {name: x\n", ":3: "),
        ("meetings:\n  - &a {name: x}\n  - *a\n", ":3: aliases"),
        ("- just\n- a list\n", ":1: the file must be a mapping"),
        ("program: XYZ\nmeetings: []\n", ":1: program: unknown program 'XYZ'"),
        ("timezone: Nowhere/Land\nmeetings: []\n", ":1: timezone: unknown time zone"),
        ("colour: blue\nmeetings: []\n", ":1: unknown top-level key 'colour'"),
        ("program: AA\n", ":1: meetings: the file needs a `meetings:` list"),
        ("meetings: 3\n", ":1: meetings: must be a list"),
    ],
)
def test_file_level_problems_never_raise(tmp_path: Path, text: str, expected: str):
    path = tmp_path / "meetings.yaml"
    path.write_text(text)
    directory, problems = load_directory(path)
    assert len(directory) == 0
    assert any(str(p).startswith(f"{path}{expected}") for p in problems), problems


def test_missing_or_empty_file(tmp_path: Path):
    directory, problems = load_directory(tmp_path / "absent.yaml")
    assert len(directory) == 0 and "cannot read" in str(problems[0])
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_directory(empty) == (Directory(), [])


def test_file_default_timezone(tmp_path: Path):
    path = tmp_path / "meetings.yaml"
    path.write_text(
        "timezone: Asia/Kolkata\nmeetings:\n  - {name: x, slug: x, day: 1, time: '07:00'}\n"
    )
    directory, problems = load_directory(path)
    assert problems == [] and directory["x"].timezone == "Asia/Kolkata"


def test_dump_reads_back_the_same(tmp_path: Path):
    directory, _ = load_directory(SHIPPED)
    extra = meeting(
        slug="odd-values",
        name="Colon: and 'quotes' & #hash",
        postal_code="02134",
        updated=dt.datetime(2024, 5, 31, 14, 32, 23),
        conference_phone="+1-555-0100",
        time="19:00:30",
    )
    shared_types = ("O", "D")  # one tuple object in two meetings must not become an alias
    meetings = [*directory, extra, meeting(slug="s1", types=shared_types)]
    meetings.append(meeting(slug="s2", types=shared_types))
    text = dump_directory(meetings, program="AA", timezone="Europe/London")
    assert "&id" not in text and "*id" not in text  # no anchors or aliases
    path = tmp_path / "meetings.yaml"
    path.write_text(text)
    again, problems = load_directory(path)
    assert problems == []
    assert list(again) == meetings
    assert again["odd-values"].updated == "2024-05-31 14:32:23"
    assert (again.program, again.timezone) == ("AA", "Europe/London")


# --- Meeting Guide feeds --------------------------------------------------------------------------

FEED: list[Any] = [
    {
        "name": "Sunday Serenity",
        "slug": "sunday-serenity-14",
        "day": 0,
        "time": "18:00",
        "end_time": "19:30",
        "location": "Alano Club",
        "types": ["O", "T", "LGBTQ"],
        "address": "123 Main Street",
        "city": "Anytown",
        "state": "CA",
        "postal_code": "98765",
        "country": "US",
        "approximate": "no",
        "entity": "District 123",
        "entity_website_url": "https://example.org",
        "entity_email": "info@example.org",
        "timezone": "America/Los_Angeles",
        "latitude": "34.05",
        "longitude": "-118.25",
        "updated": "2014-05-31 14:32:23",
    },
    {"name": "List Days", "slug": 42, "day": [1, "3"], "time": "07:00:00", "types": "O, D"},
    {"name": "Digits", "slug": "Digits_Day", "day": "5", "time": "12:00", "conference_url": ""},
    {
        "name": "Old Entity",
        "slug": "old-entity",
        "day": 2,
        "time": "9:15",
        "entity_url": "https://example.com",
    },
    {"name": "No Slug", "day": 1, "time": "19:00"},
    {"name": "Bad Time", "slug": "bad-time", "day": 1, "time": "7pm"},
    {"name": "Bad Zone", "slug": "bad-zone", "day": 1, "time": "19:00", "timezone": "Moon/Base"},
    {"name": "Bad Day", "slug": "bad-day", "day": 9, "time": "19:00"},
    {"name": "By Appointment", "slug": "appointment"},
    {"name": "Duplicate", "slug": "sunday-serenity-14", "day": 3, "time": "10:00"},
    "not a record",
    {"name": "Weird Slug", "slug": "!!!", "day": 1, "time": "19:00"},
    {"name": "Bad End", "slug": "bad-end", "day": 1, "time": "19:00", "end_time": "31:00"},
]


def test_parse_feed_variants():
    meetings, skipped = parse_feed(FEED, "AA", "America/Chicago")
    by_slug = {m.slug: m for m in meetings}
    assert list(by_slug) == ["sunday-serenity-14", "42", "digits-day", "old-entity", "bad-end"]
    first = by_slug["sunday-serenity-14"]
    assert first.entity_url == "https://example.org"
    assert first.timezone == "America/Los_Angeles" and first.program == "AA"
    assert first.street == "123 Main Street" and first.approximate is False and first.is_in_person
    assert (first.latitude, first.longitude) == (34.05, -118.25)
    assert first.updated == "2014-05-31 14:32:23"
    assert by_slug["42"].day == (1, 3) and by_slug["42"].time == dt.time(7)
    assert by_slug["42"].types == ("O", "D") and by_slug["42"].timezone == "America/Chicago"
    assert by_slug["digits-day"].day == (5,) and not by_slug["digits-day"].is_online
    assert by_slug["old-entity"].entity_url == "https://example.com"
    assert by_slug["old-entity"].time == dt.time(9, 15)

    reasons = {index: (label, reason) for index, label, reason in skipped}
    assert reasons[4] == ("No Slug", "missing slug")
    assert reasons[5][0] == "bad-time" and reasons[5][1].startswith("time: not a time: '7pm'")
    assert reasons[6][0] == "bad-zone" and "unknown time zone 'Moon/Base'" in reasons[6][1]
    assert reasons[7][0] == "bad-day" and reasons[7][1].startswith("day: use 0 = Sunday")
    assert "by appointment" in reasons[8][1]
    assert reasons[9][1] == "duplicate slug (also record 0)"
    assert reasons[10] == ("", "not a meeting record (expected a JSON object)")
    assert reasons[11][1] == "unusable slug '!!!'"
    # A bad end time is an optional field: dropped (the end is then an hour after the start).
    assert 12 not in reasons and by_slug["bad-end"].end_time == dt.time(20)
    assert len(meetings) + len(skipped) == len(FEED)


def test_parse_feed_program_and_missing_timezone():
    record = {"name": "N", "slug": "n", "day": 1, "time": "19:00"}
    meetings, skipped = parse_feed([record], "SMART", None)
    assert meetings == [] and skipped == [
        (0, "n", "no timezone, and no default time zone was given (nor a place that tells it)")
    ]
    meetings, _ = parse_feed([record, {**record, "slug": "m", "program": "NA"}], "SMART", "UTC")
    assert [m.program for m in meetings] == ["SMART", "NA"]


def test_merge_by_slug():
    a, b, c = meeting(slug="a"), meeting(slug="b"), meeting(slug="c")
    b2 = meeting(slug="b", name="Renamed")
    merged, counts = merge(Directory((a, b)), [b2, c, a])
    assert [m.slug for m in merged] == ["a", "b", "c"]
    assert merged[1].name == "Renamed"
    assert counts == {"added": 1, "updated": 1, "unchanged": 1, "kept": 0, "removed": 0}
    merged, counts = merge(Directory((a, b)), [c])
    assert [m.slug for m in merged] == ["a", "b", "c"]
    assert counts == {"added": 1, "updated": 0, "unchanged": 0, "kept": 2, "removed": 0}


# --- distance -------------------------------------------------------------------------------------


def test_haversine():
    assert haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, abs=1)
    assert haversine_km(10, 20, 10, 20) == 0
    assert haversine_km(0, 0, 0, 180) == pytest.approx(20015.1, abs=1)


def test_nearest_in_person_meetings():
    d = Directory(
        (
            meeting(slug="near", formatted_address="1 A St", latitude=41.88, longitude=-87.63),
            meeting(slug="far", formatted_address="2 B St", latitude=42.05, longitude=-87.69),
            meeting(slug="no-coordinates", formatted_address="3 C St"),
            meeting(
                slug="online",
                conference_url="https://example.org/x",
                formatted_address="Chicago",
                approximate=True,
                latitude=41.88,
                longitude=-87.63,
            ),
            meeting(
                slug="closed",
                types=["TC"],
                formatted_address="4 D St",
                latitude=41.88,
                longitude=-87.63,
            ),
        )
    )
    found = nearest(d, 41.8781, -87.6298)
    assert [m.slug for m, _ in found] == ["near", "far"]
    assert found[0][1] < 1 and 18 < found[1][1] < 20
    assert nearest(d, 41.88, -87.63, limit=1)[0][0].slug == "near"
    with pytest.raises(ValueError):
        nearest(d, 100, 0)


def test_nearest_on_the_shipped_directory():
    directory, _ = load_directory(SHIPPED)
    found = nearest(directory, 51.5, -0.12, limit=2)
    assert found[0][0].slug == "example-aa-womens-sunday-circle"
    assert all(m.is_in_person for m, _ in found)


# --- importing a feed -----------------------------------------------------------------------------


def _feed_file(tmp_path: Path, records: list[Any]) -> Path:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(records))
    return path


def test_import_from_a_file(tmp_path: Path):
    target = tmp_path / "content" / "meetings.yaml"
    feed = _feed_file(tmp_path, FEED)
    report = import_meetings(str(feed), target, default_timezone="America/Chicago")
    assert report.ok and report.written
    assert report.imported == 5
    assert report.counts == {"added": 5, "updated": 0, "unchanged": 0, "kept": 0, "removed": 0}
    lines = report.lines()
    assert lines[0].startswith("Imported 5 meetings from")
    assert "5 added, 0 updated, 0 unchanged" in lines[0]
    assert "Left out 1 bad fields, keeping their meetings:" in lines
    assert any("record [12] (bad-end): end_time" in line for line in lines)
    assert "Skipped 8 records:" in lines
    assert "  record [4] (No Slug): missing slug" in lines
    assert any(line.startswith("  record [5] (bad-time): time: not a time") for line in lines)
    directory, problems = load_directory(target)
    assert problems == [] and len(directory) == 5

    # Import again with one meeting changed and three gone: merged by slug, and the meetings
    # that left this feed are removed (their subscribers are told at the next load).
    changed = [dict(FEED[0], name="Sunday Serenity (new room)"), FEED[1]]
    report = import_meetings(
        str(_feed_file(tmp_path, changed)), target, default_timezone="America/Chicago"
    )
    assert report.counts == {"added": 0, "updated": 1, "unchanged": 1, "kept": 0, "removed": 3}
    assert any("subscribers are told" in line for line in report.lines())
    directory, _ = load_directory(target)
    assert directory["sunday-serenity-14"].name == "Sunday Serenity (new room)"
    assert len(directory) == 2


def test_import_keeps_the_file_program_and_takes_a_wrapped_feed(tmp_path: Path):
    target = tmp_path / "meetings.yaml"
    target.write_text("program: NA\nmeetings: []\n")
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"meetings": [FEED[1]]}))
    report = import_meetings(str(feed), target, default_timezone="UTC")
    assert report.ok
    directory, _ = load_directory(target)
    assert directory.program == "NA" and directory["42"].program == "NA"


def test_import_from_a_url_uses_the_injected_fetch(tmp_path: Path):
    target = tmp_path / "meetings.yaml"
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        return json.dumps(FEED[:2]).encode()

    report = import_meetings(
        "https://example.org/feed.json", target, default_timezone="UTC", fetch=fetch
    )
    assert asked == ["https://example.org/feed.json"]
    assert report.ok and report.imported == 2 and target.exists()


def _failing_fetch(url: str) -> bytes:
    raise FeedError("the server answered 503 Service Unavailable")


@pytest.mark.parametrize(
    ("source", "content", "message"),
    [
        ("missing.json", None, "cannot read"),
        ("feed.json", b"{not json", "not JSON"),
        ("feed.json", b'{"meetings": 3}', "JSON list of meetings"),
        ("feed.json", b"\xff\xfe", "not UTF-8"),
        ("https://example.org/down", None, "503"),
        ("ftp://example.org/feed.json", None, "http(s) address"),
    ],
)
def test_unreadable_feeds_write_nothing(
    tmp_path: Path, source: str, content: bytes | None, message: str
):
    if content is not None:
        (tmp_path / source).write_bytes(content)
    if "://" not in source:
        source = str(tmp_path / source)
    target = tmp_path / "meetings.yaml"
    out = io.StringIO()
    report = import_meetings(source, target, default_timezone="UTC", fetch=_failing_fetch)
    assert not report.ok and message in (report.error or "")
    assert not target.exists()
    if "://" not in source:
        assert main(source, target, "UTC", out) == 1
        assert out.getvalue().startswith(f"Import from {source} failed:")


def test_import_refuses_to_overwrite_a_file_with_problems(tmp_path: Path):
    target = tmp_path / "meetings.yaml"
    target.write_text(BAD_FILE)
    report = import_meetings(str(_feed_file(tmp_path, FEED[:1])), target, default_timezone="UTC")
    assert not report.ok and "has problems" in (report.error or "")
    assert len(report.problems) == 6
    assert target.read_text() == BAD_FILE
    assert any(":11: bad-time:" in line for line in report.lines())


def test_import_checks_its_defaults(tmp_path: Path):
    feed = str(_feed_file(tmp_path, FEED[:1]))
    report = import_meetings(feed, tmp_path / "m.yaml", default_timezone="Nowhere/Land")
    assert not report.ok and "default time zone" in (report.error or "")
    report = import_meetings(feed, tmp_path / "m.yaml", default_timezone="UTC", program="XYZ")
    assert not report.ok and "unknown program" in (report.error or "")


def test_main_prints_the_report(tmp_path: Path):
    out = io.StringIO()
    target = tmp_path / "meetings.yaml"
    assert main(str(_feed_file(tmp_path, FEED)), target, "America/Chicago", out) == 0
    text = out.getvalue()
    assert "Imported 5 meetings" in text and "record [7] (bad-day)" in text


def test_fetch_url_only_fetches_http():
    with pytest.raises(FeedError, match="http"):
        fetch_url("file:///etc/passwd")


def test_import_survives_deep_nesting_and_never_prints_terminal_escapes(tmp_path: Path):
    target = tmp_path / "meetings.yaml"
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    report = import_meetings(str(deep), target, default_timezone="UTC")
    assert not report.ok and "nested too deeply" in (report.error or "")

    sneaky = dict(FEED[0], slug="escape-1", name="Serenity\x1b]0;pwned\x07\x1b[2J Group")
    unnamed = {"name": "\x1b[2Jno slug", "day": 1, "time": "19:00"}
    report = import_meetings(
        str(_feed_file(tmp_path, [sneaky, unnamed])), target, default_timezone="UTC"
    )
    printed = "\n".join(report.lines())
    assert "\x1b" not in printed and "\x07" not in printed
    assert "\\x1b[2Jno slug" in printed  # the skipped record is still named, escaped
    directory, _ = load_directory(target)
    assert directory["escape-1"].name == "Serenity]0;pwned[2J Group"


FLORIDA = {"name": "Early Bird", "slug": "early-bird", "day": 1, "time": "07:30"}


@pytest.mark.parametrize(
    ("extra", "zone"),
    [
        ({"timezone": "EST"}, "America/New_York"),
        ({"timezone": "Eastern"}, "America/New_York"),
        ({"timezone": "America/New York"}, "America/New_York"),
        ({"timezone": "PST"}, "America/Los_Angeles"),
        ({"timezone": "CST"}, "America/Chicago"),
        ({"latitude": 25.76, "longitude": -80.19}, "America/New_York"),
        ({"latitude": "30.44", "longitude": "-84.28"}, "America/New_York"),
        ({"latitude": 30.42, "longitude": -87.21}, "America/Chicago"),  # Pensacola: Central
        ({"formatted_address": "12 Main St, Boston, MA 02110, USA"}, "America/New_York"),
        ({"state": "NY", "city": "Albany"}, "America/New_York"),
        ({"formatted_address": "1 High St, Dublin, Ireland"}, "Europe/Dublin"),
    ],
)
def test_a_feed_record_without_iana_zone_takes_its_real_zone_never_utc(extra, zone):
    meetings, skipped = parse_feed([dict(FLORIDA, **extra)])
    assert skipped == [] and meetings[0].timezone == zone


@pytest.mark.parametrize(
    "extra",
    [
        {"formatted_address": "12 Main St, Miami, FL 33101"},  # Florida has two zones
        {"formatted_address": "Online"},
        {},
    ],
)
def test_a_record_whose_zone_cannot_be_known_is_skipped_with_its_reason(extra):
    meetings, skipped = parse_feed([dict(FLORIDA, **extra)])
    assert meetings == []
    assert skipped[0][2].startswith("no timezone")


def test_import_keeps_the_files_own_zone_as_the_feeds_default(tmp_path: Path):
    target = tmp_path / "meetings.yaml"
    target.write_text("timezone: America/Denver\nmeetings: []\n")
    record = {"name": "Mile High", "slug": "mile-high", "day": 2, "time": "18:00"}
    report = import_meetings(str(_feed_file(tmp_path, [record])), target)
    assert report.ok and report.skipped == []
    directory, _ = load_directory(target)
    assert directory["mile-high"].timezone == "America/Denver"
    assert "timezone: America/Denver" in target.read_text()


def test_import_refuses_an_unknown_default_zone_but_takes_eastern(tmp_path: Path):
    target = tmp_path / "meetings.yaml"
    feed = _feed_file(tmp_path, [{"name": "M", "slug": "m", "day": 2, "time": "18:00"}])
    assert not import_meetings(str(feed), target, default_timezone="Moon/Base").ok
    report = import_meetings(str(feed), target, default_timezone="Eastern")
    assert report.ok
    assert load_directory(target)[0]["m"].timezone == "America/New_York"


# --- feeds as intergroups publish them -------------------------------------------------------

BASE = {"name": "Hope", "day": 1, "time": "19:00", "timezone": "America/New_York"}


def test_one_bad_optional_field_is_left_out_and_the_meeting_kept():
    from bot.meetings import read_feed

    records = [
        dict(BASE, slug="space-link", conference_url="https://zoom.us/j/123 456"),
        dict(BASE, slug="custom-type", types=["O", "Big Book", "D"]),
        dict(BASE, slug="relative-url", url="/meetings/hope"),
        dict(BASE, slug="half-position", latitude=40.7),
        dict(BASE, slug="long-notes", notes="n" * 5000),
    ]
    reading = read_feed(records)
    kept = {m.slug: m for m in reading.meetings}
    assert set(kept) == {r["slug"] for r in records} and reading.skipped == []
    assert kept["custom-type"].types == ("O", "D")
    assert kept["space-link"].conference_url is None and kept["half-position"].latitude is None
    notes = {label: reason for _, label, reason in reading.dropped}
    assert "Big Book" in notes["custom-type"]
    assert "latitude without longitude" in notes["half-position"]
    assert "must start with https://" not in notes["space-link"]  # it does; the space is wrong
    assert all(reason.endswith("left out") for reason in notes.values())


def test_records_collide_only_when_their_slugs_are_equal():
    from bot.meetings import read_feed

    records = [
        dict(BASE, slug="sunday-serenity"),
        dict(BASE, slug="Sunday_Serenity"),
        dict(BASE, slug="reunión"),
        dict(BASE, slug="reuni-n"),
        dict(BASE, slug="x" * 70),
        dict(BASE, slug="x" * 71),
    ]
    reading = read_feed(records)
    assert reading.skipped == [] and len({m.slug for m in reading.meetings}) == 6
    slugs = [m.slug for m in reading.meetings]
    assert slugs[0] == "sunday-serenity" and slugs[3] == "reuni-n"  # clean slugs stay as given
    again = [m.slug for m in read_feed(list(reversed(records))).meetings]
    assert sorted(again) == sorted(slugs)  # the same slugs whatever the order
    same = read_feed([dict(BASE, slug="a"), dict(BASE, slug="a", name="Other")])
    assert [reason for _, _, reason in same.skipped] == ["duplicate slug (also record 0)"]


@pytest.mark.parametrize(
    ("address", "in_person"),
    [
        ("New York, NY, USA", False),
        ("Online", False),
        ("Virtual", False),
        ("4953 W Addison St, Chicago, IL 60641, USA", True),
        ("Calle Mayor 12, Madrid", True),
    ],
)
def test_a_town_or_online_is_not_a_place_to_go(address: str, in_person: bool):
    online = meeting(formatted_address=address, conference_url="https://example.org/j/1")
    assert online.is_in_person is in_person
    assert meeting(formatted_address=address, approximate=False).is_in_person  # the feed says


def test_re_importing_a_feed_removes_what_left_it_and_keeps_hand_written_meetings(
    tmp_path: Path,
):
    target = tmp_path / "meetings.yaml"
    target.write_text(
        'meetings:\n  - {name: Ours, slug: ours, day: 1, time: "19:00",'
        " timezone: America/New_York}\n"
    )
    first = [dict(BASE, slug="a"), dict(BASE, slug="b")]
    feed = _feed_file(tmp_path, first)
    assert import_meetings(str(feed), target).counts["added"] == 2
    report = import_meetings(str(_feed_file(tmp_path, first[:1])), target)
    assert report.counts["removed"] == 1 and report.counts["kept"] == 1
    directory, problems = load_directory(target)
    assert problems == [] and sorted(m.slug for m in directory) == ["a", "ours"]


def test_import_never_writes_a_file_the_loader_would_refuse(tmp_path: Path):
    """No size cliff: a feed too big for a meetings file is refused with the way to keep it
    (directory.feeds), and the file stays as it was; one just under the limit loads back."""
    target = tmp_path / "content" / "meetings.yaml"
    records = [
        {
            "name": f"Big Feed Group {i}",
            "slug": f"big-feed-group-{i}",
            "day": i % 7,
            "time": "19:00",
            "timezone": "America/Chicago",
            "notes": "Side door, second floor, past the kitchen. " * 80,
        }
        for i in range(700)
    ]
    report = import_meetings(str(_feed_file(tmp_path, records)), target)
    assert not report.ok and not report.written and not target.exists()
    assert "directory.feeds" in report.error and "700 meetings" in report.error
    fitting = records[:100]
    report = import_meetings(str(_feed_file(tmp_path, fitting)), target)
    assert report.ok and report.written
    directory, problems = load_directory(target)
    assert problems == [] and len(directory) == 100
