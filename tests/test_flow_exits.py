"""Text that is plainly not an answer leaves any flow, with a word saying so, and is then answered
as it would be anywhere: a question the FAQ answers, a command word typed without its slash, a
crisis. Real meeting names, even ones that look a little like questions, are still names."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.content import Content
from bot.flows import Flow, get_flow, set_flow
from bot.offline_api import OfflineBotApi
from bot.services import Library, Services
from bot.storage import PersonalMeeting
from tests.fakes import Chat, FixedClock, running_app

LEFT_ADD = "so I've stopped adding the meeting; nothing was saved"
LEFT = "That doesn't look like an answer, so I've stopped there"
SERENITY = "example-aa-serenity-at-seven"
ORGANIZER = 900


def sent(calls) -> list[str]:
    return [c.text.replace("&#x27;", "'") for c in calls if c.method == "sendMessage"]


async def saved(services: Services) -> list[PersonalMeeting]:
    async with services.storage.session() as session:
        return list(await session.scalars(select(PersonalMeeting)))


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("how much does a meeting cost?", "cost"),
        ("what happens at a first meeting?", "what-to-expect"),
        ("Is it confidential?", "confidentiality"),
        ("I'm nervous. Do I have to talk at my first meeting", "do-i-have-to-talk"),
    ],
)
async def test_a_question_in_the_name_step_leaves_the_flow_and_is_answered(
    question: str, entry: str, chat: Chat, services: Services, content: Content
):
    await chat.send("/addmeeting")

    left, answer = sent(await chat.send(question))

    assert LEFT_ADD in left
    assert content.entries[entry].question in answer
    assert await get_flow(services.storage, chat.chat["id"]) is None
    assert await saved(services) == []


@pytest.mark.parametrize(
    "name",
    [
        "Serenity at Seven",
        "Friday Night Dual Recovery",  # the FAQ answers it (DRA), but it is no question
        "Hope & Healing",
        "Step Study?",  # a question mark, but no question
        "Any Lengths?",
        "How It Works",  # a question word, but nothing the FAQ answers
        "Double Trouble in Recovery",
    ],
)
async def test_real_meeting_names_are_still_taken_as_names(
    name: str, chat: Chat, services: Services
):
    await chat.send("/addmeeting")

    (reply,) = sent(await chat.send(name))

    assert "Which day" in reply
    flow = await get_flow(services.storage, chat.chat["id"])
    assert flow is not None and flow.data == {"name": name}


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("days", {"name": "Home group"}),
        ("time", {"name": "Home group", "days": [1]}),
        ("zone", {"name": "Home group", "days": [1], "time": "19:00"}),
        ("link", {"name": "Home group", "days": [1], "time": "19:00", "zone": "Europe/London"}),
    ],
)
async def test_a_question_in_any_later_step_leaves_addmeeting_too(
    step: str, data: dict, chat: Chat, services: Services, clock: FixedClock, content: Content
):
    await set_flow(services.storage, chat.chat["id"], Flow("add", step, data), clock.now)

    left, answer = sent(await chat.send("how much does a meeting cost?"))

    assert LEFT_ADD in left
    assert content.entries["cost"].question in answer
    assert await get_flow(services.storage, chat.chat["id"]) is None
    assert await saved(services) == []


async def test_a_question_while_editing_a_meeting_leaves_it_as_it_was(
    chat: Chat, services: Services, clock: FixedClock, content: Content
):
    flow = Flow("add", "name", {"edit": 1, "days": [1]})
    await set_flow(services.storage, chat.chat["id"], flow, clock.now)

    left, answer = sent(await chat.send("what happens at a first meeting?"))

    assert "I've left your meeting as it was" in left
    assert content.entries["what-to-expect"].question in answer
    assert await get_flow(services.storage, chat.chat["id"]) is None


@pytest.mark.parametrize("word", ["cancel", "Stop", "stop.", "quit"])
async def test_cancel_or_stop_typed_without_a_slash_is_cancel(
    word: str, chat: Chat, services: Services
):
    await chat.send("/addmeeting")

    assert sent(await chat.send(word)) == ["Okay, stopped. Nothing was added."]
    assert await get_flow(services.storage, chat.chat["id"]) is None
    assert await saved(services) == []


@pytest.mark.parametrize("word", ["menu", "Menu!", "menú"])
async def test_menu_typed_in_a_flow_leaves_it_and_shows_the_menu(
    word: str, chat: Chat, services: Services
):
    await chat.send("/addmeeting")

    calls = await chat.send(word)

    left, menu = (c for c in calls if c.method == "sendMessage")
    assert LEFT_ADD in left.text.replace("&#x27;", "'")
    assert "Find a meeting" in [label for label, _ in menu.buttons]
    assert await get_flow(services.storage, chat.chat["id"]) is None


@pytest.mark.parametrize("word", ["help", "Help!"])
async def test_help_typed_alone_in_a_flow_leaves_it_for_the_help_not_saved_as_a_name(
    word: str, chat: Chat, services: Services
):
    # A plain "help" asks what the bot does; the help leads with "Crisis help" ("help me" is
    # asked gently: tests/test_understanding_chat.py).
    await chat.send("/addmeeting")

    calls = await chat.send(word)

    left, menu = (c for c in calls if c.method == "sendMessage")
    assert LEFT_ADD in left.text.replace("&#x27;", "'")
    assert "Crisis help" in [label for label, _ in menu.buttons]
    assert "Are you thinking about hurting yourself" not in menu.text
    assert await get_flow(services.storage, chat.chat["id"]) is None
    assert await saved(services) == []


async def test_a_question_typed_in_the_time_zone_search_leaves_it(
    chat: Chat, services: Services, content: Content
):
    await chat.send("/timezone")
    before = await services.user_zone(chat.chat["id"])

    left, answer = sent(await chat.send("what happens at a first meeting?"))

    assert LEFT in left
    assert content.entries["what-to-expect"].question in answer
    assert await get_flow(services.storage, chat.chat["id"]) is None
    assert await services.user_zone(chat.chat["id"]) == before


async def test_a_sentence_no_faq_answers_leaves_the_time_zone_search_with_a_word_too(
    chat: Chat, services: Services
):
    await chat.send("/timezone")
    before = await services.user_zone(chat.chat["id"])

    replies = sent(await chat.send("whoops hit the wrong one there, hang on"))

    assert LEFT in replies[0]
    assert await get_flow(services.storage, chat.chat["id"]) is None
    assert await services.user_zone(chat.chat["id"]) == before


async def test_a_place_typed_in_the_time_zone_search_is_still_a_place(
    chat: Chat, services: Services
):
    await chat.send("/timezone")
    await chat.send("london")
    assert (await services.user_zone(chat.chat["id"])).key == "Europe/London"


async def test_a_spanish_question_in_the_name_step_leaves_the_flow(
    app, api: OfflineBotApi, services: Services, content: Content
):
    person = Chat(app, api, user_id=777, language="es")
    await person.send("/start")
    await person.send("/addmeeting")

    left, answer = sent(await person.send("¿cuánto cuesta una reunión?"))

    assert "dejé de agregarla" in left
    assert content.pack("es").faq.categories  # the answer is the Spanish entry
    spanish = {e.id: e for c in content.pack("es").faq.categories for e in c.entries}
    assert spanish["cost"].question in answer
    assert await get_flow(services.storage, 777) is None


async def test_a_crisis_in_a_flow_is_answered_first_and_alone_and_ends_the_flow(
    chat: Chat, services: Services
):
    await chat.send("/addmeeting")

    (crisis,) = sent(await chat.send("i want to kill myself"))

    assert "988" in crisis
    assert await get_flow(services.storage, chat.chat["id"]) is None
    # What they type next is theirs to say, not the meeting's name.
    assert not any("Which day" in text for text in sent(await chat.send("Tuesday home group")))
    assert await saved(services) == []


async def test_an_announcement_worded_as_a_question_is_still_the_draft(
    settings: Settings, library: Library, api: OfflineBotApi, clock: FixedClock
):
    organizers = settings.model_copy(update={"admins": (ORGANIZER,)})
    async with running_app(organizers, library, api, clock) as app:
        services: Services = app.bot_data["services"]
        organizer = Chat(app, api, user_id=ORGANIZER)
        await organizer.send("/start")
        flow = Flow("announce", "text", {"slug": SERENITY})
        await set_flow(services.storage, ORGANIZER, flow, clock.now)

        (preview,) = await organizer.send("What happens at a first meeting? Come and see!")

        assert [label for label, _ in preview.buttons] == ["Send", "Cancel"]
        drafted = await get_flow(services.storage, ORGANIZER)
        assert drafted is not None and drafted.step == "confirm"
        # A command word still leaves it, and the draft with it.
        assert sent(await organizer.send("cancel")) == ["Okay, stopped."]
        assert await get_flow(services.storage, ORGANIZER) is None
