"""The one rule for what Telegram's refusal of a message to one chat means, for every sender.

Reminders, announcements and change notices all go through `attempt_for` (what the error is) and
`settle` (what follows from it: a blocked chat's reminders are deactivated at once).
"""

from __future__ import annotations

import logging

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.services import Services
from scheduler.engine import Attempt
from scheduler.limiter import read_retry_after

_LOGGER = logging.getLogger(__name__)


def attempt_for(error: TelegramError) -> Attempt:
    """What a refused send comes to.

    429 -> flood (wait `retry_after`, an int or a timedelta depending on PTB_TIMEDELTA); network
    errors and 5xx -> transient; Forbidden (the person blocked the bot) or "chat not found" ->
    blocked; any other refusal -> failed.
    """
    if isinstance(error, RetryAfter):
        return Attempt("flood", read_retry_after(error))
    if isinstance(error, Forbidden):
        return Attempt("blocked")
    if isinstance(error, BadRequest):  # (a NetworkError subclass in PTB: tested before it)
        return Attempt("blocked" if "chat not found" in str(error).lower() else "failed")
    if isinstance(error, NetworkError):  # TimedOut, connection errors, 5xx
        return Attempt("transient")
    return Attempt("failed")


async def settle(
    services: Services, chat_id: int, error: TelegramError, what: str, *, retried: bool
) -> Attempt:
    """`attempt_for(error)`, acted on: a blocked chat's reminders are deactivated at once (they
    resume when the person writes again); anything else is logged by its kind, never its text.

    `what` names the message in the log ("a reminder"); `retried`: whether the sender tries a
    flood or transient outcome again (only then is it not worth a warning).
    """
    attempt = attempt_for(error)
    kind = type(error).__name__
    if attempt.outcome == "blocked":
        await services.subscriptions.deactivate_chat(chat_id)
    elif attempt.outcome == "failed":
        _LOGGER.warning("%s was refused by Telegram: %s", what, kind)
    elif retried:
        _LOGGER.info("%s hit a %s, will retry: %s", what, attempt.outcome, kind)
    else:
        _LOGGER.warning("%s could not be sent (%s): %s", what, attempt.outcome, kind)
    return attempt
