"""Two bot processes against one PostgreSQL: a burst goes out exactly once in total, and when one
process is killed the other goes on delivering within seconds and takes over what it held.

Each process talks to its own fake Bot API on loopback, so the test sees who sent what. Needs
PostgreSQL: TEST_DATABASE_URL (CI sets it); the tables are dropped first.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.loopback_api import LoopbackBotApi
from tests.test_kill_restart import (
    TOKEN,
    burst,
    ledger,
    received,
    start_bot,
    terminate,
    wait_until,
    write_config,
)

CHATS = 2000
# The default max_in_flight: on the loopback link one send at a time keeps up with 150 a second,
# so each process has one under way.
SETTINGS = "  overall_per_second: 150\n  paid_broadcast: true\n  lease_seconds: 3\n"


def test_two_processes_share_a_burst_once_and_one_carries_on_when_the_other_dies(
    tmp_path: Path, database_url: str
):
    if not database_url.startswith("postgresql"):
        pytest.skip("two instances share one PostgreSQL (row claims with SKIP LOCKED)")
    content = burst(tmp_path, database_url, CHATS)
    logs = {name: tmp_path / f"{name}.log" for name in ("a", "b")}
    with LoopbackBotApi(TOKEN) as api_a, LoopbackBotApi(TOKEN) as api_b:
        config_a = write_config(tmp_path, "a", api_a, database_url, content, SETTINGS)
        config_b = write_config(tmp_path, "b", api_b, database_url, content, SETTINGS)
        a, b = start_bot(config_a, logs["a"]), start_bot(config_b, logs["b"])
        try:
            wait_until(
                lambda: (
                    sum(received(api_a, api_b).values()) >= 700
                    and min(sum(received(api_a).values()), sum(received(api_b).values())) >= 100
                ),
                40,
                "both processes delivering",
            )
            # While both run, nothing has arrived twice.
            assert max(received(api_a, api_b).values()) == 1
            a.send_signal(signal.SIGKILL)
            a.wait(timeout=10)
            killed_at = time.monotonic()
            b_at_kill = sum(received(api_b).values())
            assert sum(received(api_a, api_b).values()) < CHATS, "over before the kill"
            took = wait_until(
                lambda: sum(received(api_b).values()) >= b_at_kill + 50, 10, "B carries on"
            )
            assert took < 5
            wait_until(lambda: len(received(api_a, api_b)) == CHATS, 40, "every reminder")
            taken_over_after = time.monotonic() - killed_at
            time.sleep(0.5)
        finally:
            if a.poll() is None:
                a.kill()
                a.wait()
            terminate(b, logs["b"])
        counts = received(api_a, api_b)
    assert len(counts) == CHATS
    duplicated = {chat: n for chat, n in counts.items() if n > 1}
    # Only the send A had in flight when it was killed can arrive twice.
    assert len(duplicated) <= 1 and all(n == 2 for n in duplicated.values()), duplicated
    assert taken_over_after < 20  # A's claimed reminders: after its 3 s lease ran out
    assert asyncio.run(ledger(database_url)) == Counter(sent=CHATS)
