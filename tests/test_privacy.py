"""What people write is never stored and never logged, at any level; the token never logged."""

from __future__ import annotations

import logging

from sqlalchemy import inspect, select, text

from bot.logs import RedactToken
from bot.services import Services
from tests.fakes import Chat

SECRETS = [
    "my name is Jordan Q and I drink at the Rusty Anchor every night zebra42",
    "i want to kill myself zebra42",
    "i can't do this anymore zebra42",
    "/start zebra42",
    "is it free zebra42",
]


async def _all_database_text(services: Services) -> str:
    dump: list[str] = []
    async with services.storage.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        for table in tables:
            rows = await connection.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
            dump.extend(repr(tuple(row)) for row in rows)
    return "\n".join(dump)


async def test_messages_never_reach_logs_or_database(chat: Chat, services: Services, caplog):
    caplog.set_level(logging.DEBUG)
    for message in SECRETS:
        await chat.send(message)
    await chat.press("gr:home")
    await chat.press("zebra42-forged")
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    assert "zebra42" not in logged
    assert "zebra42" not in await _all_database_text(services)
    assert "Jordan" not in await _all_database_text(services)


async def test_a_failing_handler_logs_no_user_text(
    chat: Chat, services: Services, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)

    def broken(text: str):
        raise RuntimeError("matcher broke")

    matcher = services.library.matcher(services.library.pack("en"))
    monkeypatch.setattr(matcher, "match", broken)
    calls = await chat.send("where is the meeting zebra42")
    assert any("went wrong" in c.text for c in calls)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "RuntimeError" in logged and "zebra42" not in logged


async def test_forget_leaves_no_row_about_the_user(chat: Chat, services: Services):
    await chat.send("/start")
    await chat.send("/forget")
    await chat.press("priv:yes")
    assert str(chat.user["id"]) not in await _all_database_text(services)
    from bot.storage import User

    async with services.storage.session() as session:
        assert (await session.scalars(select(User))).all() == []


def test_token_is_redacted_from_any_log_line(caplog):
    logger = logging.getLogger("bot.test")
    handler_filter = RedactToken("123:SECRET")
    record = logger.makeRecord(
        "bot.test", logging.INFO, __file__, 1, "GET %s", ("https://x/bot123:SECRET/getMe",), None
    )
    handler_filter.filter(record)
    assert "SECRET" not in record.getMessage()


def test_httpx_is_quiet_at_info():
    from bot.logs import quiet_libraries

    quiet_libraries()
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert not logging.getLogger("telegram.Bot").isEnabledFor(logging.DEBUG)


async def test_add_meeting_keeps_only_what_reminders_need(chat: Chat, services: Services, caplog):
    caplog.set_level(logging.DEBUG)
    await chat.send("/addmeeting")
    await chat.send("Thursday circle")
    await chat.send("thursday, the one after my therapy zebra42")
    await chat.send("around seven I think zebra42")  # not a time: asked again, not kept
    await chat.send("7pm")
    await chat.send("I live near the old mill zebra42")  # not a zone: asked again, not kept
    await chat.press("add:zone")
    await chat.send("Room 2")
    dump = await _all_database_text(services)
    assert "Thursday circle" in dump and "Room 2" in dump and "19:00" in dump
    assert "zebra42" not in dump
    assert "zebra42" not in "\n".join(r.getMessage() for r in caplog.records)
    async with services.storage.session() as session:
        from bot.storage import FlowState

        assert (await session.scalars(select(FlowState))).all() == []  # the flow is gone


async def test_time_zone_search_text_is_not_kept(chat: Chat, services: Services):
    await chat.send("/timezone")
    await chat.send("zebra42ville")
    await chat.send("lodnon")
    assert "zebra42" not in await _all_database_text(services)


async def test_a_failing_handler_logs_the_place_not_the_errors_text(
    chat: Chat, services: Services, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)

    def broken(text: str):
        raise RuntimeError(f"parameters: ({text!r},)")

    monkeypatch.setattr(services.library.reader(services.library.pack("en")), "read", broken)
    await chat.send("where is the meeting quokka57")
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "RuntimeError at" in logged and "test_privacy.py" in logged
    assert "quokka57" not in logged


# What /privacy must say for each table about a person (a `chat_id` or a subscription's id), and
# for each column of `users`: a new table or column about people must be named there too.
SAID_OF_TABLES = {
    "users": "your chat id",
    "personal_meetings": "the ones you added yourself with their name, days, time and link",
    "subscriptions": "your reminder settings and daily check-in time",
    "deliveries": "a record of which reminders were sent and when",
    "flows": "your answers so far",
}
SAID_OF_USERS = {
    "chat_id": "your chat id",
    "language": "your language",
    "language_chosen": "your language",
    "timezone": "time zone",
    "told_timezone": "time zone",
    "created_at": "the day you first",
    "last_seen_on": "last used me",
    "blocked": "whether you blocked me",
}


async def test_privacy_names_everything_kept_about_a_person_and_forget_says_what_stops(
    chat: Chat, app, api
):
    from bot.storage import Base
    from tests.fakes import Chat as Person

    about_people = {
        name
        for name, table in Base.metadata.tables.items()
        if {"chat_id", "subscription_id"} & set(table.columns.keys())
    }
    assert about_people == set(SAID_OF_TABLES)
    assert set(Base.metadata.tables["users"].columns.keys()) == set(SAID_OF_USERS)
    said = (await chat.send("/privacy"))[0].text
    for phrase in (*SAID_OF_TABLES.values(), *SAID_OF_USERS.values()):
        assert phrase in said
    confirm = (await chat.send("/forget"))[0].text
    assert "Your reminders and check-ins stop." in confirm
    assert "your meetings and the ones you added" in confirm
    spanish = Person(app, api, user_id=650, language="es")
    await spanish.send("/start")
    dicho = (await spanish.send("/privacy"))[0].text
    assert "un registro de qué recordatorios se enviaron y cuándo" in dicho
    assert "el primer y el último día que me usaste" in dicho
    confirma = (await spanish.send("/forget"))[0].text
    assert "Tus recordatorios y tu chequeo diario se detienen." in confirma
