"""The dialect of the detection patterns in content (`detection:` in safety.yaml), in one place.

A pattern is matched on normalised text (see `bot.safety.normalise`), so it is normalised the same
way before it is compiled: curly quotes straightened, apostrophes dropped, accents stripped.

Content validation (`bot.content`) and the crisis detector (`bot.safety`) both compile every
pattern; `compile_pattern` keeps what it compiled, so that the start-up pays for each pattern once.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_ESCAPE = re.compile(r"\\.")


def pattern_source(pattern: str) -> str:
    """A content pattern in the normalised alphabet: no accents, no apostrophes."""
    pattern = pattern.translate(QUOTES).replace("\\'", "").replace("'", "")
    return COMBINING.sub("", unicodedata.normalize("NFKD", pattern))


def compile_source(source: str, original: str) -> re.Pattern[str]:
    """Compile a normalised pattern; ValueError names `original` when it is not valid."""
    # Text is lower case; ignoring case costs time, so only patterns with capitals pay for it.
    flags = re.MULTILINE
    if any(c.isupper() for c in _ESCAPE.sub("", source)):
        flags |= re.IGNORECASE
    try:
        return re.compile(source, flags)
    except re.error as exc:
        raise ValueError(f"not a valid pattern: {exc.msg} (in {original!r})") from exc


# Large enough for every pattern of the shipped content several times over (about 220 now).
@lru_cache(maxsize=2048)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A content pattern as the detector runs it; ValueError says what is wrong with it."""
    return compile_source(pattern_source(pattern), pattern)
