"""Reading who follows whom inside the team, within a time budget."""

from __future__ import annotations

import time

from chatbot.followfriday.follow_graph import TeamAccount, read_follow_graph
from tests.followfriday.support import FakeNetwork


def account(user: str, network: str = "bluesky", following: int = 0) -> TeamAccount:
    return TeamAccount(user, network, f"{user}.bsky.social", f"did:plc:{user}", following)


async def test_follow_lists_are_mapped_to_teammates_by_handle_or_account_id() -> None:
    bluesky = FakeNetwork("bluesky", following={
        "alice.bsky.social": frozenset({"BOB.bsky.social", "stranger.bsky.social",
                                        "alice.bsky.social", "did:plc:carol"}),
    })
    graph = await read_follow_graph({"bluesky": bluesky},
                                    [account("alice"), account("bob"), account("carol")],
                                    budget_seconds=1)
    assert graph["bluesky"]["alice"] == frozenset({"bob", "carol"})
    assert graph["bluesky"]["bob"] == frozenset()


async def test_private_failing_and_slow_lists_are_unknown_and_the_budget_holds() -> None:
    bluesky = FakeNetwork("bluesky", refuse={"alice.bsky.social"}, fail={"bob.bsky.social"},
                          hang={"carol.bsky.social"})
    started = time.monotonic()
    graph = await read_follow_graph(
        {"bluesky": bluesky}, [account(u) for u in ("alice", "bob", "carol", "dave")],
        budget_seconds=0.2,
    )
    assert time.monotonic() - started < 2
    assert set(graph["bluesky"]) == {"dave"}


async def test_only_networks_two_members_share_and_that_have_a_client_are_asked() -> None:
    bluesky = FakeNetwork("bluesky")
    graph = await read_follow_graph(
        {"bluesky": bluesky},
        [account("alice"), account("bob", network="github"), account("carol", network="x"),
         account("dave", network="x")],
        budget_seconds=1,
    )
    assert graph == {} and bluesky.asked == []


async def test_the_last_known_following_count_is_passed_to_the_client() -> None:
    bluesky = FakeNetwork("bluesky")
    await read_follow_graph({"bluesky": bluesky}, [account("alice", following=12),
                                                   account("bob")], budget_seconds=1)
    assert {p.handle: p.following for p in bluesky.asked} == {
        "alice.bsky.social": 12, "bob.bsky.social": 0}
