"""The personal safety plan: asked step by step, sent back whole to pin, and kept nowhere.

Through the real Application on the offline Bot API; the plans in progress live in memory only, so
a restart (a second Application on the same database) knows none of them.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.content import SAFETY_PLAN_CHARS, Content, ContentError, load_content
from bot.offline_api import ApiCall, OfflineBotApi
from bot.safety_plan import (
    PLAN_TTL,
    STEPS,
    PlanDrafts,
    fair_limit,
    render_plan,
    shorten,
)
from bot.services import Library, Services
from tests.conftest import CONTENT_DIR
from tests.fakes import Chat, FixedClock, running_app
from tests.test_privacy import _all_database_text

SPANISH_USER = 651


def sent(calls: list[ApiCall]) -> list[ApiCall]:
    return [c for c in calls if c.method == "sendMessage"]


def last(calls: list[ApiCall]) -> ApiCall:
    messages = sent(calls)
    assert messages, [c.method for c in calls]
    return messages[-1]


def visible(text: str) -> str:
    """What the person sees of a Telegram HTML message (what its 4096-character limit counts)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def drafts(chat: Chat) -> PlanDrafts:
    return chat.app.bot_data["services"].plans


async def begin(chat: Chat) -> ApiCall:
    """From /sos, press "My safety plan"; the first question."""
    (crisis,) = sent(await chat.send("/sos"))
    calls = sent(await chat.press_label(crisis, "My safety plan"))
    assert len(calls) == 2  # a word on what a plan is, then the first question
    assert "don't keep your plan" in calls[0].text
    return calls[1]


async def test_a_plan_made_step_by_step_with_a_skip_comes_back_whole(
    chat: Chat, content: Content, services: Services
):
    texts = content.pack("en").safety_plan
    assert texts is not None
    question = await begin(chat)
    assert "Step 1 of 7" in question.text and "warning signs" in question.text
    answers = {
        0: "Not sleeping\nStaying in my room",
        1: "Walk the dog",
        3: "My sponsor Robin, 555-0134",
        4: "Dr. Okafor",
        5: "Ask Sam to hold my meds",
        6: "My son",
    }
    for step in range(STEPS):
        assert f"Step {step + 1} of 7" in question.text
        if step == 4:
            assert "988" in question.text  # the region's line, offered on the professionals' step
        if step in answers:
            question = last(await chat.send(answers[step]))
        else:
            question = last(await chat.press_label(question, "Skip"))
    plan = question
    assert plan.text.startswith("<b>My safety plan</b>")
    for step, answer in answers.items():
        heading = f"<b>{texts.steps[step].heading}</b>"
        assert f"{heading}\n{answer}" in plan.text
    assert texts.steps[2].heading not in plan.text  # the skipped step
    assert "988" in plan.text and "Pin this message" in plan.text
    assert plan.buttons == [("Crisis help", "sos:help")]
    # Nothing else of the conversation: no question, no example, no intro.
    assert "For example" not in plan.text and "Seven short questions" not in plan.text
    assert len(drafts(chat)) == 0  # dropped as soon as it was sent
    dump = await _all_database_text(services)
    assert not [a for a in answers.values() if a.splitlines()[0] in dump]
    # The next message is an ordinary one again.
    reply = last(await chat.send("is it free"))
    assert "Step" not in reply.text


async def test_a_spanish_speaker_makes_the_plan_in_spanish(app, api, content: Content):
    person = Chat(app, api, user_id=SPANISH_USER, language="es")
    calls = sent(await person.send("/plan"))
    assert "No guardo tu plan" in calls[0].text
    question = calls[1]
    assert "Paso 1 de 7" in question.text
    assert [label for label, _ in question.buttons] == ["Saltar", "Cancelar"]
    english, spanish = content.pack("en").safety_plan, content.pack("es").safety_plan
    assert english is not None and spanish is not None
    seen = [c.text for c in calls]
    for step in range(STEPS):
        answer = "Mi hermana" if step == 3 else None
        reply = await (person.send(answer) if answer else person.press_label(question, "Saltar"))
        question = last(reply)
        seen.append(question.text)
    assert "<b>Mi plan de seguridad</b>" in question.text and "Mi hermana" in question.text
    assert "Fija este mensaje" in question.text
    assert question.buttons == [("Ayuda en crisis", "sos:help")]
    english_texts = [english.title, english.pin, english.intro.splitlines()[0]]
    english_texts += [s.heading for s in english.steps] + [s.question for s in english.steps]
    assert not [t for t in english_texts for text in seen if t in text]


async def test_a_crisis_typed_in_the_middle_gets_crisis_help_first_and_is_not_kept(chat: Chat):
    question = await begin(chat)
    question = last(await chat.send("Not sleeping"))
    assert "Step 2 of 7" in question.text
    calls = sent(await chat.send("i want to kill myself tonight"))
    assert len(calls) == 1 and "988" in calls[0].text  # the crisis reply, and only it
    assert "My safety plan" in [label for label, _ in calls[0].buttons]
    # The plan waited at the same question: the next message answers it.
    question = last(await chat.send("Call my brother"))
    assert "Step 3 of 7" in question.text
    # "My safety plan" on the crisis message goes back to where we were, not to a new plan.
    back = sent(await chat.press_label(calls[0], "My safety plan"))
    assert len(back) == 1 and "where we were" in back[0].text and "Step 3 of 7" in back[0].text
    for _ in range(STEPS - 2):
        question = last(await chat.press_label(question, "Skip"))
    assert "Not sleeping" in question.text and "Call my brother" in question.text
    assert "kill" not in question.text


async def test_cancel_ends_the_plan_and_says_nothing_was_kept(chat: Chat):
    question = await begin(chat)
    await chat.send("Not sleeping")
    (reply,) = sent(await chat.send("/cancel"))
    assert "Nothing of your plan was kept" in reply.text
    assert len(drafts(chat)) == 0
    reply = last(await chat.send("is it free"))
    assert "Step" not in reply.text  # an ordinary message again, answered by the FAQ
    (again,) = sent(await chat.send("/cancel"))  # nothing left to cancel: /cancel as ever
    assert "nothing to cancel" in again.text
    # The Cancel button does the same.
    question = await begin(chat)
    (reply,) = sent(await chat.press_label(question, "Cancel"))
    assert "Nothing of your plan was kept" in reply.text and len(drafts(chat)) == 0


async def test_a_plan_left_half_way_is_dropped_after_the_time_out(chat: Chat, clock: FixedClock):
    await begin(chat)
    clock.now += PLAN_TTL - dt.timedelta(minutes=1)
    question = last(await chat.send("Not sleeping"))
    assert "Step 2 of 7" in question.text  # within the time-out: it moves on
    clock.now += PLAN_TTL + dt.timedelta(seconds=1)
    (reply,) = sent(await chat.send("Walk the dog"))
    assert "couldn't keep the plan" in reply.text
    assert [label for label, _ in reply.buttons] == ["Start again", "Crisis help"]
    assert len(drafts(chat)) == 0
    # Said once; the next message is an ordinary one.
    assert "couldn't keep" not in last(await chat.send("is it free")).text
    # Start again: a new plan from the first question.
    (intro, first) = sent(await chat.press_label(reply, "Start again"))
    assert "Step 1 of 7" in first.text


async def test_a_plan_button_after_a_restart_or_the_time_out_says_the_plan_was_not_kept(
    chat: Chat,
    settings: Settings,
    library: Library,
    api: OfflineBotApi,
    clock: FixedClock,
):
    question = await begin(chat)
    (skip, _) = question.buttons
    async with running_app(settings, library, api, clock) as restarted:
        again = Chat(restarted, api)
        (reply,) = sent(await again.press(skip[1]))
        assert "couldn't keep the plan" in reply.text
    clock.now += PLAN_TTL + dt.timedelta(minutes=5)
    (reply,) = sent(await chat.press(skip[1]))
    assert "couldn't keep the plan" in reply.text
    # A Skip from an earlier question of the plan in progress skips nothing.
    first = await begin(chat)
    second = last(await chat.press_label(first, "Skip"))
    (reply,) = sent(await chat.press(first.buttons[0][1]))
    assert "where we were" in reply.text and "Step 2 of 7" in reply.text
    assert "Step 3 of 7" in last(await chat.press_label(second, "Skip")).text


async def test_what_people_write_is_escaped_in_the_plan(chat: Chat):
    question = await begin(chat)
    question = last(await chat.send("<b>me</b> & <a href='x'>you</a>"))
    for _ in range(STEPS - 1):
        question = last(await chat.press_label(question, "Skip"))
    assert "&lt;b&gt;me&lt;/b&gt; &amp; &lt;a href='x'&gt;you&lt;/a&gt;" in question.text


async def test_very_long_answers_are_shortened_to_fit_one_message(chat: Chat):
    question = await begin(chat)
    words = [f"step{n} " + "word & more " * 400 for n in range(STEPS)]  # 4,000+ characters each
    for n in range(STEPS):
        assert len(words[n][:4000]) == 4000
        question = last(await chat.send(words[n][:4000]))
    plan = visible(question.text)
    assert units(plan) <= SAFETY_PLAN_CHARS
    assert all(f"step{n} word & more" in plan for n in range(STEPS))  # the start of each is kept
    assert "Some answers were long" in plan and "Pin this message" in plan


async def test_short_answers_stay_whole_when_one_is_very_long(chat: Chat):
    question = await begin(chat)
    for n in range(STEPS):
        answer = "long " * 800 if n == 1 else f"short answer {n}"
        question = last(await chat.send(answer))
    plan = visible(question.text)
    assert units(plan) <= SAFETY_PLAN_CHARS
    assert all(f"short answer {n}" in plan for n in range(STEPS) if n != 1)
    assert "long long" in plan and "…" in plan


async def test_the_plan_reaches_no_log_and_no_table(
    chat: Chat, services: Services, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    question = await begin(chat)
    for n in range(STEPS):
        if n == 2:
            question = last(await chat.press_label(question, "Skip"))
        else:
            question = last(await chat.send(f"platypus{n} marigold{n}\nsecond line quokka{n}"))
    assert "platypus0" in question.text  # the plan went back to its author...
    await chat.send("/plan")
    await chat.send("platypus9 abandoned")
    await chat.send("/cancel")
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )
    dump = await _all_database_text(services)
    for marker in ("platypus", "marigold", "quokka"):
        assert marker not in logged  # ...and nowhere else
        assert marker not in dump


def test_drafts_time_out_with_the_clock_they_are_given():
    start = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    plans = PlanDrafts()
    plans.start(7, "abc", start)
    plans.answer(7, "one", start + dt.timedelta(minutes=20))
    assert plans.get(7, start + dt.timedelta(minutes=49)) is not None  # 29 minutes after the answer
    assert plans.get(7, start + dt.timedelta(minutes=51)) is None
    assert plans.was_lost(7, start + dt.timedelta(minutes=52))
    assert not plans.was_lost(7, start + dt.timedelta(minutes=53))  # said once
    plans.start(8, "def", start)
    assert plans.get(8, start - dt.timedelta(minutes=1)) is None  # a clock gone backwards drops it
    assert len(plans) == 0


def test_skipped_and_blank_answers_leave_their_heading_out(content: Content):
    texts = content.pack("en").safety_plan
    assert texts is not None
    plan = render_plan(texts, [None, "  ", "A friend", None, None, None, None], "Call 988.")
    assert texts.steps[0].heading not in plan.html and texts.steps[1].heading not in plan.html
    assert "A friend" in plan.html and "Call 988." in plan.html and not plan.trimmed
    empty = render_plan(texts, [None] * STEPS, "Call 988.")
    assert texts.empty in empty.html and "Call 988." in empty.html


def test_fair_limit_shortens_the_longest_answers_first():
    assert fair_limit([10, 20], 100) is None
    assert fair_limit([10, 500, 500], 610) == 300
    assert fair_limit([10, 20, 500], 100) == 70


def test_shorten_cuts_at_a_word_and_counts_as_telegram_does():
    assert shorten("short", 10) == "short"
    cut = shorten("one two three four five six", 15)
    assert cut == "one two three…" and len(cut) <= 15
    emoji = shorten("🙂" * 50, 21)  # each counts two
    assert units(emoji) <= 21 and emoji.endswith("…")


def test_the_seven_steps_are_checked_when_content_loads(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    path = content / "es" / "safety_plan.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["steps"].reverse()
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_content(content)
    assert "es/safety_plan.yaml" in str(raised.value) and "warning-signs" in str(raised.value)


async def test_forget_drops_a_plan_in_progress(chat: Chat):
    await begin(chat)
    await chat.send("when i stop answering the phone")
    assert len(drafts(chat)) == 1
    await chat.send("/forget")
    await chat.press("priv:yes")
    assert len(drafts(chat)) == 0


async def test_a_worrying_answer_is_part_of_the_plan_not_a_gentle_check(chat: Chat):
    """Warning signs are hard words on purpose: inside a plan the gentle check does not
    interrupt (the plan is that help), outside it the same words get the check."""
    worrying = "i dont see the point of anything lately"
    outside = last(await chat.send(worrying))
    assert "Are you thinking about hurting yourself" in outside.text
    await begin(chat)
    question = last(await chat.send(worrying))
    assert "Step 2 of 7" in question.text
    assert "Are you thinking about hurting yourself" not in question.text


def test_a_plan_just_timed_out_is_known_until_the_chat_is_told() -> None:
    # The gentle check waits for the plan's own note on the message typed after a time-out.
    drafts = PlanDrafts()
    start = dt.datetime(2026, 12, 8, 1, 0, tzinfo=dt.UTC)
    drafts.start(1, "n", start)
    later = start + PLAN_TTL + dt.timedelta(seconds=1)
    assert drafts.get(1, later) is None
    assert drafts.lately_lost(1, later) and drafts.lately_lost(1, later)  # asking forgets nothing
    assert drafts.was_lost(1, later)
    assert not drafts.lately_lost(1, later)  # told: an ordinary chat again
    assert not drafts.lately_lost(2, later)
