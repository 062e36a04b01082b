from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiohttp import web

from chatbot.influence.networks.bluesky import BlueskyClient, handle_for_humans, parse_handle
from chatbot.values.accounts import Profile
from chatbot.values.network_errors import AccountNotFound, InvalidHandle
from tests.influence.networks.network_fakes import (
    FakeApi,
    MakeFetcher,
    json_response,
    shared_fixture,
    shared_json,
)

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
SHINYA_DID = "did:plc:iijrtk7ocored6zuziwmqq3c"
PROFILES = "/xrpc/app.bsky.actor.getProfiles"
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"


@pytest.fixture
def bluesky(fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher) -> BlueskyClient:
    return BlueskyClient(make_fetcher(http, "Bluesky"), base_url=fake_api.base_url + "/")


def profile_data(handle: str, **extra: Any) -> dict[str, Any]:
    return {
        "did": f"did:plc:{(handle.replace('.', '') + 'a' * 24)[:24]}",
        "handle": handle,
        "followersCount": 3,
        "followsCount": 4,
        "postsCount": 5,
        **extra,
    }


def feed_post(uri: str, created: str, author: str = SHINYA_DID, **extra: Any) -> dict[str, Any]:
    return {
        "uri": uri,
        "author": {"did": author, "handle": "shinyakato.dev"},
        "record": {"text": "hello", "createdAt": created},
        "indexedAt": created,
        "replyCount": 1,
        "repostCount": 2,
        "likeCount": 3,
        **extra,
    }


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("@Alice.bsky.social", "alice.bsky.social"),
        ("shinyakato.dev", "shinyakato.dev"),
        ("did:plc:iijrtk7ocored6zuziwmqq3c", "did:plc:iijrtk7ocored6zuziwmqq3c"),
        ("did:web:example.com", "did:web:example.com"),
    ],
)
def test_handles_domains_and_dids_are_accepted(raw: str, canonical: str) -> None:
    assert parse_handle(raw) == canonical


@pytest.mark.parametrize(
    "raw", ["alice", "alice.bsky.social.", "alice..social", "did:plc:short", "al_ice.bsky.social"]
)
def test_malformed_bluesky_handles_are_refused_with_an_example(raw: str) -> None:
    with pytest.raises(InvalidHandle, match=r"@name\.bsky\.social"):
        parse_handle(raw)


def test_handles_are_shown_with_an_at_sign_and_dids_without() -> None:
    assert handle_for_humans("alice.bsky.social") == "@alice.bsky.social"
    assert handle_for_humans(SHINYA_DID) == SHINYA_DID


async def test_real_profiles_are_read_with_counts_and_trimmed_names(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    fake_api.serve(PROFILES, shared_fixture("bluesky/getProfiles_shinyakato_maya_2023-03.json"))

    found = await bluesky.fetch_profiles(["@ShinyaKato.dev", "maya.bsky.social"])

    shinya, maya = found["@ShinyaKato.dev"], found["maya.bsky.social"]
    assert isinstance(shinya, Profile) and isinstance(maya, Profile)
    assert fake_api.seen[0].params("actors") == ["shinyakato.dev", "maya.bsky.social"]
    assert shinya.account_id == SHINYA_DID
    assert (shinya.followers, shinya.following, shinya.posts_count) == (406, 3251, 771)
    assert maya.display_name == "Maya"
    assert "Dog Mom" in maya.bio
    assert maya.flags == frozenset(), "a profile without labels has no flags"


async def test_sixty_handles_take_three_batched_requests(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    async def profiles(request: web.Request) -> web.StreamResponse:
        actors = request.query.getall("actors")
        return json_response({"profiles": [profile_data(actor) for actor in actors]})

    fake_api.route(PROFILES, profiles)
    handles = [f"member{i}.bsky.social" for i in range(60)]

    found = await bluesky.fetch_profiles(handles)

    assert [len(seen.params("actors")) for seen in fake_api.seen] == [25, 25, 10]
    assert all(isinstance(found[handle], Profile) for handle in handles)


async def test_a_handle_missing_from_the_batch_answer_is_not_found(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    fake_api.serve(PROFILES, {"profiles": [profile_data("here.bsky.social")]})

    found = await bluesky.fetch_profiles(["here.bsky.social", "gone.bsky.social"])

    assert isinstance(found["here.bsky.social"], Profile)
    assert isinstance(found["gone.bsky.social"], AccountNotFound)


async def test_moderation_labels_become_flags(fake_api: FakeApi, bluesky: BlueskyClient) -> None:
    actors = shared_json("bluesky/searchActorsTypeahead_labels_2023-05.json")["actors"]
    labelled = next(actor for actor in actors if actor.get("labels"))
    fake_api.serve(PROFILES, {"profiles": [labelled]})

    found = await bluesky.fetch_profiles([labelled["handle"]])

    profile = found[labelled["handle"]]
    assert isinstance(profile, Profile)
    assert "label:impersonation" in profile.flags


async def test_a_real_author_feed_keeps_own_posts_and_skips_reposts_of_others(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    feed = shared_json("bluesky/getAuthorFeed_shinyakato_2023-04.json")
    fake_api.serve(FEED, {"feed": feed["feed"]})  # no cursor: one page
    profile = Profile("bluesky", "shinyakato.dev", SHINYA_DID)

    posts = await bluesky.fetch_posts(profile, LONG_AGO)

    assert len(posts) == 23, "25 items, 2 of them reposts of other people's posts"
    assert not any(post.is_repost for post in posts)
    assert all(post.id.startswith(f"at://{SHINYA_DID}/") for post in posts)
    own = {post.id: post for post in posts}
    with_image = own["at://did:plc:iijrtk7ocored6zuziwmqq3c/app.bsky.feed.post/3jukoxegkhw2s"]
    assert (with_image.replies, with_image.reposts, with_image.likes) == (3, 2, 44)
    assert with_image.has_media and not with_image.is_reply
    assert all(post.quotes == 0 for post in own.values()), "quoteCount is absent in 2023"
    assert sum(post.is_reply for post in own.values()) == 20
    assert not any(post.reply_to_self for post in own.values()), "all in other people's threads"
    replies = [post for post in own.values() if post.is_reply]
    assert all(post.parent_id.startswith("at://did:plc:") for post in replies)
    assert posts == sorted(posts, key=lambda post: post.created_at, reverse=True)
    seen = fake_api.seen[0]
    assert (seen.param("actor"), seen.param("limit")) == (SHINYA_DID, "100")


async def test_feed_pages_with_the_cursor_and_an_old_pinned_post_does_not_stop_it(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    base = "at://did:plc:iijrtk7ocored6zuziwmqq3c/app.bsky.feed.post/"
    thread = shared_json("bluesky/getPostThread_embed_recordWithMedia_marshalx.json")
    with_media = copy.deepcopy(thread["thread"]["post"])
    with_media["author"]["did"] = SHINYA_DID
    with_media["record"]["createdAt"] = with_media["indexedAt"] = "2026-02-08T00:00:00Z"

    async def feed(request: web.Request) -> web.StreamResponse:
        if "cursor" not in request.query:
            return json_response(
                {
                    "feed": [
                        {
                            "post": feed_post(base + "pinned", "2020-01-01T00:00:00Z"),
                            "reason": {"$type": "app.bsky.feed.defs#reasonPin"},
                        },
                        {"post": feed_post(base + "p3", "2026-02-10T00:00:00Z")},
                        {"post": with_media},
                    ],
                    "cursor": "page2",
                }
            )
        return json_response(
            {
                "feed": [
                    {"post": feed_post(base + "p2", "2026-02-05T00:00:00Z")},
                    {"post": feed_post(base + "p1", "2026-01-05T00:00:00Z")},
                ],
                "cursor": "page3",
            }
        )

    fake_api.route(FEED, feed)
    profile = Profile("bluesky", "shinyakato.dev", SHINYA_DID)

    posts = await bluesky.fetch_posts(profile, datetime(2026, 2, 1, tzinfo=UTC))

    assert [post.id for post in posts] == [base + "p3", with_media["uri"], base + "p2"]
    assert posts[1].has_media, "recordWithMedia carries images"
    assert [seen.param("cursor") for seen in fake_api.requests_to(FEED)] == [None, "page2"]


async def test_a_reply_in_ones_own_thread_is_flagged_as_a_reply_to_self(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    base = f"at://{SHINYA_DID}/app.bsky.feed.post/"
    own_parent = {"parent": {"uri": base + "root"}, "root": {"uri": base + "root"}}
    other_parent = {"parent": {"uri": "at://did:plc:other/app.bsky.feed.post/x"}}
    self_reply = feed_post(base + "a", "2026-02-02T00:00:00Z")
    self_reply["record"]["reply"] = own_parent
    reply = feed_post(base + "b", "2026-02-03T00:00:00Z")
    reply["record"]["reply"] = other_parent
    reply["record"]["text"] = "what do you think?"
    fake_api.serve(FEED, {"feed": [{"post": reply}, {"post": self_reply}]})
    profile = Profile("bluesky", "shinyakato.dev", SHINYA_DID)

    posts = {post.id: post for post in await bluesky.fetch_posts(profile, LONG_AGO)}

    assert posts[base + "b"].is_reply and posts[base + "b"].is_question
    assert not posts[base + "b"].reply_to_self
    assert posts[base + "b"].parent_id == "at://did:plc:other/app.bsky.feed.post/x"
    assert posts[base + "a"].is_reply and posts[base + "a"].reply_to_self
    assert posts[base + "a"].parent_id == base + "root"


async def test_following_is_read_from_get_follows(
    fake_api: FakeApi, bluesky: BlueskyClient
) -> None:
    fake_api.serve(
        "/xrpc/app.bsky.graph.getFollows", shared_fixture("bluesky/getFollows_marshalx_2024.json")
    )
    profile = Profile("bluesky", "test.marshal.dev", "did:plc:kvwvcn5iqfooopmyzvb4qzba")

    follows = await bluesky.fetch_following(profile)

    assert follows == {
        "why.bsky.team",
        "divy.zone",
        "jay.bsky.team",
        "bsky.app",
        "vercel.com",
        "marshal.dev",
    }
