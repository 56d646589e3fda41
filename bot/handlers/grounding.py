"""Grounding: exercises by situation or at random, shown whole or guided step by step."""

from __future__ import annotations

import random
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import callbacks
from bot.content import Exercise, LanguagePack
from bot.context import BotContext
from bot.flow_exit import command_word
from bot.flows import get_flow
from bot.handlers.common import Row, esc, keyboard, one_per_row, pack_for, show
from bot.jobs import end_guide, guide_job_name, guide_message, stop_guide
from bot.views.menu import main_menu


@dataclass(frozen=True)
class GuideState:
    """Where a guided exercise is: which exercise, in which language, at which step."""

    exercise_id: str
    language: str
    position: int
    message_id: int


def _exercises(pack: LanguagePack) -> dict[str, Exercise]:
    return {x.id: x for x in pack.grounding.exercises}


def _situations(pack: LanguagePack) -> list[Row]:
    rows = one_per_row(
        [(s.label, callbacks.make("gr", "sit", s.id)) for s in pack.grounding.situations]
    )
    rows.append([(pack.text("button_random"), callbacks.make("gr", "rand"))])
    return rows


def render_exercise(pack: LanguagePack, exercise: Exercise) -> str:
    """The whole exercise in one message: title, summary, numbered steps, caution, sources."""
    steps = "\n".join(f"{i}. {esc(s.text)}" for i, s in enumerate(exercise.steps, start=1))
    parts = [f"<b>{esc(exercise.title)}</b>", esc(exercise.summary), steps]
    if exercise.caution:
        parts.append(f"⚠️ {esc(exercise.caution)}")
    sources = "; ".join(esc(s.title) for s in exercise.sources)
    parts.append(f"<i>{esc(pack.text('sources'))}: {sources}</i>")
    return "\n\n".join(parts)


def _after_keyboard(pack: LanguagePack, exercise: Exercise) -> list[Row]:
    return [
        [
            (pack.text("button_another"), callbacks.make("gr", "more", exercise.id)),
            (pack.text("button_helped"), callbacks.make("gr", "ok", exercise.id)),
        ]
    ]


def _exercise_keyboard(pack: LanguagePack, exercise: Exercise) -> list[Row]:
    rows: list[Row] = []
    if exercise.guided:
        rows.append([(pack.text("button_guide_me"), callbacks.make("gr", "guide", exercise.id))])
    rows.extend(_after_keyboard(pack, exercise))
    rows.append([(pack.text("button_back"), callbacks.make("gr", "home"))])
    return rows


def pick_another(pack: LanguagePack, current: Exercise, rng: random.Random) -> Exercise:
    """A different exercise for the same kind of moment, or any other one."""
    others = [x for x in pack.grounding.exercises if x.id != current.id]
    similar = [x for x in others if set(x.when) & set(current.when)]
    return rng.choice(similar or others or [current])


async def ground(update: Update, context: BotContext) -> None:
    """/ground: what's going on? Situations as buttons, or one at random."""
    pack = pack_for(update, context)
    await show(update, esc(pack.text("ground_intro")), keyboard(_situations(pack)))


async def open_link(update: Update, context: BotContext, _target: object) -> bool:
    """A link to the exercises (`ground`)."""
    await ground(update, context)
    return True


async def _show_exercise(update: Update, pack: LanguagePack, exercise: Exercise) -> None:
    await show(
        update, render_exercise(pack, exercise), keyboard(_exercise_keyboard(pack, exercise))
    )


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """Situations, exercises, guided delivery and its stop button."""
    pack = pack_for(update, context)
    exercises = _exercises(pack)
    rng = random.Random()  # noqa: S311 - choosing an exercise, not a secret
    if button.action in ("home", "new"):
        # "new" comes from a reminder, which is never edited away (its join link is in it).
        intro = esc(pack.text("ground_intro"))
        await show(update, intro, keyboard(_situations(pack)), edit=button.action == "home")
    elif button.action == "sit":
        matching = [x for x in pack.grounding.exercises if button.arg in x.when]
        if not matching:
            raise LookupError(button)
        rows = one_per_row([(x.title, callbacks.make("gr", "ex", x.id)) for x in matching])
        rows.append([(pack.text("button_back"), callbacks.make("gr", "home"))])
        label = next(s.label for s in pack.grounding.situations if s.id == button.arg)
        await show(update, esc(label), keyboard(rows), edit=True)
    elif button.action == "rand":
        await _show_exercise(update, pack, rng.choice(pack.grounding.exercises))
    elif button.action == "ex" and button.arg in exercises:
        await _show_exercise(update, pack, exercises[button.arg])
    elif button.action == "more" and button.arg in exercises:
        await _show_exercise(update, pack, pick_another(pack, exercises[button.arg], rng))
    elif button.action == "ok" and button.arg in exercises:
        # Counted once per message: the first press takes the button away, and Telegram refuses
        # to take it away again (a double tap, or the old keyboard pressed later).
        if await _take_helped_away(update, pack, exercises[button.arg]):
            await show(update, esc(pack.text("ground_thanks")))
            await context.services.storage.count(
                "grounding_helped", context.services.clock().date()
            )
    elif button.action == "guide" and button.arg in exercises and exercises[button.arg].guided:
        await _start_guide(update, context, pack, exercises[button.arg])
    elif button.action == "stop":
        # Only the exercise on the pressed message: an older one's Stop stops nothing else.
        query = update.callback_query
        pressed = query.message.message_id if query and query.message else None
        running = guide_message(context.job_queue, context.chat_id)
        if running is None or running != pressed:
            raise LookupError(button)
        stop_guide(context.job_queue, context.chat_id)
        stopped = esc(pack.text("ground_guided_stopped"))
        await show(update, stopped, keyboard(main_menu(pack)), edit=True)
    else:
        raise LookupError(button)


async def _take_helped_away(update: Update, pack: LanguagePack, exercise: Exercise) -> bool:
    """Take "That helped" off the pressed message; False when it was already gone (Telegram says
    the keyboard is not modified). A message too old to edit still counts its first press."""
    query = update.callback_query
    if query is None or query.message is None:
        return True
    shown = getattr(query.message, "reply_markup", None)
    rows = (
        shown.inline_keyboard
        if isinstance(shown, InlineKeyboardMarkup)
        else keyboard(_exercise_keyboard(pack, exercise)).inline_keyboard
    )
    kept = [
        kept_row for row in rows if (kept_row := [b for b in row if b.callback_data != query.data])
    ]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(kept))
    except BadRequest as exc:
        return "not modified" not in str(exc).lower()
    return True


def _total(exercise: Exercise) -> int:
    return len(exercise.steps) * exercise.rounds


def _step_text(pack: LanguagePack, exercise: Exercise, position: int) -> str:
    steps = len(exercise.steps)
    step = exercise.steps[position % steps]
    lines = [f"<b>{esc(exercise.title)}</b>"]
    if exercise.rounds > 1:
        lines.append(
            esc(pack.text("ground_round", round=position // steps + 1, rounds=exercise.rounds))
        )
    lines.append(esc(pack.text("ground_step", step=position % steps + 1, steps=steps)))
    lines.append("")
    lines.append(esc(step.text))
    return "\n".join(lines)


# Typed during a guided exercise, any of these stops it (the Stop button does the same).
STOP_WORDS = frozenset({"stop", "enough", "basta"})
# Requests the reader recognises that are about something other than the exercise: typed during
# one, they end it (with a word) and get their answer. Thanks, a greeting or "grounding" do not.
LEAVING_INTENTS = frozenset({"meetings", "timezone", "help", "human"})


async def typed_during_guide(update: Update, context: BotContext) -> None:
    """Text typed while a guided exercise runs (a crisis was answered before this). "stop",
    "enough", "basta", "cancel": it stops, and nothing else. A question the FAQ answers or a
    request for something else: the exercise ends with a word saying so, then the text gets its
    ordinary answer. Anything else ("ok", "this is hard") is not an FAQ question: a word that the
    exercise goes on and how to end it. Text for a flow the chat is in goes to the flow."""
    message = update.effective_message
    chat_id = context.chat_id
    if message is None or not message.text or guide_message(context.job_queue, chat_id) is None:
        return
    pack = context.pack
    text = message.text
    word = command_word(text)
    if text.strip(" .!").lower() in STOP_WORDS or word == "cancel":
        await end_guide(context.bot, context.job_queue, chat_id)
        await show(update, esc(pack.text("ground_guided_stopped")), keyboard(main_menu(pack)))
        raise ApplicationHandlerStop
    if await get_flow(context.services.storage, chat_id) is not None:
        return
    reading = context.services.library.reader(pack).read(text)
    if word is not None or reading.answer is not None or reading.intent in LEAVING_INTENTS:
        await end_guide(context.bot, context.job_queue, chat_id)
        await show(update, esc(pack.text("ground_guided_left")))
        return
    await show(update, esc(pack.text("ground_guided_still")))
    raise ApplicationHandlerStop


async def _start_guide(
    update: Update, context: BotContext, pack: LanguagePack, exercise: Exercise
) -> None:
    chat = update.effective_chat
    if chat is None or context.job_queue is None:
        return
    await end_guide(context.bot, context.job_queue, chat.id)  # one exercise at a time
    await chat.send_message(esc(pack.text("ground_guided_start")))
    stop = keyboard([[(pack.text("button_stop"), callbacks.make("gr", "stop"))]])
    message = await chat.send_message(_step_text(pack, exercise, 0), reply_markup=stop)
    _schedule_next(context, chat.id, GuideState(exercise.id, pack.language, 0, message.message_id))


def _schedule_next(context: BotContext, chat_id: int, state: GuideState) -> None:
    pack = context.services.library.content.pack(state.language)
    exercise = _exercises(pack)[state.exercise_id]
    seconds = exercise.steps[state.position % len(exercise.steps)].seconds
    pace = context.services.settings.grounding.pace
    assert context.job_queue is not None
    context.job_queue.run_once(
        guide_step,
        when=max(seconds * pace, 0.5),
        data=state,
        chat_id=chat_id,
        name=guide_job_name(chat_id),
    )


async def guide_step(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A paced step of a guided exercise: edit the step message in place, then schedule the next."""
    assert isinstance(context, BotContext)
    job = context.job
    if job is None or not isinstance(job.data, GuideState) or job.chat_id is None:
        return
    state: GuideState = job.data
    pack = context.services.library.content.pack(state.language)
    exercise = _exercises(pack).get(state.exercise_id)
    if exercise is None:  # content reloaded without it: end quietly
        return
    position = state.position + 1
    if position >= _total(exercise):
        # The end, said before the Stop goes: a crisis answered meanwhile comes after it, not
        # before.
        try:
            await context.bot.send_message(
                job.chat_id,
                esc(pack.text("ground_guided_done")),
                reply_markup=keyboard(_after_keyboard(pack, exercise)),
            )
            await context.bot.edit_message_reply_markup(job.chat_id, state.message_id)
        except TelegramError:
            pass  # blocked the bot or deleted the message: nothing more to guide
        return
    # The next step is due before this one is shown, so that stopping the exercise while it is
    # being shown (a crisis, /sos) cancels it: a step in flight is not a job that can be.
    _schedule_next(
        context,
        job.chat_id,
        GuideState(state.exercise_id, state.language, position, state.message_id),
    )
    stop = keyboard([[(pack.text("button_stop"), callbacks.make("gr", "stop"))]])
    try:
        await context.bot.edit_message_text(
            _step_text(pack, exercise, position), job.chat_id, state.message_id, reply_markup=stop
        )
    except TelegramError:
        stop_guide(context.job_queue, job.chat_id)  # blocked, or the message is gone
