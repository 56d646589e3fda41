"""The terminal chat: the real bot, typed lines in, readable messages and numbered buttons out."""

from __future__ import annotations

import io
import subprocess
import sys

from telegram import Update

from bot.offline_api import OfflineBotApi
from bot.terminal import TerminalChat
from tests.conftest import ROOT


async def test_typed_lines_and_numbers_drive_the_real_bot(app, api: OfflineBotApi):
    out = io.StringIO()
    terminal = TerminalChat(api, out)
    for line in ["/start", "1"]:
        update = terminal.update_for(line)
        await app.process_update(Update.de_json(update, app.bot))
    shown = out.getvalue()
    assert "bot> Hi, I'm glad you're here." in shown
    assert "[1] Questions about meetings" in shown
    assert "(edited) Pick a topic:" in shown
    assert terminal.update_for("   ") is None


def test_make_run_without_token_chats_in_the_terminal(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(f"database:\n  url: sqlite+aiosqlite:///{tmp_path}/t.db\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config)],
        cwd=ROOT,
        input="/start\n1\nis it free to go\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "No TELEGRAM_BOT_TOKEN set" in result.stderr
    assert result.stderr.count("\n") <= 2, result.stderr
    assert "glad you're here" in result.stdout
    assert "[1]" in result.stdout
    assert "(edited) Pick a topic:" in result.stdout  # "1" pressed the first button shown
