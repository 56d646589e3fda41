"""Run every benchmark: `python -m bench` (or `make bench`). Prints `name: value unit` lines.

Each part runs in a process of its own, as the bot does: no figure carries what an earlier part
left in memory (objects for the garbage collector to walk, warmed caches).
"""

from __future__ import annotations

import platform
import subprocess
import sys

PARTS = (
    ("bench.bench_matching",),
    ("bench.bench_understanding",),
    ("bench.bench_parsing",),
    ("bench.bench_safety",),
    ("bench.bench_throughput",),
    ("bench.bench_directory",),
    ("bench.bench_reminders", "dispatch"),
    ("bench.bench_reminders", "lateness"),
    ("bench.bench_reminders", "limited"),
    ("bench.bench_reminders", "startup"),
)


def main() -> int:
    print(f"# {platform.machine()} {platform.processor() or ''} python {sys.version.split()[0]}")
    sys.stdout.flush()
    failed = 0
    for module, *args in PARTS:
        failed |= subprocess.run([sys.executable, "-m", module, *args], check=False).returncode
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
