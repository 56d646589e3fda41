"""Grounding exercises for a hard moment: complete, safe, and the same in every language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import MAX_MESSAGE_CHARS, Exercise, GroundingFile
from bot.yamlfile import load_yaml

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
LANGUAGES = ("en", "es")

# The tools the content guide promises, by the id each one has in every language.
REQUIRED_EXERCISES = {
    "senses-5-4-3-2-1",
    "box-breathing",
    "breathing-4-7-8",
    "muscle-relaxation",
    "urge-surfing",
    "halt-check",
    "stop-skill",
    "play-the-tape",
    "meeting-grounding",
    "sleep-body-scan",
}
# Paced breathing can make people light-headed; each must say to stop if dizzy.
BREATHING_EXERCISES = {"box-breathing", "breathing-4-7-8", "long-exhale"}
# Where pacing is the point, the bot must be able to guide step by step.
MUST_BE_GUIDED = {"box-breathing", "breathing-4-7-8", "long-exhale", "muscle-relaxation"}
DIZZY_WORDS = {"en": "dizz", "es": "mare"}
SITUATIONS = {"panic", "craving", "anger", "after-meeting", "in-meeting", "cant-sleep"}
MARKUP = ("<", ">", "*", "_", "`", "[", "](")


def _load(language: str) -> GroundingFile:
    return GroundingFile.model_validate(load_yaml(CONTENT_DIR / language / "grounding.yaml").data)


@pytest.fixture(scope="module", params=LANGUAGES)
def grounding(request: pytest.FixtureRequest) -> tuple[str, GroundingFile]:
    return request.param, _load(request.param)


def _texts(exercise: Exercise) -> list[str]:
    """Everything the person reads for one exercise."""
    texts = [exercise.title, exercise.summary, *(s.text for s in exercise.steps)]
    texts += [s.title for s in exercise.sources]
    return [*texts, exercise.caution] if exercise.caution else texts


def test_the_promised_exercises_are_there(grounding: tuple[str, GroundingFile]) -> None:
    _, file = grounding
    ids = [x.id for x in file.exercises]
    assert set(ids) >= REQUIRED_EXERCISES, REQUIRED_EXERCISES - set(ids)
    assert len(ids) >= 10
    assert len(ids) == len(set(ids)), "duplicate exercise id"


def test_situations_are_the_agreed_buttons(grounding: tuple[str, GroundingFile]) -> None:
    _, file = grounding
    assert {s.id for s in file.situations} == SITUATIONS
    for situation in file.situations:
        assert len(situation.label) <= 40, situation.id


def test_every_tag_is_a_situation_and_every_situation_has_a_choice(
    grounding: tuple[str, GroundingFile],
) -> None:
    _, file = grounding
    declared = {s.id for s in file.situations}
    for exercise in file.exercises:
        assert set(exercise.when) <= declared, (exercise.id, set(exercise.when) - declared)
    for situation in declared:
        offered = [x.id for x in file.exercises if situation in x.when]
        assert len(offered) >= 3, (situation, offered)


def test_every_exercise_names_its_sources(grounding: tuple[str, GroundingFile]) -> None:
    _, file = grounding
    for exercise in file.exercises:
        assert exercise.sources, exercise.id
        for source in exercise.sources:
            assert source.url is None or source.url.startswith("https://"), exercise.id


def test_guided_exercises_have_a_pace(grounding: tuple[str, GroundingFile]) -> None:
    _, file = grounding
    guided = {x.id for x in file.exercises if x.guided}
    assert guided >= MUST_BE_GUIDED, MUST_BE_GUIDED - guided
    for exercise in file.exercises:
        if exercise.guided:
            assert all(s.seconds > 0 for s in exercise.steps), exercise.id
        else:
            assert exercise.rounds == 1, exercise.id


def test_breathing_exercises_warn_about_dizziness(grounding: tuple[str, GroundingFile]) -> None:
    language, file = grounding
    by_id = {x.id: x for x in file.exercises}
    for exercise_id in BREATHING_EXERCISES:
        caution = by_id[exercise_id].caution or ""
        assert DIZZY_WORDS[language] in caution.lower(), (exercise_id, caution)


def test_fits_a_phone_as_plain_text(grounding: tuple[str, GroundingFile]) -> None:
    _, file = grounding
    for exercise in file.exercises:
        assert len(exercise.title) <= 40, exercise.id
        assert "\n" not in exercise.summary, exercise.id
        assert len(exercise.steps) <= 10, exercise.id
        for text in _texts(exercise):
            assert not any(mark in text for mark in MARKUP), (exercise.id, text)
        assert sum(len(t) for t in _texts(exercise)) < MAX_MESSAGE_CHARS, exercise.id


def test_spanish_matches_english() -> None:
    english, spanish = _load("en"), _load("es")
    assert [s.id for s in spanish.situations] == [s.id for s in english.situations]
    assert [x.id for x in spanish.exercises] == [x.id for x in english.exercises]
    for en, es in zip(english.exercises, spanish.exercises, strict=True):
        assert es.when == en.when, en.id
        assert (es.guided, es.rounds, len(es.steps)) == (en.guided, en.rounds, len(en.steps)), en.id
        assert [s.seconds for s in es.steps] == [s.seconds for s in en.steps], en.id
        assert (es.caution is None) == (en.caution is None), en.id
        assert len(es.sources) == len(en.sources), en.id
