"""One account, one member: claims by stable id, take-overs, settling at refresh, notices."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from chatbot.storage import Database, Storage
from chatbot.storage.activity import FetchedAccount
from chatbot.storage.models import Handle, Holder
from chatbot.storage.notices import CLAIM_RESOLVED, CLAIM_TAKEN
from chatbot.values.accounts import Post

TEAM = "console:acme"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _account(account_id: str) -> FetchedAccount:
    return FetchedAccount(account_id, 10, 5, 1, {}, [Post(f"{account_id}-p", NOW, replies=1)])


async def _fetched(storage: Storage, user: str, network: str, account_id: str) -> bool:
    """A refresh of the member's registered account that found `account_id` behind it."""
    own = await storage.handles.get(TEAM, user, network)
    assert own is not None
    return await storage.activity.save_fetch(own, _account(account_id), NOW)


async def _members(storage: Storage, *users: str) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", NOW)
    for user in users:
        await storage.members.ensure(TEAM, user, user.capitalize(), NOW)


async def test_new_teams_start_provisional(storage: Storage) -> None:
    await _members(storage)
    team = await storage.teams.get(TEAM)
    assert team is not None and team.count_unverified is False


async def test_a_second_spelling_of_a_held_account_names_its_holder_and_writes_nothing(
    storage: Storage,
) -> None:
    await _members(storage, "ada", "bob")
    # Same canonical URI behind two ways of writing the server: one account.
    uri = "https://social.example/users/ada"
    first = await storage.handles.add(TEAM, "ada", "mastodon", "ada@social.example", uri,
                                      "c1", NOW)
    assert isinstance(first, Handle)
    second = await storage.handles.add(TEAM, "bob", "mastodon", "ada@SOCIAL.example.", uri,
                                       "c2", NOW)
    assert second == Holder("ada", "ada@social.example", verified=False)
    assert await storage.handles.for_member(TEAM, "bob") == []
    # Another team may have its own member holding the same account.
    await storage.teams.ensure("console:other", "console", "other", NOW)
    await storage.members.ensure("console:other", "bob", "Bob", NOW)
    elsewhere = await storage.handles.add("console:other", "bob", "mastodon",
                                          "ada@social.example", uri, "c3", NOW)
    assert isinstance(elsewhere, Handle)


async def test_registering_the_same_account_again_keeps_its_verification_and_age(
    storage: Storage,
) -> None:
    await _members(storage, "ada")
    await storage.handles.add(TEAM, "ada", "github", "ada", "1", "c1", NOW)
    await storage.handles.mark_verified(TEAM, "ada", "github", NOW)
    again = await storage.handles.add(TEAM, "ada", "github", "Ada", "1", "c2",
                                      NOW + timedelta(days=3))
    assert isinstance(again, Handle) and again.verified and again.created_at == NOW
    assert await storage.activity.save_fetch(
        again, FetchedAccount("1", 0, 0, 1, {}, [Post("p1", NOW, replies=3)]), NOW)
    other = await storage.handles.add(TEAM, "ada", "github", "ada-new", "2", "c3",
                                      NOW + timedelta(days=4))
    assert isinstance(other, Handle) and not other.verified
    stored = await storage.activity.posts(TEAM, "ada", NOW - timedelta(days=90))
    assert stored.get("github", []) == []


async def test_a_verified_challenger_takes_an_unverified_claim_and_its_member_is_told(
    storage: Storage,
) -> None:
    await _members(storage, "ada", "bob")
    first = await storage.handles.add(TEAM, "ada", "github", "octocat", "583231", "c1", NOW)
    assert isinstance(first, Handle)
    assert await storage.activity.save_fetch(
        first, FetchedAccount("583231", 0, 0, 1, {}, [Post("p1", NOW, replies=3)]), NOW)
    await storage.claims.challenge(TEAM, "bob", "github", "OctoCat", "583231", "c2", NOW)
    taken = await storage.claims.take_over(TEAM, "bob", "github", NOW)
    assert taken.done and taken.previous == Holder("ada", "octocat", verified=False)
    assert await storage.handles.get(TEAM, "ada", "github") is None
    assert (await storage.activity.posts(TEAM, "ada", NOW - timedelta(days=9))) == {}
    won = await storage.handles.get(TEAM, "bob", "github")
    assert won is not None and won.verified and won.account_id == "583231"
    assert await storage.claims.challenge_of(TEAM, "bob", "github") is None
    [notice] = await storage.notices.take(TEAM, "ada")
    assert (notice.kind, notice.network, notice.handle) == (CLAIM_TAKEN, "github", "octocat")
    assert await storage.notices.take(TEAM, "ada") == []  # shown once


async def test_a_verified_claim_is_never_taken_over(storage: Storage) -> None:
    await _members(storage, "ada", "bob")
    await storage.handles.add(TEAM, "ada", "github", "octocat", "583231", "c1", NOW)
    await storage.claims.challenge(TEAM, "bob", "github", "octocat", "583231", "c2", NOW)
    await storage.handles.mark_verified(TEAM, "ada", "github", NOW)
    refused = await storage.claims.take_over(TEAM, "bob", "github", NOW)
    assert not refused.done and refused.previous == Holder("ada", "octocat", verified=True)
    assert await storage.handles.get(TEAM, "bob", "github") is None
    assert await storage.notices.take(TEAM, "ada") == []


async def test_a_name_that_now_leads_to_another_account_keeps_the_claim(
    storage: Storage,
) -> None:
    await _members(storage, "ada")
    await storage.handles.add(TEAM, "ada", "github", "ada", "1", "c1", NOW)
    stored = await _fetched(storage, "ada", "github", "2")
    assert stored is False
    handle = await storage.handles.get(TEAM, "ada", "github")
    assert handle is not None and handle.account_id == "1"
    assert handle.stale_reason is not None and "different account" in str(handle.stale_reason)
    assert await _fetched(storage, "ada", "github", "1")


async def test_a_server_local_mastodon_id_gives_way_to_the_account_uri(
    storage: Storage,
) -> None:
    await _members(storage, "ada")
    await storage.handles.add(TEAM, "ada", "mastodon", "ada@one.example", "109", "c1", NOW)
    uri = "https://one.example/users/ada"
    assert await _fetched(storage, "ada", "mastodon", uri)
    handle = await storage.handles.get(TEAM, "ada", "mastodon")
    assert handle is not None and handle.account_id == uri and handle.stale_reason is None
    # Once it is a URI, another URI is another account.
    assert not await _fetched(storage, "ada", "mastodon", "https://one.example/users/eve")


async def test_ids_first_seen_at_refresh_settle_duplicates_verified_first_then_oldest(
    storage: Storage,
) -> None:
    await _members(storage, "ada", "bob", "cyd")
    # Claims from before Mastodon ids were URIs: the ids are unknown until fetched.
    await storage.handles.add(TEAM, "ada", "mastodon", "ada@one.example", None, "c", NOW)
    await storage.handles.add(TEAM, "bob", "mastodon", "ada@ONE.example", None, "c",
                              NOW + timedelta(days=1))
    await storage.handles.add(TEAM, "cyd", "mastodon", "ada@www.one.example", None, "c",
                              NOW + timedelta(days=2))
    await storage.handles.mark_verified(TEAM, "cyd", "mastodon", NOW)
    uri = "https://one.example/users/ada"
    assert await _fetched(storage, "ada", "mastodon", uri)
    # bob's claim is younger than ada's and unverified: bob loses.
    assert not await _fetched(storage, "bob", "mastodon", uri)
    # cyd's is verified: cyd keeps the account and ada loses it.
    assert await _fetched(storage, "cyd", "mastodon", uri)
    owners = [(h.user_id, h.account_id) for h in await storage.handles.for_team(TEAM)]
    assert owners == [("cyd", uri)]
    for loser, handle in (("ada", "ada@one.example"), ("bob", "ada@ONE.example")):
        [notice] = await storage.notices.take(TEAM, loser)
        assert (notice.kind, notice.handle) == (CLAIM_RESOLVED, handle)
    assert await storage.notices.take(TEAM, "cyd") == []


async def test_forget_and_export_cover_notices_and_challenges(storage: Storage) -> None:
    await _members(storage, "ada", "bob")
    await storage.handles.add(TEAM, "ada", "github", "octocat", "583231", "c1", NOW)
    await storage.claims.challenge(TEAM, "bob", "github", "octocat", "583231", "c2", NOW)
    await storage.claims.take_over(TEAM, "bob", "github", NOW)
    await storage.claims.challenge(TEAM, "ada", "github", "octocat", "583231", "c3", NOW)
    exported = await storage.privacy.export(TEAM, "ada")
    assert [row["kind"] for row in exported["member_notices"]] == [CLAIM_TAKEN]
    assert [row["verify_code"] for row in exported["claim_challenges"]] == ["c3"]
    await storage.privacy.forget(TEAM, "ada")
    after = await storage.privacy.export(TEAM, "ada")
    assert after["member_notices"] == [] and after["claim_challenges"] == []


USERS = st.sampled_from(["u1", "u2"])
ACCOUNTS = st.sampled_from(["A", "B"])
OPERATION = st.one_of(
    st.tuples(st.just("register"), USERS, ACCOUNTS),
    st.tuples(st.just("verify"), USERS, ACCOUNTS),
    st.tuples(st.just("remove"), USERS, ACCOUNTS),
    st.tuples(st.just("refresh"), USERS, ACCOUNTS),
    st.tuples(st.just("prove"), USERS, ACCOUNTS),
)


@settings(max_examples=80, deadline=None)
@given(operations=st.lists(OPERATION, min_size=4, max_size=16))
@example(operations=[("register", "u1", "A"), ("register", "u2", "A"), ("verify", "u1", "A"),
                     ("prove", "u2", "A")])
def test_whatever_members_do_an_account_has_one_claim_and_verified_claims_stay(
    operations: list[tuple[str, str, str]],
) -> None:
    asyncio.run(_play(operations))


async def _play(operations: list[tuple[str, str, str]]) -> None:
    """Registering (with a take-over when the holder hasn't verified), verifying,
    removing and refreshing in any order: never two claims on one account, and a
    verified claim goes only by its own member's hand."""
    storage = Storage.over(await Database.open(":memory:"))
    try:
        await _members(storage, "u1", "u2")
        verified: dict[str, str] = {}  # account -> member whose verified claim holds it
        for step, (action, user, account) in enumerate(operations):
            now = NOW + timedelta(minutes=step)
            own = await storage.handles.get(TEAM, user, "github")
            if action == "register":
                added = await storage.handles.add(TEAM, user, "github", f"{account}-{user}",
                                                  account, "c", now)
                if isinstance(added, Holder) and not added.verified:
                    await storage.claims.challenge(TEAM, user, "github", f"{account}-{user}",
                                                   account, "c", now)
            elif action == "prove":  # the code is in the profile: the challenge is decided
                await storage.claims.take_over(TEAM, user, "github", now)
            elif action == "verify" and own is not None:
                await storage.handles.mark_verified(TEAM, user, "github", now)
            elif action == "remove":
                await storage.handles.remove(TEAM, user, "github")
            elif action == "refresh" and own is not None:
                await storage.activity.save_fetch(own, _account(account), now)
            claims = await storage.handles.for_team(TEAM)
            ids = [h.account_id for h in claims]
            assert len(ids) == len(set(ids))
            for held, holder in list(verified.items()):
                if holder == user and action in ("register", "remove", "prove"):
                    del verified[held]  # the member's own hand may let it go
                    continue
                assert any(h.user_id == holder and h.account_id == held and h.verified
                           for h in claims), (held, holder)
            verified.update({h.account_id: h.user_id for h in claims
                             if h.verified and h.account_id is not None})
    finally:
        await storage.close()
