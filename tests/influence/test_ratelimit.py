from __future__ import annotations

import asyncio
import random
from bisect import bisect_left
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.influence.networks.limits import GITHUB_KEYLESS
from chatbot.influence.ratelimit import (
    MAX_SERVER_WAIT,
    RateLimit,
    RateLimiter,
    describe_wait,
    parse_rate_limit_headers,
    parse_reset,
    parse_retry_after,
)
from chatbot.values.network_errors import RateLimited
from tests.influence.networks.network_fakes import FakeClock

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()


def limiter(limit: RateLimit, clock: FakeClock) -> RateLimiter:
    return RateLimiter(limit, clock=clock, sleep=clock.sleep)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1772366700", 1772366700.0),  # GitHub and X: epoch seconds
        ("2026-03-01T12:05:00.000Z", NOW + 300),  # Mastodon: ISO-8601
        ("2026-03-01T12:05:00+00:00", NOW + 300),
        ("30", NOW + 30),  # delta seconds
        ("soon", None),
        ("", None),
    ],
)
def test_reset_headers_are_read_in_every_dialect(value: str, expected: float | None) -> None:
    assert parse_reset(value, NOW) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), ("Sun, 01 Mar 2026 12:01:30 GMT", 90.0), ("-5", 0.0), ("later", None)],
)
def test_retry_after_is_read_as_seconds_or_a_date(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_github_and_x_rate_limit_headers_are_both_understood() -> None:
    github = parse_rate_limit_headers(
        {
            "x-ratelimit-limit": "60",
            "x-ratelimit-remaining": "7",
            "x-ratelimit-reset": "1772366700",
        },
        NOW,
    )
    x = parse_rate_limit_headers(
        {
            "x-rate-limit-limit": "300",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": "1772366700",
        },
        NOW,
    )
    assert (github.limit, github.remaining, github.reset_at) == (60, 7, 1772366700.0)
    assert (x.limit, x.remaining, x.reset_at) == (300, 0, 1772366700.0)


class WindowServer:
    """Counts arrivals the way a server does and notes every request over the limit."""

    def __init__(self, clock: FakeClock, limit: int, window: float, seed: int = 7) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self.arrivals: list[float] = []
        self.rng = random.Random(seed)

    async def request(self) -> None:
        # Latency on the way in and out varies; the server counts at arrival.
        await self.clock.sleep(self.rng.uniform(0.01, 2.0))
        self.arrivals.append(self.clock.now().timestamp())
        await self.clock.sleep(self.rng.uniform(0.01, 2.0))

    def most_in_any_window(self) -> int:
        times = sorted(self.arrivals)
        return max(
            (
                index - bisect_left(times, t - self.window + 1e-9) + 1
                for index, t in enumerate(times)
            ),
            default=0,
        )

    def most_in_any_fixed_window(self) -> int:
        counts: dict[int, int] = {}
        for t in self.arrivals:
            counts[int(t // self.window)] = counts.get(int(t // self.window), 0) + 1
        return max(counts.values(), default=0)


async def test_the_limit_is_spent_almost_fully_and_never_exceeded() -> None:
    clock = FakeClock()
    server = WindowServer(clock, limit=30, window=300)
    gate = limiter(RateLimit(30, 300, concurrency=1, max_wait=None), clock)
    start = clock.now().timestamp()

    for _ in range(300):
        async with gate.slot("mastodon.social"):
            await server.request()

    elapsed = clock.now().timestamp() - start
    allowed = 30 * elapsed / 300
    assert server.most_in_any_window() <= 30
    assert server.most_in_any_fixed_window() <= 30
    assert len(server.arrivals) >= 0.9 * allowed, f"spent {len(server.arrivals)} of {allowed:.0f}"


async def test_concurrent_requests_never_exceed_the_window_either() -> None:
    clock = FakeClock()
    server = WindowServer(clock, limit=20, window=60, seed=3)
    gate = limiter(RateLimit(20, 60, concurrency=2, max_wait=None), clock)

    async def one() -> None:
        async with gate.slot("host"):
            await server.request()

    await asyncio.gather(*(one() for _ in range(90)))

    assert len(server.arrivals) == 90
    assert server.most_in_any_window() <= 20


async def test_the_server_saying_nothing_remains_holds_requests_until_its_reset() -> None:
    clock = FakeClock()
    gate = limiter(RateLimit(300, 300, max_wait=None), clock)
    reset = (clock.now() + timedelta(seconds=30)).isoformat()

    async with gate.slot("host") as permit:
        permit.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    async with gate.slot("host"):
        pass

    assert len(clock.sleeps) == 1 and 30 <= clock.sleeps[0] <= 32


async def test_the_server_remaining_count_caps_what_is_sent_before_the_reset() -> None:
    clock = FakeClock()
    gate = limiter(RateLimit(300, 300, max_wait=None), clock)
    reset = str(int(clock.now().timestamp()) + 100)

    async with gate.slot("host") as permit:
        permit.observe({"x-ratelimit-remaining": "3", "x-ratelimit-reset": reset})
    for _ in range(3):
        async with gate.slot("host"):
            pass
    assert clock.sleeps == []
    async with gate.slot("host"):
        pass

    assert len(clock.sleeps) == 1 and clock.sleeps[0] >= 100


async def test_a_lower_server_limit_shrinks_the_budget() -> None:
    clock = FakeClock()
    gate = limiter(RateLimit(300, 60, max_wait=None), clock)

    async with gate.slot("host") as permit:
        permit.observe({"X-RateLimit-Limit": "2"})
    async with gate.slot("host"):
        pass
    assert clock.sleeps == []
    async with gate.slot("host"):
        pass

    assert clock.sleeps == [pytest.approx(60)]


async def test_holding_off_one_host_leaves_others_free() -> None:
    clock = FakeClock()
    gate = limiter(RateLimit(300, 300, max_wait=None), clock)
    gate.hold_off("busy.example", 45)

    async with gate.slot("other.example"):
        pass
    assert clock.sleeps == []
    async with gate.slot("busy.example"):
        pass

    assert clock.sleeps == [pytest.approx(45)]


async def test_a_wait_longer_than_allowed_is_refused_with_its_length() -> None:
    clock = FakeClock()
    gate = limiter(RateLimit(1, 3600, max_wait=60), clock)

    async with gate.slot("api.github.com"):
        pass
    with pytest.raises(RateLimited) as raised:
        async with gate.slot("api.github.com"):
            pass

    assert raised.value.retry_after == pytest.approx(3600)
    assert clock.sleeps == []
    clock.moment += timedelta(seconds=3600)
    async with gate.slot("api.github.com"):  # an hour after the first, it goes
        pass


async def test_at_most_the_concurrency_cap_runs_at_once_per_host() -> None:
    clock = FakeClock()
    gate = limiter(RateLimit(1000, 1, concurrency=2), clock)
    inside = 0
    most = 0
    release = asyncio.Event()

    async def hold(key: str) -> None:
        nonlocal inside, most
        async with gate.slot(key):
            inside += 1
            most = max(most, inside)
            await release.wait()
            inside -= 1

    tasks = [asyncio.create_task(hold("one.example")) for _ in range(6)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert most == 2
    other = asyncio.create_task(hold("two.example"))
    for _ in range(5):
        await asyncio.sleep(0)
    assert most == 3, "another host runs alongside"
    release.set()
    await asyncio.gather(*tasks, other)


async def test_keyless_github_spends_its_whole_hour_before_waiting() -> None:
    """60 an hour, each answer saying what is left: all 60 go out within the hour."""
    clock = FakeClock()
    gate = limiter(GITHUB_KEYLESS, clock)
    rng = random.Random(11)
    counted: list[float] = []
    start = clock.now().timestamp()

    async def one() -> None:
        async with gate.slot("api.github.com") as permit:
            await clock.sleep(rng.uniform(0.01, 1.0))
            counted.append(clock.now().timestamp())
            await clock.sleep(rng.uniform(0.01, 1.0))
            permit.observe({
                "x-ratelimit-limit": "60",
                "x-ratelimit-remaining": str(60 - len(counted)),
                "x-ratelimit-reset": str(int(start + 3600)),
            })

    await asyncio.gather(*(one() for _ in range(60)))
    assert len(counted) == 60
    assert clock.now().timestamp() - start < 3600  # the whole hour's budget, no wait for reset


def test_unprefixed_ratelimit_headers_of_the_bluesky_pds_are_understood() -> None:
    budget = parse_rate_limit_headers(
        {"RateLimit-Limit": "3000", "RateLimit-Remaining": "12", "RateLimit-Reset": "1772366700"},
        NOW,
    )
    assert (budget.limit, budget.remaining, budget.reset_at) == (3000, 12, 1772366700.0)


@pytest.mark.parametrize("asked", [1e9, float("inf"), float("nan"), MAX_SERVER_WAIT + 1])
async def test_a_server_cannot_hold_a_host_off_for_longer_than_an_hour(asked: float) -> None:
    clock = FakeClock()
    gate = limiter(RateLimit(300, 300, max_wait=None), clock)

    assert gate.hold_off("evil.example", asked) == MAX_SERVER_WAIT
    assert gate.unavailable_for("evil.example") == MAX_SERVER_WAIT
    async with gate.slot("evil.example"):
        pass

    assert clock.sleeps == [pytest.approx(MAX_SERVER_WAIT)]
    assert gate.unavailable_for("evil.example") == 0


async def test_a_pause_within_the_cap_is_kept_and_is_not_unavailability() -> None:
    clock = FakeClock()
    gate = limiter(RateLimit(300, 300), clock)

    assert gate.hold_off("busy.example", 1200) == 1200
    assert gate.unavailable_for("busy.example") == 0
    with pytest.raises(RateLimited, match=r"rate limit for busy\.example is spent; try "
                                          r"again in about 20 minutes"):
        async with gate.slot("busy.example"):
            pass


async def test_a_reset_header_dated_9999_blocks_for_the_cap_only() -> None:
    clock = FakeClock()
    gate = limiter(RateLimit(300, 300), clock)
    async with gate.slot("evil.example") as permit:
        permit.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "253402300799"})

    with pytest.raises(RateLimited, match=r"evil\.example is unavailable for now; try "
                                          r"again in about an hour") as raised:
        async with gate.slot("evil.example"):
            pass
    assert raised.value.retry_after is not None and raised.value.retry_after <= 3601


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0.2, "1 s"), (45, "45 s"), (89.5, "90 s"), (1200, "about 20 minutes"),
     (3594, "about an hour"), (3600, "about an hour"), (7200, "about 2 hours")],
)
def test_waits_are_said_the_way_people_say_them(seconds: float, said: str) -> None:
    assert str(describe_wait(seconds)) == said


HEADER_TEXT = st.text(max_size=40) | st.sampled_from(
    ["1e400", "-1e400", "inf", "nan", "9" * 5000, "Fri, 31 Dec 9999 23:59:59 -0500",
     "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "²"]
)


@given(HEADER_TEXT)
def test_no_rate_limit_header_value_can_raise(value: str) -> None:
    wait = parse_retry_after(value, NOW)
    assert wait is None or wait >= 0
    parse_reset(value, NOW)
    names = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "ratelimit-reset")
    parse_rate_limit_headers(dict.fromkeys(names, value), NOW)
