"""Unit tests of bot.matching on a small fixture corpus written here (not the real FAQ)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import FaqEntry, Source
from bot.matching import (
    CONFIDENT_SCORE,
    MAX_SUGGESTIONS,
    SUGGEST_SCORE,
    FaqMatcher,
    Match,
    MatchResult,
)
from tests.english import ENGLISH, analyse

_SRC = (Source(title="fixture"),)


def _entry(id_: str, question: str, also: tuple[str, ...] = (), keywords: tuple[str, ...] = ()):
    return FaqEntry(
        id=id_,
        question=question,
        also_asked=also,
        keywords=keywords,
        answer="An answer.",
        sources=_SRC,
    )


FIXTURE = (
    _entry(
        "do-i-have-to-talk",
        "Do I have to talk at my first meeting?",
        ("Can I just listen?", "Will they make me share?", "Can I pass when it's my turn?"),
        ("speak", "share", "listen", "pass"),
    ),
    _entry(
        "what-to-say",
        "What do I say if I decide to share?",
        ("How do I introduce myself?", "Do I have to say I'm an addict or alcoholic?"),
        ("introduce", "name"),
    ),
    _entry(
        "cost",
        "Does it cost anything?",
        ("Do I have to pay?", "What is the basket for?", "Are meetings free?"),
        ("money", "donation", "fee"),
    ),
    _entry(
        "confidentiality",
        "Will people tell anyone what I say?",
        ("Is what I share kept confidential?", "What does anonymous mean?"),
        ("confidential", "anonymous", "secret"),
    ),
    _entry(
        "medication",
        "Can I go to meetings if I take prescribed medication?",
        ("Will people judge me for being on methadone or suboxone?", "Are antidepressants ok?"),
        ("meds", "pills", "prescription", "MAT"),
    ),
    _entry(
        "online-meetings",
        "Are there online meetings?",
        ("Can I join a meeting by video from home?",),
        ("zoom", "virtual", "online"),
    ),
    _entry(
        "relapse",
        "I relapsed. Can I still come back?",
        ("I used again after some clean time, am I welcome?", "What if I slip?"),
        ("slip", "relapse", "used again"),
    ),
    _entry(
        "spirituality",
        "Do I have to believe in God?",
        ("Is it religious?", "I'm an atheist, will it work for me?"),
        ("higher power", "religion", "spiritual"),
    ),
    _entry(
        "nervous",
        "I'm nervous about going to my first meeting. Is that normal?",
        ("What if I get scared and want to leave?",),
        ("anxious", "afraid", "scared"),
    ),
    _entry(
        "sponsor",
        "What is a sponsor and how do I get one?",
        ("Do I need a sponsor?",),
        ("sponsor", "mentor"),
    ),
    _entry(
        "find-a-meeting",
        "How do I find a meeting near me?",
        ("Where are meetings held in my area?",),
        ("find", "near", "local", "directory"),
    ),
    _entry(
        "open-vs-closed",
        "What is the difference between open and closed meetings?",
        ("Can I go to a closed meeting?",),
        ("open meeting", "closed meeting"),
    ),
)


@pytest.fixture(scope="module")
def matcher() -> FaqMatcher:
    return FaqMatcher.build(FIXTURE, ENGLISH)


def _offered(result: MatchResult) -> list[str]:
    ids = [result.confident.entry_id] if result.confident else []
    return ids + [m.entry_id for m in result.suggestions]


# --- normalisation --------------------------------------------------------------------------------


def test_slang_contractions_and_accents_normalise_alike() -> None:
    assert analyse("do i hav to talk at my 1st mtg??") == analyse(
        "Do I have to talk at my first meeting?"
    )
    assert analyse("Can’t I just listen") == analyse("cant i just listen")
    assert analyse("Café MÉETING") == analyse("cafe meeting")


def test_synonyms_share_a_concept() -> None:
    assert analyse("pills") == analyse("meds") == analyse("antidepressants")
    assert analyse("suboxone") == analyse("methadone") == analyse("buprenorphine")
    assert analyse("zoom") == analyse("online") == analyse("virtual")
    assert analyse("i drank again") == analyse("relapsed") == analyse("slipped")
    assert analyse("higher power") == analyse("god") == analyse("atheist")
    assert analyse("scared") == analyse("anxious") == analyse("nervous")


def test_every_synonym_maps_to_its_own_concept() -> None:
    """A word listed under two concepts, or shadowed by a stop word, would silently lose one."""
    for concept, members in ENGLISH.concepts.items():
        implied = {c: 1.0 for c in ENGLISH.implies.get(concept, ())}
        for member in members:
            assert analyse(member) == {concept: 1.0, **implied}, (member, concept)


def test_being_made_to_speak_is_not_what_to_say() -> None:
    assert set(analyse("do i have to talk")) == {"mustspeak", "talk"}
    assert set(analyse("will they make me share")) == {"mustspeak", "talk"}
    assert set(analyse("what do i say")) == {"talk"}


def test_na_and_aa_are_kept() -> None:
    assert set(analyse("NA or AA mtg")) == {"na", "aa", "meeting"}


def test_stop_words_only_give_no_terms() -> None:
    assert analyse("what is it and how do i do it??") == {}


# --- matching -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("do i hav to say anything at my 1st meeting??", "do-i-have-to-talk"),
        ("can i just sit and listen", "do-i-have-to-talk"),
        ("how much does it cost", "cost"),
        ("is it free", "cost"),
        ("do i need to bring money", "cost"),
        ("im on suboxone is that ok", "medication"),
        ("can i go if i take antidepresants", "medication"),
        ("r there zoom meetings", "online-meetings"),
        ("i drank again last night can i come back", "relapse"),
        ("i slipped", "relapse"),
        ("do i have to beleive in god", "spirituality"),
        ("im an atheist", "spirituality"),
        ("how do i get a sponser", "sponsor"),
        ("im so scared to go", "nervous"),
        ("where can i find a meeting near me", "find-a-meeting"),
        ("whats the diff between open n closed mtgs", "open-vs-closed"),
        ("will ppl tell anyone what i said", "confidentiality"),
        ("how do i introduce myself", "what-to-say"),
    ],
)
def test_top_match(matcher: FaqMatcher, text: str, expected: str) -> None:
    ranked = matcher.rank(text)
    assert ranked, text
    assert ranked[0].entry_id == expected, ranked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Do I have to talk at my first meeting?", "do-i-have-to-talk"),
        ("do i have to talk at my first meeting", "do-i-have-to-talk"),
        ("do i hve to tlak at my frist meeting", "do-i-have-to-talk"),
        ("are meetings free", "cost"),
        ("sponsor", "sponsor"),
        ("zoom", "online-meetings"),
    ],
)
def test_confident(matcher: FaqMatcher, text: str, expected: str) -> None:
    result = matcher.match(text)
    assert result.confident is not None, matcher.rank(text)
    assert result.confident.entry_id == expected
    assert result.confident.score >= CONFIDENT_SCORE
    assert result.suggestions == ()


@pytest.mark.parametrize(
    "text",
    [
        "what's the weather",
        "best pizza in town",
        "asdfgh",
        "who won the game last night",
        "tell me a joke",
        "",
        "   ",
        "?!?!",
        "\U0001f600\U0001f64f",
    ],
)
def test_off_topic_gets_nothing(matcher: FaqMatcher, text: str) -> None:
    result = matcher.match(text)
    assert result == MatchResult(None, ()), matcher.rank(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("do i have to say", {"do-i-have-to-talk", "what-to-say"}),
        ("what do i say when i share", {"do-i-have-to-talk", "what-to-say"}),
    ],
)
def test_ambiguous_gives_suggestions(matcher: FaqMatcher, text: str, expected: set[str]) -> None:
    result = matcher.match(text)
    assert result.confident is None, result
    offered = {m.entry_id for m in result.suggestions}
    assert 1 <= len(offered) <= MAX_SUGGESTIONS
    assert offered & expected, result
    assert all(m.score >= SUGGEST_SCORE for m in result.suggestions)


@pytest.mark.parametrize("text", ["meeting", "meetings?", "people", "i need help", "is it ok"])
def test_vague_is_never_confident(matcher: FaqMatcher, text: str) -> None:
    assert matcher.match(text).confident is None, matcher.rank(text)


def test_rank_is_sorted_and_limited(matcher: FaqMatcher) -> None:
    ranked = matcher.rank("meeting online free sponsor", limit=5)
    assert 1 <= len(ranked) <= 5
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)
    assert matcher.rank("sponsor", limit=0) == []
    assert all(isinstance(m, Match) and 0.0 < m.score <= 1.0 for m in ranked)


def test_empty_corpus_matches_nothing() -> None:
    empty = FaqMatcher.build([], ENGLISH)
    assert empty.match("do i have to talk") == MatchResult(None, ())
    assert empty.rank("anything") == []


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError):
        FaqMatcher.build([FIXTURE[0], FIXTURE[0]], ENGLISH)


def test_repeated_matches_agree(matcher: FaqMatcher) -> None:
    # How fast (the typo cache warm or cold) is a figure of bench/bench_matching.py, not a pin here.
    texts = ["do i hav to talk", "pizza near me", "sponser", "i relapsd can i come back"] * 50
    results = [matcher.match(text) for text in texts]
    assert results[4:] == results[:-4]


# --- robustness -----------------------------------------------------------------------------------


def _check(result: MatchResult) -> None:
    assert len(result.suggestions) <= MAX_SUGGESTIONS
    if result.confident is not None:
        assert result.suggestions == ()
        assert 0.0 <= result.confident.score <= 1.0
    for m in result.suggestions:
        assert 0.0 <= m.score <= 1.0


# Hypothesis does not mix with function-scoped fixtures: one shared matcher.
_MATCHER = FaqMatcher.build(FIXTURE, ENGLISH)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=4096))
def test_any_text_never_raises(text: str) -> None:
    _check(_MATCHER.match(text))
    assert len(_MATCHER.rank(text, limit=5)) <= 5


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["do", "i", "hav", "2", "tlak", "mtg", "sponser", "zoom", "?!", "\U0001f600"]
        ),
        max_size=30,
    ).map(" ".join)
)
def test_near_vocabulary_noise_never_raises(text: str) -> None:
    _check(_MATCHER.match(text))


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), max_size=50))
def test_emoji_never_raises(text: str) -> None:
    _check(_MATCHER.match(text))


def test_long_message_never_raises(matcher: FaqMatcher) -> None:
    _check(matcher.match("do i have to talk " * 228))  # 4104 characters
    _check(matcher.match("x" * 4096))
    _check(matcher.match("\U0001f600" * 4096))
