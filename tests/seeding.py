"""Fill a database with people and reminder subscriptions fast (bulk inserts): tests, and benches.

Test support, so it lives under `tests/`; `bench/` imports it from here (benches may use test
helpers; tests never import `bench/`). Imports only `bot/` services and domain.

Every subscription follows one daily directory meeting (`meeting_for`), so the bot's content needs a
`meetings.yaml` with it (`write_content`). A snapshot of the meeting is stored too, so that the bot
does not treat it as changed at start-up (which would re-plan every subscription).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import insert

from bot.meetings import Meeting
from bot.storage import MeetingSnapshot, Storage, Subscription, User
from bot.subscriptions import fingerprint

SLUG = "burst-daily-online"
ROOT = Path(__file__).resolve().parent.parent


def meeting_for(start: dt.datetime) -> Meeting:
    """A daily online meeting in UTC whose next start is `start` (whole minutes)."""
    return Meeting.model_validate(
        {
            "name": "Daily Burst Group",
            "slug": SLUG,
            "day": [0, 1, 2, 3, 4, 5, 6],
            "time": f"{start:%H:%M}",
            "timezone": "UTC",
            "conference_url": "https://example.org/join/burst",
        }
    )


def next_start(after: dt.datetime, minutes: int) -> dt.datetime:
    """A meeting start `minutes` or a little more after `after`, on a whole minute, in UTC."""
    later = after.astimezone(dt.UTC) + dt.timedelta(minutes=minutes + 1)
    return later.replace(second=0, microsecond=0)


def write_content(target: Path, meeting: Meeting) -> Path:
    """A copy of the shipped content whose meeting directory is just `meeting`."""
    shutil.copytree(ROOT / "content", target, dirs_exist_ok=True)
    (target / "meetings.yaml").write_text(
        "meetings:\n"
        f"  - name: {meeting.name}\n"
        f"    slug: {meeting.slug}\n"
        "    day: [0, 1, 2, 3, 4, 5, 6]\n"
        f'    time: "{meeting.time:%H:%M}"\n'
        "    timezone: UTC\n"
        f"    conference_url: {meeting.conference_url}\n"
    )
    return target


async def seed(
    url: str,
    *,
    chats: int,
    meeting: Meeting,
    occurrence: dt.datetime,
    lead_minutes: int,
    first_chat: int = 1_000_000,
    now: dt.datetime | None = None,
    fire_times: Sequence[dt.datetime] | None = None,
    slug: str = SLUG,
) -> None:
    """`chats` people, each with one reminder `lead_minutes` before `occurrence` of `meeting`.

    When `occurrence - lead_minutes` is in the past the reminders are due at once (a burst).
    `fire_times` (one per chat) sets when each falls due instead. Negative chat ids are group
    chats; a `slug` other than the meeting's names something else the engine plans (a daily
    check-in's `checkin@...`). The meeting's snapshot is stored once, by the first call.
    """
    now = now or dt.datetime.now(dt.UTC)
    storage = await Storage.open(url)
    try:
        fire_at = occurrence - dt.timedelta(minutes=lead_minutes)
        async with storage.session() as session:
            if await session.get(MeetingSnapshot, SLUG) is None:
                snapshot = json.dumps({**fingerprint(meeting), "name": meeting.name})
                await session.execute(
                    insert(MeetingSnapshot), [{"slug": SLUG, "fingerprint": snapshot}]
                )
        step = 10_000
        for start in range(0, chats, step):
            ids = range(first_chat + start, first_chat + min(start + step, chats))
            async with storage.session() as session:
                await session.execute(
                    insert(User),
                    [
                        {
                            "chat_id": chat_id,
                            "language": "en",
                            "timezone": None,
                            "created_at": now,
                            "last_seen_on": now.date(),
                            "blocked": False,
                            "told_timezone": False,
                        }
                        for chat_id in ids
                    ],
                )
                await session.execute(
                    insert(Subscription),
                    [
                        {
                            "chat_id": chat_id,
                            "meeting_slug": slug,
                            "personal_id": None,
                            "lead_minutes": lead_minutes,
                            "paused": None,
                            "next_fire_at": (
                                fire_times[chat_id - first_chat] if fire_times else fire_at
                            ),
                            "occurrence_at": occurrence,
                        }
                        for chat_id in ids
                    ],
                )
    finally:
        await storage.close()
