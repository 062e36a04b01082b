from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web

from chatbot.influence.networks.github import GitHubClient, event_to_post, parse_handle
from chatbot.values.accounts import Profile
from chatbot.values.network_errors import AccountNotFound, InvalidHandle, RateLimited
from tests.influence.networks.network_fakes import (
    FakeApi,
    FakeClock,
    MakeFetcher,
    json_response,
    shared_fixture,
    shared_json,
)

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def github_client(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher, token: str | None = None
) -> GitHubClient:
    return GitHubClient(make_fetcher(http, "GitHub"), base_url=fake_api.base_url, token=token)


@pytest.fixture
def github(fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher) -> GitHubClient:
    return github_client(fake_api, http, make_fetcher)


def user(login: str, **extra: Any) -> dict[str, Any]:
    return {"login": login, "id": 1, "type": "User", "followers": 1, "following": 2, **extra}


@pytest.mark.parametrize(("raw", "canonical"), [("Octo-Cat", "octo-cat"), ("@a1", "a1")])
def test_logins_are_canonical_in_lowercase(raw: str, canonical: str) -> None:
    assert parse_handle(raw) == canonical


@pytest.mark.parametrize("raw", ["-octo", "octo-", "oc--to", "o" * 40, "octo_cat", "octo.cat"])
def test_malformed_logins_are_refused(raw: str) -> None:
    with pytest.raises(InvalidHandle, match="GitHub"):
        parse_handle(raw)


async def test_a_real_user_gets_bio_links_and_the_stars_of_their_repositories(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    fake_api.serve("/users/thecapypara", shared_fixture("github/user_theCapypara_2021.json"))
    repos = shared_json("github/repos_jacquev6_owner_created_asc_2020.json")
    fake_api.serve("/users/thecapypara/repos", repos)

    profile = (await github.fetch_profiles(["theCapypara"]))["theCapypara"]

    assert isinstance(profile, Profile)
    assert profile.handle == "thecapypara"
    assert profile.display_name == "Marco Köpcke"
    assert (profile.followers, profile.following, profile.posts_count) == (28, 16, 88)
    assert "Professional Magento 2 developer" in profile.bio
    assert "https://www.linkedin.com/in/marco-koepcke/" in profile.bio
    assert "@tudock" in profile.bio
    assert profile.extra == {
        "stars": sum(repo["stargazers_count"] for repo in repos),
        "forks": sum(repo["forks_count"] for repo in repos),
        "public_repos": 88,
    }
    repo_request = fake_api.requests_to("/users/thecapypara/repos")[0]
    assert (repo_request.param("type"), repo_request.param("sort")) == ("owner", "pushed")
    assert repo_request.param("per_page") == "100"


async def test_organisations_behind_users_urls_are_flagged(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    fake_api.serve(
        "/users/openframeworks", shared_fixture("github/user_openframeworks_org_2018.json")
    )
    fake_api.serve("/users/openframeworks/repos", [])

    profile = (await github.fetch_profiles(["openframeworks"]))["openframeworks"]

    assert isinstance(profile, Profile)
    assert profile.flags == {"organization"}


async def test_legacy_repositories_without_stargazers_count_still_count_their_stars(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    fake_api.serve("/users/old", user("old"))
    fake_api.serve(
        "/users/old/repos",
        [
            {"name": "a", "watchers_count": 7, "forks": 2},
            {"name": "b", "watchers": 3},
            {"name": "c", "stargazers_count": 4, "forks_count": 1},
        ],
    )

    profile = (await github.fetch_profiles(["old"]))["old"]

    assert isinstance(profile, Profile)
    assert profile.extra["stars"] == 11
    assert profile.extra["forks"] == 3


async def test_unknown_users_are_not_found(fake_api: FakeApi, github: GitHubClient) -> None:
    fake_api.serve("/users/nobody", shared_fixture("github/user_not_found_404.json"), status=404)

    found = (await github.fetch_profiles(["nobody"]))["nobody"]

    assert isinstance(found, AccountNotFound)
    assert "nobody" in str(found)


async def test_an_exhausted_keyless_limit_is_rate_limited_until_the_reset(
    fake_api: FakeApi, github: GitHubClient, clock: FakeClock
) -> None:
    reset = int(clock.now().timestamp()) + 1800
    fake_api.serve(
        "/users/jacquev6",
        shared_fixture("github/user_rate_limited_403.json"),
        status=403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
    )

    found = (await github.fetch_profiles(["jacquev6"]))["jacquev6"]

    assert isinstance(found, RateLimited)
    assert found.retry_after == pytest.approx(1800)
    assert len(fake_api.seen) == 1, "a long wait is handed back, not slept through"


async def test_a_second_fetch_sends_the_etag_and_reuses_the_body_on_304(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    async def profile(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return json_response(user("alice", followers=12), headers={"ETag": '"v1"'})

    fake_api.route("/users/alice", profile)
    fake_api.serve("/users/alice/repos", [])

    first = (await github.fetch_profiles(["alice"]))["alice"]
    second = (await github.fetch_profiles(["alice"]))["alice"]

    assert isinstance(second, Profile) and second == first
    assert second.followers == 12
    sent = [seen.headers.get("If-None-Match") for seen in fake_api.requests_to("/users/alice")]
    assert sent == [None, '"v1"']


async def test_the_token_is_sent_as_a_bearer_and_omitted_without_one(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher
) -> None:
    fake_api.serve("/users/alice", user("alice"))
    fake_api.serve("/users/alice/repos", [])

    await github_client(fake_api, http, make_fetcher, token="ghp_test").fetch_profiles(["alice"])
    await github_client(fake_api, http, make_fetcher).fetch_profiles(["alice"])

    auth = [seen.headers.get("Authorization") for seen in fake_api.requests_to("/users/alice")]
    assert auth == ["Bearer ghp_test", None]
    assert fake_api.seen[0].headers["X-GitHub-Api-Version"] == "2022-11-28"


async def test_real_public_events_map_to_posts_replies_and_reposts(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    events = shared_json("github/events_public_sigmavirus24_2017_page1.json")
    fake_api.serve("/users/sigmavirus24/events/public", events)
    fake_api.serve("/users/sigmavirus24/repos", [])
    profile = Profile("github", "sigmavirus24", "240830")

    posts = await github.fetch_posts(profile, LONG_AGO)

    kinds = Counter(event["type"] for event in events)
    opened = sum(
        1
        for event in events
        if event["type"] in ("PullRequestEvent", "IssuesEvent")
        and event["payload"].get("action") == "opened"
    )
    created = sum(
        1
        for event in events
        if event["type"] == "CreateEvent"
        and event["payload"].get("ref_type") in ("repository", "tag")
    )
    comments = kinds["IssueCommentEvent"] + kinds["PullRequestReviewCommentEvent"]
    assert sum(post.is_reply for post in posts) == comments
    own_pr = [post for post in posts if post.parent_id == "https://github.com/tox-dev/tox/pull/682"]
    assert len(own_pr) == 3 and all(post.reply_to_self for post in own_pr), (
        "comments on the member's own pull request answer themselves"
    )
    assert sum(post.reply_to_self for post in posts) == 3
    assert all(post.parent_id.startswith("https://github.com/") for post in posts
               if post.is_reply)
    assert sum(post.is_repost for post in posts) == kinds["WatchEvent"]
    assert len(posts) == kinds["PushEvent"] + opened + created + comments + kinds["WatchEvent"]
    assert all(post.replies == post.likes == 0 for post in posts if post.is_repost)
    assert fake_api.seen[0].param("per_page") == "100"


def test_an_opened_issue_counts_its_comments_and_reactions() -> None:
    event: dict[str, Any] = {
        "id": "1",
        "type": "IssuesEvent",
        "created_at": "2026-02-01T00:00:00Z",
        "payload": {
            "action": "opened",
            "issue": {
                "title": "Should we drop 3.10?",
                "comments": 4,
                "reactions": {"total_count": 9},
            },
        },
    }

    post = event_to_post(event)

    assert post is not None
    assert (post.replies, post.likes, post.is_question) == (4, 9, True)
    assert event_to_post({**event, "payload": {**event["payload"], "action": "closed"}}) is None


async def test_events_page_through_the_link_header_until_since(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    path = "/users/alice/events/public"
    start = datetime(2026, 2, 20, tzinfo=UTC)

    def push(number: int) -> dict[str, Any]:
        moment = start - timedelta(days=number)
        return {
            "id": str(number),
            "type": "PushEvent",
            "created_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "payload": {},
        }

    async def events(request: web.Request) -> web.StreamResponse:
        page = int(request.query.get("page", "1"))
        body = [push(number) for number in range(page * 5 - 5, page * 5)]
        response = web.Response(body=json.dumps(body), content_type="application/json")
        response.headers["Link"] = (
            f'<{fake_api.base_url}{path}?per_page=100&page={page + 1}>; rel="next"'
        )
        return response

    fake_api.route(path, events)
    fake_api.serve("/users/alice/repos", [])

    posts = await github.fetch_posts(
        Profile("github", "alice", "1"), start - timedelta(days=7, hours=12)
    )

    assert [post.id for post in posts] == [str(number) for number in range(8)]
    assert [seen.param("page") for seen in fake_api.requests_to(path)] == [None, "2"]


async def test_following_is_read_across_pages(fake_api: FakeApi, github: GitHubClient) -> None:
    path = "/users/alice/following"

    async def following(request: web.Request) -> web.StreamResponse:
        if request.query.get("page") == "2":
            return json_response([{"login": "Carol"}])
        response = json_response([{"login": "Bob"}])
        response.headers["Link"] = f'<{fake_api.base_url}{path}?per_page=100&page=2>; rel="next"'
        return response

    fake_api.route(path, following)

    follows = await github.fetch_following(Profile("github", "alice", "1"))

    assert follows == {"bob", "carol"}
