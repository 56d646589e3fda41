"""The safety net: crisis resources first, from any state, and the gentle second-tier check."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import callbacks
from bot.content import CrisisKind, LanguagePack
from bot.context import BotContext
from bot.flows import clear_flow
from bot.handlers.common import esc, keyboard, send_answer, show, text_to_check
from bot.jobs import stop_guide, take_stop_off
from bot.safety import Level
from bot.views import answers

PREFIX = "sos"

_KIND_BUTTONS: tuple[tuple[str, CrisisKind], ...] = (
    ("button_overdose", "overdose"),
    ("button_abuse", "abuse"),
    ("button_other_danger", "other_danger"),
)


def _crisis_keyboard(
    pack: LanguagePack, shown: CrisisKind, region: str | None = None
) -> list[list[tuple[str, str]]]:
    """Buttons under a crisis message: the other kinds (in the `region` chosen, if one was),
    another region, grounding, and a safety plan next to the numbers for oneself."""
    chosen = region.lower() if region else None
    rows: list[list[tuple[str, str]]] = [
        [(pack.text(label), callbacks.make("sos", "kind", kind, chosen))]
        for label, kind in _KIND_BUTTONS
        if kind != shown
    ]
    rows.append([(pack.text("button_somewhere_else"), callbacks.make("sos", "where", shown))])
    rows.append([(pack.text("button_ground"), callbacks.make("gr", "home"))])
    if shown == "self_harm":  # a plan of one's own, next to the numbers
        rows.append([(pack.text("button_plan"), callbacks.make("plan", "start"))])
    return rows


async def send_crisis(
    update: Update,
    context: BotContext,
    kind: CrisisKind,
    *,
    edit: bool = False,
    region: str | None = None,
) -> None:
    """Send the message for `kind` of the `region` chosen, else of the person's own (`region_of`),
    then buttons for the other kinds, another region and grounding."""
    # A crisis stops whatever was running: no cheerful guided step may follow the crisis help.
    guided = stop_guide(context.job_queue, context.chat_id)
    services = context.services
    pack = context.pack
    regions = pack.safety.regions
    resources = regions[region] if region else await services.region_of(pack, context.chat_id)
    text = resources.crisis if kind == "self_harm" else getattr(resources, kind)
    await show(update, esc(text), keyboard(_crisis_keyboard(pack, kind, region)), edit=edit)
    # After the reply, which nothing may delay: the stopped exercise keeps no live Stop button.
    await take_stop_off(context.bot, context.chat_id, guided)
    await services.storage.count("crisis_shown", services.clock().date())


async def _pick_region(update: Update, context: BotContext, kind: CrisisKind) -> None:
    """ "Somewhere else": every region the content has help for, as buttons, in a new message
    (the help already shown stays where it is)."""
    pack = context.pack
    rows = [
        [(resources.name, callbacks.make("sos", "reg", kind, code.lower()))]
        for code, resources in pack.safety.regions.items()
    ]
    await show(update, esc(pack.text("sos_pick_region")), keyboard(rows))


async def check_message(update: Update, context: BotContext) -> None:
    """Run the crisis check on every text message and caption before anything else answers it."""
    text = text_to_check(update)
    if not text:
        return
    assessment = context.services.library.assess(text)
    if assessment.level is Level.CRISIS:
        await send_crisis(update, context, assessment.kind or "self_harm")
        await _end_flow(context)
        raise ApplicationHandlerStop
    if assessment.level is Level.CONCERN and not _making_a_plan(context):
        if not (assessment.informational and await _answer_first(update, context, text)):
            await _ask_gently(update, context)
        raise ApplicationHandlerStop


async def _answer_first(update: Update, context: BotContext, text: str) -> bool:
    """A question about danger the model is sure is ordinary ("how does narcan work"): the FAQ
    answers it when it answers directly with an `emergency` entry, the region's emergency line
    beneath."""
    reading = context.services.library.reader(context.pack).read(text)
    found = answers.entries(context.pack).get(reading.answer or "")
    if found is None or not found[1].emergency:
        return False  # only an answer about danger itself (naloxone) may come before the check
    guided = stop_guide(context.job_queue, context.chat_id)
    await send_answer(update, context, reading)  # an emergency entry has the line beneath
    await take_stop_off(context.bot, context.chat_id, guided)
    return True


async def _end_flow(context: BotContext) -> None:
    """After the crisis reply no flow is left waiting: what the person types next is theirs to
    say, never a meeting's name or a time zone. After the reply, so that nothing delays it. (The
    gentle check keeps the flow: it also answers ordinary words read as worry, and asks with
    buttons.)"""
    if context.chat_id:
        await clear_flow(context.services.storage, context.chat_id)


def _making_a_plan(context: BotContext) -> bool:
    """Whether the chat is making a safety plan: its answers name warning signs and hard
    moments on purpose, and the plan is itself the help the gentle check would offer. A plan
    that has just timed out counts until the chat is told so: the message is the answer to its
    last question ("Walk the dog"). A crisis still interrupts it (above)."""
    plans, now = context.services.plans, context.services.clock()
    return plans.get(context.chat_id, now) is not None or plans.lately_lost(context.chat_id, now)


async def _ask_gently(update: Update, context: BotContext) -> None:
    guided = stop_guide(context.job_queue, context.chat_id)
    services = context.services
    pack = context.pack
    concern = pack.safety.concern
    assert concern is not None  # the content check guarantees it
    region = await services.region_of(pack, context.chat_id)
    text = f"{esc(concern.question)}\n\n{esc(region.crisis_line)}"
    rows = [
        [(concern.safe_button, callbacks.make("sos", "safe"))],
        [(concern.help_button, callbacks.make("sos", "help"))],
        [(concern.grounding_button, callbacks.make("gr", "home"))],
    ]
    await show(update, text, keyboard(rows))
    await take_stop_off(context.bot, context.chat_id, guided)
    await services.storage.count("concern_shown", services.clock().date())


async def sos(update: Update, context: BotContext) -> None:
    """/sos: the crisis message for the configured region, at any moment."""
    await send_crisis(update, context, "self_harm")


async def open_link(update: Update, context: BotContext, _target: object) -> bool:
    """A link to help now (`sos`): the crisis resources."""
    await sos(update, context)
    return True


_KINDS: frozenset[str] = frozenset(("self_harm", "overdose", "abuse", "other_danger"))


def _kind_and_region(pack: LanguagePack, button: callbacks.Button) -> tuple[CrisisKind, str | None]:
    """The kind a crisis button names, and the region it was chosen in (a code the content
    has); LookupError for anything else."""
    if button.arg not in _KINDS or len(button.args) > 2:
        raise LookupError(button)
    region = button.args[1].upper() if len(button.args) == 2 else None
    if region is not None and region not in pack.safety.regions:
        raise LookupError(button)
    return button.arg, region  # type: ignore[return-value]


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """Buttons of the crisis and gentle-check messages."""
    pack = context.pack
    if button.action == "help":
        await send_crisis(update, context, "self_harm")
    elif button.action == "kind":
        kind, region = _kind_and_region(pack, button)
        await send_crisis(update, context, kind, region=region)
    elif button.action == "where" and len(button.args) == 1:
        kind, _ = _kind_and_region(pack, button)
        await _pick_region(update, context, kind)
    elif button.action == "reg" and len(button.args) == 2:
        kind, region = _kind_and_region(pack, button)
        await send_crisis(update, context, kind, edit=True, region=region)
    elif button.action == "safe" and pack.safety.concern is not None:
        rows = [
            [(pack.text("button_ground"), callbacks.make("gr", "home"))],
            [(pack.text("button_faq"), callbacks.make("faq", "home"))],
        ]
        await show(update, esc(pack.safety.concern.safe_reply), keyboard(rows))
    else:
        raise LookupError(button)
