"""Run every benchmark: `python -m bench` (or `make bench`). Prints `name: value unit` lines."""

from __future__ import annotations

import platform
import sys

from bench import bench_matching, bench_reminders, bench_throughput


def main() -> int:
    print(f"# {platform.machine()} {platform.processor() or ''} python {sys.version.split()[0]}")
    for module in (bench_matching, bench_throughput, bench_reminders):
        for name, value, unit in module.run():
            print(f"{name}: {value:.4g} {unit}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
