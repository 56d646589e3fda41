"""The bot as a real process, talking to a fake Bot API server on loopback."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.subscriptions import MeetingRef
from tests.conftest import CONTENT_DIR, ROOT
from tests.loopback_api import LoopbackBotApi

TOKEN = "123456:E2E-secret-token-value"


def _message(update_id: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 99, "type": "private"},
            "from": {"id": 99, "is_bot": False, "first_name": "E2E", "language_code": "en"},
            "text": text,
        },
    }


def test_question_in_through_get_updates_answer_out_through_send_message(tmp_path: Path):
    with LoopbackBotApi(TOKEN) as api:
        config = tmp_path / "config.yaml"
        config.write_text(
            f"telegram:\n  base_url: {api.base_url}\n  mode: polling\n"
            f"database:\n  url: sqlite+aiosqlite:///{tmp_path / 'e2e.sqlite3'}\n"
            f"content:\n  dir: {CONTENT_DIR}\nlogging:\n  level: DEBUG\n"
        )
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            api.wait_for("setMyCommands")
            api.updates.put(_message(1, "is it free to go to meetings"))
            answer, pointer = api.wait_for("sendMessage", count=2)
            assert answer.params["chat_id"] == 99
            assert "/help" in pointer.params["text"]
            assert (
                "free" in answer.params["text"].lower() or "cost" in answer.params["text"].lower()
            )
        finally:
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert TOKEN not in out + err
        assert "is it free to go to meetings" not in out + err


def _press(update_id: int, data: str, message_id: int = 1) -> dict:
    user = {"id": 99, "is_bot": False, "first_name": "E2E", "language_code": "en"}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": user,
            "chat_instance": "e2e",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": 99, "type": "private"},
                "text": ".",
            },
        },
    }


def _start_bot(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config)],
        cwd=ROOT,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return err


def test_subscribe_restart_and_receive_the_reminder_exactly_once(tmp_path: Path):
    """A meeting starting in 15 minutes and 25 seconds (a start time may carry seconds), a
    15-minute reminder, a restart in between: the reminder is due 25 s from now, not a minute."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    now = dt.datetime.now(dt.UTC)
    start = (now + dt.timedelta(minutes=15, seconds=25)).replace(microsecond=0)
    fire_at = start - dt.timedelta(minutes=15)
    (content / "meetings.yaml").write_text(
        "meetings:\n"
        "  - name: Soon Online Group\n"
        "    slug: soon-online\n"
        f"    day: [0, 1, 2, 3, 4, 5, 6]\n"
        f'    time: "{start:%H:%M:%S}"\n'
        "    timezone: UTC\n"
        "    conference_url: https://example.org/join/soon\n"
    )
    ref = MeetingRef.directory("soon-online").encode()
    with LoopbackBotApi(TOKEN) as api:
        config = tmp_path / "config.yaml"
        config.write_text(
            f"telegram:\n  base_url: {api.base_url}\n  mode: polling\n"
            f"database:\n  url: sqlite+aiosqlite:///{tmp_path / 'e2e.sqlite3'}\n"
            f"content:\n  dir: {content}\n"
        )
        process = _start_bot(config)
        try:
            api.wait_for("setMyCommands")
            api.updates.put(_message(1, "/start"))
            api.updates.put(_press(2, f"rem:ask:{ref}"))
            api.updates.put(_press(3, f"rem:tog:{ref}:15", message_id=2))
            edits = api.wait_for("editMessageText")
            assert "✅ 15 minutes before" in json.dumps(edits[-1].params, ensure_ascii=False)
        finally:
            _stop(process)
        assert dt.datetime.now(dt.UTC) < fire_at, "the test machine was too slow to subscribe"
        process = _start_bot(config)
        try:
            api.wait_for("setMyCommands", count=2)
            wait = (fire_at - dt.datetime.now(dt.UTC)).total_seconds() + 20
            reminders = _wait_for_reminders(api, timeout=wait)
            assert len(reminders) == 1
            text = reminders[0].params["text"]
            assert "Soon Online Group" in text and "in 15 minutes" in text
            assert "https://example.org/join/soon" in text
            time.sleep(3)
            assert len(_wait_for_reminders(api, timeout=0.1)) == 1
        finally:
            _stop(process)


def _wait_for_reminders(api: LoopbackBotApi, timeout: float) -> list:
    deadline = time.monotonic() + timeout
    while True:
        found = [c for c in api.calls if c.method == "sendMessage" and "Reminder:" in str(c.params)]
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.2)


def test_webhook_checks_the_secret_ignores_resent_updates_and_reports_health(tmp_path: Path):
    import socket
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secret = "s3cret-Token_1"
    with LoopbackBotApi(TOKEN) as api:
        config = tmp_path / "config.yaml"
        config.write_text(
            f"telegram:\n  base_url: {api.base_url}\n  mode: webhook\n"
            f"  webhook:\n    listen: 127.0.0.1\n    port: {port}\n    path: /tg\n"
            "    public_url: https://bot.example.org/tg\n"
            f"database:\n  url: sqlite+aiosqlite:///{tmp_path / 'wh.sqlite3'}\n"
            f"content:\n  dir: {CONTENT_DIR}\nlogging:\n  level: DEBUG\n"
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config)],
            cwd=ROOT,
            env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": secret},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def post(update: dict, token: str | None) -> int:
            headers = {"Content-Type": "application/json"}
            if token is not None:
                headers["X-Telegram-Bot-Api-Secret-Token"] = token
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/tg", json.dumps(update).encode(), headers
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        try:
            (registered,) = api.wait_for("setWebhook")
            assert registered.params["url"] == "https://bot.example.org/tg"
            assert registered.params["secret_token"] == secret
            deadline = time.monotonic() + 20
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                        health = json.loads(r.read())
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the webhook server did not come up"
                    time.sleep(0.1)
            assert health == {"database": "ok", "reminders": "ok"}
            question = _message(7, "is it free to go to meetings zebra")
            assert post(question, "wrong") == 403
            assert post(question, None) == 403
            assert post(question, secret) == 200
            answers = api.wait_for("sendMessage", count=2)
            assert post(question, secret) == 200  # Telegram re-sends: answered once only
            time.sleep(1.5)
            assert len([c for c in api.calls if c.method == "sendMessage"]) == len(answers)
            assert "free" in answers[0].params["text"].lower()
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "secret token" in err and "zebra" not in out + err and TOKEN not in out + err
        assert secret not in out + err
