"""Typed text that is not a command: an answer to a flow's question, or a question for the FAQ."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.flows import get_flow
from bot.handlers import addmeeting, admin, faq, timezone


async def on_text(update: Update, context: BotContext) -> None:
    """Route text to the flow the chat is in (state from the database), else to the FAQ."""
    chat = update.effective_chat
    flow = await get_flow(context.services.storage, chat.id) if chat else None
    if flow is not None and flow.name == addmeeting.FLOW:
        await addmeeting.handle_text(update, context, flow)
        return
    if flow is not None and await admin.handle_flow_text(update, context, flow):
        return
    if flow is not None and await timezone.handle_flow_text(update, context, flow):
        return
    await faq.free_text(update, context)
