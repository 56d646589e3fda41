"""Random messages and button presses: no unhandled error, and always an answer.

The pure layers (button parsing, the crisis check, question matching) take ten thousand inputs each,
fast; the whole Application takes fewer (`UPDATES`), the same kinds of input, the same invariants.
"""

from __future__ import annotations

import logging
import random

from bot import callbacks
from bot.content import Content
from bot.offline_api import OfflineBotApi
from bot.safety import Assessment
from bot.services import Library
from tests.fakes import Chat

UPDATES = 600  # the whole Application, fewer; the pure layers take PURE_INPUTS each
PURE_INPUTS = 10_000
ANSWERS = {"sendMessage", "editMessageText", "sendDocument", "editMessageReplyMarkup"}

_ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyz ",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?;:'\"-",
    "áéíóúñüçàèìòùâêîôûäëïöü",
    "مرحبا بكم في الاجتماع",  # right-to-left Arabic
    "שלום לכולם בפגישה",  # right-to-left Hebrew
    "😀😢🙏💊🍺🚬❤️‍🩹🏳️‍🌈👩🏽‍🦱",
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202e\ufeff",  # zero-width and bidi controls
    "<>&\"'`$\\{}[]%#@*",
    "漢字かなカナ한국어",
    "\u0301\u0308\u0327",  # combining marks
]
_COMMANDS = [
    "/start",
    "/help",
    "/faq",
    "/ground",
    "/sos",
    "/privacy",
    "/forget",
    "/meetings",
    "/mymeetings",
    "/addmeeting",
    "/timezone",
    "/cancel",
    "/reload",
    "/stats",
    "/nope",
    "/start@recovery_companion_bot",
]
_FEATURES = ["faq", "gr", "sos", "priv", "rem", "add", "mt", "tz", "cal", "adm", "menu", "x"]


def _text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.05:
        return "x" * 4096
    if kind < 0.1:
        return "".join(rng.choice(_ALPHABETS[rng.randrange(len(_ALPHABETS))]) for _ in range(4096))
    length = rng.choice([1, 2, 5, 20, 80, 300])
    chars = "".join(rng.choice(_ALPHABETS) for _ in range(3))
    text = "".join(rng.choice(chars) for _ in range(length))
    if kind < 0.35:
        junk = "".join(rng.choice(chars) for _ in range(rng.randrange(0, 60)))
        text = f"{rng.choice(_COMMANDS)} {junk}".strip()
    return text[:4096] if text.strip() else "?"


def _payload(rng: random.Random, content: Content) -> str:
    kind = rng.random()
    if kind < 0.2:
        length = rng.choice([0, 1, 10, 64, 65, 200])
        return "".join(rng.choice(rng.choice(_ALPHABETS)) for _ in range(length))
    feature = rng.choice(_FEATURES)
    action = rng.choice(
        [
            "home",
            "cat",
            "q",
            "ex",
            "sit",
            "guide",
            "stop",
            "ok",
            "more",
            "ask",
            "tog",
            "done",
            "ls",
            "card",
            "one",
            "all",
            "set",
            "yes",
            "no",
            "skip",
            "kind",
            "day",
            "days",
            "zone",
            "man",
            "pause",
            "resume",
            "x",
        ]
    )
    args = []
    ids = [e for e in content.entries] + [x.id for x in content.pack("en").grounding.exercises]
    for _ in range(rng.randrange(0, 4)):
        args.append(
            rng.choice(
                [
                    rng.choice(ids),
                    str(rng.randrange(0, 10**10)),
                    "d."
                    + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(12)),
                    "p." + str(rng.randrange(0, 5)),
                    "".join(rng.choice("abc.-_1") for _ in range(rng.randrange(1, 12))),
                ]
            )
        )
    data = ":".join([feature, action, *args])
    return data if callbacks.parse(data) is not None or rng.random() < 0.5 else data[:64]


async def test_random_messages_and_buttons_always_get_an_answer(
    app, api: OfflineBotApi, content: Content, caplog
):
    caplog.set_level(logging.ERROR)
    rng = random.Random(20261121)  # fixed seed: a failure can be replayed
    people = [
        Chat(app, api, user_id=7000 + i, language=rng.choice(["en", "es", "fr", None]))
        for i in range(25)
    ]
    unanswered = []
    for i in range(UPDATES):
        person = rng.choice(people)
        if rng.random() < 0.3:
            calls = await person.press(_payload(rng, content), message_id=rng.randrange(1, 50))
        elif rng.random() < 0.03:
            calls = await person.send_sticker()
        else:
            calls = await person.send(_text(rng))
        if not any(c.method in ANSWERS for c in calls):
            unanswered.append(i)
        assert all(len(c.text) <= 4096 for c in calls)
    assert unanswered == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_random_button_payloads_parse_or_are_refused_without_raising(content: Content) -> None:
    rng = random.Random(20261122)
    for _ in range(PURE_INPUTS):
        data = _payload(rng, content)
        button = callbacks.parse(data)
        assert button is None or len(data) <= 64


def test_random_texts_pass_the_crisis_check_and_the_matchers_without_raising(
    library: Library,
) -> None:
    rng = random.Random(20261123)
    matchers = list(library.matchers.values())
    for _ in range(PURE_INPUTS):
        text = _text(rng)
        assert isinstance(library.detector.assess(text), Assessment)
        assert len(rng.choice(matchers).rank(text, limit=5)) <= 5
