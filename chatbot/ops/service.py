"""`kloutbot run` as a service: serve until SIGTERM, then drain and stop in bounded time.

Draining, in order: /readyz turns 503 (a load balancer stops sending) and the scheduler
starts nothing new; scheduled work in flight gets what time the platforms don't need and
is then abandoned (a weekly post still goes out through connected platforms; an
abandoned refresh leaves its members due for the next run); then the platforms stop
accepting and finish the answers they hold, and the ops server stops. All of it within
`drain_seconds`, so with Python's own exit an orchestrator's 10 s grace is never reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Mapping

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from chatbot.ops.health import Health, OpsServer
from chatbot.platforms.base import ChatPlatform

log = logging.getLogger(__name__)

DRAIN_SECONDS = 7.0
"""Under the 10 s most orchestrators (Kubernetes, systemd, Docker) wait after SIGTERM,
leaving room for the interpreter's exit (about 2 s on a busy small machine)."""
PLATFORM_SECONDS = 5.0
"""Of the drain, what is kept for the platforms to finish their answers and disconnect."""
CANCEL_SECONDS = 0.5
"""After abandoning work, how long its clean-up (a rollback) may take."""


def on_stop_signals(stop: asyncio.Event) -> Callable[[], None]:
    """SIGTERM and SIGINT set `stop`; returns the undo."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for each in signals:
        loop.add_signal_handler(each, stop.set)

    def remove() -> None:
        for each in signals:
            loop.remove_signal_handler(each)

    return remove


class Service:
    """The running bot's lifetime around its platforms, scheduler and ops server."""

    def __init__(
        self,
        platforms: Mapping[str, ChatPlatform],
        scheduler: AsyncIOScheduler,
        in_flight: set[asyncio.Task[None]],
        health: Health,
        *,
        ops_server: OpsServer | None = None,
        drain_seconds: float = DRAIN_SECONDS,
        platform_seconds: float = PLATFORM_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._platforms = platforms
        self._scheduler = scheduler
        self._in_flight = in_flight
        self._health = health
        self._ops_server = ops_server
        self._drain_seconds = drain_seconds
        self._platform_seconds = platform_seconds
        self._monotonic = monotonic
        self._drained = False

    async def start_background(self) -> None:
        """The ops server and the scheduler; the platforms are started by the caller,
        which reports their configuration errors."""
        if self._ops_server is not None:
            await self._ops_server.start()
        self._scheduler.start()

    async def start_platform(self, platform: ChatPlatform, stop: asyncio.Event) -> bool:
        """Connects the platform, unless a stop signal comes first: then the start is
        abandoned and False returned. A platform's own start error propagates."""
        starting = asyncio.ensure_future(platform.start())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if starting.done():
            starting.result()
            return True
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await starting
        log.info("stopping: %s was still starting", platform.name)
        return False

    async def serve_until(self, stop: asyncio.Event) -> None:
        await stop.wait()
        await self.drain()

    async def drain(self) -> None:
        """Once; later calls return at once (the runner drains on every way out)."""
        if self._drained:
            return
        self._drained = True
        log.info("stopping: draining for at most %.0f s", self._drain_seconds)
        deadline = self._monotonic() + self._drain_seconds

        def left() -> float:
            return max(0.0, deadline - self._monotonic())

        self._health.draining = True
        if self._scheduler.running:
            self._scheduler.pause()
        if self._in_flight:
            await asyncio.wait(set(self._in_flight),
                               timeout=max(0.0, left() - self._platform_seconds))
        abandoned = [task for task in self._in_flight if not task.done()]
        for task in abandoned:
            task.cancel()
        if abandoned:
            log.warning("stopping: abandoned %d scheduled job(s) in flight", len(abandoned))
            await asyncio.wait(abandoned, timeout=CANCEL_SECONDS)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        await self._stop_platforms(left())
        if self._ops_server is not None:
            await self._ops_server.stop()

    async def _stop_platforms(self, within: float) -> None:
        stopping = {asyncio.ensure_future(platform.stop()): name
                    for name, platform in self._platforms.items()}
        if not stopping:
            return
        done, pending = await asyncio.wait(stopping, timeout=within)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("stopping %s failed: %s", stopping[task], task.exception())
        for task in pending:
            log.warning("stopping: %s did not stop in time", stopping[task])
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=CANCEL_SECONDS)
