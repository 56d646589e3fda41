"""Crisis detection: is this message a danger now, a worry to ask about, or neither? (pure)

The phrases live in content (`detection:` in every `safety.yaml`, see `DetectionRules`); this module
holds only the algorithm, so organizers can extend what is recognised without touching Python.

1. Normalise: cut to 4096 characters, straighten curly quotes, strip accents (NFKD), lower-case,
   drop apostrophes (`i'm` -> `im`, in the patterns as well), cut runs of three or more equal letters
   to one (`diiiie` -> `die`), and turn every other symbol into a space.
2. Split into clauses at sentence punctuation and commas, and before every `breaks` phrase ("but",
   "now", "pero"...), so a history marker or a negation only reaches its own clause.
3. In each clause look for danger phrases: `crisis` (per kind), then `concern`. A match does not
   count when it
   - overlaps a `safe` phrase (idioms, quitting talk: "kill myself laughing"),
   - comes right after a `negation` ("i'm not suicidal", "no me quiero morir"), or
   - shares its clause with a `past` marker ("back in 2019", "years ago", "hace años").
   When a match is cancelled the search goes on from its next character, so another danger phrase
   in the same clause is still found.
4. A crisis match wins over concern. When several kinds match, the most time-critical one is
   reported: overdose, then someone else in danger, then self-harm, then abuse (the crisis reply
   offers the other kinds as buttons).

Speed: Python's regex engine tries every alternative at every word, so running ~150 patterns over
every message would cost about a millisecond. Each pattern is analysed once for literal strings
that every match must contain ("myself", "overdos"...); a pattern runs only when one of its strings
is in the message, which leaves most messages with no pattern to run at all.

What the content decides (see content/*/safety.yaml): a bare "suicide" or "overdose" is a concern;
a question about what to do in an overdose gets the overdose steps (harmless, possibly life-saving).
"""

from __future__ import annotations

import enum
import importlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.content import CrisisKind, DetectionRules

MAX_CHARS = 4096
# How much of a clause before a match is searched for a negation; negations are short.
_NEGATION_REACH = 80
# Most time-critical first: minutes matter in an overdose; someone else in danger needs 911 now.
PRIORITY: tuple[CrisisKind, ...] = ("overdose", "other_danger", "self_harm", "abuse")

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
# Sentence punctuation and commas end a clause (NFKD has already turned an ellipsis into dots).
_CLAUSE_END = re.compile(r"[.!?;:,\n\r\u00a1\u00bf]+")
_SYMBOLS = re.compile(r"[^\w\n]+|_+")


class Level(enum.Enum):
    """How worried to be about one message."""

    NONE = "none"
    CONCERN = "concern"
    CRISIS = "crisis"


@dataclass(frozen=True)
class Assessment:
    """The verdict on one message; `kind` is set for CRISIS only."""

    level: Level
    kind: CrisisKind | None = None


_NOTHING = Assessment(Level.NONE)
_WORRY = Assessment(Level.CONCERN)


def normalise(text: str) -> str:
    """Text the way patterns see it: one line per sentence, lower case, no accents or apostrophes."""
    text = text[:MAX_CHARS].translate(_QUOTES)
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))[:MAX_CHARS]
    text = _REPEATS.sub(r"\1", text.casefold().replace("'", ""))
    lines = (" ".join(_SYMBOLS.sub(" ", line).split()) for line in _CLAUSE_END.split(text))
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class _Rule:
    """One danger pattern; `needles`: strings every match contains (None when there are none)."""

    rx: re.Pattern[str]
    needles: frozenset[str] | None

    def may_match(self, present: frozenset[str]) -> bool:
        return self.needles is None or not self.needles.isdisjoint(present)


class CrisisDetector:
    """Assess free text for danger, with the phrases of `DetectionRules` compiled once."""

    def __init__(self, rules: DetectionRules) -> None:
        self._crisis = tuple(
            (kind, tuple(_rule(p) for p in rules.crisis.get(kind, ()))) for kind in PRIORITY
        )
        self._concern = tuple(_rule(p) for p in rules.concern)
        every = [r for _, rules_ in self._crisis for r in rules_] + list(self._concern)
        self._needles = tuple(sorted({n for r in every for n in r.needles or ()}))
        self._safe = _combine(rules.safe)
        # A negation counts only when it ends right before the danger phrase.
        self._negation = _combine(rules.negation, template=r"(?:{})\s*$")
        self._past = _combine(rules.past)
        self._breaks = _combine(rules.breaks, template=r"\b(?:{})\b")

    @classmethod
    def from_rules(cls, rules: DetectionRules) -> CrisisDetector:
        """Compile every pattern once; raises ValueError naming a pattern that is not valid."""
        return cls(rules)

    def assess(self, text: str) -> Assessment:
        """CRISIS (with its kind) for danger now, CONCERN for distress to ask about, else NONE."""
        normal = normalise(text)
        present = frozenset(n for n in self._needles if n in normal)
        crisis = [
            (kind, active)
            for kind, rules in self._crisis
            if (active := [r for r in rules if r.may_match(present)])
        ]
        concern = [r for r in self._concern if r.may_match(present)]
        if not crisis and not concern:
            return _NOTHING
        worried = False
        found: set[CrisisKind] = set()
        for clause in self._split(normal):
            check = _ClauseCheck(clause, self)
            for kind, rules in crisis:
                if kind not in found and any(check.live(r.rx) for r in rules):
                    found.add(kind)
            worried = worried or (not found and any(check.live(r.rx) for r in concern))
        for kind in PRIORITY:
            if kind in found:
                return Assessment(Level.CRISIS, kind)
        return _WORRY if worried else _NOTHING

    def clauses(self, text: str) -> list[str]:
        """The normalised clauses of `text`, in order (for tests and for tuning content)."""
        return self._split(normalise(text))

    def _split(self, normal: str) -> list[str]:
        clauses: list[str] = []
        for line in normal.split("\n"):
            start = 0
            if self._breaks is not None:
                for m in self._breaks.finditer(line):
                    if m.start() > start:
                        clauses.append(line[start : m.start()].strip())
                        start = m.start()
            clauses.append(line[start:].strip())
        return [c for c in clauses if c]


class _ClauseCheck:
    """Whether patterns match in one clause, with its safe phrases found once, when first needed."""

    def __init__(self, clause: str, detector: CrisisDetector) -> None:
        self.clause = clause
        self.safe_rx = detector._safe
        self.negation_rx = detector._negation
        self.history = detector._past is not None and detector._past.search(clause) is not None
        self._safe: list[tuple[int, int]] | None = None

    def live(self, rx: re.Pattern[str]) -> bool:
        """Whether `rx` matches somewhere in the clause that nothing cancels."""
        if self.history:
            return False
        pos = 0
        while (m := rx.search(self.clause, pos)) is not None:
            start, end = m.span()
            pos = start + 1
            if start < end and not self._is_safe(start, end) and not self._negated(start):
                return True
        return False

    def _is_safe(self, start: int, end: int) -> bool:
        if self._safe is None:
            self._safe = _spans(self.safe_rx, self.clause)
        return any(s < end and start < e for s, e in self._safe)

    def _negated(self, start: int) -> bool:
        before = self.clause[max(0, start - _NEGATION_REACH) : start]
        return self.negation_rx is not None and self.negation_rx.search(before) is not None


def _spans(rx: re.Pattern[str] | None, text: str) -> list[tuple[int, int]]:
    """Every match of `rx` in `text`, overlapping ones included."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while rx is not None and (m := rx.search(text, pos)) is not None:
        spans.append(m.span())
        pos = m.start() + 1
    return spans


def _source(pattern: str) -> str:
    """A content pattern in the normalised alphabet: no accents, no apostrophes."""
    pattern = pattern.translate(_QUOTES).replace("\\'", "").replace("'", "")
    return _COMBINING.sub("", unicodedata.normalize("NFKD", pattern))


def _compile(source: str, original: str) -> re.Pattern[str]:
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"not a valid pattern: {exc.msg} (in {original!r})") from exc


def _rule(pattern: str) -> _Rule:
    source = _source(pattern)
    return _Rule(_compile(source, pattern), _needles(source))


def _combine(patterns: Iterable[str], template: str = "{}") -> re.Pattern[str] | None:
    """One regex matching any of `patterns`, or None for an empty list."""
    patterns = list(patterns)
    for p in patterns:
        _compile(_source(p), p)
    if not patterns:
        return None
    joined = "|".join(f"(?:{_source(p)})" for p in patterns)
    return _compile(template.format(joined), joined)


# The regex parser is private to `re`; if it ever changes, patterns simply run on every message.
try:
    _PARSER: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover
    _PARSER = None


def _needles(source: str) -> frozenset[str] | None:
    """Lower-case strings of which every match of `source` contains at least one, if any."""
    try:
        return _cover(_PARSER.parse(source, 0))
    except Exception:  # noqa: BLE001 - no needles just means the pattern always runs
        return None


def _cover(items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
    """The most selective set of strings that every match of this sequence must contain."""
    best: frozenset[str] | None = None

    def consider(candidate: frozenset[str] | None) -> None:
        nonlocal best
        if candidate is not None and (best is None or _score(candidate) > _score(best)):
            best = candidate

    run: list[str] = []
    for op, av in items:
        name = getattr(op, "name", str(op))
        if name == "LITERAL":
            run.append(chr(av).lower())
            continue
        # Anything else ends a run of literal characters (zero-width assertions too, to be safe).
        consider(frozenset(["".join(run)]) if run else None)
        run = []
        if name == "SUBPATTERN":
            consider(_cover(av[-1]))
        elif name == "ATOMIC_GROUP":
            consider(_cover(av))
        elif name == "BRANCH":
            options = [_cover(option) for option in av[1]]
            if all(o is not None for o in options):
                consider(frozenset().union(*(o for o in options if o is not None)))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            consider(_cover(av[2]))
    consider(frozenset(["".join(run)]) if run else None)
    return best


def _score(needles: frozenset[str]) -> tuple[int, int]:
    """Longer strings are rarer; fewer of them are cheaper to look for."""
    return (min(len(n) for n in needles), -len(needles))
