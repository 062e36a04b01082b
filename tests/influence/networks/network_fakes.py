"""Test doubles for the network clients: a local API server, a clock, payloads.

Clients are tested against a real HTTP server on 127.0.0.1 (port 0) that
serves recorded payloads from ../shared/fixtures and records every request,
so assertions are about what went over the wire.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from aiohttp import web

from chatbot.influence.http import HttpFetcher, RetryPolicy
from chatbot.influence.ratelimit import RateLimit, RateLimiter
from tests import conftest


def shared_fixture(relative: str) -> bytes:
    """Bytes of a recorded payload, under the same rule as every recording: a skip on a
    laptop without ../shared/fixtures, a failure under CI."""
    return conftest.shared_fixture(relative).read_bytes()


def shared_json(relative: str) -> Any:
    return json.loads(shared_fixture(relative))


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        wake = self.moment.timestamp() + seconds
        if wake > self.moment.timestamp():
            self.moment = datetime.fromtimestamp(wake, tz=UTC)
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]

    def param(self, name: str) -> str | None:
        values = self.params(name)
        return values[0] if values else None

    def params(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return web.Response(
        body=raw, status=status, headers=dict(headers or {}), content_type="application/json"
    )


class FakeApi:
    """Routes by exact path; records every request, including unrouted ones (404)."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.seen: list[Seen] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def serve(
        self, path: str, body: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            return json_response(body, status, headers)

        self.route(path, handler)

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(
            Seen(
                method=request.method,
                path=request.path,
                query=list(request.query.items()),
                headers=dict(request.headers),
            )
        )
        handler = self.routes.get(request.path)
        if handler is None:
            return json_response({"error": "Not Found"}, status=404)
        return await handler(request)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


MakeFetcher = Callable[..., HttpFetcher]


def fetcher_on(clock: FakeClock) -> MakeFetcher:
    """Builds HttpFetchers on the fake clock, with a roomy limit unless a test sets one."""

    def build(
        client: httpx.AsyncClient,
        label: str = "Test",
        limit: RateLimit | None = None,
        **options: Any,
    ) -> HttpFetcher:
        return HttpFetcher(
            client,
            label=label,
            limiter=RateLimiter(
                limit or RateLimit(10_000, 60, concurrency=4), clock=clock, sleep=clock.sleep
            ),
            clock=clock,
            sleep=clock.sleep,
            timeout=5.0,
            retry=options.pop("retry", RetryPolicy(attempts=2, base_delay=0.1)),
            **options,
        )

    return build
