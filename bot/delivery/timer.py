"""The reminder timer: one PTB job per process that wakes the delivery loop when reminders fall due.

`start_engine` (post_init) makes this process's `ReminderDelivery`, sends what a stopped process
left claimed, and arms the timer; `wake_soon` is what a subscription change calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.delivery.directory import settle_at_start
from bot.delivery.send import BotRateLimiter, send_due
from bot.jobs import cancel_jobs
from bot.meetings import Meeting
from bot.reminder_store import ReminderDue, ReminderStore
from bot.services import Services
from bot.subscriptions import MeetingRef
from scheduler.budget import SharedBudget
from scheduler.engine import Attempt, Dispatcher, Policy, nap
from scheduler.limiter import SendLimiter
from scheduler.store import CLAIM_BATCH

_LOGGER = logging.getLogger(__name__)
JOB_NAME = "reminders"
# Look at the database at least this often, whatever the next reminder says: a safety net for
# changes made by another process.
MAX_SLEEP = dt.timedelta(seconds=60)
_DELIVERY_KEY = "reminder_delivery"

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class ReminderDelivery:
    """This process's reminder delivery: one loop at a time, its engine, limiter and policy."""

    def __init__(self, application: AnyApplication, services: Services) -> None:
        self.application = application
        self.services = services
        config = services.settings.reminders
        self.engine = ReminderStore(
            services.storage,
            lambda: services.library.directory,
            lease=dt.timedelta(seconds=config.lease_seconds),
        )
        # How the engine waits (backoff, 429, per-chat spacing); tests put a fake clock's in.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        # Instances share a PostgreSQL database, and the overall rate with it.
        self.shared = (
            SharedBudget(services.storage.engine, config.overall_per_second)
            if services.storage.engine.dialect.name == "postgresql"
            else None
        )
        self.limiter = SendLimiter(
            config.overall_per_second,
            config.per_chat_per_second,
            clock=lambda: services.clock().timestamp(),
            sleep=self._nap,
            should_stop=self.should_stop,
            shared=self.shared,
        )
        ptb_limiter = application.bot.rate_limiter
        if isinstance(ptb_limiter, BotRateLimiter):
            ptb_limiter.on_flood = self.limiter.pause  # any 429 pauses every reminder send
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

    def dispatcher(self, *, take_over_only: bool = False) -> Dispatcher[Meeting, MeetingRef]:
        bot = self.application.bot
        services = self.services

        async def send(due: ReminderDue) -> Attempt:
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
            if self.shared is not None:
                await self.shared.close()  # its connection goes back to the pool between bursts
            if not self.should_stop():
                try:
                    await arm(self.application, self.services)
                except Exception:
                    _LOGGER.exception("could not re-arm the reminder timer")
                    _schedule(self.application, MAX_SLEEP)


def delivery_of(application: AnyApplication) -> ReminderDelivery | None:
    """The application's reminder delivery (made by `start_engine`)."""
    found = application.bot_data.get(_DELIVERY_KEY)
    return found if isinstance(found, ReminderDelivery) else None


def _schedule(application: AnyApplication, delay: dt.timedelta | float) -> None:
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


async def arm(application: AnyApplication, services: Services) -> None:
    """(Re)start the one timer: at the earliest reminder or lease to expire, within MAX_SLEEP."""
    if application.job_queue is None:
        return
    delivery = delivery_of(application)
    engine = (
        delivery.engine
        if delivery is not None
        else ReminderStore(services.storage, lambda: services.library.directory)
    )
    wake = await engine.next_wake()
    delay = MAX_SLEEP
    if wake is not None:
        delay = min(max(wake - services.clock(), dt.timedelta(0)), MAX_SLEEP)
    _schedule(application, delay)


def wake_soon(application: AnyApplication) -> None:
    """A subscription changed: look again right away (the timer then re-arms itself)."""
    _schedule(application, 0.05)


async def start_engine(application: AnyApplication, services: Services) -> None:
    """At start-up: send what a stopped process left claimed, put the directory in place (synced
    and told, or held back: `delivery.directory`), arm.

    Only reminders whose lease ran out (or that were released) are taken here, at most one claim
    batch, before updates are taken; newly due ones go out from the timer, in the background.
    """
    delivery = ReminderDelivery(application, services)
    application.bot_data[_DELIVERY_KEY] = delivery
    try:
        await delivery.dispatcher(take_over_only=True).run()
    finally:
        if delivery.shared is not None:
            await delivery.shared.close()
    await settle_at_start(application.bot, services)
    services.subscriptions.on_change = lambda: wake_soon(application)
    await arm(application, services)
