"""Links from flyers and websites (`t.me/<bot>?start=<payload>`) open the right place."""

from __future__ import annotations

import pytest

from bot import deeplinks
from bot.content import Content
from bot.services import Services
from tests.fakes import Chat


def sent(calls):
    return [c for c in calls if c.method == "sendMessage"]


# --- payloads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug",
    ["tuesday-night", "Sunday_Serenity", "reunión-de-los-lunes", "a b", "x" * 70, "grupo/123"],
)
def test_every_slug_gives_a_payload_telegram_accepts_and_that_finds_it_again(slug: str):
    payload = deeplinks.meeting_payload(slug)
    assert len(payload) <= 64
    assert all(c.isascii() and (c.isalnum() or c in "_-") for c in payload)
    target = deeplinks.parse(payload)
    assert target is not None and target.kind == "meeting"
    # It names this slug and no other: by the slug itself, or by the slug's own digest.
    others = ["sunday-serenity", "reuni-n-de-los-lunes", "x" * 69, "a-b"]
    named = (lambda s: deeplinks.digest(s) == target.value) if target.digest else slug.__eq__
    assert named(slug) and not any(named(other) for other in others)


def test_a_meeting_is_found_by_its_slug_or_digest_in_the_directory_served():
    from bot.meetings import Directory
    from tests.test_reminders import EVENING, LONDON

    directory = Directory((EVENING, LONDON))
    by_slug = deeplinks.parse(deeplinks.meeting_payload("london-sat"))
    assert by_slug is not None and deeplinks.meeting_of(by_slug, directory) == LONDON
    by_digest = deeplinks.Target("meeting", deeplinks.digest("evening-ny"), digest=True)
    assert deeplinks.meeting_of(by_digest, directory) == EVENING
    # The index follows the directory served: a meeting that left it is not found.
    assert deeplinks.meeting_of(by_digest, Directory((LONDON,))) is None
    assert deeplinks.meeting_of(deeplinks.Target("meeting", "gone"), directory) is None


def test_slugs_that_differ_only_in_form_get_different_links():
    pairs = [("Sunday_Serenity", "sunday-serenity"), ("reunión", "reuni-n"), ("x" * 70, "x" * 71)]
    for one, other in pairs:
        assert deeplinks.meeting_payload(one) != deeplinks.meeting_payload(other)


@pytest.mark.parametrize(
    "payload", ["", "m-", "zzz", "faq", "m-a b", "mh-xyz", "é", "m-" + "a" * 63, "\ud800"]
)
def test_payloads_this_bot_never_made_name_nothing(payload: str):
    assert deeplinks.parse(payload) is None


def test_the_link_is_a_telegram_start_link():
    link = deeplinks.link("@RecoveryHelperBot", deeplinks.faq_payload("cost"))
    assert link == "https://t.me/RecoveryHelperBot?start=faq-cost"


# --- through the bot -------------------------------------------------------------------------


async def test_a_meetings_link_opens_its_card_with_remind_me(newcomer: Chat, services: Services):
    meeting = next(iter(services.library.directory))
    (card,) = sent(await newcomer.send(f"/start {deeplinks.meeting_payload(meeting.slug)}"))
    assert meeting.name in card.text
    labels = [label for label, _ in card.buttons]
    assert any("Remind me" in label for label in labels), labels
    assert "glad you're here" not in card.text  # the card, not the welcome


async def test_an_answers_link_opens_the_answer_in_the_readers_language(
    services: Services, app, api, content: Content
):
    spanish = Chat(app, api, user_id=611, language="es")
    (reply,) = sent(await spanish.send("/start faq-cost"))
    spanish_question = services.library.pack("es").faq.categories
    entry = next(e for c in spanish_question for e in c.entries if e.id == "cost")
    assert entry.question in reply.text
    assert content.entries["cost"].question not in reply.text


async def test_help_links_open_crisis_resources_and_grounding(newcomer: Chat):
    (crisis,) = sent(await newcomer.send("/start sos"))
    assert "988" in crisis.text
    (grounding,) = sent(await newcomer.send("/start ground"))
    assert grounding.buttons  # the situations to choose from


@pytest.mark.parametrize("payload", ["m-no-such-meeting", "faq-no-such-entry", "m-a%20b", "junk"])
async def test_a_link_that_leads_nowhere_welcomes_with_a_word_about_it(
    newcomer: Chat, payload: str
):
    (reply,) = sent(await newcomer.send(f"/start {payload}"))
    assert "didn't lead anywhere" in reply.text
    assert "glad you're here" in reply.text
    assert len(reply.buttons) == 4  # the main paths


async def test_a_card_has_join_and_directions_as_link_buttons(newcomer: Chat, services: Services):
    directory = services.library.directory
    online = next(m for m in directory if m.conference_url and not m.is_in_person)
    (card,) = sent(await newcomer.send(f"/start {deeplinks.meeting_payload(online.slug)}"))
    assert ("Join now", online.conference_url) in card.buttons
    hall = next(m for m in directory if m.is_in_person)
    (card,) = sent(await newcomer.send(f"/start {deeplinks.meeting_payload(hall.slug)}"))
    directions = dict(card.buttons)["Directions"]
    assert directions.startswith("https://www.google.com/maps/search/?api=1&query=")
    row = card.params["reply_markup"]["inline_keyboard"][0]
    assert all("url" in button and "callback_data" not in button for button in row)
