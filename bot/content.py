"""Load and validate the curated content in `content/` into frozen objects.

Layout: one folder per language (`content/en/`, `content/es/`...), each with up to seven files:
`faq.yaml`, `grounding.yaml`, `safety.yaml`, `ui.yaml`, `safety_plan.yaml` (the steps of a personal
safety plan), `vocabulary.yaml` (the recovery words the question matcher knows) and
`meeting_types.yaml`. The default language must have the first five; another language may
translate any of them, file by file (ui.yaml key by key, safety.yaml region by region), and falls
back to the default language for the rest. Each language's generic resources for reading
questions (contractions, chat spelling, stop words) are package data, `bot/lang/<language>.yaml`,
validated the same way; a language without them reads with the default language's. Every problem
is reported as `file:line: entry id: what is wrong`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import string
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.patterns import compile_pattern
from bot.yamlfile import LoadedYaml, Path_, YamlFileError, load_yaml

# Telegram caps a message at 4096 characters; keep room for the title and the escaping.
MAX_MESSAGE_CHARS = 3500
# Button labels longer than this are cut by Telegram clients on a phone.
MAX_BUTTON_CHARS = 64
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
CrisisKind = Literal["self_harm", "overdose", "other_danger", "abuse"]
CRISIS_KINDS: tuple[CrisisKind, ...] = ("self_harm", "overdose", "other_danger", "abuse")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    """Where a fact comes from: a title and, where there is one, an address."""

    title: Text
    url: str | None = None


class FaqEntry(_Model):
    """One question with its curated answer."""

    id: Id
    question: Text
    also_asked: tuple[Text, ...] = ()
    keywords: tuple[Text, ...] = ()
    answer: Text
    see_also: tuple[Id, ...] = ()
    sources: tuple[Source, ...] = Field(min_length=1)
    # When the answer last changed in substance; a translation older than its source is reported.
    updated: dt.date | None = None
    # Show the region's emergency line beneath the answer (naloxone, the signs of an overdose).
    emergency: bool = False


class FaqCategory(_Model):
    """A topic that groups questions for browsing."""

    id: Id
    title: Text
    entries: tuple[FaqEntry, ...] = Field(min_length=1)


class FaqFile(_Model):
    categories: tuple[FaqCategory, ...] = Field(min_length=1)


class Step(_Model):
    """One step of an exercise; `seconds` is how long to wait after it when guided."""

    text: Text
    seconds: int = Field(default=0, ge=0, le=120)


class Situation(_Model):
    """A situation people look for help with (panic, craving...), used as a `when` tag."""

    id: Id
    label: Text


class Exercise(_Model):
    """A grounding exercise."""

    id: Id
    title: Text
    summary: Text
    when: tuple[Id, ...] = Field(min_length=1)
    steps: tuple[Step, ...] = Field(min_length=1)
    guided: bool = False
    rounds: int = Field(default=1, ge=1, le=10)
    caution: Text | None = None
    sources: tuple[Source, ...] = Field(min_length=1)
    updated: dt.date | None = None


class GroundingFile(_Model):
    situations: tuple[Situation, ...] = Field(min_length=1)
    exercises: tuple[Exercise, ...] = Field(min_length=1)


class RegionResources(_Model):
    """What to tell people in one region: the crisis message first, then the specific ones."""

    name: Text
    crisis: Text
    crisis_line: Text
    # The emergency number in one line, shown beneath an FAQ answer to a question about
    # overdose or naloxone (the answer first, since it is information that was asked for).
    emergency_line: Text
    overdose: Text
    abuse: Text
    other_danger: Text


class ConcernContent(_Model):
    """The gentle second-tier check and what follows each of its buttons."""

    question: Text
    safe_button: Text
    help_button: Text
    grounding_button: Text
    safe_reply: Text


class DetectionRules(_Model):
    """Phrases (regular expressions) that signal danger, and the phrases that cancel them.

    Every pattern is matched on normalised text: lower case, accents removed, apostrophes dropped
    (in the patterns too, so `i'm` also matches "im"), runs of 3+ equal letters cut to one, one
    clause at a time (clauses end at punctuation and where a `breaks` pattern starts).
    """

    crisis: dict[CrisisKind, tuple[Text, ...]] = Field(default_factory=dict)
    concern: tuple[Text, ...] = ()
    # Idioms and quitting talk: a danger phrase that overlaps one of these is not danger.
    safe: tuple[Text, ...] = ()
    # Negation ("not", "never", "no"): cancels a danger phrase when it ends right before it.
    negation: tuple[Text, ...] = ()
    # History markers ("years ago", "back in 2019"): cancel every danger phrase in their clause.
    past: tuple[Text, ...] = ()
    # Words that start a new clause ("but", "now", "pero"), so history and negation stay local.
    breaks: tuple[Text, ...] = ()


class SafetyFile(_Model):
    regions: dict[str, RegionResources] = Field(default_factory=dict)
    concern: ConcernContent | None = None
    detection: DetectionRules = DetectionRules()


# The Stanley-Brown Safety Planning Intervention's steps, in its order: organizers word them, the
# steps themselves are the intervention. `professionals` also offers the region's crisis line.
SAFETY_PLAN_STEPS: tuple[str, ...] = (
    "warning-signs",
    "coping",
    "distraction",
    "help",
    "professionals",
    "environment",
    "reasons",
)
# Telegram's limit is 4096 characters (UTF-16 units, after HTML parsing); a little room is kept.
SAFETY_PLAN_CHARS = 4000
# What the plan's own texts (title, headings, notes, a region's crisis line) may take of it; the
# rest is for the person's answers.
SAFETY_PLAN_FIXED_CHARS = 1200


class SafetyPlanStep(_Model):
    """One step of the safety plan: a heading for the finished plan, a question and an example."""

    id: str
    heading: Text
    question: Text
    example: Text


class SafetyPlanFile(_Model):
    """The personal safety plan (`safety_plan.yaml`): asked step by step, sent back whole."""

    title: Text
    intro: Text
    steps: tuple[SafetyPlanStep, ...]
    # Shown on the `professionals` step, before the region's crisis line.
    crisis_line_intro: Text
    # The last lines of the finished plan: pin it; and, when long answers were shortened, that.
    pin: Text
    trimmed: Text
    # The finished plan when every step was skipped.
    empty: Text
    sources: tuple[Source, ...] = Field(min_length=1)


class UiFile(_Model):
    model_config = ConfigDict(extra="allow", frozen=True)


class MeetingNamesFile(_Model):
    """What meeting type codes and program codes are called (`meeting_types.yaml`)."""

    types: dict[str, Text] = Field(default_factory=dict)
    programs: dict[str, Text] = Field(default_factory=dict)


class VocabularyFile(_Model):
    """Recovery vocabulary (`vocabulary.yaml`): the words and phrases that mean one concept to
    the question matcher, and the concepts that also say another ("have to share" is talking)."""

    concepts: dict[str, tuple[Text, ...]] = Field(default_factory=dict)
    implies: dict[str, tuple[Text, ...]] = Field(default_factory=dict)


class LanguageFile(_Model):
    """A language's generic resources for reading questions (`bot/lang/<language>.yaml`, shipped
    with the package): contraction patterns, chat spelling, irregular forms, stop words."""

    # (regular expression, replacement), applied in order to folded text.
    contractions: tuple[tuple[str, str], ...] = ()
    # Chat spelling -> plain words; an empty value drops the word ("kinda").
    spellings: dict[str, str] = Field(default_factory=dict)
    irregular: dict[str, str] = Field(default_factory=dict)
    # Words separated by white space.
    stop_words: str = ""


# Package data: the ui.yaml keys the code asks for, which tests/test_ui_keys.py finds in the code.
UI_KEYS_FILE = Path(__file__).resolve().parent / "lang" / "ui_keys.txt"


@lru_cache(maxsize=1)
def required_ui_keys() -> tuple[str, ...]:
    """Every text the code needs from ui.yaml; the default language must define all of them."""
    lines = UI_KEYS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


# Package data: for each ui.yaml key the code fills in by name, the names it passes (a key ending
# in "*" stands for every key it starts); tests/test_ui_keys.py finds them in the code.
UI_PLACEHOLDERS_FILE = Path(__file__).resolve().parent / "lang" / "ui_placeholders.txt"


@lru_cache(maxsize=1)
def ui_placeholders() -> dict[str, frozenset[str]]:
    """Key (or `prefix*`) -> the placeholder names the code fills in for it."""
    found: dict[str, frozenset[str]] = {}
    for line in UI_PLACEHOLDERS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, *names = line.split()
            found[key] = frozenset(names)
    return found


def placeholders_in(text: str) -> set[str] | None:
    """The `{name}` placeholders in a text; None when its braces do not pair up."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def _allowed_placeholders(key: str) -> frozenset[str] | None:
    """What the code fills in for `key`; None when it does not say (the text is used as is)."""
    known = ui_placeholders()
    if key in known:
        return known[key]
    starts = [prefix for prefix in known if prefix.endswith("*") and key.startswith(prefix[:-1])]
    return known[max(starts, key=len)] if starts else None


def _braced(names: Iterable[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names)) or "none"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, in `file:line: entry id: what is wrong` form.

    `left_out`: only this entry is left out of what loads (a meeting repeating another's slug);
    the rest of the file is used, at start-up and on /reload alike. Said so in the text."""

    file: Path
    line: int
    entry: str
    message: str
    left_out: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        message = f"{self.message}; this meeting is left out" if self.left_out else self.message
        return f"{where}: {self.entry}: {message}" if self.entry else f"{where}: {message}"


class ContentError(Exception):
    """Content that must not be served; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class LanguagePack:
    """The content of one language, after fallback to the default language."""

    language: str
    faq: FaqFile
    grounding: GroundingFile
    safety: SafetyFile
    ui: Mapping[str, str]
    # What the question matcher reads this language's questions with.
    words: LanguageFile = LanguageFile()
    vocabulary: VocabularyFile = VocabularyFile()
    names: MeetingNamesFile = MeetingNamesFile()
    # The content check makes the default language have one; every pack then has one.
    safety_plan: SafetyPlanFile | None = None

    def type_name(self, code: str) -> str:
        """What a meeting type code means, in this language; an unknown code as it is."""
        return self.names.types.get(code, code)

    def program_name(self, code: str) -> str:
        return self.names.programs.get(code, code)

    def text(self, key: str, **values: object) -> str:
        """A ui.yaml text with `{name}` placeholders filled in."""
        template = self.ui[key]
        return template.format(**values) if values else template


@dataclass(frozen=True)
class Content:
    """Everything the bot can say, per language, plus the danger phrases of every language."""

    default_language: str
    packs: Mapping[str, LanguagePack]
    detection: DetectionRules
    entries: Mapping[str, FaqEntry] = field(default_factory=dict)
    # Not errors: texts another language does not translate yet (the default language's serve).
    warnings: tuple[Problem, ...] = ()

    def translated(self, language: str | None) -> str | None:
        """The pack language for a Telegram language code such as `es-419`, if there is one."""
        base = (language or "").lower().split("-")[0].split("_")[0]
        return base if base in self.packs else None

    def pack(self, language: str | None) -> LanguagePack:
        """The pack for a Telegram language code such as `es-419`, else the default language."""
        return self.packs[self.translated(language) or self.default_language]

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(self.packs[self.default_language].safety.regions)


M = TypeVar("M", bound=BaseModel)

_FILES: dict[str, type[BaseModel]] = {
    "faq.yaml": FaqFile,
    "grounding.yaml": GroundingFile,
    "safety.yaml": SafetyFile,
    "ui.yaml": UiFile,
    "vocabulary.yaml": VocabularyFile,
    "meeting_types.yaml": MeetingNamesFile,
    "safety_plan.yaml": SafetyPlanFile,
}
# Files a language may go without, the default language too (the matcher then has no concepts).
_OPTIONAL = frozenset({"vocabulary.yaml", "meeting_types.yaml"})
# Package data: each language's generic resources for reading questions, `<language>.yaml`.
LANGUAGE_DATA = Path(__file__).resolve().parent / "lang"
# A concept's name, and a word or phrase of it: lower-case words, as the matcher reads them.
_CONCEPT_NAME = re.compile(r"[a-z0-9]+")
_CONCEPT_MEMBER = re.compile(r"[a-z0-9]+( [a-z0-9]+)*")


def _entry_scope(data: Any, loc: Path_) -> tuple[str, int]:
    """The `id` of the innermost mapping along `loc` that has one, and how deep it sits."""
    found, depth = "", 0
    node = data
    for i, part in enumerate((*loc, None)):
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            found, depth = node["id"], i
        if part is None:
            break
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return found, depth


def closest(word: str, choices: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The one of `choices` most like `word` (a likely typo's fix), if any is close enough."""
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """ " — did you mean 'also_asked'?" for the closest of `choices`, or "" when none is close."""
    close = closest(word, choices)
    return f" — did you mean {close!r}?" if close else ""


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation holds: itself, or those inside `X | None`, `tuple[X, ...]`..."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _fields_at(model: type[BaseModel], loc: Path_) -> set[str]:
    """The field names a mapping at `loc` (the path of the unknown key's parent) may have."""
    annotation: Any = model
    for part in loc:
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        if typing.get_origin(annotation) in (dict, Mapping):  # dict[str, X]: a key, then an X
            annotation = args[-1] if args else Any
            continue
        if isinstance(part, int):  # tuple[X, ...]: an item, an X
            annotation = args[0] if args else Any
            continue
        found = [m.model_fields[part] for m in _models_in(annotation) if part in m.model_fields]
        if not found:
            return set()
        annotation = found[0].annotation
        while typing.get_origin(annotation) is Annotated:
            annotation = typing.get_args(annotation)[0]
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
            annotation = next(
                (a for a in typing.get_args(annotation) if a is not type(None)), annotation
            )
    return {name for m in _models_in(annotation) for name in m.model_fields}


def _describe(error: Mapping[str, Any], field: Path_, model: type[BaseModel] | None = None) -> str:
    loc = ".".join(str(p) for p in field) or "this entry"
    kind = error["type"]
    if kind == "extra_forbidden":
        known = _fields_at(model, tuple(error["loc"])[:-1]) if model is not None else set()
        return f"unknown field {loc!r}{did_you_mean(str(field[-1]), known) if field else ''}"
    if kind == "missing":
        return f"{loc}: this field is required"
    if kind == "string_pattern_mismatch":
        return (
            f"{loc}: use lower-case letters, digits and dashes (at most 40), like 'box-breathing'"
        )
    if kind in ("too_short", "string_too_short"):
        return f"{loc}: must not be empty"
    return f"{loc}: {error['msg']}"


def _validate(
    loaded: LoadedYaml, model: type[M], problems: list[Problem]
) -> tuple[M | None, LoadedYaml]:
    """Validate a whole file; entries with errors are reported and left out of the result.

    Returns the model and the data it was built from (with line numbers still pointing at the
    file), so that the checks across entries can run on what is left.
    """
    data = loaded.data if loaded.data is not None else {}
    try:
        return model.model_validate(data), loaded
    except ValidationError as exc:
        broken: set[Path_] = set()
        for error in exc.errors():
            loc = tuple(error["loc"])
            entry, depth = _entry_scope(data, loc)
            field = loc[depth:] if entry else loc
            # An unknown key is named at its own line, not at its value's (a list below it).
            line = loaded.key_lines.get(loc) if error["type"] == "extra_forbidden" else None
            problems.append(
                Problem(
                    loaded.path, line or loaded.line_of(loc), entry, _describe(error, field, model)
                )
            )
            if entry and depth and isinstance(loc[depth - 1], int):
                broken.add(loc[:depth])
    if not broken:
        return None, loaded
    # Leave the broken entries out and try again, so that the checks across entries still run.
    lines: dict[Path_, int] = {}
    pruned = _without(data, broken, (), (), loaded, lines)
    try:
        return model.model_validate(pruned), LoadedYaml(loaded.path, pruned, lines)
    except ValidationError:
        return None, loaded


def _without(
    data: Any, drop: set[Path_], old: Path_, new: Path_, loaded: LoadedYaml, lines: dict[Path_, int]
) -> Any:
    """`data` without the nodes in `drop`; `lines` maps the new paths to the original lines."""
    lines[new] = loaded.line_of(old)
    if isinstance(data, dict):
        return {k: _without(v, drop, (*old, k), (*new, k), loaded, lines) for k, v in data.items()}
    if isinstance(data, list):
        kept = [i for i in range(len(data)) if (*old, i) not in drop]
        return [
            _without(data[i], drop, (*old, i), (*new, j), loaded, lines) for j, i in enumerate(kept)
        ]
    return data


def _loc_problem(loaded: LoadedYaml, loc: Path_, message: str) -> Problem:
    return Problem(loaded.path, loaded.line_of(loc), _entry_scope(loaded.data, loc)[0], message)


def _faq_ids(data: Any) -> set[str]:
    """Every entry id written in a faq.yaml's data, valid or not."""
    ids: set[str] = set()
    categories = data.get("categories") if isinstance(data, dict) else None
    for category in categories if isinstance(categories, list) else ():
        entries = category.get("entries") if isinstance(category, dict) else None
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                ids.add(entry["id"])
    return ids


# A tag as HTML writes it (<b>, </i>, <a href=...>, <br/>): content is plain text, shown as typed.
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


def _check_plain(loaded: LoadedYaml, loc: Path_, text: str, problems: list[Problem]) -> None:
    """An HTML tag in a text people read is shown as typed: named at its own line."""
    found = _HTML_TAG.search(text)
    if found is None:
        return
    line = loaded.line_of(loc)
    try:
        source = loaded.path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        source = []
    line = next((n for n in range(line, len(source) + 1) if found[0] in source[n - 1]), line)
    field_name = str(loc[-1])
    problems.append(
        Problem(
            loaded.path,
            line,
            _entry_scope(loaded.data, loc)[0],
            f"{field_name}: {found[0]} is HTML, which the bot shows as typed; {field_name}s are "
            "plain text: leave the tag out",
        )
    )


def _check_faq(
    faq: FaqFile, loaded: LoadedYaml, problems: list[Problem], written: Iterable[str] = ()
) -> None:
    """Checks across entries. `written`: every id in the file, those left out for a problem of
    their own too, so that a see_also naming one is not a second problem."""
    left_out = set(written)
    seen: dict[str, Path_] = {}
    categories: set[str] = set()
    for ci, category in enumerate(faq.categories):
        cloc: Path_ = ("categories", ci)
        if category.id in categories:
            problems.append(_loc_problem(loaded, (*cloc, "id"), "duplicate category id"))
        categories.add(category.id)
        if len(category.title) > MAX_BUTTON_CHARS:
            problems.append(_loc_problem(loaded, (*cloc, "title"), "title too long for a button"))
        for ei, entry in enumerate(category.entries):
            eloc: Path_ = (*cloc, "entries", ei)
            if entry.id in seen:
                where = loaded.line_of(seen[entry.id])
                problems.append(
                    _loc_problem(
                        loaded, (*eloc, "id"), f"duplicate id (first used on line {where})"
                    )
                )
            seen[entry.id] = eloc
            if len(entry.answer) + len(entry.question) > MAX_MESSAGE_CHARS:
                problems.append(
                    _loc_problem(
                        loaded,
                        (*eloc, "answer"),
                        f"answer is {len(entry.answer)} characters; with the question it must fit "
                        f"in one Telegram message ({MAX_MESSAGE_CHARS})",
                    )
                )
            if len(entry.question) > 120:
                problems.append(
                    _loc_problem(loaded, (*eloc, "question"), "question longer than 120 characters")
                )
            _check_plain(loaded, (*eloc, "question"), entry.question, problems)
            _check_plain(loaded, (*eloc, "answer"), entry.answer, problems)
    for ci, category in enumerate(faq.categories):
        for ei, entry in enumerate(category.entries):
            for si, other in enumerate(entry.see_also):
                loc: Path_ = ("categories", ci, "entries", ei, "see_also", si)
                if other not in seen and other not in left_out:
                    problems.append(
                        _loc_problem(loaded, loc, f"see_also names unknown id {other!r}")
                    )
                elif other == entry.id:
                    problems.append(_loc_problem(loaded, loc, "see_also names the entry itself"))


def _check_grounding(grounding: GroundingFile, loaded: LoadedYaml, problems: list[Problem]) -> None:
    tags = {s.id for s in grounding.situations}
    seen: set[str] = set()
    for xi, exercise in enumerate(grounding.exercises):
        xloc: Path_ = ("exercises", xi)
        if exercise.id in seen:
            problems.append(_loc_problem(loaded, (*xloc, "id"), "duplicate id"))
        seen.add(exercise.id)
        for ti, tag in enumerate(exercise.when):
            if tag not in tags:
                problems.append(
                    _loc_problem(
                        loaded,
                        (*xloc, "when", ti),
                        f"unknown tag {tag!r}; use one of {', '.join(sorted(tags))}",
                    )
                )
        text = "\n".join(s.text for s in exercise.steps)
        if len(text) + len(exercise.title) + len(exercise.caution or "") > MAX_MESSAGE_CHARS:
            problems.append(
                _loc_problem(loaded, (*xloc, "steps"), "steps too long for one Telegram message")
            )
        if exercise.guided and not any(s.seconds for s in exercise.steps):
            problems.append(
                _loc_problem(
                    loaded, (*xloc, "steps"), "guided exercise needs `seconds` on its steps"
                )
            )


def _check_safety(safety: SafetyFile, loaded: LoadedYaml, problems: list[Problem]) -> None:
    for kind, patterns in safety.detection.crisis.items():
        _check_patterns(patterns, ("detection", "crisis", kind), loaded, problems)
    _check_patterns(safety.detection.concern, ("detection", "concern"), loaded, problems)
    _check_patterns(safety.detection.safe, ("detection", "safe"), loaded, problems)
    for name in ("negation", "past", "breaks"):
        _check_patterns(getattr(safety.detection, name), ("detection", name), loaded, problems)
    for code, region in safety.regions.items():
        if not re.fullmatch(r"[A-Z]{2,4}", code):
            problems.append(
                _loc_problem(loaded, ("regions", code), "region codes are 2-4 capital letters")
            )
        for name in ("crisis", "overdose", "abuse", "other_danger"):
            if len(getattr(region, name)) > MAX_MESSAGE_CHARS:
                problems.append(
                    _loc_problem(loaded, ("regions", code, name), "too long for one message")
                )


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _check_safety_plan(plan: SafetyPlanFile, loaded: LoadedYaml, problems: list[Problem]) -> None:
    ids = tuple(step.id for step in plan.steps)
    if ids != SAFETY_PLAN_STEPS:
        problems.append(
            _loc_problem(
                loaded,
                ("steps",),
                f"steps: the seven steps, in this order, are {', '.join(SAFETY_PLAN_STEPS)}",
            )
        )
    for i, step in enumerate(plan.steps):
        if len(step.question) + len(step.example) > MAX_MESSAGE_CHARS // 4:
            problems.append(
                _loc_problem(loaded, ("steps", i, "question"), "question and example too long")
            )
    fixed = [plan.title, plan.pin, plan.trimmed, plan.empty, *(s.heading for s in plan.steps)]
    if sum(_units(text) for text in fixed) > SAFETY_PLAN_FIXED_CHARS - 300:
        problems.append(
            _loc_problem(
                loaded,
                ("title",),
                "title, headings and notes leave too little room in the one message of the plan "
                f"(with a crisis line, at most {SAFETY_PLAN_FIXED_CHARS - 300} characters)",
            )
        )


def _check_patterns(
    patterns: Iterable[str], loc: Path_, loaded: LoadedYaml, problems: list[Problem]
) -> None:
    for i, pattern in enumerate(patterns):
        try:
            compile_pattern(pattern)  # as the detector will, which then finds it compiled
        except ValueError as exc:
            problems.append(_loc_problem(loaded, (*loc, i), str(exc)))


def _check_vocabulary(
    vocabulary: VocabularyFile, loaded: LoadedYaml, problems: list[Problem]
) -> None:
    """Names and words the matcher can read, each word under one concept only."""
    owner: dict[str, str] = {}
    for concept, members in vocabulary.concepts.items():
        if not _CONCEPT_NAME.fullmatch(concept):
            problems.append(
                _loc_problem(
                    loaded, ("concepts", concept), f"{concept}: use lower-case letters and digits"
                )
            )
        for i, member in enumerate(members):
            loc: Path_ = ("concepts", concept, i)
            if not _CONCEPT_MEMBER.fullmatch(member):
                problems.append(
                    _loc_problem(
                        loaded,
                        loc,
                        f"{concept}: {member!r}: write lower-case words (letters and digits) "
                        "separated by single spaces",
                    )
                )
            elif member in owner:
                problems.append(
                    _loc_problem(
                        loaded, loc, f"{concept}: {member!r} is already under {owner[member]}"
                    )
                )
            else:
                owner[member] = concept
    for concept, implied in vocabulary.implies.items():
        for i, other in enumerate((concept, *implied)):
            if other not in vocabulary.concepts:
                loc = ("implies", concept) if i == 0 else ("implies", concept, i - 1)
                problems.append(_loc_problem(loaded, loc, f"implies: unknown concept {other!r}"))


def _check_ui(ui: Mapping[str, Any], loaded: LoadedYaml, problems: list[Problem]) -> None:
    for key, value in ui.items():
        if not isinstance(value, str) or not value.strip():
            problems.append(_loc_problem(loaded, (key,), f"{key}: must be non-empty text"))
        elif key.startswith("button_") and len(value) > MAX_BUTTON_CHARS:
            problems.append(_loc_problem(loaded, (key,), f"{key}: too long for a button"))


def load_content(directory: Path, default_language: str = "en") -> Content:
    """Load every language in `directory`; raise ContentError listing every problem found."""
    problems: list[Problem] = []
    if not directory.is_dir():
        raise ContentError([Problem(directory, 1, "", "content folder not found")])
    languages = sorted(
        p.name for p in directory.iterdir() if p.is_dir() and re.fullmatch(r"[a-z]{2,3}", p.name)
    )
    if default_language not in languages:
        raise ContentError(
            [Problem(directory / default_language, 1, "", "the default language has no folder")]
        )
    parsed: dict[str, dict[str, tuple[BaseModel, LoadedYaml]]] = {}
    for language in languages:
        parsed[language] = {}
        for name, model in _FILES.items():
            path = directory / language / name
            if not path.exists():
                if language == default_language and name not in _OPTIONAL:
                    problems.append(Problem(path, 1, "", "missing: the default language needs it"))
                continue
            try:
                loaded = load_yaml(path)
            except YamlFileError as exc:
                problems.append(Problem(path, 0, "", str(exc)))
                continue
            if loaded.data is not None and not isinstance(loaded.data, dict):
                problems.append(Problem(path, 1, "", "the file must be a mapping of keys"))
                continue
            written = loaded.data
            value, loaded = _validate(loaded, model, problems)
            if value is None:
                continue
            if isinstance(value, FaqFile):
                _check_faq(value, loaded, problems, _faq_ids(written))
            elif isinstance(value, GroundingFile):
                _check_grounding(value, loaded, problems)
            elif isinstance(value, SafetyFile):
                _check_safety(value, loaded, problems)
            elif isinstance(value, VocabularyFile):
                _check_vocabulary(value, loaded, problems)
            elif isinstance(value, UiFile):
                _check_ui(loaded.data or {}, loaded, problems)
            elif isinstance(value, SafetyPlanFile):
                _check_safety_plan(value, loaded, problems)
            parsed[language][name] = (value, loaded)

    words = {
        language: found
        for language in languages
        if (found := _load_words(LANGUAGE_DATA / f"{language}.yaml", problems)) is not None
    }
    default = parsed[default_language]
    if not problems:
        _check_default_complete(default, directory / default_language, problems)
        _check_placeholders(parsed, default_language, problems)
    if problems:
        raise ContentError(_tidy(problems))
    return _assemble(parsed, words, default_language)


def _load_words(path: Path, problems: list[Problem]) -> LanguageFile | None:
    """A language's resources from the package, or None when it has none."""
    if not path.exists():
        return None
    try:
        loaded = load_yaml(path)
    except YamlFileError as exc:
        problems.append(Problem(path, 0, "", str(exc)))
        return None
    value, loaded = _validate(loaded, LanguageFile, problems)
    if value is not None:
        for i, (pattern, _) in enumerate(value.contractions):
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(
                    _loc_problem(loaded, ("contractions", i), f"not a valid pattern: {exc}")
                )
    return value


def _check_placeholders(
    parsed: Mapping[str, Mapping[str, tuple[BaseModel, LoadedYaml]]],
    default_language: str,
    problems: list[Problem],
) -> None:
    """Every placeholder of a default-language text is one the code fills in for it, and every
    translation has the same placeholders as its default-language text."""
    if "ui.yaml" not in parsed[default_language]:
        return
    default = parsed[default_language]["ui.yaml"][1]
    source: dict[str, set[str]] = {}
    for key, text in (default.data or {}).items():
        names = placeholders_in(str(text))
        if names is None:
            problems.append(_loc_problem(default, (key,), f"{key}: a {{ or }} without its pair"))
            continue
        source[key] = names
        allowed = _allowed_placeholders(key)
        unknown = names - allowed if allowed is not None else set()
        if unknown:
            problems.append(
                _loc_problem(
                    default,
                    (key,),
                    f"{key}: {_braced(unknown)} is not filled in by the bot (it fills in "
                    f"{_braced(allowed or ())} here); check the spelling",
                )
            )
    for language, files in parsed.items():
        if language == default_language or "ui.yaml" not in files:
            continue
        loaded = files["ui.yaml"][1]
        for key, text in (loaded.data or {}).items():
            names = placeholders_in(str(text))
            if names is None:
                problems.append(_loc_problem(loaded, (key,), f"{key}: a {{ or }} without its pair"))
            elif key in source and names != source[key]:
                problems.append(
                    _loc_problem(
                        loaded,
                        (key,),
                        f"{key}: uses {_braced(names)}, but the {default_language} text uses "
                        f"{_braced(source[key])}: a translation keeps the same placeholders",
                    )
                )


def _check_default_complete(
    default: dict[str, tuple[BaseModel, LoadedYaml]], folder: Path, problems: list[Problem]
) -> None:
    ui_loaded = default["ui.yaml"][1]
    written = ui_loaded.data or {}
    required = required_ui_keys()
    spare = [str(key) for key in written if key not in required]  # welcom: for welcome:
    for key in required:
        if key in written:
            continue
        close = closest(key, spare, cutoff=0.8)
        if close:
            spare.remove(close)
            problems.append(
                _loc_problem(
                    ui_loaded,
                    (close,),
                    f"unknown key {close!r} — did you mean {key!r}? (the bot needs {key!r})",
                )
            )
        else:
            problems.append(Problem(folder / "ui.yaml", 1, "", f"{key}: missing text"))
    safety, loaded = default["safety.yaml"]
    assert isinstance(safety, SafetyFile)
    if not safety.regions:
        problems.append(Problem(loaded.path, 1, "", "regions: at least one region is needed"))
    if safety.concern is None:
        problems.append(Problem(loaded.path, 1, "", "concern: the second-tier check is needed"))
    if not any(safety.detection.crisis.values()):
        problems.append(Problem(loaded.path, 1, "", "detection.crisis: no danger phrases"))


def _tidy(problems: list[Problem]) -> list[Problem]:
    """YAML read errors already carry `file:line:`; print them as they are."""
    tidy: list[Problem] = []
    for p in problems:
        if p.line == 0:
            text = p.message
            file_part, _, rest = text.partition(":")
            line_part, _, message = rest.partition(":")
            line = int(line_part) if line_part.isdigit() else 1
            tidy.append(Problem(Path(file_part), line, "", message.strip()))
        else:
            tidy.append(p)
    return tidy


def _assemble(
    parsed: dict[str, dict[str, tuple[BaseModel, LoadedYaml]]],
    words: Mapping[str, LanguageFile],
    default_language: str,
) -> Content:
    default = {name: value for name, (value, _) in parsed[default_language].items()}
    default_ui = dict(parsed[default_language]["ui.yaml"][1].data or {})
    default_safety = default["safety.yaml"]
    assert isinstance(default_safety, SafetyFile)
    packs: dict[str, LanguagePack] = {}
    crisis: dict[CrisisKind, list[str]] = {kind: [] for kind in CRISIS_KINDS}
    concern: list[str] = []
    safe: list[str] = []
    negation: list[str] = []
    past: list[str] = []
    breaks: list[str] = []
    for language, files in parsed.items():
        own = {name: value for name, (value, _) in files.items()}
        ui = dict(default_ui)
        if "ui.yaml" in files:
            ui.update({k: v for k, v in (files["ui.yaml"][1].data or {}).items()})
        safety = own.get("safety.yaml")
        if isinstance(safety, SafetyFile):
            for kind, patterns in safety.detection.crisis.items():
                crisis[kind].extend(patterns)
            concern.extend(safety.detection.concern)
            safe.extend(safety.detection.safe)
            negation.extend(safety.detection.negation)
            past.extend(safety.detection.past)
            breaks.extend(safety.detection.breaks)
            safety = SafetyFile(
                regions={**default_safety.regions, **safety.regions},
                concern=safety.concern or default_safety.concern,
                detection=safety.detection,
            )
        else:
            safety = default_safety
        faq = own.get("faq.yaml", default["faq.yaml"])
        grounding = own.get("grounding.yaml", default["grounding.yaml"])
        vocabulary = own.get("vocabulary.yaml", default.get("vocabulary.yaml", VocabularyFile()))
        names = _names(default.get("meeting_types.yaml"), own.get("meeting_types.yaml"))
        safety_plan = own.get("safety_plan.yaml", default["safety_plan.yaml"])
        assert isinstance(faq, FaqFile) and isinstance(grounding, GroundingFile)
        assert isinstance(safety_plan, SafetyPlanFile)
        assert isinstance(vocabulary, VocabularyFile)
        resources = words.get(language, words.get(default_language, LanguageFile()))
        packs[language] = LanguagePack(
            language, faq, grounding, safety, ui, resources, vocabulary, names, safety_plan
        )
    detection = DetectionRules(
        crisis={kind: tuple(dict.fromkeys(p)) for kind, p in crisis.items()},
        concern=tuple(dict.fromkeys(concern)),
        safe=tuple(dict.fromkeys(safe)),
        negation=tuple(dict.fromkeys(negation)),
        past=tuple(dict.fromkeys(past)),
        breaks=tuple(dict.fromkeys(breaks)),
    )
    default_faq = packs[default_language].faq
    entries = {e.id: e for c in default_faq.categories for e in c.entries}
    warnings: list[Problem] = []
    for language, files in parsed.items():
        if language != default_language:
            warnings.extend(_translation_gaps(default_language, parsed[default_language], files))
    return Content(default_language, packs, detection, entries, tuple(warnings))


def _names(default: BaseModel | None, own: BaseModel | None) -> MeetingNamesFile:
    """A language's meeting names, name by name over the default language's."""
    base = default if isinstance(default, MeetingNamesFile) else MeetingNamesFile()
    if not isinstance(own, MeetingNamesFile) or own is base:
        return base
    return MeetingNamesFile(
        types={**base.types, **own.types}, programs={**base.programs, **own.programs}
    )


def _dated(items: Iterable[FaqEntry | Exercise]) -> dict[str, dt.date | None]:
    return {item.id: item.updated for item in items}


def _faq_items(value: BaseModel) -> dict[str, dt.date | None]:
    assert isinstance(value, FaqFile)
    return _dated(e for c in value.categories for e in c.entries)


def _exercise_items(value: BaseModel) -> dict[str, dt.date | None]:
    assert isinstance(value, GroundingFile)
    return _dated(value.exercises)


def _names_gaps(
    source: tuple[BaseModel, LoadedYaml], translated: tuple[BaseModel, LoadedYaml], shown: str
) -> list[Problem]:
    ours, theirs = source[0], translated[0]
    assert isinstance(ours, MeetingNamesFile) and isinstance(theirs, MeetingNamesFile)
    missing = [f"types.{c}" for c in ours.types if c not in theirs.types]
    missing += [f"programs.{c}" for c in ours.programs if c not in theirs.programs]
    if not missing:
        return []
    return [Problem(translated[1].path, 1, "", f"not translated yet {shown}: {', '.join(missing)}")]


def _behind(translated: dt.date | None, changed: dt.date | None) -> bool:
    """Whether a translation dated `translated` predates its source's change on `changed`."""
    return changed is not None and (translated is None or translated < changed)


# The files a language translates (the rest, such as examples, are its own or shared).
_TRANSLATED_FILES = frozenset(
    {"ui.yaml", "faq.yaml", "grounding.yaml", "safety_plan.yaml", "meeting_types.yaml"}
)


def _translation_gaps(
    default_language: str,
    source: Mapping[str, tuple[BaseModel, LoadedYaml]],
    files: Mapping[str, tuple[BaseModel, LoadedYaml]],
) -> list[Problem]:
    """What a language lacks next to the default one, for organizers keeping translations in
    step: texts, FAQ entries and exercises not translated (the default language's are shown),
    and those translated before their source last changed (`updated`)."""
    gaps: list[Problem] = []
    shown = f"({default_language} shown)"
    folder = next(iter(files.values()))[1].path.parent if files else None
    for name in sorted(source.keys() - files.keys()):
        if folder is not None and name in _TRANSLATED_FILES:
            whole = f"not translated yet {shown}: the whole file"
            gaps.append(Problem(folder / name, 1, "", whole))
    if "ui.yaml" in files:
        loaded = files["ui.yaml"][1]
        missing = sorted((source["ui.yaml"][1].data or {}).keys() - (loaded.data or {}).keys())
        if missing:
            gaps.append(
                Problem(loaded.path, 1, "", f"not translated yet {shown}: {', '.join(missing)}")
            )
    if "meeting_types.yaml" in files and "meeting_types.yaml" in source:
        gaps.extend(_names_gaps(source["meeting_types.yaml"], files["meeting_types.yaml"], shown))
    for name, items in (("faq.yaml", _faq_items), ("grounding.yaml", _exercise_items)):
        if name not in files or name not in source:
            continue
        theirs, loaded = items(files[name][0]), files[name][1]
        ours = items(source[name][0])
        missing = [i for i in ours if i not in theirs]
        if missing:
            gaps.append(Problem(loaded.path, 1, "", f"not translated yet: {', '.join(missing)}"))
        older = [i for i, changed in ours.items() if i in theirs and _behind(theirs[i], changed)]
        if older:
            gaps.append(
                Problem(
                    loaded.path,
                    1,
                    "",
                    f"older than the {default_language} source (its `updated`): {', '.join(older)}",
                )
            )
    return gaps
