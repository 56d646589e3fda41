"""Logging that never carries what people write, nor the bot token."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

# Libraries that log request URLs (with the token), whole updates, or SQL statements with their
# parameters (with what people wrote): kept above those levels whatever `logging.level` says.
_QUIET = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "aiosqlite": logging.WARNING,
    "asyncpg": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "alembic": logging.INFO,
}


class RedactToken(logging.Filter):
    """Replace the token wherever it would appear in a log line."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg = message.replace(self.token, "[token]")
                record.args = None
        return True


class LibraryErrorsInBrief(logging.Filter):
    """Library errors as one line with the exception's type: PTB's retry loop logs whole
    tracebacks for every network hiccup, and an exception's text may carry request details."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(("telegram", "httpx", "httpcore")) and record.exc_info:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(error).__name__})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def describe_failure(error: BaseException) -> str:
    """An exception as its type and where it was raised, never its text: a database error's text
    carries the statement's parameters, and others may quote what someone typed."""
    frames = traceback.extract_tb(error.__traceback__)
    places = " <- ".join(
        f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
        for frame in reversed(frames[-6:])
    )
    return f"{type(error).__name__} at {places}" if places else type(error).__name__


def quiet_libraries() -> None:
    """Raise library loggers above the levels at which they log URLs or update contents."""
    for name, level in _QUIET.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(level, logger.getEffectiveLevel()))


def setup_logging(level: str, token: str | None) -> None:
    """Log to stderr at `level`, with the token redacted and chatty libraries quieted."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(LibraryErrorsInBrief())
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries()
