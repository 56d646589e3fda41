"""A typed CallbackContext: services as `context.services`, and what every handler needs first.

PTB makes one context per update and hands it to every handler group (its `contexttypesbot.py`
pattern): the chat id and the user's language pack are worked out here once, not in each handler.
Telegram glue: imports services and the content contract, never a handler.
"""

from __future__ import annotations

from typing import Any, cast

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.content import LanguagePack
from bot.services import Library, Services

SERVICES_KEY = "services"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler of this bot receives."""

    # Set by the first handler group for this update only (PTB makes one context per update).
    is_new_user: bool = False

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self._language: str | None = None
        self._telegram_language: str | None = None
        # The pack with the library it came from: a /reload mid-update swaps the library.
        self._pack: tuple[Library, LanguagePack] | None = None

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, BotContext, Any, Any, Any, Any]
    ) -> BotContext:
        context = super().from_update(update, application)
        if isinstance(update, Update) and update.effective_user is not None:
            context._language = update.effective_user.language_code
            context._telegram_language = context._language
        return context

    @property
    def services(self) -> Services:
        return cast(Services, self.bot_data[SERVICES_KEY])

    @property
    def chat_id(self) -> int:
        """The chat this update (or job) is about; 0 when there is none."""
        return self._chat_id or 0

    def speak(self, language: str) -> None:
        """Use `language` for the rest of this update (the user's choice, read from storage)."""
        self._language, self._pack = language, None

    @property
    def telegram_language(self) -> str | None:
        """The language the user's Telegram app is in, as Telegram said it."""
        return self._telegram_language

    @property
    def pack(self) -> LanguagePack:
        """The content pack for the user's language (chosen, else Telegram's), else the default."""
        library = self.services.library
        if self._pack is None or self._pack[0] is not library:
            self._pack = (library, library.pack(self._language))
        return self._pack[1]


def attach_services(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
    """Make `services` reachable from every callback of `application`."""
    application.bot_data[SERVICES_KEY] = services
