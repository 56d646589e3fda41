"""Latency of CrisisDetector.assess(): typical messages, and the worst full-length ones.

These figures were timing pins in tests/test_safety.py (flaky on a busy machine); the tests keep
the behaviour (every message assessed), the bench reports the time. Uses the test corpora.

    .venv/bin/python -m bench.bench_safety
"""

from __future__ import annotations

import time

from bot.safety import MAX_CHARS
from tests.test_safety import CONCERN, CRISIS, DETECTOR, NOT_DANGER

ROUNDS = 3


def main() -> None:
    messages = [c[0] for c in CRISIS] + list(CONCERN) + list(NOT_DANGER)
    start = time.perf_counter()
    for _ in range(ROUNDS):
        for text in messages:
            DETECTOR.assess(text)
    per_message = (time.perf_counter() - start) / (ROUNDS * len(messages))
    print(f"safety_assess_typical: {per_message * 1e3:.3f} ms")
    worst = 0.0
    for text in ("a" * MAX_CHARS, ("i want to kill myself " * 400)[:MAX_CHARS], "ab" * 3000):
        start = time.perf_counter()
        DETECTOR.assess(text)
        worst = max(worst, time.perf_counter() - start)
    print(f"safety_assess_full_length_worst: {worst * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
