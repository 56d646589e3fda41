"""Reading what people type when they add a meeting of their own: days and a start time (pure).

Days: names and short names in English and Spanish, groups ("weekdays", "entre semana"), ranges
("mon-fri", "tuesday to thursday", "desde el lunes hasta el viernes", "between mon and fri"),
letter codes ("MWF", "Mo We Fr", "L-V"), exceptions ("every day except monday", "todos los días
menos el domingo") and negations ("not on mondays", "no los lunes": which days, then?). Three
rules keep a reading from being silently wrong: a range is every day between its ends, never
just the two; a choice ("monday or tuesday") is asked about, not taken as both; a pattern a weekly
reminder cannot keep ("every other monday", "cada 2 semanas", "el 1er domingo", "días alternos")
is refused with its reason rather than saved as weekly.

Times: "19:00", "7pm", "7p", "19h", "1900", "19 hs", "half past six", "seven pm", "7 in the
evening", "midnight", "7 de la tarde"... A bare hour from 1 to 11 ("7", "7:30") could be morning
or evening: it is returned as ambiguous, with both readings, for the bot to ask.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

# Meeting Guide days: 0 = Sunday .. 6 = Saturday (not Python's weekday(), where 0 = Monday).
_DAY_WORDS: dict[str, int] = {}
for number, names in enumerate(
    (
        ("sun", "sunday", "dom", "domingo"),
        ("mon", "monday", "lun", "lunes"),
        ("tue", "tues", "tuesday", "mar", "martes"),
        ("wed", "weds", "wednesday", "mie", "mier", "mierc", "miercoles"),
        ("thu", "thur", "thurs", "thursday", "jue", "juev", "jueves"),
        ("fri", "friday", "vie", "vier", "viernes"),
        ("sat", "saturday", "sab", "sabado"),
    )
):
    for name in names:
        _DAY_WORDS[name] = number
        _DAY_WORDS[name + "s"] = number  # "mondays"
_GROUPS: dict[str, tuple[int, ...]] = {
    "daily": tuple(range(7)),
    "everyday": tuple(range(7)),
    "diario": tuple(range(7)),
    "diariamente": tuple(range(7)),
    "todos los dias": tuple(range(7)),
    "todo los dias": tuple(range(7)),
    "cada dia": tuple(range(7)),
    "all week": tuple(range(7)),
    "toda la semana": tuple(range(7)),
    "7 days a week": tuple(range(7)),
    "seven days a week": tuple(range(7)),
    "7 dias a la semana": tuple(range(7)),
    "siete dias a la semana": tuple(range(7)),
    "every night": tuple(range(7)),
    "nightly": tuple(range(7)),
    "todas las noches": tuple(range(7)),
    "cada noche": tuple(range(7)),
    "weekday": tuple(range(1, 6)),
    "weekdays": tuple(range(1, 6)),
    "weeknight": tuple(range(1, 6)),
    "weeknights": tuple(range(1, 6)),
    "week nights": tuple(range(1, 6)),
    "work days": tuple(range(1, 6)),
    "workdays": tuple(range(1, 6)),
    "working days": tuple(range(1, 6)),
    "business days": tuple(range(1, 6)),
    "entre semana": tuple(range(1, 6)),
    "dias de semana": tuple(range(1, 6)),
    "dias laborables": tuple(range(1, 6)),
    "dias laborales": tuple(range(1, 6)),
    "dias habiles": tuple(range(1, 6)),
    "weekends": (0, 6),
    "weekend": (0, 6),
    "fin de semana": (0, 6),
    "fines de semana": (0, 6),
}
# Days written as letters, the way schedules abbreviate them ("MWF", "T/Th", "M-F", "L-V").
_LETTER_DAYS: dict[str, tuple[int, ...]] = {
    "mwf": (1, 3, 5),
    "tth": (2, 4),
    "tuth": (2, 4),
    "tr": (2, 4),
    "m-f": (1, 2, 3, 4, 5),
    "mf": (1, 2, 3, 4, 5),
    "l-v": (1, 2, 3, 4, 5),
    "lav": (1, 2, 3, 4, 5),
    "lmxjv": (1, 2, 3, 4, 5),
    "s-d": (0, 6),
}
# Full day names a misspelling is matched against ("wendsday", "thrusday", "jeuves").
_FULL_NAMES = tuple(n for n in _DAY_WORDS if len(n) >= 5)
_TYPO_SCORE = 80
_RANGE_WORDS = r"(?:-|–|—|to|thru|through|till|until|a|al|hasta)"
# An article or "on" may stand before either end of a range ("desde el lunes hasta el viernes").
_ARTICLE = r"(?:(?:el|los|las|the|on|en)\s+)?"
# Exceptions: the days after them are left out ("every day except monday", "menos el domingo").
_EXCEPT_WORDS = r"except|but not|but|excluding|apart from|menos|excepto|salvo"
# Negations leave out only a day said right after them ("no los lunes", "never on sunday"), not
# a doubt ("no sé, los lunes", "not sure yet"); with no day kept, they name no day at all.
_NEGATION_WORDS = r"not on|not|never on|never|sin|nunca|no"
_NEGATIONS = frozenset(_NEGATION_WORDS.split("|"))
# A period other than a week: refused whatever else the answer says ("every other day").
_NOT_WEEKLY = re.compile(
    r"\b(?:every other|every second|every (?:[2-9]|\d\d|two|three|four|few) (?:weeks?|days?)|"
    r"biweekly|bi-weekly|fortnight\w*|alternat(?:e|es|ing)|altern[oa]s?|monthly|a month|"
    r"of the month|of each month|"
    r"once a month|twice a month|cada (?:[2-9]|\d\d|dos|tres|cuatro|quince) (?:semanas|dias)|"
    r"cada (?:quince|15)|every month|each month|cada mes|todos los meses|quincenal\w*|"
    r"mensual\w*|al mes|del mes|por medio|si,? (?:y )?(?:otr[oa]|un[oa]) no|semana si|"
    r"one on,? one off|every other day|un dia si)\b"
)
# An ordinal before a day ("first sunday", "el 1er domingo", "2nd and 4th tuesday"): monthly.
_ORDINAL = re.compile(
    r"\b(?:first|second|third|fourth|fifth|last|\d+(?:st|nd|rd|th|er|ro|do|to|vo)|\d+[º°ª]|"
    r"primer\w*|segund\w*|tercer\w*|cuart[oa]|quint[oa]|ultim\w*)(?=\W|$)"
)
# Letter codes, read only when the whole answer is codes ("Mo We Fr", "M-Th", "L, X, V"): as
# words "we" or "do" mean something else. One table per language; both readings must agree.
_CODES: tuple[dict[str, int], ...] = (
    {"m": 1, "mo": 1, "tu": 2, "w": 3, "we": 3, "th": 4, "r": 4, "f": 5, "fr": 5, "sa": 6,
     "su": 0},
    {"l": 1, "lu": 1, "m": 2, "ma": 2, "x": 3, "mi": 3, "j": 4, "ju": 4, "v": 5, "vi": 5,
     "s": 6, "sa": 6, "d": 0, "do": 0},
)  # fmt: skip
_CODE_TEXT = re.compile(r"[a-z]{1,2}(?:\s*[-,/&+.\s]\s*[a-z]{1,2})*\.?")


def fold(text: str) -> str:
    """Lower case without accents ("Miércoles" and "miercoles" agree)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class DaysReading:
    """The days a message names, or why it cannot be kept (`irregular`, `only_except`)."""

    days: tuple[int, ...] = ()
    refused: str | None = None


def _spelled(text: str) -> str:
    """`text` with misspelt day names ("wendsday", "thrusday") written as the day they mean."""

    def fix(found: re.Match[str]) -> str:
        word = found[0]
        if word in _DAY_WORDS or len(word) < 5:
            return word
        best = process.extractOne(word, _FULL_NAMES, scorer=fuzz.ratio, score_cutoff=_TYPO_SCORE)
        return best[0] if best is not None and best[0][0] == word[0] else word

    return re.sub(r"[a-z]+", fix, text)


def _codes(text: str) -> set[int]:
    """The days an answer made only of letter codes names ("Mo We Fr", "M-Th", "L a V"), when
    the languages' readings agree; none otherwise."""
    if not _CODE_TEXT.fullmatch(text):
        return set()
    tokens = re.findall(r"[a-z]{1,2}|-", text)
    readings = []
    for table in _CODES:
        # "T" is Tuesday where Thursday has its own code ("M T W Th F"); alone it could be either.
        codes = {**table, "t": 2} if table is _CODES[0] and {"th", "r"} & set(tokens) else table
        if not all(code == "-" or code in codes for code in tokens):
            continue
        days: set[int] = set()
        previous: int | None = None
        for code, following in zip(tokens, [*tokens[1:], ""], strict=True):
            if code == "-":
                continue
            day = codes[code]
            days.update(_span(previous, day) if previous is not None else (day,))
            previous = day if following == "-" else None
        readings.append(days)
    return readings[0] if readings and all(r == readings[0] for r in readings) else set()


def _span(first: int, last: int) -> list[int]:
    """Every day from `first` to `last`, round the end of the week if need be ("fri-sun")."""
    return list(range(first, last + 1)) if first <= last else [*range(first, 7), *range(last + 1)]


def _day_names() -> str:
    return "|".join(sorted(_DAY_WORDS, key=len, reverse=True))


def _named_days(text: str) -> set[int]:
    """Every day named in `text`, ranges included."""
    letters = re.sub(r"[\s,/&+.]", "", text)
    if letters in _LETTER_DAYS:
        return set(_LETTER_DAYS[letters])
    if days := _codes(text.strip()):
        return days
    text = _spelled(text)
    days = set()
    for phrase, group in _GROUPS.items():
        if re.search(rf"\b{phrase}\b", text):
            days.update(group)
            text = re.sub(rf"\b{phrase}\b", " ", text)
    names = _day_names()
    ranges = (
        re.compile(rf"\b{_ARTICLE}({names})\b\.?\s*{_RANGE_WORDS}\s*{_ARTICLE}\b({names})\b"),
        re.compile(
            rf"\b(?:between|entre)\s+{_ARTICLE}({names})\s+(?:and|y|e)\s+{_ARTICLE}({names})\b"
        ),
    )
    for pattern in ranges:
        for found in pattern.finditer(text):
            days.update(_span(_DAY_WORDS[found[1]], _DAY_WORDS[found[2]]))
        text = pattern.sub(" ", text)
    days.update(_DAY_WORDS[w] for w in re.findall(r"[a-z]+", text) if w in _DAY_WORDS)
    return days


# A day that is one of two, or only some weeks, is not a day to be reminded on every week
# ("monday or tuesday", "y a veces jueves"); a best guess ("maybe tuesday") still names the day.
_HEDGES = re.compile(
    r"\b(?:sometimes|some weeks|occasionally|the odd|now and then|"
    r"a veces|algunas veces|de vez en cuando)\b"
)
_OR = r"(?:or|o|u|and/or|y/o)"


def _except_pattern() -> re.Pattern[str]:
    said = "|".join(sorted([*_DAY_WORDS, *_GROUPS, "everyday"], key=len, reverse=True))
    return re.compile(
        rf"\b(?:{_EXCEPT_WORDS}|(?:{_NEGATION_WORDS})(?=\s+{_ARTICLE}(?:{said})\b))\b"
    )


_EXCEPT = _except_pattern()


def _a_choice(text: str) -> bool:
    """Whether `text` names a day as a maybe ("monday or tuesday", "martes y a veces jueves")."""
    text = _spelled(text)
    names = _day_names()
    if re.search(rf"\b(?:{names})\b\W*{_OR}\s+{_ARTICLE}(?:{names})\b", text):
        return True
    for hedge in _HEDGES.finditer(text):
        # The doubt is about a day when a day is near it ("tuesday, maybe", "o el jueves").
        near = text[max(0, hedge.start() - 12) : hedge.end() + 16]
        if re.search(rf"\b(?:{names})\b", near) and _named_days(text):
            return True
    return False


def read_days(text: str) -> DaysReading:
    """The days in `text` ("mon wed", "every Tuesday", "mon-fri", "daily except sunday")."""
    folded = fold(text).replace("every day", "everyday")
    if _NOT_WEEKLY.search(folded) or (_ORDINAL.search(folded) and _named_days(folded)):
        return DaysReading(refused="irregular")
    if _a_choice(folded):
        return DaysReading(refused="choice")
    split = _EXCEPT.search(folded)
    if split is None:
        return DaysReading(tuple(sorted(_named_days(folded))))
    kept = _named_days(folded[: split.start()])
    left_out = _named_days(folded[split.end() :])
    if kept and left_out and not kept & left_out and split.group(0) == "but":
        return DaysReading(refused="choice")  # "tuesdays but thursday too": left out of what?
    if not kept and left_out:
        if split.group(0) in _NEGATIONS:
            return DaysReading(refused="only_except")
        kept = set(range(7))  # "except mondays": every other day
    return DaysReading(tuple(sorted(kept - left_out)))


def parse_days(text: str) -> tuple[int, ...]:
    """Days named in `text`; empty when none, or when they cannot be kept as weekly."""
    return read_days(text).days


@dataclass(frozen=True)
class TimeReading:
    """A start time `HH:MM` (24 h); or, for a bare hour such as "7", both readings to ask about."""

    time: str | None = None
    either: tuple[str, str] | None = None


_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "una": 1, "uno": 1, "dos": 2, "tres": 3,
    "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
    "once": 11, "doce": 12,
}  # fmt: skip
_EVENING = (
    r"pm|p|p\.m\.?|in the evening|in the afternoon|at night|tonight|this evening|evening|"
    r"de la tarde|de la noche|por la tarde|por la noche|en la tarde|en la noche|esta noche|"
    r"tarde|noche|del mediodia|al mediodia"
)
_MORNING = (
    r"am|a|a\.m\.?|in the morning|morning|de la manana|por la manana|en la manana|manana|"
    r"de la madrugada"
)
# Twelve at night is midnight, not noon ("12 de la noche", "12:30 at night").
_TWELVE_AT_NIGHT = re.compile(
    r"^12(?::(?P<m>[0-5]\d))?\s*(?:at night|tonight|de la noche|por la noche|en la noche|"
    r"esta noche|noche)$"
)
# Minutes said as words after the hour ("seven thirty", "siete y treinta").
_MINUTE_WORDS = {
    "fifteen": 15, "thirty": 30, "forty five": 45, "forty-five": 45, "quince": 15,
    "treinta": 30, "cuarenta y cinco": 45,
}  # fmt: skip
_CLOCK = re.compile(
    r"^(?:at |a las |a la |las |la |around |about |como a las )?"
    r"(?P<h>\d{1,2})(?:(?:[:.h]|\s?hs?\s?)(?P<m>\d{2}))?"
    r"\s*(?:h|hs|hrs|horas|hours|o ?'?clock|en punto)?"
    rf"\s*(?:(?P<pm>{_EVENING})|(?P<am>{_MORNING}))?$"
)
_COMPACT = re.compile(r"^(?P<h>[01]?\d|2[0-3])(?P<m>[0-5]\d)\s*(?:h|hs|hrs|horas)?$")
_PAST = re.compile(
    r"^(?P<how>half past|quarter past|quarter to|(?P<n>\d{1,2}) (?:minutes )?(?:past|after))\s+"
    r"(?P<h>\d{1,2})\s*(?:(?P<pm>" + _EVENING + r")|(?P<am>" + _MORNING + r"))?$"
)
_Y_MEDIA = re.compile(
    r"^(?:a las |las |a la |la )?(?P<h>\d{1,2})\s+(?P<how>y media|y cuarto|menos cuarto|"
    r"y (?P<after>\d{1,2})|menos (?P<before>\d{1,2}))\s*(?:minutos\s*)?"
    r"(?:(?P<pm>" + _EVENING + r")|(?P<am>" + _MORNING + r"))?$"
)


def _words_to_digits(text: str) -> str:
    return re.sub(
        r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", lambda m: str(_NUMBER_WORDS[m[1]]), text
    )


def _reading(hour: int, minute: int, pm: bool, am: bool) -> TimeReading:
    if minute > 59:
        return TimeReading()
    if pm or am:
        if not 1 <= hour <= 12:
            return TimeReading()
        hour = hour % 12 + (12 if pm else 0)
        return TimeReading(f"{hour:02d}:{minute:02d}")
    if hour > 23:
        return TimeReading(f"00:{minute:02d}") if hour == 24 else TimeReading()
    if 1 <= hour <= 11:
        return TimeReading(either=(f"{hour:02d}:{minute:02d}", f"{hour + 12:02d}:{minute:02d}"))
    return TimeReading(f"{hour:02d}:{minute:02d}")


# Words around a time that change nothing about it ("7pm sharp", "7ish", "7pm EST": the zone is
# asked for on its own).
_FILLER = re.compile(
    r"\b(?:sharp|ish|approx\w*|roughly|about|around|start\w*|begins?|local|time|hora local|"
    r"est|edt|cst|cdt|mst|mdt|pst|pdt|et|ct|mt|pt|gmt|bst|cet|utc)\b"
)
# A range: its start is the start ("7-8pm", "de 7 a 8 de la noche", "from 6:30 to 7:30").
_RANGE = re.compile(
    r"^(?:from |de |desde )?(?P<start>\d{1,2}(?:[:.]\d{2})?)\s*(?P<sam>am|pm)?\s*"
    r"(?:-|–|to|till|until|a|hasta)\s*\d{1,2}(?:[:.]\d{2})?\s*(?P<end>.*)$"
)


def _tidy_time(text: str) -> str:
    """One way of writing what many write: "p. m." is pm, "7,30" and "7 30" are 7:30, "630pm"
    is 6:30 pm, "tonight at 8" is 8 tonight; filler words go."""
    text = re.sub(r"\b([ap])\s?\.\s?m\b\.?", r"\1m", text)
    text = re.sub(r"(?<=\d)ish\b", "", text)
    text = re.sub(r"^(?:a eso de|sobre|hacia|alrededor de|cerca de|como a)\s+(?=las?\s)", "", text)
    text = _FILLER.sub(" ", text)
    text = re.sub(r"\b(\d{1,2})[, ](\d{2})\b", r"\1:\2", text)
    text = re.sub(r"^(\d)(\d{2})\s*(am|pm)$", r"\1:\2 \3", text)
    text = re.sub(r"^(tonight|this evening|esta noche) (?:at |a las )?(.+)$", r"\2 \1", text)
    text = re.sub(r"\s+", " ", text).strip()
    if found := _RANGE.match(text):
        suffix = found["sam"] or found["end"]
        text = f"{found['start']} {suffix}".strip()
    return text


def read_time(text: str) -> TimeReading:
    """The start time in `text`; `either` when only morning or evening is unknown."""
    lowered = re.sub(r"\s+", " ", fold(text).strip().rstrip(".!"))
    lowered = _tidy_time(lowered)
    if lowered in ("noon", "midday", "12 noon", "mediodia", "medio dia"):
        return TimeReading("12:00")
    if lowered in ("midnight", "12 midnight", "medianoche"):
        return TimeReading("00:00")
    lowered = _words_to_digits(lowered)
    for words, said in _MINUTE_WORDS.items():
        lowered = re.sub(rf"^(\d{{1,2}})(?: y)? {words}\b", rf"\1:{said}", lowered)
    lowered = re.sub(r"^half (\d{1,2})\b", r"half past \1", lowered)  # British "half six"
    if found := _TWELVE_AT_NIGHT.match(re.sub(r"^(?:a las |las |at )", "", lowered)):
        return TimeReading(f"00:{found['m'] or '00'}")
    if re.fullmatch(r"0\d(?:[:.h]\d{2})?", lowered):  # "07", "07:30": a 24-hour clock, morning
        hours, _, minutes = lowered.replace(".", ":").replace("h", ":").partition(":")
        return TimeReading(f"{int(hours):02d}:{int(minutes or 0):02d}")
    found = _COMPACT.match(lowered)
    if found and len(found["h"]) == 2:
        return TimeReading(f"{int(found['h']):02d}:{found['m']}")
    if found := _PAST.match(lowered):
        hour, how = int(found["h"]), found["how"]
        if how == "half past":
            minute = 30
        elif how == "quarter past":
            minute = 15
        elif how == "quarter to":
            hour, minute = (hour - 1) or 12, 45
        else:
            minute = int(found["n"])
        return _reading(hour, minute, bool(found["pm"]), bool(found["am"]))
    if found := _Y_MEDIA.match(lowered):
        hour, how = int(found["h"]), found["how"]
        if how.startswith("menos"):  # "8 menos cuarto": a quarter to eight
            hour, minute = (hour - 1) or 12, 60 - int(found["before"] or 15)
        else:
            minute = {"y media": 30, "y cuarto": 15}.get(how) or int(found["after"])
        return _reading(hour, minute, bool(found["pm"]), bool(found["am"]))
    if found := _CLOCK.match(lowered):
        hour, minute = int(found["h"]), int(found["m"] or 0)
        if found["h"].startswith("0") and len(found["h"]) == 2 and not (found["pm"] or found["am"]):
            return TimeReading(f"{hour:02d}:{minute:02d}")
        return _reading(hour, minute, bool(found["pm"]), bool(found["am"]))
    return TimeReading()


def parse_time(text: str) -> str | None:
    """A start time as `HH:MM` (24 h) when `text` says it unambiguously; None otherwise."""
    return read_time(text).time


@dataclass(frozen=True)
class LinkReading:
    """What the last step of /addmeeting was given: a join link and what goes with it (a
    passcode), or a place; `too_long` when it cannot be kept."""

    link: str | None = None
    notes: str | None = None
    place: str | None = None
    too_long: bool = False


MAX_LINK = 500
MAX_NOTES = 200
MAX_PLACE = 200
# A web address, with or without its scheme ("zoom.us/j/123", "www.example.org").
_URL = re.compile(
    r"(?:(?P<scheme>https?://)|(?P<www>www\.))?"
    r"(?P<host>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
    r"\.[a-z]{2,})(?P<path>[/?#][^\s]*)?",
    re.IGNORECASE,
)
# Top-level domains that make a bare host ("meet.jit.si") a web address without a path.
_WEB_ENDINGS = frozenset(
    {
        "com", "org", "net", "us", "io", "me", "co", "app", "gg", "si", "info", "edu", "gov",
        "uk", "ca", "au", "nz", "ie", "de", "es", "mx", "ar", "cl", "br",
    }
)  # fmt: skip


def _web_address(token: str) -> str | None:
    found = _URL.fullmatch(token.rstrip(".,;)"))
    if found is None:
        return None
    ending = found["host"].rsplit(".", 1)[-1].lower()
    if not (found["scheme"] or found["www"] or found["path"] or ending in _WEB_ENDINGS):
        return None
    url = found.group(0)
    return url if found["scheme"] else f"https://{url}"


def read_link(text: str) -> LinkReading:
    """A join link and its notes ("https://zoom.us/j/123 passcode 4567": the link, and
    "passcode 4567"), a link without its scheme ("zoom.us/j/123"), or else a place."""
    text = text.strip()
    tokens = text.split()
    for index, token in enumerate(tokens):
        link = _web_address(token)
        if link is None:
            continue
        notes = " ".join(tokens[:index] + tokens[index + 1 :]).strip(" ,;:-–") or None
        if len(link) > MAX_LINK or (notes is not None and len(notes) > MAX_NOTES):
            return LinkReading(too_long=True)
        return LinkReading(link=link, notes=notes)
    if len(text) > MAX_PLACE:
        return LinkReading(too_long=True)
    return LinkReading(place=text)
