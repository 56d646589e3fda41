"""What start-up does not pay for: libraries only some commands need."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

# Imported only by the commands or the moments that need them (the calendar button, for one, is
# tested end to end in test_meetings_flow.py).
LAZY = ("alembic", "icalendar", "bot.calendar", "bot.meeting_import", "bot.terminal")


def test_starting_the_bot_does_not_import_what_only_some_commands_need():
    probe = (
        "import sys, bot.__main__, bot.app, bot.services, bot.storage\n"
        f"print(' '.join(name for name in {LAZY!r} if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
