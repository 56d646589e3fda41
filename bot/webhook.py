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
from telegram import Update
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

from bot.app import BotApplication
from bot.config import Settings
from bot.delivery import JOB_NAME, MAX_SLEEP
from bot.services import Services

_LOGGER = logging.getLogger(__name__)
MAX_BODY = 1_000_000
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


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
        try:
            payload = json.loads(self.request.body)
            update = Update.de_json(payload, self.application_.bot)
        except (ValueError, TypeError, KeyError):
            _LOGGER.warning("webhook: refused a request that is not a Telegram update")
            self.set_status(400)
            return
        services: Services = self.application_.bot_data["services"]
        if await services.storage.first_time_update(update.update_id, services.clock()):
            await self.application_.update_queue.put(update)
        self.set_status(200)


class _HealthHandler(RequestHandler):
    def initialize(self, bot_app: BotApplication) -> None:
        self.application_ = bot_app

    async def get(self) -> None:
        report = await health(self.application_)
        self.set_status(200 if all(v == "ok" for v in report.values()) else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(report))


async def health(application: BotApplication) -> dict[str, str]:
    """Whether the database answers and the reminder timer is armed to run soon enough."""
    report = {"database": "ok", "reminders": "ok"}
    services: Services = application.bot_data["services"]
    try:
        async with services.storage.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        report["database"] = "unavailable"
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
    server = HTTPServer(make_web_app(application, settings), max_body_size=MAX_BODY)
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
