"""Latency of FaqMatcher.match() on the real FAQ, against plain rapidfuzz as a baseline.

Texts: every question and also_asked phrasing of content/en/faq.yaml plus the held-out questions
of tests/test_matching_heldout.py, cycled until at least MIN_CALLS calls. `match_*` is the steady
state (the typo-correction cache warm, as in a running bot); `match_cold_*` clears that cache
before every call, the cost of a question never seen before.

    .venv/bin/python bench/bench_matching.py
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from pathlib import Path
from types import ModuleType

from rapidfuzz import process

from bot.content import FaqEntry, FaqFile, load_content
from bot.matching import FaqMatcher, Lexicon
from bot.yamlfile import load_yaml

ROOT = Path(__file__).resolve().parent.parent
FAQ_PATH = ROOT / "content" / "en" / "faq.yaml"
MIN_CALLS = 5000
WARMUP_CALLS = 200


def _load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _corpus() -> tuple[list[FaqEntry], str]:
    if FAQ_PATH.exists():
        faq = FaqFile.model_validate(load_yaml(FAQ_PATH).data)
        return [e for c in faq.categories for e in c.entries], "faq.yaml"
    fixture = _load_module("_matching_fixture", ROOT / "tests" / "test_matching.py")
    return list(fixture.FIXTURE), "test fixture (faq.yaml missing)"


def _held_out() -> list[tuple[str, str]]:
    module = _load_module("_matching_heldout", ROOT / "tests" / "test_matching_heldout.py")
    return list(module.HELD_OUT)


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _time_calls(texts: list[str], call: object, before: object = None) -> list[float]:
    assert callable(call)
    samples: list[float] = []
    calls = 0
    while calls < MIN_CALLS:
        for text in texts:
            if callable(before):
                before()
            start = time.perf_counter_ns()
            call(text)
            samples.append((time.perf_counter_ns() - start) / 1e6)
            calls += 1
    return samples


def run() -> list[tuple[str, float, str]]:
    entries, source = _corpus()
    held_out = _held_out()
    phrasings = [p for e in entries for p in (e.question, *e.also_asked)]
    texts = phrasings + [text for text, _ in held_out]

    start = time.perf_counter()
    pack = load_content(ROOT / "content").pack("en")
    matcher = FaqMatcher.build(entries, Lexicon(pack.words, pack.vocabulary))
    build_ms = (time.perf_counter() - start) * 1000

    for text in texts[:WARMUP_CALLS]:
        matcher.match(text)
        process.extractOne(text, phrasings)

    warm = _time_calls(texts, matcher.match)
    cold = _time_calls(texts, matcher.match, before=matcher._corrections.clear)
    plain = _time_calls(texts, lambda text: process.extractOne(text, phrasings))

    owner = {p: e.id for e in entries for p in (e.question, *e.also_asked)}
    ids = {e.id for e in entries}
    scored = [(text, expected) for text, expected in held_out if expected in ids]
    ours = sum(1 for t, e in scored if [m.entry_id for m in matcher.rank(t, 1)] == [e])
    baseline_hits = 0
    for text, expected in scored:
        best = process.extractOne(text, phrasings)
        baseline_hits += best is not None and owner[best[0]] == expected
    n = max(1, len(scored))

    p99 = _percentile(warm, 0.99)
    plain_p99 = _percentile(plain, 0.99)
    print(f"# corpus: {source}, {len(entries)} entries, {len(phrasings)} phrasings")
    return [
        ("corpus_entries", float(len(entries)), "entries"),
        ("benchmark_texts", float(len(texts)), "texts"),
        ("build_ms", build_ms, "ms"),
        ("match_p50_ms", statistics.median(warm), "ms"),
        ("match_p99_ms", p99, "ms"),
        ("match_calls", float(len(warm)), "calls"),
        ("match_cold_p50_ms", statistics.median(cold), "ms"),
        ("match_cold_p99_ms", _percentile(cold, 0.99), "ms"),
        ("rapidfuzz_extract_p50_ms", statistics.median(plain), "ms"),
        ("rapidfuzz_extract_p99_ms", plain_p99, "ms"),
        ("match_p99_vs_plain_fuzzy", p99 / plain_p99 if plain_p99 else float("inf"), "x"),
        ("heldout_top1_accuracy", ours / n, "ratio"),
        ("plain_fuzzy_heldout_top1_accuracy", baseline_hits / n, "ratio"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name}: {value:.4g} {unit}")
