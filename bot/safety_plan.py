"""A personal safety plan while it is being made: held in process memory only, never stored.

- The steps are Stanley and Brown's seven (`bot.content.SAFETY_PLAN_STEPS`); each is answered with
  one message or skipped, in order.
- One plan at a time per chat, keyed by chat id. Nothing here is written to the database or a log:
  a restart forgets every plan in progress, which is the point.
- A plan that has not moved on for `PLAN_TTL` is dropped, answers and all, by `sweep` (called
  with `now` on every use); for `LOST_TTL` after that, the chat is remembered (its id and the time,
  nothing else) so that a late answer can be told the plan was not kept.
- The finished plan is one Telegram message: when the answers together are too long, the longest
  are shortened first (the shorter ones stay whole), each at a line or word boundary.
Pure: no Telegram, no database, no clock of its own (pass `now` in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from html import escape

from bot.content import SAFETY_PLAN_CHARS, SAFETY_PLAN_STEPS, SafetyPlanFile

PLAN_TTL = dt.timedelta(minutes=30)
LOST_TTL = dt.timedelta(hours=2)
STEPS = len(SAFETY_PLAN_STEPS)
# The step whose question offers the region's crisis line, and whose section of the plan has it.
CRISIS_LINE_STEP = SAFETY_PLAN_STEPS.index("professionals")
ELLIPSIS = "…"


@dataclass(frozen=True)
class Draft:
    """A plan in progress: one answer (None: skipped) per step done so far."""

    nonce: str
    updated_at: dt.datetime
    answers: tuple[str | None, ...] = ()

    @property
    def step(self) -> int:
        """The index of the step being asked."""
        return len(self.answers)

    @property
    def done(self) -> bool:
        return self.step >= STEPS


class PlanDrafts:
    """Every chat's plan in progress, in memory; `now` comes from the caller's clock."""

    def __init__(self, ttl: dt.timedelta = PLAN_TTL, lost_ttl: dt.timedelta = LOST_TTL) -> None:
        self._ttl, self._lost_ttl = ttl, lost_ttl
        self._drafts: dict[int, Draft] = {}
        # Chats whose plan timed out, and when: no answers, only that there was a plan.
        self._lost: dict[int, dt.datetime] = {}

    def __len__(self) -> int:
        return len(self._drafts)

    def sweep(self, now: dt.datetime) -> None:
        """Drop every plan that waited longer than the time-out, and old notes of lost plans."""
        for chat_id, draft in list(self._drafts.items()):
            if not dt.timedelta(0) <= now - draft.updated_at <= self._ttl:
                del self._drafts[chat_id]
                self._lost[chat_id] = draft.updated_at + self._ttl
        for chat_id, since in list(self._lost.items()):
            if now - since > self._lost_ttl:
                del self._lost[chat_id]

    def start(self, chat_id: int, nonce: str, now: dt.datetime) -> Draft:
        """A new plan for `chat_id`, replacing any plan in progress there."""
        self._lost.pop(chat_id, None)
        draft = Draft(nonce, now)
        self._drafts[chat_id] = draft
        return draft

    def get(self, chat_id: int, now: dt.datetime) -> Draft | None:
        """The chat's plan in progress, if it has one that has not timed out."""
        self.sweep(now)
        return self._drafts.get(chat_id)

    def lately_lost(self, chat_id: int, now: dt.datetime) -> bool:
        """Whether the chat's plan timed out lately and it has not been told yet: what it types
        now is most likely an answer to the plan's last question. Forgets nothing."""
        self.sweep(now)
        return chat_id in self._lost

    def was_lost(self, chat_id: int, now: dt.datetime) -> bool:
        """Whether the chat's plan timed out lately (said once: the note is then forgotten)."""
        self.sweep(now)
        return self._lost.pop(chat_id, None) is not None

    def answer(self, chat_id: int, text: str | None, now: dt.datetime) -> Draft:
        """Record `text` (None: skipped) for the current step; KeyError when there is no plan."""
        draft = self._drafts[chat_id]
        kept = text.strip() if text is not None else None
        draft = replace(draft, updated_at=now, answers=(*draft.answers, kept or None))
        self._drafts[chat_id] = draft
        return draft

    def finish(self, chat_id: int) -> Draft | None:
        """Take the chat's plan out of memory (finished or cancelled); None when there was none."""
        self._lost.pop(chat_id, None)
        return self._drafts.pop(chat_id, None)


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` units, at a line or word boundary where one is near."""
    if _units(text) <= limit:
        return text
    room = max(limit - 1, 0)
    cut = text
    while cut and _units(cut) > room:
        cut = cut[: max(len(cut) - max(_units(cut) - room, 1), 0)]
    for boundary in ("\n", " "):
        at = cut.rfind(boundary)
        if at >= len(cut) * 2 // 3:
            cut = cut[:at]
            break
    return cut.rstrip() + ELLIPSIS


def fair_limit(lengths: Sequence[int], budget: int) -> int | None:
    """The largest per-answer length that makes the answers fit in `budget`, shortening only the
    longest ones; None when they fit as they are."""
    if sum(lengths) <= budget:
        return None
    remaining, left = budget, len(lengths)
    for length in sorted(lengths):
        share = remaining // left
        if length > share:
            return max(share, 0)
        remaining -= length
        left -= 1
    return max(remaining, 0)  # pragma: no cover - the sum exceeded the budget


@dataclass(frozen=True)
class FinishedPlan:
    """The plan as one message of Telegram HTML, and whether long answers were shortened."""

    html: str
    trimmed: bool


def render_plan(
    texts: SafetyPlanFile,
    answers: Sequence[str | None],
    crisis_line: str,
    *,
    limit: int = SAFETY_PLAN_CHARS,
) -> FinishedPlan:
    """The finished plan: a heading and the person's own words (escaped) per answered step, the
    region's crisis line under the professionals, and the line suggesting to pin it."""
    kept = [(i, a.strip()) for i, a in enumerate(answers) if a and a.strip()]

    def compose(words: dict[int, str], trimmed: bool, mark: Callable[[str, str], str]) -> str:
        parts = [mark("b", texts.title)]
        for i, step in enumerate(texts.steps):
            lines = [words[i]] if i in words else []
            if i == CRISIS_LINE_STEP:
                lines.append(crisis_line)
            if lines:
                parts.append("\n".join([mark("b", step.heading), *(mark("", x) for x in lines)]))
        if not words:
            parts.insert(1, mark("", texts.empty))
        if trimmed:
            parts.append(mark("i", texts.trimmed))
        parts.append(mark("i", texts.pin))
        return "\n\n".join(parts)

    def plain(_tag: str, text: str) -> str:
        return text.strip()

    def html(tag: str, text: str) -> str:
        text = escape(text.strip(), quote=False)
        return f"<{tag}>{text}</{tag}>" if tag else text

    whole = {i: a for i, a in kept}
    if _units(compose(whole, False, plain)) <= limit:
        return FinishedPlan(compose(whole, False, html), False)
    fixed = _units(compose({i: "" for i, _ in kept}, True, plain))
    cap = fair_limit([_units(a) for _, a in kept], limit - fixed) or 0
    short = {i: shorten(a, cap) for i, a in kept}
    return FinishedPlan(compose(short, True, html), True)
