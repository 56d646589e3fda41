"""Crisis replies through the real Application: the right region's lines for where the user is."""

from __future__ import annotations

from tests.fakes import Chat


async def test_a_user_in_sydney_gets_australias_lines_and_one_on_the_default_the_configured(
    chat: Chat,
) -> None:
    calls = await chat.send("/sos")
    assert "988" in calls[0].text
    await chat.send("/timezone")
    await chat.send("sydney")
    calls = await chat.send("/sos")
    assert "13 11 14" in calls[0].text and "988" not in calls[0].text
    calls = await chat.send("i have the pills counted out and tonight i take them all")
    assert "13 11 14" in calls[0].text
