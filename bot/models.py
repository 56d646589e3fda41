"""The learned readers' models, trained from content (or read from their cache) for each language.

A service: reads the example files and the cache folder, and trains with `bot.classifier` when the
cache has no model for exactly these examples. Training is deterministic, so a cached model and a
freshly trained one are the same; the cache only saves start-up time.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.classifier import LinearModel, train, trained
from bot.content import Content
from bot.danger import GENTLE, SAFE, label_of
from bot.examples import QUESTIONS_FILE, Examples, ExamplesError, load_examples
from bot.understanding import INTENT_PREFIX, INTENTS, OUT_OF_SCOPE, training_set

_LOGGER = logging.getLogger(__name__)
DEFAULT_CACHE = Path("data") / "models"


@dataclass(frozen=True)
class Models:
    """Per language: the question model (None where the language has too few examples)."""

    questions: Mapping[str, LinearModel] = field(default_factory=dict)
    examples: Mapping[str, Examples] = field(default_factory=dict)
    # One safety model for every language: a message in any language is checked against all.
    safety: LinearModel | None = None

    @property
    def danger_words(self) -> tuple[str, ...]:
        """Every language's danger vocabulary (the floor applies whatever the user's language)."""
        return tuple(word for found in self.examples.values() for word in found.danger_words)


def question_pairs(content: Content, language: str, examples: Examples) -> list[tuple[str, str]]:
    """The question model's training pairs for `language`: its FAQ, then its examples."""
    pack = content.packs[language]
    faq = [(e.id, e.question, e.also_asked) for c in pack.faq.categories for e in c.entries]
    return training_set(faq, [(q.text, q.label) for q in examples.questions])


def build_models(content: Content, content_dir: Path, cache_dir: Path | None) -> Models:
    """Train (or read from `cache_dir`) every language's models; ExamplesError on a bad file."""
    questions: dict[str, LinearModel] = {}
    examples: dict[str, Examples] = {}
    built: dict[int, LinearModel] = {}
    for language, pack in content.packs.items():
        found = load_examples(content_dir / language)
        examples[language] = found
        unknown = unknown_labels(content, language, found)
        if unknown:
            path = content_dir / language / QUESTIONS_FILE
            raise ExamplesError(f"{path}: labels that name no FAQ entry: {', '.join(unknown)}")
        key = id(pack.faq) if not found.questions else id(found)
        if key not in built:
            pairs = question_pairs(content, language, found)
            if len({label for _, label in pairs}) < 2:
                continue
            built[key] = trained(pairs, cache_dir)
        questions[language] = built[key]
    return Models(questions=questions, examples=examples, safety=safety_model(examples, cache_dir))


def folds(count: int, k: int = 5, seed: int = 7) -> list[list[int]]:
    """`range(count)` dealt into `k` folds in a fixed shuffled order (the same every run)."""
    order = list(range(count))
    random.Random(seed).shuffle(order)  # noqa: S311 - a fixed deal of examples, not a secret
    return [order[fold::k] for fold in range(k) if order[fold::k]]


def cross_validation(
    base: Sequence[tuple[str, str]], examples: Sequence[tuple[str, str]], k: int = 5
) -> Iterator[tuple[LinearModel, list[int]]]:
    """For each fold of `examples`: a model trained on `base` and the other folds, and the
    indexes of the held-out examples it is to be scored on. No example is scored by a model
    that saw it; `base` (an FAQ's own phrasings) is always trained on."""
    for held in folds(len(examples), k):
        held_set = set(held)
        rest = [pair for i, pair in enumerate(examples) if i not in held_set]
        yield train([*base, *rest]), held


def unknown_labels(content: Content, language: str, examples: Examples) -> list[str]:
    """Labels of `language`'s question examples that name no FAQ entry, intent or
    `out_of_scope` (a typo in an id would silently teach the model a new answer)."""
    pack = content.packs[language]
    known = {e.id for c in pack.faq.categories for e in c.entries}
    known |= {OUT_OF_SCOPE, *(INTENT_PREFIX + intent for intent in INTENTS)}
    return sorted({q.label for q in examples.questions if q.label not in known})


def safety_pairs(examples: Mapping[str, Examples]) -> list[tuple[str, str]]:
    """The safety model's training pairs: every language's safety examples, in content order."""
    return [
        (example.text, label_of(example.expect, example.kind))
        for language in sorted(examples)
        for example in examples[language].safety
    ]


def safety_model(examples: Mapping[str, Examples], cache_dir: Path | None) -> LinearModel | None:
    pairs = safety_pairs(examples)
    if len({label for _, label in pairs}) < 2:
        return None
    return trained(pairs, cache_dir)


def model_report(content: Content, content_dir: Path, *, cross_validate: bool = True) -> list[str]:
    """Cross-validated scores of the models the examples would train, a line each, for
    `check-content`: how often a held-out example gets its own label back. ExamplesError on a
    bad examples file."""
    lines: list[str] = []
    examples = {language: load_examples(content_dir / language) for language in content.packs}
    for language, found in examples.items():
        unknown = unknown_labels(content, language, found)
        if unknown:
            path = content_dir / language / QUESTIONS_FILE
            raise ExamplesError(f"{path}: labels that name no FAQ entry: {', '.join(unknown)}")
        pairs = [(q.text, q.label) for q in found.questions]
        if len(pairs) < 10 or not cross_validate:
            continue
        base = question_pairs(content, language, Examples())
        right = sum(
            model.ranked(pairs[i][0], 1)[0][0] == pairs[i][1]
            for model, held in cross_validation(base, pairs)
            for i in held
        )
        lines.append(
            f"question model ({language}): {right / len(pairs):.1%} of {len(pairs)} examples "
            "get their own label back when held out"
        )
    pairs = safety_pairs(examples)
    if len(pairs) >= 10 and cross_validate:
        dangerous = {i for i, (_, label) in enumerate(pairs) if label not in (SAFE, GENTLE)}
        caught = sum(
            model.ranked(pairs[i][0], 1)[0][0] != SAFE
            for model, held in cross_validation([], pairs)
            for i in held
            if i in dangerous
        )
        lines.append(
            f"safety model: {caught / max(1, len(dangerous)):.1%} of {len(dangerous)} danger "
            "examples read as danger or worry when held out (the rules and the floor add to it)"
        )
    return lines
