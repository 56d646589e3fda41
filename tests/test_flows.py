"""What a user sees, through the real PTB Application on the offline Bot API."""

from __future__ import annotations

import asyncio

import pytest

from bot.content import Content
from bot.handlers.common import esc
from bot.offline_api import Failure
from bot.services import Services
from tests.fakes import Chat, started


def only(calls, method="sendMessage"):
    sent = [c for c in calls if c.method == method]
    assert len(sent) == 1, [(c.method, c.text[:60]) for c in calls]
    return sent[0]


async def test_start_welcomes_with_main_paths(newcomer: Chat):
    reply = only(await newcomer.send("/start"))
    assert "glad you're here" in reply.text
    labels = [label for label, _ in reply.buttons]
    assert labels == ["Questions about meetings", "Find a meeting", "Grounding now", "Crisis help"]


async def test_command_menu_is_set_at_start_up(app, api):
    menus = [c for c in api.calls if c.method == "setMyCommands"]
    assert menus, "no command menu was set"
    names = [c["command"] for c in menus[0].params["commands"]]
    assert {"start", "faq", "ground", "sos", "privacy", "forget", "help"} <= set(names)


async def test_help_lists_commands(chat: Chat):
    reply = only(await chat.send("/help"))
    for command in ("/faq", "/ground", "/sos", "/privacy", "/forget"):
        assert command in reply.text


async def test_browse_topics_then_question_then_answer_editing_in_place(
    chat: Chat, content: Content
):
    topics = only(await chat.send("/faq"))
    category = content.pack("en").faq.categories[0]
    assert topics.buttons[0][0] == category.title
    questions = only(await chat.press_label(topics, category.title), "editMessageText")
    entry = category.entries[0]
    assert any(label == entry.question for label, _ in questions.buttons)
    answer = only(await chat.press_label(questions, entry.question), "editMessageText")
    assert entry.question in answer.text
    assert entry.answer.split("\n")[0][:40] in answer.text.replace("&#x27;", "'")
    assert "Sources" in answer.text
    labels = [label for label, _ in answer.buttons]
    assert "« Back" in labels and "All topics" in labels
    back = only(await chat.press_label(answer, "Back"), "editMessageText")
    assert any(label == entry.question for label, _ in back.buttons)


async def test_related_questions_are_buttons(chat: Chat, content: Content):
    entry = next(e for c in content.pack("en").faq.categories for e in c.entries if e.see_also)
    answer = only(await chat.press(f"faq:q:{entry.id}"), "editMessageText")
    related = content.entries[entry.see_also[0]]
    assert any(label == related.question for label, _ in answer.buttons)


async def test_typed_question_gets_the_answer(chat: Chat, content: Content):
    reply = only(await chat.send("do i have to talk at my first meeting"))
    assert content.entries["do-i-have-to-talk"].question in reply.text


async def test_unsure_offers_up_to_three_questions(chat: Chat, content: Content):
    reply = only(await chat.send("talk"))
    assert "not sure" in reply.text
    offered = [data for _, data in reply.buttons if data.startswith("faq:q:")]
    assert 1 <= len(offered) <= 3
    assert "faq:q:do-i-have-to-talk" in offered
    assert reply.buttons[-1][0] == "All topics"


async def test_out_of_scope_says_it_does_not_know_and_shows_topics(chat: Chat, content: Content):
    reply = only(await chat.send("what is the capital of mongolia"))
    assert "don't know that one" in reply.text
    assert [label for label, _ in reply.buttons] == [
        c.title for c in content.pack("en").faq.categories
    ]


async def test_grounding_by_situation_then_exercise(chat: Chat, content: Content):
    menu = only(await chat.send("/ground"))
    situation = content.pack("en").grounding.situations[0]
    listing = only(await chat.press_label(menu, situation.label), "editMessageText")
    exercise = next(x for x in content.pack("en").grounding.exercises if situation.id in x.when)
    shown = only(await chat.press_label(listing, exercise.title))
    assert exercise.title in shown.text and exercise.steps[0].text[:30] in shown.text
    labels = [label for label, _ in shown.buttons]
    assert "Another one" in labels and "That helped" in labels
    another = only(await chat.press_label(shown, "Another one"))
    assert exercise.title not in another.text.split("\n")[0]
    thanks = only(await chat.press_label(another, "That helped"))
    assert "glad it helped" in thanks.text


async def test_guided_breathing_paces_steps_and_can_be_stopped(chat: Chat, app, content: Content):
    exercise = next(x for x in content.pack("en").grounding.exercises if x.guided)
    calls = await chat.press(f"gr:guide:{exercise.id}")
    first_step = calls[-1]
    assert exercise.steps[0].text in first_step.text.replace("&#x27;", "'")
    jobs = app.job_queue.get_jobs_by_name("guide:501")
    assert len(jobs) == 1
    before = len(chat.api.calls)
    await jobs[0].run(app)  # the clock is PTB's; run the due step instead of sleeping
    edit = chat.api.calls[before]
    assert edit.method == "editMessageText"
    assert exercise.steps[1 % len(exercise.steps)].text[:20] in edit.text.replace("&#x27;", "'")
    stopped = only(await chat.press_label(first_step, "Stop"), "editMessageText")
    assert "Stopped" in stopped.text
    assert "Grounding now" in [label for label, _ in stopped.buttons]  # a next step is offered
    assert all(j.removed for j in app.job_queue.get_jobs_by_name("guide:501")) or not [
        j for j in app.job_queue.get_jobs_by_name("guide:501") if not j.removed
    ]


async def test_guided_exercise_runs_to_the_end(chat: Chat, app, content: Content):
    exercise = next(x for x in content.pack("en").grounding.exercises if x.guided)
    await chat.press(f"gr:guide:{exercise.id}")
    for _ in range(len(exercise.steps) * exercise.rounds + 1):
        jobs = [j for j in app.job_queue.get_jobs_by_name("guide:501") if not j.removed]
        if not jobs:
            break
        jobs[0].schedule_removal()
        await jobs[0].run(app)
    done, cleared = chat.api.calls[-2:]
    assert "end of the exercise" in done.text
    assert cleared.method == "editMessageReplyMarkup" and not cleared.buttons  # then the Stop goes
    assert not [j for j in app.job_queue.get_jobs_by_name("guide:501") if not j.removed]


def _guide_jobs(app):
    return [j for j in app.job_queue.get_jobs_by_name("guide:501") if not j.removed]


async def test_a_crisis_stops_a_running_guided_exercise(chat: Chat, app, content: Content):
    exercise = next(x for x in content.pack("en").grounding.exercises if x.guided)
    await chat.press(f"gr:guide:{exercise.id}")
    assert _guide_jobs(app)
    assert "988" in only(await chat.send("i want to kill myself")).text
    assert not _guide_jobs(app)


# What a person in danger writes in each language, and what only the crisis reply says.
CRISIS_TEXT = {"en": ("i want to kill myself", "988"), "es": ("me quiero matar", "988")}


async def _stop_by(person: Chat, stopper: str, language: str):
    """What the bot sends when `stopper` (a crisis message, /sos, /forget confirmed) is used."""
    if stopper == "crisis":
        return await person.send(CRISIS_TEXT[language][0])
    if stopper == "sos":
        return await person.send("/sos")
    await person.send("/forget")
    return await person.press("priv:yes")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("stopper", ["crisis", "sos", "forget"])
async def test_a_crisis_sos_or_forget_ends_the_exercise_and_takes_its_stop_button_away(
    stopper: str, language: str, app, api, content: Content
):
    """No step or "How are you doing now?" of the exercise follows the crisis reply (or
    /forget's), and the exercise's message is left with no Stop to press."""
    person = await started(app, api, language, user_id=660)
    pack = content.pack(language)
    exercise = next(x for x in pack.grounding.exercises if x.guided)
    step = (await person.press(f"gr:guide:{exercise.id}"))[-1]
    pending = app.job_queue.get_jobs_by_name("guide:660")
    assert pending and not any(j.removed for j in pending)

    calls = await _stop_by(person, stopper, language)

    if stopper != "forget":
        assert CRISIS_TEXT[language][1] in calls[0].text  # the crisis reply first, as always
    cleared = [
        c
        for c in calls
        if c.method == "editMessageReplyMarkup"
        and c.params.get("message_id") == step.result["message_id"]
    ]
    assert cleared and not cleared[-1].buttons
    assert all(j.removed for j in pending)  # nothing of the exercise is left to arrive
    done = pack.text("ground_guided_done")
    assert all(done not in c.text for c in api.calls)


async def test_a_crisis_while_a_step_is_being_shown_still_ends_the_exercise(
    chat: Chat, app, api, content: Content
):
    """A step is a job that runs beside the chat's updates: the crisis reply may come while the
    step's message is being edited, and no step may follow it even so."""
    exercise = next(x for x in content.pack("en").grounding.exercises if x.guided)
    await chat.press(f"gr:guide:{exercise.id}")
    (step,) = _guide_jobs(app)
    editing, go_on = asyncio.Event(), asyncio.Event()

    async def slow_edit(method: str) -> None:
        if method == "editMessageText":
            editing.set()
            await go_on.wait()

    api.before_answer = slow_edit
    step.schedule_removal()
    shown = asyncio.create_task(step.run(app))
    await editing.wait()
    assert "988" in (await chat.send("i want to kill myself"))[0].text
    go_on.set()
    await shown
    assert not _guide_jobs(app)  # nothing of the exercise is left to arrive


async def test_a_stop_button_that_cannot_be_taken_away_does_not_hold_up_the_crisis_reply(
    chat: Chat, app, api, content: Content
):
    exercise = next(x for x in content.pack("en").grounding.exercises if x.guided)
    await chat.press(f"gr:guide:{exercise.id}")
    api.failures.append(
        Failure("editMessageReplyMarkup", 400, "Bad Request: message can't be edited")
    )
    calls = await chat.send("i want to kill myself")
    assert "988" in calls[0].text
    assert [c.method for c in calls] == ["sendMessage", "editMessageReplyMarkup"]  # no apology
    assert not _guide_jobs(app)


async def test_the_gentle_check_stops_a_running_guided_exercise(chat: Chat, app, content: Content):
    exercise = next(x for x in content.pack("en").grounding.exercises if x.guided)
    await chat.press(f"gr:guide:{exercise.id}")
    reply = only(await chat.send("i can't do this anymore"))
    assert "988" in reply.text
    assert not _guide_jobs(app)


@pytest.mark.parametrize("word", ["stop", "Enough", "basta", "/cancel"])
async def test_typed_stop_or_cancel_stops_a_guided_exercise(
    word: str, chat: Chat, app, content: Content
):
    exercise = next(x for x in content.pack("en").grounding.exercises if x.guided)
    await chat.press(f"gr:guide:{exercise.id}")
    stopped = only(await chat.send(word))
    assert "Stopped" in stopped.text
    assert "Grounding now" in [label for label, _ in stopped.buttons]  # a next step is offered
    assert not _guide_jobs(app)


async def test_stop_without_a_guided_exercise_is_an_ordinary_message(chat: Chat):
    assert "Stopped. Take whatever" not in only(await chat.send("stop")).text


async def test_sos_stops_a_running_guided_exercise(chat: Chat, app, content: Content):
    exercise = next(x for x in content.pack("en").grounding.exercises if x.guided)
    await chat.press(f"gr:guide:{exercise.id}")
    assert "988" in only(await chat.send("/sos")).text
    assert not _guide_jobs(app)


async def test_starting_a_second_guided_exercise_stops_the_first(chat: Chat, app, content: Content):
    guided = [x for x in content.pack("en").grounding.exercises if x.guided]
    await chat.press(f"gr:guide:{guided[0].id}")
    await chat.press(f"gr:guide:{guided[-1].id}")
    assert len(_guide_jobs(app)) == 1


async def test_a_second_guided_exercise_takes_the_stop_off_the_first_and_the_old_stop_ends_nothing(
    chat: Chat, app, content: Content
):
    """One exercise at a time: starting another ends the first visibly (its Stop button goes),
    and a Stop pressed on the first one afterwards is out of date, not a stop of the other."""
    guided = [x for x in content.pack("en").grounding.exercises if x.guided]
    first = (await chat.press(f"gr:guide:{guided[0].id}"))[-1]
    calls = await chat.press(f"gr:guide:{guided[-1].id}")
    second = calls[-1]
    cleared = [
        c
        for c in calls
        if c.method in ("editMessageReplyMarkup", "editMessageText")
        and c.params.get("message_id") == first.result["message_id"]
    ]
    assert cleared and not cleared[-1].buttons  # the first exercise has no live Stop left
    stale = only(await chat.press_label(first, "Stop"))
    assert "out of date" in stale.text
    assert len(_guide_jobs(app)) == 1  # the second exercise goes on
    stopped = only(await chat.press_label(second, "Stop"), "editMessageText")
    assert "Stopped" in stopped.text
    assert not _guide_jobs(app)


async def test_typed_stop_takes_the_stop_button_off_the_exercise(chat: Chat, app, content: Content):
    exercise = next(x for x in content.pack("en").grounding.exercises if x.guided)
    step = (await chat.press(f"gr:guide:{exercise.id}"))[-1]
    calls = await chat.send("enough")
    cleared = [
        c
        for c in calls
        if c.method == "editMessageReplyMarkup"
        and c.params.get("message_id") == step.result["message_id"]
    ]
    assert cleared and not cleared[-1].buttons


async def test_a_question_typed_during_a_guided_exercise_ends_it_with_a_word_then_is_answered(
    chat: Chat, app, content: Content
):
    exercise = next(x for x in content.pack("en").grounding.exercises if x.guided)
    await chat.press(f"gr:guide:{exercise.id}")
    calls = await chat.send("do i have to talk at my first meeting")
    said, answer = [c for c in calls if c.method == "sendMessage"]
    assert "stopped the exercise" in said.text
    assert content.entries["do-i-have-to-talk"].question in answer.text
    assert not _guide_jobs(app)


@pytest.mark.parametrize("text", ["ok", "this is hard", "breathing"])
async def test_chatter_during_a_guided_exercise_is_not_answered_as_an_faq_question(
    text: str, chat: Chat, app, content: Content
):
    exercise = next(x for x in content.pack("en").grounding.exercises if x.guided)
    await chat.press(f"gr:guide:{exercise.id}")
    reply = only(await chat.send(text))
    assert "stop" in reply.text.lower()  # how to end it, said
    assert "not sure" not in reply.text and "don't know that one" not in reply.text
    assert len(_guide_jobs(app)) == 1  # the exercise goes on


async def test_sos_shows_region_crisis_message_any_time(chat: Chat):
    reply = only(await chat.send("/sos"))
    assert "988" in reply.text
    await chat.send("/faq")
    again = only(await chat.send("/sos"))
    assert "988" in again.text


async def test_crisis_from_inside_a_menu_comes_first_and_alone(chat: Chat):
    await chat.send("/ground")
    calls = await chat.send("i want to kill myself")
    reply = only(calls)
    assert "988" in reply.text
    labels = [label for label, _ in reply.buttons]
    assert "Grounding now" in labels


async def test_crisis_before_any_welcome_for_a_new_user(newcomer: Chat):
    calls = await newcomer.send("I took all my pills and I want to die")
    assert calls[0].method == "sendMessage"
    assert "988" in calls[0].text or "911" in calls[0].text
    assert len(calls) == 1


async def test_overdose_gets_overdose_steps(chat: Chat):
    reply = only(await chat.send("my friend is not breathing after using, what do i do"))
    assert "911" in reply.text
    assert "naloxone" in reply.text.lower() or "narcan" in reply.text.lower()


async def test_gentle_check_then_safe(chat: Chat):
    check = only(await chat.send("i can't do this anymore"))
    assert "988" in check.text
    labels = [label for label, _ in check.buttons]
    assert "I'm safe right now" in labels and "I need help now" in labels
    safe = only(await chat.press_label(check, "I'm safe right now"))
    assert "/sos" in safe.text
    # a single "I'm safe" must not silence a later signal
    later = only(await chat.send("i want to end my life"))
    assert "988" in later.text


async def test_gentle_check_then_help(chat: Chat):
    check = only(await chat.send("i can't do this anymore"))
    help_ = only(await chat.press_label(check, "I need help now"))
    assert "988" in help_.text


@pytest.mark.parametrize(
    "text",
    ["I'd kill for a coffee", "I OD'd back in 2019", "my sponsee relapsed", "I'm not suicidal"],
)
async def test_safe_phrases_get_a_normal_answer(chat: Chat, text: str):
    reply = only(await chat.send(text))
    assert "988" not in reply.text


async def test_spanish_user_gets_spanish_crisis_message(app, api):
    chat = Chat(app, api, user_id=777, language="es")
    reply = (await chat.send("quiero morirme"))[0]
    assert "988" in reply.text


async def test_privacy_explains_what_is_kept(chat: Chat):
    reply = only(await chat.send("/privacy"))
    assert "never" in reply.text and "/forget" in reply.text


async def test_forget_asks_once_then_deletes(chat: Chat, services: Services):
    assert await services.storage.get_user(501) is not None
    confirm = only(await chat.send("/forget"))
    done = only(await chat.press_label(confirm, "Yes"), "editMessageText")
    assert "deleted everything" in done.text
    assert await services.storage.get_user(501) is None


async def test_forget_can_be_cancelled(chat: Chat, services: Services):
    confirm = only(await chat.send("/forget"))
    kept = only(await chat.press_label(confirm, "No"), "editMessageText")
    assert "nothing was deleted" in kept.text.lower()
    assert await services.storage.get_user(501) is not None


@pytest.mark.parametrize(
    "data", ["faq:q:no-such-entry", "gr:ex:nope", "x" * 200, "faq", "", "sos:kind:evil", "../../"]
)
async def test_forged_or_stale_buttons_are_refused_politely(chat: Chat, data: str):
    reply = only(await chat.press(data))
    assert "out of date" in reply.text


async def test_unknown_command_and_stickers(chat: Chat):
    assert "don't know that command" in only(await chat.send("/frobnicate now")).text
    assert "only read text" in only(await chat.send_sticker()).text


async def test_a_photo_whose_caption_says_they_want_to_die_gets_the_crisis_reply(chat: Chat):
    reply = only(await chat.send_photo("I want to die"))
    assert "988" in reply.text
    assert "only read text" not in reply.text


async def test_a_photo_with_a_safe_caption_or_none_gets_the_not_text_reply(chat: Chat):
    assert "only read text" in only(await chat.send_photo("my meeting schedule")).text
    assert "only read text" in only(await chat.send_photo()).text


async def test_not_text_reply_offers_crisis_help_and_names_sos(chat: Chat):
    reply = only(await chat.send_sticker())
    assert "/sos" in reply.text
    help_ = only(await chat.press_label(reply, "Crisis help"))
    assert "988" in help_.text


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", ["voice", "sticker", "document", "photo"])
async def test_voice_notes_stickers_and_files_get_only_text_with_crisis_help_and_sos(
    kind: str, language: str, app, api, content: Content
):
    person = await started(app, api, language)
    pack = content.pack(language)
    reply = only(await person.send_attachment(kind))
    assert reply.text == esc(pack.text("not_text")) and "/sos" in reply.text
    crisis = only(await person.press_label(reply, pack.text("button_crisis_help")))
    assert "988" in crisis.text


@pytest.mark.parametrize(
    ("language", "caption"),
    [("en", "I want to die"), ("es", "quiero morirme"), ("es", "ya no quiero vivir")],
)
@pytest.mark.parametrize("kind", ["photo", "document"])
async def test_a_caption_that_says_they_want_to_die_gets_the_crisis_reply(
    kind: str, language: str, caption: str, app, api, content: Content
):
    person = await started(app, api, language)
    reply = only(await person.send_attachment(kind, caption))
    assert "988" in reply.text and reply.text != esc(content.pack(language).text("not_text"))
    assert "plan:start" in [data for _, data in reply.buttons]  # the self-harm reply


async def test_first_message_without_start_gets_an_answer_then_a_pointer(newcomer: Chat):
    calls = await newcomer.send("is it free")
    assert len(calls) == 2
    assert "free" in calls[0].text.lower()
    assert "/help" in calls[1].text
    assert len(await newcomer.send("is it free")) == 1


async def test_long_message_is_answered(chat: Chat):
    calls = await chat.send("meeting " * 500)
    assert calls and all(len(c.text) <= 4096 for c in calls)


async def test_addmeeting_refuses_a_monthly_meeting_as_weekly_and_asks_again(chat: Chat):
    await chat.send("/addmeeting")
    await chat.send("Home group")
    assert "weekly" in only(await chat.send("first monday of the month")).text
    assert "which days it is not on" in only(await chat.send("not mondays")).text
    assert "time" in only(await chat.send("mondays and thursdays")).text.lower()


async def test_a_typed_offset_offers_the_cities_there_and_zones_are_shown_as_cities(
    chat: Chat, app, api
):
    await chat.send("/timezone")
    offered = (await chat.send("gmt+10"))[0]
    cities = [label.split(" · ")[0] for label, _ in offered.buttons]
    assert cities[0] == "Brisbane"  # on 1 March Sydney is on daylight time, +11
    assert "Sydney" in cities
    assert not any("Etc" in label or "/" in label for label in cities)
    chosen = (await chat.press_label(offered, "Sydney"))[0]
    assert chosen.text.startswith("Time zone set to Sydney.")
    assert "Your time zone is Sydney." in (await chat.send("/timezone"))[0].text
    spanish = Chat(app, api, user_id=650, language="es")
    await spanish.send("/start")
    await spanish.send("/timezone")
    for typed, city in (("nueva york", "Nueva York"), ("ciudad de mexico", "Ciudad de México")):
        answer = (await spanish.send(typed))[0]
        assert f"tu zona horaria ahora es {city}." in answer.text
        await spanish.send("/timezone")
