from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiohttp import web

from chatbot.influence.networks.x import XClient, parse_handle, snowflake_time
from chatbot.values.accounts import Profile
from chatbot.values.network_errors import AccountNotFound, InvalidHandle, NetworkNotConfigured
from tests.influence.networks.network_fakes import (
    FakeApi,
    MakeFetcher,
    json_response,
    shared_json,
)

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
USERS = "/2/users/by"


def x_client(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher, token: str | None
) -> XClient:
    return XClient(make_fetcher(http, "X"), base_url=fake_api.base_url, token=token)


def serve_one_page(fake_api: FakeApi, path: str, fixture: str) -> None:
    """The recorded page first; its next_token then leads to an empty page."""
    recorded = shared_json(fixture)

    async def timeline(request: web.Request) -> web.StreamResponse:
        if "pagination_token" in request.query:
            return json_response({"meta": {"result_count": 0}})
        return json_response(recorded)

    fake_api.route(path, timeline)


@pytest.fixture
def x(fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher) -> XClient:
    return x_client(fake_api, http, make_fetcher, token="test-bearer")


def test_handles_are_up_to_fifteen_word_characters() -> None:
    assert parse_handle("@TwitterDev") == "twitterdev"
    for raw in ("", "@", "a" * 16, "has-dash", "dot.ted"):
        with pytest.raises(InvalidHandle, match="@name"):
            parse_handle(raw)


async def test_without_a_bearer_token_every_call_says_which_setting_is_missing(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher
) -> None:
    client = x_client(fake_api, http, make_fetcher, token=None)
    profile = Profile("x", "twitterdev", "2244994945")

    for call in (
        client.fetch_profiles(["twitterdev"]),
        client.fetch_posts(profile, LONG_AGO),
        client.fetch_following(profile),
    ):
        with pytest.raises(NetworkNotConfigured, match="X_BEARER_TOKEN"):
            await call
    assert fake_api.seen == []


async def test_real_users_are_read_with_metrics_and_expanded_links(
    fake_api: FakeApi, x: XClient
) -> None:
    fake_api.serve(USERS, shared_json("x/users_by_usernames_Twitter_TwitterDev_2020.json"))

    found = await x.fetch_profiles(["Twitter", "@TwitterDev"])

    twitter, dev = found["Twitter"], found["@TwitterDev"]
    assert isinstance(twitter, Profile) and isinstance(dev, Profile)
    assert twitter.followers == 58_677_711
    assert (dev.followers, dev.following, dev.posts_count) == (514_020, 2038, 3639)
    assert "https://developer.twitter.com/en/community" in dev.bio
    seen = fake_api.seen[0]
    assert seen.param("usernames") == "twitter,twitterdev"
    assert "public_metrics" in (seen.param("user.fields") or "")
    assert seen.headers["Authorization"] == "Bearer test-bearer"


async def test_a_user_answer_without_public_metrics_gives_zeros_that_are_flagged(
    fake_api: FakeApi, x: XClient
) -> None:
    single = shared_json("x/user_by_username_Twitter_default_fields_tweepy.json")
    fake_api.serve(USERS, {"data": [single["data"]]})

    profile = (await x.fetch_profiles(["twitter"]))["twitter"]

    assert isinstance(profile, Profile)
    assert profile.account_id == "783214"
    assert profile.followers == 0
    assert "metrics_hidden" in profile.flags


async def test_a_hundred_and_fifty_handles_take_two_requests(fake_api: FakeApi, x: XClient) -> None:
    async def users(request: web.Request) -> web.StreamResponse:
        names = request.query["usernames"].split(",")
        return json_response(
            {"data": [{"id": str(i), "username": name} for i, name in enumerate(names, 1)]}
        )

    fake_api.route(USERS, users)
    handles = [f"user{i}" for i in range(150)]

    found = await x.fetch_profiles(handles)

    assert [len((seen.param("usernames") or "").split(",")) for seen in fake_api.seen] == [100, 50]
    assert all(isinstance(found[handle], Profile) for handle in handles)


async def test_missing_and_suspended_users_are_reported_per_handle(
    fake_api: FakeApi, x: XClient
) -> None:
    fake_api.serve(
        USERS,
        {
            "data": [{"id": "1", "username": "here"}],
            "errors": [
                {
                    "value": "gone",
                    "detail": "Could not find user with usernames: [gone].",
                    "title": "Not Found Error",
                },
                {
                    "value": "banned",
                    "detail": "User has been suspended: [banned].",
                    "title": "Forbidden",
                },
            ],
        },
    )

    found = await x.fetch_profiles(["here", "gone", "banned"])

    assert isinstance(found["here"], Profile)
    assert isinstance(found["gone"], AccountNotFound)
    assert isinstance(found["banned"], AccountNotFound)
    assert "suspended" in str(found["banned"])


async def test_real_tweets_carry_their_counts(fake_api: FakeApi, x: XClient) -> None:
    serve_one_page(fake_api, "/2/users/2244994945/tweets", "x/user_tweets_TwitterDev_2021-02.json")

    posts = await x.fetch_posts(Profile("x", "twitterdev", "2244994945"), LONG_AGO)

    assert len(posts) == 5
    newest = posts[0]
    assert newest.id == "1364275610764201984"
    assert (newest.reposts, newest.replies, newest.likes, newest.quotes) == (10, 2, 37, 1)
    seen = fake_api.seen[0]
    assert "public_metrics" in (seen.param("tweet.fields") or "")
    assert seen.param("max_results") == "100"
    assert seen.param("start_time") == "2000-01-01T00:00:00Z"


async def test_retweets_are_skipped_so_nobody_is_credited_with_the_originals_counts(
    fake_api: FakeApi, x: XClient
) -> None:
    recorded = shared_json("x/quote_tweets_2022.json")["data"]
    fake_api.serve("/2/users/29757971/tweets", {"data": recorded})

    posts = {post.id: post for post in await x.fetch_posts(Profile("x", "a", "29757971"), LONG_AGO)}

    retweets = [tweet for tweet in recorded if tweet["text"].startswith("RT @")]
    assert sum(tweet["public_metrics"]["retweet_count"] for tweet in retweets) >= 160
    assert not any(tweet["id"] in posts for tweet in retweets)
    others = [tweet for tweet in recorded if not tweet["text"].startswith("RT @")]
    assert others and all(tweet["id"] in posts for tweet in others)
    assert fake_api.seen[0].param("exclude") == "retweets"


async def test_tweets_without_metrics_or_dates_are_dated_by_id_and_flagged(
    fake_api: FakeApi, x: XClient
) -> None:
    serve_one_page(
        fake_api, "/2/users/783214/tweets", "x/users_tweets_Twitter_default_fields_tweepy.json"
    )

    posts = await x.fetch_posts(Profile("x", "twitter", "783214"), LONG_AGO)

    assert [post.id for post in posts] == ["1577730467436138524", "1565318587736285184"]
    assert all(post.metrics_hidden and post.likes == 0 for post in posts)
    assert posts[0].created_at.date() == datetime(2022, 10, 5, tzinfo=UTC).date()


def test_snowflake_ids_date_tweets() -> None:
    moment = snowflake_time("1364275610764201984")
    assert moment is not None
    assert moment.replace(microsecond=0) == datetime(2021, 2, 23, 18, 7, 7, tzinfo=UTC)


async def test_timelines_page_with_the_pagination_token(fake_api: FakeApi, x: XClient) -> None:
    def tweet(tweet_id: str, day: int, **extra: Any) -> dict[str, Any]:
        return {
            "id": tweet_id,
            "text": "hi",
            "created_at": f"2026-02-{day:02d}T00:00:00.000Z",
            "public_metrics": {
                "retweet_count": 1,
                "reply_count": 2,
                "like_count": 3,
                "quote_count": 0,
            },
            **extra,
        }

    async def tweets(request: web.Request) -> web.StreamResponse:
        if request.query.get("pagination_token") == "next1":
            return json_response({"data": [tweet("1", 5)], "meta": {"result_count": 1}})
        return json_response(
            {
                "data": [
                    tweet(
                        "4",
                        10,
                        referenced_tweets=[{"type": "replied_to", "id": "3"}],
                        in_reply_to_user_id="42",
                    ),
                    tweet(
                        "3",
                        9,
                        referenced_tweets=[{"type": "replied_to", "id": "0"}],
                        in_reply_to_user_id="777",
                    ),
                    tweet("2", 8, attachments={"media_keys": ["3_1"]}),
                ],
                "meta": {"next_token": "next1"},
            }
        )

    fake_api.route("/2/users/42/tweets", tweets)

    posts = await x.fetch_posts(Profile("x", "alice", "42"), LONG_AGO)

    assert [post.id for post in posts] == ["4", "3", "2", "1"]
    assert posts[0].is_reply and posts[0].reply_to_self and posts[0].parent_id == "3"
    assert posts[1].is_reply and not posts[1].reply_to_self and posts[1].parent_id == "0"
    assert posts[2].has_media and not posts[2].is_reply and posts[2].parent_id == ""
    assert [seen.param("pagination_token") for seen in fake_api.seen] == [None, "next1"]


async def test_following_is_read_as_usernames(fake_api: FakeApi, x: XClient) -> None:
    fake_api.serve(
        "/2/users/42/following",
        {"data": [{"id": "1", "username": "Bob"}], "meta": {"result_count": 1}},
    )

    assert await x.fetch_following(Profile("x", "alice", "42")) == {"bob"}
