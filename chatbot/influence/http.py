"""GET JSON from a network's API politely, and survive networks that misbehave.

Every network client goes through one HttpFetcher so they all share the same
manners: the rate limiter is asked before each attempt, rate-limit headers
feed back into it, transient failures (timeouts, 5xx) are retried with
jittered exponential backoff, and every failure becomes a NetworkError whose
message a member can read. Bodies are read as a bounded stream, because a
Mastodon host is chosen by whoever registers a handle and may answer with
gigabytes.
"""

from __future__ import annotations

import asyncio
import random
import zlib
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx

from chatbot.influence import untrusted_json
from chatbot.influence.numbers import ascii_int
from chatbot.influence.ratelimit import (
    Clock,
    RateLimiter,
    Sleep,
    describe_wait,
    parse_rate_limit_headers,
    parse_retry_after,
)
from chatbot.values.message import Msg, Number
from chatbot.values.network_errors import (
    AccountNotFound,
    NetworkError,
    NetworkUnavailable,
    RateLimited,
)

QueryParams = Mapping[str, str | int | list[str]]


class ResponseTooLarge(NetworkUnavailable):
    """The answer outgrew the size cap; it was abandoned unread."""


class AccessRefused(NetworkUnavailable):
    """401 or 403: private, hidden, or the server wants credentials the bot lacks."""


@dataclass(frozen=True)
class JsonReply:
    """A decoded answer. `data` is None for a 304 (the caller keeps its cached copy)."""

    status: int
    data: Any
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    links: Mapping[str, str] = field(default_factory=dict)
    """`Link` header targets by rel (Mastodon and GitHub page with rel="next")."""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. `max_retry_after` is the longest server-requested pause
    worth waiting for in place; anything longer goes back to the caller as
    RateLimited so a refresh can move on and come back later (a 5xx's longer
    Retry-After is shortened to it instead: the retries are few anyway)."""

    attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 10.0


class _Retry(Exception):
    def __init__(self, message: Msg, wait: float | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.wait = wait


_RETRYABLE_STATUS = frozenset({500, 502, 503, 504, 520, 521, 522, 523, 524})


class HttpFetcher:
    """One per network: the label names it in messages, the limiter holds its budget."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        label: str,
        limiter: RateLimiter,
        clock: Clock,
        sleep: Sleep,
        rng: random.Random | None = None,
        timeout: float = 10.0,
        max_bytes: int = 5_000_000,
        retry: RetryPolicy | None = None,
        credential_setting: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._client = client
        self.label = label
        self.limiter = limiter
        self._clock = clock
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.retry = retry if retry is not None else RetryPolicy()
        self._credential_setting = credential_setting
        self._headers = dict(headers or {})

    async def get_json(
        self,
        url: str,
        *,
        params: QueryParams | None = None,
        headers: Mapping[str, str] | None = None,
        also_limited_by: Sequence[RateLimiter] = (),
    ) -> JsonReply:
        """GET `url` and decode its JSON, retrying what is worth retrying.

        `also_limited_by` adds budgets the request counts against besides the
        fetcher's own (Mastodon counts paging requests in a second window).
        """
        try:
            target = httpx.URL(url, params=params) if params else httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise NetworkUnavailable(Msg("{network}: not a usable address ({url}).",
                                         network=self.label, url=url)) from exc
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(
                    target,
                    headers or {},
                    (self.limiter, *also_limited_by),
                    final=attempt >= self.retry.attempts,
                )
            except _Retry as retry:
                if attempt >= self.retry.attempts:
                    raise NetworkUnavailable(retry.message) from retry
                asked = min(retry.wait or 0.0, self.retry.max_retry_after)
                await self._sleep(max(self._backoff(attempt), asked))

    def _backoff(self, attempt: int) -> float:
        """Equal jitter: half the exponential step for sure, half at random."""
        step = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        return step / 2 + self._rng.uniform(0, step / 2)

    def _where(self, url: httpx.URL) -> str:
        return f"{self.label} ({url.host})"

    async def _attempt(
        self,
        url: httpx.URL,
        headers: Mapping[str, str],
        limiters: Sequence[RateLimiter],
        *,
        final: bool,
    ) -> JsonReply:
        key = url.netloc.decode("ascii", "replace")
        request_headers = {"Accept": "application/json", **self._headers, **headers}
        # Only encodings we can inflate under a size cap ourselves.
        request_headers["Accept-Encoding"] = "gzip"
        where = self._where(url)
        async with AsyncExitStack() as stack:
            try:
                permits = [await stack.enter_async_context(lim.slot(key)) for lim in limiters]
            except RateLimited as spent:
                message = self._come_back_later(key, where, spent.retry_after, slowed=False)
                raise RateLimited(message, spent.retry_after) from spent
            permit = permits[0]
            try:
                async with asyncio.timeout(self.timeout * 3):
                    async with self._client.stream(
                        "GET", url, headers=request_headers, timeout=self.timeout
                    ) as response:
                        permit.observe(response.headers)
                        return await self._interpret(response, key, where, final=final)
            except NetworkError:
                raise
            except (TimeoutError, httpx.TimeoutException) as exc:
                raise _Retry(Msg("{where} did not answer in time; try again later.",
                                 where=where)) from exc
            except httpx.ConnectError as exc:
                raise NetworkUnavailable(Msg("{where} could not be reached.", where=where)) from exc
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
                raise _Retry(Msg("{where} dropped the connection; try again later.",
                                 where=where)) from exc
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
                raise NetworkUnavailable(Msg("{where} could not be asked ({problem}).",
                                             where=where, problem=problem)) from exc

    async def _interpret(
        self, response: httpx.Response, key: str, where: str, *, final: bool
    ) -> JsonReply:
        status = response.status_code
        if status == 304:
            return self._reply(response, None)
        if 200 <= status < 300:
            return self._reply(response, self._decode(await self._read_bounded(response), where))
        if status == 429 or (status == 403 and await self._is_rate_limit(response)):
            wait = self._retry_after(response)
            if wait is not None:
                wait = self.limiter.hold_off(key, wait)
            if wait is not None and wait <= self.retry.max_retry_after and not final:
                raise _Retry(Msg("{where} asked the bot to slow down.", where=where), wait)
            message = self._come_back_later(key, where, wait, slowed=True)
            raise RateLimited(message, wait)
        if status in (404, 410):
            raise AccountNotFound(Msg("{where} has no such account.", where=where))
        if status in (401, 403):
            if self._credential_setting:
                raise AccessRefused(Msg(
                    "{where} refused the bot's credentials (HTTP {status}); "
                    "an admin should check {setting}.",
                    where=where, status=status, setting=self._credential_setting,
                ))
            raise AccessRefused(Msg(
                "{where} refused access (HTTP {status}): the account is private or "
                "the server does not answer anonymous requests.", where=where, status=status,
            ))
        if status in _RETRYABLE_STATUS:
            raise _Retry(
                Msg("{where} is having trouble (HTTP {status}); try again later.",
                    where=where, status=status),
                self._retry_after(response),
            )
        if 300 <= status < 400:
            raise NetworkUnavailable(Msg("{where} answered with a redirect; the bot follows none.",
                                         where=where))
        raise NetworkUnavailable(Msg("{where} rejected the request (HTTP {status}).",
                                     where=where, status=status))

    def _come_back_later(self, key: str, where: str, wait: float | None, *, slowed: bool
                         ) -> Msg:
        """What a member reads when a wait is too long to sit through now: the server asked
        the bot to slow down (`slowed`), or the bot's own budget for it is spent."""
        if self.limiter.unavailable_for(key) > 0:
            if wait is None:
                return Msg("{where} is unavailable for now; try again later.", where=where)
            return Msg("{where} is unavailable for now; try again in {wait}.", where=where,
                       wait=describe_wait(wait))
        if slowed:
            if wait is None:
                return Msg("{where} asked the bot to slow down; try again later.", where=where)
            return Msg("{where} asked the bot to slow down; try again in {wait}.", where=where,
                       wait=describe_wait(wait))
        if wait is None:
            return Msg("{where} is out of the bot's request budget; try again later.",
                       where=where)
        return Msg("{where} is out of the bot's request budget; try again in {wait}.",
                   where=where, wait=describe_wait(wait))

    def _reply(self, response: httpx.Response, data: Any) -> JsonReply:
        links = {
            rel: link["url"] for rel, link in response.links.items() if rel and "url" in link
        }
        return JsonReply(
            status=response.status_code,
            data=data,
            url=str(response.url),
            headers=dict(response.headers),
            links=links,
        )

    def _decode(self, body: bytes, where: str) -> Any:
        try:
            return untrusted_json.decode(body)
        except untrusted_json.NestedTooDeep as exc:
            raise NetworkUnavailable(Msg(
                "{where} answered nonsense (data nested deeper than {depth} levels).",
                where=where, depth=untrusted_json.MAX_DEPTH,
            )) from exc
        except ValueError as exc:
            raise NetworkUnavailable(Msg("{where} answered with malformed data.",
                                         where=where)) from exc

    def _retry_after(self, response: httpx.Response) -> float | None:
        now = self._clock.now().timestamp()
        raw = response.headers.get("retry-after")
        if raw is not None:
            parsed = parse_retry_after(raw, now)
            if parsed is not None:
                return parsed
        budget = parse_rate_limit_headers(response.headers, now)
        if budget.reset_at is not None:
            return max(0.0, budget.reset_at - now)
        return None

    async def _is_rate_limit(self, response: httpx.Response) -> bool:
        """GitHub answers an exhausted limit with 403, told apart from a real refusal."""
        headers = response.headers
        if "retry-after" in headers:
            return True
        if headers.get("x-ratelimit-remaining", "").strip() == "0":
            return True
        try:
            body = await self._read_bounded(response, cap=65_536)
        except NetworkError:
            return False
        return b"rate limit" in body.lower()

    async def _read_bounded(self, response: httpx.Response, cap: int | None = None) -> bytes:
        """Read at most `cap` bytes (wire and decoded), abandoning the rest unread."""
        limit = self.max_bytes if cap is None else cap
        where = self._where(response.url)
        too_large = ResponseTooLarge(Msg(
            "{where} sent an answer larger than {limit} bytes; it was not read.",
            where=where, limit=Number(limit),
        ))
        declared = ascii_int(response.headers.get("content-length", ""), ceiling=2**63)
        if declared is not None and declared > limit:
            raise too_large
        if response.is_stream_consumed:
            # Built in memory (httpx.MockTransport): already whole and decoded.
            if len(response.content) > limit:
                raise too_large
            return response.content
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("", "identity"):
            inflater = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
        else:
            raise NetworkUnavailable(Msg(
                "{where} answered in an unsupported encoding ({encoding}).",
                where=where, encoding=encoding))
        body = bytearray()
        wire = 0
        try:
            async for chunk in response.aiter_raw():
                wire += len(chunk)
                if wire > limit:
                    raise too_large
                if inflater is None:
                    body += chunk
                else:
                    body += inflater.decompress(chunk, limit - len(body) + 1)
                    if inflater.unconsumed_tail or len(body) > limit:
                        raise too_large
            if inflater is not None:
                body += inflater.flush()
        except zlib.error as exc:
            raise NetworkUnavailable(Msg("{where} answered with malformed data.",
                                         where=where)) from exc
        if len(body) > limit:
            raise too_large
        return bytes(body)
