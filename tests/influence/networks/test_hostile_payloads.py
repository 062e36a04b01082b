"""A server that answers with hostile numbers or nesting costs only its own account.

A Mastodon server is whoever a member says it is, so its answers are written
by an adversary: counts of `1e400`, `Infinity`, `"²"` or 2^63, and bodies of
200,000 nested brackets. GitHub and Bluesky read counts the same way. Each is
served from a real local server; the client must answer with a bounded
count or a per-account error, never raise.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiohttp import web

from chatbot.influence.netguard import build_guarded_client
from chatbot.influence.networks.bluesky import BlueskyClient
from chatbot.influence.networks.github import GitHubClient
from chatbot.influence.networks.mastodon import MastodonClient
from chatbot.influence.numbers import MAX_COUNT
from chatbot.influence.ratelimit import RateLimit, RateLimiter
from chatbot.influence.refresh import Refresher
from chatbot.storage import Storage
from chatbot.values.accounts import Post, Profile
from chatbot.values.network_errors import NetworkError, NetworkUnavailable
from tests.influence.networks.network_fakes import FakeApi, FakeClock, MakeFetcher, json_response

MARK = "__HOSTILE__"
HOSTILE_COUNTS = [
    ("1e400", 0),
    ("-1e400", 0),
    ("Infinity", 0),
    ("-Infinity", 0),
    ("NaN", 0),
    ('"²"', 0),
    ('"١٢٣"', 0),
    ('"1e400"', 0),
    ("-5", 0),
    ("9223372036854775808", MAX_COUNT),
    (str(10**400), MAX_COUNT),
    ("1e300", MAX_COUNT),
    ('"99999999999999999999999999"', MAX_COUNT),
]
NESTED_BODIES = [
    pytest.param(b"[" * 200_000, id="200k-open-brackets"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="100k-deep-valid-json"),
    pytest.param(b'{"a":' * 100_000, id="100k-open-objects"),
]


def with_hostile(document: object, raw: str) -> bytes:
    """The JSON of `document` with the marker replaced by `raw` verbatim."""
    text = json.dumps(document)
    assert f'"{MARK}"' in text
    return text.replace(f'"{MARK}"', raw).encode()


def mastodon_account(account_id: str, followers: object) -> dict[str, object]:
    return {
        "id": account_id, "username": account_id, "acct": account_id, "display_name": "",
        "note": "", "url": "", "uri": f"https://lab.example/users/{account_id}",
        "followers_count": followers, "following_count": 3,
        "statuses_count": 4, "fields": [],
    }


@pytest.fixture
async def lab_http() -> AsyncIterator[httpx.AsyncClient]:
    async with build_guarded_client(allow_private=True, timeout=5, max_bytes=5_000_000) as client:
        yield client


@pytest.fixture
def mastodon(lab_http: httpx.AsyncClient, make_fetcher: MakeFetcher,
             clock: FakeClock) -> MastodonClient:
    return MastodonClient(
        make_fetcher(lab_http, "Mastodon"),
        paging_limiter=RateLimiter(RateLimit(300, 900, 2), clock=clock, sleep=clock.sleep),
        allow_private=True,
    )


@pytest.mark.parametrize(("raw", "expected"), HOSTILE_COUNTS)
async def test_a_mastodon_server_cannot_crash_the_bot_with_a_follower_count(
    fake_api: FakeApi, mastodon: MastodonClient, raw: str, expected: int
) -> None:
    fake_api.serve("/api/v1/accounts/lookup", with_hostile(mastodon_account("42", MARK), raw))
    handle = f"mallory@{fake_api.host}"

    profile = (await mastodon.fetch_profiles([handle]))[handle]

    assert isinstance(profile, Profile)
    assert profile.followers == expected
    assert profile.following == 3


@pytest.mark.parametrize(("raw", "expected"), HOSTILE_COUNTS)
async def test_hostile_reaction_counts_and_dates_on_mastodon_posts_are_bounded(
    fake_api: FakeApi, mastodon: MastodonClient, raw: str, expected: int
) -> None:
    statuses = [
        {"id": "1", "created_at": "2026-02-28T10:00:00Z", "content": "", "replies_count": MARK,
         "reblogs_count": MARK, "favourites_count": MARK},
        {"id": "2", "created_at": "9999-12-31T23:59:59-05:00", "content": "", "replies_count": 1},
    ]
    fake_api.serve("/api/v1/accounts/42/statuses", with_hostile(statuses, raw))
    fake_api.serve("/api/v1/accounts/lookup", json.dumps(mastodon_account("42", 1)).encode())
    profile = Profile("mastodon", f"mallory@{fake_api.host}", "https://lab.example/users/42")

    posts = await mastodon.fetch_posts(profile, datetime(2026, 1, 1, tzinfo=UTC))

    assert [(p.id, p.replies, p.reposts, p.likes) for p in posts] == [
        ("1", expected, expected, expected)
    ]


@pytest.mark.parametrize("body", NESTED_BODIES)
async def test_deeply_nested_mastodon_answers_fail_that_account_only(
    fake_api: FakeApi, mastodon: MastodonClient, body: bytes
) -> None:
    async def lookup(request: web.Request) -> web.StreamResponse:
        if request.query["acct"] == "mallory":
            return json_response(body)
        return json_response(mastodon_account("7", 10))

    fake_api.route("/api/v1/accounts/lookup", lookup)
    mallory, alice = f"mallory@{fake_api.host}", f"alice@{fake_api.host}"

    found = await mastodon.fetch_profiles([mallory, alice])

    assert isinstance(found[mallory], NetworkUnavailable)
    assert "nested deeper than 64 levels" in str(found[mallory])
    assert isinstance(found[alice], Profile) and found[alice].followers == 10


@pytest.mark.parametrize(("raw", "expected"), HOSTILE_COUNTS)
async def test_github_counts_and_star_sums_are_bounded(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher, raw: str,
    expected: int,
) -> None:
    github = GitHubClient(make_fetcher(http, "GitHub"), base_url=fake_api.base_url)
    user = {"login": "mallory", "id": 1, "type": "User", "followers": MARK, "following": 2,
            "public_repos": MARK}
    fake_api.serve("/users/mallory", with_hostile(user, raw))
    repos = [{"stargazers_count": MARK, "forks_count": MARK}, {"stargazers_count": 5}]
    fake_api.serve("/users/mallory/repos", with_hostile(repos, raw))

    profile = (await github.fetch_profiles(["mallory"]))["mallory"]

    assert isinstance(profile, Profile)
    assert (profile.followers, profile.following, profile.posts_count) == (expected, 2, expected)
    assert profile.extra == {"stars": expected + 5, "forks": expected, "public_repos": expected}


@pytest.mark.parametrize("body", NESTED_BODIES)
async def test_a_deeply_nested_github_answer_is_a_network_error(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher, body: bytes
) -> None:
    github = GitHubClient(make_fetcher(http, "GitHub"), base_url=fake_api.base_url)
    fake_api.serve("/users/mallory", body)

    found = (await github.fetch_profiles(["mallory"]))["mallory"]

    assert isinstance(found, NetworkUnavailable) and "nested deeper" in str(found)


@pytest.mark.parametrize(("raw", "expected"), HOSTILE_COUNTS)
async def test_bluesky_counts_are_bounded_and_the_rest_of_the_batch_is_read(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher, raw: str,
    expected: int,
) -> None:
    bluesky = BlueskyClient(make_fetcher(http, "Bluesky"), base_url=fake_api.base_url)
    profiles = {"profiles": [
        {"did": "did:plc:" + "m" * 24, "handle": "mallory.example", "followersCount": MARK,
         "followsCount": MARK, "postsCount": 1},
        {"did": "did:plc:" + "a" * 24, "handle": "alice.example", "followersCount": 12},
    ]}
    fake_api.serve("/xrpc/app.bsky.actor.getProfiles", with_hostile(profiles, raw))

    found = await bluesky.fetch_profiles(["mallory.example", "alice.example"])

    mallory, alice = found["mallory.example"], found["alice.example"]
    assert isinstance(mallory, Profile) and isinstance(alice, Profile)
    assert (mallory.followers, mallory.following, mallory.posts_count) == (expected, expected, 1)
    assert alice.followers == 12


@pytest.mark.parametrize("body", NESTED_BODIES)
async def test_a_deeply_nested_bluesky_answer_is_a_network_error(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher, body: bytes
) -> None:
    bluesky = BlueskyClient(make_fetcher(http, "Bluesky"), base_url=fake_api.base_url)
    fake_api.serve("/xrpc/app.bsky.actor.getProfiles", body)

    found = (await bluesky.fetch_profiles(["mallory.example"]))["mallory.example"]

    assert isinstance(found, NetworkUnavailable) and "nested deeper" in str(found)


async def _member(storage: Storage, clock: FakeClock, user: str, handle: str) -> None:
    now = clock.now()
    await storage.teams.ensure("console:acme", "console", "acme", now)
    await storage.members.ensure("console:acme", user, user, now)
    await storage.handles.add("console:acme", user, "mastodon", handle, None, "code", now)
    await storage.handles.mark_verified("console:acme", user, "mastodon", now)


@pytest.mark.parametrize(
    ("mallory_says", "stale"),
    [
        pytest.param(b"[" * 200_000, True, id="nested"),
        pytest.param(with_hostile(mastodon_account("66", MARK), "1e400"), False, id="1e400"),
        pytest.param(with_hostile(mastodon_account("66", MARK), "Infinity"), False, id="inf"),
        pytest.param(with_hostile(mastodon_account("66", MARK), '"²"'), False, id="superscript"),
        pytest.param(with_hostile(mastodon_account("66", MARK), str(2**63)), False, id="2^63"),
    ],
)
async def test_one_hostile_server_does_not_stop_the_refresh_of_everyone_else(
    fake_api: FakeApi, mastodon: MastodonClient, storage: Storage, clock: FakeClock,
    mallory_says: bytes, stale: bool,
) -> None:
    async def lookup(request: web.Request) -> web.StreamResponse:
        if request.query["acct"] == "mallory":
            return json_response(mallory_says)
        return json_response(mastodon_account("7", 250))

    recent = (clock.now() - timedelta(days=2)).isoformat()
    post = {"id": "p1", "created_at": recent, "content": "hi?", "replies_count": 3,
            "reblogs_count": 1, "favourites_count": 9}
    fake_api.route("/api/v1/accounts/lookup", lookup)
    fake_api.serve("/api/v1/accounts/7/statuses", [post])
    fake_api.serve("/api/v1/accounts/66/statuses", [post])
    await _member(storage, clock, "mallory", f"mallory@{fake_api.host}")
    await _member(storage, clock, "alice", f"alice@{fake_api.host}")
    members = await storage.members.all("console:acme")

    report = await Refresher(storage, {"mastodon": mastodon}, clock).refresh(members)

    assert await storage.scores.latest("console:acme", "alice") is not None
    snapshots = await storage.activity.latest_snapshots_of("console:acme", ["alice", "mallory"])
    assert [s.followers for s in snapshots["alice"]] == [250]
    mallory = await storage.handles.get("console:acme", "mallory", "mastodon")
    assert mallory is not None
    if stale:
        assert report.failed == {"mastodon": 1}
        assert mallory.stale_reason is not None and "nested deeper" in str(mallory.stale_reason)
        assert snapshots["mallory"] == []
    else:
        assert report.fetched == {"mastodon": 2}
        assert mallory.stale_reason is None
        assert [s.followers for s in snapshots["mallory"]] in ([0], [MAX_COUNT])


class ExplodingClient:
    """A client with a bug: fetching one account's profile raises something unexpected."""

    name = "mastodon"
    label = "Mastodon"
    profiles_per_request = 1
    parallel_accounts = 4

    def parse_handle(self, raw: str) -> str:
        return raw

    def handle_for_humans(self, handle: str) -> str:
        return "@" + handle

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        if "mallory@evil.example" in handles:
            raise RecursionError("maximum recursion depth exceeded")
        return {h: Profile("mastodon", h, "id-" + h, followers=40) for h in handles}

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        return []

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        return None


async def test_a_client_bug_while_fetching_profiles_fails_that_chunk_only(
    storage: Storage, clock: FakeClock
) -> None:
    await _member(storage, clock, "mallory", "mallory@evil.example")
    await _member(storage, clock, "alice", "alice@good.example")
    members = await storage.members.all("console:acme")

    report = await Refresher(storage, {"mastodon": ExplodingClient()}, clock).refresh(members)

    assert report.fetched == {"mastodon": 1} and report.failed == {"mastodon": 1}
    mallory = await storage.handles.get("console:acme", "mallory", "mastodon")
    assert mallory is not None and str(mallory.stale_reason) == "unexpected error (RecursionError)"
    assert await storage.scores.latest("console:acme", "alice") is not None
