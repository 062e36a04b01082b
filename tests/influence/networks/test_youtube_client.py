from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiohttp import web

from chatbot.influence.networks.youtube import YouTubeClient, parse_handle
from chatbot.values.accounts import Profile
from chatbot.values.network_errors import AccountNotFound, InvalidHandle, NetworkNotConfigured
from tests.influence.networks.network_fakes import FakeApi, MakeFetcher, json_response

CHANNEL_ID = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
UPLOADS = "UU_x5XG1OV2P6uZZ5FSM9Ttw"


def youtube_client(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher, key: str | None
) -> YouTubeClient:
    return YouTubeClient(make_fetcher(http, "YouTube"), base_url=fake_api.base_url, api_key=key)


@pytest.fixture
def youtube(fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher) -> YouTubeClient:
    return youtube_client(fake_api, http, make_fetcher, key="yt-key")


def channel(**statistics: Any) -> dict[str, Any]:
    return {
        "items": [
            {
                "id": CHANNEL_ID,
                "snippet": {"title": "Google for Developers", "description": "Build. klout-ABCD"},
                "statistics": {
                    "viewCount": "250000000",
                    "subscriberCount": "2400000",
                    "hiddenSubscriberCount": False,
                    "videoCount": "6000",
                    **statistics,
                },
                "contentDetails": {"relatedPlaylists": {"uploads": UPLOADS}},
            }
        ]
    }


def test_handles_follow_youtubes_rules() -> None:
    assert parse_handle("@GoogleDevelopers") == "googledevelopers"
    for raw in ("@ab", "@" + "a" * 31, "@has space", "@.dot"):
        with pytest.raises(InvalidHandle, match="YouTube"):
            parse_handle(raw)


async def test_without_an_api_key_every_call_says_which_setting_is_missing(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher
) -> None:
    client = youtube_client(fake_api, http, make_fetcher, key=None)
    profile = Profile("youtube", "googledevelopers", CHANNEL_ID)

    for call in (
        client.fetch_profiles(["googledevelopers"]),
        client.fetch_posts(profile, datetime(2026, 1, 1, tzinfo=UTC)),
        client.fetch_following(profile),
    ):
        with pytest.raises(NetworkNotConfigured, match="YOUTUBE_API_KEY"):
            await call
    assert fake_api.seen == []


async def test_a_channel_is_found_by_handle_with_its_audience_and_views(
    fake_api: FakeApi, youtube: YouTubeClient
) -> None:
    fake_api.serve("/channels", channel())

    profile = (await youtube.fetch_profiles(["@GoogleDevelopers"]))["@GoogleDevelopers"]

    assert isinstance(profile, Profile)
    assert (profile.account_id, profile.followers, profile.posts_count) == (
        CHANNEL_ID,
        2_400_000,
        6000,
    )
    assert profile.extra["views"] == 250_000_000
    assert "klout-ABCD" in profile.bio
    seen = fake_api.seen[0]
    assert seen.param("forHandle") == "@googledevelopers"
    assert seen.param("key") == "yt-key"


async def test_a_hidden_subscriber_count_is_flagged_not_guessed(
    fake_api: FakeApi, youtube: YouTubeClient
) -> None:
    fake_api.serve("/channels", channel(hiddenSubscriberCount=True, subscriberCount="0"))

    profile = (await youtube.fetch_profiles(["googledevelopers"]))["googledevelopers"]

    assert isinstance(profile, Profile)
    assert profile.followers == 0 and "followers_hidden" in profile.flags


async def test_an_unknown_handle_is_not_found(fake_api: FakeApi, youtube: YouTubeClient) -> None:
    fake_api.serve("/channels", {"kind": "youtube#channelListResponse", "pageInfo": {}})

    found = (await youtube.fetch_profiles(["nobody123"]))["nobody123"]

    assert isinstance(found, AccountNotFound)


async def test_recent_uploads_become_posts_with_comments_as_replies(
    fake_api: FakeApi, youtube: YouTubeClient
) -> None:
    fake_api.serve("/channels", channel())

    async def playlist(request: web.Request) -> web.StreamResponse:
        assert request.query["playlistId"] == UPLOADS
        if request.query.get("pageToken") == "p2":
            return json_response(
                {
                    "items": [
                        {
                            "contentDetails": {
                                "videoId": "v2",
                                "videoPublishedAt": "2026-02-03T00:00:00Z",
                            }
                        },
                        {
                            "contentDetails": {
                                "videoId": "v1",
                                "videoPublishedAt": "2025-12-01T00:00:00Z",
                            }
                        },
                    ],
                    "nextPageToken": "p3",
                }
            )
        return json_response(
            {
                "items": [
                    {
                        "contentDetails": {
                            "videoId": "v3",
                            "videoPublishedAt": "2026-02-10T00:00:00Z",
                        }
                    },
                ],
                "nextPageToken": "p2",
            }
        )

    async def videos(request: web.Request) -> web.StreamResponse:
        assert request.query["id"] == "v3,v2"
        return json_response(
            {
                "items": [
                    {
                        "id": "v3",
                        "snippet": {
                            "publishedAt": "2026-02-10T00:00:00Z",
                            "title": "Which IDE should you use?",
                        },
                        "statistics": {"viewCount": "900", "likeCount": "40", "commentCount": "12"},
                    },
                    {
                        "id": "v2",
                        "snippet": {"publishedAt": "2026-02-03T00:00:00Z", "title": "News"},
                        "statistics": {"viewCount": "100"},
                    },
                ]
            }
        )

    fake_api.route("/playlistItems", playlist)
    fake_api.route("/videos", videos)
    profile = (await youtube.fetch_profiles(["googledevelopers"]))["googledevelopers"]
    assert isinstance(profile, Profile)

    posts = await youtube.fetch_posts(profile, datetime(2026, 1, 1, tzinfo=UTC))

    assert [post.id for post in posts] == ["v3", "v2"]
    assert (posts[0].replies, posts[0].likes, posts[0].is_question) == (12, 40, True)
    assert posts[1].likes == 0, "hidden likes read as 0"
    assert all(post.has_media for post in posts)
    assert len(fake_api.requests_to("/playlistItems")) == 2, "paging stops at `since`"
    assert len(fake_api.requests_to("/channels")) == 1, "the uploads playlist is remembered"


async def test_following_is_not_public_on_youtube(youtube: YouTubeClient) -> None:
    assert await youtube.fetch_following(Profile("youtube", "a", CHANNEL_ID)) is None


async def test_a_channel_silent_in_the_window_has_no_posts_whatever_its_lifetime_views(
    fake_api: FakeApi, youtube: YouTubeClient
) -> None:
    fake_api.serve("/channels", channel(viewCount="1000000"))
    fake_api.serve(
        "/playlistItems",
        {
            "items": [{"contentDetails": {"videoId": "old",
                                          "videoPublishedAt": "2025-06-01T00:00:00Z"}}],
            "nextPageToken": "more",
        },
    )
    profile = (await youtube.fetch_profiles(["googledevelopers"]))["googledevelopers"]
    assert isinstance(profile, Profile)

    posts = await youtube.fetch_posts(profile, datetime(2026, 1, 1, tzinfo=UTC))

    assert posts == []
    assert profile.extra["views"] == 1_000_000 and profile.followers == 2_400_000
    assert len(fake_api.requests_to("/playlistItems")) == 1
    assert fake_api.requests_to("/videos") == [], "no statistics bought for nothing"


async def test_sixty_new_videos_take_two_statistics_requests_of_one_unit(
    fake_api: FakeApi, youtube: YouTubeClient
) -> None:
    fake_api.serve("/channels", channel())
    fake_api.serve(
        "/playlistItems",
        {"items": [{"contentDetails": {"videoId": f"v{n}",
                                       "videoPublishedAt": "2026-02-01T00:00:00Z"}}
                   for n in range(60)]},
    )

    async def videos(request: web.Request) -> web.StreamResponse:
        ids = request.query["id"].split(",")
        return json_response({"items": [
            {"id": video, "snippet": {"publishedAt": "2026-02-01T00:00:00Z", "title": "t"},
             "statistics": {"likeCount": "2", "commentCount": "1"}} for video in ids]})

    fake_api.route("/videos", videos)
    profile = (await youtube.fetch_profiles(["googledevelopers"]))["googledevelopers"]
    assert isinstance(profile, Profile)

    posts = await youtube.fetch_posts(profile, datetime(2026, 1, 1, tzinfo=UTC))

    assert len(posts) == 60 and all((p.likes, p.replies) == (2, 1) for p in posts)
    assert [len((seen.param("id") or "").split(",")) for seen in
            fake_api.requests_to("/videos")] == [50, 10]
    assert fake_api.requests_to("/search") == [], "search.list costs 100 units"
