"""`python -m bot link SLUG [--qr FILE]`: a meeting's link and QR code, from the command line.

For an organizer making a flyer: prints the link that opens the meeting's card in the bot
(`bot.deeplinks`) and, with `--qr`, writes the QR code as a PNG. The bot's username comes from
`telegram.username`, else from Telegram itself when the token is set.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TextIO

from telegram import Bot
from telegram.error import TelegramError

from bot import deeplinks
from bot.config import Settings
from bot.meetings import load_directory
from bot.qr import qr_png

MAX_CHOICES = 10
EXIT_NOT_FOUND = 1


async def _ask_telegram(token: str, base_url: str) -> str:
    async with Bot(token, base_url=base_url) as bot:
        return bot.username


def bot_username(settings: Settings) -> str | None:
    """The configured username, else Telegram's answer for the token; None with neither."""
    if settings.telegram.username:
        return settings.telegram.username
    if settings.token is None:
        return None
    return asyncio.run(_ask_telegram(settings.token, settings.telegram.base_url))


def main(settings: Settings, meetings_file: Path, query: str, qr: Path | None, out: TextIO) -> int:
    directory, problems = load_directory(meetings_file)
    if problems and not len(directory):
        print(
            f"{meetings_file}: the directory could not be read ({len(problems)} problems;"
            " `python -m bot check-content` lists them)",
            file=out,
        )
        return EXIT_NOT_FOUND
    found = deeplinks.meetings_named(directory, query)
    if not found:
        print(f"No meeting's slug or name holds {query!r} in {meetings_file}.", file=out)
        return EXIT_NOT_FOUND
    if len(found) > 1:
        print(f"{len(found)} meetings match {query!r}; give one of these slugs:", file=out)
        for meeting in found[:MAX_CHOICES]:
            print(f"  {meeting.slug!r}  {meeting.name!r}", file=out)
        return EXIT_NOT_FOUND
    try:
        username = bot_username(settings)
    except TelegramError as exc:
        print(
            f"Telegram did not say the bot's username ({type(exc).__name__}); set"
            " telegram.username in the config instead.",
            file=out,
        )
        return EXIT_NOT_FOUND
    if username is None:
        print(
            "Set telegram.username in the config (the bot's @username), or the token, so the"
            " link knows which bot to open.",
            file=out,
        )
        return EXIT_NOT_FOUND
    payload = deeplinks.meeting_payload(found[0].slug)
    url = deeplinks.link(username, payload)
    print(url, file=out)
    print(
        "For the group's own Telegram chat (its admin opens it; reminders are posted there): "
        + deeplinks.group_link(username, payload),
        file=out,
    )
    if qr is not None:
        qr.write_bytes(qr_png(url))
        print(f"QR code written to {qr}", file=out)
    return 0
