"""The bot as a real process, talking to a fake Bot API server on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

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
