from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from discord_fake_server import FakeDiscord
from discord_harness import TOKEN, ReadyOnce, StartPlatform
from pydantic import SecretStr

from chatbot.platforms.discord_platform import DiscordPlatform
from chatbot.settings import Settings
from commands.registry import Dispatcher


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """The fake Discord; afterwards, checks that nothing the bot sent could ping anyone."""
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()
    pinging = [body for body in fake.sent_messages()
               if body.get("allowed_mentions") != {"parse": []}]
    assert not pinging, f"messages sent without allowed_mentions none: {pinging}"


@pytest.fixture
def discord_settings(fake_discord: FakeDiscord, tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'klout.db'}",
        discord_token=SecretStr(TOKEN),
        discord_api_url=fake_discord.api_url,
        discord_gateway_url=fake_discord.gateway_url,
    )


@pytest.fixture
def ready_once() -> ReadyOnce:
    return ReadyOnce()


@pytest.fixture
async def start_platform(
    discord_settings: Settings, dispatcher: Dispatcher, ready_once: ReadyOnce
) -> AsyncIterator[StartPlatform]:
    """Starts the real discord.py client against the fake; stops it after the test."""
    started: list[DiscordPlatform] = []

    async def start(settings: Settings | None = None, dispatcher_: Dispatcher | None = None,
                    **options: Any) -> DiscordPlatform:
        options.setdefault("identify_delay", 0.0)
        options.setdefault("guild_ready_timeout", 0.01)
        options.setdefault("ready_timeout", 5.0)
        platform = DiscordPlatform(settings or discord_settings, dispatcher_ or dispatcher,
                                   on_ready_once=ready_once, **options)
        started.append(platform)
        await platform.start()
        return platform

    yield start
    for platform in started:
        await platform.stop()


@pytest.fixture
async def platform(start_platform: StartPlatform) -> DiscordPlatform:
    return await start_platform()
