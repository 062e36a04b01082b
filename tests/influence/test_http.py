from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest

from chatbot.influence.http import (
    AccessRefused,
    HttpFetcher,
    ResponseTooLarge,
    RetryPolicy,
)
from chatbot.influence.ratelimit import RateLimit, RateLimiter
from chatbot.values.network_errors import AccountNotFound, NetworkUnavailable, RateLimited
from tests.influence.networks.network_fakes import FakeClock

URL = "https://api.example.test/thing"
Handler = Callable[[httpx.Request], httpx.Response]


class Script:
    """Answers requests in order with the given responses (or raised errors)."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def fetcher(
    handler: Handler,
    clock: FakeClock,
    *,
    max_bytes: int = 1_000_000,
    credential_setting: str | None = None,
    limit: RateLimit | None = None,
) -> HttpFetcher:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpFetcher(
        client,
        label="Example",
        limiter=RateLimiter(limit or RateLimit(1000, 60, 4), clock=clock, sleep=clock.sleep),
        clock=clock,
        sleep=clock.sleep,
        max_bytes=max_bytes,
        retry=RetryPolicy(attempts=3, base_delay=1.0, max_delay=30.0, max_retry_after=10.0),
        credential_setting=credential_setting,
    )


def ok(body: object = None, **headers: str) -> httpx.Response:
    return httpx.Response(200, json={"ok": True} if body is None else body, headers=headers)


async def test_server_errors_are_retried_with_growing_jittered_delays() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(500), httpx.Response(503), ok())

    reply = await fetcher(script, clock).get_json(URL)

    assert reply.data == {"ok": True}
    assert len(script.requests) == 3
    first, second = clock.sleeps
    assert 0.5 <= first <= 1.0
    assert 1.0 <= second <= 2.0


async def test_a_server_that_keeps_failing_gives_up_after_the_attempts() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(502))

    with pytest.raises(NetworkUnavailable, match=r"Example \(api.example.test\).*HTTP 502"):
        await fetcher(script, clock).get_json(URL)

    assert len(script.requests) == 3
    assert len(clock.sleeps) == 2


async def test_a_timeout_is_retried_after_a_backoff() -> None:
    clock = FakeClock()
    script = Script(httpx.ReadTimeout("slow"), ok())

    reply = await fetcher(script, clock).get_json(URL)

    assert reply.data == {"ok": True}
    assert len(clock.sleeps) == 1


async def test_an_unreachable_host_fails_at_once() -> None:
    clock = FakeClock()
    script = Script(httpx.ConnectError("no route"))

    with pytest.raises(NetworkUnavailable, match="could not be reached"):
        await fetcher(script, clock).get_json(URL)

    assert len(script.requests) == 1 and clock.sleeps == []


async def test_a_long_retry_after_is_handed_back_and_blocks_the_next_request() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(429, headers={"Retry-After": "120"}), ok())
    client = fetcher(script, clock)

    with pytest.raises(RateLimited) as raised:
        await client.get_json(URL)
    assert raised.value.retry_after == 120
    assert len(script.requests) == 1

    await client.get_json(URL)

    assert clock.sleeps == [pytest.approx(120)], "the next request waited out the Retry-After"


async def test_a_short_retry_after_is_waited_out_in_place() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(429, headers={"Retry-After": "2"}), ok())

    reply = await fetcher(script, clock).get_json(URL)

    assert reply.data == {"ok": True}
    assert max(clock.sleeps) >= 2


async def test_retry_after_may_be_an_http_date() -> None:
    clock = FakeClock()
    later = format_datetime(clock.now() + timedelta(seconds=90), usegmt=True)
    script = Script(httpx.Response(429, headers={"Retry-After": later}))

    with pytest.raises(RateLimited) as raised:
        await fetcher(script, clock).get_json(URL)

    assert raised.value.retry_after == pytest.approx(90)


async def test_mastodons_iso_reset_time_sets_the_wait_when_there_is_no_retry_after() -> None:
    clock = FakeClock()
    reset = (clock.now() + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    script = Script(
        httpx.Response(429, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    )

    with pytest.raises(RateLimited) as raised:
        await fetcher(script, clock).get_json(URL)

    assert raised.value.retry_after == pytest.approx(300)


async def test_githubs_403_rate_limit_is_told_apart_from_a_refusal() -> None:
    clock = FakeClock()
    reset = str(int(clock.now().timestamp()) + 600)
    limited = Script(
        httpx.Response(
            403,
            json={"message": "API rate limit exceeded for 1.2.3.4."},
            headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
        )
    )
    refused = Script(httpx.Response(403, json={"message": "Must have admin rights"}))

    with pytest.raises(RateLimited) as raised:
        await fetcher(limited, clock).get_json(URL)
    assert raised.value.retry_after == pytest.approx(600)
    with pytest.raises(AccessRefused, match="refused access"):
        await fetcher(refused, clock).get_json(URL)


async def test_a_rate_limit_message_alone_also_counts_as_rate_limited() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(403, json={"message": "API Rate Limit Exceeded for 1.2.3.4"}))

    with pytest.raises(RateLimited):
        await fetcher(script, clock).get_json(URL)


async def test_malformed_json_is_reported_as_such() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(200, content=b"<html>oops</html>"))

    with pytest.raises(NetworkUnavailable, match="answered with malformed data"):
        await fetcher(script, clock).get_json(URL)


async def test_missing_accounts_and_refusals_have_their_own_errors() -> None:
    clock = FakeClock()
    with pytest.raises(AccountNotFound):
        await fetcher(Script(httpx.Response(404, json={"error": "x"})), clock).get_json(URL)
    with pytest.raises(AccessRefused, match="private"):
        await fetcher(Script(httpx.Response(401)), clock).get_json(URL)
    with pytest.raises(AccessRefused, match="X_BEARER_TOKEN"):
        await fetcher(
            Script(httpx.Response(401)), clock, credential_setting="X_BEARER_TOKEN"
        ).get_json(URL)


async def test_redirects_are_not_followed() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(302, headers={"Location": "http://169.254.169.254/"}))

    with pytest.raises(NetworkUnavailable, match="redirect"):
        await fetcher(script, clock).get_json(URL)

    assert len(script.requests) == 1


async def test_a_fifty_megabyte_body_is_abandoned_after_the_cap() -> None:
    clock = FakeClock()
    chunk = b"x" * 65_536
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(50_000_000 // len(chunk)):
            pulled += len(chunk)
            yield chunk

    def huge(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    with pytest.raises(ResponseTooLarge, match="larger than 1,000,000 bytes"):
        await fetcher(huge, clock, max_bytes=1_000_000).get_json(URL)

    assert pulled <= 1_000_000 + len(chunk)


async def test_a_declared_oversize_body_is_refused_without_reading_it() -> None:
    clock = FakeClock()
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        pulled += 1
        yield b"{}"

    def announced(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": "50000000"}, content=body())

    with pytest.raises(ResponseTooLarge):
        await fetcher(announced, clock).get_json(URL)

    assert pulled == 0


async def test_a_compressed_bomb_is_stopped_while_inflating() -> None:
    clock = FakeClock()
    bomb = gzip.compress(b"0" * 20_000_000)

    async def body() -> AsyncIterator[bytes]:
        yield bomb

    def compressed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=body())

    assert len(bomb) < 100_000
    with pytest.raises(ResponseTooLarge):
        await fetcher(compressed, clock, max_bytes=1_000_000).get_json(URL)


async def test_gzip_answers_are_inflated_and_only_gzip_is_asked_for() -> None:
    clock = FakeClock()
    payload = gzip.compress(json.dumps({"hello": "world"}).encode())
    seen: list[str] = []

    async def body() -> AsyncIterator[bytes]:
        yield payload

    def compressed(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Accept-Encoding"])
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=body())

    reply = await fetcher(compressed, clock).get_json(URL)

    assert reply.data == {"hello": "world"}
    assert seen == ["gzip"]


async def test_an_exhausted_server_budget_delays_the_next_request_until_the_reset() -> None:
    clock = FakeClock()
    reset = str(int(clock.now().timestamp()) + 60)
    script = Script(ok(**{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}), ok())
    client = fetcher(script, clock)

    await client.get_json(URL)
    await client.get_json(URL)

    assert len(clock.sleeps) == 1 and 60 <= clock.sleeps[0] <= 62


async def test_link_headers_are_parsed_for_paging() -> None:
    clock = FakeClock()
    link = '<https://api.example.test/thing?page=2>; rel="next", <https://x.test/1>; rel="prev"'
    reply = await fetcher(Script(ok(Link=link)), clock).get_json(URL, params={"page": 1})

    assert reply.links["next"] == "https://api.example.test/thing?page=2"
    assert reply.url == "https://api.example.test/thing?page=1"


def later_by(clock: FakeClock, seconds: float) -> None:
    clock.moment += timedelta(seconds=seconds)


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "1000000000"},
        {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "253402300799"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9999-12-31T23:59:59Z"},
    ],
)
async def test_a_server_asking_for_an_endless_pause_makes_it_unavailable_for_an_hour(
    headers: dict[str, str],
) -> None:
    clock = FakeClock()
    script = Script(httpx.Response(429, headers=headers), ok())
    client = fetcher(script, clock)

    with pytest.raises(RateLimited) as first:
        await client.get_json(URL)
    with pytest.raises(RateLimited) as second:
        await client.get_json(URL)

    for raised in (first, second):
        assert raised.value.retry_after == pytest.approx(3600, abs=2)
        assert str(raised.value) == (
            "Example (api.example.test) is unavailable for now; try again in about an hour."
        )
    assert len(script.requests) == 1, "nothing is sent while it rests"
    later_by(clock, 3601)
    assert (await client.get_json(URL)).data == {"ok": True}, "not blocked until a restart"


async def test_a_reset_dated_9999_in_a_successful_answer_rests_the_host_for_an_hour() -> None:
    clock = FakeClock()
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "253402300799"}
    script = Script(ok(**spent), ok())
    client = fetcher(script, clock)
    await client.get_json(URL)

    with pytest.raises(RateLimited, match="unavailable for now; try again in about an hour"):
        await client.get_json(URL)

    later_by(clock, 3602)
    assert (await client.get_json(URL)).data == {"ok": True}
    assert len(script.requests) == 2


async def test_githubs_403_with_a_reset_in_9999_is_capped_too() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(
        403, json={"message": "API rate limit exceeded"},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "253402300799"},
    ))

    with pytest.raises(RateLimited, match="unavailable for now") as raised:
        await fetcher(script, clock).get_json(URL)

    assert raised.value.retry_after == pytest.approx(3600, abs=2)


async def test_an_ordinary_long_retry_after_keeps_its_length_in_minutes() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(429, headers={"Retry-After": "1200"}))

    with pytest.raises(RateLimited) as raised:
        await fetcher(script, clock).get_json(URL)

    assert raised.value.retry_after == 1200
    assert str(raised.value) == (
        "Example (api.example.test) asked the bot to slow down; try again in about 20 minutes."
    )


async def test_a_5xx_retry_after_is_never_slept_longer_than_the_in_place_limit() -> None:
    clock = FakeClock()
    script = Script(httpx.Response(503, headers={"Retry-After": "1000000000"}))

    with pytest.raises(NetworkUnavailable, match="HTTP 503"):
        await fetcher(script, clock).get_json(URL)

    assert len(script.requests) == 3
    assert max(clock.sleeps) <= 10


@pytest.mark.parametrize("length", ["²", "١٢", "12e9999"])
async def test_a_nonsense_content_length_is_ignored_and_the_body_read_under_the_cap(
    length: str,
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": length.encode()}, content=b"[1]")

    assert (await fetcher(answer, FakeClock()).get_json(URL)).data == [1]


async def test_a_content_length_of_five_thousand_digits_is_simply_too_large() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": "9" * 5000}, content=b"[1]")

    with pytest.raises(ResponseTooLarge):
        await fetcher(answer, FakeClock()).get_json(URL)
