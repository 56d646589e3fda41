"""Reading what people type when they add a meeting of their own: days and a start time (pure)."""

from __future__ import annotations

import re

# Meeting Guide days: 0 = Sunday .. 6 = Saturday (not Python's weekday(), where 0 = Monday).
_DAY_WORDS: dict[str, int] = {}
for number, names in enumerate(
    (
        ("sun", "sunday", "dom", "domingo"),
        ("mon", "monday", "lun", "lunes"),
        ("tue", "tues", "tuesday", "mar", "martes"),
        ("wed", "weds", "wednesday", "mie", "mié", "miercoles", "miércoles"),
        ("thu", "thur", "thurs", "thursday", "jue", "jueves"),
        ("fri", "friday", "vie", "viernes"),
        ("sat", "saturday", "sab", "sáb", "sabado", "sábado"),
    )
):
    for name in names:
        _DAY_WORDS[name] = number
        _DAY_WORDS[name + "s"] = number  # "mondays"
_GROUPS = {
    "daily": range(7),
    "everyday": range(7),
    "weekdays": range(1, 6),
    "weekends": (0, 6),
    "weekend": (0, 6),
}
_TIME = re.compile(
    r"^\s*(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ap>a\.?m\.?|p\.?m\.?)?\s*$", re.IGNORECASE
)


def parse_days(text: str) -> tuple[int, ...]:
    """Days named in `text` ("mon wed", "every Tuesday", "weekdays"); empty when none."""
    words = re.findall(r"[a-záéíóúñ]+", text.lower().replace("every day", "everyday"))
    days: set[int] = set()
    for word in words:
        if word in _DAY_WORDS:
            days.add(_DAY_WORDS[word])
        elif word in _GROUPS:
            days.update(_GROUPS[word])
    return tuple(sorted(days))


def parse_time(text: str) -> str | None:
    """A start time as `HH:MM` (24 h) from "19:00", "7pm", "7:30 pm", "19h30"; None otherwise."""
    lowered = text.strip().lower()
    if lowered in ("noon", "midday"):
        return "12:00"
    found = _TIME.match(lowered)
    if not found:
        return None
    hour, minute = int(found["h"]), int(found["m"] or 0)
    meridiem = (found["ap"] or "").replace(".", "")
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif found["m"] is None and hour > 24:
        return None
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"
