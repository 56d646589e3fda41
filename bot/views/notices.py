"""Messages delivery sends on people's behalf besides reminders: announcements, change notices.

Pure rendering from a language pack (no I/O). May import `bot.content` and the domain.
"""

from __future__ import annotations

from bot.content import LanguagePack
from bot.subscriptions import Notice, read_when
from bot.timezones import city_name
from bot.views.html import esc
from bot.views.reminders import days_text


def announcement(pack: LanguagePack, name: str, text: str) -> str:
    """The message subscribers get: who it is from, then the organizer's words as plain text."""
    return f"<b>{esc(pack.text('admin_announce_header', name=name))}</b>\n\n{esc(text)}"


def change_notice(pack: LanguagePack, notice: Notice, zone: str | None = None) -> str:
    """What changed about a meeting someone chose, old and new ("time: Mon 19:00–20:00 → Tue
    19:30–20:30"), in their language; the meeting's place's time is named when it is not the
    user's `zone`, or moved."""
    changes = "; ".join(_change(pack, notice, change, zone) for change in notice.changes)
    return esc(pack.text("rem_changed", name=notice.name, changes=changes))


def _change(pack: LanguagePack, notice: Notice, change: str, zone: str | None) -> str:
    old, new = notice.before.get(change), notice.after.get(change)
    if change not in ("when", "link", "place") or old is None or new is None:
        return pack.text(f"rem_change_{change}")
    if change == "when":
        was, now = read_when(old), read_when(new)
        if was is None or now is None:
            return pack.text("rem_change_when")
        named = was[3] != now[3] or now[3] != zone
        # The end time only when it is all that changed (a start time says most).
        ends = was[:2] == now[:2]
        return pack.text(
            "rem_change_when_was",
            old=_when(pack, was, named, ends),
            new=_when(pack, now, named, ends),
        )
    none = pack.text("rem_change_none")
    return pack.text(f"rem_change_{change}_was", old=old or none, new=new or none)


def _when(
    pack: LanguagePack, when: tuple[list[int], str, str, str], named: bool, ends: bool
) -> str:
    days, start, end, zone = when
    text = f"{days_text(pack, days)} {start}" + (f"–{end}" if ends else "")
    return (
        pack.text("rem_change_zone_time", when=text, zone=city_name(zone, pack.language))
        if named
        else text
    )
