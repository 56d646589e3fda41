"""The English FAQ (content/en/faq.yaml) is complete, consistent and fits in a Telegram message."""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path

import pytest

from bot.content import MAX_BUTTON_CHARS, MAX_MESSAGE_CHARS, FaqEntry, FaqFile
from bot.yamlfile import load_yaml

FAQ_PATH = Path(__file__).resolve().parents[1] / "content" / "en" / "faq.yaml"

REQUIRED_IDS = (
    "what-to-expect",
    "do-i-have-to-talk",
    "confidentiality",
    "cost",
    "open-vs-closed",
    "medication",
    "dual-diagnosis-groups",
    "online-meetings",
    "boundaries",
    "relapse",
    "bring-someone",
    "what-to-say",
    "sponsor",
    "types-of-groups",
    "spirituality",
    "nervous",
    "see-someone-i-know",
    "find-a-meeting",
    "not-a-replacement",
    "triggers-in-meetings",
    "etiquette",
    "privacy-bot",
)
MIN_ALSO_ASKED = 5
MAX_QUESTION_CHARS = 120
PRESCRIBER_ENDING = "talk it over with the person who prescribed it."

_PUNCTUATION = str.maketrans("", "", string.punctuation + "“”‘’")


def normalise(text: str) -> str:
    """Lower-case, drop punctuation and collapse spaces: how two phrasings are compared."""
    return " ".join(text.lower().translate(_PUNCTUATION).split())


@cache
def faq() -> FaqFile:
    return FaqFile.model_validate(load_yaml(FAQ_PATH).data)


def entries() -> list[FaqEntry]:
    return [entry for category in faq().categories for entry in category.entries]


def entry(entry_id: str) -> FaqEntry:
    return next(e for e in entries() if e.id == entry_id)


ENTRY_IDS = [e.id for e in entries()]


def test_every_required_id_exists() -> None:
    missing = set(REQUIRED_IDS) - set(ENTRY_IDS)
    assert not missing, f"missing FAQ entries: {sorted(missing)}"


def test_there_are_about_forty_entries_in_five_to_seven_categories() -> None:
    assert 35 <= len(ENTRY_IDS) <= 50
    assert 5 <= len(faq().categories) <= 7


def test_no_duplicate_ids() -> None:
    duplicates = {i for i in ENTRY_IDS if ENTRY_IDS.count(i) > 1}
    assert not duplicates, f"duplicate entry ids: {sorted(duplicates)}"
    category_ids = [c.id for c in faq().categories]
    assert len(category_ids) == len(set(category_ids))


def test_category_titles_fit_a_button() -> None:
    for category in faq().categories:
        assert len(category.title) <= MAX_BUTTON_CHARS, category.id


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_entry_has_sources(entry_id: str) -> None:
    sources = entry(entry_id).sources
    assert len(sources) >= 1
    for source in sources:
        assert source.title.strip()
        assert source.url is None or source.url.startswith(("http://", "https://"))


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_also_asked_phrasings_are_really_different(entry_id: str) -> None:
    e = entry(entry_id)
    phrasings = [normalise(p) for p in e.also_asked]
    assert len(phrasings) >= MIN_ALSO_ASKED
    assert len(set(phrasings)) == len(phrasings), f"repeated phrasing in {phrasings}"
    assert normalise(e.question) not in phrasings


def test_no_phrasing_belongs_to_two_entries() -> None:
    owner: dict[str, str] = {}
    for e in entries():
        for phrasing in (e.question, *e.also_asked):
            key = normalise(phrasing)
            assert owner.setdefault(key, e.id) == e.id, (
                f"{phrasing!r} is asked in both {owner[key]} and {e.id}"
            )


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_see_also_names_other_existing_entries(entry_id: str) -> None:
    e = entry(entry_id)
    assert 1 <= len(e.see_also) <= 3
    for other in e.see_also:
        assert other in ENTRY_IDS, f"unknown see_also id {other!r}"
        assert other != e.id


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_answer_fits_one_message(entry_id: str) -> None:
    e = entry(entry_id)
    assert len(e.question) <= MAX_QUESTION_CHARS
    assert len(e.answer) + len(e.question) <= MAX_MESSAGE_CHARS


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_answer_is_plain_text(entry_id: str) -> None:
    answer = entry(entry_id).answer
    assert not re.search(r"</?[a-zA-Z][^>]*>", answer), "HTML tag in answer"
    assert not re.search(r"\*\*|__|`|\[[^\]]+\]\([^)]+\)|^#", answer, re.MULTILINE), (
        "markdown in answer"
    )


def test_medication_answers_leave_decisions_to_the_prescriber() -> None:
    for entry_id in ("medication", "mat"):
        assert entry(entry_id).answer.endswith(PRESCRIBER_ENDING), entry_id
    medication = entry("medication").answer
    for name in ("Dual Recovery Anonymous", "Double Trouble in Recovery", "opioid use disorder"):
        assert name in medication


def test_crisis_help_is_offered_where_someone_may_be_in_danger() -> None:
    for entry_id in ("relapse", "triggers-in-meetings", "using-today", "between-meetings"):
        assert "/sos" in entry(entry_id).answer, entry_id


def test_privacy_bot_names_what_is_kept_and_how_to_forget() -> None:
    answer = entry("privacy-bot").answer
    for kept in ("chat id", "time zone", "language", "meetings", "reminder settings"):
        assert kept in answer
    assert "never stores or logs what you write" in answer
    assert "/forget" in answer
