from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from aiohttp import web

from chatbot.influence.http import ResponseTooLarge
from chatbot.influence.netguard import BlockedHost, build_guarded_client
from chatbot.influence.networks.mastodon import (
    MastodonClient,
    default_base_url,
    parse_handle,
)
from chatbot.influence.ratelimit import RateLimit, RateLimiter
from chatbot.values.accounts import Profile
from chatbot.values.network_errors import AccountNotFound, InvalidHandle
from tests.influence.networks.network_fakes import (
    FakeApi,
    FakeClock,
    MakeFetcher,
    json_response,
    shared_fixture,
    shared_json,
)

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
async def guarded_lab_client() -> AsyncIterator[httpx.AsyncClient]:
    async with build_guarded_client(allow_private=True, timeout=5, max_bytes=1_000_000) as client:
        yield client


@pytest.fixture
def mastodon(
    guarded_lab_client: httpx.AsyncClient, make_fetcher: MakeFetcher, clock: FakeClock
) -> MastodonClient:
    return MastodonClient(
        make_fetcher(guarded_lab_client, "Mastodon"),
        paging_limiter=RateLimiter(RateLimit(300, 900, 2), clock=clock, sleep=clock.sleep),
        allow_private=True,
    )


def status(
    status_id: str,
    created_at: str,
    *,
    content: str = "<p>hello</p>",
    counts: tuple[int, int, int] = (0, 0, 0),
    **extra: object,
) -> dict[str, object]:
    replies, reblogs, favourites = counts
    return {
        "id": status_id,
        "created_at": created_at,
        "content": content,
        "spoiler_text": "",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "replies_count": replies,
        "reblogs_count": reblogs,
        "favourites_count": favourites,
        "media_attachments": [],
        "poll": None,
        "reblog": None,
        **extra,
    }


def account(account_id: str = "42", **extra: object) -> dict[str, object]:
    return {
        "id": account_id,
        "username": "alice",
        "acct": "alice",
        "display_name": "Alice",
        "note": "",
        "url": "https://example.social/@alice",
        "uri": f"https://example.social/users/{account_id}",
        "followers_count": 10,
        "following_count": 5,
        "statuses_count": 7,
        "fields": [],
        **extra,
    }


async def looked_up(
    fake_api: FakeApi, mastodon: MastodonClient, *accounts: dict[str, object]
) -> list[Profile]:
    """Profiles fetched the way refresh does it, before their posts: by handle."""
    by_user = {str(data["username"]): data for data in accounts}

    async def lookup(request: web.Request) -> web.StreamResponse:
        return json_response(by_user[request.query["acct"]])

    fake_api.route("/api/v1/accounts/lookup", lookup)
    handles = [f"{user}@{fake_api.host}" for user in by_user]
    found = await mastodon.fetch_profiles(handles)
    profiles = [found[handle] for handle in handles]
    assert all(isinstance(profile, Profile) for profile in profiles)
    return [profile for profile in profiles if isinstance(profile, Profile)]


def test_handles_in_every_usual_form_become_one_canonical_handle() -> None:
    assert parse_handle("@Alice@Mastodon.Social") == "alice@mastodon.social"
    assert parse_handle("alice@mastodon.social") == "alice@mastodon.social"
    assert parse_handle("  @alice_2@fosstodon.org ") == "alice_2@fosstodon.org"
    assert parse_handle("bob@café.example") == "bob@xn--caf-dma.example"


@pytest.mark.parametrize(
    "raw",
    [
        "alice",
        "@alice",
        "alice@",
        "@@mastodon.social",
        "al.ice@mastodon.social",
        "a" * 31 + "@mastodon.social",
        "alice@mastodon",
        "alice@-bad-.social",
        "alice@127.0.0.1",
        "alice@mastodon.social:8443",
        "alice@host@mastodon.social",
    ],
)
def test_malformed_mastodon_handles_are_refused_with_an_example(raw: str) -> None:
    with pytest.raises(InvalidHandle, match=r"@name@instance\.social"):
        parse_handle(raw)


def test_lab_servers_with_ports_are_allowed_only_when_private_networks_are() -> None:
    assert parse_handle("alice@127.0.0.1:3000", allow_private=True) == "alice@127.0.0.1:3000"
    assert parse_handle("alice@localhost:3000", allow_private=True) == "alice@localhost:3000"
    assert default_base_url("127.0.0.1:3000", allow_private=True) == "http://127.0.0.1:3000"
    assert default_base_url("mastodon.social", allow_private=True) == "https://mastodon.social"
    assert default_base_url("localhost:3000", allow_private=False) == "https://localhost:3000"


async def test_a_real_profile_has_its_html_note_and_fields_turned_into_plain_text(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    fake_api.serve(
        "/api/v1/accounts/lookup",
        shared_fixture("mastodon/account_mastodon_social_23972_halcy.json"),
    )
    handle = f"halcy@{fake_api.host}"

    profile = (await mastodon.fetch_profiles([handle]))[handle]

    assert isinstance(profile, Profile)
    assert fake_api.requests_to("/api/v1/accounts/lookup")[0].param("acct") == "halcy"
    assert profile.account_id == "https://icosahedron.website/users/halcy", (
        "the server's canonical uri, not its local numeric id"
    )
    assert profile.followers == 3553 and profile.following == 540
    assert profile.posts_count == 75076
    assert "<" not in profile.bio
    assert "i am exactly like all the other guys." in profile.bio
    assert "Web: https://halcy.de/" in profile.bio
    assert "Pronouns: He/Him" in profile.bio
    assert profile.flags == frozenset()


async def test_moved_suspended_limited_and_bot_accounts_are_flagged(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    fake_api.serve(
        "/api/v1/accounts/lookup",
        account(
            moved={"id": "9", "acct": "alice@new.example"},
            suspended=True,
            limited=True,
            bot=True,
            note="<p>Fish &amp; chips &#39;n&#39; code</p>",
        ),
    )
    handle = f"alice@{fake_api.host}"

    profile = (await mastodon.fetch_profiles([handle]))[handle]

    assert isinstance(profile, Profile)
    assert profile.flags == {"moved", "suspended", "limited", "bot"}
    assert profile.bio == "Fish & chips 'n' code"


async def test_an_unknown_account_is_reported_per_handle_without_sinking_the_others(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    missing = shared_fixture("mastodon/account_lookup_404.json")

    async def lookup(request: web.Request) -> web.StreamResponse:
        if request.query["acct"] == "ghost":
            return json_response(missing, status=404)
        return json_response(account())

    fake_api.route("/api/v1/accounts/lookup", lookup)
    ghost, alice = f"ghost@{fake_api.host}", f"alice@{fake_api.host}"

    found = await mastodon.fetch_profiles([ghost, alice])

    assert isinstance(found[ghost], AccountNotFound)
    assert "has no account @ghost" in str(found[ghost])
    assert isinstance(found[alice], Profile)


async def test_real_statuses_become_posts_newest_first(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    statuses = shared_json("mastodon/account_statuses_localhost_page1.json")
    fake_api.serve("/api/v1/accounts/117020565966271181/statuses", statuses)
    (profile,) = await looked_up(
        fake_api, mastodon, shared_json("mastodon/account_lookup_localhost.json")
    )

    posts = await mastodon.fetch_posts(profile, LONG_AGO)

    assert [post.id for post in posts] == [item["id"] for item in statuses]
    assert all(post.replies == post.reposts == post.likes == 0 for post in posts)
    seen = fake_api.requests_to("/api/v1/accounts/117020565966271181/statuses")[0]
    assert seen.param("limit") == "40"
    assert seen.param("exclude_reblogs") == "true"
    assert profile.account_id == "http://localhost:3000/ap/users/117020565966271181"


async def test_boosts_are_skipped_and_replies_questions_media_are_told_apart(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    original = status("1", "2026-02-01T10:00:00Z", counts=(40, 50, 60))
    fake_api.serve(
        "/api/v1/accounts/42/statuses",
        [
            status("6", "2026-02-06T10:00:00Z", reblog=original, counts=(40, 50, 60)),
            status(
                "5", "2026-02-05T10:00:00Z", in_reply_to_id="900", in_reply_to_account_id="99",
                counts=(1, 0, 2),
            ),
            status("4", "2026-02-04T10:00:00Z", in_reply_to_id="3", in_reply_to_account_id="42"),
            status("3", "2026-02-03T10:00:00Z", media_attachments=[{"type": "image"}]),
            status("2", "2026-02-02T10:00:00Z", content="<p>Which editor do you use?</p>"),
            status("1", "2026-02-01T10:00:00Z", poll={"id": "7", "options": []}),
            status(
                "0",
                "2026-01-31T10:00:00Z",
                content='<p>read <a href="https://x.example/a?b=c">this</a></p>',
            ),
        ],
    )
    (profile,) = await looked_up(fake_api, mastodon, account("42"))

    posts = {post.id: post for post in await mastodon.fetch_posts(profile, LONG_AGO)}

    assert "6" not in posts, "a boost is someone else's post, even if the server sends it"
    assert posts["5"].is_reply and not posts["5"].reply_to_self and posts["5"].likes == 2
    assert posts["5"].parent_id == "900"
    assert posts["4"].is_reply and posts["4"].reply_to_self, "a reply to oneself is a thread"
    assert posts["4"].parent_id == "3"
    assert not posts["3"].is_reply and posts["3"].parent_id == ""
    assert posts["3"].has_media
    assert posts["2"].is_question
    assert posts["1"].is_question, "a poll asks a question"
    assert not posts["0"].is_question, "a ? inside a link is not a question"


async def test_posts_page_through_the_link_header_and_stop_at_since(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    path = "/api/v1/accounts/42/statuses"

    async def statuses(request: web.Request) -> web.StreamResponse:
        if "max_id" not in request.query:
            response = json_response(
                [status("30", "2026-02-20T00:00:00Z"), status("20", "2026-02-10T00:00:00Z")]
            )
            response.headers["Link"] = (
                f'<{fake_api.base_url}{path}?limit=40&max_id=20>; rel="next", '
                f'<{fake_api.base_url}{path}?limit=40&min_id=30>; rel="prev"'
            )
            return response
        response = json_response(
            [status("15", "2026-02-05T00:00:00Z"), status("5", "2026-01-05T00:00:00Z")]
        )
        response.headers["Link"] = f'<{fake_api.base_url}{path}?max_id=5>; rel="next"'
        return response

    fake_api.route(path, statuses)
    (profile,) = await looked_up(fake_api, mastodon, account("42"))

    posts = await mastodon.fetch_posts(profile, datetime(2026, 2, 1, tzinfo=UTC))

    assert [post.id for post in posts] == ["30", "20", "15"]
    requests = fake_api.requests_to(path)
    assert len(requests) == 2, "paging stops once a post is older than `since`"
    assert requests[1].param("max_id") == "20"


async def test_a_next_link_to_another_server_is_not_followed(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    path = "/api/v1/accounts/42/statuses"

    async def statuses(request: web.Request) -> web.StreamResponse:
        response = json_response([status("30", "2026-02-20T00:00:00Z")])
        response.headers["Link"] = f'<http://169.254.169.254{path}?max_id=30>; rel="next"'
        return response

    fake_api.route(path, statuses)
    (profile,) = await looked_up(fake_api, mastodon, account("42"))

    posts = await mastodon.fetch_posts(profile, LONG_AGO)

    assert [post.id for post in posts] == ["30"]
    assert len(fake_api.requests_to(path)) == 1
    assert all(seen.path.startswith("/api/v1/") for seen in fake_api.seen)


async def test_following_is_read_as_canonical_handles(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    fake_api.serve(
        "/api/v1/accounts/42/following",
        [{"id": "1", "acct": "Bob"}, {"id": "2", "acct": "carol@other.social"}],
    )
    (profile,) = await looked_up(fake_api, mastodon, account("42", following_count=2))

    follows = await mastodon.fetch_following(profile)

    assert follows == {f"bob@{fake_api.host}", "carol@other.social"}


async def test_hidden_follows_are_unknown_rather_than_nobody(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    fake_api.serve("/api/v1/accounts/42/following", [])
    fake_api.serve("/api/v1/accounts/43/following", {"error": "private"}, status=403)

    hidden, refused = await looked_up(
        fake_api,
        mastodon,
        account("42", following_count=540),
        account("43", username="bob", following_count=3),
    )

    assert await mastodon.fetch_following(hidden) is None
    assert await mastodon.fetch_following(refused) is None


async def test_with_the_guard_on_a_handle_pointing_at_a_private_address_is_refused(
    fake_api: FakeApi, make_fetcher: MakeFetcher, clock: FakeClock
) -> None:
    async def resolve_to_loopback(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    async with build_guarded_client(
        allow_private=False, timeout=5, max_bytes=1_000_000, resolver=resolve_to_loopback
    ) as guarded:
        client = MastodonClient(
            make_fetcher(guarded, "Mastodon"),
            paging_limiter=RateLimiter(RateLimit(300, 900), clock=clock, sleep=clock.sleep),
        )
        found = await client.fetch_profiles(["alice@innocent.example"])

    assert isinstance(found["alice@innocent.example"], BlockedHost)
    assert "private or reserved address" in str(found["alice@innocent.example"])
    assert fake_api.seen == []


async def test_a_fifty_megabyte_answer_from_a_hostile_instance_is_cut_off_early(
    fake_api: FakeApi, mastodon: MastodonClient
) -> None:
    written = 0
    chunk = b" " * 65_536

    async def flood(request: web.Request) -> web.StreamResponse:
        nonlocal written
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        try:
            while written < 50_000_000:
                await response.write(chunk)
                written += len(chunk)
        except (ConnectionError, RuntimeError):
            pass  # the client hung up, as it should
        return response

    fake_api.route("/api/v1/accounts/lookup", flood)
    handle = f"alice@{fake_api.host}"

    found = (await mastodon.fetch_profiles([handle]))[handle]

    assert isinstance(found, ResponseTooLarge)
    assert "1,000,000 bytes" in str(found)
    assert written < 25_000_000, f"the server pushed {written:,} bytes"
