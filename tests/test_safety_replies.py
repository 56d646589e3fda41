"""Crisis replies through the real Application: the right region's lines for where the user is."""

from __future__ import annotations

from bot.app import BotApplication
from bot.offline_api import OfflineBotApi
from tests.fakes import Chat


async def test_a_user_in_sydney_gets_australias_lines_and_one_on_the_default_the_configured(
    chat: Chat,
) -> None:
    calls = await chat.send("/sos")
    assert "988" in calls[0].text
    await chat.send("/timezone")
    await chat.send("sydney")
    calls = await chat.send("/sos")
    assert "13 11 14" in calls[0].text and "988" not in calls[0].text
    calls = await chat.send("i have the pills counted out and tonight i take them all")
    assert "13 11 14" in calls[0].text


async def test_a_question_about_naloxone_gets_its_answer_with_the_emergency_number_beneath(
    chat: Chat,
) -> None:
    for question in (
        "how does narcan actually work",
        "do pharmacies need a prescription for narcan now",
    ):
        calls = await chat.send(question)
        first = calls[0].text
        assert "Narcan is one brand" in first  # the FAQ's naloxone answer, first
        assert first.rstrip().endswith("call 911.</b>")  # and the emergency number beneath it
        assert "This is an emergency" not in first  # not the overdose reply
        assert "Are you thinking about hurting yourself" not in first  # nor the gentle check


async def test_the_emergency_number_beneath_the_naloxone_answer_is_the_users_regions(
    chat: Chat,
) -> None:
    await chat.send("/timezone")
    await chat.send("sydney")
    calls = await chat.send("where can i get free naloxone in sydney")
    assert "Narcan is one brand" in calls[0].text and "call 000" in calls[0].text
    assert "911" not in calls[0].text


async def test_naloxone_needed_now_still_gets_the_overdose_reply_first(chat: Chat) -> None:
    for text in (
        "my friend isnt waking up do i use the narcan",
        "need narcan now",
        "where can i get narcan fast",
    ):
        calls = await chat.send(text)
        assert calls[0].text.startswith("This is an emergency: call 911 now"), text


async def test_a_spanish_question_about_naloxone_gets_the_spanish_answer_and_number(
    app: BotApplication, api: OfflineBotApi
) -> None:
    person = Chat(app, api, user_id=712, language="es")
    await person.send("/start")
    calls = await person.send("como funciona la naloxona")
    assert "Narcan es una marca" in calls[0].text and "llama ya al 911" in calls[0].text
    calls = await person.send("mi amigo no despierta, como uso la naloxona")
    assert "911" in calls[0].text and "Narcan es una marca" not in calls[0].text
