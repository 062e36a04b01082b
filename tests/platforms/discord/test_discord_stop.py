"""Stopping (SIGTERM): commands that arrive are told to retry, the answer in flight still
arrives, then the connection closes."""

from __future__ import annotations

import asyncio
import json

from discord_fake_server import FakeDiscord
from discord_harness import StartPlatform
from discord_payloads import slash

from commands.context import Context, Services
from commands.registry import Dispatcher, all_commands
from commands.reply import Reply, Visibility
from commands.spec import Args, CommandSpec


async def test_stopping_finishes_the_answer_in_flight_and_turns_new_commands_away(
    start_platform: StartPlatform, fake_discord: FakeDiscord, services: Services,
) -> None:
    release = asyncio.Event()

    async def wait(ctx: Context, args: Args) -> Reply:
        await release.wait()
        return Reply(text="finally", visibility=Visibility.CHANNEL)

    slow = CommandSpec(name="wait", summary="Waits for the test", handler=wait, private=False)
    platform = await start_platform(
        dispatcher_=Dispatcher(services, commands=(*all_commands(), slow)), defer_after=0.05)
    first = await fake_discord.dispatch_interaction(slash("wait"))
    deferred = await fake_discord.wait_for_call(
        "POST", rf"/interactions/{first.interaction_id}/.+/callback")
    assert deferred.json["type"] == 5

    stopping = asyncio.ensure_future(platform.stop())
    late = await fake_discord.dispatch_interaction(slash("help"))
    turned_away = await fake_discord.wait_for_call(
        "POST", rf"/interactions/{late.interaction_id}/.+/callback")
    assert "restarting" in json.dumps(turned_away.json["data"])
    assert turned_away.json["data"]["flags"] & 64  # only the caller sees it
    assert not stopping.done() and platform.connected

    release.set()
    await asyncio.wait_for(stopping, 5)
    edit = await fake_discord.wait_for_call(
        "PATCH", rf"/webhooks/\d+/{first.token}/messages/@original")
    assert "finally" in json.dumps(edit.json)
    assert not platform.connected
