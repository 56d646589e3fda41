"""Inline mode through the real Application: `@bot <query>` in any chat offers answers to send."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from telegram import Update

from bot import deeplinks
from bot.app import BotApplication
from bot.content import Content
from bot.offline_api import ApiCall, Failure, OfflineBotApi
from bot.services import Services
from bot.views.inline import MAX_DESCRIPTION, MAX_TITLE, faq_offer, meetings_named
from tests.fakes import Chat
from tests.test_privacy import _all_database_text

BOT = "recovery_companion_bot"  # the offline Bot API's getMe username
_ids = itertools.count(9000)


async def ask_inline(
    app: BotApplication, api: OfflineBotApi, query: str, *, user_id: int = 701, language="en"
) -> ApiCall:
    """Type `@bot <query>` in some chat; return the bot's answerInlineQuery request."""
    sender: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Alex"}
    if language is not None:
        sender["language_code"] = language
    update = {
        "update_id": next(_ids),
        "inline_query": {"id": str(next(_ids)), "from": sender, "query": query, "offset": ""},
    }
    before = len(api.calls)
    await app.process_update(Update.de_json(update, app.bot))
    (answer,) = [c for c in api.calls[before:] if c.method == "answerInlineQuery"]
    return answer


def results(answer: ApiCall) -> list[dict[str, Any]]:
    return list(answer.params["results"])


def message(result: dict[str, Any]) -> str:
    return str(result["input_message_content"]["message_text"])


def links(result: dict[str, Any]) -> dict[str, str]:
    """Button label -> address; inline results carry link buttons only."""
    markup = result.get("reply_markup") or {"inline_keyboard": []}
    buttons = [b for row in markup["inline_keyboard"] for b in row]
    assert all("callback_data" not in b for b in buttons), buttons
    return {b["text"]: b["url"] for b in buttons}


def assert_well_formed(answer: ApiCall) -> None:
    """What Telegram insists on: unique ids of at most 64 bytes; and short titles."""
    found = results(answer)
    assert found
    ids = [r["id"] for r in found]
    assert len(set(ids)) == len(ids)
    assert all(0 < len(i.encode()) <= 64 for i in ids)
    assert all(
        len(r["title"]) <= MAX_TITLE and len(r["description"]) <= MAX_DESCRIPTION for r in found
    )
    assert all(r["input_message_content"]["parse_mode"] == "HTML" for r in found)
    assert answer.params["is_personal"] is True
    assert 0 < answer.params["cache_time"] <= 300


async def test_a_question_offers_the_right_answer_first_with_a_link_into_the_bot(app, api):
    answer = await ask_inline(app, api, "what happens at a first meeting")
    assert_well_formed(answer)
    first = results(answer)[0]
    assert first["id"] == "faq-what-to-expect"
    assert first["title"] == "What happens at a first meeting?"
    text = message(first)
    assert text.startswith("<b>What happens at a first meeting?</b>") and "Sources" in text
    assert links(first) == {
        f"Open in @{BOT}": deeplinks.link(BOT, deeplinks.faq_payload("what-to-expect"))
    }


async def test_a_spanish_speaker_gets_the_spanish_answer(app, api, services: Services):
    answer = await ask_inline(app, api, "¿qué pasa en una primera reunión?", language="es")
    first = results(answer)[0]
    spanish = services.library.pack("es")
    entry = next(e for c in spanish.faq.categories for e in c.entries if e.id == first["id"][4:])
    assert first["title"] == entry.question and entry.question in message(first)
    assert "Fuentes" in message(first)
    assert f"Abrir en @{BOT}" in links(first)


async def test_the_language_chosen_in_the_bot_serves_inline_too(app, api, chat: Chat):
    await chat.press("lang:set:es")
    answer = await ask_inline(app, api, "", user_id=chat.user["id"], language="en")
    first = results(answer)[0]
    assert first["title"].startswith("¿") and f"Abrir en @{BOT}" in links(first)


async def test_a_meetings_name_finds_its_card_with_remind_me_and_join(app, api, services):
    answer = await ask_inline(app, api, "sunrise onl")
    assert_well_formed(answer)
    (card,) = [r for r in results(answer) if r["title"] == "Sunrise Online"]
    meeting = services.library.directory.get("example-aa-sunrise-online")
    assert meeting is not None and meeting.name in message(card)
    assert card["id"] == deeplinks.meeting_payload(meeting.slug)
    buttons = links(card)
    assert buttons["Remind me"] == deeplinks.link(BOT, deeplinks.meeting_payload(meeting.slug))
    assert buttons["Join now"] == meeting.conference_url


async def test_an_in_person_meeting_has_directions(app, api):
    answer = await ask_inline(app, api, "SERENITY at seven")
    (card,) = [r for r in results(answer) if r["title"] == "Serenity at Seven"]
    assert links(card)["Directions"].startswith("https://www.google.com/maps/")


def test_meeting_names_match_without_case_or_accents(services: Services):
    directory = services.library.directory
    assert [m.name for m in meetings_named(directory, "SÉRENITY")] == ["Serenity at Seven"]
    assert [m.name for m in meetings_named(directory, "women's sun")] == ["Women's Sunday Circle"]
    assert meetings_named(directory, "se") == []  # too short to name a meeting
    assert meetings_named(directory, "what happens at a first meeting") == []


async def test_danger_gets_crisis_resources_first_and_nothing_else(app, api):
    answer = await ask_inline(app, api, "i want to kill myself, what happens at a first meeting")
    assert_well_formed(answer)
    found = results(answer)
    assert found[0]["id"] == "sos-self_harm" and "988" in message(found[0])
    assert links(found[0]) == {f"Open in @{BOT}": deeplinks.link(BOT, "sos")}
    assert all(r["id"].startswith("sos-") for r in found)  # no FAQ answer in a crisis


async def test_an_empty_query_offers_the_starting_points(app, api):
    answer = await ask_inline(app, api, "")
    assert_well_formed(answer)
    ids = [r["id"] for r in results(answer)]
    assert ids == ["faq-what-to-expect", "faq-do-i-have-to-talk", "sos-self_harm"]


@pytest.mark.parametrize(
    ("query", "language"),
    [
        (("do i have to talk " * 20)[:256], "en"),  # Telegram's longest query
        ("x" * 256, "en"),
        ("é<>&\"'" * 42 + "zzzz", "es"),
        ("<b>do i have</b> to talk & <script>alert(1)</script>", "en"),
        ("what happens at a first meeting", "xx"),
        ("what happens at a first meeting", None),
        ("   ", "en"),
        ("zzzz qqqq", "en"),
    ],
)
async def test_odd_queries_are_answered_without_error(app, api, query: str, language):
    answer = await ask_inline(app, api, query, language=language)
    assert_well_formed(answer)
    assert all("<script>" not in message(r) for r in results(answer))


async def test_html_in_the_query_still_finds_the_answer(app, api):
    answer = await ask_inline(app, api, "<b>do i have</b> to <i>talk</i> at a meeting?")
    assert results(answer)[0]["id"] == "faq-do-i-have-to-talk"


async def test_a_256_character_question_is_read(app, api):
    query = ("so nervous. " * 16 + "do i have to talk at my first meeting?").ljust(256)[:256]
    assert len(query) == 256
    assert results(await ask_inline(app, api, query))[0]["id"] == "faq-do-i-have-to-talk"


async def test_without_a_username_there_is_no_link_button(content: Content):
    pack = content.pack("en")
    entry = content.entries["cost"]
    assert faq_offer(pack, entry, "answer", None).rows == []
    assert faq_offer(pack, entry, "answer", "@SomeBot").rows == [
        [("Open in @SomeBot", "https://t.me/SomeBot?start=faq-cost")]
    ]


async def test_queries_never_reach_logs_or_database(app, api, services: Services, caplog):
    caplog.set_level(logging.DEBUG)
    queries = [
        "what happens at a first meeting zebra42",
        "i want to kill myself zebra42",
        "i can't do this anymore zebra42",
        "serenity zebra42",
        "zebra42",
    ]
    answers = [await ask_inline(app, api, q, user_id=733) for q in queries]
    assert all(results(a) for a in answers)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    assert "zebra42" not in logged
    assert "zebra42" not in await _all_database_text(services)
    assert all("zebra42" not in repr(a.params) for a in answers)  # not echoed either
    assert await services.storage.get_user(733) is None  # an inline query keeps nobody


async def test_a_query_that_expired_while_typing_is_no_error(app, api, caplog):
    """Telegram refuses an answer to a query the person has typed past; nothing is wrong."""
    description = (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    api.failures.append(Failure("answerInlineQuery", 400, description))
    await ask_inline(app, api, "do i have to talk")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
