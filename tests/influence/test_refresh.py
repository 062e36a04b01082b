"""Refresh keeps the last good data, isolates failures and stores one point a day."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from chatbot.influence.refresh import Refresher
from chatbot.storage import Storage
from chatbot.storage.database import Connection
from chatbot.values.accounts import Post, Profile
from chatbot.values.network_errors import NetworkError, NetworkUnavailable, RateLimited
from tests.support.fakes import FrozenClock

TEAM = "console:acme"


@dataclass
class FakeClient:
    name: str
    label: str
    profiles: dict[str, Profile] = field(default_factory=dict)
    posts: dict[str, list[Post]] = field(default_factory=dict)
    down: bool = False
    profiles_per_request: int = 1
    parallel_accounts: int = 4
    profile_calls: list[list[str]] = field(default_factory=list)

    def parse_handle(self, raw: str) -> str:
        return raw

    def handle_for_humans(self, handle: str) -> str:
        return "@" + handle

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        self.profile_calls.append(list(handles))
        if self.down:
            raise NetworkUnavailable(f"{self.label} timed out")
        return {h: self.profiles.get(h) or NetworkError("not found") for h in handles}

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        return [p for p in self.posts.get(profile.handle, []) if p.created_at >= since]

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        return None


def _account(client: FakeClient, handle: str, now: datetime, reactions: int) -> None:
    client.profiles[handle] = Profile(client.name, handle, f"id-{handle}", followers=500,
                                      following=100, posts_count=200)
    client.posts[handle] = [
        Post(f"{handle}-{i}", now - timedelta(days=i * 3), replies=reactions,
             reposts=reactions, likes=reactions * 3)
        for i in range(20)
    ] + [Post(f"{handle}-old", now - timedelta(days=200), replies=99)]


async def _register(storage: Storage, clock: FrozenClock, user: str, network: str,
                    handle: str, *, verified: bool = True) -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    await storage.members.ensure(TEAM, user, user, now)
    await storage.handles.add(TEAM, user, network, handle, None, "code", now)
    if verified:
        await storage.handles.mark_verified(TEAM, user, network, now)


async def test_refresh_scores_members_and_keeps_only_the_window(
    storage: Storage, clock: FrozenClock
) -> None:
    github = FakeClient("github", "GitHub")
    _account(github, "alice", clock.now(), reactions=5)
    await _register(storage, clock, "alice", "github", "alice")
    refresher = Refresher(storage, {"github": github}, clock)
    report = await refresher.refresh_due(timedelta(hours=1))
    assert (report.members, report.scored, report.fetched) == (1, 1, {"github": 1})
    point = await storage.scores.latest(TEAM, "alice")
    assert point is not None and 1 <= point.score <= 100
    stored = await storage.activity.posts(TEAM, "alice", clock.now() - timedelta(days=365))
    assert len(stored["github"]) == 20  # the 200-day-old post is outside the window
    components = json.loads(point.components_json)
    assert set(components["networks"]) == {"github"}


async def test_a_failing_network_keeps_the_last_good_data_labelled_stale(
    storage: Storage, clock: FrozenClock
) -> None:
    github = FakeClient("github", "GitHub")
    bluesky = FakeClient("bluesky", "Bluesky")
    _account(github, "alice", clock.now(), reactions=5)
    _account(bluesky, "alice.bsky.social", clock.now(), reactions=8)
    _account(github, "bob", clock.now(), reactions=2)
    await _register(storage, clock, "alice", "github", "alice")
    await _register(storage, clock, "alice", "bluesky", "alice.bsky.social")
    await _register(storage, clock, "bob", "github", "bob")
    refresher = Refresher(storage, {"github": github, "bluesky": bluesky}, clock)
    await refresher.refresh_due(timedelta(0))
    before = await storage.scores.latest(TEAM, "alice")
    assert before is not None

    clock.advance(days=1)
    bluesky.down = True
    report = await refresher.refresh_due(timedelta(0))
    assert report.failed == {"bluesky": 1} and report.fetched == {"github": 2}
    handle = await storage.handles.get(TEAM, "alice", "bluesky")
    assert handle is not None and handle.stale_reason == "Bluesky timed out"
    after = await storage.scores.latest(TEAM, "alice")
    assert after is not None and after.day > before.day
    assert abs(after.raw - before.raw) < 2  # Bluesky still counts from its last snapshot
    assert set(json.loads(after.components_json)["networks"]) == {"github", "bluesky"}
    bob = await storage.scores.latest(TEAM, "bob")
    assert bob is not None and bob.day == after.day

    bluesky.down = False
    clock.advance(days=1)
    await refresher.refresh_due(timedelta(0))
    handle = await storage.handles.get(TEAM, "alice", "bluesky")
    assert handle is not None and handle.stale_reason is None


async def test_profiles_are_fetched_in_batches_of_what_one_call_answers(
    storage: Storage, clock: FrozenClock
) -> None:
    bluesky = FakeClient("bluesky", "Bluesky", profiles_per_request=25)
    for i in range(30):
        _account(bluesky, f"m{i}.bsky.social", clock.now(), reactions=1)
        await _register(storage, clock, f"m{i}", "bluesky", f"m{i}.bsky.social")
    await Refresher(storage, {"bluesky": bluesky}, clock).refresh_due(timedelta(0))
    assert sorted(len(call) for call in bluesky.profile_calls) == [5, 25]


async def test_one_point_per_day_and_recently_refreshed_members_wait(
    storage: Storage, clock: FrozenClock
) -> None:
    github = FakeClient("github", "GitHub")
    _account(github, "alice", clock.now(), reactions=5)
    await _register(storage, clock, "alice", "github", "alice")
    refresher = Refresher(storage, {"github": github}, clock)
    await refresher.refresh_due(timedelta(hours=6))
    clock.advance(hours=1)
    assert (await refresher.refresh_due(timedelta(hours=6))).members == 0
    clock.advance(hours=6)
    await refresher.refresh_due(timedelta(hours=6))
    history = await storage.scores.history(TEAM, "alice", clock.now().date() - timedelta(days=5))
    assert len(history) == 1


async def test_unverified_handles_do_not_count_when_the_team_says_so(
    storage: Storage, clock: FrozenClock
) -> None:
    github = FakeClient("github", "GitHub")
    _account(github, "alice", clock.now(), reactions=5)
    await _register(storage, clock, "alice", "github", "alice", verified=False)
    await storage.teams.update(TEAM, count_unverified=False)
    await Refresher(storage, {"github": github}, clock).refresh_due(timedelta(0))
    assert await storage.scores.latest(TEAM, "alice") is None


@dataclass
class BudgetedClient(FakeClient):
    """Answers `budget` requests, then says the rate limit is spent (like keyless GitHub)."""

    budget: int = 0
    requests: int = 0

    def _spend(self) -> None:
        if self.requests >= self.budget:
            raise RateLimited("The rate limit for api.github.com is spent", retry_after=3000)
        self.requests += 1

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        found: dict[str, Profile | NetworkError] = {}
        for handle in handles:
            try:
                self._spend()
            except RateLimited as exc:
                found[handle] = exc
                continue
            found[handle] = self.profiles[handle]
        return found

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        self._spend()
        return await super().fetch_posts(profile, since)


async def test_a_spent_rate_limit_refreshes_whole_members_and_leaves_the_rest_due(
    storage: Storage, clock: FrozenClock
) -> None:
    github = BudgetedClient("github", "GitHub", budget=9)
    for i in range(10):
        _account(github, f"dev{i}", clock.now(), reactions=1)
        await _register(storage, clock, f"dev{i}", "github", f"dev{i}")
    refresher = Refresher(storage, {"github": github}, clock, concurrency=1)
    report = await refresher.refresh_due(timedelta(hours=1))
    assert report.fetched == {"github": 4}  # 2 requests each; the 9th is wasted at most
    assert report.deferred == 6 and report.scored == 4
    assert github.requests == 9
    due = await storage.leases.claim_due("test", clock.now() - timedelta(hours=1), 100,
                                         now=clock.now(), until=clock.now())
    assert len(due) == 6  # they go first next time

    github.budget += 12
    clock.advance(minutes=30)
    report = await refresher.refresh_due(timedelta(hours=1))
    assert report.members == 6
    assert report.fetched == {"github": 6} and report.deferred == 0


@dataclass
class ConcurrencyProbe(FakeClient):
    running: int = 0
    most: int = 0

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(0)
        self.running -= 1
        return await super().fetch_posts(profile, since)


async def test_no_more_accounts_at_once_than_the_network_runs(
    storage: Storage, clock: FrozenClock
) -> None:
    github = ConcurrencyProbe("github", "GitHub", parallel_accounts=1)
    for i in range(6):
        _account(github, f"dev{i}", clock.now(), reactions=1)
        await _register(storage, clock, f"dev{i}", "github", f"dev{i}")
    report = await Refresher(storage, {"github": github}, clock).refresh_due(timedelta(0))
    assert report.fetched == {"github": 6}
    assert github.most == 1


async def test_each_fetched_account_costs_one_write_transaction(
    storage: Storage, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commands wait behind refresh's writes, so storing an account is one transaction:
    the claim check, the snapshot, the posts and the handle row together."""
    github = FakeClient("github", "GitHub")
    for i in range(5):
        _account(github, f"dev{i}", clock.now(), reactions=1)
        await _register(storage, clock, f"dev{i}", "github", f"dev{i}")
    begun = 0
    transaction = storage.db.transaction

    def counted() -> AbstractAsyncContextManager[Connection]:
        nonlocal begun
        begun += 1
        return transaction()

    monkeypatch.setattr(storage.db, "transaction", counted)
    refresher = Refresher(storage, {"github": github}, clock)
    runs = []
    for members in (1, 4):  # the same run's fixed writes, with 1 then 4 accounts to store
        begun = 0
        report = await refresher.refresh_due(timedelta(0), limit=members)
        assert report.fetched == {"github": members}
        runs.append(begun)
    assert runs[1] - runs[0] == 3
