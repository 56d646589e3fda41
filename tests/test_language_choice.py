"""/language: the bot speaks the language a person chooses, whatever their Telegram says."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.offline_api import OfflineBotApi
from bot.services import Services
from bot.storage import User
from tests.fakes import Chat, running_app


def sent(calls):
    return [c for c in calls if c.method in ("sendMessage", "editMessageText")]


async def test_choosing_spanish_changes_every_later_answer_crisis_included(
    chat: Chat, services: Services
):
    (menu,) = sent(await chat.send("/language"))
    labels = [label for label, _ in menu.buttons]
    assert "Español" in labels and "English" in labels
    (done,) = sent(await chat.press_label(menu, "Español"))
    assert "español" in done.text

    (help_text,) = sent(await chat.send("/help"))
    assert "/language" in help_text.text and "zona horaria" in help_text.text
    crisis = sent(await chat.send("i want to kill myself"))
    assert "988" in crisis[0].text and "oprime 2 para español" in crisis[0].text
    async with services.storage.session() as session:
        user = await session.get(User, chat.user["id"])
        assert user is not None and user.language == "es" and user.language_chosen


async def test_same_as_telegram_goes_back(chat: Chat, services: Services):
    (menu,) = sent(await chat.send("/language"))
    await chat.press_label(menu, "Español")
    (menu,) = sent(await chat.send("/language"))
    (done,) = sent(await chat.press_label(menu, "Telegram"))
    assert "English" in done.text
    (help_text,) = sent(await chat.send("/help"))
    assert "What I can do" in help_text.text
    async with services.storage.session() as session:
        chosen = (
            await session.execute(select(User.language_chosen).where(User.chat_id == 501))
        ).scalar()
    assert chosen is False


@pytest.mark.parametrize("telegram", ["pt-br", "fr"])
async def test_a_telegram_language_without_texts_hears_of_the_ones_there_are(
    telegram: str, app, api
):
    person = Chat(app, api, user_id=620, language=telegram)
    (welcome,) = sent(await person.send("/start"))
    assert "Español" in welcome.text and "/language" in welcome.text
    (menu,) = sent(await person.send("/language"))
    (done,) = sent(await person.press_label(menu, "Español"))
    assert "español" in done.text
    (help_text,) = sent(await person.send("/help"))
    assert "zona horaria" in help_text.text
    english = Chat(app, api, user_id=621, language="en")
    (plain,) = sent(await english.send("/start"))
    assert "/language to choose" not in plain.text


async def test_a_forged_language_button_changes_nothing(chat: Chat, services: Services):
    calls = await chat.press("lang:set:xx")
    assert all("xx" not in c.text for c in calls)
    (help_text,) = sent(await chat.send("/help"))
    assert "What I can do" in help_text.text


async def test_the_language_chosen_is_kept_across_a_restart(settings, library, clock):
    first = OfflineBotApi()
    async with running_app(settings, library, first, clock) as app:
        person = Chat(app, first, user_id=622, language="en")
        await person.send("/start")
        (menu,) = sent(await person.send("/language"))
        await person.press_label(menu, "Español")
    again = OfflineBotApi()
    async with running_app(settings, library, again, clock) as app:
        person = Chat(app, again, user_id=622, language="en")  # Telegram still says English
        (help_text,) = sent(await person.send("/help"))
        assert "zona horaria" in help_text.text
