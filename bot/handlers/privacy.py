"""/privacy explains what is kept; /forget deletes it after one confirmation."""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.context import BotContext
from bot.handlers.common import esc, keyboard, show
from bot.jobs import end_guide
from bot.organizer import FORGOTTEN

PREFIX = "priv"


async def privacy(update: Update, context: BotContext) -> None:
    """/privacy: what is stored and what is not."""
    pack = context.pack
    rows = [[(pack.text("delete_my_data"), callbacks.make("priv", "ask"))]]
    await show(update, esc(pack.text("privacy")), keyboard(rows))


async def forget(update: Update, context: BotContext) -> None:
    """/forget: ask once before deleting everything."""
    pack = context.pack
    rows = [
        [(pack.text("button_yes_forget"), callbacks.make("priv", "yes"))],
        [(pack.text("button_no"), callbacks.make("priv", "no"))],
    ]
    await show(update, esc(pack.text("forget_confirm")), keyboard(rows))


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """The confirmation buttons of /forget."""
    pack = context.pack
    if button.action == "ask":
        await forget(update, context)
    elif button.action == "yes" and context.chat_id:
        await end_guide(context.bot, context.job_queue, context.chat_id)
        context.services.plans.finish(context.chat_id)  # a safety plan in progress, too
        services = context.services
        if await services.storage.forget_user(context.chat_id):
            # Anonymous, like every counter: /stats still counts someone who was here (`organizer`).
            await services.storage.count(FORGOTTEN, services.clock().date())
        await show(update, esc(pack.text("forget_done")), edit=True)
    elif button.action == "no":
        await show(update, esc(pack.text("forget_cancelled")), edit=True)
    else:
        raise LookupError(button)
