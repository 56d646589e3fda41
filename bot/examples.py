"""Labelled example messages, the learned readers' training data, kept in content.

`content/<language>/examples/questions.yaml` holds ways people ask, each labelled with the FAQ
entry that answers it, a feature of the bot (`intent:grounding`...) or `out_of_scope`;
`content/<language>/examples/safety.yaml` holds messages labelled with what the safety check should
do (`crisis`, `gentle`, `none`) and the kind of danger. Organizers extend both; the models are
retrained from them. They are written, never collected from users.

The content contract layer: reads YAML files, imports nothing else of the bot but `bot.yamlfile`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from bot.yamlfile import YamlFileError, load_yaml

QUESTIONS_FILE = Path("examples") / "questions.yaml"
SAFETY_FILE = Path("examples") / "safety.yaml"
DANGER_WORDS_FILE = Path("danger_words.yaml")

Expect = Literal["crisis", "gentle", "none"]
Kind = Literal["self_harm", "overdose", "other_danger", "abuse", "none"]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
_Label = Annotated[
    str, StringConstraints(pattern=r"^(?:[a-z0-9][a-z0-9-]*|intent:[a-z]+|out_of_scope)$")
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionExample(_Model):
    text: _Text
    label: _Label


class SafetyExample(_Model):
    text: _Text
    expect: Expect
    kind: Kind = "none"
    category: str | None = None

    @model_validator(mode="after")
    def _kind_only_for_crisis(self) -> SafetyExample:
        # A kind names the crisis reply; on a gentle or ordinary example it says nothing the
        # model learns, and misleads whoever reads the file.
        if self.expect != "crisis" and self.kind != "none":
            raise ValueError(f"kind {self.kind!r} is for crisis examples only (expect: crisis)")
        return self


class _QuestionsFile(_Model):
    messages: tuple[QuestionExample, ...] = Field(default=())


class _SafetyFile(_Model):
    messages: tuple[SafetyExample, ...] = Field(default=())


class _WordsFile(_Model):
    words: tuple[_Text, ...] = Field(default=())


@dataclass(frozen=True)
class Examples:
    """One language's labelled examples (empty when the language has none)."""

    questions: tuple[QuestionExample, ...] = ()
    safety: tuple[SafetyExample, ...] = ()
    danger_words: tuple[str, ...] = ()


class ExamplesError(ValueError):
    """A file of examples that cannot be used, with `file:line: what` in its message."""


def _read(path: Path, model: type[_Model]) -> _Model | None:
    if not path.exists():
        return None
    try:
        loaded = load_yaml(path)
    except YamlFileError as exc:
        raise ExamplesError(str(exc)) from exc
    try:
        return model.model_validate(loaded.data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        line = loaded.line_of(tuple(first["loc"]))
        where = ".".join(str(p) for p in first["loc"])
        raise ExamplesError(f"{path}:{line}: {where}: {first['msg']}") from exc


def load_examples(language_dir: Path) -> Examples:
    """The examples kept in `language_dir`; ExamplesError naming the line of a bad one."""
    questions = _read(language_dir / QUESTIONS_FILE, _QuestionsFile)
    safety = _read(language_dir / SAFETY_FILE, _SafetyFile)
    words = _read(language_dir / DANGER_WORDS_FILE, _WordsFile)
    for word in words.words if isinstance(words, _WordsFile) else ():
        try:
            re.compile(word)
        except re.error as exc:
            raise ExamplesError(f"{language_dir / DANGER_WORDS_FILE}: {word!r}: {exc}") from exc
    return Examples(
        questions=questions.messages if isinstance(questions, _QuestionsFile) else (),
        safety=safety.messages if isinstance(safety, _SafetyFile) else (),
        danger_words=words.words if isinstance(words, _WordsFile) else (),
    )
