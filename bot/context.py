"""A typed CallbackContext: handlers reach services as `context.services`, not loose keys."""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services

SERVICES_KEY = "services"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler of this bot receives."""

    # Set by the first handler group for this update only (PTB makes one context per update).
    is_new_user: bool = False

    @property
    def services(self) -> Services:
        return cast(Services, self.bot_data[SERVICES_KEY])


def attach_services(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
    """Make `services` reachable from every callback of `application`."""
    application.bot_data[SERVICES_KEY] = services
