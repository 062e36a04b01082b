"""Primitives for replicas on one database, each exercised by two Storage instances
(two pools, as two processes would have) on both engines."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from chatbot.storage import Storage, open_storage

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TEAM = "console:acme"


@pytest.fixture
async def pair(database_url: str) -> AsyncIterator[tuple[Storage, Storage]]:
    first = await open_storage(database_url)
    second = await open_storage(database_url)
    yield first, second
    await first.close()
    await second.close()


async def _members(storage: Storage, count: int) -> list[tuple[str, str]]:
    await storage.teams.ensure(TEAM, "console", "acme", NOW)
    made = []
    for index in range(count):
        user = f"m{index:03d}"
        await storage.members.ensure(TEAM, user, user, NOW)
        await storage.handles.add(TEAM, user, "github", user, user, "code", NOW)
        made.append((TEAM, user))
    return made


async def test_two_workers_claiming_at_once_never_get_the_same_member(
    pair: tuple[Storage, Storage],
) -> None:
    first, second = pair
    everyone = set(await _members(first, 40))
    until = NOW + timedelta(minutes=5)
    rounds = await asyncio.gather(*(
        (first if index % 2 else second).leases.claim_due(
            f"worker{index % 2}", NOW, 7, now=NOW, until=until)
        for index in range(8)))
    claimed = [(m.team_id, m.user_id) for batch in rounds for m in batch]
    assert len(claimed) == len(set(claimed)), "a member was leased twice"
    assert set(claimed) == everyone
    assert await first.leases.claim_due("worker2", NOW, 10, now=NOW, until=until) == []


async def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(
    pair: tuple[Storage, Storage],
) -> None:
    first, second = pair
    await _members(first, 3)
    taken = await first.leases.claim_due("dead", NOW, 10, now=NOW,
                                         until=NOW + timedelta(minutes=5))
    assert len(taken) == 3
    later = NOW + timedelta(minutes=4)
    assert await second.leases.claim_due("alive", NOW, 10, now=later,
                                         until=later + timedelta(minutes=5)) == []
    expired = NOW + timedelta(minutes=5)
    again = await second.leases.claim_due("alive", NOW, 10, now=expired,
                                          until=expired + timedelta(minutes=5))
    assert {m.user_id for m in again} == {"m000", "m001", "m002"}
    assert await second.leases.held("alive", expired) == [(TEAM, u) for u in
                                                          ("m000", "m001", "m002")]
    assert await first.leases.held("dead", expired) == []


async def test_renewing_keeps_a_lease_and_releasing_hands_it_back(
    pair: tuple[Storage, Storage],
) -> None:
    first, second = pair
    await _members(first, 2)
    mine = [(m.team_id, m.user_id) for m in await first.leases.claim_due(
        "a", NOW, 10, now=NOW, until=NOW + timedelta(minutes=1))]
    assert await first.leases.renew("a", mine, NOW + timedelta(minutes=10)) == 2
    assert await second.leases.renew("b", mine, NOW + timedelta(minutes=10)) == 0
    past_first_expiry = NOW + timedelta(minutes=2)
    assert await second.leases.claim_due("b", NOW, 10, now=past_first_expiry,
                                         until=NOW + timedelta(minutes=20)) == []
    await first.leases.release("a", mine[:1])
    back = await second.leases.claim_due("b", NOW, 10, now=past_first_expiry,
                                         until=NOW + timedelta(minutes=20))
    assert [(m.team_id, m.user_id) for m in back] == mine[:1]


async def test_a_member_refreshed_meanwhile_is_not_claimed(pair: tuple[Storage, Storage]
                                                           ) -> None:
    first, _ = pair
    await _members(first, 2)
    await first.members.mark_refreshed_many([(TEAM, "m000")], NOW)
    due = await first.leases.claim_due("a", NOW - timedelta(hours=1), 10, now=NOW,
                                       until=NOW + timedelta(minutes=5))
    assert [m.user_id for m in due] == ["m001"]


async def test_taking_from_two_stores_at_once_never_passes_the_limit(
    pair: tuple[Storage, Storage],
) -> None:
    first, second = pair
    now = NOW.timestamp()
    outcomes = await asyncio.gather(*(
        (first if index % 2 else second).budgets.take("github:keyless", 3, 50, 3600, now)
        for index in range(40)))
    granted = [taken for taken, _ in outcomes]
    assert sum(granted) == 50  # sixteen get 3, one the last 2, the rest nothing
    assert await first.budgets.spent("github:keyless", 3600, now) == 50
    # Refused: told to come back when the first bucket leaves the window (an hour and
    # one 60-s bucket later), not sooner.
    assert await second.budgets.take("github:keyless", 1, 50, 3600, now + 1800) == (
        0, pytest.approx(3600 + 60 - 1800, abs=0.01))
    assert (await second.budgets.take("github:keyless", 1, 50, 3600, now + 3661))[0] == 1
    # Old buckets go; the one spent in is kept.
    assert await first.budgets.forget_before(NOW + timedelta(seconds=3600)) == 1
    assert await first.budgets.spent("github:keyless", 3600, now + 3661) == 1


async def test_a_write_through_one_store_invalidates_the_other_s_cache(
    pair: tuple[Storage, Storage],
) -> None:
    first, second = pair
    before = await second.db.version()
    await _members(first, 1)
    after = await second.db.version()
    assert after > before
    await first.leases.claim_due("a", NOW, 10, now=NOW, until=NOW + timedelta(minutes=5))
    assert await second.db.version() == after, "leases are not data any cache shows"


async def test_the_tracer_sees_reads_and_writes(database_url: str) -> None:
    """Tests that assert a path runs no SQL rely on the tracer seeing every statement."""
    storage = await open_storage(database_url)
    seen: list[str] = []
    storage.db.tracer = seen.append
    try:
        await storage.teams.ensure(TEAM, "console", "acme", NOW)
        await storage.members.names(TEAM)
        assert any(s.startswith("INSERT INTO teams") for s in seen), seen
        assert any("FROM members" in s for s in seen), seen
    finally:
        storage.db.tracer = None
        await storage.close()
