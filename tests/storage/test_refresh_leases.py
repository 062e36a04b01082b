"""`refresh_due` claims leases: processes on one database share the due members, each
fetched by exactly one of them per cycle, and a dead process's members are taken over."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from chatbot.influence.refresh import Refresher
from chatbot.storage import Storage, open_storage
from chatbot.values.accounts import Post, Profile
from chatbot.values.network_errors import NetworkError, RateLimited
from tests.support.fakes import FrozenClock

TEAM = "console:acme"


@dataclass
class CountingClient:
    """Counts every profile it is asked for; yields to the loop so runs interleave."""

    name: str = "github"
    label: str = "GitHub"
    asked: Counter[str] = field(default_factory=Counter)
    profiles_per_request: int = 5
    parallel_accounts: int = 4

    def parse_handle(self, raw: str) -> str:
        return raw

    def handle_for_humans(self, handle: str) -> str:
        return handle

    async def fetch_profiles(self, handles: Sequence[str]
                             ) -> Mapping[str, Profile | NetworkError]:
        await asyncio.sleep(0)
        self.asked.update(handles)
        return {h: Profile(self.name, h, h, followers=10, following=5, posts_count=1)
                for h in handles}

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        await asyncio.sleep(0)
        return []

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        return None


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[list[Storage]]:
    opened = [await open_storage(database_url) for _ in range(3)]
    yield opened
    for storage in opened:
        await storage.close()


async def _team(storage: Storage, now: datetime, count: int) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", now)
    for index in range(count):
        user = f"m{index:03d}"
        await storage.members.ensure(TEAM, user, user, now)
        await storage.handles.add(TEAM, user, "github", user, user, "code", now)


async def test_three_processes_refresh_each_due_member_exactly_once(
    stores: list[Storage],
) -> None:
    clock = FrozenClock()
    await _team(stores[0], clock.now(), 45)
    client = CountingClient()
    refreshers = [Refresher(storage, {"github": client}, clock, worker=f"replica{i}")
                  for i, storage in enumerate(stores)]
    reports = await asyncio.gather(*(r.refresh_due(timedelta(hours=1), limit=20)
                                     for r in refreshers))
    # However the three runs interleave, together they take every member once.
    reports += await asyncio.gather(*(r.refresh_due(timedelta(hours=1), limit=20)
                                      for r in refreshers))
    assert sum(report.members for report in reports) == 45
    assert set(client.asked.values()) == {1} and len(client.asked) == 45
    for index, storage in enumerate(stores):
        assert await storage.leases.held(f"replica{index}", clock.now()) == []


async def test_a_killed_process_s_members_are_taken_over_once_its_leases_expire(
    stores: list[Storage],
) -> None:
    clock = FrozenClock()
    await _team(stores[0], clock.now(), 6)
    # The dead process claimed three members and never came back to release them.
    dead = await stores[0].leases.claim_due("killed", clock.now() - timedelta(hours=1), 3,
                                            now=clock.now(),
                                            until=clock.now() + timedelta(minutes=15))
    client = CountingClient()
    survivor = Refresher(stores[1], {"github": client}, clock, worker="survivor")
    first = await survivor.refresh_due(timedelta(hours=1))
    assert first.members == 3
    assert not set(client.asked) & {m.user_id for m in dead}
    clock.advance(minutes=16)
    second = await survivor.refresh_due(timedelta(hours=1))
    assert second.members == 3
    assert set(client.asked) == {f"m{i:03d}" for i in range(6)}
    assert set(client.asked.values()) == {1}


async def test_replicas_take_turns_at_the_due_members_a_chunk_at_a_time(
    stores: list[Storage],
) -> None:
    clock = FrozenClock()
    await _team(stores[0], clock.now(), 50)
    client = CountingClient()
    refreshers = [Refresher(storage, {"github": client}, clock, worker=f"replica{i}",
                            claim_chunk=10) for i, storage in enumerate(stores[:2])]
    reports = await asyncio.gather(*(r.refresh_due(timedelta(hours=1)) for r in refreshers))
    # Neither took everything while the other waited, and nobody was fetched twice.
    assert sorted(report.members for report in reports)[0] >= 10
    assert sum(report.members for report in reports) == 50
    assert set(client.asked.values()) == {1} and len(client.asked) == 50


async def test_refreshing_everyone_takes_each_member_once_while_time_moves(
    stores: list[Storage],
) -> None:
    clock = FrozenClock()
    await _team(stores[0], clock.now(), 25)
    client = CountingClient()

    class Ticking(CountingClient):
        async def fetch_profiles(self, handles: Sequence[str]
                                 ) -> Mapping[str, Profile | NetworkError]:
            clock.advance(minutes=1)  # a refresh takes time: later chunks see a later now
            return await client.fetch_profiles(handles)

    refresher = Refresher(stores[0], {"github": Ticking()}, clock, claim_chunk=10)
    report = await refresher.refresh_due(timedelta(0), limit=100)
    assert report.members == 25
    assert set(client.asked.values()) == {1}


async def test_members_a_spent_limit_holds_back_do_not_stop_the_others(
    stores: list[Storage],
) -> None:
    clock = FrozenClock()
    await _team(stores[0], clock.now(), 12)  # m000..m011 on GitHub
    for index in range(12, 30):
        user = f"m{index:03d}"
        await stores[0].members.ensure(TEAM, user, user, clock.now())
        await stores[0].handles.add(TEAM, user, "bluesky", user, user, "code", clock.now())

    class Spent(CountingClient):
        async def fetch_profiles(self, handles: Sequence[str]
                                 ) -> Mapping[str, Profile | NetworkError]:
            return dict.fromkeys(handles, RateLimited("GitHub's budget is spent", 3000))

    bluesky = CountingClient(name="bluesky", label="Bluesky")
    refresher = Refresher(stores[0], {"github": Spent(), "bluesky": bluesky}, clock,
                          claim_chunk=10)
    report = await refresher.refresh_due(timedelta(hours=1), limit=100)
    assert len(bluesky.asked) == 18, "every Bluesky member, past the chunks of GitHub ones"
    assert report.deferred >= 12
