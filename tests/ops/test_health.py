"""/healthz, /readyz and /metrics over real HTTP: on their own server, or on Slack HTTP
mode's server when that already listens on PORT."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from chatbot.ops.health import Health, OpsServer, add_ops_routes
from chatbot.ops.metrics import Metrics
from chatbot.platforms.slack_adapter import SlackPlatform
from chatbot.storage import Storage, open_storage
from commands.registry import Dispatcher
from tests.platforms.slack.conftest import slack_settings
from tests.platforms.slack.fake_slack_api import APP_TOKEN, FakeSlack


@dataclass
class Link:
    connected: bool = True


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(tmp_path / "k.db")
    yield opened
    await opened.close()


Get = Callable[[str], Awaitable[tuple[int, Any]]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Health, Metrics], Awaitable[Get]]]:
    servers: list[OpsServer] = []
    session = aiohttp.ClientSession()

    async def start(health: Health, metrics: Metrics) -> Get:
        server = OpsServer(health, metrics, host="127.0.0.1", port=0)
        servers.append(server)
        await server.start()

        async def get(path: str) -> tuple[int, Any]:
            async with session.get(f"http://127.0.0.1:{server.port}{path}") as response:
                if response.content_type == "application/json":
                    return response.status, await response.json()
                return response.status, await response.text()

        return get

    yield start
    for server in servers:
        await server.stop()
    await session.close()


async def test_alive_and_ready_when_the_database_answers_and_platforms_are_connected(
    storage: Storage, serve: Callable[[Health, Metrics], Awaitable[Get]],
) -> None:
    get = await serve(Health(storage.ping, {"slack": Link(), "discord": Link()}), Metrics())
    assert await get("/healthz") == (200, {"status": "alive"})
    assert await get("/readyz") == (200, {"status": "ready"})


async def test_not_ready_while_a_platform_is_disconnected(
    storage: Storage, serve: Callable[[Health, Metrics], Awaitable[Get]],
) -> None:
    discord = Link(connected=False)
    get = await serve(Health(storage.ping, {"slack": Link(), "discord": discord}), Metrics())
    assert await get("/readyz") == (503, {"status": "not ready",
                                          "reason": "not connected: discord"})
    discord.connected = True
    assert (await get("/readyz"))[0] == 200


async def test_not_ready_when_the_database_does_not_answer(
    tmp_path: Path, serve: Callable[[Health, Metrics], Awaitable[Get]],
) -> None:
    closed = await open_storage(tmp_path / "gone.db")
    await closed.close()
    get = await serve(Health(closed.ping, {"slack": Link()}), Metrics())
    status, body = await get("/readyz")
    assert status == 503 and body["reason"].startswith("the database did not answer")
    assert (await get("/healthz"))[0] == 200


async def test_a_database_that_hangs_is_not_ready_within_the_timeout(
    serve: Callable[[Health, Metrics], Awaitable[Get]],
) -> None:
    async def hang() -> None:
        await asyncio.Event().wait()

    get = await serve(Health(hang, {}, ping_timeout=0.05), Metrics())
    assert await get("/readyz") == (503, {"status": "not ready",
                                          "reason": "the database did not answer in time"})


async def test_a_draining_bot_says_it_is_shutting_down(
    storage: Storage, serve: Callable[[Health, Metrics], Awaitable[Get]],
) -> None:
    health = Health(storage.ping, {"slack": Link()})
    get = await serve(health, Metrics())
    health.draining = True
    assert await get("/readyz") == (503, {"status": "not ready", "reason": "shutting down"})


async def test_metrics_are_served_in_prometheus_text_format(
    storage: Storage, serve: Callable[[Health, Metrics], Awaitable[Get]],
) -> None:
    metrics = Metrics()
    metrics.command_answered("score", "discord", 0.02)
    get = await serve(Health(storage.ping), metrics)
    status, text = await get("/metrics")
    assert status == 200
    assert 'kloutbot_command_seconds_count{command="score",platform="discord"} 1.0' in text
    assert "# TYPE kloutbot_weekly_posts_total counter" in text


async def test_slack_http_mode_serves_them_on_its_own_port(
    storage: Storage, dispatcher: Dispatcher,
) -> None:
    fake = FakeSlack()
    await fake.start()
    metrics = Metrics()
    health = Health(storage.ping)
    platform = SlackPlatform(
        slack_settings(fake.api_url), dispatcher, host="127.0.0.1",
        http_routes=lambda http: add_ops_routes(http, health, metrics))
    health.platforms = {"slack": platform}
    try:
        await platform.start()
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{platform.port}"
            async with session.get(f"{base}/readyz") as response:
                assert response.status == 200
            async with session.get(f"{base}/metrics") as response:
                assert "kloutbot_command_seconds" in await response.text()
            async with session.post(f"{base}/slack/events", data=b"{}") as response:
                assert response.status == 401  # the Slack route is still there, still guarded
        await platform.stop()
        assert not platform.connected
    finally:
        await platform.stop()
        await fake.stop()


async def test_slack_socket_mode_is_connected_while_its_websocket_is_open(
    dispatcher: Dispatcher,
) -> None:
    fake = FakeSlack()
    await fake.start()
    settings = slack_settings(fake.api_url, signing_secret=None, app_token=APP_TOKEN)
    platform = SlackPlatform(settings, dispatcher)
    try:
        assert not platform.connected
        await platform.start()
        assert platform.connected
        await platform.stop()
        assert not platform.connected
    finally:
        await platform.stop()
        await fake.stop()
