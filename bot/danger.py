"""The safety check in layers: the precise rules, a learned model, and a floor of danger words.

Pure domain. Defence in depth, most certain first:
1. The rules (`bot.safety.CrisisDetector`): phrases in content, with negation, past tense and
   idioms handled precisely. A crisis they find gets the crisis reply, unless the model reads the
   message as plainly ordinary: then it gets the gentle check (which still shows the crisis line),
   since a phrase alone errs on talk about history, naloxone or meetings. When the model is sure of
   another kind of danger than the phrase named, its kind decides the reply.
2. The learned model (`bot.classifier`), trained on labelled example messages in every language:
   it reads plans named by their means, passive wishes, goodbyes and described overdoses that no
   phrase list foresaw. A clear verdict of danger gets the crisis reply of the kind it names; a
   weaker one gets the gentle check. Each sentence of a long message is read on its own too, so
   danger inside a story about meetings or court cards is found.
3. The floor: a message the first two let through that still carries danger vocabulary (death,
   dying, not waking up, pills with a number, rope, gun, bleeding, goodbye...) gets the gentle
   check, never "I don't know that one" and never an FAQ answer as its first reply.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.classifier import LinearModel
from bot.content import CRISIS_KINDS, CrisisKind, DetectionRules
from bot.safety import Assessment, CrisisDetector, Level
from bot.understanding import sentences

SAFE = "none"
GENTLE = "gentle"
LABELS: tuple[str, ...] = (SAFE, GENTLE, *CRISIS_KINDS)

# Calibrated on the development split (bench/bench_understanding.py reports both splits): a sweep of
# CRISIS_PROBABILITY and SURE over the cross-validated dev examples (2026-12-03) found SURE 0.80
# gives the full crisis reply of the right kind to 6 points more danger messages than 0.90, for
# 0.3-0.4 points more false alarms on ordinary talk, in both languages.
CRISIS_PROBABILITY = 0.70
# A danger word or a worrying phrase asks gently when the model is at least this unsure. A
# 2026-12-07 sweep on the dev split (0.25 to 0.70): 0.45 cut the gentle check on ordinary talk
# from 18.3 to 13.6 % (EN) and 15.8 to 11.3 % (ES) for no danger message's resources first in
# English and one in 725 in Spanish; worrying messages flagged 0.819 -> 0.803 (EN).
FLOOR_PROBABILITY = 0.45
WORRIED = 0.75
MODEL_MIN_WORDS = 3
SURE = 0.80
# A 2026-12-04 sweep on the dev split: asking gently, rather than replying "crisis", when the model
# reads a rules' crisis as ordinary in the whole message and in each of its clauses (this
# probability of `none` or more, every time) cut full-crisis replies to ordinary talk from 8.3 to
# 6.1 % (EN) and 8.6 to 4.5 % (ES), with every danger message still given resources first and the
# right kind within a point. Judged clause by clause, a crisis beside a question about meetings
# ("i want to kill myself, what happens at a first meeting") is never softened. Since 2026-12-07
# only the clauses holding a danger phrase are judged (a short clause beside it, such as "now",
# read as danger and kept "do pharmacies need a prescription for narcan now" a crisis): on the dev
# split, full-crisis replies to ordinary talk 6.1 -> 4.8 % (EN) and 5.1 -> 3.5 % (ES), for 0.1
# point of right kind (EN) and no danger message's resources first.
ORDINARY_VETO = 0.50
# So sure the rules' crisis is ordinary talk that an FAQ answer about danger (naloxone) may come
# first, the emergency line beneath (`Assessment.informational`). On the dev split (2026-12-07) a
# bar of 0.5 let "need narcan now" get the answer first; at 0.9, 12 ordinary English questions
# and 8 Spanish are answered first, and three danger messages, whose answer then holds the steps.
INFORMATIONAL = 0.90
# Under SHORT words, with no danger vocabulary, the model alone needs this to ask gently: a short
# search or meeting name ("no such group anywhere") says too little to worry on.
SHORT = 6
SHORT_WORRIED = 0.90
# Under SHORT_SURE_WORDS words the model alone needs SHORT_SURE for the full crisis reply: an
# answer typed into a safety plan ("Walk the dog", "Staying in my room") and "sorry i pressed the
# wrong thing" read as goodbyes at 0.81-0.91. On the dev split (2026-12-07) this cost 0.3-0.4
# point of right kind (those get the gentle check, resources still first) for 0.2 point fewer
# full crisis replies to ordinary talk.
SHORT_SURE_WORDS = 8
SHORT_SURE = 0.95
# From LONG words, with no danger word or phrase anywhere, the model alone needs this to ask
# gently: its worry then comes from one sentence of a story about recovery ("the week I relapsed
# taught me..."). On the dev split (2026-12-08, 30 words, 0.90) the gentle check on ordinary talk
# fell 0.8 point (EN) and 1.8 points (ES), for no danger or worrying message less flagged; from
# 25 words it cost 5 English danger messages their resources first.
LONG = 30
LONG_WORRIED = 0.90

_CONCERN = Assessment(Level.CONCERN)
_INFORMATIONAL = Assessment(Level.CONCERN, informational=True)
_NONE = Assessment(Level.NONE)


def label_of(expect: str, kind: str) -> str:
    """The model's label for an example: its crisis kind, `gentle`, or `none`."""
    if expect == "crisis":
        return kind if kind in CRISIS_KINDS else "self_harm"
    return GENTLE if expect == "gentle" else SAFE


class DangerWords:
    """The danger vocabulary (whole words, on text folded like the rules'); a word may be a
    regular expression, such as `\\d+ pills`.

    Found as the rules find their phrases (`CrisisDetector`): a word is tried only when the
    literal pieces every match of it holds are in the message, rather than one pattern of every
    word, whose alternatives Python's regex engine would try at every position (bench/README.md
    has what that cost).
    """

    def __init__(self, words: Iterable[str]) -> None:
        parts = tuple(rf"\b(?:{w})\b" for w in words)
        self._finder = CrisisDetector(DetectionRules(concern=parts))

    def found(self, text: str) -> bool:
        """Whether `text` holds a danger word."""
        return self._finder.assess(text).level is not Level.NONE


def danger_vocabulary(words: Iterable[str]) -> DangerWords | None:
    """The floor's danger words, or None when there are none."""
    listed = [w.strip() for w in words if w.strip()]
    return DangerWords(listed) if listed else None


class DangerReader:
    """Assess a message with the rules, then the model, then the vocabulary floor."""

    def __init__(
        self,
        detector: CrisisDetector,
        model: LinearModel | None,
        vocabulary: DangerWords | None,
    ) -> None:
        self.detector = detector
        self.model = model
        self.vocabulary = vocabulary

    def assess(self, text: str) -> Assessment:
        """CRISIS (with its kind), CONCERN (ask gently), or NONE."""
        ruled = self.detector.assess(text)
        if ruled.level is Level.CRISIS:
            return self._second_opinion(text, ruled)
        if ruled.level is Level.NONE and self.detector.cancelled(text):
            # Negation, history or an idiom, read precisely by the rules; the clauses the
            # cancelled phrase is not in are still the model's to read.
            return self._beside_cancelled(text)
        worded = self.vocabulary is not None and self.vocabulary.found(text)
        # A worrying phrase of the rules is a danger word like the vocabulary's: the model still
        # has its say, since such phrases name grief and history too ("lost my brother to an
        # overdose").
        hard = worded or ruled.level is Level.CONCERN
        if self.model is None:
            return _CONCERN if hard else _NONE
        count = len(text.split())
        few = count < MODEL_MIN_WORDS
        if few and not worded:
            # A word or two says too little for the model alone ("now", "ok"): the rules and the
            # vocabulary have read it.
            return ruled
        danger, worrying, kind = self._learned(text)
        # Two signals agreeing (the model and the vocabulary) are needed for all but the
        # clearest verdicts: either alone errs on ordinary talk.
        short = count < SHORT
        sure = SHORT_SURE if count < SHORT_SURE_WORDS else SURE
        if kind is not None and danger >= CRISIS_PROBABILITY and (worded or danger >= sure):
            return Assessment(Level.CRISIS, kind)
        if few and ruled.level is Level.CONCERN:
            return ruled  # too few words for the model to overrule the rules ("overdose?")
        worried = SHORT_WORRIED if short else LONG_WORRIED if count >= LONG else WORRIED
        if (hard and worrying >= FLOOR_PROBABILITY) or worrying >= worried:
            return _CONCERN
        return _NONE

    def _beside_cancelled(self, text: str) -> Assessment:
        """A message whose danger phrases the rules cancelled ("he wont respond to me, his lips
        look blue"): the full crisis reply when the model is sure of danger in the clauses
        holding none of them, else nothing, as the rules said."""
        rest = " ".join(self.detector.phrase_free(text)) if self.model is not None else ""
        if not rest:
            return _NONE
        # Only the full reply: on the dev split (2026-12-07) letting the rest ask gently too cost
        # 0.4 point of gentle checks on ordinary talk (EN) for no danger message more.
        assessment = self.assess(rest)
        return assessment if assessment.level is Level.CRISIS else _NONE

    def _second_opinion(self, text: str, ruled: Assessment) -> Assessment:
        """The model's word on a crisis the rules found: plainly ordinary asks gently (or lets
        the FAQ answer first, see `Assessment.informational`); sure of another kind names that
        kind."""
        if self.model is None:
            return ruled
        safe = self.model.labels.index(SAFE) if SAFE in self.model.labels else None
        # The whole message and each clause holding a danger phrase: a clause of its own ("now",
        # "he tells everyone") says too little for the model to keep a crisis standing.
        clauses = self.detector.clauses(text)
        bearing = [c for c in clauses if self.detector.assess(c).level is Level.CRISIS]
        parts = [text, *bearing]
        ordinary = (
            min(self.model.probabilities(part)[safe] for part in parts) if safe is not None else 0
        )
        if ordinary >= INFORMATIONAL:
            return _INFORMATIONAL
        if ordinary >= ORDINARY_VETO:
            return _CONCERN
        danger, _, kind = self._learned(text)
        if kind is not None and danger >= SURE and kind != ruled.kind:
            return Assessment(Level.CRISIS, kind)
        return ruled

    def _learned(self, text: str) -> tuple[float, float, CrisisKind | None]:
        """The model's worst reading of the message or any of its sentences: the probability of
        danger, of danger or worry, and the likeliest kind of danger."""
        assert self.model is not None
        danger, worrying = 0.0, 0.0
        kind: CrisisKind | None = None
        # A long message of one sentence (phone style, no full stops) is read once, not twice.
        parts = list(dict.fromkeys([text, *sentences(text)])) if len(text) > 80 else [text]
        for part in parts:
            scores = self.model.probabilities(part)
            probabilities = dict(zip(self.model.labels, scores, strict=True))
            kinds = [(probabilities.get(k, 0.0), k) for k in CRISIS_KINDS]
            part_danger = sum(p for p, _ in kinds)
            worrying = max(worrying, part_danger + probabilities.get(GENTLE, 0.0))
            if part_danger > danger:
                danger, kind = part_danger, max(kinds)[1]
        return danger, worrying, kind
