"""The one rule every sender follows for Telegram's errors (bot/delivery/outcomes.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.delivery import attempt_for
from scheduler.engine import Attempt


@pytest.mark.parametrize(
    ("error", "attempt"),
    [
        (lambda: RetryAfter(dt.timedelta(seconds=9)), Attempt("flood", 9.0)),
        (lambda: Forbidden("Forbidden: bot was blocked by the user"), Attempt("blocked")),
        (lambda: BadRequest("Bad Request: chat not found"), Attempt("blocked")),
        (lambda: BadRequest("Bad Request: message is too long"), Attempt("failed")),
        (lambda: TimedOut(), Attempt("transient")),
        (lambda: NetworkError("Bad Gateway"), Attempt("transient")),
        (lambda: TelegramError("something else"), Attempt("failed")),
    ],
)
def test_every_refusal_comes_to_one_outcome(
    error: Callable[[], TelegramError], attempt: Attempt, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter in seconds as a timedelta
    assert attempt_for(error()) == attempt
