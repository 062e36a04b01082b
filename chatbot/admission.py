"""How many commands one process works on at once, and how long any of them may take.

Acknowledging a command costs far less than answering it (Slack HTTP mode acked 2,364
commands a second and answered 330), so without a bound a burst turns into a queue that
grows without limit, and answers arrive a minute after anyone stopped waiting. Here a
command is either admitted, and then answered or told it took too long within
`deadline_seconds` of arriving, or refused at once with a "busy" answer that only the
caller sees. Refusing touches no database and no network: it must stay cheap exactly
when the process is overloaded.

Every platform (Slack over HTTP or Socket Mode, Discord, the console) asks the
dispatcher's one Admission, so the cap is per process, whatever mix of platforms it
serves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from chatbot.i18n import Translator
from chatbot.values.message import N_
from chatbot.values.reply import Reply, Tone, Visibility

log = logging.getLogger(__name__)

DEFAULT_MAX_IN_FLIGHT = 64
"""About 0.2 s of work at the ~330 answers a second one process sustains on SQLite
(bench/RESULTS.md, "Load from outside"): enough to keep the database and the CPU busy,
small enough that an admitted command is answered in well under a second."""
DEFAULT_DEADLINE_SECONDS = 10.0

BUSY_TEXT = N_("I'm busy with a lot of requests right now. Please try again in a moment.")
TOO_LONG_TEXT = N_("That took too long, so I stopped working on it. Please try again.")

TranslatorSource = Callable[[], Translator | None]
"""The caller's language as far as it is known when the answer is needed (it may be
learnt while the command runs); None is English."""


def busy_reply(tr: Translator | None = None) -> Reply:
    """What a refused command gets, only for the caller, in the language the adapter could
    tell without a query (refusing stays cheap)."""
    return Reply(text=tr._(BUSY_TEXT) if tr else BUSY_TEXT, tone=Tone.WARNING,
                 visibility=Visibility.PRIVATE)


def too_long_reply(tr: Translator | None = None) -> Reply:
    """What a command gets when its answer was not ready by the deadline."""
    return Reply(text=tr._(TOO_LONG_TEXT) if tr else TOO_LONG_TEXT, tone=Tone.WARNING,
                 visibility=Visibility.PRIVATE)


class Admission:
    """Counts the commands in flight; past `max_in_flight` it refuses instead of queueing."""

    def __init__(self, max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
                 deadline_seconds: float = DEFAULT_DEADLINE_SECONDS) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        if deadline_seconds <= 0:
            raise ValueError("deadline_seconds must be more than 0")
        self.max_in_flight = max_in_flight
        self.deadline_seconds = deadline_seconds
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def full(self) -> bool:
        """Whether the next command would be refused: lets a front door answer busy before
        doing any work on the request."""
        return self._in_flight >= self.max_in_flight

    def admit(self) -> Slot | None:
        """A slot for one command, or None when the process is full. Never awaits: the
        caller decides on the busy answer before anything else can run."""
        if self.full:
            return None
        self._in_flight += 1
        expires_at = asyncio.get_running_loop().time() + self.deadline_seconds
        return Slot(self, expires_at)

    def _release(self) -> None:
        self._in_flight -= 1


class Slot:
    """One admitted command. Its deadline counts from admission; it is freed exactly once,
    by `release`, by leaving a `with` block, or when the task it is bound to ends."""

    def __init__(self, admission: Admission, expires_at: float) -> None:
        self._admission = admission
        self.expires_at = expires_at
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._admission._release()

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def bind(self, task: asyncio.Future[Any]) -> None:
        """Free the slot when `task` ends, however it ends (even cancelled before it ran,
        when no `finally` inside it would)."""
        task.add_done_callback(lambda _: self.release())

    async def reply(self, work: Awaitable[Reply],
                    language: TranslatorSource = lambda: None) -> Reply:
        """`work`'s reply, or the too-long reply once the deadline passes, in the
        caller's language as `language` knows it by then; the work is cancelled then. A
        TimeoutError raised by the work itself is not the deadline and propagates."""
        timeout = asyncio.timeout_at(self.expires_at)
        try:
            async with timeout:
                return await work
        except TimeoutError:
            if not timeout.expired():
                raise
            log.warning("a command was stopped at its %.0f s deadline",
                        self._admission.deadline_seconds)
            return too_long_reply(language())
