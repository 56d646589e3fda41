"""Putting a meeting directory in place: synced and told (`apply_directory`), or held back
(`bot.directory_guard`) with the organizers told why (`tell_organizers`).

Start-up (`settle_at_start`), /reload and a changed feed (`bot.delivery.feeds`) all come through
here; the first two add the feeds' stored copies to the meetings file's directory (`with_feeds`).
"""

from __future__ import annotations

import dataclasses
import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot import callbacks, feeds
from bot.content import LanguagePack
from bot.delivery.notices import tell_changes
from bot.directory_guard import Choice, DirectoryHold, choose, load_copy, save_copy
from bot.meetings import Directory
from bot.services import Services

_LOGGER = logging.getLogger(__name__)
CONFIRM_PREFIX = "adm"
CONFIRM_ACTION = "sync"


async def with_feeds(services: Services, directory: Directory) -> Directory:
    """`directory` (the meetings file's) with every configured feed's stored copy in
    (`bot.feeds`); this process now serves those copies."""
    stored = await feeds.rows(services.storage, services.settings.directory.feeds)
    copies = [feeds.copy_of(row) for row in stored.values()]
    services.feed_versions = {copy.source: copy.fetched_at for copy in copies}
    return feeds.compose(directory, copies)


async def apply_directory(bot: Bot, services: Services, directory: Directory) -> int:
    """Serve `directory`, follow subscriptions to it, tell who is concerned, and keep it as the
    last good one; how many were told."""
    now = services.clock()
    services.library = dataclasses.replace(services.library, directory=directory)
    services.directory_hold = None
    notices = await services.subscriptions.sync_directory(directory, now)
    told = await tell_changes(bot, services, notices)
    await save_copy(services.storage, directory, now)
    return told


async def put_in_place(
    bot: Bot, services: Services, loaded: Directory, problems: int
) -> tuple[Choice, int]:
    """Apply `loaded` or hold it back (`directory_guard.choose`); what was decided, and how many
    subscribers were told of changes."""
    last_good = await load_copy(services.storage)
    choice = await choose(
        services.subscriptions, loaded, problems, last_good, services.settings.content
    )
    if choice.sync:
        return choice, await apply_directory(bot, services, choice.directory)
    services.library = dataclasses.replace(services.library, directory=choice.directory)
    services.directory_hold = choice.hold
    if choice.hold is not None:
        _log(choice.hold, len(choice.directory))
    return choice, 0


async def settle_at_start(bot: Bot, services: Services) -> None:
    """At start-up: the meetings file's directory, or the last good one; organizers hear why."""
    library = services.library
    loaded = await with_feeds(services, library.directory)
    choice, _ = await put_in_place(bot, services, loaded, library.directory_problems)
    if choice.hold is not None:
        await tell_organizers(bot, services, choice.hold)


def _log(hold: DirectoryHold, meetings: int) -> None:
    # Counts only: the file's text may be anything.
    if hold.reason == "load_failed":
        _LOGGER.error(
            "the meetings file has %d problem(s) and is not used: %s (%d meetings); "
            "no subscription is paused or told; fix it, then /reload",
            hold.problems,
            "the last good directory serves"
            if hold.saved_at
            else "no earlier directory, what could be read serves",
            meetings,
        )
    else:
        _LOGGER.error(
            "a directory change would pause or notify %d of %d subscriptions: held until an "
            "organizer applies it (%d meetings serve meanwhile)",
            hold.affected,
            hold.subscriptions,
            meetings,
        )


def hold_text(pack: LanguagePack, hold: DirectoryHold, meetings: int) -> str:
    """What organizers are told about a hold (plain text)."""
    saved = f"{hold.saved_at:%Y-%m-%d %H:%M} UTC" if hold.saved_at else "-"
    if hold.reason == "load_failed" and hold.saved_at is not None:
        return pack.text(
            "admin_directory_kept", problems=hold.problems, meetings=meetings, saved=saved
        )
    if hold.reason == "load_failed":
        return pack.text("admin_directory_unsynced", problems=hold.problems, meetings=meetings)
    return pack.text(
        "admin_directory_held", affected=hold.affected, total=hold.subscriptions, saved=saved
    )


def hold_keyboard(pack: LanguagePack, hold: DirectoryHold) -> InlineKeyboardMarkup | None:
    """The Apply button of a held change (none for a file that failed to load)."""
    if hold.pending is None:
        return None
    data = callbacks.make(CONFIRM_PREFIX, CONFIRM_ACTION, hold.nonce)
    button = InlineKeyboardButton(pack.text("admin_directory_apply"), callback_data=data)
    return InlineKeyboardMarkup([[button]])


async def tell_organizers(bot: Bot, services: Services, hold: DirectoryHold) -> int:
    """Message every organizer about `hold`; how many got it."""
    told = 0
    meetings = len(services.library.directory)
    for chat_id in services.settings.admins:
        user = await services.storage.get_user(chat_id)
        pack = services.library.pack(user.language if user else None)
        try:
            await bot.send_message(
                chat_id,
                hold_text(pack, hold, meetings),
                parse_mode=None,
                reply_markup=hold_keyboard(pack, hold),
            )
            told += 1
        except TelegramError as exc:
            _LOGGER.warning(
                "could not tell an organizer about the directory: %s", type(exc).__name__
            )
    return told
