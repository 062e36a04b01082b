"""GitHub for score v2: stars and forks received inside the window, by repository and week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web

from chatbot.influence.networks.github import GitHubClient
from chatbot.values.accounts import Profile
from tests.influence.networks.network_fakes import FakeApi, MakeFetcher, json_response, shared_json

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
SINCE = NOW - timedelta(days=90)


@pytest.fixture
def github(fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher) -> GitHubClient:
    return GitHubClient(make_fetcher(http, "GitHub"), base_url=fake_api.base_url)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def repo(name: str, stars: int, forks: int = 0, *, fork: bool = False) -> dict[str, Any]:
    return {"full_name": f"alice/{name}", "stargazers_count": stars, "forks_count": forks,
            "fork": fork}


def serve_stargazers(fake_api: FakeApi, name: str, starred: list[datetime]) -> None:
    """Stargazers oldest first, 100 to a page, as GitHub lists them."""
    ordered = sorted(starred)

    async def stargazers(request: web.Request) -> web.StreamResponse:
        assert request.headers["Accept"] == "application/vnd.github.star+json"
        size = int(request.query["per_page"])
        page = int(request.query.get("page", "1"))
        chunk = ordered[(page - 1) * size : page * size]
        return json_response(
            [{"starred_at": stamp(moment), "user": {"login": f"fan{index}", "id": 1000 + index}}
             for index, moment in enumerate(chunk, start=(page - 1) * size)]
        )

    fake_api.route(f"/repos/alice/{name}/stargazers", stargazers)


async def alice(fake_api: FakeApi, github: GitHubClient, repos: list[dict[str, Any]]) -> Profile:
    fake_api.serve("/users/alice", {"login": "alice", "id": 7, "public_repos": len(repos)})
    fake_api.serve("/users/alice/repos", repos)
    fake_api.serve("/users/alice/events/public", [])
    return await github.fetch_profile("alice")


def star_pages_read(fake_api: FakeApi, name: str) -> list[str | None]:
    return [seen.param("page") for seen in fake_api.requests_to(f"/repos/alice/{name}/stargazers")]


async def test_stars_are_read_from_the_newest_page_back_to_the_window_edge(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    old = [SINCE - timedelta(days=400, hours=n) for n in range(150)]
    edge = [SINCE - timedelta(hours=1), SINCE + timedelta(hours=1)]
    recent = [NOW - timedelta(days=3, minutes=10 * n) for n in range(98)]
    serve_stargazers(fake_api, "tool", old + edge + recent)
    profile = await alice(fake_api, github, [repo("tool", 250)])

    posts = await github.fetch_posts(profile, SINCE)

    assert star_pages_read(fake_api, "tool") == ["3", "2"], "newest page first, then back"
    assert sum(post.likes for post in posts) == 99, "98 this week and 1 just inside the edge"
    by_id = {post.id: post for post in posts}
    this_week = by_id["repo:alice/tool:2026-W09"]
    assert this_week.likes == 98 and this_week.reposts == 0
    assert this_week.created_at == max(recent)
    edge_week = by_id[f"repo:alice/tool:{SINCE.isocalendar()[0]}-W{SINCE.isocalendar()[1]:02d}"]
    assert edge_week.likes == 1 and edge_week.created_at == SINCE + timedelta(hours=1)
    assert this_week.reactors is not None and len(this_week.reactors) == 98
    assert all(count == 1 for _, count in this_week.reactors)
    assert profile.extra["stars"] == 250, "the lifetime total stays for display"


async def test_thousands_of_old_stars_cost_one_page_and_earn_no_post(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    serve_stargazers(fake_api, "bought", [SINCE - timedelta(days=200, minutes=n)
                                          for n in range(2000)])
    profile = await alice(fake_api, github, [repo("bought", 2000)])

    posts = await github.fetch_posts(profile, SINCE)

    assert posts == []
    assert star_pages_read(fake_api, "bought") == ["20"]


async def test_the_page_budget_bounds_a_repository_starred_all_window_long(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    serve_stargazers(fake_api, "hit", [NOW - timedelta(minutes=30 * n) for n in range(1000)])
    profile = await alice(fake_api, github, [repo("hit", 1000)])

    posts = await github.fetch_posts(profile, SINCE)

    assert star_pages_read(fake_api, "hit") == ["10", "9"]
    assert sum(post.likes for post in posts) == 200


async def test_only_the_three_most_starred_own_repositories_are_read(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    listed = shared_json("github/repos_jacquev6_owner_created_asc_2020.json")
    for data in listed:
        data["full_name"] = data["full_name"].replace("jacquev6", "alice")
    listed.append(repo("someone-elses-hit", 9_000, fork=True))
    for data in listed:
        for kind in ("stargazers", "forks"):
            fake_api.serve(f"/repos/{data['full_name']}/{kind}", [])
    profile = await alice(fake_api, github, listed)

    await github.fetch_posts(profile, SINCE)

    read = {seen.path.split("/")[3] for seen in fake_api.seen if seen.path.startswith("/repos/")}
    assert read == {"IpMap", "DrawTurksHead", "ActionTree"}
    assert profile.extra["stars"] == 9_016


async def test_forks_in_the_window_are_reposts_of_the_same_week(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    serve_stargazers(fake_api, "lib", [NOW - timedelta(days=1)])
    fake_api.serve(
        "/repos/alice/lib/forks",
        [{"created_at": stamp(NOW - timedelta(hours=2)), "owner": {"id": 55}},
         {"created_at": stamp(SINCE - timedelta(days=1)), "owner": {"id": 56}}],
    )
    profile = await alice(fake_api, github, [repo("lib", 1, forks=2)])

    posts = await github.fetch_posts(profile, SINCE)

    assert [(post.id, post.likes, post.reposts) for post in posts] == [
        ("repo:alice/lib:2026-W09", 1, 1)
    ]
    assert posts[0].created_at == NOW - timedelta(hours=2)
    assert posts[0].reactors == (("1000", 1), ("55", 1))
    assert fake_api.requests_to("/repos/alice/lib/forks")[0].param("sort") == "newest"


async def test_a_profile_read_back_from_storage_finds_its_repositories_again(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    serve_stargazers(fake_api, "tool", [NOW - timedelta(days=1)])
    fake_api.serve("/users/alice/repos", [repo("tool", 1)])
    fake_api.serve("/users/alice/events/public", [])

    posts = await github.fetch_posts(Profile("github", "alice", "7"), SINCE)

    assert [post.likes for post in posts] == [1]


async def test_an_empty_last_page_after_unstarring_steps_back_a_page(
    fake_api: FakeApi, github: GitHubClient
) -> None:
    serve_stargazers(fake_api, "tool", [NOW - timedelta(hours=n) for n in range(100)])
    profile = await alice(fake_api, github, [repo("tool", 101)])

    posts = await github.fetch_posts(profile, SINCE)

    assert star_pages_read(fake_api, "tool") == ["2", "1"]
    assert sum(post.likes for post in posts) == 100
