"""The personal safety plan: seven short questions, then the plan sent back whole to pin.

Nothing of it is kept: the plans in progress are `bot.safety_plan.PlanDrafts` in this
Application's memory (`bot_data`), not in the database (the flows table is not used for them) and
never in a log. Starting a plan ends any other question in progress (`clear_flow`), so that the
answers come here; the crisis check still sees every answer first.
"""

from __future__ import annotations

import secrets

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop

from bot import callbacks
from bot.content import SafetyPlanFile
from bot.context import BotContext
from bot.flows import clear_flow
from bot.handlers.common import Handler, esc, keyboard, show
from bot.jobs import end_guide
from bot.safety_plan import CRISIS_LINE_STEP, STEPS, Draft, PlanDrafts, render_plan

PREFIX = "plan"


def _drafts(context: BotContext) -> PlanDrafts:
    """The plans in progress (in this process's memory only: `Services.plans`)."""
    return context.services.plans


def _texts(context: BotContext) -> SafetyPlanFile:
    texts = context.pack.safety_plan
    assert texts is not None  # the content check guarantees it
    return texts


async def _crisis_line(context: BotContext) -> str:
    region = await context.services.region_of(context.pack, context.chat_id)
    return region.crisis_line


def _step_keyboard(context: BotContext, draft: Draft) -> InlineKeyboardMarkup:
    pack = context.pack
    skip = callbacks.make(PREFIX, "skip", draft.nonce, draft.step)
    stop = callbacks.make(PREFIX, "stop", draft.nonce)
    return keyboard(
        [[(pack.text("button_plan_skip"), skip), (pack.text("button_plan_cancel"), stop)]]
    )


async def _ask(update: Update, context: BotContext, draft: Draft, *, again: bool = False) -> None:
    """The current step's question, with Skip and Cancel (`again`: after a word on where we are)."""
    pack, texts = context.pack, _texts(context)
    step = texts.steps[draft.step]
    counter = pack.text("plan_step", step=draft.step + 1, steps=STEPS)
    lines = [esc(pack.text("plan_resume")), ""] if again else []
    lines += [f"<b>{esc(counter)}: {esc(step.heading)}</b>", esc(step.question)]
    lines.append(f"<i>{esc(step.example)}</i>")
    if draft.step == CRISIS_LINE_STEP:
        lines += ["", esc(texts.crisis_line_intro), esc(await _crisis_line(context))]
    await show(update, "\n".join(lines), _step_keyboard(context, draft))


async def start_plan(update: Update, context: BotContext) -> None:
    """/plan and "My safety plan": a new plan, or back to the question of the one in progress."""
    drafts, now = _drafts(context), context.services.clock()
    draft = drafts.get(context.chat_id, now)
    if draft is not None:
        await _ask(update, context, draft, again=True)
        return
    await end_guide(context.bot, context.job_queue, context.chat_id)
    await clear_flow(context.services.storage, context.chat_id)
    draft = drafts.start(context.chat_id, secrets.token_hex(3), now)
    await show(update, esc(_texts(context).intro))
    await _ask(update, context, draft)


async def _move_on(update: Update, context: BotContext, draft: Draft) -> None:
    """The next question, or the finished plan (and then nothing of it is held any longer)."""
    if not draft.done:
        await _ask(update, context, draft)
        return
    _drafts(context).finish(context.chat_id)
    plan = render_plan(_texts(context), draft.answers, await _crisis_line(context))
    rows = [[(context.pack.text("button_crisis_help"), callbacks.make("sos", "help"))]]
    await show(update, plan.html, keyboard(rows))


async def _say_lost(update: Update, context: BotContext) -> None:
    pack = context.pack
    rows = [
        [(pack.text("button_plan_again"), callbacks.make(PREFIX, "start"))],
        [(pack.text("button_crisis_help"), callbacks.make("sos", "help"))],
    ]
    await show(update, esc(pack.text("plan_lost")), keyboard(rows))


async def take_answer(update: Update, context: BotContext) -> bool:
    """Typed text during a plan is the answer to its question; True when it was taken."""
    message = update.effective_message
    if message is None or not message.text:
        return False
    drafts, now, chat_id = _drafts(context), context.services.clock(), context.chat_id
    draft = drafts.get(chat_id, now)
    if draft is None:
        if not drafts.was_lost(chat_id, now):
            return False
        await _say_lost(update, context)
        return True
    await _move_on(update, context, drafts.answer(chat_id, message.text, now))
    return True


def answers_first(ordinary: Handler) -> Handler:
    """A text handler: an answer to the plan in progress, else `ordinary` (the FAQ)."""

    async def on_text(update: Update, context: BotContext) -> None:
        if not await take_answer(update, context):
            await ordinary(update, context)

    return on_text


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel during a plan: end it, and say nothing was kept; otherwise /cancel as ever."""
    drafts = _drafts(context)
    if drafts.get(context.chat_id, context.services.clock()) is None:
        return
    drafts.finish(context.chat_id)
    await show(update, esc(context.pack.text("plan_cancelled")))
    raise ApplicationHandlerStop


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """Start, Skip and Cancel; a button of a plan that is no longer held says so."""
    if button.action == "start":
        await start_plan(update, context)
        return
    if button.action not in ("skip", "stop"):
        raise LookupError(button)
    drafts, now, chat_id = _drafts(context), context.services.clock(), context.chat_id
    draft = drafts.get(chat_id, now)
    if draft is None:
        drafts.was_lost(chat_id, now)  # said now, not again on the next message
        if button.action == "stop":
            await show(update, esc(context.pack.text("plan_cancelled")))
        else:
            await _say_lost(update, context)
    elif button.arg != draft.nonce or (
        button.action == "skip" and button.int_arg(1, -1) != draft.step
    ):
        await _ask(update, context, draft, again=True)  # a button of an earlier question
    elif button.action == "stop":
        drafts.finish(chat_id)
        await show(update, esc(context.pack.text("plan_cancelled")))
    else:
        await _move_on(update, context, drafts.answer(chat_id, None, now))
