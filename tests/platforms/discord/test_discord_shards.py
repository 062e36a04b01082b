"""Sharding: the real discord.py client against a fake gateway that, like Discord, sends
each guild only to its shard. A process runs exactly the shards it is given and hears
only their guilds; settings that can't work fail at start with one line."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from discord_fake_server import FakeDiscord, guild_payload
from discord_harness import StartPlatform
from discord_payloads import GUILD_ID, slash
from hypothesis import given
from hypothesis import strategies as st

from chatbot.platforms.discord_adapter import DiscordPlatform, DiscordStartError
from chatbot.platforms.discord_shards import (
    ShardSettingError,
    format_shard_ids,
    parse_shard_ids,
    shard_of,
    shard_plan,
)
from chatbot.settings import Settings
from commands.registry import Dispatcher

COUNT = 4


def guild_on_shard(shard: int, count: int = COUNT) -> str:
    """A realistic snowflake (GUILD_ID's, moved in time) whose guild lives on `shard`."""
    base = int(GUILD_ID)
    stamp = base >> 22
    stamp += (shard - stamp) % count
    return str((stamp << 22) | (base & 0x3FFFFF))


def in_guild(payload: dict[str, Any], guild_id: str) -> dict[str, Any]:
    moved: dict[str, Any] = json.loads(json.dumps(payload).replace(GUILD_ID, guild_id))
    return moved


def with_guilds(fake: FakeDiscord) -> dict[int, str]:
    """One guild per shard of COUNT; returns shard -> guild id."""
    guilds = {shard: guild_on_shard(shard) for shard in range(COUNT)}
    for shard, guild in guilds.items():
        fake.guilds[guild] = guild_payload(guild, f"Server on shard {shard}")
    return guilds


def identified(fake: FakeDiscord) -> list[list[int]]:
    return [s.identify["d"]["shard"] for s in fake.sessions if s.identify is not None]


def sharded(settings: Settings, **values: Any) -> Settings:
    return settings.model_copy(update=values)


async def test_a_process_runs_only_its_shards_and_hears_only_their_guilds(
    start_platform: StartPlatform, discord_settings: Settings, fake_discord: FakeDiscord,
) -> None:
    guilds = with_guilds(fake_discord)
    platform = await start_platform(sharded(discord_settings, discord_shard_count=COUNT,
                                            discord_shard_ids="0-1"))

    assert sorted(identified(fake_discord)) == [[0, COUNT], [1, COUNT]]
    assert {str(g.id) for g in platform.client.guilds} == {guilds[0], guilds[1]}
    assert platform.connected

    sent = await fake_discord.dispatch_interaction(in_guild(slash("help"), guilds[1]),
                                                   fake_discord.session_of(1))
    answer = await fake_discord.wait_for_call(
        "POST", rf"/interactions/{sent.interaction_id}/.+/callback")
    assert answer.json["type"] == 4
    assert "/klout" in json.dumps(answer.json["data"])


async def test_without_shard_settings_every_recommended_shard_runs_here(
    start_platform: StartPlatform, fake_discord: FakeDiscord,
) -> None:
    guilds = with_guilds(fake_discord)
    fake_discord.recommended_shards = 2
    platform = await start_platform()

    assert sorted(identified(fake_discord)) == [[0, 2], [1, 2]]
    assert {str(g.id) for g in platform.client.guilds} == set(guilds.values())


async def test_a_shard_count_alone_runs_every_shard_of_that_count(
    start_platform: StartPlatform, discord_settings: Settings, fake_discord: FakeDiscord,
) -> None:
    await start_platform(sharded(discord_settings, discord_shard_count=3))
    assert sorted(identified(fake_discord)) == [[0, 3], [1, 3], [2, 3]]
    assert not fake_discord.calls_to("GET", r"^/gateway/bot$")


@pytest.mark.parametrize(("count", "ids", "says"), [
    (None, "0-1", "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
    (4, "2-5", "names shard 4, but with DISCORD_SHARD_COUNT=4 the shards are 0-3"),
    (4, "three", "is not a list like 0-3"),
    (4, "3-1", "runs backwards"),
    (0, None, "at least 1"),
])
async def test_shard_settings_that_cannot_work_stop_the_start_with_one_line(
    discord_settings: Settings, dispatcher: Dispatcher, fake_discord: FakeDiscord,
    count: int | None, ids: str | None, says: str,
) -> None:
    platform = DiscordPlatform(sharded(discord_settings, discord_shard_count=count,
                                       discord_shard_ids=ids), dispatcher)
    try:
        with pytest.raises(DiscordStartError) as raised:
            await asyncio.wait_for(platform.start(), 5)
    finally:
        await platform.stop()
    assert says in str(raised.value)
    assert "\n" not in str(raised.value)
    assert fake_discord.calls == [] and fake_discord.sessions == []


@pytest.mark.parametrize(("text", "ids"), [
    ("0-3", (0, 1, 2, 3)), ("4,5", (4, 5)), ("0-1,4", (0, 1, 4)), (" 7 ", (7,)),
    ("2, 0-1", (0, 1, 2)),
])
def test_shard_ids_read_as_written(text: str, ids: tuple[int, ...]) -> None:
    assert parse_shard_ids(text) == ids


@given(st.sets(st.integers(min_value=0, max_value=300), min_size=1))
def test_any_set_of_shards_survives_writing_and_reading(ids: set[int]) -> None:
    ordered = tuple(sorted(ids))
    assert parse_shard_ids(format_shard_ids(ordered)) == ordered


@given(st.integers(min_value=2, max_value=64), st.data(),
       st.integers(min_value=0, max_value=2**63 - 1))
def test_two_processes_splitting_a_count_hear_each_guild_exactly_once(
    count: int, data: st.DataObject, guild: int,
) -> None:
    split = data.draw(st.integers(min_value=1, max_value=count - 1))
    first = shard_plan(count, f"0-{split - 1}")
    second = shard_plan(count, f"{split}-{count - 1}")
    assert first is not None and second is not None
    owners = [p for p in (first, second) if shard_of(guild, count) in p.ids]
    assert len(owners) == 1


def test_ids_outside_a_count_of_one_name_the_only_shard() -> None:
    with pytest.raises(ShardSettingError, match="the only shard is 0"):
        shard_plan(1, "1")
