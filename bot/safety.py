"""Crisis detection: is this message a danger now, a worry to ask about, or neither? (pure)

The phrases live in content (`detection:` in every `safety.yaml`, see `DetectionRules`); this module
holds only the algorithm, so organizers can extend what is recognised without touching Python.

1. Normalise: cut to 4096 characters, straighten curly quotes, strip accents (NFKD), lower-case,
   drop apostrophes (`i'm` -> `im`, in the patterns as well), cut runs of three or more equal
   letters to one (`diiiie` -> `die`), and turn every other symbol into a space.
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
from bot.patterns import COMBINING, QUOTES, compile_pattern, compile_source, pattern_source

MAX_CHARS = 4096
# How much of a clause before a match is searched for a negation; negations are short.
_NEGATION_REACH = 80
# Most time-critical first: minutes matter in an overdose; someone else in danger needs 911 now.
PRIORITY: tuple[CrisisKind, ...] = ("overdose", "other_danger", "self_harm", "abuse")

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
    # CONCERN only: the danger phrase sits in talk the model reads as ordinary (how naloxone
    # works, a meeting's topic), so an FAQ answer may come first, the emergency line beneath.
    informational: bool = False


_NOTHING = Assessment(Level.NONE)
_WORRY = Assessment(Level.CONCERN)


def normalise(text: str) -> str:
    """Text as patterns see it: a line per sentence, lower case, no accents or apostrophes."""
    text = text[:MAX_CHARS]
    if not text.isascii():
        text = text.translate(QUOTES)
        text = COMBINING.sub("", unicodedata.normalize("NFKD", text))[:MAX_CHARS]
    text = _REPEATS.sub(r"\1", text.casefold().replace("'", ""))
    text = _SYMBOLS.sub(" ", _CLAUSE_END.sub("\n", text))
    return "\n".join(filter(None, (line.strip() for line in text.split("\n"))))


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
        # Every danger and distress pattern, for the questions asked of them all.
        self._every = (*(r for _, kind_rules in self._crisis for r in kind_rules), *self._concern)
        needles = sorted({n for r in self._every for n in r.needles or ()})
        # One scan finds the longest needle starting at each position; the needles that are
        # prefixes of it are there too.
        self._finder = re.compile(f"(?=({_trie(needles)}))") if needles else None
        self._prefixes = _prefixes(needles)
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
        joined = "\n".join(self.clauses(text))
        present = self._present(joined)
        crisis = [
            (kind, [r for r in rules if r.may_match(present)]) for kind, rules in self._crisis
        ]
        concern = [r for r in self._concern if r.may_match(present)]
        if not concern and not any(rules for _, rules in crisis):
            return _NOTHING
        scan = _Scan(joined, self._safe, self._negation, self._past)
        for kind, rules in crisis:
            if any(scan.live(r.rx) for r in rules):
                return Assessment(Level.CRISIS, kind)
        return _WORRY if any(scan.live(r.rx) for r in concern) else _NOTHING

    def cancelled(self, text: str) -> bool:
        """Whether a danger or distress phrase occurs in `text` but a negation, a history or a
        safe phrase cancels it everywhere ("i'm not suicidal", "i overdosed 3 years ago"): the
        rules have spoken, and later layers should not overrule them."""
        joined = "\n".join(self.clauses(text))
        candidates = self._candidates(joined)
        if not any(r.rx.search(joined) for r in candidates):
            return False
        scan = _Scan(joined, self._safe, self._negation, self._past)
        return not any(scan.live(r.rx) for r in candidates)

    def phrase_free(self, text: str) -> list[str]:
        """The clauses of `text` (normalised) in which no danger or distress phrase occurs, live
        or cancelled: what a cancellation ("he wont respond") does not speak for ("his lips
        look blue")."""
        return [
            clause
            for clause in self.clauses(text)
            if not any(r.rx.search(clause) for r in self._candidates(clause))
        ]

    def clauses(self, text: str) -> list[str]:
        """The normalised clauses of `text`, in order."""
        clauses: list[str] = []
        for line in normalise(text).split("\n"):
            start = 0
            if self._breaks is not None:
                for m in self._breaks.finditer(line):
                    if m.start() > start:
                        clauses.append(line[start : m.start()].strip())
                        start = m.start()
            clauses.append(line[start:].strip())
        return [c for c in clauses if c]

    def _candidates(self, text: str) -> list[_Rule]:
        """The danger and distress patterns that may match `text`: those whose needles it holds."""
        present = self._present(text)
        return [r for r in self._every if r.may_match(present)]

    def _present(self, text: str) -> frozenset[str]:
        """The needles that occur in `text`."""
        found: set[str] = set()
        if self._finder is not None:
            for m in self._finder.finditer(text):
                found.update(self._prefixes[m.group(1)])
        return frozenset(found)


class _Scan:
    """Danger phrases in one message, its clauses joined by newlines, judged clause by clause.

    Patterns are compiled with MULTILINE, so `^` and `$` mark the ends of a clause, and `.` never
    crosses into the next clause. A pattern that means to (`(?s:.)`, `\\n`) is judged by the clause
    it starts in: "someone ODd at the meeting, what do we do?".
    """

    def __init__(
        self,
        text: str,
        safe: re.Pattern[str] | None,
        negation: re.Pattern[str] | None,
        past: re.Pattern[str] | None,
    ) -> None:
        self.text = text
        self.safe_rx = safe
        self.negation_rx = negation
        self.past_rx = past
        self._history: dict[int, bool] = {}
        self._safe: dict[int, list[tuple[int, int]]] = {}

    def live(self, rx: re.Pattern[str]) -> bool:
        """Whether `rx` matches somewhere that no safe phrase, negation or history cancels."""
        text = self.text
        pos = 0
        while (m := rx.search(text, pos)) is not None:
            start, end = m.span()
            pos = start + 1
            first = text.rfind("\n", 0, start) + 1
            last = text.find("\n", start)
            last = len(text) if last < 0 else last
            if start < end and not self._cancelled(first, last, start, end):
                return True
        return False

    def _cancelled(self, first: int, last: int, start: int, end: int) -> bool:
        if first not in self._history:
            self._history[first] = _search(self.past_rx, self.text, first, last)
        if self._history[first]:
            return True
        if first not in self._safe:
            self._safe[first] = _spans(self.safe_rx, self.text, first, last)
        if any(s < end and start < e for s, e in self._safe[first]):
            return True
        return _search(self.negation_rx, self.text, max(first, start - _NEGATION_REACH), start)


def _search(rx: re.Pattern[str] | None, text: str, pos: int, endpos: int) -> bool:
    return rx is not None and rx.search(text, pos, endpos) is not None


def _trie(strings: Iterable[str]) -> str:
    """A regex matching any of `strings`, longest first, that tests one character at a time.

    Built from the sorted strings: the strings below a node of the trie are a run of neighbours,
    and a chain of nodes with one child each is their common prefix, emitted in one piece.
    """
    words = sorted(set(strings))

    def emit(lo: int, hi: int, depth: int) -> str:
        # words[lo:hi] share their first `depth` characters; a word of just those ends here.
        ends = len(words[lo]) == depth
        if ends:
            lo += 1
        if lo == hi:
            return ""
        first, last = words[lo], words[hi - 1]
        if not ends and first[depth] == last[depth]:
            common = depth + 1
            while common < len(first) and common < len(last) and first[common] == last[common]:
                common += 1
            return re.escape(first[depth:common]) + emit(lo, hi, common)
        options = []
        while lo < hi:
            char = words[lo][depth]
            end = lo + 1
            while end < hi and words[end][depth] == char:
                end += 1
            options.append(re.escape(char) + emit(lo, end, depth + 1))
            lo = end
        body = options[0] if len(options) == 1 else f"(?:{'|'.join(options)})"
        return f"(?:{body})?" if ends else body

    return emit(0, len(words), 0) if words else ""


def _prefixes(needles: list[str]) -> dict[str, tuple[str, ...]]:
    """For each needle (sorted), the needles that are prefixes of it, shortest first, itself last.

    In sorted order a needle's prefixes come before it, and everything between a prefix and the
    needle starts with that prefix too: a stack of the prefixes of the last needle suffices.
    """
    found: dict[str, tuple[str, ...]] = {}
    stack: list[str] = []
    for needle in needles:
        while stack and not needle.startswith(stack[-1]):
            stack.pop()
        stack.append(needle)
        found[needle] = tuple(stack)
    return found


def _spans(rx: re.Pattern[str] | None, text: str, pos: int, endpos: int) -> list[tuple[int, int]]:
    """Every match of `rx` in `text[pos:endpos]`, overlapping ones included."""
    spans: list[tuple[int, int]] = []
    while rx is not None and (m := rx.search(text, pos, endpos)) is not None:
        spans.append(m.span())
        pos = m.start() + 1
    return spans


def _rule(pattern: str) -> _Rule:
    return _Rule(compile_pattern(pattern), _needles(pattern_source(pattern)))


def _combine(patterns: Iterable[str], template: str = "{}") -> re.Pattern[str] | None:
    """One regex matching any of `patterns`, or None for an empty list."""
    patterns = list(patterns)
    for p in patterns:
        compile_pattern(p)  # names a pattern that is not valid
    if not patterns:
        return None
    joined = "|".join(f"(?:{pattern_source(p)})" for p in patterns)
    return compile_source(template.format(joined), joined)


# The regex parser is private to `re`; if it ever changes, patterns simply run on every message.
try:
    _PARSER: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover
    _PARSER = None


def _needles(source: str) -> frozenset[str] | None:
    """Lower-case strings of which every match of `source` contains at least one, if any."""
    try:
        cover = _cover(_PARSER.parse(source, 0))
    except Exception:  # no needles only means that the pattern always runs
        return None
    return None if cover is None else _shortest(cover)


# Needles are cut to this length: ten letters in a row are rare enough in a chat message, and
# shorter needles make a finder regex a third the size, compiled at every start-up.
_NEEDLE_CHARS = 10


def _shortest(needles: frozenset[str]) -> frozenset[str]:
    """The needles cut to `_NEEDLE_CHARS`, without those that contain another (found anyway)."""
    kept: list[str] = []
    for needle in sorted({n[:_NEEDLE_CHARS] for n in needles}, key=len):
        if not any(k in needle for k in kept):
            kept.append(needle)
    return frozenset(kept)


# Finite sets of strings are tracked up to this size; past it only the best cover is kept.
_MAX_EXACT = 64


@dataclass(frozen=True)
class _Info:
    """What a piece of a pattern can match: `exact` lists every string when there are few;
    `cover` holds strings of which every match contains one (None: nothing known)."""

    exact: frozenset[str] | None
    cover: frozenset[str] | None


_EMPTY = _Info(frozenset([""]), None)
_UNKNOWN = _Info(None, None)


def _cover(items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
    info = _sequence(items)
    return _best(info.exact, info.cover)


def _best(*candidates: frozenset[str] | None) -> frozenset[str] | None:
    """The most selective candidate: longer strings are rarer, fewer are cheaper to look for."""
    useful = [c for c in candidates if c is not None and c and min(map(len, c)) > 0]
    return max(useful, key=_score, default=None)


def _score(needles: frozenset[str]) -> tuple[int, int]:
    # Spaces are everywhere, so they do not count towards a needle's length.
    return (min(len(n.strip()) for n in needles), -len(needles))


def _sequence(items: Iterable[tuple[Any, Any]]) -> _Info:
    """Concatenate the pieces, multiplying out finite sets while they stay small.

    Literal characters, most of every pattern, are gathered in `tail` and appended to the strings
    of `run` in one go (appending one string never makes `run` larger).
    """
    run: frozenset[str] | None = frozenset([""])
    tail = ""
    whole = True  # whether `run` (+ `tail`) still describes the whole sequence
    cover: frozenset[str] | None = None
    for op, av in getattr(items, "data", items):  # a SubPattern's list: faster to iterate
        name = _name(op)
        if name == "LITERAL":
            if not tail and (run is None or len(run) > _MAX_EXACT):
                cover = _best(cover, run)
                run, whole = frozenset([""]), False
            tail += chr(av).lower()
            continue
        if tail:
            assert run is not None  # a tail is only gathered onto a run
            run, tail = frozenset(a + tail for a in run), ""
        piece = _piece(name, av)
        if piece.cover is not None:
            cover = _best(cover, piece.cover)
        exact = piece.exact
        if run is not None and exact is not None and len(run) * len(exact) <= _MAX_EXACT:
            run = frozenset(a + b for a in run for b in exact)
            continue
        cover = _best(cover, run)
        run, whole = piece.exact, False
    if tail:
        assert run is not None
        run = frozenset(a + tail for a in run)
    if whole:
        return _Info(run, cover)
    return _Info(None, _best(cover, run))


def _name(op: Any) -> str:
    return str(getattr(op, "name", op))


def _piece(name: str, av: Any) -> _Info:
    """One regex node; zero-width assertions match the empty string, so neighbours stay adjacent."""
    if name == "LITERAL":
        return _Info(frozenset([chr(av).lower()]), None)
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return _EMPTY
    if name == "IN":
        chars = [chr(v).lower() for op, v in av if _name(op) == "LITERAL"]
        return _Info(frozenset(chars), None) if len(chars) == len(av) else _UNKNOWN
    if name == "SUBPATTERN":
        return _sequence(av[-1])
    if name == "ATOMIC_GROUP":
        return _sequence(av)
    if name == "BRANCH":
        options = [_sequence(option) for option in av[1]]
        exact: frozenset[str] | None = None
        if all(o.exact is not None for o in options):
            exact = frozenset().union(*(o.exact for o in options if o.exact is not None))
        covers = [_best(o.exact, o.cover) for o in options]
        cover = None
        if all(c is not None for c in covers):
            cover = frozenset().union(*(c for c in covers if c is not None))
        if exact is not None and len(exact) > _MAX_EXACT:
            exact = None
        return _Info(exact, cover)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, sub = av
        inner = _sequence(sub)
        if inner.exact is not None and high <= 3:
            strings: frozenset[str] | None = frozenset([""]) if low == 0 else None
            power = frozenset([""])
            for count in range(1, high + 1):
                power = frozenset(a + b for a in power for b in inner.exact)
                if len(power) > _MAX_EXACT:
                    break
                if count >= low:
                    strings = power if strings is None else strings | power
            else:
                if strings is not None and len(strings) <= _MAX_EXACT:
                    return _Info(strings, None)
        return _Info(None, _best(inner.exact, inner.cover) if low >= 1 else None)
    return _UNKNOWN
