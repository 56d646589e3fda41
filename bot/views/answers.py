"""An FAQ answer as a message: its text with sources, and its buttons.

Pure rendering from a language pack (no I/O). May import `bot.content` and the domain.
"""

from __future__ import annotations

from bot import callbacks
from bot.content import FaqCategory, FaqEntry, LanguagePack
from bot.understanding import Reading
from bot.views.html import Row, esc

MAX_TEXT = 4096


def entries(pack: LanguagePack) -> dict[str, tuple[FaqCategory, FaqEntry]]:
    """Every entry of the pack's FAQ by id, with its category."""
    return {e.id: (c, e) for c in pack.faq.categories for e in c.entries}


def render_answer(pack: LanguagePack, entry: FaqEntry, beneath: str | None = None) -> str:
    """The answer message: question, answer, then sources, within one Telegram message; a line
    `beneath` them all (the emergency number) is never the part left out."""
    sources = "; ".join(
        f'<a href="{esc(s.url)}">{esc(s.title)}</a>' if s.url else esc(s.title)
        for s in entry.sources
    )
    text = f"<b>{esc(entry.question)}</b>\n\n{esc(entry.answer)}"
    footer = f"\n\n<i>{esc(pack.text('sources'))}: {sources}</i>"
    last = f"\n\n<b>{esc(beneath)}</b>" if beneath else ""
    if len(text) + len(footer) + len(last) <= MAX_TEXT:
        return text + footer + last
    return text[: MAX_TEXT - len(last)] + last


def answer_rows(
    pack: LanguagePack, entry: FaqEntry, category: FaqCategory, reading: Reading | None = None
) -> list[Row]:
    """The answer's buttons: the related entries, back and topics; for a typed question (its
    `reading`) also a second question of the same message, first, and "that's not what I
    asked", last."""
    found = entries(pack)
    rows: list[Row] = [
        [(found[other][1].question, callbacks.make("faq", "q", other))]
        for other in entry.see_also
        if other in found
    ]
    rows.append(
        [
            (pack.text("button_back"), callbacks.make("faq", "cat", category.id)),
            (pack.text("button_topics"), callbacks.make("faq", "home")),
        ]
    )
    if reading is None:
        return rows
    if reading.also in found and reading.also != entry.id:
        # A second question in the same message: offered first, above the related ones (and
        # not again among them).
        also = (found[reading.also][1].question, callbacks.make("faq", "q", reading.also))
        rows = [[also], *(row for row in rows if list(row) != [also])]
    rows.append([(pack.text("button_not_it"), _miss_payload(entry.id, reading.alternatives))])
    return rows


def _miss_payload(answered: str, alternatives: tuple[str, ...]) -> str:
    """`faq:miss:<answered>:<alternatives...>`, as many runners-up as fit in a button."""
    for count in range(len(alternatives), -1, -1):
        try:
            return callbacks.make("faq", "miss", answered, *alternatives[:count])
        except ValueError:
            continue
    return callbacks.make("faq", "home")
