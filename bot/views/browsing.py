"""The directory's browsing screens: filter pickers (time of day, type, region), the line that
folds meetings in progress, search results, the radius buttons near a place, a card's extras.

Pure rendering from a language pack (no I/O, no clock of its own). May import the domain
(`bot.browsing`, `bot.meetings`), `bot.content` and `bot.callbacks`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.browsing import (
    RADII_KM,
    RADII_MILES,
    TIMES_OF_DAY,
    Catalog,
    Filters,
    conference_provider,
    point_code,
    radius_code,
    region_key,
    updated_on,
)
from bot.content import LanguagePack
from bot.meetings import Meeting
from bot.timezones import city_name
from bot.views.html import Row, esc

PICKER_PAGE = 8  # types or regions per picker page, one a row
MAX_LABEL = 60
# Time of day code -> its ui.yaml label, in the order of the day.
TIME_LABELS: dict[str, str] = {
    "m": "meetings_time_morning",
    "a": "meetings_time_midday",
    "e": "meetings_time_evening",
    "n": "meetings_time_night",
}
assert TIME_LABELS.keys() == TIMES_OF_DAY.keys()


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _day(pack: LanguagePack, moment: dt.datetime) -> str:
    return pack.text(f"day_{(moment.weekday() + 1) % 7}")  # weekday(): 0 = Monday; ours: 0 = Sunday


def when_label(
    pack: LanguagePack, meeting: Meeting, start: dt.datetime, zone: ZoneInfo, now: dt.datetime
) -> str:
    """When a meeting in a list next starts, on the user's clock: "On now", "Today 19:00",
    "Fri 12:30" within the six days after today, and with the date from a week ahead ("Wed 9 Dec
    10:00": the same weekday as today, so "Wed" alone would read as today). When the meeting's own
    clock shows another day, that day and time follow, with its place: "Fri 12:30 (Thu 19:30 in
    New York)", so a Thursday meeting listed on Friday reads as one."""
    if start <= now:
        return pack.text("meetings_now")
    local = start.astimezone(zone)
    ahead = (local.date() - now.astimezone(zone).date()).days
    if ahead == 0:
        when = f"{pack.text('meetings_today')} {local:%H:%M}"
    elif ahead < 7:
        when = f"{_day(pack, local)} {local:%H:%M}"
    else:
        when = f"{_day(pack, local)} {local.day} {pack.text(f'month_{local.month}')} {local:%H:%M}"
    there = start.astimezone(meeting.tz)
    if there.date() == local.date():
        return when
    return pack.text(
        "meetings_when_label_there",
        when=when,
        day=_day(pack, there),
        time=f"{there:%H:%M}",
        zone=city_name(meeting.timezone, pack.language),
    )


def check(on: bool, label: str) -> str:
    return f"✅ {label}" if on else label


def list_payload(filters: Filters, page: int = 0) -> str:
    return callbacks.make("mt", "ls", filters.encode(), page)


def time_rows(pack: LanguagePack, filters: Filters) -> list[Row]:
    """Morning, midday, evening, night (two a row), then any time and Back."""
    buttons = [
        (
            check(code == filters.time, pack.text(label)),
            list_payload(dataclasses.replace(filters, time=code)),
        )
        for code, label in TIME_LABELS.items()
    ]
    rows: list[Row] = [buttons[:2], buttons[2:]]
    rows.append(
        [
            (pack.text("meetings_any_time"), list_payload(dataclasses.replace(filters, time=None))),
            (pack.text("button_back"), list_payload(filters)),
        ]
    )
    return rows


def page_rows(pack: LanguagePack, action: str, code: str, page: int, pages: int) -> list[Row]:
    """ "Previous" and "Next" for page `page` of `pages` (`mt:<action>:<code>:<page>`); none
    when there is one page."""
    nav = []
    if page > 0:
        nav.append((pack.text("meetings_prev"), callbacks.make("mt", action, code, page - 1)))
    if page + 1 < pages:
        nav.append((pack.text("meetings_next"), callbacks.make("mt", action, code, page + 1)))
    return [nav] if nav else []


def _picker_rows(
    pack: LanguagePack,
    filters: Filters,
    choices: Sequence[tuple[bool, str, Filters]],
    page: int,
    action: str,
    any_key: str,
    cleared: Filters,
) -> list[Row]:
    """One page of (chosen now?, label, filters) choices, one a row; ‹ › between pages; "any" and
    Back."""
    pages = max(1, math.ceil(len(choices) / PICKER_PAGE))
    page = min(page, pages - 1)
    code = filters.encode()
    rows: list[Row] = [
        [(clip(check(current, label), MAX_LABEL), list_payload(chosen))]
        for current, label, chosen in choices[page * PICKER_PAGE : (page + 1) * PICKER_PAGE]
    ]
    rows.extend(page_rows(pack, action, code, page, pages))
    back = (pack.text("button_back"), list_payload(filters))
    rows.append([(pack.text(any_key), list_payload(cleared)), back])
    return rows


def type_rows(pack: LanguagePack, filters: Filters, catalog: Catalog, page: int) -> list[Row]:
    """The directory's types, most common first, with how many meetings have each."""
    choices = [
        (
            code.lower() == filters.type,
            f"{pack.type_name(code)} · {count}",
            dataclasses.replace(filters, type=code.lower()),
        )
        for code, count in catalog.offered_types()
    ]
    cleared = dataclasses.replace(filters, type=None)
    return _picker_rows(pack, filters, choices, page, "type", "meetings_any_type", cleared)


def region_rows(pack: LanguagePack, filters: Filters, catalog: Catalog, page: int) -> list[Row]:
    """The directory's regions, by name, with how many meetings are in each."""
    choices = []
    for name, count in catalog.regions:
        key = region_key(name)
        chosen = dataclasses.replace(filters, region=key)
        choices.append((key == filters.region, f"{name} · {count}", chosen))
    cleared = dataclasses.replace(filters, region=None)
    return _picker_rows(pack, filters, choices, page, "reg", "meetings_any_region", cleared)


def in_progress_row(pack: LanguagePack, filters: Filters, count: int) -> Row:
    """The one button that stands for the meetings under way, folded out of the list."""
    label = pack.text("meetings_in_progress_show", count=count)
    return [(label, callbacks.make("mt", "now", filters.encode(), 0))]


def radius_rows(pack: LanguagePack, lat: float, lon: float, miles: bool, chosen: int) -> list[Row]:
    """5 / 10 / 25 / 50 km (3 / 5 / 15 / 30 mi), the chosen one ticked."""
    radii = RADII_MILES if miles else RADII_KM
    key = "meetings_radius_miles" if miles else "meetings_radius_km"
    return [
        [
            (
                check(index == chosen, pack.text(key, radius=radius)),
                callbacks.make(
                    "mt", "nr", f"{point_code(lat)}_{point_code(lon)}", radius_code(miles, index)
                ),
            )
            for index, radius in enumerate(radii)
        ]
    ]


# --- a card's extras -----------------------------------------------------------------------------


def join_line(pack: LanguagePack, meeting: Meeting) -> str | None:
    """ "Join on Zoom: <link>", or "Join online: <link>" when the service is not one we know."""
    if not meeting.conference_url:
        return None
    provider = conference_provider(meeting.conference_url)
    if provider is None:
        return pack.text("meetings_join", url=meeting.conference_url)
    return pack.text("meetings_join_on", provider=provider, url=meeting.conference_url)


def join_label(pack: LanguagePack, meeting: Meeting) -> str:
    provider = conference_provider(meeting.conference_url)
    if provider is None:
        return pack.text("meetings_join_button")
    return pack.text("meetings_join_on_button", provider=provider)


def about_lines(pack: LanguagePack, meeting: Meeting) -> str | None:
    """Region, group, who lists it and when the listing was last updated (escaped), if known."""
    lines = []
    if meeting.region:
        lines.append(pack.text("meetings_region", region=meeting.region))
    if meeting.group:
        lines.append(pack.text("meetings_group", group=meeting.group))
    if meeting.entity:
        lines.append(pack.text("meetings_entity", entity=meeting.entity))
    updated = updated_on(meeting)
    if updated is not None:
        lines.append(pack.text("meetings_updated", date=updated.isoformat()))
    return "\n".join(esc(line) for line in lines) or None


def link_rows(pack: LanguagePack, meeting: Meeting, group_mates: bool, ref: str) -> list[Row]:
    """The listing's own page and its entity's site as link buttons, and the group's other
    meetings, when there are any."""
    links = []
    if meeting.url:
        links.append((pack.text("meetings_listing_button"), meeting.url))
    if meeting.entity_url:
        label = (
            pack.text("meetings_entity_button", entity=clip(meeting.entity, 40))
            if meeting.entity
            else pack.text("meetings_website_button")
        )
        links.append((label, meeting.entity_url))
    rows: list[Row] = [links] if links else []
    if group_mates and meeting.group:
        label = clip(pack.text("meetings_group_button", group=meeting.group), MAX_LABEL)
        rows.append([(label, callbacks.make("mt", "grp", ref))])
    return rows
