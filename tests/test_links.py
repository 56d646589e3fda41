"""A meeting's link and QR code for organizers: /link in the bot, `python -m bot link` outside.

The QR codes are read back with an independent decoder (zxing-cpp) from the PNG as Pillow opens
it, and the link they hold is then followed through the bot.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from bot import deeplinks
from bot.__main__ import main as cli
from bot.config import Settings
from bot.offline_api import BOT_USER
from tests.conftest import CONTENT_DIR
from tests.fakes import Chat, running_app

ORGANIZER = 900
SERENITY = "example-aa-serenity-at-seven"


def scanned(png: bytes) -> str:
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


@pytest.fixture
async def organizer_app(database_url: str, library, api, clock) -> AsyncIterator:
    settings = Settings.model_validate({"database": {"url": database_url}, "admins": [ORGANIZER]})
    async with running_app(settings, library, api, clock) as app:
        yield app


async def test_an_organizer_gets_a_printable_code_that_opens_the_meeting(organizer_app, api):
    organizer = Chat(organizer_app, api, user_id=ORGANIZER)
    calls = await organizer.send(f"/link {SERENITY}")
    (upload,) = [c for c in calls if c.method == "sendDocument"]
    ((name, png),) = upload.files.values()
    assert name.endswith(".png")
    link = scanned(png)
    assert link.startswith(f"https://t.me/{BOT_USER['username']}?start=")
    assert link in upload.text

    # Whoever scans it opens the bot at the meeting's card, with "Remind me".
    newcomer = Chat(organizer_app, api, user_id=7001)
    payload = link.split("start=", 1)[1]
    (card,) = [c for c in await newcomer.send(f"/start {payload}") if c.method == "sendMessage"]
    assert "Serenity" in card.text
    assert any("Remind me" in label for label, _ in card.buttons)


async def test_link_finds_a_meeting_by_part_of_its_name_and_lists_several(organizer_app, api):
    organizer = Chat(organizer_app, api, user_id=ORGANIZER)
    await organizer.send("/start")
    one = await organizer.send("/link serenity at seven")
    assert [c.method for c in one] == ["sendDocument", "sendMessage"]
    # And the link that adds the bot to the group's own chat, where it posts the reminders.
    assert f"?startgroup=m-{SERENITY}" in one[1].text
    several = await organizer.send("/link example")
    (reply,) = several
    assert "meetings match" in reply.text
    assert f"/link {SERENITY}" in reply.text
    (nothing,) = await organizer.send("/link no such group anywhere")
    assert "No meeting" in nothing.text
    (usage,) = await organizer.send("/link")
    assert "/link serenity" in usage.text


async def test_link_is_an_unknown_command_for_everyone_else(organizer_app, api):
    member = Chat(organizer_app, api, user_id=7002)
    calls = await member.send(f"/link {SERENITY}")
    assert all(c.method != "sendDocument" for c in calls)
    assert SERENITY not in " ".join(c.text for c in calls)


def config(tmp_path: Path, **telegram: str) -> Path:
    lines = [f"content:\n  dir: {CONTENT_DIR}\n", "telegram:\n  mode: terminal\n"]
    lines += [f'  {key}: "{value}"\n' for key, value in telegram.items()]
    path = tmp_path / "config.yaml"
    path.write_text("".join(lines))
    return path


def test_the_command_line_prints_the_link_and_writes_the_qr_code(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    flyer = tmp_path / "flyer.png"
    path = config(tmp_path, username="@OurIntergroupBot")
    assert cli(["--config", str(path), "link", SERENITY, "--qr", str(flyer)]) == 0
    printed = capsys.readouterr().out
    expected = deeplinks.link("OurIntergroupBot", deeplinks.meeting_payload(SERENITY))
    assert expected in printed
    assert scanned(flyer.read_bytes()) == expected


def test_the_command_line_says_what_is_missing(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert cli(["--config", str(config(tmp_path)), "link", SERENITY]) == 1
    assert "telegram.username" in capsys.readouterr().out
    named = config(tmp_path, username="OurIntergroupBot")
    assert cli(["--config", str(named), "link", "example"]) == 1
    assert SERENITY in capsys.readouterr().out  # among the choices
    assert cli(["--config", str(named), "link", "nothing like it"]) == 1
    assert "No meeting" in capsys.readouterr().out


async def test_organizers_see_their_commands_in_their_own_chats_menu(organizer_app, api):
    menus = [c for c in api.calls if c.method == "setMyCommands"]
    public = [m for m in menus if "scope" not in m.params]
    scoped = [m for m in menus if m.params.get("scope", {}).get("chat_id") == ORGANIZER]
    assert public and scoped and len(scoped) == len(public)  # one per language
    for menu in public:
        assert "link" not in {c["command"] for c in menu.params["commands"]}
    for menu in scoped:
        names = {c["command"] for c in menu.params["commands"]}
        assert {"reload", "announce", "stats", "link", "meetings", "sos"} <= names
