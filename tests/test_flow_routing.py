"""Which flow takes typed text: flows expire, and the organizer's flow is for organizers only.

Text typed long after a flow's last question, or in a flow the person may not use, is an ordinary
message: it gets the FAQ's reply, and the flow is over.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.config import Settings
from bot.content import Content
from bot.flows import Flow, get_flow, set_flow
from bot.handlers import addmeeting, timezone
from bot.offline_api import OfflineBotApi
from bot.purge import ORGANIZER_FLOW_TTL
from bot.services import Library, Services
from bot.storage import PersonalMeeting
from tests.fakes import Chat, FixedClock, running_app

QUESTION = "do i have to talk at my first meeting"
SERENITY = "example-aa-serenity-at-seven"
ORGANIZER = 900


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


async def test_a_place_typed_after_an_abandoned_timezone_is_not_taken_as_a_zone(
    chat: Chat, clock: FixedClock, services: Services
):
    await chat.send("/timezone")
    before = await services.user_zone(chat.chat["id"])
    clock.now += timezone.FLOW_TTL + dt.timedelta(minutes=1)

    (reply,) = await chat.send("london")

    assert "Europe/London" not in reply.text
    assert await services.user_zone(chat.chat["id"]) == before
    assert await get_flow(services.storage, chat.chat["id"]) is None


async def test_an_announcement_typed_after_the_draft_expired_is_not_drafted(
    settings: Settings, library: Library, api: OfflineBotApi, clock: FixedClock, content: Content
):
    organizers = settings.model_copy(update={"admins": (ORGANIZER,)})
    async with running_app(organizers, library, api, clock) as app:
        services: Services = app.bot_data["services"]
        organizer = Chat(app, api, user_id=ORGANIZER)
        await organizer.send("/start")
        await set_flow(
            services.storage, ORGANIZER, Flow("announce", "text", {"slug": SERENITY}), clock.now
        )
        clock.now += ORGANIZER_FLOW_TTL + dt.timedelta(minutes=1)

        (reply,) = await organizer.send(QUESTION)

        assert content.entries["do-i-have-to-talk"].question in reply.text
        assert not any(data.startswith("adm:") for _, data in reply.buttons)
        assert await get_flow(services.storage, ORGANIZER) is None


async def test_someone_no_longer_an_organizer_leaves_the_announcement_flow(
    settings: Settings, library: Library, api: OfflineBotApi, clock: FixedClock, content: Content
):
    async with running_app(settings, library, api, clock) as app:  # no admins at all
        services: Services = app.bot_data["services"]
        former = Chat(app, api, user_id=ORGANIZER)
        await former.send("/start")
        await set_flow(
            services.storage, ORGANIZER, Flow("announce", "text", {"slug": SERENITY}), clock.now
        )

        (reply,) = await former.send(QUESTION)

        assert content.entries["do-i-have-to-talk"].question in reply.text
        assert await get_flow(services.storage, ORGANIZER) is None
