"""Browsing a big directory the way tsml-ui's users do (pure: no Telegram, no database, no clock).

- `Filters`: what a list is narrowed to (day, time of day, flags, program, language, any type,
  region), and its compact code for button payloads: at most `MAX_CODE` characters whatever is
  set, so that a card's payload (`mt:card:<ref>:<code>`) stays within Telegram's 64 bytes.
- `Catalog`: masks over a directory's meetings (NumPy booleans in directory order), worked out once
  per directory, so that a type, a region, a group or a typed search costs array operations, not a
  walk of 20,000 meetings in Python. Text is compared folded: case- and accent-insensitive.
- Times of day are tsml-ui's four, on the user's clock: morning 4:00-11:59, midday 12:00-16:59,
  evening 17:00-20:59, night 21:00-3:59.
- Small readings of a meeting for its card: its conference provider's name, the types that only
  matter in a room (left off a meeting not held in person), the date its listing was updated.
- Distances near a point, in km, or in miles first where the user's zone is in a miles country.
- What a typed request for meetings says of when ("tonight", "el viernes por la tarde"), as the
  list's day and time of day (`asked_when`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import unicodedata
import urllib.parse
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH

import numpy as np
import yaml
from numpy.typing import NDArray

from bot.meetings import EARTH_RADIUS_KM, LANGUAGE_TYPES, PROGRAMS, Meeting
from bot.personal import read_days

_DATA = yaml.safe_load((Path(__file__).with_name("data") / "browsing.yaml").read_text())
CONFERENCE_PROVIDERS: Mapping[str, str] = _DATA["conference_providers"]
IN_PERSON_TYPES: frozenset[str] = frozenset(_DATA["in_person_types"])
MILE_COUNTRIES: frozenset[str] = frozenset(_DATA["mile_countries"])
_WORD = re.compile(r"\w+")
# Phrase -> (days from today, time of day code or "tonight"), longest phrase first.
ASKED_WHEN: tuple[tuple[str, int | None, str | None], ...] = tuple(
    sorted(
        ((phrase, day, time) for phrase, (day, time) in _DATA["asked_when"].items()),
        key=lambda row: -len(row[0]),
    )
)

NO_FILTERS = "all"
MAX_CODE = 40  # a payload argument's limit (bot.callbacks); the worst case is tested
# Payload codes of the flags, in payload order.
FLAG_CODES = ("on", "ip", "dd", "nc")
# Time of day code -> [from, to) in minutes of the local day (night runs past midnight).
TIMES_OF_DAY: dict[str, tuple[int, int]] = {
    "m": (4 * 60, 12 * 60),
    "a": (12 * 60, 17 * 60),
    "e": (17 * 60, 21 * 60),
    "n": (21 * 60, 4 * 60),
}
# A program's payload code: its name, shortened where it is long.
PROGRAM_CODES: dict[str, str] = {p: p.lower() for p in PROGRAMS} | {
    "AL-ANON": "alan",
    "NAR-ANON": "naran",
    "LIFERING": "lr",
}
_PROGRAM_BY_CODE = {code: program for program, code in PROGRAM_CODES.items()}
TYPE_CODE_MAX = 5  # longer (custom) type codes are not offered as a filter
REGION_KEY_LENGTH = 4
_TYPE_PART = re.compile(r"[a-z0-9][a-z0-9-]{0,4}")
_REGION_PART = re.compile(r"[a-z0-9]{4}")
# Types the type filter does not offer: the language filter has the languages; TC is a state.
NOT_OFFERED_TYPES = frozenset({"TC"}) | LANGUAGE_TYPES
MIN_SEARCH = 2  # letters: one letter matches nearly everything


def fold(text: str) -> str:
    """`text` for comparison: accents off, case folded, spaces collapsed ("Cañón" -> "canon")."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def region_key(region: str) -> str:
    """A region's payload key: four base-36 characters of a digest of its folded name, stable
    across reloads (an index into the region list would silently change its meaning)."""
    number = int.from_bytes(hashlib.blake2b(fold(region).encode(), digest_size=8).digest(), "big")
    digits = []
    for _ in range(REGION_KEY_LENGTH):
        number, digit = divmod(number, 36)
        digits.append("0123456789abcdefghijklmnopqrstuvwxyz"[digit])
    return "".join(digits)


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to: a Meeting Guide day and a time of day in the user's zone,
    flags, a program, a language, any other type, a region."""

    day: int | None = None
    flags: frozenset[str] = frozenset()
    program: str | None = None
    # A language's type code: only meetings held in it.
    language: str | None = None
    # A `TIMES_OF_DAY` code.
    time: str | None = None
    # A type code in lower case (types are matched without regard to case).
    type: str | None = None
    # A `region_key`.
    region: str | None = None

    @property
    def active(self) -> bool:
        return self != Filters()

    def encode(self) -> str:
        """`all`, or the set filters joined by "." in a fixed order:
        d3e.on.ip.dd.nc.psmart.ls.ylgbtq.rk3x9 (day and time of day share a part: "d3e", or
        "te" with no day)."""
        parts = []
        if self.day is not None:
            parts.append(f"d{self.day}{self.time or ''}")
        elif self.time is not None:
            parts.append(f"t{self.time}")
        parts.extend(flag for flag in FLAG_CODES if flag in self.flags)
        if self.program is not None:
            parts.append(f"p{PROGRAM_CODES[self.program]}")
        if self.language is not None:
            parts.append(f"l{self.language.lower()}")
        if self.type is not None:
            parts.append(f"y{self.type}")
        if self.region is not None:
            parts.append(f"r{self.region}")
        return ".".join(parts) or NO_FILTERS

    @classmethod
    def decode(cls, code: str | None) -> Filters:
        """Parse a code made by `encode`; LookupError for anything else (order matters too)."""
        if code == NO_FILTERS:
            return cls()
        found: dict[str, object] = {}
        flags: set[str] = set()
        for part in (code or "").split("."):
            head, rest = part[:1], part[1:]
            if part in FLAG_CODES:
                flags.add(part)
            elif head == "d" and rest[:1] in tuple("0123456") and rest[1:] in ("", *TIMES_OF_DAY):
                found["day"] = int(rest[0])
                if rest[1:]:
                    found["time"] = rest[1:]
            elif head == "t" and rest in TIMES_OF_DAY:
                found["time"] = rest
            elif head == "p" and rest in _PROGRAM_BY_CODE:
                found["program"] = _PROGRAM_BY_CODE[rest]
            elif head == "l" and rest.upper() in LANGUAGE_TYPES:
                found["language"] = rest.upper()
            elif head == "y" and _TYPE_PART.fullmatch(rest):
                found["type"] = rest
            elif head == "r" and _REGION_PART.fullmatch(rest):
                found["region"] = rest
            else:
                raise LookupError(code)
        filters = cls(flags=frozenset(flags), **found)  # type: ignore[arg-type]
        if filters.encode() != code:  # repeated or out of order: not one of ours
            raise LookupError(code)
        return filters

    def toggled(self, flag: str) -> Filters:
        return dataclasses.replace(self, flags=self.flags ^ {flag})

    @property
    def meeting_level(self) -> Filters:
        """The filters that depend on the meeting alone (not on when it starts, in which zone)."""
        return dataclasses.replace(self, day=None, time=None)


def asked_when(text: str, now: dt.datetime) -> Filters:
    """The day and time of day a typed request for meetings names ("any meetings tonight",
    "tomorrow morning", "el viernes por la tarde"), on the clock of `now` (aware, in the user's
    zone); no filter for what it does not name. Several days, or a choice of days, name none.
    "Tonight" is the evening, or the night from 21:00 on."""
    rest = " " + " ".join(_WORD.findall(fold(text))) + " "
    days: set[int] = set()
    time: str | None = None
    for phrase, offset, code in ASKED_WHEN:
        if f" {phrase} " not in rest:
            continue
        rest = rest.replace(f" {phrase} ", "  ")
        if offset is not None:
            days.add((now.weekday() + 1 + offset) % 7)  # weekday(): 0 = Monday; ours: 0 = Sunday
        if code is not None and time is None:
            late = now.hour >= 21 or now.hour < 4
            time = ("n" if late else "e") if code == "tonight" else code
    named = set(read_days(rest).days)
    day = next(iter(days | named)) if len(days | named) == 1 else None
    return Filters(day=day, time=time)


def time_window(code: str | None) -> tuple[int, int] | None:
    """The [from, to) minutes of a time of day (`TIMES_OF_DAY`), or None."""
    return TIMES_OF_DAY.get(code) if code is not None else None


# --- the catalog ---------------------------------------------------------------------------------


def _haystack(meeting: Meeting) -> str:
    """What a typed search looks in: name, location, address (the town), region, group."""
    parts = (meeting.name, meeting.location, meeting.address, meeting.region, meeting.group)
    return fold(" · ".join(p for p in parts if p))


class Catalog:
    """A directory's meetings as masks: by type, region, group, typed words; and their places."""

    def __init__(self, meetings: Sequence[Meeting]) -> None:
        self._meetings = tuple(meetings)
        count = len(self._meetings)
        types: Counter[str] = Counter(code for m in self._meetings for code in m.types)
        # Most common first, then by code: what the type filter offers.
        self.type_counts: tuple[tuple[str, int], ...] = tuple(
            sorted(types.items(), key=lambda item: (-item[1], item[0]))
        )
        self._types_lower = {code.lower(): code for code, _ in self.type_counts}
        regions: Counter[str] = Counter(m.region for m in self._meetings if m.region)
        self.regions: tuple[tuple[str, int], ...] = tuple(
            sorted(regions.items(), key=lambda item: fold(item[0]))
        )
        self._region_names: dict[str, list[str]] = {}
        for name, _ in self.regions:
            self._region_names.setdefault(region_key(name), []).append(name)
        groups: dict[str, list[int]] = {}
        for index, meeting in enumerate(self._meetings):
            if meeting.group:
                groups.setdefault(fold(meeting.group), []).append(index)
        self._groups = {name: np.array(found, dtype=np.int64) for name, found in groups.items()}
        # UTF-8 bytes, fixed width: NumPy's find runs over all of them in C.
        texts = [_haystack(m).encode()[:400] for m in self._meetings]
        width = max((len(t) for t in texts), default=1) or 1
        self._texts = np.array(texts, dtype=f"S{width}") if texts else np.zeros(0, dtype="S1")
        placed = [
            i
            for i, m in enumerate(self._meetings)
            if m.is_in_person and m.latitude is not None and m.longitude is not None
        ]
        self._placed = np.array(placed, dtype=np.int64)
        self._lat = np.radians([self._meetings[i].latitude or 0.0 for i in placed])
        self._lon = np.radians([self._meetings[i].longitude or 0.0 for i in placed])
        self._masks: dict[tuple[str, str], NDArray[np.bool_]] = {}
        self._count = count

    def type_code(self, lower: str) -> str | None:
        """The directory's spelling of a type code given in lower case, if some meeting has it."""
        return self._types_lower.get(lower)

    def offered_types(self) -> list[tuple[str, int]]:
        """(code, meetings) of the types the type filter offers, most common first."""
        return [
            (code, n)
            for code, n in self.type_counts
            if code not in NOT_OFFERED_TYPES and len(code) <= TYPE_CODE_MAX
        ]

    def region_name(self, key: str) -> str | None:
        names = self._region_names.get(key)
        return names[0] if names else None

    def _cached(self, kind: str, value: str) -> NDArray[np.bool_]:
        """The mask of a type or a region the directory has (kept: there are only so many), or
        none at all for one it has not (not kept: a forged button must not grow the cache)."""
        mask = self._masks.get((kind, value))
        if mask is not None:
            return mask
        if kind == "type" and (code := self.type_code(value)) is not None:
            mask = np.fromiter((code in m.types for m in self._meetings), np.bool_, self._count)
        elif kind == "region" and (names := set(self._region_names.get(value, ()))):
            mask = np.fromiter((m.region in names for m in self._meetings), np.bool_, self._count)
        else:
            return np.zeros(self._count, dtype=np.bool_)
        self._masks[(kind, value)] = mask
        return mask

    def mask(self, filters: Filters) -> NDArray[np.bool_] | None:
        """The meetings of `filters`' type and region (None when neither is set: all)."""
        found: NDArray[np.bool_] | None = None
        if filters.type is not None:
            found = self._cached("type", filters.type)
        if filters.region is not None:
            region = self._cached("region", filters.region)
            found = region if found is None else found & region
        return found

    def search(self, text: str) -> NDArray[np.bool_]:
        """The meetings whose name, place, town, region or group holds every word of `text`
        (folded; words shorter than `MIN_SEARCH` letters are ignored unless all are)."""
        words = fold(text).split()
        kept = [w for w in words if len(w) >= MIN_SEARCH] or words
        found = np.ones(self._count, dtype=np.bool_)
        if not kept:
            return ~found
        for word in kept:
            found &= np.strings.find(self._texts, word.encode()) >= 0
        return found

    def group_of(self, meeting: Meeting) -> NDArray[np.bool_]:
        """The other meetings of `meeting`'s group (by name, folded)."""
        found = np.zeros(self._count, dtype=np.bool_)
        members = self._groups.get(fold(meeting.group)) if meeting.group else None
        if members is not None:
            found[members] = True
            for index in members:
                if self._meetings[int(index)].slug == meeting.slug:
                    found[int(index)] = False
        return found

    def near(
        self, lat: float, lon: float, radius_km: float, limit: int
    ) -> tuple[list[tuple[Meeting, float]], bool]:
        """The in-person meetings within `radius_km` of a point, closest first (at most `limit`),
        with their distance in km; and whether any in-person meeting has coordinates at all."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError("latitude runs from -90 to 90 and longitude from -180 to 180")
        if not len(self._placed):
            return [], False
        phi, lam = np.radians(lat), np.radians(lon)
        h = (
            np.sin((self._lat - phi) / 2) ** 2
            + np.cos(phi) * np.cos(self._lat) * np.sin((self._lon - lam) / 2) ** 2
        )
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        inside = np.flatnonzero(km <= radius_km)
        slugs = [self._meetings[int(self._placed[i])].slug for i in inside]
        order = sorted(range(len(inside)), key=lambda j: (float(km[inside[j]]), slugs[j]))
        found = [
            (self._meetings[int(self._placed[inside[j]])], float(km[inside[j]]))
            for j in order[:limit]
        ]
        return found, True


# --- a meeting's card ----------------------------------------------------------------------------


def conference_provider(url: str | None) -> str | None:
    """The service a conference link opens (Zoom, Google Meet...), from its host, or None."""
    if not url:
        return None
    host = (urllib.parse.urlsplit(url).hostname or "").lower().removeprefix("www.")
    while host:
        name = CONFERENCE_PROVIDERS.get(host)
        if name is not None:
            return name
        _, _, host = host.partition(".")
    return None


def shown_types(meeting: Meeting) -> tuple[str, ...]:
    """The meeting's types worth telling: those that only matter in a room are left off a
    meeting not held in person (tsml-ui's rule)."""
    if meeting.is_in_person:
        return meeting.types
    return tuple(code for code in meeting.types if code not in IN_PERSON_TYPES)


def updated_on(meeting: Meeting) -> dt.date | None:
    """The date in `updated` (the spec writes "2024-01-05 12:30:00"), when it reads as one."""
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", meeting.updated or "")
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


# --- distances -----------------------------------------------------------------------------------

KM_PER_MILE = 1.609344
# The radii offered after a location is shared, in the unit the user reads first; the middle one
# is the first answer, the widest is the most the bot calls near.
RADII_KM = (5, 10, 25, 50)
RADII_MILES = (3, 5, 15, 30)
FIRST_RADIUS = 2  # index: 25 km / 15 mi


@cache
def _zone_countries() -> Mapping[str, str]:
    """IANA zone -> ISO country, from the time zone database's zone.tab (tzdata or the system)."""
    text = ""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        for folder in TZPATH:
            path = Path(folder) / "zone.tab"
            if path.is_file():
                text = path.read_text()
                break
    countries: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) >= 3:
                countries[fields[2]] = fields[0]
    return countries


def uses_miles(zone: str) -> bool:
    """Whether people in `zone` read distances in miles (the US, the UK...)."""
    return _zone_countries().get(zone) in MILE_COUNTRIES


def radius_code(miles: bool, index: int) -> str:
    """`k25` or `m15`: a radius as a payload argument."""
    return f"m{RADII_MILES[index]}" if miles else f"k{RADII_KM[index]}"


def read_radius(code: str) -> tuple[bool, int]:
    """(in miles, index into the radii) of a `radius_code`; LookupError for anything else."""
    unit, value = code[:1], code[1:]
    radii = {"k": RADII_KM, "m": RADII_MILES}.get(unit)
    if radii is None or not value.isdigit() or int(value) not in radii:
        raise LookupError(code)
    return unit == "m", radii.index(int(value))


def radius_km(miles: bool, index: int) -> float:
    return RADII_MILES[index] * KM_PER_MILE if miles else float(RADII_KM[index])


def point_code(value: float) -> str:
    """A coordinate as a payload argument: four decimals (about 11 m)."""
    return f"{value:.4f}"


def read_point(lat: str, lon: str) -> tuple[float, float]:
    """A point from two `point_code`s; LookupError when they are not coordinates."""
    try:
        point = float(lat), float(lon)
    except ValueError:
        raise LookupError((lat, lon)) from None
    if point_code(point[0]) != lat or point_code(point[1]) != lon:
        raise LookupError((lat, lon))
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        raise LookupError((lat, lon))
    return point
