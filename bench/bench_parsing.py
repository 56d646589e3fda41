"""Reading typed days and times (bot/personal.py): the development split beside the locked one.

    .venv/bin/python -m bench.bench_parsing

The development split (tests/corpora/dev/) holds the cases the parser was written against; the
locked split (tests/corpora/locked/days.yaml, times.yaml) was written by a helper who never read
the parser or those cases. Each answer counts as
- `right`: the days or the time the person meant (a non-weekly pattern refused; nothing read from
  an answer that holds none);
- `asked`: the bot asks again ("morning or evening?", "which days?") instead of guessing: a cost,
  not a harm;
- `wrong`: a reading the person did not mean, kept silently: a reminder on the wrong day or at the
  wrong hour. The figure that matters most.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.personal import read_days, read_time
from bot.yamlfile import load_yaml

ROOT = Path(__file__).resolve().parent.parent
SPLITS = {"dev": ROOT / "tests/corpora/dev", "locked": ROOT / "tests/corpora/locked"}


def judge_days(case: dict[str, Any]) -> str:
    reading = read_days(case["text"])
    if case.get("not_weekly"):
        return "right" if reading.refused == "irregular" else "wrong" if reading.days else "asked"
    if case.get("unclear"):
        return "wrong" if reading.days else "right"
    if tuple(reading.days) == tuple(case["days"]):
        return "right"
    return "wrong" if reading.days else "asked"


def judge_time(case: dict[str, Any]) -> str:
    reading = read_time(case["text"])
    if case.get("unclear"):
        return "wrong" if reading.time else "right"
    if "either" in case:
        if reading.either is not None and tuple(reading.either) == tuple(case["either"]):
            return "right"
        return "wrong" if reading.time or reading.either else "asked"
    if reading.time == case["time"]:
        return "right"
    if reading.time is None and reading.either is not None and case["time"] in reading.either:
        return "asked"  # "morning or evening?" where the answer said which
    return "wrong" if reading.time or reading.either else "asked"


def score(path: Path, judge: Callable[[dict[str, Any]], str]) -> dict[str, Counter[str]]:
    by_language: dict[str, Counter[str]] = {}
    for case in load_yaml(path).data["cases"]:
        by_language.setdefault(case["language"], Counter())[judge(case)] += 1
    return by_language


def main() -> None:
    parts = (("days", "days.yaml", judge_days), ("times", "times.yaml", judge_time))
    for what, file, judge in parts:
        for split, folder in SPLITS.items():
            if not (folder / file).exists():
                print(f"# parsing_{what}_{split}: no {folder / file}")
                continue
            for language, counts in sorted(score(folder / file, judge).items()):
                total = sum(counts.values())
                kinds = ("right", "asked", "wrong")
                rates = " ".join(f"{k} {counts[k] / total:.3f}" for k in kinds)
                print(f"parsing_{what}_{split}_{language}: {rates} (n={total})")


if __name__ == "__main__":
    main()
