"""The send loop: claim what is due, send it within Telegram's limits, record every outcome.

The only reminders that can arrive twice are those whose send was in flight (request made, outcome
not yet committed) when a process died. A process keeps one send in flight, and commits its
outcome before the next starts, unless Telegram answers too slowly for one at a time to reach the
configured rate (`in_flight_for`); then more, never above `max_in_flight`, and outcomes that
arrive together are committed together.

Claims and leases are `scheduler.store`'s, outcomes are written by `scheduler.writer`, and the
send itself comes in as a callback (`Send`: the Telegram glue). Imports nothing from `bot/`; may
import the rest of `scheduler` and the standard library.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import itertools
import logging
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal

from scheduler.limiter import SendLimiter
from scheduler.store import ClaimStore, Due, M, R
from scheduler.writer import OutcomeWriter

_LOGGER = logging.getLogger(__name__)

Outcome = Literal["sent", "blocked", "failed", "flood", "transient"]


@dataclass(frozen=True)
class Attempt:
    """What one send attempt came to, as the transport (Telegram glue) reports it.

    sent; blocked (the person blocked the bot or the chat is gone: never retried); failed
    (refused for good); flood (429: wait `retry_after` seconds, then again); transient (network
    error or 5xx: again after a backoff, a bounded number of times).
    """

    outcome: Outcome
    retry_after: float = 0.0


Send = Callable[[Due[M, R]], Awaitable[Attempt]]
Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Policy:
    """How hard to try: transient errors are retried with exponential backoff (capped at
    `max_backoff_seconds`) until the meeting begins.

    `max_in_flight` caps the sends under way at once. With `target_rate` (sends a second, the
    configured limit) the dispatcher uses only as many as that rate needs (see
    `Dispatcher.in_flight_allowed`); without it, always `max_in_flight`.
    """

    max_in_flight: int = 16
    batch: int = 100
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    target_rate: float | None = None


async def nap(
    seconds: float, *, clock: Clock, sleep: Sleep, should_stop: Callable[[], bool]
) -> None:
    """Sleep `seconds` by `clock` in short steps, waking early when `should_stop` says so.

    Never longer than `seconds` in all, even when `clock` stands still (a test's fixed clock).
    """
    step = 0.25
    end = clock() + dt.timedelta(seconds=seconds)
    for _ in range(math.ceil(max(seconds, 0) / step) + 1):
        left = (end - clock()).total_seconds()
        if left <= 0 or should_stop():
            return
        await sleep(min(left, step))


def in_flight_for(rate: float | None, cap: int, answer_times: Sequence[float]) -> int:
    """How many sends to have under way: as few as keep up with `rate` sends a second.

    One at a time, unless Telegram's answers take so long that one at a time cannot reach `rate`:
    then rate x answer time, taking the shortest of the recent `answer_times` (seconds) so that
    time spent waiting in a rate limiter does not count as distance; never more than `cap`. With
    no `rate`, always `cap`. Every send under way is one that a hard crash could make arrive
    twice, so this is also the crash window.
    """
    if rate is None or cap <= 1:
        return max(cap, 1)
    if not answer_times:
        return 1
    return max(1, min(cap, math.ceil(rate * min(answer_times))))


class _Recorder:
    """Records outcomes as they come, one write at a time on one connection: a send's own
    outcome is written at once when no write is under way; whatever arrives during a write goes
    in the next one (a group commit, when several sends are in flight)."""

    def __init__(self, engine: ClaimStore[Any, Any], clock: Clock) -> None:
        self._writer = OutcomeWriter(engine.storage.engine, engine.deliveries)
        self._clock = clock
        self._waiting: list[tuple[int, str, asyncio.Future[None]]] = []
        self._writing = False
        self._later: asyncio.Task[None] | None = None

    async def record(self, delivery_id: int, status: str) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery_id, status, future))
        if not self._writing:
            self._writing = True
            await self._write_batch()  # ours, and anything that waited with it
            if self._waiting:  # arrived meanwhile: written in the background, our slot is free
                self._later = asyncio.create_task(self._write_rest())
            else:
                self._writing = False
        await future

    async def record_all(self, outcomes: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
        """Record several outcomes (as one write where they meet); those that were refused."""
        results = await asyncio.gather(
            *(self.record(delivery_id, status) for delivery_id, status in outcomes),
            return_exceptions=True,
        )
        return [o for o, result in zip(outcomes, results, strict=True) if result is not None]

    async def _write_rest(self) -> None:
        try:
            while self._waiting:
                await self._write_batch()
        finally:
            self._writing = False

    async def _write_batch(self) -> None:
        batch, self._waiting = self._waiting, []
        try:
            await self._writer.write([(i, s) for i, s, _ in batch], self._clock())
        except Exception as exc:  # noqa: BLE001 - every waiter learns of it
            for *_, future in batch:
                if not future.done():
                    future.set_exception(exc)
        else:
            for *_, future in batch:
                if not future.done():
                    future.set_result(None)

    async def close(self) -> None:
        if self._later is not None:
            await asyncio.gather(self._later, return_exceptions=True)
        await self._writer.close()


class Dispatcher(Generic[M, R]):
    """One delivery run: claim what is due, send it within the limits, record every outcome.

    Sends go concurrently (up to `max_in_flight`) through `limiter`; a run ends when nothing more
    is due, or when `should_stop` says so: then sends under way finish, nothing new starts, and
    what was claimed but not started is released for another process (or the next start).
    """

    def __init__(
        self,
        engine: ClaimStore[M, R],
        send: Send[M, R],
        *,
        clock: Clock,
        limiter: SendLimiter | None = None,
        sleep: Sleep = asyncio.sleep,
        should_stop: Callable[[], bool] = lambda: False,
        policy: Policy = Policy(),
        take_over_only: bool = False,
        timer: Callable[[], float] = time.monotonic,
        cpu_timer: Callable[[], float] = time.thread_time,
    ) -> None:
        self.engine = engine
        # How long the recent sends waited for Telegram's answer (seconds): the time each took by
        # `timer`, less the time this thread spent working on it (`cpu_timer`), so that a busy or
        # slow machine is not mistaken for a distant Telegram.
        self._timer, self._cpu_timer = timer, cpu_timer
        self._answer_times: deque[float] = deque(maxlen=32)
        # Claim the next batch while this one is sent, except on SQLite: it has one writer at a
        # time, and an outcome write that meets a claim waits in SQLite's busy handler (1 ms
        # naps and up), which costs more than the claim itself.
        self._prefetch = engine.storage.engine.dialect.name != "sqlite"
        self._send = send
        self._clock = clock
        self._limiter = limiter
        self._raw_sleep = sleep
        self._should_stop = should_stop
        self.policy = policy
        # Only what a stopped process left behind, once (start-up), not newly due reminders.
        self._take_over_only = take_over_only
        self._recorder = _Recorder(engine, clock)
        self._held: dict[int, dt.datetime] = {}
        self._unstarted: set[int] = set()
        self._blocked: set[int] = set()
        self._renewed_at = clock()
        self._taken_over_at: dt.datetime | None = None
        self._lease_lock = asyncio.Lock()
        # Sends waiting out a transient error's backoff: (ready at, order, due, errors so far).
        self._retries: list[tuple[dt.datetime, int, Due[M, R], int]] = []
        self._retry_order = itertools.count()
        # Outcomes the database refused, written again before any new send starts.
        self._unrecorded: list[tuple[int, str]] = []
        self._flush_lock = asyncio.Lock()
        self.report: Counter[str] = Counter()

    async def sleep(self, seconds: float) -> None:
        """Sleep up to `seconds`, waking early when the run should stop."""
        await nap(seconds, clock=self._clock, sleep=self._raw_sleep, should_stop=self._should_stop)

    async def run(self) -> Counter[str]:
        """Deliver everything due now; counts of what happened (sent, missed, failed...)."""
        tasks: set[asyncio.Task[None]] = set()
        queue: deque[Due[M, R]] = deque()
        claiming: asyncio.Task[list[Due[M, R]]] | None = None
        exhausted = False  # a claim came back empty: nothing more is due for now
        try:
            while not self._should_stop():
                # Claim the next batch while this one is being sent (never two claims at once).
                if (
                    claiming is None
                    and not exhausted
                    and (not queue or (self._prefetch and len(queue) <= self.policy.batch // 2))
                ):
                    claiming = asyncio.create_task(self._claim())
                retry = self._ready_retry()
                if retry is None and not queue:
                    if claiming is not None:
                        fresh = await claiming
                        claiming = None
                        exhausted = not fresh
                        queue.extend(fresh)
                        continue
                    if not self._retries and not tasks:
                        break
                    # Only sends waiting for a retry (or under way): wait for the first, then
                    # look for newly due reminders again.
                    await self._wait_for_retry(tasks)
                    exhausted = False
                    continue
                job = retry if retry is not None else (queue.popleft(), 0)
                allowed = self.in_flight_allowed()
                if allowed == 1 and not tasks:
                    # One at a time (the usual case): no task to make and wait for.
                    self.report["in_flight_peak"] = max(self.report["in_flight_peak"], 1)
                    await self._deliver(*job)
                    continue
                while len(tasks) >= allowed:
                    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                if self._should_stop():
                    self._unstarted.add(job[0].delivery_id)
                    break
                task = asyncio.create_task(self._deliver(*job))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                if len(tasks) > self.report["in_flight_peak"]:
                    self.report["in_flight_peak"] = len(tasks)
        finally:
            if claiming is not None:
                # A claim under way finishes (its rows are ours now) and is released unsent.
                done = await asyncio.gather(claiming, return_exceptions=True)
                if isinstance(done[0], list):
                    queue.extend(done[0])
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            self._unstarted.update(due.delivery_id for due in queue)
            self._unstarted.update(due.delivery_id for _, _, due, _ in self._retries)
            self._retries.clear()
            # Outcomes the database refused: written before this run ends (or the process stops).
            await self._flush_unrecorded()
            await self._release()
            await self._recorder.close()
        return self.report

    def _ready_retry(self) -> tuple[Due[M, R], int] | None:
        """A send whose backoff is over (the earliest), with its count of transient errors."""
        if self._retries and self._retries[0][0] <= self._clock():
            _, _, due, transient = heapq.heappop(self._retries)
            return due, transient
        return None

    def _retry_later(self, due: Due[M, R], transient: int) -> None:
        """Try `due` again after its backoff, without holding a send slot meanwhile. At start-up
        (`take_over_only`, before updates are taken) it is handed back instead, for the
        background loop to retry: an outage never holds up the start."""
        if self._take_over_only:
            self._unstarted.add(due.delivery_id)
            return
        delay = min(
            self.policy.backoff_seconds * 2 ** (transient - 1), self.policy.max_backoff_seconds
        )
        ready_at = self._clock() + dt.timedelta(seconds=delay)
        heapq.heappush(self._retries, (ready_at, next(self._retry_order), due, transient))

    async def _wait_for_retry(self, tasks: set[asyncio.Task[None]]) -> None:
        """Until the earliest retry is due, or a send under way ends; leases stay renewed."""
        if self._retries:
            seconds = (self._retries[0][0] - self._clock()).total_seconds()
            if self.engine.lease is not None:  # awake in time to renew the leases
                seconds = min(seconds, self.engine.lease.total_seconds() / 3)
            sleeper = asyncio.create_task(self.sleep(max(seconds, 0.0)))
            await asyncio.wait({sleeper, *tasks}, return_when=asyncio.FIRST_COMPLETED)
            if not sleeper.done():
                sleeper.cancel()
                await asyncio.gather(sleeper, return_exceptions=True)
        elif tasks:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        await self._renew_leases()

    def in_flight_allowed(self) -> int:
        """How many sends may be under way now (see `in_flight_for`)."""
        return in_flight_for(self.policy.target_rate, self.policy.max_in_flight, self._answer_times)

    async def _claim(self) -> list[Due[M, R]]:
        now = self._clock()
        lease = self.engine.lease
        if self._take_over_only and self._taken_over_at is not None:
            return []
        try:
            taken: list[Due[M, R]] = []
            if (
                self._taken_over_at is None
                or lease is None
                or now - self._taken_over_at >= lease / 3
            ):
                self._taken_over_at = now
                taken = [
                    d
                    for d in await self.engine.take_over(now, self.policy.batch)
                    if d.delivery_id not in self._held
                ]
            fresh = taken
            if not self._take_over_only and len(taken) < self.policy.batch:
                fresh += await self.engine.claim_due(now, self.policy.batch - len(taken))
        except Exception:
            _LOGGER.exception("could not claim due reminders; trying again shortly")
            self.report["claim_errors"] += 1
            await self.sleep(1.0)
            return []
        stamp = self.engine.stamp(now)
        for due in fresh:
            self._held[due.delivery_id] = stamp
        if not self._held or len(self._held) == len(fresh):
            self._renewed_at = now
        self.report["claimed"] += len(fresh)
        return fresh

    async def _still_held(self, delivery_id: int) -> bool:
        """Renew the leases when a third of one has gone by; whether this row is still ours."""
        if not await self._renew_leases():
            return False
        return delivery_id in self._held

    async def _renew_leases(self) -> bool:
        """Renew the leases when a third of one has gone by; False when the renewal failed."""
        lease = self.engine.lease
        if lease is not None and self._clock() - self._renewed_at >= lease / 3:
            async with self._lease_lock:
                now = self._clock()
                if now - self._renewed_at >= lease / 3:
                    held = dict(self._held)
                    try:
                        kept = await self.engine.renew(held, now)
                    except Exception:
                        _LOGGER.exception("could not renew reminder leases")
                        return False
                    lost = held.keys() - kept.keys()
                    if lost:
                        _LOGGER.warning("%d claimed reminders were taken over elsewhere", len(lost))
                    # Claimed or recorded while the renewal ran: those entries stay as they are.
                    for lost_id in lost:
                        self._held.pop(lost_id, None)
                    for kept_id, stamp in kept.items():
                        if kept_id in self._held:
                            self._held[kept_id] = stamp
                    self._renewed_at = now
        return True

    async def _record(self, due: Due[M, R], status: str) -> None:
        self.report[status] += 1
        try:
            await self._recorder.record(due.delivery_id, status)
        except Exception as exc:  # noqa: BLE001 - kept, and written before the next send starts
            # The row stays pending under our lease: until the outcome is written, no new send
            # starts (`_flush_unrecorded`), so what the database missed is only what was in
            # flight, and the outcome lands before the lease can run out elsewhere.
            _LOGGER.warning("could not record a reminder's outcome: %s", type(exc).__name__)
            self.report["record_errors"] += 1
            self._unrecorded.append((due.delivery_id, status))
            return
        self._held.pop(due.delivery_id, None)

    async def _flush_unrecorded(self) -> None:
        """Write the outcomes the database refused, trying again (1 s, 2 s... up to 10 s) until
        it takes them or the run stops; sends wait for this (one writer at a time)."""
        async with self._flush_lock:
            delay = 1.0
            while self._unrecorded:
                batch, self._unrecorded = self._unrecorded, []
                refused = await self._recorder.record_all(batch)
                self._unrecorded[:0] = refused
                for outcome in set(batch) - set(refused):
                    self._held.pop(outcome[0], None)
                if not refused:
                    return
                if self._should_stop():
                    _LOGGER.warning(
                        "stopping with %d reminder outcomes unrecorded (sent again after the "
                        "lease)",
                        len(refused),
                    )
                    return
                self.report["record_waits"] += 1
                await self.sleep(delay)
                delay = min(delay * 2, 10.0)
                await self._renew_leases()

    async def _deliver(self, due: Due[M, R], transient: int = 0) -> None:
        """One attempt at `due` (a send, or recording why not); a flood or transient error puts
        it back for later. Nothing new starts while an outcome waits to be recorded."""
        while True:
            if self._unrecorded:
                await self._flush_unrecorded()
                if self._unrecorded:  # stopping, the database still refusing
                    self._unstarted.add(due.delivery_id)
                    return
            limited = (
                self._limiter.slot(due.chat_id)
                if self._limiter is not None
                else contextlib.nullcontext()
            )
            async with limited:
                if self._should_stop():
                    self._unstarted.add(due.delivery_id)
                    return
                if self._clock() >= due.occurrence_at:
                    await self._record(due, "missed")  # never sent after the meeting began
                    return
                if due.chat_id in self._blocked:
                    await self._record(due, "failed")
                    return
                if not await self._still_held(due.delivery_id):
                    self.report["lost"] += 1
                    return
                began, worked = self._timer(), self._cpu_timer()
                try:
                    attempt = await self._send(due)
                except Exception:
                    _LOGGER.exception("sending a reminder raised")
                    attempt = Attempt("failed")
                waited = (self._timer() - began) - (self._cpu_timer() - worked)
                self._answer_times.append(max(waited, 0.0))
            if attempt.outcome == "flood":
                self.report["flood"] += 1
                if self._limiter is not None:
                    self._limiter.pause(attempt.retry_after)  # every send waits it out
                else:
                    await self.sleep(attempt.retry_after)
                continue
            if attempt.outcome == "transient":
                # Tried again until its meeting begins (then recorded missed), after a backoff
                # spent off the send slot: the others go on meanwhile.
                self.report["transient"] += 1
                self._retry_later(due, transient + 1)
                return
            if attempt.outcome == "blocked":
                self._blocked.add(due.chat_id)
                self.report["blocked"] += 1
                await self._record(due, "failed")
                return
            await self._record(due, attempt.outcome)
            return

    async def _release(self) -> None:
        unstarted = {i: self._held[i] for i in self._unstarted if i in self._held}
        self._unstarted.clear()
        if not unstarted:
            return
        try:
            await self.engine.release(unstarted)
            self.report["released"] += len(unstarted)
        except Exception:
            _LOGGER.exception("could not release claimed reminders (they wait for the lease)")
        for delivery_id in unstarted:
            self._held.pop(delivery_id, None)
