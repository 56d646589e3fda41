"""What start-up does not pay for: libraries only some commands need, a second TLS context,
the garbage collector going over start-up objects."""

from __future__ import annotations

import gc
import ssl
import subprocess
import sys

import pytest
from telegram.request import HTTPXRequest

from bot.__main__ import _collector_paused
from bot.app import build_application, tls_in_background
from bot.config import Settings
from bot.services import Library
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


def test_both_bot_api_transports_share_one_verifying_tls_context(library: Library):
    application = build_application(Settings(), library)
    updates, other = application.bot._request  # white-box: (getUpdates, everything else)
    assert isinstance(updates, HTTPXRequest) and isinstance(other, HTTPXRequest)
    tls = other._client_kwargs["verify"]
    assert isinstance(tls, ssl.SSLContext) and updates._client_kwargs["verify"] is tls
    assert tls.verify_mode == ssl.CERT_REQUIRED and tls.check_hostname
    # The pool sizes PTB's builder would have chosen.
    assert other._client_kwargs["limits"].max_connections == 256
    assert updates._client_kwargs["limits"].max_connections == 1


def test_a_tls_context_made_in_the_background_is_the_one_used(library: Library):
    tls = tls_in_background().result(timeout=60)
    assert tls.verify_mode == ssl.CERT_REQUIRED and tls.check_hostname
    updates, other = build_application(Settings(), library, tls=tls).bot._request
    assert isinstance(updates, HTTPXRequest) and isinstance(other, HTTPXRequest)
    assert updates._client_kwargs["verify"] is tls and other._client_kwargs["verify"] is tls


def test_the_garbage_collector_is_paused_for_start_up_only():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), _collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("start-up failed")
    assert gc.isenabled() and gc.get_freeze_count() == 0  # nothing frozen when start-up failed
    try:
        with _collector_paused():
            pass
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0  # kept out of later collections
    finally:
        gc.unfreeze()
    gc.disable()  # and it is not turned on by start-up if it was off
    try:
        with _collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_library_replaced_by_reload_leaves_no_cyclic_garbage(content, library: Library):
    """Objects frozen at start-up are freed by reference counting only: the library must not
    hold reference cycles, or /reload would leak the old one."""
    replaced = Library.build(content, library.directory)
    gc.collect()  # the garbage of building it
    del replaced
    assert gc.collect() == 0
