"""Held-out check of the FAQ matcher against the real content/en/faq.yaml.

The questions below were written BEFORE faq.yaml existed, the way a newcomer types on a phone
(typos, slang, no punctuation), and are never copied from the file. They must not be edited to
make the matcher pass: tune the matcher (content/en/vocabulary.yaml, bot/lang/en.yaml, the weights
in bot/matching.py) instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import FaqEntry, FaqFile
from bot.matching import FaqMatcher
from bot.yamlfile import load_yaml
from tests.english import ENGLISH

FAQ_PATH = Path(__file__).resolve().parent.parent / "content" / "en" / "faq.yaml"

# (question as typed, id of the entry that should answer it). Frozen: do not edit.
HELD_OUT: tuple[tuple[str, str], ...] = (
    ("what actually happens at a meeting, never been to one", "what-to-expect"),
    ("wat goes on in a group session lol first time", "what-to-expect"),
    ("can i just sit there n listen without talking", "do-i-have-to-talk"),
    ("will they make me speak in front of every1", "do-i-have-to-talk"),
    ("will ppl tell others what i said in group", "confidentiality"),
    ("is what i share kept secret or does it get out", "confidentiality"),
    ("how much do meetings cost im broke", "cost"),
    ("do i need to pay money to go", "cost"),
    ("whats the diff between an open and closed meeting", "open-vs-closed"),
    ("can i go to a closed mtg if im not sure im an addict", "open-vs-closed"),
    ("im on suboxone will ppl judge me for it", "medication"),
    ("can i still go if i take antidepressents", "medication"),
    ("i have bipolar and drink too much is there a group for both", "dual-diagnosis-groups"),
    ("any meetings for ppl with mental ilness AND addiction", "dual-diagnosis-groups"),
    ("r there meetings on zoom", "online-meetings"),
    ("can i join from home on my phone with video", "online-meetings"),
    ("how do i set boundries with people from group", "boundaries"),
    ("i drank again after 3 weeks can i still come back", "relapse"),
    ("i slipped last nite do i have to start over", "relapse"),
    ("can i bring my gf with me", "bring-someone"),
    ("is it ok to take a friend along for support", "bring-someone"),
    ("what am i supposed to say when i introduce myself", "what-to-say"),
    ("how do u get a sponser", "sponsor"),
    ("what is a sponsor and do i need one", "sponsor"),
    ("whats the difference between aa na smart recovery etc", "types-of-groups"),
    ("which kind of group is right for me", "types-of-groups"),
    ("im an atheist is this a religous thing", "spirituality"),
    ("do i have to believe in god to go", "spirituality"),
    ("im so anxious about going i almost didnt", "nervous"),
    ("scared to walk in alone, what do i do", "nervous"),
    ("what if my boss is there", "see-someone-i-know"),
    ("what if i run into someone i know", "see-someone-i-know"),
    ("where can i find a meeting near me", "find-a-meeting"),
    ("how do i find a group in my town", "find-a-meeting"),
    ("can i use this bot instead of seeing a therapist", "not-a-replacement"),
    ("ppl talking about using makes me want to use what do i do", "triggers-in-meetings"),
    ("what if hearing war storys triggers me", "triggers-in-meetings"),
    ("are there rules i should know like can i use my phone", "etiquette"),
    ("is it rude to leave early", "etiquette"),
    ("does this bot save my messages", "privacy-bot"),
    ("who can see what i type here", "privacy-bot"),
)

# Nothing in a recovery FAQ answers these: they must never get a confident answer.
OFF_TOPIC: tuple[str, ...] = (
    "whats the weather tomorrow",
    "best pizza in town",
    "asdfgh",
    "who won the football game last night",
    "recommend me a good movie",
    "how do i fix the brakes on my car",
    "what is 2+2",
    "tell me a joke",
    "what time is it in tokyo",
    "qwerty uiop zxcv",
)

TOP1_MIN = 0.8
OFFERED_MIN = 0.95
# If the FAQ renames ids, too few held-out questions would still count: fail loudly instead.
COVERAGE_MIN = 0.8


def _entries() -> list[FaqEntry]:
    if not FAQ_PATH.exists():
        pytest.skip(f"{FAQ_PATH} not written yet")
    loaded = load_yaml(FAQ_PATH)
    faq = FaqFile.model_validate(loaded.data)
    return [entry for category in faq.categories for entry in category.entries]


@pytest.fixture(scope="module")
def corpus() -> tuple[FaqMatcher, set[str]]:
    entries = _entries()
    return FaqMatcher.build(entries, ENGLISH), {e.id for e in entries}


def _scored(corpus: tuple[FaqMatcher, set[str]]) -> list[tuple[str, str, list[str], list[str]]]:
    """(question, expected id, top-1 ids, offered ids) for every question whose id exists."""
    matcher, ids = corpus
    rows = []
    for text, expected in HELD_OUT:
        if expected not in ids:
            continue
        result = matcher.match(text)
        offered = [result.confident.entry_id] if result.confident else []
        offered += [m.entry_id for m in result.suggestions]
        top = [m.entry_id for m in matcher.rank(text, limit=1)]
        rows.append((text, expected, top, offered))
    return rows


def test_held_out_ids_exist(corpus: tuple[FaqMatcher, set[str]]) -> None:
    _, ids = corpus
    missing = sorted({expected for _, expected in HELD_OUT if expected not in ids})
    present = sum(1 for _, expected in HELD_OUT if expected in ids)
    assert present / len(HELD_OUT) >= COVERAGE_MIN, f"ids missing from faq.yaml: {missing}"


def test_held_out_top1_accuracy(corpus: tuple[FaqMatcher, set[str]]) -> None:
    rows = _scored(corpus)
    misses = [(text, expected, top) for text, expected, top, _ in rows if top[:1] != [expected]]
    accuracy = 1 - len(misses) / len(rows)
    detail = "\n".join(f"  {t!r}: want {e}, got {g}" for t, e, g in misses)
    assert accuracy >= TOP1_MIN, f"top-1 accuracy {accuracy:.2f}; misses:\n{detail}"


def test_held_out_offered(corpus: tuple[FaqMatcher, set[str]]) -> None:
    """The right entry is either answered directly or among the suggestions offered."""
    rows = _scored(corpus)
    misses = [(text, expected, got) for text, expected, _, got in rows if expected not in got]
    rate = 1 - len(misses) / len(rows)
    detail = "\n".join(f"  {t!r}: want {e}, offered {g}" for t, e, g in misses)
    assert rate >= OFFERED_MIN, f"offered rate {rate:.2f}; misses:\n{detail}"


@pytest.mark.parametrize("text", OFF_TOPIC)
def test_off_topic_never_confident(corpus: tuple[FaqMatcher, set[str]], text: str) -> None:
    matcher, _ = corpus
    result = matcher.match(text)
    assert result.confident is None, f"{text!r} answered with {result.confident}"
