"""A local Mastodon instance, Bluesky AppView and GitHub API that enforce rate limits.

Each network counts requests in fixed windows the way the real service does
and answers with its own headers: Mastodon `X-RateLimit-*` with an ISO-8601
reset on windows aligned to the clock (Rack::Attack), GitHub `x-ratelimit-*`
with an epoch reset on a window that starts at the first request and a 403
"rate limit exceeded" when spent, Bluesky the PDS's `RateLimit-*` and a 429.
Every arrival is logged so the benchmark can check, afterwards, that no window
the server could have drawn (fixed or sliding) held more than the budget.

Time comes from an injected clock so the real published windows (5 minutes,
an hour) can be played faster: `DilatedClock` runs `factor` times real time and
its `sleep` waits 1/factor as long.
"""

from __future__ import annotations

import asyncio
import bisect
import time
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiohttp import web


class DilatedClock:
    """Wall time that runs `factor` times faster, starting at `start`.

    `real_origin` (a `time.monotonic()` reading, which is machine-wide on Linux) lets
    several processes share one dilated time: each builds its clock with the same three
    numbers (`shared_with` gives them).
    """

    def __init__(self, factor: float, start: datetime | None = None,
                 real_origin: float | None = None) -> None:
        self.factor = factor
        self._origin = (start or datetime.now(UTC)).timestamp()
        self._real_origin = time.monotonic() if real_origin is None else real_origin

    def shared_with(self) -> str:
        """"factor,start,real origin": what another process's clock needs to agree."""
        return f"{self.factor!r},{self._origin!r},{self._real_origin!r}"

    def restart(self, start: datetime) -> None:
        """Time is `start` now (once every party that shares the clock is ready)."""
        self._origin = start.timestamp()
        self._real_origin = time.monotonic()

    @classmethod
    def from_shared(cls, text: str) -> DilatedClock:
        factor, origin, real_origin = (float(part) for part in text.split(","))
        return cls(factor, datetime.fromtimestamp(origin, UTC), real_origin)

    def seconds(self) -> float:
        return self._origin + (time.monotonic() - self._real_origin) * self.factor

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.seconds(), UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.factor)


@dataclass
class WindowCounter:
    """One budget: `limit` requests per `window` seconds, counted the network's way."""

    limit: int
    window: float
    clock: DilatedClock
    aligned: bool
    """True: windows at multiples of `window` (Mastodon); False: from the first request."""
    started: float | None = None
    used: int = 0
    arrivals: list[float] = field(default_factory=list)
    rejected: int = 0

    def admit(self) -> tuple[bool, int, float]:
        """(allowed, remaining, reset epoch seconds) for a request arriving now."""
        now = self.clock.seconds()
        if self.aligned:
            start = (now // self.window) * self.window
            if start != self.started:
                self.started, self.used = start, 0
        elif self.started is None or now >= self.started + self.window:
            self.started, self.used = now, 0
        assert self.started is not None
        self.arrivals.append(now)
        if self.used >= self.limit:
            self.rejected += 1
            return False, 0, self.started + self.window
        self.used += 1
        return True, self.limit - self.used, self.started + self.window

    def busiest_sliding_window(self) -> int:
        """Most arrivals inside any `window`-long interval, wherever it starts."""
        times = sorted(self.arrivals)
        best = 0
        for index, start in enumerate(times):
            end = bisect.bisect_left(times, start + self.window, lo=index)
            best = max(best, end - index)
        return best


@dataclass
class ServedAccounts:
    """How many posts each fake account has inside and just outside the window."""

    posts_in_window: int = 12
    window_days: int = 90


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeNetworks:
    """The aiohttp app serving the three networks on one port, with a budget each."""

    def __init__(self, clock: DilatedClock, budgets: Mapping[str, tuple[int, float]],
                 accounts: ServedAccounts | None = None, *, publish_limits: bool = True
                 ) -> None:
        """`publish_limits=False` answers without rate-limit headers, as Bluesky's AppView
        does: a client then knows only what it counted itself."""
        self.clock = clock
        self.publish_limits = publish_limits
        self.accounts = accounts or ServedAccounts()
        self.counters = {
            "mastodon": WindowCounter(*budgets["mastodon"], clock, aligned=True),
            "bluesky": WindowCounter(*budgets["bluesky"], clock, aligned=False),
            "github": WindowCounter(*budgets["github"], clock, aligned=False),
        }
        self.requests: dict[str, dict[str, int]] = {net: {} for net in self.counters}
        self.posts_asked: dict[str, Counter[str]] = {net: Counter() for net in self.counters}
        """network -> account -> times its posts were asked for (answered or not): once
        per refresh of the account (the weekly post reads profiles and follows only)."""
        self.oversized_batches = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> int:
        app = web.Application()
        app.router.add_get("/api/v1/accounts/lookup", self._mastodon_lookup)
        app.router.add_get("/api/v1/accounts/{id}/statuses", self._mastodon_statuses)
        app.router.add_get("/api/v1/statuses/{id}/{kind}", self._mastodon_reactors)
        app.router.add_get("/xrpc/app.bsky.actor.getProfiles", self._bluesky_profiles)
        app.router.add_get("/xrpc/app.bsky.feed.getAuthorFeed", self._bluesky_feed)
        app.router.add_get("/xrpc/app.bsky.graph.getFollows", self._bluesky_follows)
        for method in ("getLikes", "getRepostedBy", "getPostThread"):
            app.router.add_get(f"/xrpc/app.bsky.feed.{method}", self._bluesky_reactors)
        app.router.add_get("/users/{login}", self._github_user)
        app.router.add_get("/users/{login}/repos", self._github_repos)
        app.router.add_get("/users/{login}/events/public", self._github_events)
        app.router.add_get("/users/{login}/following", self._github_following)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _count(self, network: str, endpoint: str) -> None:
        calls = self.requests[network]
        calls[endpoint] = calls.get(endpoint, 0) + 1

    # Posts: the newest inside the window, then one older so clients stop paging.
    def _post_times(self, seed: int) -> list[datetime]:
        now = self.clock.now()
        spread = self.accounts.window_days * 24 / (self.accounts.posts_in_window + 1)
        times = [now - timedelta(hours=spread * (n + 1) + seed % 7)
                 for n in range(self.accounts.posts_in_window)]
        times.append(now - timedelta(days=self.accounts.window_days + 5))
        return times

    # -- Mastodon ------------------------------------------------------------

    def _mastodon_gate(self) -> tuple[bool, dict[str, str]]:
        allowed, remaining, reset = self.counters["mastodon"].admit()
        headers = {
            "X-RateLimit-Limit": str(self.counters["mastodon"].limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": _iso(datetime.fromtimestamp(reset, UTC)),
        }
        return allowed, headers if self.publish_limits else {}

    async def _mastodon_lookup(self, request: web.Request) -> web.Response:
        allowed, headers = self._mastodon_gate()
        if not allowed:
            return web.json_response({"error": "Too many requests"}, status=429, headers=headers)
        self._count("mastodon", "accounts/lookup")
        user = request.query.get("acct", "")
        number = int("".join(ch for ch in user if ch.isdigit()) or 0)
        return web.json_response({
            "id": str(100_000 + number), "username": user, "acct": user,
            "display_name": user.title(), "note": "<p>Benchmark account</p>",
            "url": f"http://{request.host}/@{user}", "followers_count": 200 + number % 900,
            "following_count": 150, "statuses_count": 800 + number % 300, "fields": [],
            "bot": False, "group": False,
        }, headers=headers)

    async def _mastodon_statuses(self, request: web.Request) -> web.Response:
        self.posts_asked["mastodon"][request.match_info["id"]] += 1
        allowed, headers = self._mastodon_gate()
        if not allowed:
            return web.json_response({"error": "Too many requests"}, status=429, headers=headers)
        self._count("mastodon", "accounts/statuses")
        account = request.match_info["id"]
        seed = int(account) if account.isdigit() else 0
        statuses: list[dict[str, object]] = [
            {"id": f"{account}{n:03d}", "created_at": _iso(moment),
             "content": "<p>Shipping the release today</p>", "spoiler_text": "",
             "replies_count": n % 3, "reblogs_count": n % 5, "favourites_count": 2 * n,
             "media_attachments": [], "reblog": None, "in_reply_to_account_id": None}
            for n, moment in enumerate(self._post_times(seed))
        ]
        return web.json_response(statuses, headers=headers)

    async def _mastodon_reactors(self, request: web.Request) -> web.Response:
        """favourited_by, reblogged_by and context of a post: a few fans each."""
        allowed, headers = self._mastodon_gate()
        if not allowed:
            return web.json_response({"error": "Too many requests"}, status=429, headers=headers)
        kind = request.match_info["kind"]
        self._count("mastodon", f"statuses/{kind}")
        fans = [{"id": str(n), "uri": f"http://{request.host}/users/fan{n}"} for n in range(3)]
        if kind == "context":
            status = request.match_info["id"]
            replies = [{"id": f"{status}r{n}", "in_reply_to_id": status, "account": fan}
                       for n, fan in enumerate(fans)]
            return web.json_response({"ancestors": [], "descendants": replies}, headers=headers)
        return web.json_response(fans, headers=headers)

    # -- Bluesky -------------------------------------------------------------

    def _bluesky_gate(self) -> tuple[bool, dict[str, str]]:
        counter = self.counters["bluesky"]
        allowed, remaining, reset = counter.admit()
        headers = {
            "RateLimit-Limit": str(counter.limit),
            "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(int(reset)),
            "RateLimit-Policy": f"{counter.limit};w={int(counter.window)}",
        }
        return allowed, headers if self.publish_limits else {}

    async def _bluesky_profiles(self, request: web.Request) -> web.Response:
        allowed, headers = self._bluesky_gate()
        if not allowed:
            return web.json_response({"error": "RateLimitExceeded"}, status=429, headers=headers)
        actors = request.query.getall("actors", [])
        if len(actors) > 25:
            self.oversized_batches += 1
            return web.json_response({"error": "InvalidRequest"}, status=400, headers=headers)
        self._count("bluesky", "getProfiles")
        profiles = [
            {"did": f"did:plc:bench{actor.split('.')[0]}", "handle": actor,
             "displayName": actor, "description": "Benchmark account",
             "followersCount": 300 + len(actor), "followsCount": 120, "postsCount": 900}
            for actor in actors
        ]
        return web.json_response({"profiles": profiles}, headers=headers)

    async def _bluesky_feed(self, request: web.Request) -> web.Response:
        self.posts_asked["bluesky"][request.query.get("actor", "")] += 1
        allowed, headers = self._bluesky_gate()
        if not allowed:
            return web.json_response({"error": "RateLimitExceeded"}, status=429, headers=headers)
        self._count("bluesky", "getAuthorFeed")
        did = request.query.get("actor", "")
        feed = [
            {"post": {"uri": f"at://{did}/app.bsky.feed.post/{n}", "author": {"did": did},
                      "record": {"createdAt": _iso(moment), "text": "Benchmark post"},
                      "indexedAt": _iso(moment), "replyCount": n % 3, "repostCount": n % 4,
                      "likeCount": 3 * n, "quoteCount": 0}}
            for n, moment in enumerate(self._post_times(len(did)))
        ]
        return web.json_response({"feed": feed, "cursor": "next-page"}, headers=headers)

    async def _bluesky_follows(self, request: web.Request) -> web.Response:
        """Nobody follows anyone yet: every member can be suggested to every other."""
        allowed, headers = self._bluesky_gate()
        if not allowed:
            return web.json_response({"error": "RateLimitExceeded"}, status=429, headers=headers)
        self._count("bluesky", "getFollows")
        return web.json_response({"follows": []}, headers=headers)

    async def _bluesky_reactors(self, request: web.Request) -> web.Response:
        """getLikes, getRepostedBy and getPostThread of a post: a few fans each."""
        allowed, headers = self._bluesky_gate()
        if not allowed:
            return web.json_response({"error": "RateLimitExceeded"}, status=429, headers=headers)
        method = request.path.rsplit(".", 1)[-1]
        self._count("bluesky", method)
        fans = [{"did": f"did:plc:benchfan{n}"} for n in range(3)]
        body: dict[str, object] = {
            "getLikes": {"likes": [{"actor": fan} for fan in fans]},
            "getRepostedBy": {"repostedBy": fans},
            "getPostThread": {"thread": {"replies": [{"post": {"author": fan}} for fan in fans]}},
        }[method]
        return web.json_response(body, headers=headers)

    # -- GitHub --------------------------------------------------------------

    def _github_gate(self) -> tuple[web.Response | None, dict[str, str]]:
        counter = self.counters["github"]
        allowed, remaining, reset = counter.admit()
        headers = {
            "x-ratelimit-limit": str(counter.limit),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(int(reset)),
            "x-ratelimit-used": str(counter.used),
            "x-ratelimit-resource": "core",
        } if self.publish_limits else {}
        if allowed:
            return None, headers
        refusal = web.json_response(
            {"message": "API rate limit exceeded for 127.0.0.1.",
             "documentation_url": "https://docs.github.com/rest/rate-limit"},
            status=403, headers=headers)
        return refusal, headers

    async def _github_user(self, request: web.Request) -> web.Response:
        refusal, headers = self._github_gate()
        if refusal is not None:
            return refusal
        self._count("github", "users")
        login = request.match_info["login"]
        return web.json_response({
            # One id per account, as GitHub's: claims are keyed by it.
            "login": login, "id": 5_000_000 + zlib.crc32(login.encode()), "name": login.title(),
            "type": "User", "followers": 120, "following": 40, "public_repos": 3,
            "bio": "Benchmark account", "blog": "", "company": "",
            "html_url": f"https://github.com/{login}",
        }, headers=headers)

    async def _github_repos(self, request: web.Request) -> web.Response:
        refusal, headers = self._github_gate()
        if refusal is not None:
            return refusal
        self._count("github", "repos")
        return web.json_response([
            {"name": f"repo{n}", "stargazers_count": 10 * n, "forks_count": n}
            for n in range(3)
        ], headers=headers)

    async def _github_following(self, request: web.Request) -> web.Response:
        """Follows nobody yet, like the other networks' accounts."""
        refusal, headers = self._github_gate()
        if refusal is not None:
            return refusal
        self._count("github", "following")
        return web.json_response([], headers=headers)

    async def _github_events(self, request: web.Request) -> web.Response:
        self.posts_asked["github"][request.match_info["login"]] += 1
        refusal, headers = self._github_gate()
        if refusal is not None:
            return refusal
        self._count("github", "events")
        login = request.match_info["login"]
        events = [
            {"id": f"{len(login)}{n:04d}", "type": "PushEvent", "created_at": _iso(moment),
             "payload": {}}
            for n, moment in enumerate(self._post_times(len(login)))
        ]
        return web.json_response(events, headers=headers)

__all__ = ["DilatedClock", "FakeNetworks", "ServedAccounts", "WindowCounter"]
