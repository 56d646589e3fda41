"""Reminders: choosing lead times, /mymeetings, and sending reminders when they fall due."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes

from bot import callbacks
from bot.config import Settings
from bot.content import LanguagePack
from bot.context import BotContext
from bot.handlers.common import Row, esc, keyboard, pack_for, show
from bot.jobs import cancel_jobs
from bot.meetings import Meeting
from bot.services import Services
from bot.subscriptions import LEAD_CHOICES, Chosen, MeetingRef, Notice
from scheduler.engine import CLAIM_BATCH, Attempt, Dispatcher, Due, Policy, ReminderEngine, nap
from scheduler.limiter import FREE_OVERALL_PER_SECOND, SendLimiter, read_retry_after
from scheduler.recurrence import ENGLISH_UNITS, format_relative

_LOGGER = logging.getLogger(__name__)
JOB_NAME = "reminders"
# Look at the database at least this often, whatever the next reminder says: a safety net for
# changes made by another process.
MAX_SLEEP = dt.timedelta(seconds=60)
_DELIVERY_KEY = "reminder_delivery"


def format_when(moment: dt.datetime, zone: ZoneInfo, pack: LanguagePack) -> str:
    """`Tue 3 Mar, 18:00` in `zone`, in the pack's language."""
    local = moment.astimezone(zone)
    day = pack.text(f"day_{(local.weekday() + 1) % 7}")  # weekday(): 0 = Monday; ours: 0 = Sunday
    return f"{day} {local.day} {pack.text(f'month_{local.month}')}, {local:%H:%M}"


def relative_words(pack: LanguagePack) -> dict[str, str]:
    """The words `format_relative` needs ("in {0}", "{0} hours"...), in the pack's language."""
    return {unit: pack.text(f"rel_{unit}") for unit in ENGLISH_UNITS}


def lead_label(pack: LanguagePack, minutes: int) -> str:
    key = f"rem_lead_{minutes}"
    return pack.text(key) if key in pack.ui else f"{minutes} min"


def _leads_text(pack: LanguagePack, leads: Sequence[int]) -> str:
    return ", ".join(lead_label(pack, m).removesuffix(" before") for m in leads)


def _zone(name: str | None, services: Services) -> ZoneInfo:
    try:
        return ZoneInfo(name or services.settings.defaults.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(services.settings.defaults.timezone)


async def show_lead_picker(
    update: Update, context: BotContext, ref: MeetingRef, meeting: Meeting, *, edit: bool
) -> None:
    """Lead-time toggles for one meeting, with the next reminder when there is one."""
    services = context.services
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    chosen = set(await services.subscriptions.leads(chat_id, ref))
    rows: list[Row] = [
        [
            (
                ("✅ " if lead in chosen else "▫️ ") + lead_label(pack, lead),
                callbacks.make("rem", "tog", ref.encode(), lead),
            )
        ]
        for lead in LEAD_CHOICES
    ]
    rows.append([(pack.text("rem_done"), callbacks.make("rem", "done", ref.encode()))])
    lines = [esc(pack.text("rem_pick_leads", name=meeting.name))]
    next_fire = await services.subscriptions.next_fire(chat_id, ref)
    if next_fire is not None:
        zone = await services.user_zone(chat_id)
        lines.append(esc(pack.text("rem_next", when=format_when(next_fire, zone, pack))))
    elif not chosen:
        lines.append(esc(pack.text("rem_none_chosen")))
    await show(update, "\n\n".join(lines), keyboard(rows), edit=edit)


async def _manage(update: Update, context: BotContext, ref: MeetingRef, meeting: Meeting) -> None:
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    chosen = next(
        (c for c in await context.services.subscriptions.chosen(chat_id) if c.ref == ref), None
    )
    if chosen is None:
        raise LookupError(ref)
    pause = (
        (pack.text("rem_resume"), callbacks.make("rem", "resume", ref.encode()))
        if chosen.paused == "user"
        else (pack.text("rem_pause"), callbacks.make("rem", "pause", ref.encode()))
    )
    rows: list[Row] = [
        [(pack.text("rem_change_leads"), callbacks.make("rem", "ask", ref.encode()))],
        [pause, (pack.text("rem_stop"), callbacks.make("rem", "stop", ref.encode()))],
        [(pack.text("button_back"), callbacks.make("rem", "mine"))],
    ]
    zone = await context.services.user_zone(chat_id)
    text = _chosen_line(pack, chosen, zone, context.services.clock())
    await show(update, text, keyboard(rows), edit=True)


def _chosen_line(pack: LanguagePack, item: Chosen, zone: ZoneInfo, now: dt.datetime) -> str:
    """One chosen meeting: when it next meets in the user's zone, lead times, reminder status."""
    if item.paused == "user":
        status = pack.text("rem_mine_paused")
    elif item.paused:
        status = pack.text("rem_mine_closed")
    elif item.next_fire_at is not None:
        status = pack.text("rem_mine_next", when=format_when(item.next_fire_at, zone, pack))
    else:
        status = ""
    line = pack.text(
        "rem_mine_line",
        name=item.meeting.name,
        when=format_when(item.meeting.next_start(now), zone, pack),
        leads=_leads_text(pack, item.leads),
        next=status,
    )
    return esc(line)


async def my_meetings(update: Update, context: BotContext) -> None:
    """/mymeetings: each chosen meeting with its next reminder, and buttons to manage it."""
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    chosen = await context.services.subscriptions.chosen(chat_id)
    add = (pack.text("rem_add_own"), callbacks.make("add", "start"))
    if not chosen:
        await show(update, esc(pack.text("rem_mine_none")), keyboard([[add]]), edit=True)
        return
    # One zone lookup and one clock reading for the whole list, not one per meeting.
    zone, now = await context.services.user_zone(chat_id), context.services.clock()
    lines = [f"<b>{esc(pack.text('rem_mine_header'))}</b>"]
    rows: list[Row] = []
    for item in chosen[:20]:
        lines.append("• " + _chosen_line(pack, item, zone, now))
        rows.append([(item.meeting.name[:60], callbacks.make("rem", "man", item.ref.encode()))])
    if any(item.ref.kind == "d" for item in chosen):
        rows.append([(pack.text("cal_all_button"), callbacks.make("cal", "all"))])
    rows.append([add])
    await show(update, "\n".join(lines), keyboard(rows), edit=True)


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """Lead-time picker, manage, pause, resume, stop and skip; all scoped to the pressing chat."""
    services = context.services
    pack = pack_for(update, context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    now = services.clock()
    if button.action == "mine":
        await my_meetings(update, context)
        return
    ref = MeetingRef.decode(button.arg)
    meeting = await services.subscriptions.resolve(chat_id, ref)
    if meeting is None:
        raise LookupError(button)
    zone = await services.user_zone(chat_id)
    if button.action == "ask":
        await show_lead_picker(update, context, ref, meeting, edit=False)
    elif button.action == "tog":
        lead = button.int_arg(1)
        if lead not in LEAD_CHOICES:
            raise LookupError(button)
        chosen = set(await services.subscriptions.leads(chat_id, ref))
        chosen ^= {lead}
        await services.subscriptions.set_leads(chat_id, ref, chosen, now)
        await show_lead_picker(update, context, ref, meeting, edit=True)
    elif button.action == "done":
        next_fire = await services.subscriptions.next_fire(chat_id, ref)
        if next_fire is None:
            await show(update, esc(pack.text("rem_none_chosen")), edit=True)
        else:
            when = format_when(next_fire, zone, pack)
            await show(update, esc(pack.text("rem_saved", name=meeting.name, when=when)), edit=True)
    elif button.action == "man":
        await _manage(update, context, ref, meeting)
    elif button.action in ("pause", "resume"):
        if not await services.subscriptions.set_paused(chat_id, ref, button.action == "pause", now):
            raise LookupError(button)
        if button.action == "pause":
            await show(update, esc(pack.text("rem_paused", name=meeting.name)), edit=True)
        else:
            next_fire = await services.subscriptions.next_fire(chat_id, ref)
            when = format_when(next_fire, zone, pack) if next_fire else "-"
            await show(update, esc(pack.text("rem_resumed", when=when)), edit=True)
    elif button.action == "stop":
        await services.subscriptions.stop(chat_id, ref)
        await show(update, esc(pack.text("rem_stopped", name=meeting.name)), edit=True)
    elif button.action == "skip":
        occurrence = dt.datetime.fromtimestamp(button.int_arg(1) * 60, tz=dt.UTC)
        next_fire = await services.subscriptions.skip(chat_id, ref, occurrence, now)
        if next_fire is None:
            await show(update, esc(pack.text("rem_skipped_none")), edit=True)
        else:
            when = format_when(next_fire, zone, pack)
            await show(update, esc(pack.text("rem_skipped", when=when)), edit=True)
    else:
        raise LookupError(button)


def render_reminder(
    pack: LanguagePack, due: Due, zone: ZoneInfo, now: dt.datetime
) -> tuple[str, list[Row]]:
    """The reminder message: which meeting, when in words and clock time, how to join or where."""
    meeting = due.meeting
    local = due.occurrence_at.astimezone(zone)
    lines = [
        f"⏰ <b>{esc(pack.text('rem_reminder', name=meeting.name))}</b>",
        esc(
            pack.text(
                "rem_starts",
                relative=format_relative(due.occurrence_at - now, relative_words(pack)),
                time=f"{local:%H:%M}",
                date=format_when(due.occurrence_at, zone, pack).rsplit(",", 1)[0],
            )
        ),
    ]
    own = due.occurrence_at.astimezone(meeting.tz)
    if own.utcoffset() != local.utcoffset():
        lines.append(esc(pack.text("rem_their_time", time=f"{own:%H:%M}", zone=meeting.timezone)))
    if meeting.conference_url:
        lines.append(esc(pack.text("rem_join", link=meeting.conference_url)))
    if meeting.conference_phone:
        lines.append(esc(pack.text("rem_phone", phone=meeting.conference_phone)))
    place = ", ".join(p for p in (meeting.location, meeting.address) if p)
    if place:
        lines.append(esc(pack.text("rem_where", place=place)))
    minutes = int(due.occurrence_at.timestamp() // 60)
    rows: list[Row] = [
        [(pack.text("rem_skip"), callbacks.make("rem", "skip", due.ref.encode(), minutes))],
        [(pack.text("rem_stop"), callbacks.make("rem", "stop", due.ref.encode()))],
        [(pack.text("rem_ground_first"), callbacks.make("gr", "home"))],
    ]
    return "\n".join(lines), rows


class RenderedReminders:
    """Reminder messages already rendered, for the others in a burst.

    Everyone who chose one meeting with one lead time, in one language and time zone, gets the
    same message: the text depends on nothing else (the "in 1 hour" is whole minutes). Entries
    hold their pack and meeting, so a /reload (new objects) never matches an old entry.
    """

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._entries: dict[tuple[object, ...], tuple[object, object, str, list[Row]]] = {}

    def render(
        self, pack: LanguagePack, due: Due, zone: ZoneInfo, now: dt.datetime
    ) -> tuple[str, list[Row]]:
        seconds = (due.occurrence_at - now).total_seconds()
        minutes = (math.floor(abs(seconds) / 60 + 0.5), seconds < 0)  # as format_relative rounds
        key = (id(pack), id(due.meeting), due.ref, due.occurrence_at, zone.key, minutes)
        found = self._entries.get(key)
        if found is not None and found[0] is pack and found[1] is due.meeting:
            return found[2], found[3]
        text, rows = render_reminder(pack, due, zone, now)
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[key] = (pack, due.meeting, text, rows)
        return text, rows


_RENDERED = RenderedReminders()


async def send_due(bot: Bot, services: Services, due: Due) -> Attempt:
    """One attempt at sending a claimed reminder; what Telegram said, for the engine to act on.

    429 -> flood (wait `retry_after`, an int or a timedelta depending on PTB_TIMEDELTA); network
    errors and 5xx -> transient (retried with backoff); Forbidden or "chat not found" -> the
    person's reminders are deactivated at once and never retried (they resume when the person
    writes again); any other refusal -> failed.
    """
    now = services.clock()
    pack = services.library.pack(due.language)
    text, rows = _RENDERED.render(pack, due, _zone(due.timezone, services), now)
    message: dict[str, Any] = {
        "chat_id": due.chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
        "reply_markup": {
            "inline_keyboard": [
                [{"text": label, "callback_data": data} for label, data in row] for row in rows
            ]
        },
    }
    if services.settings.reminders.paid_broadcast:
        message["allow_paid_broadcast"] = True
    try:
        # Through PTB's own request path (its rate limiter, its errors), but without turning
        # Telegram's answer into a `Message`: nothing here reads it, and building it (with its
        # keyboard) was about three quarters of the cost of a send (bench/README.md).
        await bot._post("sendMessage", message)
    except RetryAfter as exc:
        return Attempt("flood", read_retry_after(exc))
    except Forbidden:
        await services.subscriptions.deactivate_chat(due.chat_id)
        return Attempt("blocked")
    except BadRequest as exc:  # (a NetworkError subclass in PTB: caught before it)
        if "chat not found" in str(exc).lower():
            await services.subscriptions.deactivate_chat(due.chat_id)
            return Attempt("blocked")
        _LOGGER.warning("a reminder was refused by Telegram: %s", type(exc).__name__)
        return Attempt("failed")
    except NetworkError as exc:  # TimedOut, connection errors, 5xx
        _LOGGER.info("a reminder send hit a network error, will retry: %s", type(exc).__name__)
        return Attempt("transient")
    except TelegramError as exc:
        _LOGGER.warning("a reminder could not be sent: %s", type(exc).__name__)
        return Attempt("failed")
    return Attempt("sent")


def rate_limiter(settings: Settings) -> AIORateLimiter:
    """PTB's limiter for everything the bot sends, at the configured overall rate.

    Ordinary messages stay within Telegram's free rate (about 30 a second); reminders sent as paid
    broadcasts (`reminders.paid_broadcast`) go through PTB's own paid-broadcast limit (1000/s).
    PTB has no per-private-chat limit: reminders get one from `scheduler.limiter.SendLimiter`.
    """
    overall = min(settings.reminders.overall_per_second, FREE_OVERALL_PER_SECOND)
    return AIORateLimiter(overall_max_rate=overall, max_retries=2)


class ReminderDelivery:
    """This process's reminder delivery: one loop at a time, its engine, limiter and policy."""

    def __init__(
        self, application: Application[Any, Any, Any, Any, Any, Any], services: Services
    ) -> None:
        self.application = application
        self.services = services
        config = services.settings.reminders
        self.engine = ReminderEngine(
            services.storage,
            lambda: services.library.directory,
            lease=dt.timedelta(seconds=config.lease_seconds),
        )
        # How the engine waits (backoff, 429, per-chat spacing); tests put a fake clock's in.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.limiter = SendLimiter(
            config.overall_per_second,
            config.per_chat_per_second,
            clock=lambda: services.clock().timestamp(),
            sleep=self._nap,
        )
        self.policy = Policy(
            max_in_flight=config.max_in_flight,
            batch=min(max(config.max_in_flight, math.ceil(config.overall_per_second)), CLAIM_BATCH),
            target_rate=config.overall_per_second,
        )
        self.task: asyncio.Task[Any] | None = None
        self.again = False
        self.last_report: Counter[str] = Counter()
        self._was_running = False

    def should_stop(self) -> bool:
        """The application is stopping (SIGTERM, SIGINT): no new send starts."""
        return self._was_running and not self.application.running

    async def _nap(self, seconds: float) -> None:
        await nap(
            seconds, clock=self.services.clock, sleep=self.sleep, should_stop=self.should_stop
        )

    def dispatcher(self, *, take_over_only: bool = False) -> Dispatcher:
        bot = self.application.bot
        services = self.services

        async def send(due: Due) -> Attempt:
            return await send_due(bot, services, due)

        return Dispatcher(
            self.engine,
            send,
            clock=services.clock,
            limiter=self.limiter,
            sleep=lambda seconds: self.sleep(seconds),
            should_stop=self.should_stop,
            policy=self.policy,
            take_over_only=take_over_only,
        )

    def kick(self) -> None:
        """Start the delivery loop in the background, or have the running one look again."""
        if self.task is not None and not self.task.done():
            self.again = True
            return
        self.task = self.application.create_task(self.run(), name="reminder delivery")

    async def run(self) -> None:
        """Deliver until nothing is due (or the application stops), then re-arm the timer."""
        self._was_running = self.application.running
        try:
            while True:
                self.again = False
                self.last_report = await self.dispatcher().run()
                if self.should_stop() or not self.again:
                    break
        except Exception:
            _LOGGER.exception("the reminder delivery loop failed; it starts again with the timer")
        finally:
            if not self.should_stop():
                try:
                    await arm(self.application, self.services)
                except Exception:
                    _LOGGER.exception("could not re-arm the reminder timer")
                    _schedule(self.application, MAX_SLEEP)


def delivery_of(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> ReminderDelivery | None:
    """The application's reminder delivery (made by `start_engine`)."""
    found = application.bot_data.get(_DELIVERY_KEY)
    return found if isinstance(found, ReminderDelivery) else None


def _schedule(
    application: Application[Any, Any, Any, Any, Any, Any], delay: dt.timedelta | float
) -> None:
    job_queue = application.job_queue
    if job_queue is None:
        return
    cancel_jobs(job_queue, JOB_NAME)
    job_queue.run_once(deliver, when=delay, name=JOB_NAME)


async def deliver(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The reminder timer fired: deliver what is due.

    While the application runs, delivery is a background task (never in the way of updates),
    one per process; a timer that fires while it runs only asks it to look again. Outside a
    running application (tests' `tick`), it runs to the end here.
    """
    delivery = delivery_of(context.application)
    if delivery is None:
        return
    if context.application.running:
        _schedule(context.application, MAX_SLEEP)  # a safety net; the loop re-arms when done
        delivery.kick()
    else:
        await delivery.run()


async def arm(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    """(Re)start the one timer: at the earliest reminder or lease to expire, within MAX_SLEEP."""
    if application.job_queue is None:
        return
    delivery = delivery_of(application)
    engine = (
        delivery.engine
        if delivery is not None
        else ReminderEngine(services.storage, lambda: services.library.directory)
    )
    wake = await engine.next_wake()
    delay = MAX_SLEEP
    if wake is not None:
        delay = min(max(wake - services.clock(), dt.timedelta(0)), MAX_SLEEP)
    _schedule(application, delay)


def wake_soon(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """A subscription changed: look again right away (the timer then re-arms itself)."""
    _schedule(application, 0.05)


async def start_engine(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
    """At start-up: send what a stopped process left claimed, tell about directory changes, arm.

    Only reminders whose lease ran out (or that were released) are taken here, at most one claim
    batch, before updates are taken; newly due ones go out from the timer, in the background.
    """
    delivery = ReminderDelivery(application, services)
    application.bot_data[_DELIVERY_KEY] = delivery
    await delivery.dispatcher(take_over_only=True).run()
    await tell_changes(
        application.bot,
        services,
        await services.subscriptions.sync_directory(services.library.directory, services.clock()),
    )
    services.subscriptions.on_change = lambda: wake_soon(application)
    await arm(application, services)


async def tell_changes(bot: Bot, services: Services, notices: Sequence[Notice]) -> int:
    """Tell subscribers what changed about their meetings; how many were told."""
    told = 0
    for notice in notices:
        if not notice.changes:
            continue
        user = await services.storage.get_user(notice.chat_id)
        pack = services.library.pack(user.language if user else None)
        changes = "; ".join(pack.text(f"rem_change_{c}") for c in notice.changes)
        try:
            await bot.send_message(
                notice.chat_id, esc(pack.text("rem_changed", name=notice.name, changes=changes))
            )
            told += 1
        except Forbidden:
            await services.subscriptions.deactivate_chat(notice.chat_id)
        except TelegramError as exc:
            _LOGGER.warning("could not tell a subscriber about a change: %s", type(exc).__name__)
    return told
