"""Build the PTB Application: handlers, defaults, and the services owned by post_init."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable, Collection
from concurrent.futures import Future
from typing import Any

from httpx import create_ssl_context
from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    LinkPreviewOptions,
    MenuButtonCommands,
)
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.context import SERVICES_KEY, BotContext, attach_services
from bot.delivery import rate_limiter, schedule_feeds, start_engine
from bot.handlers import (
    GROUP_ADMIN_MENU,
    GROUP_MENU,
    MENU_COMMANDS,
    ORGANIZER_COMMANDS,
    register,
)
from bot.logs import quiet_libraries
from bot.purge import schedule_purge
from bot.safety import Assessment
from bot.services import Clock, Library, Services, utc_now
from bot.storage import Storage
from bot.updates import PerChatOrder, flagged_by

BotApplication = Application[Any, BotContext, Any, Any, Any, Any]
# What the bot asks Telegram for, polling or by webhook: messages, button presses, being added
# to or removed from a group, and inline queries.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "inline_query"]


def build_application(
    settings: Settings,
    library: Library,
    *,
    request: BaseRequest | None = None,
    clock: Clock = utc_now,
    rate_limit: bool = True,
    start_reminders: bool = True,
    tls: ssl.SSLContext | None = None,
) -> BotApplication:
    """The bot as a PTB Application; `request` replaces the Bot API transport (terminal, tests).

    `tls`: the TLS context for the Bot API (see `tls_in_background`); made here when not given.
    """
    quiet_libraries()

    def assess() -> Callable[[str], Assessment]:
        services = application.bot_data.get(SERVICES_KEY)
        return (services.library if isinstance(services, Services) else library).assess

    builder = (
        ApplicationBuilder()
        .token(settings.token or "0:offline")
        .base_url(settings.telegram.base_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        .concurrent_updates(PerChatOrder(urgent=flagged_by(assess)))
    )
    if rate_limit:
        builder = builder.rate_limiter(rate_limiter(settings))  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        tls = tls or create_ssl_context()  # as httpx makes it, but once for both transports
        builder = builder.request(_http(256, tls)).get_updates_request(_http(1, tls))

    async def post_init(application: BotApplication) -> None:
        storage = await Storage.open(settings.database.url)
        services = Services(settings, library, storage, clock)
        attach_services(application, services)
        await _set_commands(application, library, settings.admins)
        if start_reminders:
            await start_engine(application, services)
            schedule_purge(application, services)
            schedule_feeds(application, services)

    async def post_shutdown(application: BotApplication) -> None:
        services = application.bot_data.get("services")
        if isinstance(services, Services):
            await services.storage.close()

    application: BotApplication = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    register(application, admins=settings.admins)
    return application


def tls_in_background() -> Future[ssl.SSLContext]:
    """Start making the Bot API's TLS context in a thread, for `build_application(tls=...)`.

    Loading the CA certificates into it takes about 50 ms, during which OpenSSL does not hold the
    GIL: started before the content is loaded, it is ready by the time the application is built.
    """
    future: Future[ssl.SSLContext] = Future()

    def make() -> None:
        try:
            future.set_result(create_ssl_context())
        except BaseException as exc:  # raised again by future.result()
            future.set_exception(exc)

    threading.Thread(target=make, name="tls-context", daemon=True).start()
    return future


def _http(connections: int, tls: ssl.SSLContext) -> HTTPXRequest:
    """PTB's own transport as the builder makes it (256 connections for sending, 1 for polling),
    but on a TLS context shared by both: httpx loads the CA certificates for every context it
    creates, about 50 ms each time."""
    return HTTPXRequest(connection_pool_size=connections, httpx_kwargs={"verify": tls})


async def _set_commands(
    application: BotApplication, library: Library, admins: Collection[int] = ()
) -> None:
    """The command menu, in every language the content has, and in each organizer's own chat
    with the organizer commands too (all at once: one round trip)."""
    content = library.content
    calls = []
    for language, pack in content.packs.items():
        code = None if language == content.default_language else language
        menu = [BotCommand(name, pack.text(f"command_{name}")) for name in MENU_COMMANDS]
        calls.append(application.bot.set_my_commands(menu, language_code=code))
        tools = [BotCommand(name, pack.text(f"command_{name}")) for name in ORGANIZER_COMMANDS]
        calls.extend(
            application.bot.set_my_commands(
                menu + tools, scope=BotCommandScopeChat(admin), language_code=code
            )
            for admin in admins
        )
        for names, scope in (
            (GROUP_MENU, BotCommandScopeAllGroupChats()),
            (GROUP_ADMIN_MENU, BotCommandScopeAllChatAdministrators()),
        ):
            group_menu = [BotCommand(name, pack.text(f"command_{name}")) for name in names]
            calls.append(
                application.bot.set_my_commands(group_menu, scope=scope, language_code=code)
            )
    # The menu button beside the message box opens the command menu: the main paths.
    calls.append(application.bot.set_chat_menu_button(menu_button=MenuButtonCommands()))
    await asyncio.gather(*calls)
