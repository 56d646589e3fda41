"""/privacy explains what is kept; /forget deletes it after one confirmation."""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.context import BotContext
from bot.handlers.common import esc, keyboard, pack_for, show
from bot.handlers.grounding import stop_guide


async def privacy(update: Update, context: BotContext) -> None:
    """/privacy: what is stored and what is not."""
    pack = pack_for(update, context)
    rows = [[(pack.text("delete_my_data"), callbacks.make("priv", "ask"))]]
    await show(update, esc(pack.text("privacy")), keyboard(rows))


async def forget(update: Update, context: BotContext) -> None:
    """/forget: ask once before deleting everything."""
    pack = pack_for(update, context)
    rows = [
        [(pack.text("button_yes_forget"), callbacks.make("priv", "yes"))],
        [(pack.text("button_no"), callbacks.make("priv", "no"))],
    ]
    await show(update, esc(pack.text("forget_confirm")), keyboard(rows))


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """The confirmation buttons of /forget."""
    pack = pack_for(update, context)
    chat = update.effective_chat
    if button.action == "ask":
        await forget(update, context)
    elif button.action == "yes" and chat is not None:
        stop_guide(context, chat.id)
        await context.services.storage.forget_user(chat.id)
        await show(update, esc(pack.text("forget_done")), edit=True)
    elif button.action == "no":
        await show(update, esc(pack.text("forget_cancelled")), edit=True)
    else:
        raise LookupError(button)
