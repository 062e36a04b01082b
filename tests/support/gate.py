"""A command that holds its caller until the test opens the gate: slow work without sleeps."""

from __future__ import annotations

import asyncio

from commands.context import Context
from commands.reply import Reply, Visibility
from commands.spec import Args, CommandSpec

THROUGH = "through the gate"


class Gate:
    """`/klout wait` waits on an asyncio.Event; the gate counts who is inside and who was
    cancelled there."""

    def __init__(self, name: str = "wait") -> None:
        self.opened = asyncio.Event()
        self.entered = 0
        self.cancelled = 0
        self._changed = asyncio.Condition()
        self.spec = CommandSpec(name=name, summary="Waits for the test", handler=self._handle)

    async def _handle(self, ctx: Context, args: Args) -> Reply:
        async with self._changed:
            self.entered += 1
            self._changed.notify_all()
        try:
            await self.opened.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return Reply(text=THROUGH, visibility=Visibility.PRIVATE)

    def open(self) -> None:
        self.opened.set()

    async def wait_entered(self, count: int) -> None:
        """Until `count` callers are inside; five seconds is a failure, not a wait."""
        async with asyncio.timeout(5), self._changed:
            await self._changed.wait_for(lambda: self.entered >= count)
