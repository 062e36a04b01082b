"""Each network's published request budget (see FACTS in the project's shared notes).

Kept apart from the clients so a benchmark or a deployment can read and
override them without building anything.
"""

from __future__ import annotations

from chatbot.influence.ratelimit import RateLimit

MASTODON = RateLimit(requests=300, per_seconds=300, concurrency=2)
"""Per instance. Refreshes go parallel across instances, not within one."""

MASTODON_PAGING = RateLimit(requests=300, per_seconds=900, concurrency=2)
"""Requests with max_id/min_id/since_id count here as well as in MASTODON."""

BLUESKY = RateLimit(requests=3000, per_seconds=300, concurrency=4)
"""The AppView publishes no figure; the PDS's 3,000 per 5 min is a safe ceiling."""

GITHUB_KEYLESS = RateLimit(requests=60, per_seconds=3600, concurrency=1)
"""One at a time: with N in flight up to N - 1 of the hour's 60 go unspent (see
RateLimiter.observe), and 60 requests take seconds anyway."""
GITHUB_WITH_TOKEN = RateLimit(requests=5000, per_seconds=3600, concurrency=8)

X = RateLimit(requests=300, per_seconds=900, concurrency=2)
"""The tightest app window among the endpoints used, since one budget covers the host."""

YOUTUBE = RateLimit(requests=10_000, per_seconds=86_400, concurrency=2)
"""10,000 quota units a day; every call used here costs 1 unit."""

LONGEST_WINDOW = max(limit.per_seconds for limit in (
    MASTODON, MASTODON_PAGING, BLUESKY, GITHUB_KEYLESS, GITHUB_WITH_TOKEN, X, YOUTUBE))
"""Seconds after which no request counts against any budget any more."""
