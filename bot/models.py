"""The learned readers' models, trained from content (or read from their cache) for each language.

A service: reads the example files and the cache folder, and trains with `bot.classifier` when the
cache has no model for exactly these examples. Training is deterministic, so a cached model and a
freshly trained one are the same; the cache only saves start-up time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.classifier import LinearModel, trained
from bot.content import Content
from bot.danger import label_of
from bot.examples import Examples, load_examples
from bot.understanding import training_set

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
        key = id(pack.faq) if not found.questions else id(found)
        if key not in built:
            pairs = question_pairs(content, language, found)
            if len({label for _, label in pairs}) < 2:
                continue
            built[key] = trained(pairs, cache_dir)
        questions[language] = built[key]
    return Models(questions=questions, examples=examples, safety=safety_model(examples, cache_dir))


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
