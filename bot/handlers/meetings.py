"""/meetings: the directory soonest first, narrowed by filter buttons; a meeting's card; nearby.

Every screen is stateless: the filters and the page travel in the button payload as a compact,
strictly parsed code (`Filters.encode`), for example `mt:ls:d2.on.dd.psmart:1`. Days are days of
the week in the *user's* zone: a 23:00 Monday meeting in New York is a Tuesday meeting in London.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update

from bot import callbacks, deeplinks
from bot.calendar_links import google_calendar_url
from bot.content import LanguagePack
from bot.context import BotContext
from bot.feed_zones import zone_at
from bot.handlers.common import Row, esc, keyboard, pack_for, show, tell_timezone_once
from bot.meetings import (
    LANGUAGE_TYPES,
    PROGRAMS,
    SPOKEN_TYPE,
    Directory,
    Meeting,
    nearest,
)
from bot.schedule import AHEAD, Listed, Listing, Schedule
from bot.subscriptions import MeetingRef
from bot.timezones import zone_code, zone_label
from bot.views.places import directions_url
from scheduler.recurrence import occurrences

PAGE_SIZE = 6
MAX_LABEL = 60
MAX_TEXT = 4096
NEAR_LIMIT = 5
NEAR_RADIUS_KM = 50.0  # farther than this is not "near": online meetings are offered instead
KM_PER_MILE = 1.609344
NO_FILTERS = "all"
FROM_NEARBY = "near"
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


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to: a Meeting Guide day in the user's zone, flags, a program."""

    day: int | None = None
    flags: frozenset[str] = frozenset()
    program: str | None = None
    # A language's type code: only meetings held in it.
    language: str | None = None

    @property
    def active(self) -> bool:
        return self != Filters()

    def encode(self) -> str:
        """`all`, or the set filters joined by "." in a fixed order: d3.on.ip.dd.nc.psmart."""
        parts = [f"d{self.day}"] if self.day is not None else []
        parts.extend(flag for flag in FLAGS if flag in self.flags)
        if self.program is not None:
            parts.append(f"p{self.program.lower()}")
        if self.language is not None:
            parts.append(f"l{self.language.lower()}")
        return ".".join(parts) or NO_FILTERS

    @classmethod
    def decode(cls, code: str | None) -> Filters:
        """Parse a code made by `encode`; LookupError for anything else (order matters too)."""
        if code == NO_FILTERS:
            return cls()
        day: int | None = None
        flags: set[str] = set()
        program: str | None = None
        language: str | None = None
        for part in (code or "").split("."):
            if part in FLAGS:
                flags.add(part)
            elif len(part) == 2 and part[0] == "d" and part[1] in "0123456":
                day = int(part[1])
            elif part.startswith("p") and part[1:].upper() in PROGRAMS:
                program = part[1:].upper()
            elif part.startswith("l") and part[1:].upper() in LANGUAGE_TYPES:
                language = part[1:].upper()
            else:
                raise LookupError(code)
        filters = cls(day, frozenset(flags), program, language)
        if filters.encode() != code:  # repeated or out of order: not one of ours
            raise LookupError(code)
        return filters

    def toggled(self, flag: str) -> Filters:
        return dataclasses.replace(self, flags=self.flags ^ {flag})


def coming_starts(meeting: Meeting, now: dt.datetime) -> list[dt.datetime]:
    """The start of the meeting under way, if it is, then those of the coming week (UTC)."""
    until = now + AHEAD
    starts = occurrences(meeting.day, meeting.time, meeting.tz, now - meeting.duration, until)
    return [s for s in starts if s + meeting.duration > now]


def upcoming(
    schedule: Schedule, directory: Directory, filters: Filters, zone: ZoneInfo, now: dt.datetime
) -> Listing:
    """The meetings matching `filters`, under way or soonest first, temporarily closed last."""
    day = filters.day
    return schedule.coming(
        now,
        key=dataclasses.replace(filters, day=None),
        keep=_keeper(directory, filters),
        day=None if day is None else (day, zone),
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


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _when_label(pack: LanguagePack, listed: Listed, zone: ZoneInfo, now: dt.datetime) -> str:
    local = listed.start.astimezone(zone)
    if listed.under_way(now):
        return pack.text("meetings_now")
    if local.date() == now.astimezone(zone).date():
        return f"{pack.text('meetings_today')} {local:%H:%M}"
    return f"{pack.text(f'day_{guide_day(local)}')} {local:%H:%M}"


def button_label(pack: LanguagePack, listed: Listed, zone: ZoneInfo, now: dt.datetime) -> str:
    """`Tue 19:00 · Name` in the user's zone, marked when the meeting is closed, ≤ 60 chars."""
    label = f"{_when_label(pack, listed, zone, now)} · {listed.meeting.name}"
    meeting = listed.meeting
    if meeting.temporarily_closed:
        mark = "meetings_mark_online_only" if meeting.is_active else "meetings_mark_closed"
        label = f"{pack.text(mark)} {label}"
    return clip(label, MAX_LABEL)


def _ref(meeting: Meeting) -> str:
    return MeetingRef.directory(meeting.slug).encode()


def _list_payload(filters: Filters, page: int = 0) -> str:
    return callbacks.make("mt", "ls", filters.encode(), page)


def _check(on: bool, label: str) -> str:
    return f"✅ {label}" if on else label


def _filter_rows(pack: LanguagePack, filters: Filters) -> list[Row]:
    code = filters.encode()
    day = (
        pack.text("meetings_filter_day_set", day=pack.text(f"day_{filters.day}"))
        if filters.day is not None
        else pack.text("meetings_filter_day")
    )
    program = (
        pack.text("meetings_filter_program_set", program=filters.program)
        if filters.program is not None
        else pack.text("meetings_filter_program")
    )

    toggles = [
        (_check(flag in filters.flags, pack.text(label)), _list_payload(filters.toggled(flag)))
        for flag, label in FLAGS.items()
    ]
    language = (
        pack.text("meetings_filter_language_set", language=pack.type_name(filters.language))
        if filters.language is not None
        else pack.text("meetings_filter_language")
    )
    rows: list[Row] = [
        [
            (_check(filters.day is not None, day), callbacks.make("mt", "day", code)),
            (_check(filters.program is not None, program), callbacks.make("mt", "prog", code)),
        ],
        [(_check(filters.language is not None, language), callbacks.make("mt", "lang", code))],
        toggles[:2],
        toggles[2:],
    ]
    if filters.active:
        rows.append([(pack.text("meetings_clear"), _list_payload(Filters()))])
    return rows


def _filter_names(pack: LanguagePack, filters: Filters) -> list[str]:
    names = []
    if filters.day is not None:
        names.append(pack.text(f"day_{filters.day}"))
    names.extend(pack.text(label) for flag, label in FLAGS.items() if flag in filters.flags)
    if filters.program is not None:
        names.append(pack.program_name(filters.program))
    if filters.language is not None:
        names.append(pack.type_name(filters.language))
    return names


async def _show_list(
    update: Update, context: BotContext, filters: Filters, page: int, *, edit: bool
) -> None:
    services = context.services
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    zone = await services.user_zone(chat_id)
    now = services.clock()
    library = services.library
    if library.schedule.stale(now):  # about once a week: in a thread, so others are answered
        await asyncio.to_thread(library.schedule.prepare, now)
    listed = upcoming(library.schedule, library.directory, filters, zone, now)
    pages = max(1, math.ceil(len(listed) / PAGE_SIZE))
    page = min(page, pages - 1)  # the list may have shrunk since the button was sent
    shown = listed[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]

    lines = [f"<b>{esc(pack.text('meetings_header', zone=zone.key))}</b>"]
    if filters.active:
        names = ", ".join(_filter_names(pack, filters))
        lines.append(esc(pack.text("meetings_filters", filters=names)))
    if not listed:
        lines.append(esc(pack.text("meetings_none")))
    elif pages > 1:
        lines.append(esc(pack.text("meetings_page", page=page + 1, pages=pages)))

    code = filters.encode()
    rows: list[Row] = [
        [
            (
                button_label(pack, x, zone, now),
                callbacks.make("mt", "card", _ref(x.meeting), code, page),
            )
        ]
        for x in shown
    ]
    nav: list[tuple[str, str]] = []
    if page > 0:
        nav.append((pack.text("meetings_prev"), _list_payload(filters, page - 1)))
    if page + 1 < pages:
        nav.append((pack.text("meetings_next"), _list_payload(filters, page + 1)))
    if nav:
        rows.append(nav)
    rows.extend(_filter_rows(pack, filters))
    rows.append([(pack.text("meetings_near_button"), callbacks.make("mt", "near"))])
    await show(update, "\n".join(lines), keyboard(rows), edit=edit)


async def meetings(update: Update, context: BotContext) -> None:
    """/meetings: meetings under way or starting soonest, with filter buttons; for someone who
    speaks a language the directory has meetings in (Spanish...), those meetings first."""
    await tell_timezone_once(update, context)
    spoken = SPOKEN_TYPE.get(pack_for(update, context).language)
    held = spoken in context.services.library.directory.languages
    await _show_list(update, context, Filters(language=spoken if held else None), 0, edit=False)


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
        update, esc(pack.text("meetings_pick_day", zone=zone.key)), keyboard(rows), edit=True
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
    lines = [esc(pack.text("meetings_when", days=days, start=start, end=end, zone=zone.key))]
    if first.astimezone(zone).utcoffset() != first.astimezone(meeting.tz).utcoffset():
        days, start, end = span(meeting.tz)
        there = pack.text(
            "meetings_when_there", days=days, start=start, end=end, zone=meeting.timezone
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
    if meeting.conference_url:
        join.append(esc(pack.text("meetings_join", url=meeting.conference_url)))
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
    if meeting.types:
        kinds = "\n".join(f"• {esc(pack.type_name(code))}" for code in meeting.types)
        sections.append((4, f"{esc(pack.text('meetings_types'))}\n{kinds}"))

    def joined(parts: Sequence[tuple[int, str]]) -> str:
        return "\n\n".join(text for _, text in parts)

    while len(joined(sections)) > MAX_TEXT and len(sections) > 1:
        lowest = min(range(len(sections)), key=lambda i: (sections[i][0], -i))
        del sections[lowest]
    return joined(sections)[:MAX_TEXT]


def _card_rows(
    pack: LanguagePack, meeting: Meeting, ref: str, back: str | None, now: dt.datetime
) -> list[Row]:
    links: list[tuple[str, str]] = []
    if meeting.conference_url:
        links.append((pack.text("meetings_join_button"), meeting.conference_url))
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
    if back is not None:
        rows.append([(pack.text("button_back"), back)])
    return rows


async def _show_card(update: Update, context: BotContext, button: callbacks.Button) -> None:
    args = button.args
    if len(args) == 3:
        back: str | None = _list_payload(Filters.decode(args[1]), button.int_arg(2))
    elif len(args) == 1:
        back = _list_payload(Filters())
    elif len(args) == 2 and args[1] == FROM_NEARBY:
        back = None
    else:
        raise LookupError(button)
    ref = MeetingRef.decode(args[0])
    if ref.kind != "d":
        raise LookupError(button)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    meeting = await context.services.subscriptions.resolve(chat_id, ref)
    if meeting is None:
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
    rows = _card_rows(pack, meeting, _ref(meeting), back, now)
    await show(update, render_card(pack, meeting, zone, now), keyboard(rows), edit=edit)


async def open_link(update: Update, context: BotContext, target: deeplinks.Target) -> bool:
    """A link to a meeting (a flyer's QR code, a group's website): its card, with "Remind me"."""
    services = context.services
    directory = services.library.directory
    slug = deeplinks.find_slug(target, (m.slug for m in directory))
    meeting = directory.get(slug) if slug is not None else None
    if meeting is None:
        return False
    await _send_card(update, context, meeting, _list_payload(Filters()), edit=False)
    return True


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """The list (`ls`), the day and program pickers, and a meeting's card."""
    if button.action == "ls" and len(button.args) == 2:
        await _show_list(
            update, context, Filters.decode(button.args[0]), button.int_arg(1), edit=True
        )
    elif button.action == "day" and len(button.args) == 1:
        await _day_picker(update, context, Filters.decode(button.arg))
    elif button.action == "prog" and len(button.args) == 1:
        await _program_picker(update, context, Filters.decode(button.arg))
    elif button.action == "lang" and len(button.args) == 1:
        await _language_picker(update, context, Filters.decode(button.arg))
    elif button.action == "card":
        await _show_card(update, context, button)
    elif button.action == "near" and not button.args:
        await _ask_location(update, context)
    else:
        raise LookupError(button)


# --- nearby ------------------------------------------------------------------------------------


def distance_text(pack: LanguagePack, km: float) -> str:
    """`2.4 km (1.5 mi)`; whole numbers from 10 up."""
    miles = km / KM_PER_MILE

    def number(value: float) -> str:
        return f"{value:.1f}" if value < 10 else f"{value:.0f}"

    return pack.text("meetings_distance", km=number(km), miles=number(miles))


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
    """A shared location: the in-person meetings within `NEAR_RADIUS_KM`, closest first, with
    distances, as card buttons; online meetings when none is near. For someone who never chose
    a time zone, times are shown in the zone they are in, with a button to keep it."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    services = context.services
    pack = pack_for(update, context)
    location = message.location
    try:
        found = nearest(
            services.library.directory, location.latitude, location.longitude, NEAR_LIMIT
        )
    except ValueError:
        found = []
    near = [(meeting, km) for meeting, km in found if km <= NEAR_RADIUS_KM]
    if not near:
        key = "meetings_near_far" if found else "meetings_near_none"
        text = pack.text(key, radius=distance_text(pack, NEAR_RADIUS_KM))
        online = _list_payload(Filters(flags=frozenset({"on"})))
        await show(update, esc(text), keyboard([[(pack.text("meetings_near_online"), online)]]))
        return
    chat_id = update.effective_chat.id if update.effective_chat else 0
    here = None
    if await services.chosen_zone(chat_id) is None:
        here = await asyncio.to_thread(zone_at, location.latitude, location.longitude)
    zone = ZoneInfo(here) if here else await services.user_zone(chat_id)
    now = services.clock()
    lines = [f"<b>{esc(pack.text('meetings_near_header'))}</b>"]
    rows: list[Row] = []
    for number, (meeting, km) in enumerate(near, start=1):
        distance = distance_text(pack, km)
        when = _when_label(pack, Listed(meeting, coming_starts(meeting, now)[0]), zone, now)
        lines.append(
            f"{number}. <b>{esc(meeting.name)}</b>: {esc(distance)}\n"
            f"{esc(when)} · {esc(meeting.address or meeting.location or '')}"
        )
        label = clip(f"{meeting.name} · {distance}", MAX_LABEL)
        rows.append([(label, callbacks.make("mt", "card", _ref(meeting), FROM_NEARBY))])
    code = zone_code(here) if here else None
    if here and code:
        lines.append(esc(pack.text("meetings_near_zone", zone=zone_label(here))))
        use = pack.text("meetings_near_use_zone", zone=zone_label(here))
        rows.append([(use, callbacks.make("tz", "set", code))])
    await show(update, "\n\n".join(lines), keyboard(rows))
