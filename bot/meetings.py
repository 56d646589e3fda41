"""The meeting directory: `content/meetings.yaml`, Meeting Guide feeds, and lookups (pure).

A meeting uses the fields of the Meeting Guide JSON feed spec (github.com/code4recovery/spec):
`name`, `slug` (the unique key), `day` (0 = Sunday .. 6 = Saturday, or a list of days), `time` and
`end_time` (`HH:MM`, 24 h; the end defaults to one hour after the start), `timezone` (IANA), `types`
(codes; content/<language>/meeting_types.yaml names them), `conference_url`,
`conference_url_notes`, `conference_phone`, `conference_phone_notes`, `location`,
`formatted_address` or `address` + `city` + `state` + `postal_code` + `country`, `approximate`,
`latitude`, `longitude`, `region`, `notes`, `location_notes`, `group`, `url`, `entity`,
`entity_url`, `updated`.

The spec is written for AA; the bot also lists programs it lacks (SMART Recovery, Dual Recovery
Anonymous, Double Trouble in Recovery...), so every meeting has a `program` (see `PROGRAMS`),
taken from the file's top-level `program:` (or the importer's default) when the record has none.

`content/meetings.yaml` is `meetings:` (a list of meetings) plus optional defaults for the records
that leave them out: `program:` (else AA) and `timezone:`. A bad record never breaks the bot: it is
left out and reported as a `Problem` (`file:line: slug: what is wrong`); the rest load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.content import Problem, closest
from bot.feed_zones import zone_of
from bot.yamlfile import LoadedYaml, Path_, YamlFileError, load_yaml
from scheduler.recurrence import next_occurrence

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,60}$"
DEFAULT_PROGRAM = "AA"

# Type codes: another directory's spelling of a Meeting Guide code, the codes that name a
# meeting's language, and which of those each bot language's speakers see first. What the codes
# are called is content (content/<language>/meeting_types.yaml).
_CODES = yaml.safe_load((Path(__file__).with_name("data") / "meeting_codes.yaml").read_text())
TYPE_ALIASES: Mapping[str, str] = _CODES["aliases"]
LANGUAGE_TYPES: frozenset[str] = frozenset(_CODES["languages"])
SPOKEN_TYPE: Mapping[str, str] = _CODES["spoken"]

# The programs a meeting may belong to, in the order the program filter lists them.
PROGRAMS: tuple[str, ...] = (
    "AA",
    "NA",
    "CA",
    "CMA",
    "MA",
    "HA",
    "SMART",
    "DRA",
    "DTR",
    "AL-ANON",
    "NAR-ANON",
    "ACA",
    "RD",
    "LIFERING",
    "WFS",
    "GA",
    "OTHER",
)

# Programs whose meetings are all for people living with addiction and mental illness.
DUAL_RECOVERY_PROGRAMS = frozenset({"DRA", "DTR"})

_DAY_NAMES = {
    name: index
    for index, full in enumerate(
        ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
    )
    for name in (full, full[:3])
}
_TIME_TEXT = re.compile(r"^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$")
_URL_TEXT = re.compile(r"^https?://[^\s/]+\S*$", re.IGNORECASE)

# Control characters (terminal escapes among them) are not text anyone meant to show: removed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _without_control(value: Any) -> Any:
    return _CONTROL.sub("", value) if isinstance(value, str) else value


Text = Annotated[
    str,
    BeforeValidator(_without_control),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
]
ShortText = Annotated[
    str,
    BeforeValidator(_without_control),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]


def _parse_days(value: Any) -> tuple[int, ...]:
    """0 = Sunday .. 6 = Saturday, from an int, a list, digits ("1", "1,3") or day names."""
    if type(value) is int and 0 <= value <= 6:  # the usual shapes first: a directory's worth
        return (value,)
    if (
        type(value) in (list, tuple)
        and value
        and all(type(d) is int and 0 <= d <= 6 for d in value)
    ):
        return tuple(sorted(set(value)))
    if isinstance(value, str):
        items: list[Any] = [p for p in re.split(r"[\s,;]+", value.strip()) if p]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = [value]
    days: set[int] = set()
    for item in items:
        day: int | None = None
        if isinstance(item, int) and not isinstance(item, bool):
            day = item
        elif isinstance(item, str):
            text = item.strip().lower()
            day = int(text) if text.isdigit() else _DAY_NAMES.get(text)
        if day is None or not 0 <= day <= 6:
            raise ValueError(f"use 0 = Sunday .. 6 = Saturday, or a list of them (got {item!r})")
        days.add(day)
    if not days:
        raise ValueError("give at least one day (0 = Sunday .. 6 = Saturday)")
    return tuple(sorted(days))


def _parse_time(value: Any) -> dt.time:
    """`HH:MM` or `HH:MM:SS`, 24 h ("24:00" means midnight at the end of the day)."""
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise ValueError("give the local time without a time zone")
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError('write the time in quotes as HH:MM, 24 h, like "19:00"')
    if isinstance(value, str):
        match = _TIME_TEXT.match(value.strip())
        if match:
            hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
            if hour == 24 and minute == 0 and second == 0:
                return dt.time(0, 0)
            if hour < 24:
                return dt.time(hour, minute, second)
    raise ValueError(f"not a time: {value!r}; use HH:MM, 24 h, like 19:00")


def check_timezone(key: str) -> str:
    """`key` when it names an IANA time zone; ValueError saying so otherwise."""
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {key!r}; use an IANA name like America/New_York"
        ) from None
    return key


# A type code the directory holds: what `types` accepts, and what a feed's custom types are not.
_TYPE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,19}")
# What online-only feeds write where an address goes.
_NOT_A_PLACE = re.compile(
    r"^\W*(online|virtual|remote|zoom|internet|en l[ií]nea|virtual(es)?)\W*$", re.I
)


def approximate_place(address: str) -> bool:
    """Whether an address names only a town, region or country ("New York, NY, USA") or no place
    at all ("Online"), not a building to go to. tsml-ui's rule (`load-meeting-data.ts`): an
    address needs four comma-separated parts to be specific; and one whose first part holds a
    house number ("1 High St, Dublin, Ireland", "Calle Mayor 12, Madrid") is specific too."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    if not parts or _NOT_A_PLACE.match(parts[0]):
        return True
    return len(parts) < 4 and not any(ch.isdigit() for ch in parts[0])


def _format_time(value: dt.time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


class Meeting(BaseModel):
    """One weekly meeting (or a meeting held on several days of the week, same time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ShortText
    slug: Slug
    program: str = DEFAULT_PROGRAM
    day: tuple[int, ...]
    time: dt.time
    end_time: dt.time
    timezone: str
    types: tuple[str, ...] = ()
    conference_url: str | None = None
    conference_url_notes: Text | None = None
    conference_phone: ShortText | None = None
    conference_phone_notes: Text | None = None
    location: ShortText | None = None
    formatted_address: ShortText | None = None
    # `address` in files and feeds (the street line); renamed so the `address` property can give
    # the whole postal address.
    street: ShortText | None = None
    city: ShortText | None = None
    state: ShortText | None = None
    postal_code: ShortText | None = None
    country: ShortText | None = None
    approximate: bool | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    region: ShortText | None = None
    notes: Text | None = None
    location_notes: Text | None = None
    group: ShortText | None = None
    url: str | None = None
    entity: ShortText | None = None
    entity_url: str | None = None
    updated: ShortText | None = None
    # The feed (file or address) the meeting was imported from: importing that feed again
    # removes the meetings that have left it. None for meetings written by hand.
    source: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _prepare(cls, data: Any) -> Any:
        """Drop empty values, read `address` as the street, default `end_time` to start + 1 h."""
        if not isinstance(data, Mapping):
            return data
        clean: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "" or value == []:
                continue
            clean["street" if key == "address" else key] = value
        for key in ("slug", "postal_code", "conference_phone"):
            value = clean.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                clean[key] = str(value)
        if isinstance(clean.get("updated"), dt.date):
            clean["updated"] = str(clean["updated"])
        if "end_time" not in clean and "time" in clean:
            try:
                start = _parse_time(clean["time"])
            except ValueError:
                start = dt.time(0, 0)  # the error is reported on `time`
            end = dt.datetime.combine(dt.date(2000, 1, 1), start) + dt.timedelta(hours=1)
            clean["end_time"] = end.time()
        return clean

    @field_validator("program", mode="before")
    @classmethod
    def _program(cls, value: Any) -> Any:
        if isinstance(value, str):
            code = value.strip().upper()
            if code not in PROGRAMS:
                raise ValueError(f"unknown program {value!r}; use one of {', '.join(PROGRAMS)}")
            return code
        return value

    @field_validator("day", mode="before")
    @classmethod
    def _day(cls, value: Any) -> tuple[int, ...]:
        return _parse_days(value)

    @field_validator("time", "end_time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> dt.time:
        return _parse_time(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return check_timezone(value.strip())

    @field_validator("types", mode="before")
    @classmethod
    def _types(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            codes = (str(v).strip() for v in value if v is not None)
            # NA's BEG is the spec's BE: one code per meaning, so filters find both.
            read = (TYPE_ALIASES.get(c.upper(), c) for c in codes if c)
            return tuple(dict.fromkeys(read))
        return value

    @field_validator("types")
    @classmethod
    def _type_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if not _TYPE_CODE.fullmatch(code):
                raise ValueError(f"not a meeting type code: {code!r}")
        return value

    @field_validator("conference_url", "url", "entity_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if len(value) > 2048:
            raise ValueError("a web address of more than 2,048 characters")
        if not value.lower().startswith(("https://", "http://")):
            raise ValueError(f"not a web address: {value!r}; it must start with https://")
        if not _URL_TEXT.match(value):
            raise ValueError(f"not a web address: {value!r} has a space or no host")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Meeting:
        if self.end_time == self.time:
            raise ValueError("end_time is the same as time; leave it out for a one-hour meeting")
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def temporarily_closed(self) -> bool:
        """The location is temporarily closed (type TC); an online option may still run."""
        return "TC" in self.types

    @property
    def is_online(self) -> bool:
        """Joinable online or by phone (the spec: it has a conference URL or phone)."""
        return bool(self.conference_url or self.conference_phone)

    @property
    def is_in_person(self) -> bool:
        """Held at a specific street address that is not temporarily closed."""
        if not (self.street or self.formatted_address) or self.temporarily_closed:
            return False
        if self.approximate is not None:  # the feed said
            return not self.approximate
        return not approximate_place(self.address)

    @property
    def is_active(self) -> bool:
        """Something to go to: not a closed location without an online option."""
        return self.is_online or not self.temporarily_closed

    @property
    def dual_diagnosis(self) -> bool:
        """For people with addiction and mental illness: type DD, or a dual-recovery program."""
        return "DD" in self.types or self.program in DUAL_RECOVERY_PROGRAMS

    @property
    def newcomer(self) -> bool:
        return "BE" in self.types

    @property
    def address(self) -> str:
        """`formatted_address`, or the address parts joined ("" when there is none)."""
        if self.formatted_address:
            return self.formatted_address
        region = " ".join(p for p in (self.state, self.postal_code) if p)
        return ", ".join(p for p in (self.street, self.city, region, self.country) if p)

    @property
    def duration(self) -> dt.timedelta:
        """From start to end on the wall clock; an end before the start is on the next day."""
        day = dt.date(2000, 1, 1)
        start = dt.datetime.combine(day, self.time)
        end = dt.datetime.combine(day, self.end_time)
        if end <= start:
            end += dt.timedelta(days=1)
        return end - start

    @property
    def languages(self) -> tuple[str, ...]:
        """The type codes that say which language the meeting is held in."""
        return tuple(code for code in self.types if code in LANGUAGE_TYPES)

    def next_start(self, after: dt.datetime) -> dt.datetime:
        """The first start strictly after `after` (aware), as aware UTC."""
        return next_occurrence(self.day, self.time, self.tz, after)


# Where a field of `Meeting` is written differently in files and feeds.
_FILE_NAMES = {"street": "address"}


@dataclass(frozen=True)
class Directory:
    """The meetings the bot knows, unique by slug, in file order."""

    meetings: tuple[Meeting, ...] = ()
    program: str = DEFAULT_PROGRAM
    timezone: str | None = None
    # What it was made from, as a digest ("" when unknown): the same origin, the same meetings.
    # The last good copy is not written again for a directory it already holds (start-up).
    origin: str = field(default="", compare=False, repr=False)
    _by_slug: Mapping[str, Meeting] = field(init=False, repr=False, compare=False)
    # The language type codes some meeting is held in (worked out once, not per /meetings).
    languages: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_slug: dict[str, Meeting] = {}
        for meeting in self.meetings:
            if meeting.slug in by_slug:
                raise ValueError(f"duplicate slug {meeting.slug!r}")
            by_slug[meeting.slug] = meeting
        object.__setattr__(self, "meetings", tuple(self.meetings))
        object.__setattr__(self, "_by_slug", by_slug)
        held = frozenset(code for m in self.meetings for code in m.languages)
        object.__setattr__(self, "languages", held)

    def __len__(self) -> int:
        return len(self.meetings)

    def __iter__(self) -> Iterator[Meeting]:
        return iter(self.meetings)

    def __contains__(self, slug: object) -> bool:
        return slug in self._by_slug

    def __getitem__(self, slug: str) -> Meeting:
        return self._by_slug[slug]

    def get(self, slug: str) -> Meeting | None:
        return self._by_slug.get(slug)

    def spoken(self, language: str) -> str | None:
        """The type code of meetings held in the bot language `language` ("es": "S"), when some
        meeting here is held in it; None otherwise."""
        code = SPOKEN_TYPE.get(language)
        return code if code in self.languages else None

    def filter(
        self,
        *,
        day: int | None = None,
        online: bool | None = None,
        in_person: bool | None = None,
        dual_diagnosis: bool | None = None,
        program: str | Iterable[str] | None = None,
        newcomer: bool | None = None,
        active: bool | None = None,
        language: str | None = None,
    ) -> tuple[Meeting, ...]:
        """The meetings matching every criterion given; `None` means "either way".

        `day` is a Meeting Guide day (0 = Sunday) in each meeting's own zone; `program` is one code
        or several (any case); `dual_diagnosis` matches type DD and the programs DRA and DTR;
        `language` is a language's type code (`S` for meetings in Spanish).
        """
        programs: frozenset[str] | None = None
        if program is not None:
            names = [program] if isinstance(program, str) else list(program)
            programs = frozenset(p.strip().upper() for p in names)

        def keep(m: Meeting) -> bool:
            return (
                (day is None or day in m.day)
                and (online is None or m.is_online == online)
                and (in_person is None or m.is_in_person == in_person)
                and (dual_diagnosis is None or m.dual_diagnosis == dual_diagnosis)
                and (programs is None or m.program in programs)
                and (newcomer is None or m.newcomer == newcomer)
                and (active is None or m.is_active == active)
                and (language is None or language in m.types)
            )

        return tuple(m for m in self.meetings if keep(m))


# --- reading content/meetings.yaml -------------------------------------------------------------

_TOP_KEYS = ("meetings", "program", "timezone")
_YAML_ERROR = re.compile(r"^(?P<file>.*?):(?:line )?(?P<line>\d+): (?P<message>.*)$", re.DOTALL)


def _yaml_problem(path: Path, exc: YamlFileError) -> Problem:
    match = _YAML_ERROR.match(str(exc))
    if match:
        return Problem(path, int(match["line"]), "", match["message"].strip())
    return Problem(path, 1, "", str(exc))


def _describe(error: Mapping[str, Any]) -> str:
    """One pydantic error on a meeting, in words an organizer can act on."""
    loc = [
        _FILE_NAMES.get(str(p), str(p)) if i == 0 else str(p) for i, p in enumerate(error["loc"])
    ]
    where = ".".join(loc)
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return f"unknown field {where!r}"
    if kind == "missing":
        return f"{where}: this field is required"
    if kind == "string_pattern_mismatch" and loc[:1] == ["slug"]:
        return (
            "slug: use lower-case letters, digits and dashes (at most 61), "
            "like 'example-monday-night'"
        )
    return f"{where}: {message}" if where else message


# Values YAML 1.1 turns into numbers when they are not quoted: `19:00` is read as 1140 (base 60),
# `02134` as an octal number. The original text is recovered from the source line.
_TEXT_FIELDS = ("time", "end_time", "postal_code", "conference_phone", "slug")


def _raw_scalar(line: str, key: str) -> str | None:
    match = re.search(rf"(?:^|[\s{{,]){re.escape(key)}\s*:\s*([^\s,}}#]+)", line)
    return match[1].strip("'\"") if match else None


def _restore_text(record: dict[str, Any], loaded: LoadedYaml, loc: Path_, lines: list[str]) -> None:
    for key in _TEXT_FIELDS:
        value = record.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        number = loaded.line_of((*loc, key))
        raw = _raw_scalar(lines[number - 1], key) if 0 < number <= len(lines) else None
        if raw is None:
            continue
        if key in ("time", "end_time") and not _TIME_TEXT.match(raw):
            continue
        record[key] = raw


def _key_line(loaded: LoadedYaml, loc: Path_) -> int:
    return loaded.key_lines.get(loc) or loaded.line_of(loc)


def _entry_name(record: Mapping[str, Any]) -> str:
    for key in ("slug", "name"):
        value = record.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def refusing(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that keep a meetings file from being used (start-up serves the last good
    directory, /reload keeps the one it has); the others (`Problem.left_out`, a repeated slug)
    leave their record out and the rest of the file is used."""
    return [problem for problem in problems if not problem.left_out]


# No weekly meeting runs this long: `time: 7:00` for 19:00 with `end_time: 20:00` is 13 hours.
MAX_DURATION = dt.timedelta(hours=12)
_HALF_DAY = dt.timedelta(hours=12)


def _later(value: dt.time, by: dt.timedelta) -> dt.time:
    return (dt.datetime.combine(dt.date(2000, 1, 1), value) + by).time()


def duration_problem(meeting: Meeting) -> str | None:
    """What is wrong with a meeting longer than `MAX_DURATION`, with the likely fix: a time
    written on the 12-hour clock ("7:00" for 19:00) or an end on the next morning."""
    if meeting.duration <= MAX_DURATION:
        return None
    hours = meeting.duration.total_seconds() / 3600
    length = f"{hours:g} hours" if hours == int(hours) else f"{hours:.1f} hours"
    said = f"time {meeting.time:%H:%M} to end_time {meeting.end_time:%H:%M} is {length}"
    if meeting.time < meeting.end_time and meeting.time < dt.time(12):
        fix = f'did you mean time: "{_later(meeting.time, _HALF_DAY):%H:%M}"?'
    elif meeting.end_time < meeting.time and meeting.end_time < dt.time(12):
        fix = f'did you mean end_time: "{_later(meeting.end_time, _HALF_DAY):%H:%M}"?'
    else:
        fix = "check time and end_time"
    return f"{said}; {fix} (times are on the 24-hour clock)"


def type_problems(meeting: Meeting, known: Collection[str]) -> str | None:
    """The meeting's type codes that no name is given for (content/<language>/meeting_types.yaml,
    shown as typed), each with the closest known code."""
    unknown = [code for code in meeting.types if code not in known]
    if not unknown:
        return None
    named = []
    for code in unknown:
        close = closest(code.upper(), known, cutoff=0.6)
        named.append(f"{code!r} (did you mean {close!r}?)" if close else repr(code))
    return (
        f"types: unknown type code {', '.join(named)}; the codes are those of "
        "meeting_types.yaml (add a name there for a code of your own)"
    )


def load_directory(
    path: Path, known_types: Collection[str] | None = None
) -> tuple[Directory, list[Problem]]:
    """Read a meetings file; bad records are left out and reported, never raised.

    A file that cannot be read at all gives an empty directory and one problem. A record that
    repeats an earlier one's slug is a `left_out` problem: the first keeps the slug. A meeting
    longer than `MAX_DURATION` is a problem (left out). With `known_types` (check-content), a
    type code outside them is one too; the bot shows such a code as it is.
    """
    problems: list[Problem] = []
    try:
        loaded = load_yaml(path)
    except YamlFileError as exc:
        return Directory(), [_yaml_problem(path, exc)]
    data = loaded.data
    if data is None:
        return Directory(), []
    if not isinstance(data, dict):
        return Directory(), [Problem(path, 1, "", "the file must be a mapping with `meetings:`")]
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(
                Problem(
                    path,
                    loaded.line_of((str(key),)),
                    "",
                    f"unknown top-level key {key!r}; use {', '.join(_TOP_KEYS)}",
                )
            )
    program = DEFAULT_PROGRAM
    raw_program = data.get("program")
    if raw_program is not None:
        code = str(raw_program).strip().upper()
        if code in PROGRAMS:
            program = code
        else:
            problems.append(
                Problem(
                    path,
                    loaded.line_of(("program",)),
                    "",
                    f"program: unknown program {raw_program!r}; use one of {', '.join(PROGRAMS)}",
                )
            )
    timezone: str | None = None
    raw_zone = data.get("timezone")
    if raw_zone is not None:
        try:
            timezone = check_timezone(str(raw_zone).strip())
        except ValueError as exc:
            problems.append(Problem(path, loaded.line_of(("timezone",)), "", f"timezone: {exc}"))
    records = data.get("meetings")
    if records is None:
        records = []
        problems.append(Problem(path, 1, "", "meetings: the file needs a `meetings:` list"))
    elif not isinstance(records, list):
        problems.append(
            Problem(path, loaded.line_of(("meetings",)), "", "meetings: must be a list")
        )
        records = []
    try:
        source_lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        source_lines = []

    meetings: list[Meeting] = []
    first_line: dict[str, int] = {}
    for index, record in enumerate(records):
        loc: Path_ = ("meetings", index)
        if not isinstance(record, dict):
            problems.append(
                Problem(path, loaded.line_of(loc), "", "each meeting must be a mapping of fields")
            )
            continue
        record = dict(record)
        _restore_text(record, loaded, loc, source_lines)
        record.setdefault("program", program)
        if timezone is not None:
            record.setdefault("timezone", timezone)
        entry = _entry_name(record)
        try:
            meeting = Meeting.model_validate(record)
        except ValidationError as exc:
            for error in exc.errors():
                where: Path_ = (*loc, *(_FILE_NAMES.get(str(p), p) for p in error["loc"]))
                problems.append(Problem(path, loaded.line_of(where), entry, _describe(error)))
            continue
        too_long = duration_problem(meeting)
        if too_long is not None:
            problems.append(Problem(path, _key_line(loaded, (*loc, "time")), entry, too_long))
            continue
        unknown = type_problems(meeting, known_types) if known_types is not None else None
        if unknown is not None:
            problems.append(Problem(path, _key_line(loaded, (*loc, "types")), entry, unknown))
        line = loaded.line_of((*loc, "slug"))
        if meeting.slug in first_line:
            problems.append(
                Problem(
                    path,
                    line,
                    meeting.slug,
                    f"duplicate slug (first used on line {first_line[meeting.slug]})",
                    left_out=True,
                )
            )
            continue
        first_line[meeting.slug] = line
        meetings.append(meeting)
    origin = hashlib.sha256(f"{RECORD_FORMAT}\n".encode() + "\n".join(source_lines).encode())
    directory = Directory(
        tuple(meetings), program=program, timezone=timezone, origin=origin.hexdigest()
    )
    return directory, problems


# --- Meeting Guide feeds -----------------------------------------------------------------------

_FEED_FIELDS = frozenset(
    {_FILE_NAMES.get(name, name) for name in Meeting.model_fields} | {"entity_website_url"}
)


def _feed_slug(value: Any) -> str:
    """The spec allows any URL-safe string or an integer; the directory wants `SLUG_PATTERN`."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    slug = re.sub(r"[^a-z0-9]+", "-", str(value).strip().lower()).strip("-")
    return slug[:61].rstrip("-")


# A record without one of these cannot be a weekly meeting here; any other bad field is dropped.
_REQUIRED_FIELDS = frozenset({"name", "slug", "day", "time", "timezone", "program"})
_BY_APPOINTMENT = "(meetings by appointment are not listed)"


@dataclass
class FeedReading:
    """What a feed gave: its meetings, the records left out `(index, slug or name, reason)`, and
    the fields dropped from meetings that were kept `(index, slug or name, field: reason)`."""

    meetings: list[Meeting] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    dropped: list[tuple[int, str, str]] = field(default_factory=list)


def _clean_types(clean: dict[str, Any], note: Callable[[str], None]) -> None:
    """Keep the type codes the directory can hold; a custom one ("Big Book") is noted, not fatal."""
    value = clean.get("types")
    if value is None:
        return
    codes = value.split(",") if isinstance(value, str) else value
    if not isinstance(codes, list | tuple):
        note(f"types: not a list of codes ({type(value).__name__})")
        del clean["types"]
        return
    kept = [str(c).strip() for c in codes if c is not None and str(c).strip()]
    bad = [c for c in kept if not _TYPE_CODE.fullmatch(c)]
    if bad:
        note(f"types: {', '.join(repr(c) for c in bad)} not a type code, left out")
    clean["types"] = [c for c in kept if c not in bad]


def _clean_position(clean: dict[str, Any], note: Callable[[str], None]) -> None:
    has = [k for k in ("latitude", "longitude") if clean.get(k) not in (None, "")]
    if len(has) == 1:
        note(f"{has[0]} without {'longitude' if has[0] == 'latitude' else 'latitude'}, left out")
        clean.pop("latitude", None)
        clean.pop("longitude", None)


def _slugs(records: Sequence[Any]) -> dict[int, str]:
    """The directory slug of each record, by index: the feed's own when it is already a clean
    slug, else its cleaned form; when cleaning makes two different slugs equal (`Sunday_Serenity`
    and `sunday-serenity`, `reunión` and `reuni-n`, long ones cut short), each one cleaning
    changed gets a digest of the slug as given, so two meetings never merge and each keeps its
    slug from one import to the next."""
    cleaned: dict[int, tuple[str, str]] = {}
    for index, record in enumerate(records):
        if isinstance(record, Mapping) and record.get("slug") not in (None, ""):
            given = str(record["slug"]) if not isinstance(record["slug"], bool) else ""
            slug = _feed_slug(record["slug"])
            if slug:
                cleaned[index] = (given, slug)
    originals: dict[str, set[str]] = {}
    for given, slug in cleaned.values():
        originals.setdefault(slug, set()).add(given)
    result: dict[int, str] = {}
    for index, (given, slug) in cleaned.items():
        if len(originals[slug]) > 1 and given != slug:
            digest = hashlib.sha256(given.encode()).hexdigest()[:8]
            slug = f"{slug[: 61 - 9].rstrip('-')}-{digest}"
        result[index] = slug
    return result


def read_feed(
    records: Sequence[Any],
    default_program: str = DEFAULT_PROGRAM,
    default_timezone: str | None = None,
) -> FeedReading:
    """Meetings from a Meeting Guide JSON feed (a list of records), as real consumers read one.

    Fields the directory does not use are ignored; `entity_website_url` is read as `entity_url`;
    a record's time zone is its own, else `default_timezone`, else its place's
    (`bot.feed_zones`), and a record whose zone cannot be known is skipped, never put in UTC.
    Records without a day and time (by appointment) are skipped: the bot lists weekly meetings.
    A bad optional field (a link with a space, a custom type, a latitude alone, notes too long)
    is dropped and noted; the meeting stays. Two records collide only when their slugs are equal.
    """
    reading = FeedReading()
    slugs = _slugs(records)
    seen: dict[str, int] = {}
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            reading.skipped.append((index, "", "not a meeting record (expected a JSON object)"))
            continue
        label = _entry_name(record)
        notes: list[str] = []
        clean = {k: v for k, v in record.items() if k in _FEED_FIELDS}
        website = clean.pop("entity_website_url", None)
        if website and not clean.get("entity_url"):
            clean["entity_url"] = website
        if "slug" not in record or record["slug"] in (None, ""):
            reading.skipped.append((index, label, "missing slug"))
            continue
        if index not in slugs:
            reading.skipped.append((index, label, f"unusable slug {record['slug']!r}"))
            continue
        clean["slug"] = slugs[index]
        if clean.get("day") in (None, "", []):
            reading.skipped.append(
                (index, label, "no day (meetings by appointment are not listed)")
            )
            continue
        if clean.get("time") in (None, ""):
            reading.skipped.append(
                (index, label, "no time (meetings by appointment are not listed)")
            )
            continue
        found = zone_of(record, default_timezone)
        if found.zone is None:
            reading.skipped.append((index, label, found.source))
            continue
        clean["timezone"] = found.zone
        if not clean.get("program"):
            clean["program"] = default_program
        _clean_types(clean, notes.append)
        _clean_position(clean, notes.append)
        meeting, reason = _tolerant_meeting(clean, notes)
        if meeting is None:
            reading.skipped.append((index, label, reason))
            continue
        if meeting.slug in seen:
            reading.skipped.append(
                (index, label, f"duplicate slug (also record {seen[meeting.slug]})")
            )
            continue
        seen[meeting.slug] = index
        reading.meetings.append(meeting)
        reading.dropped.extend((index, label, n) for n in notes)
    return reading


def _tolerant_meeting(clean: dict[str, Any], notes: list[str]) -> tuple[Meeting | None, str]:
    """The meeting, dropping (and noting) each optional field it refuses; None with the reason
    when a required field is bad."""
    for _ in range(len(clean) + 1):
        try:
            return Meeting.model_validate(clean), ""
        except ValidationError as exc:
            errors = exc.errors()
        fields = {_FILE_NAMES.get(str(e["loc"][0]), str(e["loc"][0])) for e in errors if e["loc"]}
        required = fields & _REQUIRED_FIELDS
        if required or not fields:
            return None, "; ".join(_describe(e) for e in errors)
        for error in errors:
            notes.append(f"{_describe(error)}; left out")
        for name in fields:  # file names ("address"), as `clean` has them
            clean.pop(name, None)
    return None, "too many bad fields"


def parse_feed(
    records: Sequence[Any],
    default_program: str = DEFAULT_PROGRAM,
    default_timezone: str | None = None,
) -> tuple[list[Meeting], list[tuple[int, str, str]]]:
    """Meetings from a Meeting Guide JSON feed, and the records left out (see `read_feed`)."""
    reading = read_feed(records, default_program, default_timezone)
    return reading.meetings, reading.skipped


def merge(
    existing: Directory, imported: Iterable[Meeting], source: str | None = None
) -> tuple[list[Meeting], dict[str, int]]:
    """The directory after an import, by slug, and how many were added, updated, unchanged,
    kept and removed.

    An imported meeting replaces the one with its slug in place; new ones follow in import order.
    A meeting the import does not mention is removed when it came from the same `source` (it
    has left that feed), and kept otherwise (written by hand, or from another feed).
    """
    incoming: dict[str, Meeting] = {}
    for meeting in imported:
        incoming.setdefault(meeting.slug, meeting)
    counts = {"added": 0, "updated": 0, "unchanged": 0, "kept": 0, "removed": 0}
    result: list[Meeting] = []
    for old in existing:
        new = incoming.pop(old.slug, None)
        if new is None and source is not None and old.source == source:
            counts["removed"] += 1
        elif new is None:
            counts["kept"] += 1
            result.append(old)
        elif new == old:
            counts["unchanged"] += 1
            result.append(old)
        else:
            counts["updated"] += 1
            result.append(new)
    counts["added"] = len(incoming)
    result.extend(incoming.values())
    return result, counts


class _Dumper(yaml.SafeDumper):
    """Writes every value out: the loader refuses aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


DIRECTORY_HEADER = (
    "# Meeting directory: one entry per weekly meeting, in Meeting Guide fields\n"
    "# (github.com/code4recovery/spec). Days: 0 = Sunday .. 6 = Saturday. Times: HH:MM, 24 h,\n"
    "# in the meeting's own time zone.\n"
)


# Changes when `meeting_record` writes records differently (bump the number) or the meeting's
# fields change (the digest): saved copies are then written again, and stored feed copies are
# validated again instead of rebuilt (`meeting_from_record`).
RECORD_FORMAT = "2-" + hashlib.sha256(",".join(Meeting.model_fields).encode()).hexdigest()[:12]


def meeting_record(meeting: Meeting) -> dict[str, Any]:
    """A meeting as plain data with the file's field names, leaving out empty fields."""
    record: dict[str, Any] = {}
    for name in Meeting.model_fields:
        value = getattr(meeting, name)
        if value is None or value == ():
            continue
        if isinstance(value, dt.time):
            value = _format_time(value)
        elif name == "day":
            value = value[0] if len(value) == 1 else list(value)
        elif isinstance(value, tuple):
            value = list(value)
        record[_FILE_NAMES.get(name, name)] = value
    return record


_MODEL_NAMES = {file: model for model, file in _FILE_NAMES.items()}
_TIMES = frozenset({"time", "end_time"})


def meeting_from_record(record: Mapping[str, Any]) -> Meeting:
    """A meeting back from a record `meeting_record` wrote (the bot's own stored copies), without
    validating it again: what was validated when it was stored is rebuilt field by field, ten
    times faster than `Meeting.model_validate` (a 20,000-meeting feed copy at every start).
    Only for records of this `RECORD_FORMAT`; anything else goes through validation."""
    fields: dict[str, Any] = {}
    for key, value in record.items():
        name = _MODEL_NAMES.get(key, key)
        if name in _TIMES:
            value = _parse_time(value)
        elif name == "day":
            value = (value,) if type(value) is int else tuple(value)
        elif type(value) is list:
            value = tuple(value)
        fields[name] = value
    return Meeting.model_construct(**fields)


def dump_directory(
    meetings: Iterable[Meeting],
    *,
    program: str | None = None,
    timezone: str | None = None,
    header: str = DIRECTORY_HEADER,
) -> str:
    """YAML text for a meetings file that `load_directory` reads back to the same meetings."""
    data: dict[str, Any] = {}
    if program is not None:
        data["program"] = program
    if timezone is not None:
        data["timezone"] = timezone
    data["meetings"] = [meeting_record(m) for m in meetings]
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=100,
    )
    return header + body


# --- distance ----------------------------------------------------------------------------------

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def nearest(
    directory: Iterable[Meeting], lat: float, lon: float, limit: int = 5
) -> list[tuple[Meeting, float]]:
    """The in-person meetings with coordinates closest to a point, with their distance in km."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("latitude runs from -90 to 90 and longitude from -180 to 180")
    found = [
        (m, haversine_km(lat, lon, m.latitude, m.longitude))
        for m in directory
        if m.is_in_person and m.latitude is not None and m.longitude is not None
    ]
    found.sort(key=lambda pair: (pair[1], pair[0].slug))
    return found[: max(limit, 0)]
