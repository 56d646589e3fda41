"""Button payloads are untrusted input: anything foreign parses to None, never raises."""

from __future__ import annotations

import pytest

from bot import callbacks


@pytest.mark.parametrize(
    "data",
    [
        "faq:show:x\ud800",
        "\ud800",
        "faq:show\n",
        "faq:show:a\n",
        "FAQ:show",
        "faq:show:" + "a" * 41,
    ],
)
def test_foreign_payloads_are_refused_without_raising(data: str) -> None:
    assert callbacks.parse(data) is None


def test_a_payload_made_by_the_bot_reads_back() -> None:
    data = callbacks.make("faq", "show", "what-to-expect")
    assert callbacks.parse(data) == callbacks.Button("faq", "show", ("what-to-expect",))
