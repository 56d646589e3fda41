"""A Spanish speaker walks every screen and button of the bot, and no English text is left in.

Every command, then every button each screen offers, breadth first, as a user whose Telegram is in
Spanish. What the bot sends is checked against the English texts it could have sent instead: any
stretch of an English `ui.yaml` text (between its placeholders), an English FAQ question or
exercise title, or an English meeting type or program name, that differs from the Spanish one, is
English left in. Proper names and the meetings' own fields (names, places, notes) are not checked.
"""

from __future__ import annotations

import re
from collections import deque

from bot.content import Content
from bot.handlers import COMMANDS
from bot.offline_api import ApiCall
from bot.services import Services
from bot.yamlfile import load_yaml
from tests.conftest import CONTENT_DIR
from tests.fakes import Chat

SPANISH_USER = 650
# Buttons whose press ends the walk's own session or leaves Spanish on purpose.
NOT_PRESSED = ("priv:yes", "lang:set:en", "lang:auto")
MAX_PRESSES = 400
MIN_FRAGMENT = 14  # shorter English fragments ("Back", "Open") may be the same word in Spanish


def spanish_ui() -> dict[str, str]:
    """The Spanish texts as written (the pack fills the gaps with English ones)."""
    return dict(load_yaml(CONTENT_DIR / "es" / "ui.yaml").data)


def english_fragments(content: Content) -> set[str]:
    english, spanish = content.pack("en"), content.pack("es")
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
    for code, name in english.names.types.items():
        if spanish.type_name(code) != name and len(name) >= MIN_FRAGMENT:
            found.add(name)
    for code, name in english.names.programs.items():
        if spanish.program_name(code) != name and len(name) >= MIN_FRAGMENT:
            found.add(name)
    for category in english.faq.categories:
        found.update(e.question for e in category.entries if len(e.question) >= MIN_FRAGMENT)
    found.update(e.title for e in english.grounding.exercises if len(e.title) >= MIN_FRAGMENT)
    # What the Spanish content itself says in English is meant: proper names (Double Trouble in
    # Recovery), and the titles of English sources it cites.
    return {fragment for fragment in found if fragment not in spanish_text(content)}


def spanish_text(content: Content) -> str:
    spanish = content.pack("es")
    parts = [
        *spanish_ui().values(),
        *spanish.names.types.values(),
        *spanish.names.programs.values(),
    ]
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
    labels = " ".join(label for label, _ in call.buttons)
    return f"{call.text}\n{labels}"


async def test_every_screen_a_spanish_speaker_can_reach_is_in_spanish(
    app, api, content: Content, services: Services
):
    person = Chat(app, api, user_id=SPANISH_USER, language="es")
    english = english_fragments(content)
    seen_calls: list[ApiCall] = []
    for command in COMMANDS:
        if command.organizers:
            continue
        seen_calls += [c for c in await person.send(f"/{command.name}") if c.text or c.buttons]
        await person.send("/cancel")
    queue = deque(seen_calls)
    pressed: set[str] = set()
    while queue and len(pressed) < MAX_PRESSES:
        call = queue.popleft()
        for _, data in call.buttons:
            if data in pressed or data.startswith(("https://", "http://")):
                continue
            if data.startswith(NOT_PRESSED):
                continue
            pressed.add(data)
            message_id = call.result["message_id"] if isinstance(call.result, dict) else 1
            answers = [c for c in await person.press(data, message_id) if c.text or c.buttons]
            seen_calls += answers
            queue.extend(answers)
    assert len(pressed) > 50  # the walk reached far: topics, answers, exercises, filters, cards
    screens = [without_meetings_own_words(shown(c), services) for c in seen_calls]
    left_in = sorted({f"{f} <- {text[:200]!r}" for text in screens for f in english if f in text})
    assert left_in == [], "\n".join(left_in)
