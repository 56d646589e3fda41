"""The English word tables of the shipped content (bot/lang/en.yaml and
content/en/vocabulary.yaml), compiled once for the question matcher's unit tests."""

from __future__ import annotations

from bot.content import load_content
from bot.matching import Lexicon
from tests.conftest import CONTENT_DIR

_PACK = load_content(CONTENT_DIR).pack("en")
ENGLISH = Lexicon(_PACK.words, _PACK.vocabulary)
analyse = ENGLISH.analyse
