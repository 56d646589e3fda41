"""Typed text that is not a command: an answer to a flow's question, or an ordinary message.

`register` gives the router its table of flows, so this module imports no feature: each flow's
text callback returns whether it took the text. Two rules hold for every flow, here in one place:
an expired flow is cleared and its text handled as any other message (the FAQ); and text that is
plainly not an answer (`bot.flow_exit`: a command word typed without its slash, a question the FAQ
answers) leaves the flow with a word saying so, and then gets its ordinary handling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from typing import NamedTuple

from telegram import Update

from bot.context import BotContext
from bot.flow_exit import Exit, leaves_flow
from bot.flows import Flow, clear_flow, get_flow
from bot.handlers.common import Handler

FlowText = Callable[[Update, BotContext, Flow], Awaitable[bool]]
# Ends the flow the chat is in and says so (the word for `Exit`; "cancel" as /cancel says it).
Leave = Callable[[Update, BotContext, Flow, Exit], Awaitable[None]]


class FlowRoute(NamedTuple):
    """What takes text typed in a flow, and how long after its last step it may still."""

    take_text: FlowText
    ttl: dt.timedelta
    # Whether a question the FAQ answers leaves the flow (not when the answer is free prose).
    questions: bool = True


# Flow name -> its route.
Flows = Mapping[str, FlowRoute]


def text_router(flows: Flows, ordinary: Handler, leave: Leave) -> Handler:
    """A text handler: to the flow the chat is in (state from the database), else `ordinary`."""

    async def on_text(update: Update, context: BotContext) -> None:
        storage, chat_id = context.services.storage, context.chat_id
        flow = await get_flow(storage, chat_id) if chat_id else None
        route = flows.get(flow.name) if flow is not None else None
        if flow is not None and route is not None:
            if not flow.fresh(context.services.clock(), route.ttl):
                await clear_flow(storage, chat_id)  # abandoned: the text is a message of its own
            elif (exit := _exit(update, context, route)) is not None:
                await leave(update, context, flow, exit)
                if exit.command == "cancel":
                    return  # the word that ended the flow is the whole answer
            elif await route.take_text(update, context, flow):
                return
        await ordinary(update, context)

    return on_text


def _exit(update: Update, context: BotContext, route: FlowRoute) -> Exit | None:
    message = update.effective_message
    if message is None or not message.text:
        return None
    reader = context.services.library.reader(context.pack)
    return leaves_flow(
        message.text, lambda text: reader.read(text).answer is not None, questions=route.questions
    )
