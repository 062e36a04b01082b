"""Mastodon for score v2: stable ids, own posts only within a page budget, sampled reactors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from chatbot.influence.netguard import build_guarded_client
from chatbot.influence.networks.mastodon import MastodonClient, parse_handle
from chatbot.influence.ratelimit import RateLimit, RateLimiter
from chatbot.values.accounts import Post, Profile
from chatbot.values.network_errors import InvalidHandle
from tests.influence.networks.network_fakes import (
    FakeApi,
    FakeClock,
    MakeFetcher,
    json_response,
    shared_json,
)
from tests.influence.networks.test_mastodon_client import account, looked_up, status

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES = "/api/v1/accounts/42/statuses"


@pytest.fixture
async def guarded_lab_client() -> AsyncIterator[httpx.AsyncClient]:
    async with build_guarded_client(allow_private=True, timeout=5, max_bytes=1_000_000) as client:
        yield client


def lab_client(
    http: httpx.AsyncClient, make_fetcher: MakeFetcher, clock: FakeClock, **options: object
) -> MastodonClient:
    return MastodonClient(
        make_fetcher(http, "Mastodon", options.pop("limit", None)),
        paging_limiter=RateLimiter(RateLimit(300, 900, 2), clock=clock, sleep=clock.sleep),
        allow_private=True,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def mastodon(
    guarded_lab_client: httpx.AsyncClient, make_fetcher: MakeFetcher, clock: FakeClock
) -> MastodonClient:
    return lab_client(guarded_lab_client, make_fetcher, clock)


# --- handles ---------------------------------------------------------------------------


def test_equivalent_spellings_of_one_account_give_one_handle() -> None:
    assert parse_handle("@User@Example.COM.") == "user@example.com"
    assert parse_handle("@user@example.com:443") == "user@example.com"
    assert parse_handle("bob@CAFÉ.example") == parse_handle("bob@xn--caf-dma.example")
    assert parse_handle("alice@127.0.0.1:80", allow_private=True) == "alice@127.0.0.1"
    assert parse_handle("alice@localhost:3000", allow_private=True) == "alice@localhost:3000"
    assert parse_handle("alice@example.com:80", allow_private=True) == "alice@example.com:80", (
        "port 80 is only the default where the bot would use http"
    )
    with pytest.raises(InvalidHandle, match="no port"):
        parse_handle("alice@example.com:80")
    with pytest.raises(InvalidHandle, match="not a port number"):
        parse_handle("alice@example.com:４４３")


_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789éüß", min_size=1, max_size=12)
_HOST_LABELS = st.lists(_LABEL, min_size=1, max_size=3)


def _spell(text: str, upper: list[bool]) -> str:
    return "".join(
        char.upper() if flip else char
        for char, flip in zip(text, (upper + [False] * len(text))[: len(text)], strict=True)
    )


@given(
    user=st.from_regex(r"[a-z0-9_]{1,30}", fullmatch=True),
    labels=_HOST_LABELS,
    tld=st.sampled_from(["social", "org", "example", "de"]),
    upper=st.lists(st.booleans(), max_size=60),
    at=st.booleans(),
    dot=st.booleans(),
    port=st.booleans(),
    allow_private=st.booleans(),
)
def test_handle_normalisation_is_idempotent_and_spellings_agree(
    user: str,
    labels: list[str],
    tld: str,
    upper: list[bool],
    at: bool,
    dot: bool,
    port: bool,
    allow_private: bool,
) -> None:
    plain = f"{user}@{'.'.join([*labels, tld])}"
    try:
        canonical = parse_handle(plain, allow_private=allow_private)
    except InvalidHandle:
        return  # e.g. a label IDNA refuses; every spelling of it is refused alike
    spelled = ("@" if at else "") + _spell(plain, upper) + ("." if dot else "")
    spelled += ":443" if port else ""

    assert parse_handle(spelled, allow_private=allow_private) == canonical
    assert parse_handle(canonical, allow_private=allow_private) == canonical
    assert canonical.isascii() and canonical == canonical.lower()


# --- stable ids ------------------------------------------------------------------------


async def test_the_same_lab_account_typed_as_localhost_or_127_0_0_1_has_one_id(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher, clock: FakeClock
) -> None:
    fake_api.serve("/api/v1/accounts/lookup", shared_json("mastodon/account_lookup_localhost.json"))
    client = lab_client(
        http, make_fetcher, clock, base_url_for=lambda host: fake_api.base_url
    )
    typed = ["mastodonpy_test@localhost:3000", "MastodonPy_Test@127.0.0.1:3000"]

    found = await client.fetch_profiles(typed)

    ids = {profile.account_id for profile in found.values() if isinstance(profile, Profile)}
    assert ids == {"http://localhost:3000/ap/users/117020565966271181"}


async def test_an_account_claiming_another_servers_uri_is_refused_on_a_public_bot(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher, clock: FakeClock
) -> None:
    client = MastodonClient(
        make_fetcher(http, "Mastodon"),
        paging_limiter=RateLimiter(RateLimit(300, 900, 2), clock=clock, sleep=clock.sleep),
        base_url_for=lambda host: fake_api.base_url,
    )
    uris = {
        "famous": {"uri": "https://mastodon.social/users/Gargron"},
        "webdomain": {"uri": "https://Social.Evil.Example:443/users/webdomain"},
        "old": {"uri": None, "url": "https://evil.example/@old"},
    }

    async def lookup(request: web.Request) -> web.StreamResponse:
        name = request.query["acct"]
        return json_response(account("7", username=name, **uris[name]))

    fake_api.route("/api/v1/accounts/lookup", lookup)

    found = await client.fetch_profiles([f"{name}@evil.example" for name in uris])

    famous = found["famous@evil.example"]
    assert not isinstance(famous, Profile)
    assert "lives on another server (mastodon.social)" in str(famous)
    webdomain = found["webdomain@evil.example"]
    assert isinstance(webdomain, Profile)
    assert webdomain.account_id == "https://social.evil.example/users/webdomain"
    old = found["old@evil.example"]
    assert isinstance(old, Profile) and old.account_id == "https://evil.example/@old", (
        "a server without `uri` (before 4.2) is known by its `url`"
    )


async def test_a_profile_read_back_from_storage_finds_its_server_id_again(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    fake_api.serve("/api/v1/accounts/lookup", account("42"))
    fake_api.serve(STATUSES, [status("1", "2026-02-01T00:00:00Z")])
    stored = Profile("mastodon", f"alice@{fake_api.host}", "https://example.social/users/42")

    posts = await mastodon.fetch_posts(stored, SINCE)

    assert [post.id for post in posts] == ["1"]
    assert [seen.path for seen in fake_api.seen] == ["/api/v1/accounts/lookup", STATUSES]


# --- own posts, paged ------------------------------------------------------------------


def timeline_server(fake_api: FakeApi, items: list[dict[str, object]]) -> None:
    """A server that pages newest first by max_id and honours exclude_reblogs."""

    async def statuses(request: web.Request) -> web.StreamResponse:
        shown = items
        if request.query.get("exclude_reblogs") == "true":
            shown = [item for item in shown if item.get("reblog") is None]
        if "max_id" in request.query:
            shown = [item for item in shown if int(str(item["id"])) < int(request.query["max_id"])]
        page = shown[:40]
        response = json_response(page)
        if len(shown) > 40:
            response.headers["Link"] = (
                f'<{fake_api.base_url}{STATUSES}?limit=40&max_id={page[-1]["id"]}>; rel="next"'
            )
        return response

    fake_api.route(STATUSES, statuses)


def at(day: float) -> str:
    return (datetime(2026, 3, 1, tzinfo=UTC) - timedelta(days=day)).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )


async def test_three_hundred_boosts_do_not_push_own_posts_out(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    items: list[dict[str, object]] = []
    for index in range(312):
        newer_first = 10_000 - index
        if index % 26 == 25:
            items.append(status(str(newer_first), at(index / 4), counts=(1, 1, 3)))
        else:
            boosted = status("1", at(400), counts=(50, 50, 500))
            items.append(status(str(newer_first), at(index / 4), reblog=boosted))
    timeline_server(fake_api, items)
    (profile,) = await looked_up(fake_api, mastodon, account("42"))

    posts = await mastodon.fetch_posts(profile, datetime(2025, 12, 1, tzinfo=UTC))

    assert len(posts) == 12, "every own post of the window, none of the boosts"
    assert all(not post.is_repost and post.likes == 3 for post in posts)
    assert len(fake_api.requests_to(STATUSES)) == 1


async def test_paging_stops_at_the_page_budget_when_the_window_is_not_covered(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    timeline_server(fake_api, [status(str(10_000 - i), at(i / 20)) for i in range(1000)])
    (profile,) = await looked_up(fake_api, mastodon, account("42"))

    posts = await mastodon.fetch_posts(profile, SINCE)

    assert mastodon.page_cap == 5
    assert len(fake_api.requests_to(STATUSES)) == 5
    assert len(posts) == 200, "the newest 5 pages of 40"


async def test_paging_stops_once_the_window_is_covered(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    timeline_server(fake_api, [status(str(10_000 - i), at(i)) for i in range(100)])
    (profile,) = await looked_up(fake_api, mastodon, account("42"))

    posts = await mastodon.fetch_posts(profile, SINCE)

    assert len(posts) == 60  # 1 March back to 1 January, both ends included
    assert len(fake_api.requests_to(STATUSES)) == 2


# --- reactors --------------------------------------------------------------------------


def accounts(*names: str) -> list[dict[str, object]]:
    return [{"id": name, "uri": f"https://fans.example/users/{name}"} for name in names]


async def test_the_top_posts_get_their_likers_boosters_and_repliers_sampled(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    fake_api.serve(
        STATUSES,
        [
            status("5", "2026-02-05T00:00:00Z", counts=(0, 0, 1)),
            status("4", "2026-02-04T00:00:00Z", counts=(0, 0, 0)),
            status("3", "2026-02-03T00:00:00Z", counts=(0, 1, 9)),
            status("110446983926957470", "2026-02-02T00:00:00Z", counts=(3, 0, 0)),
            status("1", "2026-02-01T00:00:00Z", counts=(0, 0, 2)),
        ],
    )
    fake_api.serve("/api/v1/statuses/3/favourited_by", accounts("ann", "bob", "cy"))
    fake_api.serve("/api/v1/statuses/3/reblogged_by", accounts("ann"))
    fake_api.serve(
        "/api/v1/statuses/110446983926957470/context", shared_json("mastodon/status_context.json")
    )
    fake_api.serve("/api/v1/statuses/1/favourited_by", accounts("dee", "dee"))
    (profile,) = await looked_up(fake_api, mastodon, account("42"))

    posts = {post.id: post for post in await mastodon.fetch_posts(profile, SINCE)}

    assert posts["3"].reactors == (
        ("https://fans.example/users/ann", 2),
        ("https://fans.example/users/bob", 1),
        ("https://fans.example/users/cy", 1),
    )
    assert posts["110446983926957470"].reactors == (("https://mastodon.social/users/halcy", 1),)
    assert posts["1"].reactors == (("https://fans.example/users/dee", 2),)
    assert posts["5"].reactors is None, "only the top three posts are sampled"
    assert posts["4"].reactors is None
    sampled = [seen.path for seen in fake_api.seen if seen.path.startswith("/api/v1/statuses/")]
    assert len(sampled) == 4, "a kind of reaction the post did not get costs no request"


async def test_a_failed_sample_leaves_that_post_unsampled_and_the_refresh_intact(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    fake_api.serve(
        STATUSES,
        [status("2", "2026-02-02T00:00:00Z", counts=(0, 0, 5)),
         status("1", "2026-02-01T00:00:00Z", counts=(0, 0, 4))],
    )
    fake_api.serve("/api/v1/statuses/2/favourited_by", {"error": "This action is not allowed"},
                   status=403)
    fake_api.serve("/api/v1/statuses/1/favourited_by", accounts("ann"))
    (profile,) = await looked_up(fake_api, mastodon, account("42"))

    posts = await mastodon.fetch_posts(profile, SINCE)

    assert [(post.id, post.likes, post.reactors) for post in posts] == [
        ("2", 5, None),
        ("1", 4, (("https://fans.example/users/ann", 1),)),
    ]


async def test_a_spent_budget_stops_sampling_but_keeps_every_post(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    fake_api.serve(
        STATUSES,
        [status(str(n), f"2026-02-0{n}T00:00:00Z", counts=(0, 0, n)) for n in (3, 2, 1)],
    )
    fake_api.serve(
        "/api/v1/statuses/3/favourited_by", {"error": "Too many requests"}, status=429,
        headers={"Retry-After": "3600"},
    )
    (profile,) = await looked_up(fake_api, mastodon, account("42"))

    posts = await mastodon.fetch_posts(profile, SINCE)

    assert [(post.id, post.reactors) for post in posts] == [("3", None), ("2", None), ("1", None)]
    assert len(fake_api.requests_to("/api/v1/statuses/3/favourited_by")) == 1
    assert not fake_api.requests_to("/api/v1/statuses/2/favourited_by")


def test_sampling_never_picks_reposts_or_posts_nobody_reacted_to() -> None:
    from chatbot.influence.networks.reactor_sampling import top_posts

    now = datetime(2026, 2, 1, tzinfo=UTC)
    posts = [
        Post("boost", now, likes=900, is_repost=True),
        Post("quiet", now),
        Post("old-hit", now - timedelta(days=30), likes=5),
        Post("new-hit", now, likes=5),
        Post("big", now - timedelta(days=60), replies=9),
    ]

    assert [post.id for post in top_posts(posts, 3)] == ["big", "new-hit", "old-hit"]


async def test_a_lab_server_copying_another_accounts_uri_cannot_redirect_its_posts(
    fake_api: FakeApi, http: httpx.AsyncClient, make_fetcher: MakeFetcher, clock: FakeClock
) -> None:
    copycat = FakeApi()
    await copycat.start()
    try:
        servers = {"real.test": fake_api, "copycat.test": copycat}
        client = lab_client(
            http, make_fetcher, clock, base_url_for=lambda host: servers[host].base_url
        )
        shared_uri = {"uri": "https://real.test/users/alice"}
        fake_api.serve("/api/v1/accounts/lookup", account("42", **shared_uri))
        fake_api.serve(STATUSES, [status("1", "2026-02-01T00:00:00Z")])
        copycat.serve("/api/v1/accounts/lookup", account("666", **shared_uri))
        real = (await client.fetch_profiles(["alice@real.test"]))["alice@real.test"]
        await client.fetch_profiles(["alice@copycat.test"])
        assert isinstance(real, Profile)

        posts = await client.fetch_posts(real, SINCE)

        assert [post.id for post in posts] == ["1"]
        assert fake_api.requests_to("/api/v1/accounts/666/statuses") == []
    finally:
        await copycat.close()
