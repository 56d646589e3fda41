"""Command line: run the bot, or check the content.

python -m bot [--config FILE]                 run (Telegram with a token, else the terminal)
python -m bot check-content [DIR]             validate content/ and print every problem
python -m bot migrate                         bring the database schema up to date
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from telegram.error import InvalidToken, NetworkError

from bot.config import (
    MEETINGS_FILE,
    SECRET_ENV,
    TOKEN_ENV,
    ConfigError,
    Settings,
    load_settings,
)
from bot.content import Content, ContentError, load_content
from bot.meetings import load_directory, refusing

if TYPE_CHECKING:
    from bot.app import BotApplication
    from bot.services import Library

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=(
            "A peer-support companion for people in addiction and dual-diagnosis recovery. "
            f"Runs on Telegram when {TOKEN_ENV} (or telegram.token) is set, "
            "otherwise as a chat in this terminal."
        ),
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="YAML settings file; every key is explained in config.example.yaml. "
        "Without it, defaults are used (SQLite under data/, content/ as shipped).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="start the bot (the default command)")
    check = sub.add_parser("check-content", help="validate all content YAML and list each problem")
    check.add_argument("dir", nargs="?", type=Path, help="content folder (default: content.dir)")
    feed = sub.add_parser(
        "import-meetings",
        help="import a Meeting Guide JSON feed (file or URL) into the meeting directory",
    )
    feed.add_argument("source", help="path or http(s) URL of the JSON feed")
    feed.add_argument(
        "--into",
        type=Path,
        metavar="FILE",
        help="directory file to write or merge into (default: <content.dir>/meetings.yaml)",
    )
    feed.add_argument(
        "--timezone",
        metavar="ZONE",
        help="the feed's time zone, for records without their own (default: the directory "
        "file's own `timezone:`, else each record's coordinates or state; never UTC by guess)",
    )
    link = sub.add_parser(
        "link",
        help="print the link that opens a meeting's card in the bot (for flyers and websites)",
    )
    link.add_argument("meeting", help="the meeting's slug, or part of its name")
    link.add_argument("--qr", type=Path, metavar="FILE", help="also write its QR code as a PNG")
    migrate = sub.add_parser(
        "migrate",
        help="bring the database schema up to date (back the database up first)",
    )
    # Also accepted after the command, as the start-up message spells it.
    migrate.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="the YAML settings file",
    )
    return parser


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_USAGE


def check_content(
    directory: Path, language: str, out: TextIO | None = None, *, scores: bool = True
) -> int:
    """Print every content problem as `file:line: entry id: what is wrong`; 1 if any. With
    `scores`, also the models' cross-validated scores (a minute or more: each model is trained
    five times); without, the examples are still checked."""
    out = out or sys.stdout
    try:
        content = load_content(directory, language)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=out)
        print(f"{len(exc.problems)} problem(s) found in {directory}", file=out)
        return 1
    for warning in content.warnings:
        print(f"warning: {warning}", file=out)
    known_types = content.packs[language].names.types.keys()
    meetings, meeting_problems = load_directory(directory / MEETINGS_FILE, known_types)
    for problem in meeting_problems:
        print(problem, file=out)
    if meeting_problems:
        print(f"{len(meeting_problems)} problem(s) found in the meeting directory", file=out)
        return 1
    from bot.examples import ExamplesError
    from bot.models import model_report

    try:
        report = model_report(content, directory, cross_validate=scores)
    except ExamplesError as exc:
        print(exc, file=out)
        print(f"1 problem found in the examples in {directory}", file=out)
        return 1
    entries = sum(len(c.entries) for c in content.packs[language].faq.categories)
    exercises = len(content.packs[language].grounding.exercises)
    print(
        f"content OK: {entries} questions, {exercises} exercises, regions "
        f"{', '.join(content.regions)}, languages {', '.join(content.packs)}, "
        f"{len(meetings)} meetings",
        file=out,
    )
    for line in report:
        print(line, file=out)
    return 0


def _check_against_content(settings: Settings, content: Content) -> None:
    if settings.safety.region not in content.regions:
        raise ConfigError(
            f"'safety.region' is {settings.safety.region!r}, but the content has crisis resources "
            f"only for {', '.join(content.regions)}. Pick one of those, or add the region to "
            f"{settings.content.dir}/{content.default_language}/safety.yaml."
        )


def _migrate_command(config: Path | None) -> str:
    return "python -m bot migrate" + (f" --config {config}" if config is not None else "")


def run(settings: Settings, config: Path | None = None) -> int:
    """Start the bot; returns when it stops (2 when the database cannot be used)."""
    from bot.migrate import DatabaseProblem

    try:
        return _run(settings)
    except DatabaseProblem as exc:
        return _fail(exc.explain(_migrate_command(config)))


async def _check_database(url: str) -> None:
    from bot.storage import Storage

    storage = await Storage.open(url)
    await storage.close()


def _run(settings: Settings) -> int:
    with _collector_paused():
        ready = _prepare(settings)
    if isinstance(ready, int):
        return ready
    library, application = ready
    if application is None:
        return _run_terminal(settings, library)
    try:
        if settings.telegram.mode == "webhook":
            from bot import webhook as webhook_server

            logging.getLogger(__name__).info("starting on Telegram (webhook)")
            webhook_server.run(application, settings)
        else:
            from bot.app import ALLOWED_UPDATES

            logging.getLogger(__name__).info("starting on Telegram (polling)")
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        return _fail(
            f"Telegram refused the bot token ('telegram.token' / {TOKEN_ENV}). Copy it again from "
            "@BotFather; it looks like 123456:ABC-DEF..."
        )
    except NetworkError as exc:
        return _fail(
            f"Cannot reach the Telegram Bot API at 'telegram.base_url' "
            f"({settings.telegram.base_url}): {type(exc).__name__}. Check the network, or the "
            "address if you use a local Bot API server."
        )
    return 0


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Start-up makes some 170,000 objects that live as long as the process (modules, content,
    compiled patterns) and hardly any garbage (under a thousand objects); the cyclic garbage
    collector would go over them again and again, a tenth of the start-up time. It is off until
    the bot is ready to serve; what start-up made is then frozen (gc.freeze), so that no later
    collection goes over it either. A library replaced by /reload is still freed: it holds no
    reference cycles, and reference counting is not affected by freezing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if was_enabled:
            gc.enable()


def _prepare(settings: Settings) -> int | tuple[Library, BotApplication | None]:
    """Everything before serving: an exit code if the bot cannot start, else the library and
    the Telegram application (None in the terminal, which builds its own)."""
    from bot.app import build_application, tls_in_background
    from bot.examples import ExamplesError
    from bot.logs import setup_logging
    from bot.models import build_models
    from bot.services import Library

    mode = settings.telegram.mode
    if mode == "auto":
        mode = "polling" if settings.token else "terminal"
    if mode in ("polling", "webhook") and not settings.token:
        return _fail(
            f"'telegram.token' is missing: telegram.mode is '{mode}', which needs a bot token. "
            f"Set the {TOKEN_ENV} environment variable (or telegram.token), or use mode 'terminal'."
        )
    webhook = settings.telegram.webhook
    if mode == "webhook" and (webhook.public_url is None or webhook.secret_token is None):
        return _fail(
            "'telegram.webhook.public_url' and 'telegram.webhook.secret_token' are both needed "
            "in webhook mode: the https address Telegram should post to, and a secret of 1-256 "
            f"letters, digits, _ or - (or set {SECRET_ENV})."
        )
    # Made while the content loads (the terminal has no use for it).
    tls = tls_in_background() if mode != "terminal" else None
    try:
        content = load_content(settings.content.dir, settings.defaults.language)
        _check_against_content(settings, content)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return _fail("The bot will not start on invalid content; fix the lines above.")
    except ConfigError as exc:
        return _fail(str(exc))
    # The terminal chat keeps its screen for the conversation: there only warnings are logged.
    setup_logging(settings.logging.level if mode != "terminal" else "WARNING", settings.token)
    # The database before anything else starts: an empty one gets the schema, an unreachable or
    # out-of-date one stops here with what to do (DatabaseProblem, handled in `run`).
    asyncio.run(_check_database(settings.database.url))
    directory, problems = load_directory(settings.content.dir / MEETINGS_FILE)
    for problem in problems:
        # A file with problems is not used: the last good directory serves (bot.directory_guard);
        # a record repeating a slug is left out and the rest used, as /reload does.
        print(f"meetings file: {problem}", file=sys.stderr)
    try:
        models = build_models(content, settings.content.dir, settings.content.models_cache)
    except ExamplesError as exc:
        print(exc, file=sys.stderr)
        return _fail("The bot will not start on invalid content; fix the lines above.")
    library = replace(
        Library.build(content, directory, models),
        directory_problems=len(refusing(problems)),
        directory_left_out=tuple(p for p in problems if p.left_out),
    )
    if tls is None:
        return library, None
    return library, build_application(settings, library, tls=tls.result())


def _run_terminal(settings: Settings, library: Library) -> int:
    from bot.app import build_application
    from bot.offline_api import OfflineBotApi
    from bot.terminal import TerminalChat

    api = OfflineBotApi()
    chat = TerminalChat(api)
    application = build_application(settings, library, request=api, rate_limit=False)
    print(library.content.pack(None).text("terminal_banner"), file=sys.stderr)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    chat.on_quit = application.stop_running
    chat.is_idle = application.update_queue.empty
    chat.start_reading(loop)
    application.run_polling(close_loop=True, stop_signals=None)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        return _fail(str(exc))
    if args.command == "check-content":
        return check_content(args.dir or settings.content.dir, settings.defaults.language)
    if args.command == "import-meetings":
        from bot.meeting_import import main as import_main

        target = args.into or settings.content.dir / MEETINGS_FILE
        return import_main(args.source, target, args.timezone, sys.stdout)
    if args.command == "link":
        from bot.link_cli import main as link_main

        meetings_file = settings.content.dir / MEETINGS_FILE
        return link_main(settings, meetings_file, args.meeting, args.qr, sys.stdout)
    if args.command == "migrate":
        from bot.migrate import cli as migrate_cli

        return migrate_cli(settings.database.url, _migrate_command(args.config), sys.stdout)
    return run(settings, args.config)


if __name__ == "__main__":
    sys.exit(main())
