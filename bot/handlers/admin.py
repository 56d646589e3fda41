"""Organizer tools: /reload, /announce and /stats, for the ids in `settings.admins` only.

The routing (`bot.handlers.register`) lets only organizers reach these commands, buttons and the
announcement flow; anyone else gets exactly the answer to an unknown command, or to a stale button,
so the tools do not reveal that they exist. The text of an announcement is kept in the `flows` row
only until it is sent or cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import secrets
from collections.abc import Sequence

from telegram import Update
from telegram.error import BadRequest

from bot import callbacks
from bot.content import MAX_MESSAGE_CHARS, ContentError, LanguagePack, Problem
from bot.context import BotContext
from bot.delivery import (
    AnnounceReport,
    apply_directory,
    deliver_announcement,
    hold_keyboard,
    hold_text,
    put_in_place,
    with_feeds,
)
from bot.flows import Flow, clear_flow, get_flow, set_flow
from bot.handlers.common import Row, esc, keyboard, show
from bot.meetings import Meeting
from bot.organizer import (
    STATS_DAYS,
    FeedState,
    describe_library,
    gather_stats,
    load_library,
    subscriber_counts,
)
from bot.purge import ORGANIZER_FLOW_TTL
from bot.services import Services
from bot.subscriptions import meeting_key
from bot.views.notices import announcement

_LOGGER = logging.getLogger(__name__)
PREFIX = "adm"
FLOW = "announce"
PAGE_SIZE = 8
MAX_LABEL = 50
MAX_STATS_MEETINGS = 30
# FAQ entries named in /stats's line of answers that missed, most first.
MAX_MISSED = 10
# Room for the header a recipient sees above the organizer's text.
MAX_ANNOUNCEMENT = MAX_MESSAGE_CHARS - 200


def _capped(
    pack: LanguagePack, head: Sequence[str], items: Sequence[str], max_items: int | None = None
) -> str:
    """`head` then `items`, one per line, cut with "and N more" to fit one Telegram message."""
    lines = list(head)
    used = sum(len(line) + 1 for line in lines)
    for index, item in enumerate(items):
        more = esc(pack.text("admin_more", count=len(items) - index))
        too_many = max_items is not None and index >= max_items
        if too_many or used + len(item) + 1 + len(more) + 1 > MAX_MESSAGE_CHARS:
            lines.append(more)
            break
        lines.append(item)
        used += len(item) + 1
    return "\n".join(lines)


# /reload ---------------------------------------------------------------------------------------


def problems_text(pack: LanguagePack, problems: Sequence[Problem]) -> str:
    """Each problem as check-content prints it, capped to one message."""
    head = [esc(pack.text("admin_reload_failed", count=len(problems)))]
    return _capped(pack, head, [esc(str(problem)) for problem in problems])


def left_out_text(pack: LanguagePack, head: str, left_out: Sequence[Problem]) -> str:
    """`head` (escaped), then the records left out while the rest loaded, as check-content
    prints them (room kept for a held change's note below)."""
    intro = esc(pack.text("admin_reload_left_out", count=len(left_out)))
    return _capped(pack, [head, "", intro], [esc(str(p)) for p in left_out], max_items=20)


async def reload(update: Update, context: BotContext) -> None:
    """/reload: re-read content and meetings; on any problem keep the old ones and list them.
    A meeting repeating another's slug is only left out, and named: the rest loads."""
    services = context.services
    try:
        library = await asyncio.to_thread(load_library, services.settings)
    except ContentError as exc:
        await show(update, problems_text(context.pack, exc.problems))
        return
    # The new content at once; the directory too, unless its sync is held for confirmation.
    served = services.library.directory
    services.library = dataclasses.replace(library, directory=served)
    loaded = await with_feeds(services, library.directory)
    choice, told = await put_in_place(context.bot, services, loaded, problems=0)
    services.subscriptions.on_change()  # the directory changed: the reminder timer looks again
    questions, exercises, meetings = describe_library(services.library)
    text = esc(
        context.pack.text(
            "admin_reload_ok",
            questions=questions,
            exercises=exercises,
            meetings=meetings,
            told=told,
        )
    )
    if library.directory_left_out:
        text = left_out_text(context.pack, text, library.directory_left_out)
    if choice.hold is None:
        await show(update, text)
        return
    held = esc(hold_text(context.pack, choice.hold, len(services.library.directory)))
    await show(update, f"{text}\n\n{held}", hold_keyboard(context.pack, choice.hold))


async def _apply_held(update: Update, context: BotContext, nonce: str | None) -> None:
    """Apply: the held directory change goes ahead (the button of `hold_keyboard`)."""
    services = context.services
    hold = services.directory_hold
    if hold is None or hold.pending is None or hold.nonce != nonce:
        raise LookupError(nonce)
    told = await apply_directory(context.bot, services, hold.pending)
    services.subscriptions.on_change()
    text = context.pack.text(
        "admin_directory_applied", meetings=len(services.library.directory), told=told
    )
    await show(update, esc(text), edit=True)


# /stats ----------------------------------------------------------------------------------------


async def stats(update: Update, context: BotContext) -> None:
    """/stats: how the bot is used, in counts only (never who)."""
    services = context.services
    pack = context.pack
    numbers = await gather_stats(
        services.storage,
        services.library.directory,
        services.clock(),
        services.settings.directory.feeds,
    )
    reminders, counters = numbers.reminders, numbers.counters
    head = [
        f"<b>{esc(pack.text('admin_stats_header', days=STATS_DAYS))}</b>",
        esc(
            pack.text(
                "admin_stats_users",
                total=numbers.users,
                active=numbers.active_users,
                days=STATS_DAYS,
            )
        ),
        esc(
            pack.text(
                "admin_stats_reminders",
                sent=reminders.get("sent", 0),
                missed=reminders.get("missed", 0),
                failed=reminders.get("failed", 0),
            )
        ),
        esc(pack.text("admin_stats_crisis", count=counters["crisis_shown"])),
        esc(pack.text("admin_stats_concern", count=counters["concern_shown"])),
        esc(pack.text("admin_stats_grounding", count=counters["grounding_helped"])),
        esc(
            pack.text(
                "admin_stats_checkins",
                people=numbers.checkins,
                good=counters["checked_in_good"],
                ok=counters["checked_in_ok"],
                hard=counters["checked_in_hard"],
            )
        ),
        esc(pack.text("admin_stats_groups", count=numbers.groups)),
        *(
            [esc(pack.text("admin_stats_missed", entries=_missed(numbers.missed)))]
            if numbers.missed
            else []
        ),
        *(esc(_feed_line(pack, feed)) for feed in numbers.feeds),
        "",
        esc(pack.text("admin_stats_personal", count=numbers.personal_subscribers)),
    ]
    hold = services.directory_hold
    if hold is not None:  # first: an organizer should not miss it
        head.insert(1, f"⚠️ {esc(hold_text(pack, hold, len(services.library.directory)))}")
    if not numbers.meetings:
        head.append(esc(pack.text("admin_stats_no_meetings")))
        await show(update, "\n".join(head))
        return
    head.append(esc(pack.text("admin_stats_meetings")))
    items = [f"• {esc(name)}: {count}" for name, count in numbers.meetings]
    await show(update, _capped(pack, head, items, MAX_STATS_MEETINGS))


def _missed(missed: Sequence[tuple[str, int]]) -> str:
    """ "cost 3, relapse 1": the FAQ entries whose answers missed, by id (as content names them)."""
    return ", ".join(f"{entry} {count}" for entry, count in missed[:MAX_MISSED])


def _feed_line(pack: LanguagePack, feed: FeedState) -> str:
    read = f"{feed.read_at:%Y-%m-%d %H:%M} UTC" if feed.read_at else "-"
    if feed.error:
        return pack.text(
            "admin_stats_feed_error",
            host=feed.host,
            meetings=feed.meetings,
            read=read,
            error=feed.error,
        )
    return pack.text("admin_stats_feed", host=feed.host, meetings=feed.meetings, read=read)


# /announce -------------------------------------------------------------------------------------


async def announce(update: Update, context: BotContext) -> None:
    """/announce: pick a meeting whose subscribers should get a message."""
    await _meeting_page(update, context, 0, edit=False)


async def _meeting_page(update: Update, context: BotContext, page: int, *, edit: bool) -> None:
    pack = context.pack
    counts = await subscriber_counts(context.services.storage)
    listed = [(m, counts[m.slug]) for m in context.services.library.directory if counts.get(m.slug)]
    if not listed:
        await show(update, esc(pack.text("admin_announce_none")), edit=edit)
        return
    pages = math.ceil(len(listed) / PAGE_SIZE)
    if page >= pages:
        raise LookupError(page)
    rows: list[Row] = [
        [
            (
                f"{meeting.name[:MAX_LABEL]} ({count})",
                callbacks.make("adm", "ann", meeting_key(meeting.slug)),
            )
        ]
        for meeting, count in listed[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    nav = []
    if page > 0:
        nav.append((pack.text("meetings_prev"), callbacks.make("adm", "page", page - 1)))
    if page + 1 < pages:
        nav.append((pack.text("meetings_next"), callbacks.make("adm", "page", page + 1)))
    if nav:
        rows.append(nav)
    await show(update, esc(pack.text("admin_announce_pick")), keyboard(rows), edit=edit)


def _meeting_for_key(services: Services, key: str | None) -> Meeting:
    meeting = next((m for m in services.library.directory if meeting_key(m.slug) == key), None)
    if meeting is None:
        raise LookupError(key)
    return meeting


async def _choose(update: Update, context: BotContext, meeting: Meeting) -> None:
    services = context.services
    now = services.clock()
    flow = Flow(FLOW, "text", {"slug": meeting.slug})
    await set_flow(services.storage, context.chat_id, flow, now)
    count = len(await services.subscriptions.active_chats_for(meeting.slug))
    text = context.pack.text("admin_announce_write", name=meeting.name, count=count)
    await show(update, esc(text), edit=True)


async def on_text(update: Update, context: BotContext, flow: Flow) -> bool:
    """Text typed during /announce becomes the draft, shown back with Send and Cancel."""
    message = update.effective_message
    if message is None or message.text is None:
        return False
    services = context.services
    now = services.clock()
    chat_id = context.chat_id
    pack = context.pack
    meeting = services.library.directory.get(str(flow.data.get("slug")))
    if meeting is None:
        await clear_flow(services.storage, chat_id)
        await show(update, esc(pack.text("admin_announce_gone")))
        return True
    text = message.text.strip()
    if len(text) > MAX_ANNOUNCEMENT:
        too_long = pack.text("admin_announce_too_long", length=len(text), limit=MAX_ANNOUNCEMENT)
        await show(update, esc(too_long))
        return True
    # The nonce ties both buttons to this draft: an older preview's cannot send or cancel it.
    nonce = secrets.token_hex(4)
    data = {"slug": meeting.slug, "text": text, "nonce": nonce}
    await set_flow(services.storage, chat_id, Flow(FLOW, "confirm", data), now)
    count = len(await services.subscriptions.active_chats_for(meeting.slug))
    preview = esc(pack.text("admin_announce_preview", name=meeting.name, count=count))
    rows: list[Row] = [
        [
            (pack.text("admin_announce_send"), callbacks.make("adm", "send", nonce)),
            (pack.text("admin_announce_cancel"), callbacks.make("adm", "stop", nonce)),
        ]
    ]
    await show(update, f"{preview}\n\n{announcement(pack, meeting.name, text)}", keyboard(rows))
    return True


def report_text(pack: LanguagePack, report: AnnounceReport) -> str:
    """`Sent to 12 of 13; 1 has blocked the bot.`"""
    details = []
    if report.blocked == 1:
        details.append(pack.text("admin_announce_blocked_one"))
    elif report.blocked:
        details.append(pack.text("admin_announce_blocked_many", count=report.blocked))
    if report.failed:
        details.append(pack.text("admin_announce_failed", count=report.failed))
    extra = "".join(f"; {detail}" for detail in details)
    return pack.text("admin_announce_sent", sent=report.sent, total=report.total, details=extra)


async def _draft(context: BotContext, nonce: str | None) -> Flow:
    """The draft a preview's button belongs to; LookupError (a stale button) when it was sent,
    cancelled, replaced by a newer draft or left too long: its moment has passed."""
    services = context.services
    flow = await get_flow(services.storage, context.chat_id)
    if (
        flow is None
        or flow.name != FLOW
        or flow.step != "confirm"
        or flow.data.get("nonce") != nonce
        or not flow.fresh(services.clock(), ORGANIZER_FLOW_TTL)
    ):
        raise LookupError(nonce)
    return flow


async def _send(update: Update, context: BotContext, nonce: str | None) -> None:
    services = context.services
    chat_id = context.chat_id
    flow = await _draft(context, nonce)
    # Deleted before sending: the draft is kept no longer than needed, and a second press of
    # Send finds nothing to send.
    await clear_flow(services.storage, chat_id)
    meeting = services.library.directory.get(str(flow.data.get("slug")))
    pack = context.pack
    if meeting is None:
        await show(update, esc(pack.text("admin_announce_gone")), edit=True)
        return
    query = update.callback_query
    if query is not None:
        # A preview too old to edit keeps its buttons; they find no draft, and the report goes out.
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
    report = await deliver_announcement(context.bot, services, meeting, str(flow.data["text"]))
    await show(update, esc(report_text(pack, report)))


async def _cancel(update: Update, context: BotContext, nonce: str | None) -> None:
    services = context.services
    await _draft(context, nonce)
    await clear_flow(services.storage, context.chat_id)
    await show(update, esc(context.pack.text("admin_announce_cancelled")), edit=True)


async def on_button(update: Update, context: BotContext, button: callbacks.Button) -> None:
    """Announce buttons (the routing keeps everyone but organizers away from them)."""
    if button.action == "page":
        await _meeting_page(update, context, button.int_arg(0), edit=True)
    elif button.action == "ann":
        await _choose(update, context, _meeting_for_key(context.services, button.arg))
    elif button.action == "send":
        await _send(update, context, button.arg)
    elif button.action == "stop":
        await _cancel(update, context, button.arg)
    elif button.action == "sync":
        await _apply_held(update, context, button.arg)
    else:
        raise LookupError(button)
