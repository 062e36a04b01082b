"""Commands go first: background work waits while this process answers a command."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any

from chatbot.foreground import Foreground
from chatbot.influence.refresh import Refresher
from chatbot.storage import Storage
from chatbot.values.reply import Reply
from commands.context import Caller, Context, Services
from commands.registry import Dispatcher
from commands.spec import Args, CommandSpec
from tests.influence.test_refresh import TEAM, FakeClient, _account, _register
from tests.support.fakes import FrozenClock


class Gate:
    """A sleep that ends only when the test says so: 'max_wait passed' on command."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self._open = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        await self._open.wait()

    def open(self) -> None:
        self._open.set()


def background(work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """A task of its own, as the scheduler's refresh is: not started by a command."""
    return asyncio.create_task(work, context=contextvars.Context())


async def _turns(n: int = 20) -> None:
    """Let every ready task run a few times (nothing here waits on real time)."""
    for _ in range(n):
        await asyncio.sleep(0)


async def test_background_work_waits_until_no_command_is_answered() -> None:
    gate = Gate()
    foreground = Foreground(sleep=gate.sleep)
    with foreground.answering_command():
        paused = background(foreground.pause())
        await _turns()
        assert not paused.done()
    await _turns()
    assert paused.done()
    assert gate.asked == [foreground._max_wait]


async def test_a_steady_stream_of_commands_slows_background_work_but_never_stops_it() -> None:
    gate = Gate()
    foreground = Foreground(sleep=gate.sleep, max_wait_seconds=0.25)
    with foreground.answering_command():
        paused = background(foreground.pause())
        await _turns()
        assert not paused.done()
        gate.open()  # a quarter of a second went by, commands still in flight
        await _turns()
        assert paused.done()


async def test_work_done_for_a_command_never_waits_for_itself() -> None:
    gate = Gate()
    foreground = Foreground(sleep=gate.sleep)
    with foreground.answering_command():
        await asyncio.wait_for(foreground.pause(), timeout=5)
    assert gate.asked == []


async def test_with_nothing_to_answer_a_pause_within_the_slice_costs_no_loop_turn() -> None:
    now = [0.0]
    foreground = Foreground(timer=lambda: now[0], slice_seconds=0.005)
    ran = []

    async def other() -> None:
        ran.append(True)

    asyncio.get_running_loop().create_task(other())
    await foreground.pause()
    assert ran == []  # still inside its slice: kept the loop
    now[0] = 0.006
    await foreground.pause()
    assert ran == [True]  # past the slice: let others (incoming requests) run


async def test_a_refresh_stores_nothing_while_a_command_is_being_answered(
    storage: Storage, services: Services, clock: FrozenClock
) -> None:
    github = FakeClient("github", "GitHub")
    _account(github, "alice", clock.now(), reactions=5)
    await _register(storage, clock, "alice", "github", "alice")
    release = asyncio.Event()

    async def slow(ctx: Context, args: Args) -> Reply:
        await release.wait()
        return Reply(text="done")

    spec = CommandSpec(name="slow", summary="waits", handler=slow)
    foreground = Foreground(sleep=Gate().sleep)
    dispatcher = Dispatcher(replace(services, foreground=foreground), commands=(spec,))
    refresher = Refresher(storage, {"github": github}, clock, foreground=foreground)
    caller = Caller(TEAM, "console", "bob", "Bob")

    command = asyncio.create_task(dispatcher.run(caller, spec, {}))
    await _turns()
    refresh = asyncio.create_task(refresher.refresh(await storage.members.all(TEAM)))
    await _turns(200)
    assert github.profile_calls == []
    assert not refresh.done()

    release.set()
    assert (await command).text == "done"
    report = await asyncio.wait_for(refresh, timeout=30)
    assert report.scored == 1
    assert github.profile_calls == [["alice"]]
