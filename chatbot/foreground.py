"""Commands first: background work in this process steps aside while commands are answered.

A refresh fetches, stores and scores members on the same event loop that answers
commands. Scored in one go, a chunk of members held the loop for a third of a second,
and every command that arrived meanwhile waited behind it: 200 commands sent during a
refresh were answered with a p99 of 485 ms, against 215 ms on an idle bot
(bench/RESULTS.md). So background work calls `pause()` between its units of work. It
returns at once most of the time; every `slice_seconds` it lets the loop look at its
sockets, and while any command is being answered it waits until none is. A steady
stream of commands slows background work down but never stops it: after `max_wait`
it takes another slice anyway.

Work done on behalf of a command (a registration refreshes its member at once) is the
command's own and never waits for itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ANSWERING: ContextVar[bool] = ContextVar("kloutbot_answering_command", default=False)

DEFAULT_SLICE_SECONDS = 0.005
DEFAULT_MAX_WAIT_SECONDS = 0.25
"""With the slice, background work keeps at least 2 % of the loop under any load: a
refresh of 2,000 members still ends while 64 commands are always in flight."""


class Foreground:
    """Counts the commands this process is answering; one per process, shared by the
    dispatcher (which answers) and the refresher (which steps aside)."""

    def __init__(self, *, slice_seconds: float = DEFAULT_SLICE_SECONDS,
                 max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
                 timer: Callable[[], float] = time.perf_counter,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._slice = slice_seconds
        self._max_wait = max_wait_seconds
        self._timer = timer
        self._sleep = sleep
        self._answering = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._ran_since = timer()

    @property
    def answering(self) -> int:
        return self._answering

    @contextmanager
    def answering_command(self) -> Iterator[None]:
        """Around one command: background work waits while any is inside."""
        self._answering += 1
        self._idle.clear()
        token = _ANSWERING.set(True)
        try:
            yield
        finally:
            _ANSWERING.reset(token)
            self._answering -= 1
            if self._answering == 0:
                self._idle.set()

    async def pause(self) -> None:
        """Between two units of background work: cheap when nothing waits for the loop."""
        if _ANSWERING.get():
            return
        if self._answering == 0 and self._timer() - self._ran_since < self._slice:
            return
        await asyncio.sleep(0)  # incoming requests get read even when nobody is waiting yet
        if self._answering:
            idle = asyncio.ensure_future(self._idle.wait())
            enough = asyncio.ensure_future(self._sleep(self._max_wait))
            try:
                await asyncio.wait((idle, enough), return_when=asyncio.FIRST_COMPLETED)
            finally:
                idle.cancel()
                enough.cancel()
        self._ran_since = self._timer()
