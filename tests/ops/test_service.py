"""Draining on SIGTERM: readiness goes first, nothing new starts, platforms stop, work in
flight finishes if it can and is abandoned if it can't, all within the bound."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass, field

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_PAUSED, STATE_STOPPED

from chatbot.ops.health import Health
from chatbot.ops.service import Service, on_stop_signals


async def _ok() -> None:
    return None


@dataclass
class Platform:
    """A platform that records what readiness said while it was being stopped."""

    health: Health
    hang: bool = False
    readiness_at_stop: list[str | None] = field(default_factory=list)
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    connected: bool = True

    async def stop(self) -> None:
        self.readiness_at_stop.append(await self.health.not_ready())
        if self.hang:
            await asyncio.Event().wait()
        self.connected = False
        self.stopped.set()


def service(health: Health, platforms: dict[str, Platform], in_flight: set[asyncio.Task[None]],
            scheduler: AsyncIOScheduler, drain_seconds: float = 5.0) -> Service:
    return Service(platforms, scheduler, in_flight, health,  # type: ignore[arg-type]
                   drain_seconds=drain_seconds, platform_seconds=drain_seconds / 2)


async def test_a_stop_signal_drains_in_order_and_lets_work_in_flight_finish() -> None:
    """A weekly post in flight still goes out through a connected platform; only then do
    the platforms stop, with readiness already saying why."""
    health = Health(_ok)
    platform = Platform(health)
    scheduler = AsyncIOScheduler(timezone="UTC")
    in_flight: set[asyncio.Task[None]] = set()
    release = asyncio.Event()
    seen_by_the_job: list[tuple[bool, int, str | None]] = []

    async def weekly_post() -> None:
        await release.wait()
        seen_by_the_job.append((platform.connected, scheduler.state,
                                await health.not_ready()))

    job = asyncio.ensure_future(weekly_post())
    in_flight.add(job)
    job.add_done_callback(in_flight.discard)
    runner = service(health, {"discord": platform}, in_flight, scheduler)
    await runner.start_background()
    stop = asyncio.Event()
    serving = asyncio.ensure_future(runner.serve_until(stop))

    paused = asyncio.Event()
    pause = scheduler.pause

    def pause_and_tell() -> None:
        pause()
        paused.set()

    scheduler.pause = pause_and_tell  # type: ignore[method-assign]
    stop.set()
    await asyncio.wait_for(paused.wait(), 5)
    release.set()
    await asyncio.wait_for(serving, 5)
    assert seen_by_the_job == [(True, STATE_PAUSED, "shutting down")]
    assert platform.readiness_at_stop == ["shutting down"]
    assert not platform.connected
    assert scheduler.state == STATE_STOPPED


async def test_work_that_would_not_finish_is_abandoned_within_the_bound() -> None:
    health = Health(_ok)
    stuck_platform = Platform(health, hang=True)
    scheduler = AsyncIOScheduler(timezone="UTC")
    in_flight: set[asyncio.Task[None]] = set()
    job = asyncio.ensure_future(asyncio.Event().wait())
    in_flight.add(job)  # type: ignore[arg-type]
    runner = service(health, {"slack": stuck_platform}, in_flight, scheduler,
                     drain_seconds=0.2)
    scheduler.start()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(runner.drain(), 3)
    assert loop.time() - started < 2
    assert job.cancelled()
    assert scheduler.state == STATE_STOPPED


async def test_the_scheduler_starts_nothing_new_once_draining() -> None:
    health = Health(_ok)
    scheduler = AsyncIOScheduler(timezone="UTC")
    ran: list[int] = []

    async def job() -> None:
        ran.append(1)

    scheduler.add_job(job, "interval", minutes=1, id="refresh")
    runner = service(health, {}, set(), scheduler)
    await runner.start_background()
    paused: list[bool] = []
    original = scheduler.pause

    def pause() -> None:
        original()
        paused.append(True)

    scheduler.pause = pause  # type: ignore[method-assign]
    await runner.drain()
    assert paused == [True] and ran == []


async def test_sigterm_sets_the_stop_event() -> None:
    stop = asyncio.Event()
    remove = on_stop_signals(stop)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(stop.wait(), 5)
    finally:
        remove()
    assert stop.is_set()


@dataclass
class SlowToConnect:
    name: str = "discord"
    connected: bool = False
    started: asyncio.Event = field(default_factory=asyncio.Event)
    abandoned: bool = False

    async def start(self) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.abandoned = True
            raise


async def test_a_stop_signal_while_a_platform_connects_abandons_the_start() -> None:
    platform = SlowToConnect()
    runner = service(Health(_ok), {}, set(), AsyncIOScheduler(timezone="UTC"))
    stop = asyncio.Event()
    starting = asyncio.ensure_future(runner.start_platform(platform, stop))  # type: ignore[arg-type]
    await platform.started.wait()
    stop.set()
    assert await asyncio.wait_for(starting, 5) is False
    assert platform.abandoned


async def test_a_platform_that_connects_is_started_and_its_errors_propagate() -> None:
    runner = service(Health(_ok), {}, set(), AsyncIOScheduler(timezone="UTC"))

    @dataclass
    class Refused:
        name: str = "slack"

        async def start(self) -> None:
            raise RuntimeError("Slack rejected SLACK_BOT_TOKEN")

    @dataclass
    class Fine:
        name: str = "slack"

        async def start(self) -> None:
            return None

    assert await runner.start_platform(Fine(), asyncio.Event()) is True  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="rejected"):
        await runner.start_platform(Refused(), asyncio.Event())  # type: ignore[arg-type]
