"""What is under way and coming up in a directory, without redoing every meeting's calendar.

A directory's meetings repeat weekly, so their starts over a fortnight are worked out once (per
distinct day, time and zone, which real directories share widely) and kept in time order. A
look at "what's on" is then a walk from now to a week ahead over that list, not a calendar
computation per meeting: at 20,000 meetings that is the difference between a second and a few
milliseconds (`bench/bench_directory.py`). The fortnight is rebuilt when the week ahead would
run past its end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import overload
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from bot.browsing import Catalog
from bot.meetings import Meeting
from scheduler.recurrence import occurrences

# An hour over the week: a DST change can move the same weekday's start by that much.
AHEAD = dt.timedelta(days=7, hours=1)
AHEAD_SECONDS = int(AHEAD.total_seconds())
HALF_HOUR, DAY, MINUTE = 1800, 86400, 60
SPAN = dt.timedelta(days=15)  # how far the kept starts reach; rebuilt about once a week
FILTERS_KEPT = 64  # filter results remembered (they do not change until the directory does)


@dataclass(frozen=True)
class Listed:
    """One meeting in a list, with its next start (or the start of the one under way), UTC."""

    meeting: Meeting
    start: dt.datetime

    def under_way(self, now: dt.datetime) -> bool:
        return self.start <= now


class Listing(Sequence[Listed]):
    """A list of meetings at their starts, made into `Listed` only as they are read (a page)."""

    def __init__(
        self, meetings: Sequence[Meeting], starts: NDArray[np.int64], which: NDArray[np.int64]
    ) -> None:
        self._meetings, self._starts, self._which = meetings, starts, which

    def __len__(self) -> int:
        return len(self._which)

    @overload
    def __getitem__(self, index: int) -> Listed: ...
    @overload
    def __getitem__(self, index: slice) -> list[Listed]: ...
    def __getitem__(self, index: int | slice) -> Listed | list[Listed]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start, which = int(self._starts[index]), int(self._which[index])
        return Listed(self._meetings[which], dt.datetime.fromtimestamp(start, dt.UTC))

    def split(self, now: dt.datetime) -> tuple[Listing, Listing]:
        """(the meetings under way at `now`, the others), each in this list's order."""
        under_way = self._starts <= int(now.timestamp())
        return (
            Listing(self._meetings, self._starts[under_way], self._which[under_way]),
            Listing(self._meetings, self._starts[~under_way], self._which[~under_way]),
        )


class Schedule:
    """The starts of `meetings` over a rolling fortnight, ordered by (start, name), as arrays."""

    def __init__(self, meetings: Sequence[Meeting]) -> None:
        self._meetings = tuple(meetings)
        count = len(self._meetings)
        self._seconds = np.fromiter(
            (m.duration.total_seconds() for m in self._meetings), dtype=np.int64, count=count
        )
        # Listed last: temporarily closed but still meeting online (1), then not meeting (2).
        self._rank = np.fromiter(
            (m.temporarily_closed + (not m.is_active) for m in self._meetings),
            dtype=np.int8,
            count=count,
        )
        self._longest = int(self._seconds.max()) if count else 0
        # (since, until, starts, which), replaced as one: the starts in [since, until) in
        # epoch seconds, in (start, name) order, and the meeting each belongs to.
        empty = np.zeros(0, dtype=np.int64)
        self._window: tuple[int, int, NDArray[np.int64], NDArray[np.int64]] = (0, 0, empty, empty)
        self._kept: dict[Hashable, NDArray[np.bool_]] = {}

    def coming(
        self,
        now: dt.datetime,
        *,
        key: Hashable,
        keep: Callable[[Meeting], bool],
        day: tuple[int, ZoneInfo] | None = None,
        hours: tuple[int, int, ZoneInfo] | None = None,
        mask: NDArray[np.bool_] | None = None,
    ) -> Listing:
        """Each meeting `keep` accepts, at its first start within a week that is under way or
        still to come (on Meeting Guide day `day[0]` in zone `day[1]`, if given; starting
        between minute `hours[0]` and `hours[1]` of the day in zone `hours[2]`, if given, the
        span running past midnight when it ends before it begins): by start and name,
        temporarily closed meetings last. `mask` (over the meetings, in order) narrows further.

        `key` names `keep` (the filters it stands for): its verdicts are remembered under it.
        """
        moment = int(now.timestamp())
        if self.stale(now):
            self.prepare(now)
        _, _, all_starts, all_which = self._window
        lo, hi = np.searchsorted(all_starts, [moment - self._longest, moment + AHEAD_SECONDS])
        starts, which = all_starts[lo:hi], all_which[lo:hi]
        allowed = self._allowed(key, keep)
        if mask is not None:
            allowed = allowed & mask
        wanted = allowed[which] & (starts + self._seconds[which] > moment)
        if day is not None:
            wanted &= (_local_seconds(starts, day[1]) // DAY + 4) % 7 == day[0]
        if hours is not None:
            since, until, zone = hours
            minute = _local_seconds(starts, zone) % DAY // MINUTE
            inside = (minute >= since) & (minute < until)
            wanted &= inside if since < until else (minute >= since) | (minute < until)
        positions = np.flatnonzero(wanted)
        # Each meeting at its first wanted start: np.unique gives the first position of each.
        _, first = np.unique(which[positions], return_index=True)
        positions = positions[np.sort(first)]
        positions = positions[np.argsort(self._rank[which[positions]], kind="stable")]
        return Listing(self._meetings, starts[positions], which[positions])

    def _allowed(self, key: Hashable, keep: Callable[[Meeting], bool]) -> NDArray[np.bool_]:
        allowed = self._kept.get(key)
        if allowed is None:
            if len(self._kept) >= FILTERS_KEPT:
                self._kept.clear()
            allowed = np.fromiter(
                (keep(m) for m in self._meetings), dtype=np.bool_, count=len(self._meetings)
            )
            self._kept[key] = allowed
        return allowed

    @cached_property
    def catalog(self) -> Catalog:
        """The meetings' types, regions, groups, words and places as masks (`bot.browsing`),
        worked out on first use, like the starts."""
        return Catalog(self._meetings)

    @property
    def has_catalog(self) -> bool:
        """Whether `catalog` is worked out (at 20,000 meetings it takes about half a second:
        callers in the event loop build it in a thread first)."""
        return "catalog" in self.__dict__

    def stale(self, now: dt.datetime) -> bool:
        """Whether the kept starts miss some of [now - longest meeting, now + a week and an hour):
        then `coming` works them out first (at 20,000 meetings, about half a second; `prepare`
        can do it in a thread beforehand)."""
        moment = int(now.timestamp())
        since, until, _, _ = self._window
        return not (since <= moment - self._longest and moment + AHEAD_SECONDS <= until)

    def prepare(self, now: dt.datetime) -> None:
        """Work out the starts of the fortnight from `now` (less the longest meeting)."""
        since = int(now.timestamp()) - self._longest
        until = since + int(SPAN.total_seconds())
        first, last = (dt.datetime.fromtimestamp(t, dt.UTC) for t in (since, until))
        by_rule: dict[tuple[object, ...], list[int]] = {}
        rows: list[tuple[int, str, int]] = []
        for index, meeting in enumerate(self._meetings):
            rule = (meeting.day, meeting.time, meeting.timezone)
            known = by_rule.get(rule)
            if known is None:
                found = occurrences(meeting.day, meeting.time, meeting.tz, first, last)
                known = by_rule[rule] = [int(start.timestamp()) for start in found]
            rows.extend((start, meeting.name, index) for start in known)
        rows.sort()
        starts = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        which = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
        self._window = (since, until, starts, which)


def _local_seconds(starts: NDArray[np.int64], zone: ZoneInfo) -> NDArray[np.int64]:
    """Each start (epoch seconds) on `zone`'s wall clock, as seconds from 1970-01-01 there: its
    day is `// DAY` (1970-01-01 was a Thursday, Meeting Guide day 4), its time `% DAY`.

    A zone's offset is read once per half hour the starts fall in (every zone's changes today
    fall on a half hour, UTC), not once per start.
    """
    if not len(starts):
        return np.zeros(0, dtype=np.int64)
    slots, inverse = np.unique(starts // HALF_HOUR, return_inverse=True)
    offsets = np.fromiter(
        (_offset(int(slot) * HALF_HOUR, zone) for slot in slots), dtype=np.int64, count=len(slots)
    )
    return starts + offsets[inverse]


def _offset(moment: int, zone: ZoneInfo) -> int:
    offset = dt.datetime.fromtimestamp(moment, zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0
