"""Real feed records (tests/feeds/, copied from the Meeting Guide spec and tsml-ui, attributed
there) import whole, and are in person exactly where tsml-ui says they are."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from bot.meetings import read_feed

FIXTURES = Path(__file__).resolve().parent / "feeds"


def fixture(name: str) -> list[Any]:
    records = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    assert isinstance(records, list)
    return records


def test_the_spec_example_imports_whole():
    reading = read_feed(fixture("spec_example.json"))
    assert reading.skipped == [] and reading.dropped == []
    (m,) = reading.meetings
    assert m.timezone == "America/Los_Angeles"  # from its state: the record names no zone
    assert (m.time, m.end_time, m.types) == (dt.time(18), dt.time(19, 30), ("O", "T", "LGBTQ"))
    assert m.is_in_person and m.entity_url == "https://district123.org"


def test_tsml_ui_records_import_and_are_in_person_where_tsml_ui_says():
    reading = read_feed(fixture("tsml_ui.json"), "AA", None)
    by_slug = {m.slug: m for m in reading.meetings}
    assert list(by_slug) == ["in-person", "online", "inactive", "test-meeting"]
    assert [(i, label) for i, label, _ in reading.skipped] == [(4, "inactive-meeting")]
    assert "by appointment" in reading.skipped[0][2]
    assert reading.dropped == []
    assert by_slug["in-person"].is_in_person
    assert by_slug["online"].is_online and not by_slug["online"].is_in_person
    assert not by_slug["inactive"].is_in_person and not by_slug["inactive"].is_online
    assert by_slug["test-meeting"].is_in_person
    assert by_slug["test-meeting"].timezone == "America/Los_Angeles"  # from its coordinates


BASE = {"name": "Hope", "slug": "hope", "day": 0, "time": "18:00", "timezone": "America/Chicago"}


@pytest.mark.parametrize(
    ("place", "in_person"),
    [
        ({"formatted_address": "Chicago, IL 60641, USA"}, False),
        ({"city": "Chicago", "state": "IL", "country": "USA"}, False),
        ({"address": "Online", "city": "Chicago", "state": "IL", "country": "US"}, False),
        ({"formatted_address": "4953 W Addison St, Chicago, IL 60641, USA"}, True),
        ({"formatted_address": "1 High St, Dublin, Ireland"}, True),
        ({"address": "123 Main Street", "city": "Anytown", "state": "CA"}, True),
        ({"formatted_address": "Wicker Park, Chicago, IL, USA"}, True),  # tsml-ui: four parts
        ({"formatted_address": "Chicago, IL, USA", "approximate": "no"}, True),
        ({"formatted_address": "4953 W Addison St, Chicago, IL", "approximate": "yes"}, False),
    ],
)
def test_an_area_or_online_is_not_a_place_to_go(place: dict[str, Any], in_person: bool):
    (m,) = read_feed([{**BASE, "conference_url": "https://zoom.us/j/1", **place}]).meetings
    assert m.is_in_person is in_person
