"""Shared pieces of the Discord end-to-end tests (a module with its own name, so test
modules never import another directory's conftest by accident)."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable

from discord_fake_server import APP_ID

from chatbot.platforms.discord_platform import DiscordPlatform

TOKEN = base64.b64encode(APP_ID.encode()).decode().rstrip("=") + ".GxYzAb.fake-signature-part"

StartPlatform = Callable[..., Awaitable[DiscordPlatform]]


class ReadyOnce:
    """Counts how often the platform ran its once-per-process hook."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
