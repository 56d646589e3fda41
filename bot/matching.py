"""Match a newcomer's free-text question to a curated FAQ entry, or say honestly we are unsure.

Pure and I/O-free: the algorithm lives here, the word tables are data. A `Lexicon` compiles one
language's tables once (its resources in `bot/lang/<language>.yaml`, its recovery vocabulary in
`content/<language>/vocabulary.yaml`, both read and validated by bot.content);
`FaqMatcher.build()` precomputes everything else; `match()` then costs a few dozen dictionary
look-ups plus one C-level rapidfuzz pass over the phrasings. Imports only bot.content (the
content contract), rapidfuzz and the standard library.

How a text becomes terms (`FaqMatcher.terms`; the corpus goes through the same steps, less the
correction):
  fold accents and case, expand contractions ("what's", "dont") and chat slang ("u", "ppl",
  "1st", "mtg"), fuzzy-correct tokens that are unknown to the corpus and the tables
  ("sponser" -> "sponsor"), map irregular forms to a lemma ("drank" -> "drink"), stem lightly,
  replace multi-word phrases ("drink again", "higher power") by a concept, map single words to
  a concept ("pills" -> medication, "zoom" -> online), drop stop words.

How an entry is scored against a question (all in 0..1, blended with the `WEIGHT_*` constants):
  coverage  how much of the question's information (IDF mass, unknown words included) the
            entry's phrasings and keywords explain; off-topic words pull it down;
  cosine    the best IDF-weighted cosine between the question and one phrasing, which rewards
            a phrasing that says the same thing rather than an entry that merely mentions it;
  fuzzy     the best rapidfuzz token_sort_ratio against one phrasing (question or also_asked),
            rescaled so unrelated text scores 0; it survives typos the token correction could
            not fix.
Words that are neither a concept nor one of the entry's own keywords count PLAIN_WORD_FACTOR of
an anchor word, and the blend is scaled down when the evidence (matched IDF mass) is below
EVIDENCE_FULL, so vague or off-topic text cannot score high on one stray word.

Deciding (`match`): nothing when the best score is below SUGGEST_SCORE; a direct answer when it
is at least CONFIDENT_SCORE, leads the runner-up by CONFIDENT_MARGIN, has full evidence and rests
on at least one word as typed (or a close correction, FIRM_SIMILARITY); otherwise up to three
suggestions. The only state kept after build() is a bounded memo of typo corrections.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.content import FaqEntry, LanguageFile, VocabularyFile

# --- Decision thresholds (on the blended score, 0..1) --------------------------------------------
# Answer directly when the best entry scores at least this and leads the runner-up by the margin.
CONFIDENT_SCORE = 0.5
CONFIDENT_MARGIN = 0.1
# Below this nothing fits ("what's the weather"): say so instead of offering unrelated entries.
SUGGEST_SCORE = 0.25
# When unsure, offer at most this many entries, each scoring at least SUGGEST_SCORE and at least
# this share of the best score.
MAX_SUGGESTIONS = 3
SUGGEST_RELATIVE = 0.6

# --- Score blend ----------------------------------------------------------------------------------
WEIGHT_COVERAGE = 0.4
WEIGHT_COSINE = 0.3
WEIGHT_CORE = 0.15
WEIGHT_FUZZY = 0.15
# An entry's core: the terms in at least this share of its phrasings (question and also_asked),
# what it is always about ("alanon" for the Al-Anon entry). A question that names none of the
# core is unlikely to be about that entry, however many side words it shares with it.
CORE_SHARE = 0.4
# A matched word that is neither a concept of the tables nor one of the entry's curated keywords
# ("tomorrow" in "no meetings till tomorrow") is weaker evidence than one that is.
PLAIN_WORD_FACTOR = 0.5
# Evidence (IDF mass, see above) needed for full certainty; below it the score shrinks in
# proportion and no direct answer is given, so "meeting" or "alcohol" alone (words many entries
# share) get suggestions or nothing, never an answer.
EVIDENCE_FULL = 2.0
# Scores shrink to this share at zero evidence, so a question made only of the FAQ's own words
# ("meeting") still gets suggestions rather than nothing.
CERTAINTY_FLOOR = 0.35
# token_sort_ratio at or below this is noise between unrelated texts; it is rescaled to 0..1 above.
FUZZY_FLOOR = 50.0

# --- Query handling -------------------------------------------------------------------------------
# Telegram allows 4096 characters; a question is far shorter, so only the start is read.
MAX_QUERY_CHARS = 600
MAX_QUERY_TOKENS = 60
# Weight (like an IDF) of a question word the corpus has never seen: it dilutes coverage, so a
# question about pizza with "meeting" in it does not look like a confident match.
UNKNOWN_WEIGHT = 3.0
# Unknown tokens of at least this length are corrected to the nearest vocabulary word within
# `_max_edits` edits (optimal string alignment: a swap of two letters is one edit).
CORRECT_MIN_LEN = 4
SHORT_WORD = 5
# A corrected word counts similarity ** CORRECTION_POWER: a guess is weaker than a word as typed.
CORRECTION_POWER = 2.0
# A direct answer needs at least one matched term at this confidence or more: a word as typed or
# a close correction ("sponser", 1 - 1/7 = 0.86), not only short-word guesses ("trains" ->
# "trans", 0.83), which are offered as suggestions instead.
FIRM_SIMILARITY = 0.85
_CACHE_LIMIT = 20_000


@dataclass(frozen=True)
class Match:
    """One FAQ entry and how well it matches, 0..1."""

    entry_id: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """Either a confident answer, or up to three suggestions, or nothing (both empty)."""

    confident: Match | None
    suggestions: tuple[Match, ...]


# --- Normalisation -------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})
_TOKEN = re.compile(r"[a-z0-9]+")
# Words repeat (building the matcher asks for about 10,000 base forms of 1,500 words), and so do
# the words of questions; the cache is bounded because questions can hold any word.
_BASE_CACHE = 8192


def _fold(text: str) -> str:
    """Lower-case, drop accents, unify apostrophes."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.casefold()


def _stem(word: str) -> str:
    """A light, consistent suffix stripper (applied to corpus and questions alike)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ied") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ly") and len(word) > 5:
        word = word[:-2]
    elif word.endswith("ing") and len(word) > 5 and _has_vowel(word[:-3]):
        word = _undouble(word[:-3])
    elif word.endswith("ed") and len(word) > 4 and _has_vowel(word[:-2]):
        word = _undouble(word[:-2])
    elif word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        word = word[:-1]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _has_vowel(stem: str) -> bool:
    return len(stem) >= 3 and any(c in "aeiouy" for c in stem)


def _undouble(stem: str) -> str:
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    return stem


def _max_edits(length: int) -> int:
    """Typos tolerated in a word of `length` letters."""
    return 1 if length <= 6 else 2 if length <= 12 else 3


class Lexicon:
    """The tables of one language, compiled once: how its words become the matcher's terms.

    Built from the language's resources (`bot/lang/<language>.yaml`: contractions, chat spelling,
    irregular forms, stop words) and its recovery vocabulary (`content/<language>/vocabulary.yaml`:
    concepts and what they imply); either may be empty.
    """

    def __init__(self, words: LanguageFile, vocabulary: VocabularyFile) -> None:
        self._contractions = tuple(
            (re.compile(pattern), replacement) for pattern, replacement in words.contractions
        )
        self._spellings: Mapping[str, str] = words.spellings
        self._irregular: Mapping[str, str] = words.irregular
        self.concepts: Mapping[str, tuple[str, ...]] = vocabulary.concepts
        self.implies: Mapping[str, tuple[str, ...]] = vocabulary.implies
        # One cache per lexicon: a base form depends on the language's irregular forms. The
        # cached function must not hold `self`: a reference cycle would keep a replaced library.
        irregular = self._irregular

        def base(word: str) -> str:
            """Surface word -> the stemmed base form used everywhere."""
            return _stem(irregular.get(word, word))

        self.base: Callable[[str], str] = lru_cache(maxsize=_BASE_CACHE)(base)
        concept_words: dict[str, str] = {}
        concept_phrases: dict[tuple[str, ...], str] = {}
        for concept, members in self.concepts.items():
            for member in members:
                parts = tuple(self.base(w) for w in member.split())
                if len(parts) == 1:
                    concept_words[parts[0]] = concept
                else:
                    concept_phrases[parts] = concept
        self._concept_words = concept_words
        self._concept_phrases = concept_phrases
        self._longest_phrase = max((len(p) for p in concept_phrases), default=1)
        self.stop_bases: frozenset[str] = frozenset(self.base(w) for w in words.stop_words.split())
        self.concept_terms: frozenset[str] = frozenset(self.concepts)
        # Every base form the tables know; a question word outside these and the corpus gets
        # corrected.
        self.table_bases: frozenset[str] = frozenset(
            {*concept_words, *(p for parts in concept_phrases for p in parts), *self.stop_bases}
        )
        self.table_surfaces: frozenset[str] = frozenset(
            w
            for members in self.concepts.values()
            for member in members
            for w in member.split()
            if len(w) >= CORRECT_MIN_LEN and w.isalpha()
        ) | frozenset(w for w in self._irregular if len(w) >= CORRECT_MIN_LEN)

    def surface_tokens(self, text: str) -> list[str]:
        """Folded words with contractions and chat spelling expanded; not stemmed."""
        text = _fold(text[:MAX_QUERY_CHARS])
        for pattern, repl in self._contractions:
            text = pattern.sub(repl, text)
        words: list[str] = []
        for token in _TOKEN.findall(text):
            expanded = self._spellings.get(token)
            words.extend(expanded.split() if expanded else (token,))
            if len(words) >= MAX_QUERY_TOKENS:
                break
        return words[:MAX_QUERY_TOKENS]

    def concepts_of(self, bases: list[str], confidence: list[float]) -> dict[str, float]:
        """Replace phrases then words by concepts, drop stop words: term -> confidence (0..1)."""
        terms: dict[str, float] = {}
        i = 0
        n = len(bases)
        while i < n:
            for size in range(min(self._longest_phrase, n - i), 1, -1):
                concept = self._concept_phrases.get(tuple(bases[i : i + size]))
                if concept is not None:
                    conf = min(confidence[i : i + size])
                    for term in (concept, *self.implies.get(concept, ())):
                        terms[term] = max(terms.get(term, 0.0), conf)
                    i += size
                    break
            else:
                base = bases[i]
                if base not in self.stop_bases and not base.isdigit():
                    term = self._concept_words.get(base, base)
                    terms[term] = max(terms.get(term, 0.0), confidence[i])
                i += 1
        return terms

    def analyse(self, text: str) -> dict[str, float]:
        """The terms of `text` without fuzzy correction (how the corpus itself is read)."""
        words = self.surface_tokens(text)
        return self.concepts_of([self.base(w) for w in words], [1.0] * len(words))

    def fuzzy_surface(self, words: Iterable[str]) -> str:
        """The string rapidfuzz compares: surface words without stop words, sorted.

        Sorting here, once per phrasing at build time, lets match() use plain `fuzz.ratio` and get
        `token_sort_ratio` without re-sorting every phrasing on every question.
        """
        return " ".join(sorted(w for w in words if self.base(w) not in self.stop_bases))


@dataclass(frozen=True)
class _Phrasing:
    entry: int
    norm: float


class FaqMatcher:
    """Finds the FAQ entry a free-text question is about. Build once, match many times."""

    def __init__(
        self,
        lexicon: Lexicon,
        ids: tuple[str, ...],
        idf: Mapping[str, float],
        anchors: tuple[frozenset[str], ...],
        keyword_sets: Mapping[str, tuple[tuple[int, frozenset[str]], ...]],
        entry_postings: Mapping[str, tuple[int, ...]],
        phrase_postings: Mapping[str, tuple[int, ...]],
        core_postings: Mapping[str, tuple[tuple[int, float], ...]],
        phrasings: tuple[_Phrasing, ...],
        fuzzy_choices: tuple[str, ...],
        fuzzy_owner: tuple[int, ...],
        vocabulary: tuple[str, ...],
        frequency: Mapping[str, int],
        known_bases: frozenset[str],
    ) -> None:
        self._lexicon = lexicon
        self._ids = ids
        self._idf = idf
        self._anchors = anchors
        self._keyword_sets = keyword_sets
        self._entry_postings = entry_postings
        self._phrase_postings = phrase_postings
        self._core_postings = core_postings
        self._phrasings = phrasings
        self._fuzzy_choices = fuzzy_choices
        self._fuzzy_owner = fuzzy_owner
        self._vocabulary = vocabulary
        self._frequency = frequency
        self._known = known_bases
        self._corrections: dict[str, tuple[str, float] | None] = {}

    @classmethod
    def build(cls, entries: Iterable[FaqEntry], lexicon: Lexicon) -> FaqMatcher:
        """Precompute IDF, postings, anchors, phrasing norms and the correction vocabulary, reading
        the entries with `lexicon` (the tables of their language)."""
        entry_list = list(entries)
        ids = tuple(e.id for e in entry_list)
        if len(set(ids)) != len(ids):
            raise ValueError("FAQ entry ids must be unique")
        frequency: dict[str, int] = {}
        known: set[str] = set()
        per_phrasing: list[tuple[int, dict[str, float]]] = []
        fuzzy_choices: list[str] = []
        fuzzy_owner: list[int] = []
        seen_choices: set[tuple[str, int]] = set()
        entry_terms: list[frozenset[str]] = []
        anchors: list[frozenset[str]] = []
        keyword_sets: dict[str, list[tuple[int, frozenset[str]]]] = {}
        for index, entry in enumerate(entry_list):
            phrasings_of_entry = (entry.question, *entry.also_asked)
            terms_of_entry: set[str] = set()
            anchors_of_entry: set[str] = set()
            for position, text in enumerate((*phrasings_of_entry, *entry.keywords)):
                words = lexicon.surface_tokens(text)
                for w in words:
                    if len(w) >= CORRECT_MIN_LEN and w.isalpha():
                        frequency[w] = frequency.get(w, 0) + 1
                known.update(lexicon.base(w) for w in words)
                terms = lexicon.concepts_of([lexicon.base(w) for w in words], [1.0] * len(words))
                terms_of_entry.update(terms)
                if position < len(phrasings_of_entry):
                    fuzzy_text = lexicon.fuzzy_surface(words)
                    if fuzzy_text and (fuzzy_text, index) not in seen_choices:
                        seen_choices.add((fuzzy_text, index))
                        fuzzy_choices.append(fuzzy_text)
                        fuzzy_owner.append(index)
                    if terms:
                        per_phrasing.append((index, terms))
                elif len(terms) == 1:
                    anchors_of_entry.update(terms)
                elif terms:
                    # A keyword of several words anchors only when all of them are asked about.
                    key_set = frozenset(terms)
                    for term in key_set:
                        keyword_sets.setdefault(term, []).append((index, key_set))
            entry_terms.append(frozenset(terms_of_entry))
            anchors.append(frozenset(anchors_of_entry))

        n = len(entry_list)
        df: dict[str, int] = {}
        entry_postings: dict[str, list[int]] = {}
        for index, terms_set in enumerate(entry_terms):
            for term in terms_set:
                df[term] = df.get(term, 0) + 1
                entry_postings.setdefault(term, []).append(index)
        idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}

        phrase_postings: dict[str, list[int]] = {}
        phrasings: list[_Phrasing] = []
        counts: list[dict[str, int]] = [{} for _ in range(n)]
        for p_index, (entry_index, terms) in enumerate(per_phrasing):
            norm = math.sqrt(sum(idf[t] ** 2 for t in terms)) or 1.0
            phrasings.append(_Phrasing(entry_index, norm))
            for term in terms:
                phrase_postings.setdefault(term, []).append(p_index)
                counts[entry_index][term] = counts[entry_index].get(term, 0) + 1

        core_postings: dict[str, list[tuple[int, float]]] = {}
        for index, entry in enumerate(entry_list):
            if not counts[index]:
                continue
            need = max(2.0, CORE_SHARE * (1 + len(entry.also_asked)))
            core = [t for t, c in counts[index].items() if c >= need]
            if not core:  # phrasings that share little: fall back to the commonest terms
                most = max(counts[index].values())
                core = [t for t, c in counts[index].items() if c == most]
            core_total = sum(idf[t] for t in core) or 1.0
            for term in core:
                core_postings.setdefault(term, []).append((index, idf[term] / core_total))

        return cls(
            lexicon=lexicon,
            ids=ids,
            idf=idf,
            anchors=tuple(anchors),
            keyword_sets={t: tuple(v) for t, v in keyword_sets.items()},
            entry_postings={t: tuple(v) for t, v in entry_postings.items()},
            phrase_postings={t: tuple(v) for t, v in phrase_postings.items()},
            core_postings={t: tuple(v) for t, v in core_postings.items()},
            phrasings=tuple(phrasings),
            fuzzy_choices=tuple(fuzzy_choices),
            fuzzy_owner=tuple(fuzzy_owner),
            vocabulary=tuple(sorted(frequency.keys() | lexicon.table_surfaces)),
            frequency=frequency,
            known_bases=frozenset(known) | lexicon.table_bases,
        )

    # --- question analysis ------------------------------------------------------------------------

    def _correct(self, word: str) -> tuple[str, float] | None:
        """The vocabulary word closest to an unknown `word`, with its similarity (0..1)."""
        if word in self._corrections:
            return self._corrections[word]
        found: tuple[str, float] | None = None
        if len(word) >= CORRECT_MIN_LEN and word.isalpha():
            edits = _max_edits(len(word))
            candidates = process.extract(
                word, self._vocabulary, scorer=OSA.distance, score_cutoff=edits, limit=8
            )
            if len(word) <= SHORT_WORD or edits > 1:
                # One edit in a short word, or two in a longer one, is a big change ("game" ->
                # "name", "weather" -> "father"): only trust it when the first letter, which
                # typos rarely hit, is kept.
                candidates = [c for c in candidates if c[0][0] == word[0]]
            if candidates:
                # Fewest edits first; then keep the first letter, then the word the corpus uses
                # most.
                target, distance, _ = min(
                    candidates,
                    key=lambda c: (c[1], c[0][0] != word[0], -self._frequency.get(c[0], 0), c[0]),
                )
                similarity = 1.0 - distance / max(len(word), len(target))
                found = (target, similarity**CORRECTION_POWER)
        if len(self._corrections) >= _CACHE_LIMIT:
            self._corrections.clear()
        self._corrections[word] = found
        return found

    def terms(self, text: str) -> tuple[dict[str, float], str]:
        """The question's terms (term -> confidence 0..1) and the string rapidfuzz compares."""
        lexicon = self._lexicon
        words = lexicon.surface_tokens(text)
        bases: list[str] = []
        confidence: list[float] = []
        fixed: list[str] = []
        for word in words:
            base = lexicon.base(word)
            conf = 1.0
            if base not in self._known and not base.isdigit():
                corrected = self._correct(word)
                if corrected is not None:
                    word, conf = corrected
                    base = lexicon.base(word)
            bases.append(base)
            confidence.append(conf)
            fixed.append(word)
        return lexicon.concepts_of(bases, confidence), lexicon.fuzzy_surface(fixed)

    # --- scoring ----------------------------------------------------------------------------------

    def _scores(self, text: str) -> tuple[list[float], list[bool]]:
        """Per entry: the blended score, and whether it may be answered directly: some firm
        (typed, not guessed) term supports it and the evidence is full."""
        n = len(self._ids)
        scores = [0.0] * n
        firm = [False] * n
        if n == 0:
            return scores, firm
        terms, surface = self.terms(text)
        if not terms:
            return scores, firm
        idf = self._idf
        concept_terms = self._lexicon.concept_terms
        weights = {t: idf.get(t, UNKNOWN_WEIGHT) for t in terms}
        total = sum(weights.values())
        if total <= 0.0:
            return scores, firm
        firm_level = FIRM_SIMILARITY**CORRECTION_POWER
        q_norm = math.sqrt(sum(w * w for w in weights.values()))

        # Multi-word keywords the question states in full anchor their entry.
        fired: dict[int, set[str]] = {}
        for term in terms:
            for entry, key_set in self._keyword_sets.get(term, ()):
                if key_set <= terms.keys():
                    fired.setdefault(entry, set()).update(key_set)

        # Evidence: the IDF mass of the question an entry explains, a plain word (neither a
        # concept nor one of the entry's keywords) counting PLAIN_WORD_FACTOR of an anchor.
        evidence = [0.0] * n
        factors: dict[tuple[str, int], float] = {}
        for term, conf in terms.items():
            postings = self._entry_postings.get(term)
            if postings is None:
                continue
            w = weights[term] * conf
            concept = term in concept_terms
            is_firm = conf >= firm_level
            for entry in postings:
                anchored = concept or term in self._anchors[entry] or term in fired.get(entry, ())
                factor = 1.0 if anchored else PLAIN_WORD_FACTOR
                factors[term, entry] = factor
                evidence[entry] += w * factor
                firm[entry] = firm[entry] or is_firm

        best_cosine = [0.0] * n
        dots: dict[int, float] = {}
        for term, conf in terms.items():
            w2 = weights[term] ** 2 * conf
            for p_index in self._phrase_postings.get(term, ()):
                factor = factors[term, self._phrasings[p_index].entry]
                dots[p_index] = dots.get(p_index, 0.0) + w2 * factor
        for p_index, dot in dots.items():
            phrasing = self._phrasings[p_index]
            value = dot / (q_norm * phrasing.norm)
            if value > best_cosine[phrasing.entry]:
                best_cosine[phrasing.entry] = value

        core = [0.0] * n
        for term, conf in terms.items():
            for entry, share in self._core_postings.get(term, ()):
                core[entry] += share * conf

        fuzzy = [0.0] * n
        if surface:
            for _choice, ratio, c_index in process.extract(
                surface,
                self._fuzzy_choices,
                scorer=fuzz.ratio,  # on sorted words: token_sort_ratio
                limit=None,
                score_cutoff=FUZZY_FLOOR,
            ):
                value = (ratio - FUZZY_FLOOR) / (100.0 - FUZZY_FLOOR)
                entry = self._fuzzy_owner[c_index]
                if value > fuzzy[entry]:
                    fuzzy[entry] = value

        for i in range(n):
            if evidence[i] <= 0.0:
                continue  # fuzzy resemblance alone is not a reason to offer an entry
            blended = (
                WEIGHT_COVERAGE * evidence[i] / total
                + WEIGHT_COSINE * best_cosine[i]
                + WEIGHT_CORE * core[i]
                + WEIGHT_FUZZY * fuzzy[i]
            )
            # A vague question ("meeting") cannot score high however well it is covered, nor be
            # answered directly.
            certainty = min(1.0, evidence[i] / EVIDENCE_FULL)
            shrink = CERTAINTY_FLOOR + (1.0 - CERTAINTY_FLOOR) * certainty
            scores[i] = min(1.0, max(0.0, blended * shrink))
            firm[i] = firm[i] and certainty >= 1.0
        return scores, firm

    def _ranked(self, text: str, limit: int) -> list[tuple[Match, bool]]:
        if limit <= 0:
            return []
        scores, firm = self._scores(text)
        order = sorted((i for i, s in enumerate(scores) if s > 0.0), key=lambda i: (-scores[i], i))
        return [(Match(self._ids[i], round(scores[i], 4)), firm[i]) for i in order[:limit]]

    def rank(self, text: str, limit: int = 3) -> list[Match]:
        """The `limit` best entries for `text`, best first; entries scoring 0 are left out."""
        return [m for m, _ in self._ranked(text, limit)]

    def match(self, text: str) -> MatchResult:
        """A confident answer, else up to three suggestions, else nothing."""
        with_firm = self._ranked(text, MAX_SUGGESTIONS + 1)
        ranked = [m for m, _ in with_firm]
        if not ranked or ranked[0].score < SUGGEST_SCORE:
            return MatchResult(None, ())
        top, top_is_firm = with_firm[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if (
            top_is_firm
            and top.score >= CONFIDENT_SCORE
            and top.score - runner_up >= CONFIDENT_MARGIN
        ):
            return MatchResult(top, ())
        floor = max(SUGGEST_SCORE, top.score * SUGGEST_RELATIVE)
        return MatchResult(None, tuple(m for m in ranked[:MAX_SUGGESTIONS] if m.score >= floor))
