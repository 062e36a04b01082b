"""Spend each network's rate limit, and not one request more.

Every network publishes a budget (Mastodon 300 requests per 5 minutes per
instance, GitHub 60 or 5,000 an hour, ...). Going over it earns 429s and, on
some instances, a ban for the whole bot, so the limiter is strict: a request
occupies its slot in the window from the moment it is sent until one window
after its answer arrived. The server counts the request at some instant
between those two, so however the latency varies, no window the server can
draw ever holds more than the budget. The price is one round trip per window
(under 1 % of a 5-minute window).

The server's own `X-RateLimit-*` headers tighten the local estimate (another
process on the same IP may be spending the same budget) and a 429's
`Retry-After` stops the key outright until then, for at most
MAX_SERVER_WAIT: a server asking for longer is treated as unavailable for
that long and then tried again. Keys are whatever shares a budget: the
instance host for Mastodon, the API host elsewhere.

Processes on one database (replicas behind one egress address) share each
budget through a `SharedBudget`: a request is admitted only once the shared
sliding window has room for it too, so together they stay within the limit.
A process takes as many requests at once as it has callers waiting (at most
TAKE_AT_ONCE and a hundredth of the budget), to save round trips; requests
taken but not sent when the window's bucket moves on are given back with the
next take.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

from chatbot.clock import Clock
from chatbot.storage.budgets import bucket_of
from chatbot.storage.database import DatabaseUnavailable
from chatbot.values.message import Msg, PluralMsg
from chatbot.values.network_errors import RateLimited

Sleep = Callable[[float], Awaitable[None]]
"""Waits the given number of seconds. Injected so tests never really wait."""

__all__ = ["Clock", "Permit", "RateLimit", "RateLimiter", "ServerBudget", "SharedBudget",
           "Sleep"]

log = logging.getLogger(__name__)

TAKE_AT_ONCE = 16
"""Most requests a process takes from a shared budget in one round trip. Those its callers
have not sent when the budget's bucket moves on (5 s of a 5-minute window) go back with
its next take; a process that dies takes its unsent ones with it until they age out."""


class SharedBudget(Protocol):
    """The budget every process on the database spends (RateBudgetRepository)."""

    async def take(self, key: str, wanted: int, limit: int, window: float, now: float,
                   unused: tuple[float, int] | None = None) -> tuple[int, float]:
        """(requests granted, seconds until one would fit when none was); `unused` gives
        back (taken at, how many) requests of an earlier take that were never sent."""
        ...

    async def carry(self, key: str, window: float, sent: float, answered: float) -> None:
        """Count a request from its answer on, if that came in a later bucket."""
        ...

MAX_SERVER_WAIT = 3600.0
"""The longest pause a server can impose on the bot. `Retry-After: 1000000000` or a
reset dated 9999 would otherwise block a network until the bot restarts."""


def describe_wait(seconds: float) -> Msg:
    """A wait as a member would say it: "45 s", "about 20 minutes", "about an hour"."""
    if seconds < 90:
        return Msg("{seconds} s", seconds=max(1, math.ceil(seconds)))
    if seconds < 50 * 60:
        return PluralMsg("about {n} minute", "about {n} minutes", round(seconds / 60))
    if seconds < 90 * 60:
        return Msg("about an hour")
    return PluralMsg("about {n} hour", "about {n} hours", round(seconds / 3600))


@dataclass(frozen=True)
class RateLimit:
    """A published budget: `requests` per `per_seconds`, at most `concurrency` at once.

    `max_wait` bounds how long a caller is kept waiting for budget; beyond it
    the caller gets RateLimited (with the wait as `retry_after`) instead of a
    request that would hang for an hour. None waits as long as it takes.
    """

    requests: int
    per_seconds: float
    concurrency: int = 1
    max_wait: float | None = 900.0

    def __post_init__(self) -> None:
        if self.requests < 1 or self.per_seconds <= 0 or self.concurrency < 1:
            raise ValueError(f"a rate limit needs positive numbers, got {self}")


@dataclass(frozen=True)
class ServerBudget:
    """What a response's rate-limit headers said; None where a header was absent."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    """Epoch seconds at which `remaining` refills."""


def parse_reset(value: str, now: float) -> float | None:
    """Epoch seconds of a reset header, whichever dialect the server speaks.

    GitHub and X send epoch seconds, Mastodon an ISO-8601 instant; a small
    number is read as seconds from now (the IETF draft's delta form).
    """
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    if not math.isfinite(number) or number < 0:
        return None
    # Anything below ~1 year of seconds is a delta, not a 1970s epoch.
    return now + number if number < 31_536_000 else number


def parse_retry_after(value: str, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta seconds or an HTTP date)."""
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max(0.0, moment.timestamp() - now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _first_int(headers: Mapping[str, str], *names: str) -> int | None:
    for name in names:
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            number = float(raw.strip())
        except ValueError:
            continue
        if math.isfinite(number):  # int() of `1e400` (infinity) raises OverflowError
            return int(number)
    return None


def parse_rate_limit_headers(headers: Mapping[str, str], now: float) -> ServerBudget:
    """Read `X-RateLimit-*` (Mastodon, GitHub), `x-rate-limit-*` (X) or the
    unprefixed `RateLimit-*` (Bluesky's PDS, the IETF draft)."""
    headers = {name.lower(): value for name, value in headers.items()}
    reset_raw = (headers.get("x-ratelimit-reset") or headers.get("x-rate-limit-reset")
                 or headers.get("ratelimit-reset"))
    return ServerBudget(
        limit=_first_int(headers, "x-ratelimit-limit", "x-rate-limit-limit", "ratelimit-limit"),
        remaining=_first_int(headers, "x-ratelimit-remaining", "x-rate-limit-remaining",
                             "ratelimit-remaining"),
        reset_at=parse_reset(reset_raw, now) if reset_raw else None,
    )


@dataclass
class _KeyState:
    semaphore: asyncio.Semaphore
    gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    finished: deque[float] = field(default_factory=deque)
    """Epoch seconds at which each recent request's answer arrived, oldest first."""
    in_flight: int = 0
    server_limit: int | None = None
    server_remaining: int | None = None
    server_reset: float | None = None
    blocked_until: float = 0.0
    unavailable_until: float = 0.0
    """Until when the server asked for a pause longer than the cap (it is down for now)."""
    ready: int = 0
    """Callers waiting for a slot or for budget: how many requests to take at once."""
    taken: int = 0
    """Requests taken from the shared budget and not sent yet ..."""
    taken_at: float = 0.0
    """... counted from this moment, and valid in its bucket of the shared window only."""


class Permit:
    """One admitted request; feed it the response headers so the limiter learns."""

    def __init__(self, limiter: RateLimiter, key: str) -> None:
        self._limiter = limiter
        self.key = key

    def observe(self, headers: Mapping[str, str]) -> None:
        self._limiter.observe(self.key, headers)


class RateLimiter:
    """Per-key sliding-window budget plus a per-key concurrency cap.

    One limiter per network; keys within it are hosts. Parallelism happens
    across keys (many Mastodon instances at once), never beyond
    `limit.concurrency` within one.
    """

    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Clock,
        sleep: Sleep,
        reset_margin: float = 1.0,
        max_server_wait: float = MAX_SERVER_WAIT,
        on_wait: Callable[[float], None] | None = None,
        shared: SharedBudget | None = None,
        budget_name: str = "",
    ) -> None:
        """`shared` makes every process on the database spend one budget per key;
        `budget_name` tells this limiter's budgets apart from other networks' (and from
        another token's) in it."""
        self.limit = limit
        self._shared = shared
        self._budget_name = budget_name
        self._on_wait = on_wait
        self._clock = clock
        self._sleep = sleep
        self._reset_margin = reset_margin
        self.max_server_wait = max_server_wait
        self._keys: dict[str, _KeyState] = {}

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _state(self, key: str) -> _KeyState:
        state = self._keys.get(key)
        if state is None:
            state = _KeyState(semaphore=asyncio.Semaphore(self.limit.concurrency))
            self._keys[key] = state
        return state

    def _budget(self, state: _KeyState) -> int:
        if state.server_limit is not None:
            return max(1, min(self.limit.requests, state.server_limit))
        return self.limit.requests

    def _wait_needed(self, state: _KeyState, now: float) -> float | None:
        """0 when a request may go now, seconds to wait, or None to await a completion."""
        window = self.limit.per_seconds
        while state.finished and state.finished[0] + window <= now:
            state.finished.popleft()
        waits = [0.0]
        if state.blocked_until > now:
            waits.append(state.blocked_until - now)
        if state.server_reset is not None:
            refill = state.server_reset + self._reset_margin
            if now >= refill:
                state.server_remaining = None
                state.server_reset = None
            elif state.server_remaining is not None and state.server_remaining <= 0:
                waits.append(refill - now)
        used = state.in_flight + len(state.finished)
        if used >= self._budget(state):
            # The oldest finished request frees its slot one window after its answer.
            overflow = used - self._budget(state)
            if overflow >= len(state.finished):
                return None
            waits.append(state.finished[overflow] + window - now)
        return max(waits)

    def observe(self, key: str, headers: Mapping[str, str]) -> None:
        """Tighten the key's budget with what the server says is left.

        Other requests still in flight may not be counted in `remaining` yet,
        so each is subtracted: with N requests at once up to N - 1 of a
        window's budget can go unspent, which is why small budgets (keyless
        GitHub) run one request at a time.
        """
        state = self._state(key)
        now = self._now()
        budget = parse_rate_limit_headers(headers, now)
        if budget.limit is not None and budget.limit > 0:
            state.server_limit = budget.limit
        if budget.remaining is None or budget.reset_at is None:
            return
        estimate = max(0, budget.remaining - max(0, state.in_flight - 1))
        reset_at = budget.reset_at
        if reset_at > now + self.max_server_wait:
            reset_at = now + self.max_server_wait
            if estimate == 0:
                state.unavailable_until = max(state.unavailable_until, reset_at)
        same_window = (
            state.server_reset is not None
            and abs(reset_at - state.server_reset) <= self._reset_margin
        )
        if same_window and state.server_remaining is not None:
            state.server_remaining = min(state.server_remaining, estimate)
        elif state.server_reset is None or reset_at > state.server_reset:
            state.server_remaining = estimate
            state.server_reset = reset_at

    def hold_off(self, key: str, seconds: float) -> float:
        """Send nothing more to `key` for `seconds` (after a 429 or a 403 rate limit).

        Returns the pause actually taken: never more than `max_server_wait`. A
        server asking for more is marked unavailable for the capped time, and
        tried again after it.
        """
        state = self._state(key)
        now = self._now()
        if seconds <= self.max_server_wait:
            pause = max(0.0, seconds)
        else:  # also NaN
            pause = self.max_server_wait
            state.unavailable_until = max(state.unavailable_until, now + pause)
        state.blocked_until = max(state.blocked_until, now + pause)
        return pause

    def unavailable_for(self, key: str) -> float:
        """Seconds `key` stays unavailable because its server asked for more than the cap."""
        return max(0.0, self._state(key).unavailable_until - self._now())

    @asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[Permit]:
        """Wait for budget and a free concurrency slot, then hold them for one request."""
        state = self._state(key)
        state.ready += 1
        try:
            await state.semaphore.acquire()
        except BaseException:
            state.ready -= 1
            raise
        try:
            try:
                counted_from = await self._admit(key, state)
            finally:
                state.ready -= 1
            try:
                yield Permit(self, key)
            finally:
                state.in_flight -= 1
                answered = self._now()
                state.finished.append(answered)
                state.released.set()
                await self._carry(key, counted_from, answered)
        finally:
            state.semaphore.release()

    def _shared_key(self, key: str) -> str:
        return f"{self._budget_name}/{self.limit.per_seconds:g}s/{key}"

    async def _take_shared(self, key: str, state: _KeyState, now: float
                           ) -> tuple[float, float]:
        """(0, when it counts from) once a request of the shared budget is ours, else
        (seconds to wait for one, 0)."""
        if self._shared is None:
            return 0.0, now
        window = self.limit.per_seconds
        if state.taken > 0 and bucket_of(state.taken_at, window) == bucket_of(now, window):
            state.taken -= 1
            return 0.0, state.taken_at
        unused = (state.taken_at, state.taken) if state.taken > 0 else None
        state.taken = 0
        try:
            granted, wait = await self._shared.take(
                self._shared_key(key), self._take_at_once(state), self._budget(state),
                window, now, unused)
        except DatabaseUnavailable as exc:
            raise RateLimited(Msg("The request budget for {key} can't be checked while the "
                                  "database is unavailable; try again later.", key=key)) from exc
        if granted == 0:
            return max(wait, 0.001), 0.0
        if bucket_of(self._now(), window) != bucket_of(now, window):
            # Counted in a bucket that is already behind: it would leave the window
            # before the requests do. Give them back with the next take.
            state.taken, state.taken_at = granted, now
            return 0.001, 0.0
        state.taken, state.taken_at = granted - 1, now
        return 0.0, now

    def _take_at_once(self, state: _KeyState) -> int:
        """As many as callers wait, but never more than a hundredth of the budget: what a
        dying process takes with it stays small (one at a time for keyless GitHub's 60
        an hour)."""
        return max(1, min(state.ready, TAKE_AT_ONCE, self._budget(state) // 100))

    async def _carry(self, key: str, counted_from: float, answered: float) -> None:
        if self._shared is None:
            return
        try:
            await self._shared.carry(self._shared_key(key), self.limit.per_seconds,
                                     counted_from, answered)
        except DatabaseUnavailable:
            # The request stays counted from when it was sent: at worst a slow answer's
            # slot frees one bucket early, as it would have on an unshared limiter.
            log.warning("could not move a slow answer's request in the shared budget")

    async def _admit(self, key: str, state: _KeyState) -> float:
        """Waits for budget; returns the moment the shared budget counts the request from
        (its bucket there, never later than it is sent)."""
        async with state.gate:
            while True:
                now = self._now()
                wait = self._wait_needed(state, now)
                counted_from = now
                if wait == 0:
                    wait, counted_from = await self._take_shared(key, state, now)
                if wait == 0:
                    state.in_flight += 1
                    if state.server_remaining is not None:
                        state.server_remaining -= 1
                    return counted_from
                if wait is None:
                    state.released.clear()
                    await state.released.wait()
                    continue
                max_wait = self.limit.max_wait
                if max_wait is not None and wait > max_wait:
                    later = describe_wait(wait)
                    if state.unavailable_until > now:
                        message = Msg("{where} is unavailable for now; try again in {wait}.",
                                      where=key, wait=later)
                    else:
                        message = Msg("The rate limit for {where} is spent; try again in "
                                      "{wait}.", where=key, wait=later)
                    raise RateLimited(message, retry_after=wait)
                if self._on_wait is not None:
                    self._on_wait(wait)
                await self._sleep(wait)
