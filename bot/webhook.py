"""Webhook mode: a small Tornado server that takes updates from Telegram and serves /healthz.

Every POST must carry the secret token Telegram was given (`X-Telegram-Bot-Api-Secret-Token`),
or it gets 403 and is logged without its body. An `update_id` already taken (Telegram re-sends on
errors and timeouts) is acknowledged and dropped; the check is in the database, so it also holds
across instances behind one load balancer.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from typing import Any

from sqlalchemy import text
from telegram import Bot, Update
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot.app import ALLOWED_UPDATES, BotApplication
from bot.config import Settings
from bot.delivery import JOB_NAME, MAX_SLEEP
from bot.services import Services

_LOGGER = logging.getLogger(__name__)
MAX_BODY = 1_000_000
# Telegram's update ids are positive 32-bit numbers; anything past 2**53 is not one of them.
MAX_UPDATE_ID = 2**53
HEALTH_TIMEOUT_S = 2.0
# A client that sends its body slower than this is cut off rather than holding a connection.
BODY_TIMEOUT_S = 10.0


class _UpdateHandler(RequestHandler):
    def initialize(self, bot_app: BotApplication, secret: str) -> None:
        self.application_ = bot_app
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            _LOGGER.warning("webhook: refused a request with a missing or wrong secret token")
            self.set_status(403)
            return
        update = read_update(self.request.body, self.application_.bot)
        if update is None:
            _LOGGER.warning("webhook: refused a request that is not a Telegram update")
            self.set_status(400)
            return
        if not usable(update):
            # Well formed but missing what every handler needs (a chat, a sender): acknowledged,
            # so that Telegram does not send it again, and dropped.
            _LOGGER.info("webhook: dropped an update without a chat or a sender")
            self.set_status(200)
            return
        services: Services = self.application_.bot_data["services"]
        if await services.storage.first_time_update(update.update_id, services.clock()):
            await self.application_.update_queue.put(update)
        self.set_status(200)


def read_update(body: bytes, bot: Bot) -> Update | None:
    """The update a request body holds, or None for anything else (not JSON, not an object, no
    whole-number `update_id`, nested past reason, or fields PTB cannot read)."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None
    update_id = payload.get("update_id") if isinstance(payload, dict) else None
    if type(update_id) is not int or not 0 <= update_id < MAX_UPDATE_ID:
        return None
    try:
        return Update.de_json(payload, bot)
    except Exception:  # noqa: BLE001 - whatever PTB raises on a malformed body, it is not an update
        return None


def usable(update: Update) -> bool:
    """Whether the update has what its handlers rely on: a chat for a message, a sender for a
    button press."""
    message = update.message or update.edited_message
    if message is not None:
        return getattr(message, "chat", None) is not None
    if update.callback_query is not None:
        return getattr(update.callback_query, "from_user", None) is not None
    return True


class _HealthHandler(RequestHandler):
    def initialize(self, bot_app: BotApplication) -> None:
        self.application_ = bot_app

    async def get(self) -> None:
        report = await health(self.application_)
        self.set_status(200 if all(v == "ok" for v in report.values()) else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(report))


async def database_answers(services: Services) -> bool:
    """Whether the database answers a query within HEALTH_TIMEOUT_S: one that accepts
    connections but never answers must not hang the health check."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_S):
            async with services.storage.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure (a time-out too) means "not healthy"
        return False
    return True


async def health(application: BotApplication) -> dict[str, str]:
    """Whether the database answers and the reminder timer is armed to run soon enough."""
    services: Services = application.bot_data["services"]
    report = {"database": "ok" if await database_answers(services) else "unavailable"}
    report["reminders"] = "ok"
    job_queue = application.job_queue
    jobs = job_queue.get_jobs_by_name(JOB_NAME) if job_queue is not None else ()
    next_runs = [job.next_t for job in jobs if job.next_t is not None]
    now = services.clock()
    # A timer that should have fired a while ago and did not means the engine is stuck.
    if not next_runs or min(next_runs) < now - 2 * MAX_SLEEP:
        report["reminders"] = "stalled"
    return report


def make_web_app(application: BotApplication, settings: Settings) -> WebApplication:
    webhook = settings.telegram.webhook
    secret = webhook.secret_token.get_secret_value() if webhook.secret_token else ""
    return WebApplication(
        [
            (webhook.path, _UpdateHandler, {"bot_app": application, "secret": secret}),
            ("/healthz", _HealthHandler, {"bot_app": application}),
        ]
    )


async def serve(application: BotApplication, settings: Settings) -> None:
    """Register the webhook, serve until SIGTERM or SIGINT, then shut down gracefully."""
    webhook = settings.telegram.webhook
    assert webhook.public_url is not None and webhook.secret_token is not None
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    await application.bot.set_webhook(
        webhook.public_url,
        secret_token=webhook.secret_token.get_secret_value(),
        allowed_updates=ALLOWED_UPDATES,
    )
    server = HTTPServer(
        make_web_app(application, settings),
        max_body_size=MAX_BODY,
        body_timeout=BODY_TIMEOUT_S,
        idle_connection_timeout=60,
    )
    server.listen(webhook.port, address=webhook.listen)
    _LOGGER.info("listening for Telegram on %s:%s%s", webhook.listen, webhook.port, webhook.path)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    _LOGGER.info("stopping: no new updates; finishing the ones in progress")
    server.stop()
    await server.close_all_connections()
    await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    await application.shutdown()


def run(application: BotApplication, settings: Settings) -> None:
    """Run the webhook server in a new event loop until a stop signal."""
    asyncio.run(serve(application, settings))


__all__: list[Any] = ["health", "make_web_app", "run", "serve"]
