"""Crisis detection: is this message a danger now, a worry to ask about, or neither? (pure)

The phrases live in content (`detection:` in every `safety.yaml`, see `DetectionRules`); this module
holds only the algorithm, so organizers can extend what is recognised without touching Python.

1. Normalise: cut to 4096 characters, straighten curly quotes, strip accents (NFKD), lower-case,
   drop apostrophes (`i'm` -> `im`, in the patterns as well), cut runs of three or more equal letters
   to one (`diiiie` -> `die`), and turn every other symbol into a space.
2. Split into clauses at sentence punctuation and commas, and before every `breaks` phrase ("but",
   "now", "pero"...), so a history marker or a negation only reaches its own clause.
3. In each clause look for danger phrases: `crisis` (per kind), then `concern`. A match does not
   count when it is
   - inside or touching a `safe` phrase (idioms, quitting talk: "kill myself laughing"),
   - right after a `negation` ("i'm not suicidal", "no me quiero morir"), or
   - in a clause with a `past` marker ("back in 2019", "years ago", "hace años").
   When one match is cancelled the search goes on from the next character, so a second phrase in
   the same clause is still found.
4. Any crisis match wins over concern. When several kinds match, the most time-critical one is
   reported: overdose, then someone else in danger, then self-harm, then abuse (the reply shows
   buttons for the other kinds).

When in doubt the content errs towards asking: a bare "suicide" or "overdose" is a concern, and a
question about what to do in an overdose gets the overdose steps (harmless, possibly life-saving).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.content import CrisisKind, DetectionRules

MAX_CHARS = 4096
# How much of a clause before a match is searched for a negation; negations are short.
_NEGATION_REACH = 80
# Most time-critical first: minutes matter in an overdose; someone else in danger needs 911 now.
_PRIORITY: tuple[CrisisKind, ...] = ("overdose", "other_danger", "self_harm", "abuse")

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
# Sentence punctuation and commas end a clause; the ellipsis is NFKD-decomposed into dots already.
_CLAUSE_END = re.compile(r"[.!?;:,\n\r\u2026\u00a1\u00bf]+")
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
    """Text the way patterns see it: one clause per line, lower case, no accents or apostrophes."""
    text = text[:MAX_CHARS].translate(_QUOTES)
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))[:MAX_CHARS]
    text = text.casefold().replace("'", "")
    text = _REPEATS.sub(r"\1", text)
    text = _CLAUSE_END.sub("\n", text)
    lines = (" ".join(_SYMBOLS.sub(" ", line).split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _pattern_source(pattern: str) -> str:
    """A content pattern in the normalised alphabet: no accents, no apostrophes."""
    pattern = pattern.translate(_QUOTES).replace("\\'", "").replace("'", "")
    return _COMBINING.sub("", unicodedata.normalize("NFKD", pattern))


def _compile(patterns: Iterable[str], *, suffix: str = "") -> re.Pattern[str] | None:
    """One regex for a list of content patterns, or None for an empty list."""
    sources = [f"(?:{_pattern_source(p)})" for p in patterns]
    if not sources:
        return None
    joined = "|".join(sources)
    try:
        return re.compile(f"(?:{joined}){suffix}", re.IGNORECASE)
    except re.error:
        # Name the culprit: the content check reports these with file and line first.
        for pattern in patterns:
            try:
                re.compile(_pattern_source(pattern))
            except re.error as exc:
                raise ValueError(f"not a valid pattern: {exc.msg} (in {pattern!r})") from exc
        raise


@dataclass(frozen=True)
class _Clause:
    """One clause, with the cancelling phrases in it worked out only when first needed."""

    text: str
    detector: CrisisDetector

    def _safe_spans(self) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        rx = self.detector._safe
        if rx is not None:
            pos = 0
            while (m := rx.search(self.text, pos)) is not None:
                spans.append(m.span())
                pos = m.start() + 1
        return spans

    def first_live(self, rx: re.Pattern[str] | None) -> bool:
        """Whether `rx` matches somewhere in the clause that no safe phrase cancels."""
        if rx is None:
            return False
        pos = 0
        safe: list[tuple[int, int]] | None = None
        while (m := rx.search(self.text, pos)) is not None:
            start, end = m.span()
            pos = start + 1
            if start == end:
                continue
            if self.detector._is_history(self.text):
                return False
            if safe is None:
                safe = self._safe_spans()
            if any(s <= end and start <= e for s, e in safe):
                continue
            if self.detector._negated(self.text[max(0, start - _NEGATION_REACH) : start]):
                continue
            return True
        return False


class CrisisDetector:
    """Assess free text for danger, with phrases compiled once from `DetectionRules`."""

    def __init__(
        self,
        crisis: Sequence[tuple[CrisisKind, re.Pattern[str] | None]],
        concern: re.Pattern[str] | None,
        safe: re.Pattern[str] | None,
        negation: re.Pattern[str] | None,
        past: re.Pattern[str] | None,
        breaks: re.Pattern[str] | None,
    ) -> None:
        self._crisis = tuple(crisis)
        self._concern = concern
        self._safe = safe
        self._negation = negation
        self._past = past
        self._breaks = breaks

    @classmethod
    def from_rules(cls, rules: DetectionRules) -> CrisisDetector:
        """Compile every pattern once; raises ValueError naming a pattern that is not valid."""
        crisis = [(kind, _compile(rules.crisis.get(kind, ()))) for kind in _PRIORITY]
        breaks = _compile(rules.breaks)
        return cls(
            crisis=crisis,
            concern=_compile(rules.concern),
            safe=_compile(rules.safe),
            # A negation counts only when it ends right before the danger phrase.
            negation=_compile(rules.negation, suffix=r"\s*$"),
            past=_compile(rules.past),
            breaks=re.compile(rf"\b(?:{breaks.pattern})\b", re.IGNORECASE) if breaks else None,
        )

    def assess(self, text: str) -> Assessment:
        """CRISIS (with its kind) for danger now, CONCERN for distress to ask about, else NONE."""
        concern = False
        found: set[CrisisKind] = set()
        for clause in self.clauses(text):
            c = _Clause(clause, self)
            for kind, rx in self._crisis:
                if kind not in found and c.first_live(rx):
                    found.add(kind)
            if not found and not concern:
                concern = c.first_live(self._concern)
            if _PRIORITY[0] in found:
                break
        for kind in _PRIORITY:
            if kind in found:
                return Assessment(Level.CRISIS, kind)
        return _WORRY if concern else _NOTHING

    def clauses(self, text: str) -> list[str]:
        """The normalised clauses of `text`, in order."""
        clauses: list[str] = []
        for line in normalise(text).split("\n"):
            if self._breaks is None:
                clauses.append(line)
                continue
            start = 0
            for m in self._breaks.finditer(line):
                if m.start() > start:
                    clauses.append(line[start : m.start()].strip())
                    start = m.start()
            clauses.append(line[start:].strip())
        return [c for c in clauses if c]

    def _is_history(self, clause: str) -> bool:
        return self._past is not None and self._past.search(clause) is not None

    def _negated(self, before: str) -> bool:
        return self._negation is not None and self._negation.search(before) is not None
