"""The bot as a real process in the middle of a reminder burst: SIGKILL and restart, and SIGTERM.

The reminders are put straight into the database (all due now, their meeting half an hour away);
the bot sends them to a fake Bot API on loopback, which counts what arrives per chat.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from bot.checkins import WINDOW_MINUTES, CheckIn
from bot.storage import Delivery, Storage
from scheduler.store import UNLEASED
from tests.conftest import ROOT
from tests.loopback_api import LoopbackBotApi
from tests.seeding import SLUG, meeting_for, next_start, seed, write_content

TOKEN = "123456:BURST-secret-token-value"


def write_config(
    tmp_path: Path,
    name: str,
    api: LoopbackBotApi,
    url: str,
    content: Path,
    reminders: str,
) -> Path:
    config = tmp_path / f"{name}.yaml"
    config.write_text(
        f"telegram:\n  base_url: {api.base_url}\n  mode: polling\n"
        f"database:\n  url: {url}\n"
        f"content:\n  dir: {content}\n"
        f"reminders:\n{reminders}"
    )
    return config


def start_bot(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config)],
            cwd=ROOT,
            env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN},
            stdout=out,
            stderr=out,
        )


# What the bot sends on its reminder engine: a meeting's reminder (to a person or a group chat),
# and the daily check-in.
SENT_BY_THE_ENGINE = ("Reminder:", "How are you today?")


def received(*apis: LoopbackBotApi) -> Counter[int]:
    """Reminders and check-ins received so far, per chat, over every fake API."""
    counts: Counter[int] = Counter()
    for api in apis:
        with api._lock:
            calls = list(api.calls)
        counts.update(
            int(c.params["chat_id"])
            for c in calls
            if c.method == "sendMessage"
            and any(marker in str(c.params.get("text")) for marker in SENT_BY_THE_ENGINE)
        )
    return counts


def wait_until(condition, timeout: float, what: str) -> float:
    """Poll `condition` until it holds; the seconds it took."""
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > timeout:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.02)
    return time.monotonic() - began


async def ledger(url: str) -> Counter[str]:
    storage = await Storage.open(url)
    try:
        async with storage.session() as session:
            rows = await session.execute(
                select(Delivery.status, func.count()).group_by(Delivery.status)
            )
            return Counter(dict(rows.all()))
    finally:
        await storage.close()


async def released(url: str) -> int:
    storage = await Storage.open(url)
    try:
        async with storage.session() as session:
            return int(
                await session.scalar(
                    select(func.count()).where(
                        Delivery.status == "pending", Delivery.updated_at == UNLEASED
                    )
                )
                or 0
            )
    finally:
        await storage.close()


PRIVATE_FIRST, GROUP_FIRST, CHECKIN_FIRST = 1_000_000, -1_001_000_000_000, 3_000_000


def burst_chats(chats: int) -> set[int]:
    """The chats of `burst(..., chats)`: a tenth group chats, a tenth check-ins, the rest people
    reminded of the meeting."""
    tenth = chats // 10
    return (
        set(range(PRIVATE_FIRST, PRIVATE_FIRST + chats - 2 * tenth))
        | set(range(GROUP_FIRST, GROUP_FIRST + tenth))
        | set(range(CHECKIN_FIRST, CHECKIN_FIRST + tenth))
    )


def burst(tmp_path: Path, url: str, chats: int) -> Path:
    """`chats` sends due now (`burst_chats`): reminders of a meeting in half an hour, to people
    and to group chats, and daily check-ins whose hour is under way; the content folder."""
    start = next_start(dt.datetime.now(dt.UTC), 30)
    meeting = meeting_for(start)
    tenth = chats // 10
    checkin = CheckIn(f"{start - dt.timedelta(minutes=WINDOW_MINUTES):%H:%M}", "UTC")
    for count, first, slug in (
        (chats - 2 * tenth, PRIVATE_FIRST, SLUG),
        (tenth, GROUP_FIRST, SLUG),
        (tenth, CHECKIN_FIRST, checkin.slug),
    ):
        asyncio.run(
            seed(
                url,
                chats=count,
                meeting=meeting,
                occurrence=start,
                lead_minutes=60,
                first_chat=first,
                slug=slug,
            )
        )
    return write_content(tmp_path / "content", meeting)


def terminate(process: subprocess.Popen[bytes], log: Path) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0, log.read_text()[-3000:]


# One send under way at a time, as the engine runs on a fast link (max_in_flight 1 makes it the
# rule, however the loopback server answers on a busy machine).
FAST = (
    "  overall_per_second: 1000\n  paid_broadcast: true\n  lease_seconds: 3\n  max_in_flight: 1\n"
)


def test_sigkill_mid_burst_then_restart_delivers_everything_duplicating_only_in_flight(
    tmp_path: Path,
):
    url = f"sqlite+aiosqlite:///{tmp_path / 'burst.sqlite3'}"
    content = burst(tmp_path, url, 2000)
    log = tmp_path / "bot.log"
    with LoopbackBotApi(TOKEN) as api:
        config = write_config(tmp_path, "bot", api, url, content, FAST)
        process = start_bot(config, log)
        try:
            wait_until(lambda: sum(received(api).values()) >= 500, 30, "500 reminders")
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            at_kill = sum(received(api).values())
            assert 500 <= at_kill < 2000, "the burst was over before the kill"
            process = start_bot(config, log)
            wait_until(lambda: len(received(api)) == 2000, 40, "every reminder after restart")
            time.sleep(0.5)  # anything still on its way
        finally:
            terminate(process, log)
        counts = received(api)
    assert set(counts) == burst_chats(2000)
    duplicated = {chat: n for chat, n in counts.items() if n > 1}
    assert all(n == 2 for n in duplicated.values())
    # Only the send in flight at the kill can have arrived twice.
    assert len(duplicated) <= 1, duplicated
    assert asyncio.run(ledger(url)) == Counter(sent=2000)


def test_sigterm_mid_burst_finishes_sends_under_way_starts_nothing_new(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'term.sqlite3'}"
    content = burst(tmp_path, url, 200)
    log = tmp_path / "bot.log"
    slow = "  overall_per_second: 30\n  lease_seconds: 30\n  max_in_flight: 8\n"
    with LoopbackBotApi(TOKEN) as api:
        config = write_config(tmp_path, "bot", api, url, content, slow)
        process = start_bot(config, log)
        try:
            wait_until(lambda: sum(received(api).values()) >= 40, 30, "40 reminders")
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
            assert process.returncode == 0, log.read_text()[-3000:]
            at_exit = received(api)
            time.sleep(0.3)
            assert received(api) == at_exit
            assert sum(at_exit.values()) < 200, "the burst was over before SIGTERM"
            ledger_at_exit = asyncio.run(ledger(url))
            # Every message that went out is recorded; what was claimed and not started was
            # handed back (no lease to wait for).
            assert ledger_at_exit["sent"] == sum(at_exit.values())
            assert asyncio.run(released(url)) == ledger_at_exit["pending"]
            process = start_bot(config, log)
            wait_until(lambda: len(received(api)) == 200, 30, "the rest after restart")
        finally:
            terminate(process, log)
        counts = received(api)
    assert counts == Counter(dict.fromkeys(burst_chats(200), 1))  # exactly once
    assert asyncio.run(ledger(url)) == Counter(sent=200)
