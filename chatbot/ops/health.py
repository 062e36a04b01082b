"""`/healthz`, `/readyz` and `/metrics`: what a load balancer, an orchestrator and
Prometheus ask a running bot.

Alive means the process answers at all. Ready means it can do its job now: the database
answers a trivial query and every platform it serves is connected; while it drains
after SIGTERM it says so, so a load balancer stops sending before it stops listening.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from chatbot.ops.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger(__name__)

PING_TIMEOUT_SECONDS = 2.0
"""A database that takes longer than this to answer `SELECT 1` is not ready."""


class Connected(Protocol):
    @property
    def connected(self) -> bool: ...


@dataclass
class Health:
    ping: Callable[[], Awaitable[None]]
    """Raises (or hangs) when the database can't answer."""
    platforms: Mapping[str, Connected] = field(default_factory=dict)
    draining: bool = False
    ping_timeout: float = PING_TIMEOUT_SECONDS

    async def not_ready(self) -> str | None:
        """Why the bot is not ready, or None when it is."""
        if self.draining:
            return "shutting down"
        try:
            await asyncio.wait_for(self.ping(), self.ping_timeout)
        except TimeoutError:
            return "the database did not answer in time"
        except Exception as exc:
            log.warning("readiness: the database did not answer: %s", exc)
            return f"the database did not answer ({type(exc).__name__})"
        down = sorted(name for name, platform in self.platforms.items()
                      if not platform.connected)
        if down:
            return f"not connected: {', '.join(down)}"
        return None


def add_ops_routes(http: web.Application, health: Health, metrics: Metrics) -> None:
    """Adds the three routes to an aiohttp app (Slack HTTP mode's, or the ops server's)."""

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(request: web.Request) -> web.Response:
        reason = await health.not_ready()
        if reason is None:
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "not ready", "reason": reason}, status=503)

    async def metrics_page(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    http.router.add_get("/healthz", healthz)
    http.router.add_get("/readyz", readyz)
    http.router.add_get("/metrics", metrics_page)


class OpsServer:
    """Serves the ops routes on PORT when no platform already listens there, and whatever
    else `more_routes` adds (the web pages)."""

    def __init__(self, health: Health, metrics: Metrics, *, host: str, port: int,
                 more_routes: Callable[[web.Application], None] | None = None) -> None:
        self._http = web.Application()
        add_ops_routes(self._http, health, metrics)
        if more_routes is not None:
            more_routes(self._http)
        self._host = host
        self._requested = port
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        runner = web.AppRunner(self._http, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._requested)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        log.info("health and metrics on port %s", self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

