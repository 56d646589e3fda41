"""A Spanish speaker walks every screen and button of the bot, and no English text is left in.

Every command, then every button each screen offers, breadth first, as a user whose Telegram is in
Spanish; and as a Spanish-speaking organizer, the organizer's commands, an announcement, a
reminder as it arrives and the calendar files. What the bot sends (texts, buttons, the .ics
files' events) is checked against the English texts it could have sent instead: any stretch of an
English `ui.yaml` text (between its placeholders), an English FAQ question or exercise title, or
an English meeting type or program name, that differs from the Spanish one, is English left in;
and so is a day, month, relative time, lead time, type or program name in English, as a whole
word however short.
Proper names and the meetings' own fields (names, places, notes) are not checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque

from icalendar import Calendar

from bot.config import Settings
from bot.content import Content
from bot.handlers import COMMANDS
from bot.offline_api import ApiCall, OfflineBotApi
from bot.services import Library, Services
from bot.subscriptions import MeetingRef
from bot.yamlfile import load_yaml
from tests.conftest import CONTENT_DIR
from tests.fakes import Chat, FixedClock, running_app
from tests.test_reminders import tick

SPANISH_USER = 650
# Buttons whose press ends the walk's own session or leaves Spanish on purpose.
NOT_PRESSED = ("priv:yes", "lang:set:en", "lang:auto")
MAX_PRESSES = 400
MIN_FRAGMENT = 14  # shorter English fragments ("Back", "Open") may be the same word in Spanish


def spanish_ui() -> dict[str, str]:
    """The Spanish texts as written (the pack fills the gaps with English ones)."""
    return dict(load_yaml(CONTENT_DIR / "es" / "ui.yaml").data)


def english_names(content: Content) -> set[str]:
    """The English meeting type and program names the Spanish file does not write the same
    (the pack would fill its gaps with them)."""
    english = content.pack("en").names
    written = load_yaml(CONTENT_DIR / "es" / "meeting_types.yaml").data
    names = {n for c, n in english.types.items() if written["types"].get(c) != n}
    return names | {n for c, n in english.programs.items() if written["programs"].get(c) != n}


def english_fragments(content: Content) -> set[str]:
    english = content.pack("en")
    written = spanish_ui()
    found: set[str] = set()
    for key, text in english.ui.items():
        if written.get(key) == text or key.startswith("terminal_"):
            continue
        for part in re.split(r"\{[^}]*\}", text):
            for line in part.splitlines():
                line = line.strip(" .,:;!?()\"'-•")
                if len(line) >= MIN_FRAGMENT:
                    found.add(line)
    found.update(name for name in english_names(content) if len(name) >= MIN_FRAGMENT)
    for category in english.faq.categories:
        found.update(e.question for e in category.entries if len(e.question) >= MIN_FRAGMENT)
    found.update(e.title for e in english.grounding.exercises if len(e.title) >= MIN_FRAGMENT)
    # What the Spanish content itself says in English is meant: proper names (Double Trouble in
    # Recovery), and the titles of English sources it cites.
    return {fragment for fragment in found if fragment not in spanish_text(content)}


# The ui.yaml families whose English texts are short (Mon, Jan, "in {0}", "1 hour before"), like
# type names ("Open"): checked as whole words, from this length on.
SHORT_FAMILIES = ("day_", "month_", "rel_", "rem_lead_")
MIN_WORD = 3


def english_words(content: Content) -> set[str]:
    """The short English texts of days, months, relative times and lead times (`SHORT_FAMILIES`)
    and the meeting type and program names, where Spanish says otherwise, and no Spanish text
    has them as words of its own."""
    written = spanish_ui()
    parts = english_names(content)
    for key, text in content.pack("en").ui.items():
        if key.startswith(SHORT_FAMILIES) and written.get(key) != text:
            parts.update(p.strip() for p in re.split(r"\{[^}]*\}", text))
    own = spanish_text(content)
    return {
        part
        for part in parts
        if len(part) >= MIN_WORD and not re.search(rf"\b{re.escape(part)}\b", own)
    }


def english_in(screen: str, fragments: set[str], words: set[str]) -> set[str]:
    """The English `fragments` (anywhere) and `words` (as whole words) that `screen` shows."""
    shown = {f for f in fragments if f in screen}
    return shown | {w for w in words if re.search(rf"\b{re.escape(w)}\b", screen)}


def spanish_text(content: Content) -> str:
    spanish = content.pack("es")
    names = load_yaml(CONTENT_DIR / "es" / "meeting_types.yaml").data
    parts = [*spanish_ui().values(), *names["types"].values(), *names["programs"].values()]
    for category in spanish.faq.categories:
        for entry in category.entries:
            parts += [entry.question, entry.answer, *(s.title for s in entry.sources)]
    for exercise in spanish.grounding.exercises:
        parts += [exercise.title, *(s.title for s in exercise.sources)]
    return "\n".join(parts)


def without_meetings_own_words(text: str, services: Services) -> str:
    """The text without what the directory's meetings say of themselves (names, places, notes)."""
    for meeting in services.library.directory:
        for own in (meeting.name, meeting.location, meeting.address, meeting.notes):
            if own:
                text = text.replace(own, " ")
    return text


def shown(call: ApiCall) -> str:
    """What a person reads of a message: its text or caption, its buttons, and the events of a
    calendar file sent with it."""
    labels = " ".join(label for label, _ in call.buttons)
    events = [
        str(event.get(field, ""))
        for name, content in call.files.values()
        if name.endswith(".ics")
        for event in Calendar.from_ical(content).walk("VEVENT")
        for field in ("SUMMARY", "DESCRIPTION", "LOCATION")
    ]
    return "\n".join([call.text, labels, *events])


async def walk(person: Chat, calls: list[ApiCall], skip: tuple[str, ...]) -> list[ApiCall]:
    """`calls`, then what pressing every button they and their answers offer sends, breadth
    first (each payload once, none starting with `skip`); how many were pressed is asserted."""
    seen = list(calls)
    queue = deque(calls)
    pressed: set[str] = set()
    while queue and len(pressed) < MAX_PRESSES:
        call = queue.popleft()
        for _, data in call.buttons:
            if data in pressed or data.startswith(("https://", "http://", *skip)):
                continue
            pressed.add(data)
            message_id = call.result["message_id"] if isinstance(call.result, dict) else 1
            answers = [c for c in await person.press(data, message_id) if c.text or c.buttons]
            seen += answers
            queue.extend(answers)
    assert len(pressed) > 20, pressed  # the walk went beyond the first screens
    return seen


def english_left_in(calls: list[ApiCall], content: Content, services: Services) -> list[str]:
    fragments, words = english_fragments(content), english_words(content)
    screens = [without_meetings_own_words(shown(c), services) for c in calls]
    return sorted(
        {f"{f} <- {text[:200]!r}" for text in screens for f in english_in(text, fragments, words)}
    )


async def test_every_screen_a_spanish_speaker_can_reach_is_in_spanish(
    app, api, content: Content, services: Services
):
    person = Chat(app, api, user_id=SPANISH_USER, language="es")
    first: list[ApiCall] = []
    for command in COMMANDS:
        if command.organizers:
            continue
        first += [c for c in await person.send(f"/{command.name}") if c.text or c.buttons]
        await person.send("/cancel")
    seen = await walk(person, first, NOT_PRESSED)
    assert len(seen) > 50  # the walk reached far: topics, answers, exercises, filters, cards
    left_in = english_left_in(seen, content, services)
    assert left_in == [], "\n".join(left_in)


SERENITY = "example-aa-serenity-at-seven"  # Mondays 19:00 in New York


async def test_a_spanish_organizers_screens_reminders_and_calendar_files_are_in_spanish(
    database_url: str, library: Library, content: Content
):
    """The organizer's commands and their buttons, an announcement from draft to delivery, a
    reminder as it arrives (its time, lead and buttons), and the .ics files' events."""
    settings = Settings.model_validate(
        {
            "database": {"url": database_url},
            "content": {"dir": str(CONTENT_DIR)},
            "defaults": {"timezone": "Europe/Madrid"},
            "admins": [SPANISH_USER],
        }
    )
    api, clock = OfflineBotApi(), FixedClock(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC))
    async with running_app(settings, library, api, clock) as app:
        services: Services = app.bot_data["services"]
        person = Chat(app, api, user_id=SPANISH_USER, language="es")
        await person.send("/start")
        ref = MeetingRef.directory(SERENITY).encode()
        first = await person.press(f"rem:ask:{ref}")
        first += await person.press(f"rem:tog:{ref}:60")
        for command in ("/stats", "/reload", "/link", "/link serenity", "/link example"):
            first += await person.send(command)
        picker = (await person.send("/announce"))[-1]
        first += [picker, *await person.press(picker.buttons[0][1])]
        first += await person.send("Hola a todos: el lunes abrimos a las 18:30.")
        first += await person.press(f"cal:one:{ref}") + await person.press("cal:all")
        # The reminder an hour before Monday's 19:00 in New York (00:00 UTC on Tuesday).
        clock.now = dt.datetime(2026, 3, 2, 23, 0, 5, tzinfo=dt.UTC)
        before = len(api.calls)
        await tick(app)
        reminders = [c for c in api.calls[before:] if c.method == "sendMessage"]
        assert reminders and "Serenity at Seven" in reminders[0].text
        first += reminders
        assert any(c.files for c in first)  # the calendar files are among what is checked
        seen = await walk(person, [c for c in first if c.text or c.buttons], NOT_PRESSED)
        left_in = english_left_in(seen, content, services)
        assert left_in == [], "\n".join(left_in)
