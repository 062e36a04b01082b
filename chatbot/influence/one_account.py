"""`kloutbot score NETWORK HANDLE`: one account, fetched now, nothing stored."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import httpx

from chatbot.clock import Clock, SystemClock
from chatbot.influence.networks import (
    build_clients,
    build_mastodon_http,
    get_network_name,
    parse_handle,
)
from chatbot.influence.networks.base import AccountSnapshot, NetworkError, fetch_profile
from chatbot.influence.score import SCORE_VERSION, score_account
from chatbot.settings import Settings


async def score_one(
    settings: Settings,
    network_name: str,
    raw_handle: str,
    *,
    http: httpx.AsyncClient | None = None,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """Raises ValueError with a message for people on any failure."""
    clock = clock or SystemClock()
    try:
        network = get_network_name(network_name)
        handle = parse_handle(network, raw_handle,
                              allow_private=settings.klout_allow_private_networks)
    except NetworkError as exc:
        raise ValueError(str(exc)) from None
    async with AsyncExitStack() as stack:
        guarded = await stack.enter_async_context(build_mastodon_http(settings))
        if http is None:
            http = await stack.enter_async_context(
                httpx.AsyncClient(timeout=settings.klout_http_timeout_seconds))
        client = build_clients(settings, http, clock=clock, sleep=asyncio.sleep,
                               mastodon_http=guarded)[network]
        try:
            found = await fetch_profile(client, handle)
            now = clock.now()
            window = settings.klout_score_window_days
            posts = await client.fetch_posts(found, now - timedelta(days=window))
        except NetworkError as exc:
            raise ValueError(str(exc)) from None
    result = score_account(AccountSnapshot(found, tuple(posts), now), now, window)
    # replies, reposts, quotes and likes are the counted ones: own posts in the window,
    # self-replies and the account's own reactions taken out.
    metrics = dict(result.metrics)
    metrics.update(
        followers=found.followers,
        following=found.following,
        posts=found.posts_count,
        posts_read=len(posts),
    )
    return {
        "network": network,
        "handle": found.handle,
        "display_name": found.display_name,
        "score": max(1, min(100, round(result.score))),
        "version": SCORE_VERSION,
        "components": dict(result.components),
        "metrics": metrics,
        "flags": sorted(found.flags),
    }
