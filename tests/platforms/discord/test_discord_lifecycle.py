"""Connecting, reconnecting and posting: nothing runs twice, nothing pings, failures
say what to fix."""

from __future__ import annotations

import asyncio
import json

import discord
import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord_fake_server import APP_ID, FakeDiscord, GatewaySession
from discord_harness import ReadyOnce, StartPlatform
from discord_payloads import GUILD_ID, slash

from chatbot.platforms.discord_platform import DiscordPlatform, DiscordStartError
from chatbot.settings import Settings
from chatbot.values.delivery import DeliveryError
from chatbot.values.reply import Field, Reply, Visibility
from tests.conftest import shared_fixture

TEAM = f"discord:{GUILD_ID}"
SYNC = r"^/applications/\d+(/guilds/\d+)?/commands$"


def _new_session(fake: FakeDiscord, seen: int, op: int) -> GatewaySession | None:
    """The first gateway connection after `seen` that has sent `op`."""
    return next((s for s in fake.sessions[seen:] if op in s.ops), None)


async def test_only_the_non_privileged_guilds_intent_is_requested(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    identify = next(m for m in fake_discord.sessions[0].received if m["op"] == 2)
    assert identify["d"]["intents"] == discord.Intents(guilds=True).value


async def test_a_reconnect_resumes_without_running_anything_twice(
    platform: DiscordPlatform, fake_discord: FakeDiscord, ready_once: ReadyOnce,
) -> None:
    await fake_discord.request_reconnect()
    resumed = await fake_discord.wait_until(lambda: _new_session(fake_discord, 1, 6))
    assert 2 not in resumed.ops
    assert resumed.received[-1]["d"]["session_id"].startswith("session-")
    # still answering after the resume
    sent = await fake_discord.dispatch_interaction(slash("help"))
    await fake_discord.wait_for_call("POST", rf"/interactions/{sent.interaction_id}/")
    assert platform.ready_count == 1
    assert ready_once.calls == 1
    assert len(fake_discord.calls_to("PUT", SYNC)) == 1
    assert len(fake_discord.calls_to("GET", r"^/users/@me$")) == 1


async def test_a_refused_resume_identifies_afresh_and_on_ready_once_still_runs_once(
    platform: DiscordPlatform, fake_discord: FakeDiscord, ready_once: ReadyOnce,
) -> None:
    ready_again = asyncio.ensure_future(platform.client.wait_for("ready", timeout=5))
    fake_discord.refuse_resume = True
    await fake_discord.request_reconnect()
    await fake_discord.wait_until(lambda: _new_session(fake_discord, 1, 6))
    fresh = await fake_discord.wait_until(lambda: _new_session(fake_discord, 2, 2))
    assert 6 not in fresh.ops
    await ready_again
    assert platform.ready_count == 2
    assert ready_once.calls == 1
    assert len(fake_discord.calls_to("PUT", SYNC)) == 1


async def test_a_restart_with_unchanged_commands_does_not_sync_again(
    start_platform: StartPlatform, fake_discord: FakeDiscord,
) -> None:
    first = await start_platform()
    await first.stop()
    await start_platform()
    syncs = fake_discord.calls_to("PUT", SYNC)
    assert len(syncs) == 1
    assert syncs[0].path == f"/applications/{APP_ID}/commands"
    (klout,) = syncs[0].json
    assert klout["name"] == "klout"


async def test_changed_commands_are_synced_again_with_one_bulk_overwrite(
    start_platform: StartPlatform, fake_discord: FakeDiscord, discord_settings: Settings,
) -> None:
    first = await start_platform()
    await first.stop()
    state = json.loads(first.sync_state.path.read_text())
    first.sync_state.path.write_text(json.dumps({key: "old" for key in state}))
    await start_platform()
    assert len(fake_discord.calls_to("PUT", SYNC)) == 2


async def test_a_development_guild_gets_the_commands_instantly(
    start_platform: StartPlatform, fake_discord: FakeDiscord, discord_settings: Settings,
) -> None:
    settings = discord_settings.model_copy(update={"discord_guild_id": int(GUILD_ID)})
    await start_platform(settings)
    (sync,) = fake_discord.calls_to("PUT", SYNC)
    assert sync.path == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"
    assert [command["name"] for command in sync.json] == ["klout"]


async def test_going_back_to_global_sync_removes_the_development_copy(
    start_platform: StartPlatform, fake_discord: FakeDiscord, discord_settings: Settings,
) -> None:
    development = discord_settings.model_copy(update={"discord_guild_id": int(GUILD_ID)})
    first = await start_platform(development)
    await first.stop()
    await start_platform()
    guild_syncs = fake_discord.calls_to("PUT", rf"/guilds/{GUILD_ID}/commands$")
    assert [len(call.json) for call in guild_syncs] == [1, 0]
    assert len(fake_discord.calls_to("PUT", rf"^/applications/{APP_ID}/commands$")) == 1


async def test_a_wrong_token_fails_start_with_a_readable_reason(
    start_platform: StartPlatform, fake_discord: FakeDiscord,
) -> None:
    fake_discord.reject_token = True
    with pytest.raises(DiscordStartError, match="refused DISCORD_TOKEN"):
        await start_platform()


async def test_stopping_restores_discord_py_endpoints(
    start_platform: StartPlatform, fake_discord: FakeDiscord,
) -> None:
    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    platform = await start_platform()
    assert f"{fake_discord.api_url}/v10" == Route.BASE
    await platform.stop()
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


async def test_a_recorded_ready_is_accepted(
    start_platform: StartPlatform, fake_discord: FakeDiscord,
) -> None:
    recorded = json.loads(shared_fixture("discord/gateway_ready_discordbm_2022.json")
                          .read_text())

    def ready(session_id: str, resume_url: str) -> dict[str, object]:
        data = {**recorded["d"], "session_id": session_id, "resume_gateway_url": resume_url}
        return {**recorded, "d": data}

    fake_discord.ready_override = ready
    platform = await start_platform()
    assert platform.client.user is not None
    assert platform.client.user.name == "DisBMLibTestBot"


async def test_weekly_post_goes_to_the_channel_without_pings(
    platform: DiscordPlatform, fake_discord: FakeDiscord,
) -> None:
    reply = Reply(title="#FollowFriday", text="Follow @everyone's favourite: Bob <@&1234567890123"
                  "45678>", fields=(Field("Alice", "@bob@mastodon.social"),),
                  visibility=Visibility.CHANNEL)
    await platform.post(TEAM, "555555555555555555", reply)
    (call,) = fake_discord.calls_to("POST", r"^/channels/555555555555555555/messages$")
    assert call.json["allowed_mentions"] == {"parse": []}
    embed = call.json["embeds"][0]
    assert embed["title"] == "\\#FollowFriday" or embed["title"] == "#FollowFriday"
    assert "@everyone" not in embed["description"]
    assert "<@&123456789012345678>" not in embed["description"]


@pytest.mark.parametrize(("status", "code", "expected"), [
    (404, 10003, "no longer exists"),
    (403, 50013, "Send Messages"),
])
async def test_a_post_that_discord_refuses_raises_a_readable_delivery_error(
    platform: DiscordPlatform, fake_discord: FakeDiscord, status: int, code: int,
    expected: str,
) -> None:
    fake_discord.channel_errors["666666666666666666"] = (status, code, "nope")
    with pytest.raises(DeliveryError, match=expected):
        await platform.post(TEAM, "666666666666666666", Reply(text="hi"))


async def test_a_post_to_another_platforms_team_is_refused(platform: DiscordPlatform) -> None:
    with pytest.raises(DeliveryError, match="not a Discord server"):
        await platform.post("slack:T123", "C123", Reply(text="hi"))


async def test_a_post_to_a_channel_name_the_bot_cannot_see_is_refused(
    platform: DiscordPlatform,
) -> None:
    with pytest.raises(DeliveryError, match="no channel named #general"):
        await platform.post(TEAM, "general", Reply(text="hi"))
