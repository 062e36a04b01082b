"""Rate limiters in different processes (each with its own pool on one database, on both
engines) spend one budget: together they stay within the published limit."""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import AsyncIterator

import pytest

from chatbot.influence.ratelimit import RateLimit, RateLimiter
from chatbot.storage import Storage, open_storage
from chatbot.values.network_errors import RateLimited
from tests.influence.networks.network_fakes import FakeClock


@pytest.fixture
async def pair(database_url: str) -> AsyncIterator[tuple[Storage, Storage]]:
    first = await open_storage(database_url)
    second = await open_storage(database_url)
    yield first, second
    await first.close()
    await second.close()


def _replica(limit: RateLimit, clock: FakeClock, storage: Storage) -> RateLimiter:
    return RateLimiter(limit, clock=clock, sleep=clock.sleep, shared=storage.budgets,
                       budget_name="github:keyless")


def _busiest(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(bisect.bisect_left(times, start + window) - index
               for index, start in enumerate(times))


async def test_two_replicas_together_send_no_more_than_the_limit_in_any_window(
    pair: tuple[Storage, Storage],
) -> None:
    clock = FakeClock()
    limit = RateLimit(10, 600, concurrency=2, max_wait=None)
    replicas = [_replica(limit, clock, storage) for storage in pair]
    sent: list[float] = []

    async def request(gate: RateLimiter) -> None:
        async with gate.slot("api.github.com"):
            sent.append(clock.now().timestamp())

    await asyncio.gather(*(request(gate) for gate in replicas for _ in range(25)))

    assert len(sent) == 50
    assert _busiest(sent, 600) == 10
    # Five windows' worth: the last ten could go no sooner than four windows in.
    assert max(sent) - min(sent) >= 4 * 600


async def test_a_slow_answer_holds_its_place_until_a_window_after_it_came(
    pair: tuple[Storage, Storage],
) -> None:
    clock = FakeClock()
    limit = RateLimit(1, 600, max_wait=None)
    slow, other = (_replica(limit, clock, storage) for storage in pair)
    start = clock.now().timestamp()

    async with slow.slot("api.github.com"):
        await clock.sleep(300)  # the server may count it at any moment until it answers
    async with other.slot("api.github.com"):
        admitted = clock.now().timestamp()

    assert admitted >= start + 300 + 600


async def test_a_spent_shared_budget_is_refused_with_the_wait_when_too_long(
    pair: tuple[Storage, Storage],
) -> None:
    clock = FakeClock()
    limit = RateLimit(2, 3600, max_wait=900)
    first, second = (_replica(limit, clock, storage) for storage in pair)
    for _ in range(2):
        async with first.slot("api.github.com"):
            pass

    with pytest.raises(RateLimited, match=r"rate limit for api\.github\.com is spent; try "
                                          r"again in about an hour") as raised:
        async with second.slot("api.github.com"):
            pass
    assert raised.value.retry_after == pytest.approx(3600 + 60)
    assert clock.sleeps == []


async def test_a_token_s_budget_is_not_spent_by_keyless_requests(
    pair: tuple[Storage, Storage],
) -> None:
    clock = FakeClock()
    limit = RateLimit(1, 3600, max_wait=0)
    keyless = _replica(limit, clock, pair[0])
    token = RateLimiter(limit, clock=clock, sleep=clock.sleep, shared=pair[1].budgets,
                        budget_name="github:key-0123456789ab")
    async with keyless.slot("api.github.com"):
        pass
    async with token.slot("api.github.com"):
        pass
    with pytest.raises(RateLimited):
        async with RateLimiter(limit, clock=clock, sleep=clock.sleep, shared=pair[1].budgets,
                               budget_name="github:keyless").slot("api.github.com"):
            pass


async def test_without_the_database_a_request_waits_instead_of_risking_the_limit(
    pair: tuple[Storage, Storage],
) -> None:
    clock = FakeClock()
    gate = _replica(RateLimit(10, 600), clock, pair[0])
    await pair[0].close()

    with pytest.raises(RateLimited, match="database is unavailable"):
        async with gate.slot("api.github.com"):
            pass


async def test_requests_taken_ahead_and_not_sent_in_time_are_given_back(
    pair: tuple[Storage, Storage],
) -> None:
    clock = FakeClock()
    gate = _replica(RateLimit(300, 600, concurrency=1, max_wait=None), clock, pair[0])

    async def request() -> None:
        async with gate.slot("api.github.com"):
            await clock.sleep(30)  # slow answers: the next caller finds a later bucket

    await asyncio.gather(request(), request(), request())

    # Three callers waiting made the first take three at once; two were not sent while
    # their bucket lasted, went back, and were taken again: three spent, not five.
    now = clock.now().timestamp()
    assert await pair[1].budgets.spent("github:keyless/600s/api.github.com", 600, now) == 3
