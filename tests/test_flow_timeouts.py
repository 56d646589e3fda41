"""Multi-step flows expire: text typed long after a flow's last question is an ordinary message."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.content import Content
from bot.flows import get_flow
from bot.handlers import addmeeting
from bot.services import Services
from bot.storage import PersonalMeeting
from tests.fakes import Chat, FixedClock

QUESTION = "do i have to talk at my first meeting"


async def personal_meetings(services: Services) -> list[PersonalMeeting]:
    async with services.storage.session() as session:
        return list(await session.scalars(select(PersonalMeeting)))


async def test_a_question_after_an_abandoned_addmeeting_gets_the_faq_answer(
    chat: Chat, clock: FixedClock, services: Services, content: Content
):
    assert "What do you call it" in (await chat.send("/addmeeting"))[0].text
    clock.now += addmeeting.FLOW_TTL + dt.timedelta(minutes=1)

    (reply,) = await chat.send(QUESTION)

    assert content.entries["do-i-have-to-talk"].question in reply.text
    assert await get_flow(services.storage, chat.chat["id"]) is None
    assert await personal_meetings(services) == []
    # The flow is over: the next text is a question too, not the meeting's name.
    (again,) = await chat.send(QUESTION)
    assert content.entries["do-i-have-to-talk"].question in again.text


async def test_an_answer_within_the_time_out_moves_addmeeting_on(
    chat: Chat, clock: FixedClock, services: Services
):
    await chat.send("/addmeeting")
    clock.now += addmeeting.FLOW_TTL - dt.timedelta(minutes=1)

    (reply,) = await chat.send("Tuesday home group")

    assert "Which day" in reply.text
    flow = await get_flow(services.storage, chat.chat["id"])
    assert flow is not None and flow.data == {"name": "Tuesday home group"}
