"""Backpressure on Discord, end to end: the real discord.py client against the fake Discord;
past the cap an interaction gets the busy answer as an ephemeral interaction response."""

from __future__ import annotations

from typing import Any

from discord_fake_server import Call, Dispatched, FakeDiscord
from discord_harness import StartPlatform
from discord_payloads import button_click, slash

from chatbot.admission import BUSY_TEXT, TOO_LONG_TEXT, Admission
from chatbot.storage import Storage
from commands.context import Services
from commands.registry import Dispatcher, all_commands
from tests.support.gate import THROUGH, Gate
from tests.test_admission import traced

EPHEMERAL = 64
CHANNEL_MESSAGE = 4
DEFERRED = 5


async def _callback(fake: FakeDiscord, sent: Dispatched) -> Call:
    return await fake.wait_for_call("POST", rf"/interactions/{sent.interaction_id}/.+/callback")


def _description(data: dict[str, Any]) -> str:
    (embed,) = data["embeds"]
    return str(embed.get("description", ""))


async def test_past_the_cap_a_command_and_a_click_are_told_busy_only_to_the_caller(
    start_platform: StartPlatform, fake_discord: FakeDiscord, services: Services,
    storage: Storage,
) -> None:
    gate = Gate()
    dispatcher = Dispatcher(services, commands=(*all_commands(), gate.spec),
                            admission=Admission(1, deadline_seconds=60))
    await start_platform(dispatcher_=dispatcher, defer_after=0.05)
    held = await fake_discord.dispatch_interaction(slash("wait"))
    await gate.wait_entered(1)
    assert (await _callback(fake_discord, held)).json["type"] == DEFERRED
    async with traced(storage) as statements:
        for payload in (slash("leaderboard"), button_click("klout:leaderboard page 2")):
            call = await _callback(fake_discord, await fake_discord.dispatch_interaction(payload))
            assert call.json["type"] == CHANNEL_MESSAGE
            assert call.json["data"]["flags"] & EPHEMERAL
            assert _description(call.json["data"]) == BUSY_TEXT
    assert statements == [], "the busy path ran SQL"
    gate.open()
    answer = await fake_discord.wait_for_call(
        "PATCH", rf"/webhooks/\d+/{held.token}/messages/@original")
    assert _description(answer.json) == THROUGH
    assert dispatcher.admission.in_flight == 0


async def test_a_command_not_done_by_the_deadline_is_told_so_and_stopped(
    start_platform: StartPlatform, fake_discord: FakeDiscord, services: Services,
) -> None:
    gate = Gate()
    dispatcher = Dispatcher(services, commands=(*all_commands(), gate.spec),
                            admission=Admission(1, deadline_seconds=0.05))
    await start_platform(dispatcher_=dispatcher)
    call = await _callback(fake_discord, await fake_discord.dispatch_interaction(slash("wait")))
    assert call.json["type"] == CHANNEL_MESSAGE
    assert call.json["data"]["flags"] & EPHEMERAL
    assert _description(call.json["data"]) == TOO_LONG_TEXT
    assert gate.cancelled == 1
    assert dispatcher.admission.in_flight == 0
