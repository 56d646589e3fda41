"""The time zone of a feed's meeting, known and never guessed: its own, the feed's, its place's.

Many real Meeting Guide feeds carry no per-record `timezone` (the spec says the address implies
it). A zone is taken, in this order, from:
1. the record's own `timezone`, with the names feeds really use (`EST`, `Eastern`,
   `America/New York`) mapped to their IANA zone;
2. the feed's default zone (given by the organizer, or the directory file's own `timezone:`);
3. the record's coordinates (`timezonefinder`, offline);
4. its state or province, or its country, where that lies wholly in one zone
   (`bot/data/place_zones.yaml`).
A record whose zone cannot be known is left out and named in the report, never put in UTC.

Pure domain: reads its packaged table once; no network, no clock.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

_TABLE = Path(__file__).with_name("data") / "place_zones.yaml"
# "Miami, FL 33101, USA" / "Boston, MA, USA" / "Toronto, ON M5V 2T6, Canada"
_STATE_IN_ADDRESS = re.compile(r",\s*([A-Z]{2})(?:\s+[0-9A-Z][0-9A-Z -]{2,9})?\s*(?:,|$)")


@dataclass(frozen=True)
class _Places:
    aliases: Mapping[str, str]
    states: Mapping[str, Mapping[str, str]]
    countries: Mapping[str, str]
    country_names: Mapping[str, str]
    regions_by_zone: Mapping[str, tuple[str, ...]]


@functools.cache
def _places() -> _Places:
    data = yaml.load(_TABLE.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return _Places(
        aliases=data["aliases"],
        states=data["states"],
        countries=data["countries"],
        country_names=data["country_names"],
        regions_by_zone={k: tuple(v) for k, v in data["regions_by_zone"].items()},
    )


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return "/" in name or name == "UTC"


def zone_named(value: Any) -> str | None:
    """The IANA zone a feed's `timezone` value names ("EST", "Eastern", "America/New York",
    "america/chicago"), or None when it names none."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if _is_zone(text):
        return text
    alias = _places().aliases.get(text.upper())
    if alias is not None:
        return alias
    candidate = re.sub(r"\s+", "_", text)
    if _is_zone(candidate):
        return candidate
    titled = "/".join(part[:1].upper() + part[1:] for part in candidate.lower().split("/"))
    titled = "_".join(w[:1].upper() + w[1:] for w in titled.split("_"))
    return titled if _is_zone(titled) else None


def _country(record: Mapping[str, Any]) -> str | None:
    places = _places()
    for text in (record.get("country"), _last_part(record.get("formatted_address"))):
        if isinstance(text, str) and text.strip():
            key = text.strip().upper()
            if len(key) == 2:
                return key
            if key in places.country_names:
                return places.country_names[key]
    return None


def _last_part(address: Any) -> str | None:
    if not isinstance(address, str) or "," not in address:
        return None
    return address.rsplit(",", 1)[1].strip()


def _state(record: Mapping[str, Any]) -> str | None:
    state = record.get("state")
    if isinstance(state, str) and state.strip():
        return state.strip().upper()
    address = record.get("formatted_address")
    if isinstance(address, str):
        found = _STATE_IN_ADDRESS.findall(address.upper())
        if found:
            return str(found[-1])
    return None


@functools.cache
def _finder() -> Any:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def _from_coordinates(record: Mapping[str, Any]) -> str | None:
    try:
        latitude, longitude = float(record["latitude"]), float(record["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or latitude == longitude == 0:
        return None
    zone = _finder().timezone_at(lng=longitude, lat=latitude)
    return str(zone) if zone and _is_zone(str(zone)) else None


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone a point lies in (offline), or None at sea or for a point that is no place."""
    return _from_coordinates({"latitude": latitude, "longitude": longitude})


def _from_place(record: Mapping[str, Any]) -> str | None:
    places = _places()
    country = _country(record) or "US"  # a US feed's addresses rarely name the country
    state = _state(record)
    if state is not None and country in places.states:
        zone = places.states[country].get(state)
        if zone is not None:
            return zone
        if state in places.states[country] or len(state) == 2:
            return None  # a state split between zones, or one we do not know: no guess
    explicit = _country(record)
    return places.countries.get(explicit) if explicit is not None else None


@dataclass(frozen=True)
class ZoneFinding:
    """A record's zone and where it came from (`own`, `feed`, `coordinates`, `place`), or why
    none could be known."""

    zone: str | None
    source: str


def zone_of(record: Mapping[str, Any], feed_default: str | None) -> ZoneFinding:
    """The time zone of one feed record, per the order in this module's docstring."""
    own = record.get("timezone")
    if own not in (None, ""):
        named = zone_named(own)
        if named is not None:
            return ZoneFinding(named, "own")
    elif feed_default is not None:
        # Only for records without a zone: one that names an unknown zone is not the feed's.
        return ZoneFinding(feed_default, "feed")
    if (zone := _from_coordinates(record)) is not None:
        return ZoneFinding(zone, "coordinates")
    if (zone := _from_place(record)) is not None:
        return ZoneFinding(zone, "place")
    if own not in (None, ""):
        return ZoneFinding(None, f"timezone: unknown time zone {str(own)[:40]!r}")
    return ZoneFinding(
        None, "no timezone, and no default time zone was given (nor a place that tells it)"
    )


def region_for_zone(zone: str, regions: Iterable[str]) -> str | None:
    """The crisis region (of `regions`, those the content has) that the time zone `zone` lies
    in, or None when it is none of them."""
    available = set(regions)
    for region, prefixes in _places().regions_by_zone.items():
        if region in available and any(zone == p or zone.startswith(p) for p in prefixes):
            return region
    return None
