"""Typed text that is not a command: an answer to a flow's question, or an ordinary message.

`register` gives the router its table of flows, so this module imports no feature: each flow's
text callback returns whether it took the text; an expired flow is cleared here, in one place,
and its text is handled as any other message (the FAQ).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping

from telegram import Update

from bot.context import BotContext
from bot.flows import Flow, clear_flow, get_flow
from bot.handlers.common import Handler

FlowText = Callable[[Update, BotContext, Flow], Awaitable[bool]]
# Flow name -> (what takes text typed in it, how long after its last step it may still).
Flows = Mapping[str, tuple[FlowText, dt.timedelta]]


def text_router(flows: Flows, ordinary: Handler) -> Handler:
    """A text handler: to the flow the chat is in (state from the database), else `ordinary`."""

    async def on_text(update: Update, context: BotContext) -> None:
        storage, chat_id = context.services.storage, context.chat_id
        flow = await get_flow(storage, chat_id) if chat_id else None
        route = flows.get(flow.name) if flow is not None else None
        if flow is not None and route is not None:
            take_text, ttl = route
            if not flow.fresh(context.services.clock(), ttl):
                await clear_flow(storage, chat_id)  # abandoned: the text is a message of its own
            elif await take_text(update, context, flow):
                return
        await ordinary(update, context)

    return on_text
