"""Crisis replies through the real Application: the right region's lines for where the user is."""

from __future__ import annotations

import html

import pytest

from bot.app import BotApplication
from bot.offline_api import OfflineBotApi
from tests.fakes import Chat, started

# Language -> (what /timezone takes for Sydney, what a person in danger writes).
LANGUAGES = {
    "en": ("sydney", "i have the pills counted out and tonight i take them all"),
    "es": ("sídney", "tengo las pastillas contadas y esta noche me las tomo todas"),
}
# Language -> the labels of "somewhere else", the United Kingdom and the overdose button.
PICKER = {
    "en": ("Somewhere else", "United Kingdom", "overdosed"),
    "es": ("En otro lugar", "Reino Unido", "sobredosis"),
}


@pytest.mark.parametrize("language", ["en", "es"])
async def test_a_user_in_sydney_gets_australias_lines_and_one_on_the_default_the_configured(
    language: str, app, api
) -> None:
    person = await started(app, api, language)
    calls = await person.send("/sos")
    assert "988" in calls[0].text
    sydney, danger = LANGUAGES[language]
    await person.send("/timezone")
    await person.send(sydney)
    calls = await person.send("/sos")
    assert "13 11 14" in calls[0].text and "988" not in calls[0].text
    calls = await person.send(danger)
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


@pytest.mark.parametrize("language", ["en", "es"])
async def test_somewhere_else_shows_the_help_of_the_region_chosen_and_the_default_stays(
    language: str, app, api
) -> None:
    elsewhere, uk, overdose = PICKER[language]
    person = await started(app, api, language)
    (sos,) = await person.send("/sos")
    assert "988" in sos.text
    (picker,) = await person.press_label(sos, elsewhere)
    assert picker.method == "sendMessage"  # the help shown first stays where it is
    assert len(picker.buttons) >= 8 and uk in [label for label, _ in picker.buttons]
    (there,) = await person.press_label(picker, uk)
    assert there.method == "editMessageText"
    assert "116 123" in there.text and "988" not in there.text
    # The other kinds' buttons keep the region chosen.
    (emergency,) = await person.press_label(there, overdose)
    assert "999" in emergency.text and "911" not in emergency.text
    # Nothing is remembered: the next /sos is the person's own region's again.
    (again,) = await person.send("/sos")
    assert "988" in again.text


@pytest.mark.parametrize("data", ["sos:reg:self_harm:zz", "sos:where:evil", "sos:kind:abuse:xx"])
async def test_a_forged_region_button_is_out_of_date(data: str, chat: Chat) -> None:
    (reply,) = await chat.press(data)
    assert "out of date" in reply.text


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("en", "i left a letter for my mom on the table, goodbye"),
        ("en", "i wrote letters to my kids. goodbye everyone"),
        ("es", "le dejé una carta a mi mamá en la mesa, adiós"),
        ("es", "les escribí cartas a mis hijos. adiós a todos"),
    ],
)
async def test_a_goodbye_letter_left_gets_the_self_harm_crisis_reply_not_someone_elses(
    language: str, typed: str, app, api, content
) -> None:
    person = await started(app, api, language)
    reply = (await person.send(typed))[0]
    us = content.pack(language).safety.regions["US"]
    assert us.crisis[:60] in html.unescape(reply.text)  # the self-harm message
    payloads = [data for _, data in reply.buttons]
    assert "sos:kind:other_danger" in payloads and "plan:start" in payloads  # not that reply
