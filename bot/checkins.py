"""The daily check-in: "How are you today?" once a day at the time a person picked, in their zone.

Only the schedule is stored, never an answer: a check-in is one subscription row whose
`meeting_slug` names it (`checkin@HH:MM@Zone`, which no directory slug can be: they are lower-case
letters, digits and dashes), so it runs on the reminder engine like any reminder (durable,
exactly once, across restarts, daylight-saving changes and several instances), and /forget
deletes it with the rest. The engine sends a reminder only before its "meeting" begins: the
check-in is planned as a meeting `WINDOW_MINUTES` after the picked time with that lead, so it
goes out at the picked time, and not at all once the window has passed (a bot that was down all
evening does not ask "how are you today?" at 3 a.m.).

A service: may import storage, the domain and `scheduler`; never Telegram.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.meetings import Meeting
from bot.storage import Storage, Subscription, delete_subscriptions
from bot.subscriptions import CHECKIN_PREFIX, plan

PREFIX = CHECKIN_PREFIX
WINDOW_MINUTES = 60
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
_SLUG = re.compile(r"^checkin@([01]\d|2[0-3]):([0-5]\d)@([A-Za-z0-9_+\-/]{1,64})$")


@dataclass(frozen=True)
class CheckIn:
    """When a person is asked: `time` (HH:MM) every day in `zone`."""

    time: str
    zone: str

    @property
    def slug(self) -> str:
        return f"{PREFIX}{self.time}@{self.zone}"

    @classmethod
    def parse(cls, slug: str | None) -> CheckIn | None:
        """The check-in a subscription's slug names; None for a directory slug or a bad one."""
        found = _SLUG.fullmatch(slug or "")
        if found is None:
            return None
        try:
            ZoneInfo(found[3])
        except (ZoneInfoNotFoundError, ValueError):
            return None
        return cls(f"{found[1]}:{found[2]}", found[3])

    def meeting(self) -> Meeting:
        """The check-in as the engine plans it: a daily "meeting" one window after the time."""
        hour, minute = (int(part) for part in self.time.split(":"))
        minutes = (hour * 60 + minute + WINDOW_MINUTES) % (24 * 60)
        start = dt.time(minutes // 60, minutes % 60)
        return Meeting.model_validate(
            {
                "name": "Daily check-in",
                "slug": "daily-check-in",
                "program": "OTHER",
                "day": list(EVERY_DAY),
                "time": f"{start:%H:%M}",
                "timezone": self.zone,
            }
        )


def is_checkin(slug: str | None) -> bool:
    return bool(slug) and str(slug).startswith(PREFIX)


class CheckIns:
    """Setting, reading and stopping a person's daily check-in (one at most)."""

    def __init__(self, storage: Storage, on_change: Callable[[], None]) -> None:
        self.storage = storage
        # The reminder timer looks again (the next check-in may be sooner than anything due).
        self._on_change = on_change

    async def get(self, chat_id: int) -> CheckIn | None:
        async with self.storage.session() as session:
            slugs = await session.scalars(
                select(Subscription.meeting_slug).where(
                    Subscription.chat_id == chat_id, Subscription.meeting_slug.startswith(PREFIX)
                )
            )
            return next((c for c in map(CheckIn.parse, slugs) if c is not None), None)

    async def set(self, chat_id: int, checkin: CheckIn, now: dt.datetime) -> dt.datetime:
        """Ask `chat_id` daily at `checkin` from now on (replacing any other time); when first."""
        fire_at, occurrence = plan(checkin.meeting(), WINDOW_MINUTES, now)
        async with self.storage.session() as session:
            await self.storage.ensure_user(session, chat_id, now)
            await _drop(session, chat_id)
            session.add(
                Subscription(
                    chat_id=chat_id,
                    meeting_slug=checkin.slug,
                    lead_minutes=WINDOW_MINUTES,
                    next_fire_at=fire_at,
                    occurrence_at=occurrence,
                )
            )
        self._on_change()
        return fire_at

    async def follow_zone(self, chat_id: int, zone: str, now: dt.datetime) -> None:
        """The person moved to `zone`: their check-in keeps its time, on their new clock."""
        current = await self.get(chat_id)
        if current is not None and current.zone != zone:
            await self.set(chat_id, CheckIn(current.time, zone), now)

    async def stop(self, chat_id: int) -> bool:
        """No more check-ins; True when there was one."""
        async with self.storage.session() as session:
            return bool(await _drop(session, chat_id))


async def _drop(session: AsyncSession, chat_id: int) -> int:
    """Delete the chat's check-in (its outcomes kept as counts); how many rows went."""
    return await delete_subscriptions(
        session, Subscription.chat_id == chat_id, Subscription.meeting_slug.startswith(PREFIX)
    )
