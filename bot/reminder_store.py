"""The reminder store: `scheduler`'s claims and leases, bound to this bot's tables and meetings.

`scheduler/` imports nothing from `bot/`; this is where the two meet. A service: may import
storage, subscriptions, the domain and `scheduler`; never Telegram.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.checkins import CheckIn, is_checkin
from bot.meetings import Directory, Meeting
from bot.storage import Delivery, PersonalMeeting, Storage, Subscription, User
from bot.subscriptions import MeetingRef, personal_meeting, plan, remindable
from scheduler.store import ClaimStore, Due, Tables

ReminderDue = Due[Meeting, MeetingRef]
TABLES = Tables(
    user=User, personal_meeting=PersonalMeeting, subscription=Subscription, delivery=Delivery
)


class MeetingPlanner:
    """Which meeting a subscription names (the directory's, or the person's own), and when its
    next reminder is (`bot.subscriptions.plan`)."""

    def __init__(self, directory: Callable[[], Directory]) -> None:
        self._directory = directory

    def meeting(self, slug: str | None, personal: PersonalMeeting | None) -> Meeting | None:
        if is_checkin(slug):
            checkin = CheckIn.parse(slug)
            return checkin.meeting() if checkin is not None else None
        if slug is not None:
            return self._directory().get(slug)
        return personal_meeting(personal) if personal is not None else None

    # The domain's own functions, called once per claimed row: no wrapper in between.
    remindable = staticmethod(remindable)
    plan = staticmethod(plan)

    def ref(self, meeting: Meeting, slug: str | None, personal_id: int | None) -> MeetingRef:
        if is_checkin(slug):
            return MeetingRef.checkin()
        if slug is not None:
            return MeetingRef.directory(meeting.slug)
        return MeetingRef.personal(personal_id or 0)


class ReminderStore(ClaimStore[Meeting, MeetingRef]):
    """Claims, leases and the ledger of this bot's reminders (see `scheduler.store`)."""

    def __init__(
        self,
        storage: Storage,
        directory: Callable[[], Directory],
        *,
        lease: dt.timedelta | None = None,
    ) -> None:
        super().__init__(storage, TABLES, MeetingPlanner(directory), lease=lease)
