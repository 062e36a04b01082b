"""`/klout config timezone` accepts IANA zones only, whatever else the tz folder holds."""

from __future__ import annotations

import pytest

from chatbot.platforms.console import ConsoleSession
from chatbot.storage import Storage
from chatbot.values.reply import Tone


@pytest.mark.parametrize("value", ["Europe", "America", "Etc", "Europe/Berlin/x", "..",
                                   "/etc/passwd", "Europe/"])
async def test_what_is_not_a_zone_is_refused_plainly(
    console: ConsoleSession, storage: Storage, value: str
) -> None:
    reply = await console.handle(f"config timezone {value}")
    assert reply.tone is Tone.ERROR
    assert "is not an IANA timezone" in reply.text and "Something went wrong" not in reply.text
    team = await storage.teams.get("console:acme")
    assert team is not None and team.timezone == "UTC"


async def test_a_zone_is_saved(console: ConsoleSession, storage: Storage) -> None:
    assert (await console.handle("config timezone Europe/Berlin")).tone is Tone.SUCCESS
    team = await storage.teams.get("console:acme")
    assert team is not None and team.timezone == "Europe/Berlin"
