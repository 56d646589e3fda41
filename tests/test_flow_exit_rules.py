"""The rule for leaving a flow (`bot.flow_exit`), without the bot: command words, and questions
that are both worded as questions and answered by the FAQ."""

from __future__ import annotations

import pytest

from bot.flow_exit import Exit, command_word, leaves_flow, reads_as_question


def always(_text: str) -> bool:
    return True


def never(_text: str) -> bool:
    return False


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("cancel", "cancel"),
        (" Stop! ", "cancel"),
        ("menu", "menu"),
        ("Menú", "menu"),
        ("ayuda", "help"),
        ("cancelar", "cancel"),
        ("stop the meeting", None),
        ("Help Group", None),
    ],
)
def test_command_words_alone_name_their_command(text: str, command: str | None):
    assert command_word(text) == command


@pytest.mark.parametrize(
    "text",
    [
        "how much does a meeting cost?",
        "what happens at a first meeting",
        "¿cuánto cuesta una reunión?",
        "cuanto cuesta",
        "I'm new here. Is it confidential?",
        "I'm new here and nervous, will they make me talk?",
    ],
)
def test_questions_read_as_questions(text: str):
    assert reads_as_question(text)


@pytest.mark.parametrize(
    "text",
    ["Serenity at Seven", "Step Study?", "Any Lengths?", "Hope & Healing", "Friday Night Dual"],
)
def test_names_do_not_read_as_questions(text: str):
    assert not reads_as_question(text)


def test_a_question_leaves_only_when_the_faq_answers_it_and_the_flow_allows_questions():
    question = "how much does a meeting cost?"
    assert leaves_flow(question, always) == Exit("question")
    assert leaves_flow(question, never) is None
    assert leaves_flow(question, always, questions=False) is None
    # Worded as a name, it stays, whatever the reader thinks of it.
    assert leaves_flow("Friday Night Dual Recovery", always) is None
    # A command word leaves every flow.
    assert leaves_flow("cancel", never, questions=False) == Exit("command", "cancel")


def test_the_reader_is_not_asked_about_text_that_is_no_question():
    asked: list[str] = []

    def answers(text: str) -> bool:
        asked.append(text)
        return True

    assert leaves_flow("Serenity at Seven", answers) is None
    assert asked == []
