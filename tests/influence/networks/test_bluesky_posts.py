"""Bluesky for score v2: own posts only (reposts skipped, own ones too), paging, reactors."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web

from chatbot.influence.networks.bluesky import BlueskyClient
from chatbot.values.accounts import Profile
from tests.influence.networks.network_fakes import (
    FakeApi,
    MakeFetcher,
    json_response,
    shared_json,
)
from tests.influence.networks.test_bluesky_client import FEED, SHINYA_DID, feed_post

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
OWN = f"at://{SHINYA_DID}/app.bsky.feed.post/"
OTHER = "at://did:plc:someoneelse/app.bsky.feed.post/"
PROFILE = Profile("bluesky", "shinyakato.dev", SHINYA_DID)


@pytest.fixture
def bluesky(fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher) -> BlueskyClient:
    return BlueskyClient(make_fetcher(http, "Bluesky"), base_url=fake_api.base_url)


def at(day: float) -> str:
    return (datetime(2026, 3, 1, tzinfo=UTC) - timedelta(days=day)).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )


def repost_item(post: dict[str, Any], when: str) -> dict[str, Any]:
    return {
        "post": post,
        "reason": {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "by": {"did": SHINYA_DID, "handle": "shinyakato.dev"},
            "indexedAt": when,
        },
    }


async def test_a_repost_of_ones_own_post_is_neither_a_new_post_nor_a_repost(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    own = feed_post(OWN + "mine", at(5))
    fake_api.serve(
        FEED,
        {
            "feed": [
                repost_item(own, at(1)),
                repost_item(feed_post(OTHER + "theirs", at(9), author="did:plc:someoneelse"),
                            at(2)),
                {"post": own},
            ]
        },
    )

    posts = await bluesky.fetch_posts(PROFILE, SINCE)

    assert [(post.id, post.is_repost, post.likes) for post in posts] == [(OWN + "mine", False, 3)]


async def test_three_hundred_reposts_do_not_push_own_posts_out_and_paging_follows_the_cursor(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    items: list[dict[str, Any]] = []
    for index in range(312):
        if index % 26 == 25:
            items.append({"post": feed_post(f"{OWN}{index}", at(index / 4))})
        else:
            other = feed_post(f"{OTHER}{index}", at(100), author="did:plc:someoneelse")
            items.append(repost_item(other, at(index / 4)))

    async def feed(request: web.Request) -> web.StreamResponse:
        start = int(request.query.get("cursor", "0"))
        page = items[start : start + int(request.query["limit"])]
        more = start + len(page) < len(items)
        return json_response({"feed": page, **({"cursor": str(start + 100)} if more else {})})

    fake_api.route(FEED, feed)

    posts = await bluesky.fetch_posts(PROFILE, datetime(2025, 12, 1, tzinfo=UTC))

    assert len(posts) == 12 and not any(post.is_repost for post in posts)
    assert [seen.param("cursor") for seen in fake_api.requests_to(FEED)] == [None, "100", "200",
                                                                             "300"]


async def test_paging_stops_once_an_old_repost_shows_the_window_is_covered(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    other = feed_post(OTHER + "x", at(200), author="did:plc:someoneelse")
    fake_api.serve(
        FEED,
        {"feed": [{"post": feed_post(OWN + "new", at(1))}, repost_item(other, at(100))],
         "cursor": "more"},
    )

    posts = await bluesky.fetch_posts(PROFILE, SINCE)

    assert [post.id for post in posts] == [OWN + "new"]
    assert len(fake_api.requests_to(FEED)) == 1


async def test_paging_stops_at_the_page_budget(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    async def feed(request: web.Request) -> web.StreamResponse:
        start = int(request.query.get("cursor", "0"))
        page = [{"post": feed_post(f"{OWN}{n}", at(n / 100))} for n in range(start, start + 100)]
        return json_response({"feed": page, "cursor": str(start + 100)})

    fake_api.route(FEED, feed)

    posts = await bluesky.fetch_posts(PROFILE, SINCE)

    assert bluesky.page_cap == 5
    assert len(fake_api.requests_to(FEED)) == 5 and len(posts) == 500


async def test_the_top_posts_get_their_likers_reposters_and_repliers_sampled(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    thread = shared_json("bluesky/getPostThread_embed_recordWithMedia_marshalx.json")
    reply = copy.deepcopy(thread["thread"])
    reply["post"]["author"]["did"] = "did:plc:replier"
    thread["thread"]["replies"] = [reply, copy.deepcopy(reply)]
    fake_api.serve(
        FEED,
        {
            "feed": [
                {"post": feed_post(OWN + "quiet", at(1), likeCount=0, replyCount=0,
                                   repostCount=0)},
                {"post": feed_post(OWN + "hit", at(2), likeCount=3, replyCount=2,
                                   repostCount=1)},
            ]
        },
    )

    async def likes(request: web.Request) -> web.StreamResponse:
        assert request.query["uri"] == OWN + "hit"
        return json_response(
            {"uri": OWN + "hit", "likes": [{"actor": {"did": f"did:plc:{who}"}}
                                           for who in ("ann", "bob", "replier")]}
        )

    fake_api.route("/xrpc/app.bsky.feed.getLikes", likes)
    fake_api.serve("/xrpc/app.bsky.feed.getRepostedBy", {"repostedBy": [{"did": "did:plc:ann"}]})
    fake_api.serve("/xrpc/app.bsky.feed.getPostThread", thread)

    posts = {post.id: post for post in await bluesky.fetch_posts(PROFILE, SINCE)}

    assert posts[OWN + "hit"].reactors == (
        ("did:plc:replier", 3),
        ("did:plc:ann", 2),
        ("did:plc:bob", 1),
    )
    assert posts[OWN + "quiet"].reactors is None, "nobody reacted: nothing to sample"
    (thread_request,) = fake_api.requests_to("/xrpc/app.bsky.feed.getPostThread")
    assert thread_request.param("depth") == "1"


async def test_a_failed_or_rate_limited_sample_never_fails_the_refresh(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    fake_api.serve(
        FEED,
        {"feed": [{"post": feed_post(OWN + "a", at(1), likeCount=9)},
                  {"post": feed_post(OWN + "b", at(2), likeCount=5)}]},
    )

    async def likes(request: web.Request) -> web.StreamResponse:
        if request.query["uri"] == OWN + "a":
            return json_response({"error": "InternalServerError"}, status=502)
        return json_response({"error": "RateLimitExceeded"}, status=429,
                             headers={"Retry-After": "3600"})

    fake_api.route("/xrpc/app.bsky.feed.getLikes", likes)

    posts = await bluesky.fetch_posts(PROFILE, SINCE)

    assert [(post.id, post.likes, post.reactors) for post in posts] == [
        (OWN + "a", 9, None),
        (OWN + "b", 5, None),
    ]
