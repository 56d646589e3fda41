"""When text typed inside a multi-step flow is plainly not an answer to its question.

Pure domain: the question reader's verdict is passed in; nothing here reads a database or a clock.
One rule for every flow (`bot.handlers.text` applies it before a flow sees the text):

- a command word typed without its slash ("cancel", "menu", "ayuda"), alone on its line;
- a question the FAQ answers directly AND that reads as a question: a sentence opening with a
  question word ("how", "what", "¿", "cuánto"), or a sentence of four words or more ending in "?".
  Both, because each alone refuses real names: the reader answers "Friday Night Dual Recovery"
  (the DRA entry) and "Step Study?" (formats), and "How It Works" opens with "how" — but none of
  them is both a confident answer and a question.

A crisis needs no rule here: the crisis check runs before any flow, and ends it
(`bot.handlers.safety`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# Typed without the slash, alone: the command it means. "stop" ends the flow like "cancel".
COMMAND_WORDS: dict[str, Literal["cancel", "menu", "help"]] = {
    # English
    "cancel": "cancel",
    "stop": "cancel",
    "quit": "cancel",
    "exit": "cancel",
    "menu": "menu",
    "help": "help",
    # Spanish
    "cancelar": "cancel",
    "parar": "cancel",
    "para": "cancel",
    "salir": "cancel",
    "basta": "cancel",
    "menú": "menu",
    "ayuda": "help",
}

# Words a question opens with, in every language the bot speaks (folded: lower case, accents kept
# where Spanish spells the question word with one, and without, as people type it).
_QUESTION_WORDS = """
    how what when where why who whom whose which
    can could do does did is are am was were will would should shall may might must
    qué que cómo como cuándo cuando dónde donde adónde cuánto cuanto cuánta cuanta cuántos
    cuantos cuántas cuantas quién quien quiénes quienes cuál cual cuáles cuales puedo puede
    pueden tengo tiene hay debo necesito es son
"""
QUESTION_WORDS = frozenset(_QUESTION_WORDS.split())
# A sentence this long that ends in "?" reads as a question whatever its first word ("I'm new,
# so how much does it cost?"); shorter ones may be names ("Step Study?", "Any Lengths?").
QUESTION_MARK_WORDS = 4

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@dataclass(frozen=True)
class Exit:
    """Why the text leaves the flow: a command word (`command`), or a question the FAQ answers."""

    reason: Literal["command", "question"]
    # For a command word: which command it means.
    command: Literal["cancel", "menu", "help"] | None = None


def command_word(text: str) -> Literal["cancel", "menu", "help"] | None:
    """The command a message means when it is one command word alone ("Menu", "cancel!")."""
    word = unicodedata.normalize("NFC", text).strip().strip(" .!¡").casefold()
    return COMMAND_WORDS.get(word)


def reads_as_question(text: str) -> bool:
    """Whether some sentence of `text` is worded as a question (not whether one can answer it)."""
    for sentence in _SENTENCE_END.split(unicodedata.normalize("NFC", text)):
        sentence = sentence.strip()
        if not sentence:
            continue
        if sentence.startswith("¿"):
            return True
        words = _WORD.findall(sentence.casefold())
        if len(words) >= 2 and words[0] in QUESTION_WORDS:
            return True
        if sentence.endswith("?") and len(words) >= QUESTION_MARK_WORDS:
            return True
    return False


def leaves_flow(
    text: str, answers: Callable[[str], bool], *, questions: bool = True
) -> Exit | None:
    """Whether `text`, typed in a flow, leaves it. `answers`: whether the question reader answers
    a text directly (asked only of text worded as a question: reading costs); `questions`: whether
    a question leaves this flow at all (an announcement's text may well be one)."""
    command = command_word(text)
    if command is not None:
        return Exit("command", command)
    if questions and reads_as_question(text) and answers(text):
        return Exit("question")
    return None
