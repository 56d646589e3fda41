"""Typed messages through the real Application: the learned readers as people meet them."""

from __future__ import annotations

import html

import pytest

from bot.services import Services
from tests.fakes import Chat, started

# The main menu's buttons, as the help and the greetings end with them.
MAIN_MENU = ["faq:home", "mt:open", "gr:home", "sos:help"]


async def test_a_question_at_the_end_of_a_long_message_is_answered(chat: Chat) -> None:
    calls = await chat.send(
        "so my counselor says i should try a group, ive been sober 9 days and honestly im "
        "terrified of walking in. i dont want to share my story with strangers. "
        "do i have to talk if i go?"
    )
    assert calls[-1].method == "sendMessage"
    assert "talk" in calls[-1].text.lower() and "sources" in calls[-1].text.lower()


async def test_that_is_not_what_i_asked_offers_the_runners_up_and_counts_the_miss(
    chat: Chat, services: Services
) -> None:
    (answer,) = [c for c in await chat.send("how much does it cost to go") if c.buttons]
    assert "cost" in answer.text.lower() or "free" in answer.text.lower()
    offered = await chat.press_label(answer, "not what i asked")
    assert [c.method for c in offered if c.method.startswith("edit")] == []  # the answer stays
    (offer,) = [c for c in offered if c.method == "sendMessage"]
    assert "one of these" in offer.text or "topics" in offer.text
    today = services.clock().date()
    missed = [key for key in ("faq_miss:cost",) if await services.storage.counted(key, today)]
    assert missed == ["faq_miss:cost"]


async def test_a_forged_miss_button_changes_nothing(chat: Chat, services: Services) -> None:
    calls = await chat.press("faq:miss:no-such-entry")
    assert calls  # answered (out of date), not a crash
    assert await services.storage.counted("faq_miss:no-such-entry", services.clock().date()) == 0


async def test_requests_for_the_bots_features_go_to_those_features(chat: Chat) -> None:
    grounding = await chat.send("can you help me calm down, panic attack")
    assert any("gr:sit:" in data for call in grounding for _, data in call.buttons)
    hello = await chat.send("hi")
    assert any("faq:home" in data for call in hello for _, data in call.buttons)
    meetings = await chat.send("are there any meetings tonight")
    assert any(data.startswith("mt:ls") for call in meetings for _, data in call.buttons)


async def test_danger_vocabulary_never_gets_an_faq_answer_first(chat: Chat) -> None:
    calls = await chat.send("how many of my pills would it take, asking for real")
    first = calls[0]
    assert "sources" not in first.text.lower()
    assert any("sos:" in data for _, data in first.buttons)


@pytest.mark.parametrize(
    ("language", "typed", "crisis_button"),
    [
        ("en", "help", "Crisis help"),
        ("en", "Help!", "Crisis help"),
        ("es", "ayuda", "Ayuda en crisis"),
    ],
)
async def test_a_plain_help_gets_the_help_which_leads_to_crisis_help(
    language: str, typed: str, crisis_button: str, app, api
) -> None:
    person = await started(app, api, language)
    (reply,) = await person.send(typed)
    assert [data for _, data in reply.buttons] == MAIN_MENU
    crisis = await person.press_label(reply, crisis_button)
    assert "988" in crisis[0].text


@pytest.mark.parametrize(
    ("language", "typed"), [("en", "help me"), ("en", "i need help"), ("es", "ayúdame")]
)
async def test_help_me_is_asked_gently_with_the_crisis_line(
    language: str, typed: str, app, api
) -> None:
    person = await started(app, api, language)
    (reply,) = await person.send(typed)
    assert "988" in reply.text
    assert [data for _, data in reply.buttons] == ["sos:safe", "sos:help", "gr:home"]


@pytest.mark.parametrize(
    ("language", "typed", "reply_key"),
    [
        ("en", "hi", "intent_greeting"),
        ("es", "hola", "intent_greeting"),
        ("en", "thank you so much", "intent_thanks"),
        ("es", "muchas gracias", "intent_thanks"),
        ("en", "ok", "intent_thanks"),
        ("es", "vale", "intent_thanks"),
        ("en", "menu", "intent_help"),
        ("es", "menú", "intent_help"),
        ("en", "👍", "intent_emoji"),
        ("en", "❤️", "intent_emoji"),
        ("es", "🙏", "intent_emoji"),
        ("es", "...", "intent_emoji"),
    ],
)
async def test_greetings_thanks_acknowledgements_menu_words_and_emoji_get_a_sensible_reply(
    language: str, typed: str, reply_key: str, app, api, content
) -> None:
    pack = content.pack(language)
    person = await started(app, api, language)
    (reply,) = await person.send(typed)
    assert html.unescape(reply.text) == pack.text(reply_key)
    assert pack.text("match_none")[:20] not in reply.text
    assert [data for _, data in reply.buttons] == MAIN_MENU


@pytest.mark.parametrize(
    ("language", "typed"),
    [("en", "are you a real person"), ("es", "eres una persona real"), ("es", "hablo con un bot")],
)
async def test_are_you_a_real_person_gets_an_honest_answer(
    language: str, typed: str, app, api, content
) -> None:
    person = await started(app, api, language)
    (reply,) = await person.send(typed)
    honest = content.pack(language).text("intent_human")
    assert honest.split(":")[0] in reply.text  # "I'm a bot, not a person" / "Soy un bot..."


@pytest.mark.parametrize(
    ("language", "typed", "listed", "named"),
    [
        ("en", "is there a meeting today", "d0", "Sun"),
        ("en", "any meetings tonight", "d0e", "Evening"),
        ("en", "meetings tomorrow morning", "d1m", "Morning"),
        ("es", "hay alguna reunión hoy", "d0", "Dom"),
        ("es", "reuniones esta noche", "d0e", "Tarde"),
        ("es", "hay reunión el viernes por la tarde", "d5e", "Vie"),
    ],
)
async def test_asking_for_a_meeting_today_or_tonight_lists_that_day_and_time(
    language: str, typed: str, listed: str, named: str, app, api
) -> None:
    # The clock: Sunday 1 March 2026, 12:00 in the person's zone (UTC).
    person = await started(app, api, language)
    (reply,) = await person.send(typed)
    assert [data for _, data in reply.buttons] == [f"mt:ls:{listed}:0"]
    (listing,) = await person.press(reply.buttons[0][1])
    filters_line = listing.text.split("\n")[1]  # under the header: what the list is narrowed to
    assert named in filters_line


@pytest.mark.parametrize(
    ("language", "typed", "city", "other"),
    [
        ("en", "i'm in boston", "New York", "Another place"),
        ("en", "i live in madrid", "Madrid", "Another place"),
        ("es", "estoy en madrid", "Madrid", "Otro lugar"),
        ("es", "vivo en buenos aires", "Buenos Aires", "Otro lugar"),
    ],
)
async def test_saying_which_city_one_is_in_offers_its_time_zone_and_sets_nothing(
    language: str, typed: str, city: str, other: str, app, api, services: Services
) -> None:
    person = await started(app, api, language, user_id=675)
    (offer,) = await person.send(typed)
    assert city in offer.text
    labels = [label for label, _ in offer.buttons]
    assert labels[0].startswith(city) and labels[-1] == other
    assert (await services.user_zone(675)).key == "UTC"  # offered, not taken
    (chosen,) = await person.press(offer.buttons[0][1], offer.result["message_id"])
    assert city in chosen.text
    assert (await services.user_zone(675)).key != "UTC"


@pytest.mark.parametrize(
    ("language", "typed", "answered", "offered"),
    [
        ("en", "how much does it cost? and do i have to talk?", "cost", "do-i-have-to-talk"),
        ("en", "is it confidential? also can i bring my wife", "confidentiality", "bring-someone"),
        ("es", "¿cuánto cuesta? ¿y tengo que hablar?", "cost", "do-i-have-to-talk"),
        (
            "es",
            "¿es confidencial? también quiero saber si puedo llevar a mi esposa",
            "confidentiality",
            "bring-someone",
        ),
    ],
)
async def test_two_questions_in_one_message_the_first_answered_the_second_a_button(
    language: str, typed: str, answered: str, offered: str, app, api, content
) -> None:
    pack = content.pack(language)
    entries = {e.id: e for c in pack.faq.categories for e in c.entries}
    person = await started(app, api, language)
    (reply,) = await person.send(typed)
    assert html.unescape(reply.text).startswith(f"<b>{entries[answered].question}</b>")
    # The second question is the first button, once.
    payloads = [data for _, data in reply.buttons]
    assert payloads[0] == f"faq:q:{offered}" and payloads.count(f"faq:q:{offered}") == 1
    (second,) = await person.press_label(reply, entries[offered].question)
    assert entries[offered].question in html.unescape(second.text)


@pytest.mark.parametrize(
    ("language", "typed", "answered"),
    [
        (
            "en",
            "do i have to talk at my first meeting? my counselor says i should try a group, ive "
            "been sober 9 days and honestly im terrified of walking in. i have no idea what to "
            "expect and i dont want to share my story with strangers.",
            "do-i-have-to-talk",
        ),
        (
            "es",
            "llevo 9 días sin tomar y me da terror entrar. mi consejera dice que pruebe un grupo. "
            "¿es gratis ir? no tengo mucho dinero ahora y se me descompuso el coche la semana "
            "pasada.",
            "cost",
        ),
    ],
)
async def test_a_long_message_is_read_for_its_question_wherever_it_sits(
    language: str, typed: str, answered: str, app, api, content
) -> None:
    pack = content.pack(language)
    question = next(e.question for c in pack.faq.categories for e in c.entries if e.id == answered)
    person = await started(app, api, language)
    (reply,) = await person.send(typed)
    assert html.unescape(reply.text).startswith(f"<b>{question}</b>")


async def test_that_is_not_what_i_asked_in_spanish_offers_the_runners_up_and_counts_the_miss(
    app, api, services: Services
) -> None:
    person = await started(app, api, "es")
    (answer,) = await person.send("¿cuánto cuesta ir a una reunión?")
    assert "No es lo que pregunté" in [label for label, _ in answer.buttons]
    offered = await person.press_label(answer, "No es lo que pregunté")
    (offer,) = [c for c in offered if c.method == "sendMessage"]
    assert [c for c in offered if c.method.startswith("edit")] == []  # the answer stays
    assert offer.buttons and offer.buttons[-1][0] == "Todos los temas"
    assert all(data.startswith("faq:") for _, data in offer.buttons)
    assert await services.storage.counted("faq_miss:cost", services.clock().date()) == 1


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("en", "grounding"),
        ("en", "i need a grounding exercise"),
        ("en", "i am having a panic attack"),
        ("en", "cant sleep"),
        ("en", "i am so angry"),
        ("es", "ejercicio de anclaje"),
        ("es", "necesito calmarme"),
        ("es", "no puedo dormir"),
        ("es", "estoy muy enojado"),
    ],
)
async def test_asking_for_grounding_by_name_or_by_what_is_happening_offers_the_exercises(
    language: str, typed: str, app, api, content
) -> None:
    person = await started(app, api, language)
    (reply,) = await person.send(typed)
    situations = [s.id for s in content.pack(language).grounding.situations]
    assert [data for _, data in reply.buttons][: len(situations)] == [
        f"gr:sit:{s}" for s in situations
    ]
    assert "sos:help" in [data for _, data in reply.buttons]


async def test_a_short_wordless_message_never_gets_the_full_crisis_reply(chat: Chat) -> None:
    # Under six words, with no danger word or phrase, the model alone says too little to send
    # "call now": such messages get the gentle check at most (which shows the line).
    for text in ("sorry i pressed the wrong thing", "Walk the dog", "Staying in my room"):
        (first, *_) = await chat.send(text)
        assert "You don't have to face this alone" not in first.text, text


async def test_signs_beside_a_phrase_the_rules_cancel_still_get_the_overdose_reply(
    chat: Chat, content
) -> None:
    # "wont respond to me" reads as unanswered texts to the rules; the rest is an overdose.
    (first, *_) = await chat.send(
        "my buddy wont respond to me. pinpoint pupils and hes snoring real weird"
    )
    us = content.pack("en").safety.regions["US"]
    assert us.overdose[:60] in html.unescape(first.text)
    # What the rules cancel, with nothing beside it, stays ordinary.
    (cards, *_) = await chat.send("he beat me at cards, then we went to the meeting")
    assert "988" not in cards.text and not any("sos:" in data for _, data in cards.buttons)


@pytest.mark.parametrize(
    ("language", "story"),
    [
        (
            "en",
            "i used to think recovery meant never feeling sad again. this month my grandma passed"
            " and i was scared i would drink at the funeral. i did not. i cried with my cousins"
            " and went to a meeting after, and it was okay to be sad",
        ),
        (
            "es",
            "la recaida de diciembre me enseño que habia dejado de llamar a mi madrina y de ir a"
            " mi grupo. ahora voy tres veces por semana, rezo en las mañanas y por fin le conte a"
            " mi mama todo lo que paso. me siento mas ligera",
        ),
    ],
)
async def test_a_long_story_with_no_danger_word_is_not_asked_if_safe(
    app, api, language: str, story: str
) -> None:
    # One sad sentence in a long story of recovery is not enough for the model alone to ask
    # "are you safe right now?" (it needs a stronger reading from 30 words on).
    person = await started(app, api, language)
    (first, *_) = await person.send(story)
    assert "988" not in first.text
    assert not any(data.startswith("sos:") for _, data in first.buttons), first.text


async def test_a_means_named_without_the_word_suicide_gets_the_full_crisis_reply(
    chat: Chat,
) -> None:
    # "the overpass" is in the danger words: with the model's reading of danger it is a crisis,
    # not only the gentle check.
    (first, *_) = await chat.send("standing on the overpass, cars look tiny")
    assert "You don't have to face this alone" in first.text
