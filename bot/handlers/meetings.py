"""/meetings: the directory soonest first, narrowed by filter buttons; a meeting's card; nearby;
a typed search.

Every screen is stateless: the filters and the page travel in the button payload as a compact,
strictly parsed code (`Filters.encode`, `bot.browsing`), for example `mt:ls:d2e.on.dd.psmart:1`.
Days and times of day are the *user's*: a 23:00 Monday meeting in New York is a Tuesday morning
meeting in London. The search is a flow (`FLOW`): the words typed next are searched at once and
the flow cleared, so they are kept nowhere.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from telegram import KeyboardButton, ReplyKeyboardMarkup, Update

from bot import callbacks, deeplinks
from bot.browsing import (
    FIRST_RADIUS,
    KM_PER_MILE,
    NO_FILTERS,
    RADII_KM,
    Catalog,
    Filters,
    radius_km,
    read_point,
    read_radius,
    shown_types,
    time_window,
    uses_miles,
)
from bot.calendar_links import google_calendar_url
from bot.content import LanguagePack
from bot.context import BotContext
from bot.feed_zones import zone_at
from bot.flows import Flow, clear_flow, get_flow, set_flow
from bot.handlers.common import Row, esc, keyboard, pack_for, show, tell_timezone_once
from bot.meetings import PROGRAMS, Directory, Meeting
from bot.schedule import AHEAD, Listed, Listing, Schedule
from bot.subscriptions import MeetingRef
from bot.timezones import city_name, zone_code, zone_label
from bot.views import browsing as views
from bot.views.browsing import check as _check
from bot.views.browsing import clip, page_rows
from bot.views.browsing import list_payload as _list_payload
from bot.views.places import directions_url
from scheduler.recurrence import occurrences

PAGE_SIZE = 6
MAX_LABEL = 60
MAX_TEXT = 4096
NEAR_LIMIT = 8
# A card opened from a list that must stay in view (nearby, search results): a new message.
FROM_NEARBY = "near"
# A card opened from a group's list: Back goes to that group's other meetings.
FROM_GROUP = "grp"
# Meetings under way are folded into one line when there are this many (half a page) or more.
FOLD_UNDER_WAY = 3
FLOW = "find"
# A search is typed right after the button; later text is more likely something else.
FLOW_TTL = dt.timedelta(minutes=10)
# Longer text, or a question, typed in the search is not a name or a town: the FAQ answers it.
MAX_SEARCH_WORDS = 5
SEARCH_SHOWN = 8
RADII = RADII_KM  # as many radii in miles
# Monday first, as most people read a week; Meeting Guide numbers (0 = Sunday).
WEEK = (1, 2, 3, 4, 5, 6, 0)

# Yes/no filters: payload code -> ui.yaml label, in payload order.
FLAGS: dict[str, str] = {
    "on": "meetings_filter_online",
    "ip": "meetings_filter_in_person",
    "dd": "meetings_filter_dd",
    "nc": "meetings_filter_newcomer",
}


def guide_day(moment: dt.datetime) -> int:
    """Meeting Guide weekday (0 = Sunday) of an aware datetime; Python's weekday() is 0 = Monday."""
    return (moment.weekday() + 1) % 7


def coming_starts(meeting: Meeting, now: dt.datetime) -> list[dt.datetime]:
    """The start of the meeting under way, if it is, then those of the coming week (UTC)."""
    until = now + AHEAD
    starts = occurrences(meeting.day, meeting.time, meeting.tz, now - meeting.duration, until)
    return [s for s in starts if s + meeting.duration > now]


def upcoming(
    schedule: Schedule,
    directory: Directory,
    filters: Filters,
    zone: ZoneInfo,
    now: dt.datetime,
    mask: NDArray[np.bool_] | None = None,
) -> Listing:
    """The meetings matching `filters` (and `mask`, over the directory), under way or soonest
    first, temporarily closed last."""
    day, hours = filters.day, time_window(filters.time)
    narrowed = schedule.catalog.mask(filters)
    if mask is not None:
        narrowed = mask if narrowed is None else narrowed & mask
    return schedule.coming(
        now,
        key=dataclasses.replace(filters.meeting_level, type=None, region=None),
        keep=_keeper(directory, filters),
        day=None if day is None else (day, zone),
        hours=None if hours is None else (*hours, zone),
        mask=narrowed,
    )


def _keeper(directory: Directory, filters: Filters) -> Callable[[Meeting], bool]:
    """Whether a meeting passes `filters`' flags and program (the directory is asked once)."""
    chosen: set[str] | None = None
    flags = filters.flags

    def keep(meeting: Meeting) -> bool:
        nonlocal chosen
        if chosen is None:
            found = directory.filter(
                online=("on" in flags) or None,
                in_person=("ip" in flags) or None,
                dual_diagnosis=("dd" in flags) or None,
                newcomer=("nc" in flags) or None,
                program=filters.program,
                language=filters.language,
            )
            chosen = {m.slug for m in found}
        return meeting.slug in chosen

    return keep


def button_label(pack: LanguagePack, listed: Listed, zone: ZoneInfo, now: dt.datetime) -> str:
    """`Tue 19:00 · Name` in the user's zone (`views.when_label`), marked when the meeting is
    closed, ≤ 60 chars."""
    meeting = listed.meeting
    label = f"{views.when_label(pack, meeting, listed.start, zone, now)} · {meeting.name}"
    if meeting.temporarily_closed:
        mark = "meetings_mark_online_only" if meeting.is_active else "meetings_mark_closed"
        label = f"{pack.text(mark)} {label}"
    return clip(label, MAX_LABEL)


def _ref(meeting: Meeting) -> str:
    return MeetingRef.directory(meeting.slug).encode()


def _card_payload(meeting: Meeting, filters: Filters, page: int) -> str:
    """A card from the list: with the list's filters and page for Back, or without the page when
    the filters leave no room for it (then Back finds the meeting's page)."""
    code = filters.encode()
    try:
        return callbacks.make("mt", "card", _ref(meeting), code, page)
    except ValueError:
        return callbacks.make("mt", "card", _ref(meeting), code)


def _set_label(pack: LanguagePack, on: bool, label_key: str, set_key: str, **values: str) -> str:
    return _check(on, pack.text(set_key, **values) if on else pack.text(label_key))


def _filter_rows(pack: LanguagePack, filters: Filters, catalog: Catalog) -> list[Row]:
    code = filters.encode()
    day = _set_label(
        pack,
        filters.day is not None,
        "meetings_filter_day",
        "meetings_filter_day_set",
        day=pack.text(f"day_{filters.day}") if filters.day is not None else "",
    )
    program = _set_label(
        pack,
        filters.program is not None,
        "meetings_filter_program",
        "meetings_filter_program_set",
        program=filters.program or "",
    )
    toggles = [
        (_check(flag in filters.flags, pack.text(label)), _list_payload(filters.toggled(flag)))
        for flag, label in FLAGS.items()
    ]
    language = _set_label(
        pack,
        filters.language is not None,
        "meetings_filter_language",
        "meetings_filter_language_set",
        language=pack.type_name(filters.language) if filters.language else "",
    )
    time = _set_label(
        pack,
        filters.time is not None,
        "meetings_filter_time",
        "meetings_filter_time_set",
        time=pack.text(views.TIME_LABELS[filters.time]) if filters.time else "",
    )
    kind = _set_label(
        pack,
        filters.type is not None,
        "meetings_filter_type",
        "meetings_filter_type_set",
        type=_type_name(pack, catalog, filters.type),
    )
    rows: list[Row] = [
        [
            (day, callbacks.make("mt", "day", code)),
            (time, callbacks.make("mt", "tod", code)),
        ],
        [
            (program, callbacks.make("mt", "prog", code)),
            (kind, callbacks.make("mt", "type", code, 0)),
        ],
        [(language, callbacks.make("mt", "lang", code))],
        toggles[:2],
        toggles[2:],
    ]
    if catalog.regions:
        region = _set_label(
            pack,
            filters.region is not None,
            "meetings_filter_region",
            "meetings_filter_region_set",
            region=clip(catalog.region_name(filters.region or "") or "?", 30),
        )
        rows.append([(region, callbacks.make("mt", "reg", code, 0))])
    if filters.active:
        rows.append([(pack.text("meetings_clear"), _list_payload(Filters()))])
    return rows


def _type_name(pack: LanguagePack, catalog: Catalog, lower: str | None) -> str:
    if lower is None:
        return ""
    return pack.type_name(catalog.type_code(lower) or lower.upper())


def _filter_names(pack: LanguagePack, filters: Filters, catalog: Catalog) -> list[str]:
    names = []
    if filters.day is not None:
        names.append(pack.text(f"day_{filters.day}"))
    if filters.time is not None:
        names.append(pack.text(views.TIME_LABELS[filters.time]))
    names.extend(pack.text(label) for flag, label in FLAGS.items() if flag in filters.flags)
    if filters.program is not None:
        names.append(pack.program_name(filters.program))
    if filters.language is not None:
        names.append(pack.type_name(filters.language))
    if filters.type is not None:
        names.append(_type_name(pack, catalog, filters.type))
    if filters.region is not None:
        names.append(catalog.region_name(filters.region) or "?")
    return names


async def _catalog(context: BotContext) -> Catalog:
    """The directory's catalog (`bot.browsing`), worked out in a thread the first time, so that
    others are answered meanwhile."""
    schedule = context.services.library.schedule
    if not schedule.has_catalog:
        await asyncio.to_thread(lambda: schedule.catalog)
    return schedule.catalog


async def _listing(
    update: Update, context: BotContext, filters: Filters, mask: NDArray[np.bool_] | None = None
) -> tuple[Listing, ZoneInfo, dt.datetime]:
    """What's on for `filters` in the user's zone: (the listing, the zone, now)."""
    services = context.services
    chat_id = update.effective_chat.id if update.effective_chat else 0
    zone = await services.user_zone(chat_id)
    now = services.clock()
    library = services.library
    if library.schedule.stale(now):  # about once a week: in a thread, so others are answered
        await asyncio.to_thread(library.schedule.prepare, now)
    await _catalog(context)
    return upcoming(library.schedule, library.directory, filters, zone, now, mask), zone, now


async def _show_list(
    update: Update,
    context: BotContext,
    filters: Filters,
    page: int,
    *,
    edit: bool,
    under_way_only: bool = False,
) -> None:
    """A page of the list; meetings under way folded into one button when there are many (or,
    `under_way_only`, those alone)."""
    pack = pack_for(update, context)
    catalog = await _catalog(context)
    listed, zone, now = await _listing(update, context, filters)
    under_way, later = listed.split(now)
    folded = len(under_way) >= FOLD_UNDER_WAY
    if under_way_only:
        listed = under_way
    elif folded:
        listed = later
    pages = max(1, math.ceil(len(listed) / PAGE_SIZE))
    page = min(page, pages - 1)  # the list may have shrunk since the button was sent
    shown = listed[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]

    header = "meetings_in_progress_header" if under_way_only else "meetings_header"
    lines = [f"<b>{esc(pack.text(header, zone=city_name(zone.key, pack.language)))}</b>"]
    if filters.active:
        names = ", ".join(_filter_names(pack, filters, catalog))
        lines.append(esc(pack.text("meetings_filters", filters=names)))
    if folded and not under_way_only and page == 0:
        lines.append(esc(pack.text("meetings_in_progress", count=len(under_way))))
    if not listed:
        lines.append(esc(pack.text("meetings_none")))
    elif pages > 1:
        lines.append(esc(pack.text("meetings_page", page=page + 1, pages=pages)))

    rows: list[Row] = []
    if folded and not under_way_only and page == 0:
        rows.append(views.in_progress_row(pack, filters, len(under_way)))
    rows.extend(
        [(button_label(pack, x, zone, now), _card_payload(x.meeting, filters, page))] for x in shown
    )
    action = "now" if under_way_only else "ls"
    code = filters.encode()
    rows.extend(page_rows(pack, action, code, page, pages))
    if under_way_only:
        rows.append([(pack.text("button_back"), _list_payload(filters))])
    else:
        rows.extend(_filter_rows(pack, filters, catalog))
        rows.append([(pack.text("meetings_search_button"), callbacks.make("mt", "find", code))])
        rows.append([(pack.text("meetings_near_button"), callbacks.make("mt", "near"))])
    await show(update, "\n".join(lines), keyboard(rows), edit=edit)


def _first_filters(context: BotContext) -> Filters:
    """The list a person is first shown: for someone who speaks a language the directory has
    meetings in (Spanish...), those meetings; else every meeting."""
    return Filters(language=context.services.library.directory.spoken(context.pack.language))


async def meetings(update: Update, context: BotContext) -> None:
    """/meetings: meetings under way or starting soonest, with filter buttons, first in the
    person's language where there are any (`_first_filters`)."""
    await tell_timezone_once(update, context)
    await _show_list(update, context, _first_filters(context), 0, edit=False)


async def _day_picker(update: Update, context: BotContext, filters: Filters) -> None:
    services = context.services
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    zone = await services.user_zone(chat_id)
    today = guide_day(services.clock().astimezone(zone))
    order = WEEK[WEEK.index(today) :] + WEEK[: WEEK.index(today)]
    buttons = [
        (
            _check(day == filters.day, pack.text(f"day_{day}")),
            _list_payload(dataclasses.replace(filters, day=day)),
        )
        for day in order
    ]
    first = pack.text("meetings_today")
    buttons[0] = (_check(today == filters.day, first), buttons[0][1])
    rows: list[Row] = [buttons[:4], buttons[4:]]
    rows.append(
        [
            (pack.text("meetings_any_day"), _list_payload(dataclasses.replace(filters, day=None))),
            (pack.text("button_back"), _list_payload(filters)),
        ]
    )
    await show(
        update,
        esc(pack.text("meetings_pick_day", zone=city_name(zone.key, pack.language))),
        keyboard(rows),
        edit=True,
    )


def _choice_rows(
    pack: LanguagePack,
    filters: Filters,
    choose: Callable[[str | None], Filters],
    current: str | None,
    choices: Sequence[tuple[str, str]],
    any_key: str,
) -> list[Row]:
    """One button per (code, label), each to the list as `choose(code)` narrows it, then "any"
    (`choose(None)`) and Back."""
    rows: list[Row] = [
        [(_check(code == current, label), _list_payload(choose(code)))] for code, label in choices
    ]
    back = (pack.text("button_back"), _list_payload(filters))
    rows.append([(pack.text(any_key), _list_payload(choose(None))), back])
    return rows


async def _language_picker(update: Update, context: BotContext, filters: Filters) -> None:
    pack = pack_for(update, context)
    present = context.services.library.directory.languages
    named = sorted(((c, pack.type_name(c)) for c in present), key=lambda c: c[1].casefold())
    rows = _choice_rows(
        pack,
        filters,
        lambda code: dataclasses.replace(filters, language=code),
        filters.language,
        named,
        "meetings_any_language",
    )
    text = pack.text("meetings_pick_language" if named else "meetings_no_languages")
    await show(update, esc(text), keyboard(rows), edit=True)


async def _program_picker(update: Update, context: BotContext, filters: Filters) -> None:
    pack = pack_for(update, context)
    present = {m.program for m in context.services.library.directory}
    programs = [(code, pack.program_name(code)) for code in PROGRAMS if code in present]
    rows = _choice_rows(
        pack,
        filters,
        lambda code: dataclasses.replace(filters, program=code),
        filters.program,
        programs,
        "meetings_any_program",
    )
    text = esc(pack.text("meetings_pick_program"))
    await show(update, text, keyboard(rows), edit=True)


async def _time_picker(update: Update, context: BotContext, filters: Filters) -> None:
    pack = pack_for(update, context)
    zone = await context.services.user_zone(context.chat_id)
    text = esc(pack.text("meetings_pick_time", zone=city_name(zone.key, pack.language)))
    await show(update, text, keyboard(views.time_rows(pack, filters)), edit=True)


async def _type_picker(update: Update, context: BotContext, filters: Filters, page: int) -> None:
    pack = pack_for(update, context)
    catalog = await _catalog(context)
    rows = views.type_rows(pack, filters, catalog, page)
    text = pack.text("meetings_pick_type" if catalog.offered_types() else "meetings_no_types")
    await show(update, esc(text), keyboard(rows), edit=True)


async def _region_picker(update: Update, context: BotContext, filters: Filters, page: int) -> None:
    pack = pack_for(update, context)
    catalog = await _catalog(context)
    rows = views.region_rows(pack, filters, catalog, page)
    text = pack.text("meetings_pick_region" if catalog.regions else "meetings_no_regions")
    await show(update, esc(text), keyboard(rows), edit=True)


# --- the card ----------------------------------------------------------------------------------


def _duration_text(pack: LanguagePack, duration: dt.timedelta) -> str:
    minutes = round(duration.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return pack.text("meetings_hours_minutes", hours=hours, minutes=minutes)
    if hours:
        return pack.text("meetings_hours", hours=hours)
    return pack.text("meetings_minutes", minutes=minutes)


def _days_text(pack: LanguagePack, days: Iterable[int]) -> str:
    wanted = set(days)
    if len(wanted) == 7:
        return pack.text("meetings_every_day")
    return ", ".join(pack.text(f"day_{d}") for d in WEEK if d in wanted)


def _when_lines(
    pack: LanguagePack, meeting: Meeting, zone: ZoneInfo, now: dt.datetime
) -> list[str]:
    """When it meets in the user's zone, and in the meeting's own when the clocks differ."""
    starts = coming_starts(meeting, now)
    first = starts[0]
    # The days of the week, read on each side's wall clock (they differ across midnight).
    week = [s for s in starts if s < first + dt.timedelta(days=7)]

    def span(tz: ZoneInfo) -> tuple[str, str, str]:
        start = first.astimezone(tz)
        end = (first + meeting.duration).astimezone(tz)
        days = _days_text(pack, {guide_day(s.astimezone(tz)) for s in week})
        return days, f"{start:%H:%M}", f"{end:%H:%M}"

    days, start, end = span(zone)
    lines = [
        esc(
            pack.text(
                "meetings_when",
                days=days,
                start=start,
                end=end,
                zone=city_name(zone.key, pack.language),
            )
        )
    ]
    if first.astimezone(zone).utcoffset() != first.astimezone(meeting.tz).utcoffset():
        days, start, end = span(meeting.tz)
        there = pack.text(
            "meetings_when_there",
            days=days,
            start=start,
            end=end,
            zone=city_name(meeting.timezone, pack.language),
        )
        lines.append(esc(there))
    lines.append(esc(pack.text("meetings_length", duration=_duration_text(pack, meeting.duration))))
    return lines


def render_card(pack: LanguagePack, meeting: Meeting, zone: ZoneInfo, now: dt.datetime) -> str:
    """A meeting's card: what, when (both zones), how to join or where, notes, types; ≤ 4096."""
    # (priority, text): the lowest priorities are dropped first if the card is too long.
    sections: list[tuple[int, str]] = [
        (9, f"<b>{esc(meeting.name)}</b>\n<i>{esc(pack.program_name(meeting.program))}</i>"),
    ]
    if meeting.temporarily_closed:
        key = "meetings_closed_online" if meeting.is_active else "meetings_closed"
        sections.append((9, f"⚠️ <b>{esc(pack.text(key))}</b>"))
    sections.append((8, "\n".join(_when_lines(pack, meeting, zone, now))))
    join: list[str] = []
    joining = views.join_line(pack, meeting)
    if joining is not None:
        join.append(esc(joining))
        if meeting.conference_url_notes:
            join.append(esc(clip(meeting.conference_url_notes, 500)))
    if meeting.conference_phone:
        join.append(esc(pack.text("meetings_phone", phone=meeting.conference_phone)))
        if meeting.conference_phone_notes:
            join.append(esc(clip(meeting.conference_phone_notes, 500)))
    if join:
        sections.append((7, "\n".join(join)))
    place = ", ".join(p for p in (meeting.location, meeting.address) if p)
    if place and (meeting.is_in_person or meeting.location or meeting.temporarily_closed):
        where = [esc(pack.text("meetings_where", place=place))]
        if meeting.location_notes:
            where.append(esc(clip(meeting.location_notes, 500)))
        sections.append((6, "\n".join(where)))
    if meeting.notes:
        sections.append((3, esc(clip(meeting.notes, 1000))))
    types = shown_types(meeting)
    if types:
        kinds = "\n".join(f"• {esc(pack.type_name(code))}" for code in types)
        sections.append((4, f"{esc(pack.text('meetings_types'))}\n{kinds}"))
    about = views.about_lines(pack, meeting)
    if about is not None:
        sections.append((5, about))

    def joined(parts: Sequence[tuple[int, str]]) -> str:
        return "\n\n".join(text for _, text in parts)

    while len(joined(sections)) > MAX_TEXT and len(sections) > 1:
        lowest = min(range(len(sections)), key=lambda i: (sections[i][0], -i))
        del sections[lowest]
    return joined(sections)[:MAX_TEXT]


def _card_rows(
    pack: LanguagePack,
    meeting: Meeting,
    ref: str,
    back: str | None,
    now: dt.datetime,
    group_mates: bool = False,
) -> list[Row]:
    links: list[tuple[str, str]] = []
    if meeting.conference_url:
        links.append((views.join_label(pack, meeting), meeting.conference_url))
    directions = directions_url(meeting) if meeting.is_in_person else None
    if directions is not None:
        links.append((pack.text("meetings_directions"), directions))
    rows: list[Row] = [links] if links else []
    google = google_calendar_url(meeting, now, pack.program_name(meeting.program))
    rows.append(
        [
            (pack.text("meetings_remind"), callbacks.make("rem", "ask", ref)),
            (pack.text("meetings_calendar"), callbacks.make("cal", "one", ref)),
        ]
    )
    rows.append([(pack.text("meetings_google_calendar"), google)])
    rows.extend(views.link_rows(pack, meeting, group_mates, ref))
    if back is not None:
        rows.append([(pack.text("button_back"), back)])
    return rows


async def _show_card(update: Update, context: BotContext, button: callbacks.Button) -> None:
    args = button.args
    ref = MeetingRef.decode(args[0] if args else None)
    if ref.kind != "d":
        raise LookupError(button)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    meeting = await context.services.subscriptions.resolve(chat_id, ref)
    if meeting is None:
        raise LookupError(button)
    if len(args) == 3:
        back: str | None = _list_payload(Filters.decode(args[1]), button.int_arg(2))
    elif len(args) == 1:
        back = _list_payload(Filters())
    elif len(args) == 2 and args[1] == FROM_NEARBY:
        back = None
    elif len(args) == 2 and args[1] == FROM_GROUP:
        back = callbacks.make("mt", "grp", args[0])
    elif len(args) == 2:  # filters too wide for the page to fit: Back finds the meeting's page
        filters = Filters.decode(args[1])
        listed, _, now = await _listing(update, context, filters)
        under_way, later = listed.split(now)
        slugs = [x.meeting.slug for x in (later if len(under_way) >= FOLD_UNDER_WAY else listed)]
        page = slugs.index(meeting.slug) // PAGE_SIZE if meeting.slug in slugs else 0
        back = _list_payload(filters, page)
    else:
        raise LookupError(button)
    # From the nearby list the card comes as a new message, so that the list stays in view.
    await _send_card(update, context, meeting, back, edit=back is not None)


async def _send_card(
    update: Update, context: BotContext, meeting: Meeting, back: str | None, *, edit: bool
) -> None:
    """The meeting's card in the user's zone, with its buttons (`back`: to which list)."""
    services = context.services
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    zone = await services.user_zone(chat_id)
    now = services.clock()
    mates = bool((await _catalog(context)).group_of(meeting).any())
    rows = _card_rows(pack, meeting, _ref(meeting), back, now, mates)
    await show(update, render_card(pack, meeting, zone, now), keyboard(rows), edit=edit)


async def open_link(update: Update, context: BotContext, target: deeplinks.Target) -> bool:
    """A link to a meeting (a flyer's QR code, a group's website): its card, with "Remind me"."""
    meeting = deeplinks.meeting_of(target, context.services.library.directory)
    if meeting is None:
        return False
    await _send_card(update, context, meeting, _list_payload(Filters()), edit=False)
    return True


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """The first list (`open`), a list (`ls`), meetings in progress (`now`), the pickers, a
    meeting's card, a group's meetings (`grp`), the search (`find`, `fx`) and nearby (`near`,
    `nr`)."""
    action, args = button.action, button.args
    if action == "open" and not args:  # "Find a meeting" on the main menu: as /meetings opens
        await _show_list(update, context, _first_filters(context), 0, edit=True)
    elif action == "ls" and len(args) == 2:
        await _show_list(update, context, Filters.decode(args[0]), button.int_arg(1), edit=True)
    elif action == "now" and len(args) == 2:
        filters = Filters.decode(args[0])
        page = button.int_arg(1)
        await _show_list(update, context, filters, page, edit=True, under_way_only=True)
    elif action == "day" and len(args) == 1:
        await _day_picker(update, context, Filters.decode(button.arg))
    elif action == "tod" and len(args) == 1:
        await _time_picker(update, context, Filters.decode(button.arg))
    elif action == "prog" and len(args) == 1:
        await _program_picker(update, context, Filters.decode(button.arg))
    elif action == "lang" and len(args) == 1:
        await _language_picker(update, context, Filters.decode(button.arg))
    elif action == "type" and len(args) == 2:
        await _type_picker(update, context, Filters.decode(args[0]), button.int_arg(1))
    elif action == "reg" and len(args) == 2:
        await _region_picker(update, context, Filters.decode(args[0]), button.int_arg(1))
    elif action == "card":
        await _show_card(update, context, button)
    elif action == "grp" and len(args) == 1:
        await _show_group(update, context, MeetingRef.decode(button.arg))
    elif action == "find" and len(args) == 1:
        await _ask_search(update, context, Filters.decode(button.arg))
    elif action == "fx" and len(args) == 1:
        filters = Filters.decode(button.arg)
        await _leave_search(context)
        await _show_list(update, context, filters, 0, edit=True)
    elif action == "near" and not args:
        await _ask_location(update, context)
    elif action == "nr" and len(args) == 2:
        lat, _, lon = args[0].partition("_")
        point = read_point(lat, lon)
        miles, index = read_radius(args[1])
        await _show_nearby(update, context, point, miles, index, edit=True)
    else:
        raise LookupError(button)


# --- a group's meetings ------------------------------------------------------------------------


async def _show_group(update: Update, context: BotContext, ref: MeetingRef) -> None:
    """The other meetings of a card's group, soonest first; their cards come back here."""
    if ref.kind != "d":
        raise LookupError(ref)
    services = context.services
    meeting = await services.subscriptions.resolve(context.chat_id, ref)
    if meeting is None or not meeting.group:
        raise LookupError(ref)
    pack = pack_for(update, context)
    mates = (await _catalog(context)).group_of(meeting)
    listed, zone, now = await _listing(update, context, Filters(), mates)
    lines = [f"<b>{esc(pack.text('meetings_group_header', group=meeting.group))}</b>"]
    lines.append(esc(pack.text("meetings_times_in", zone=city_name(zone.key, pack.language))))
    if not listed:
        lines.append(esc(pack.text("meetings_none_group")))
    rows: list[Row] = [
        [
            (
                button_label(pack, x, zone, now),
                callbacks.make("mt", "card", _ref(x.meeting), FROM_GROUP),
            )
        ]
        for x in listed[: PAGE_SIZE * 2]
    ]
    rows.append([(pack.text("button_back"), callbacks.make("mt", "card", _ref(meeting)))])
    await show(update, "\n".join(lines), keyboard(rows), edit=True)


# --- the typed search --------------------------------------------------------------------------


async def _ask_search(update: Update, context: BotContext, filters: Filters) -> None:
    """ "Type a name or a town": the next text is the search (a flow, with the list's filters)."""
    services = context.services
    flow = Flow(FLOW, "words", {"filters": filters.encode()})
    await set_flow(services.storage, context.chat_id, flow, services.clock())
    pack = pack_for(update, context)
    rows: list[Row] = [[(pack.text("button_back"), callbacks.make("mt", "fx", filters.encode()))]]
    await show(update, esc(pack.text("meetings_search_ask")), keyboard(rows), edit=True)


async def _leave_search(context: BotContext) -> None:
    """End the search flow, and no other (a button must not end another flow)."""
    storage = context.services.storage
    flow = await get_flow(storage, context.chat_id)
    if flow is not None and flow.name == FLOW:
        await clear_flow(storage, context.chat_id)


async def on_text(update: Update, context: BotContext, flow: Flow) -> bool:
    """The words typed after "🔎 Search": searched at once, the flow cleared (they are kept
    nowhere); a question or a sentence is not a search, and goes on to be answered."""
    message = update.effective_message
    if message is None or message.text is None:
        return False
    await clear_flow(context.services.storage, context.chat_id)
    words = message.text.strip()
    if "?" in words or len(words.split()) > MAX_SEARCH_WORDS:
        await show(update, esc(pack_for(update, context).text("flow_left")))  # then answered
        return False
    try:
        filters = Filters.decode(str(flow.data.get("filters", NO_FILTERS)))
    except LookupError:
        filters = Filters()
    pack = pack_for(update, context)
    catalog = await _catalog(context)
    found = catalog.search(words)
    listed, zone, now = await _listing(update, context, filters, found)
    lines = [f"<b>{esc(pack.text('meetings_search_header', words=clip(words, 60)))}</b>"]
    lines.append(esc(pack.text("meetings_times_in", zone=city_name(zone.key, pack.language))))
    if filters.active:
        names = ", ".join(_filter_names(pack, filters, catalog))
        lines.append(esc(pack.text("meetings_filters", filters=names)))
    if not listed:
        lines.append(esc(pack.text("meetings_search_none")))
    elif len(listed) > SEARCH_SHOWN:
        lines.append(esc(pack.text("meetings_search_more", shown=SEARCH_SHOWN, count=len(listed))))
    code = filters.encode()
    rows: list[Row] = [
        [
            (
                button_label(pack, x, zone, now),
                callbacks.make("mt", "card", _ref(x.meeting), FROM_NEARBY),
            )
        ]
        for x in listed[:SEARCH_SHOWN]
    ]
    rows.append(
        [
            (pack.text("meetings_search_again"), callbacks.make("mt", "find", code)),
            (pack.text("meetings_search_list"), _list_payload(filters)),
        ]
    )
    await show(update, "\n".join(lines), keyboard(rows))
    return True


# --- nearby ------------------------------------------------------------------------------------


def distance_text(pack: LanguagePack, km: float) -> str:
    """`2.4 km (1.5 mi)`; whole numbers from 10 up."""
    miles = km / KM_PER_MILE

    def number(value: float) -> str:
        return f"{value:.1f}" if value < 10 else f"{value:.0f}"

    return pack.text("meetings_distance", km=number(km), miles=number(miles))


def radius_text(pack: LanguagePack, miles: bool, index: int) -> str:
    """A radius as people there say it: `25 km (16 mi)`, or `15 mi (24 km)`."""
    km = radius_km(miles, index)
    if not miles:
        return distance_text(pack, km)
    return pack.text("meetings_distance_miles", miles=f"{km / KM_PER_MILE:.0f}", km=f"{km:.0f}")


async def _ask_location(update: Update, context: BotContext) -> None:
    """A one-tap button that shares the user's location (Telegram asks them first)."""
    chat = update.effective_chat
    if chat is None:
        return
    pack = pack_for(update, context)
    share = KeyboardButton(pack.text("meetings_send_location"), request_location=True)
    markup = ReplyKeyboardMarkup([[share]], resize_keyboard=True, one_time_keyboard=True)
    await chat.send_message(esc(pack.text("meetings_near_ask")), reply_markup=markup)


async def nearby(update: Update, context: BotContext) -> None:
    """A shared location: the in-person meetings within a radius (25 km or 15 mi first; 5 to
    50 km, or 3 to 30 mi where people count in miles, on buttons), closest first, with distances,
    as card buttons; online meetings when none is near. For someone who never chose a time zone,
    times are shown in the zone they are in, with a button to keep it."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    point = (message.location.latitude, message.location.longitude)
    await _show_nearby(update, context, point, None, FIRST_RADIUS, edit=False)


async def _show_nearby(
    update: Update,
    context: BotContext,
    point: tuple[float, float],
    miles: bool | None,
    index: int,
    *,
    edit: bool,
) -> None:
    """The nearby list within radius `index` (in miles or km; None: as the user's zone reads)."""
    services = context.services
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    here = None
    if await services.chosen_zone(chat_id) is None:
        here = await asyncio.to_thread(zone_at, *point)
    zone = ZoneInfo(here) if here else await services.user_zone(chat_id)
    if miles is None:
        miles = uses_miles(zone.key)
    catalog = await _catalog(context)
    widest = len(RADII) - 1
    try:
        near, placed = catalog.near(*point, radius_km(miles, index), NEAR_LIMIT)
    except ValueError:  # not a place on Earth
        near, placed = [], False
    anywhere = near or (placed and catalog.near(*point, radius_km(miles, widest), 1)[0])
    if not near:
        key = "meetings_near_far" if placed else "meetings_near_none"
        radius = radius_text(pack, miles, index if anywhere else widest)
        rows: list[Row] = views.radius_rows(pack, *point, miles, index) if anywhere else []
        online = _list_payload(Filters(flags=frozenset({"on"})))
        rows.append([(pack.text("meetings_near_online"), online)])
        await show(update, esc(pack.text(key, radius=radius)), keyboard(rows), edit=edit)
        return
    now = services.clock()
    lines = [f"<b>{esc(pack.text('meetings_near_header'))}</b>"]
    rows = []
    for number, (meeting, km) in enumerate(near, start=1):
        distance = distance_text(pack, km)
        when = views.when_label(pack, meeting, coming_starts(meeting, now)[0], zone, now)
        lines.append(
            f"{number}. <b>{esc(meeting.name)}</b>: {esc(distance)}\n"
            f"{esc(when)} · {esc(meeting.address or meeting.location or '')}"
        )
        label = clip(f"{meeting.name} · {distance}", MAX_LABEL)
        rows.append([(label, callbacks.make("mt", "card", _ref(meeting), FROM_NEARBY))])
    rows.extend(views.radius_rows(pack, *point, miles, index))
    code = zone_code(here) if here else None
    if here and code:
        lines.append(esc(pack.text("meetings_near_zone", zone=zone_label(here))))
        use = pack.text("meetings_near_use_zone", zone=zone_label(here))
        rows.append([(use, callbacks.make("tz", "set", code))])
    await show(update, "\n\n".join(lines), keyboard(rows), edit=edit)
