"""Refresh racing `forget` and `unregister`: the run goes on and writes nothing removed."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chatbot.influence.refresh import Refresher
from chatbot.platforms.console import ConsoleSession
from chatbot.storage import Storage
from chatbot.storage.scores import DayScore
from chatbot.values.accounts import Post, Profile
from chatbot.values.network_errors import NetworkError
from chatbot.values.reply import Tone
from commands.registry import Dispatcher
from tests.support.fakes import FrozenClock

TEAM = "console:acme"
MEMBERS = 200


@dataclass
class GatedClient:
    """Answers at once, except for the `gated` accounts' posts: those wait for `release`."""

    name: str
    label: str
    now: datetime
    gated: set[str] = field(default_factory=set)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    profiles_per_request: int = 25
    parallel_accounts: int = 16

    def parse_handle(self, raw: str) -> str:
        return raw

    def handle_for_humans(self, handle: str) -> str:
        return "@" + handle

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        return {h: Profile(self.name, h, f"id-{h}", followers=300, following=50, posts_count=40)
                for h in handles}

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        if profile.handle in self.gated:
            self.started.set()
            await self.release.wait()
        return [Post(f"{profile.handle}-{i}", self.now - timedelta(days=i), replies=2, likes=5)
                for i in range(5)]

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        return None


async def _team(storage: Storage, clock: FrozenClock) -> None:
    now = clock.now()
    await storage.teams.ensure(TEAM, "console", "acme", now)
    for i in range(MEMBERS):
        await storage.members.ensure(TEAM, f"m{i}", f"m{i}", now)
        await storage.handles.add(TEAM, f"m{i}", "github", f"m{i}", None, "code", now)
        await storage.handles.mark_verified(TEAM, f"m{i}", "github", now)
    await storage.members.ensure(TEAM, "bob", "bob", now)
    await storage.handles.add(TEAM, "bob", "github", "bob-gh", None, "code", now)
    await storage.handles.mark_verified(TEAM, "bob", "github", now)
    await storage.handles.add(TEAM, "bob", "bluesky", "bob.bsky.social", None, "code", now)
    await storage.handles.mark_verified(TEAM, "bob", "bluesky", now)


async def _rows_about_bob(storage: Storage, network: str | None = None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in ("metric_snapshots", "posts"):
        sql = f"SELECT COUNT(*) AS n FROM {table} WHERE team_id = ? AND user_id = 'bob'"
        params: tuple[str, ...] = (TEAM,)
        if network is not None:
            sql += " AND network = ?"
            params = (TEAM, network)
        row = await storage.db.fetch_one(sql, params)
        counts[table] = int(row["n"]) if row else 0
    return counts


async def test_forget_during_a_refresh_leaves_nothing_and_the_run_goes_on(
    storage: Storage, dispatcher: Dispatcher, clock: FrozenClock
) -> None:
    await _team(storage, clock)
    github = GatedClient("github", "GitHub", clock.now())
    bluesky = GatedClient("bluesky", "Bluesky", clock.now(), gated={"bob.bsky.social"})
    refresher = Refresher(storage, {"github": github, "bluesky": bluesky}, clock)
    run = asyncio.create_task(refresher.refresh_due(timedelta(0)))
    await bluesky.started.wait()
    done = await ConsoleSession(dispatcher, "bob", "acme").handle("forget confirm")
    assert done.tone is Tone.SUCCESS
    bluesky.release.set()
    report = await run

    assert report.scored == MEMBERS
    assert report.fetched == {"github": MEMBERS}
    exported = await storage.privacy.export(TEAM, "bob")
    assert {table: rows for table, rows in exported.items() if rows} == {}
    assert len(await storage.members.all(TEAM)) == MEMBERS


async def test_unregister_during_a_refresh_keeps_that_account_out(
    storage: Storage, dispatcher: Dispatcher, clock: FrozenClock
) -> None:
    await _team(storage, clock)
    github = GatedClient("github", "GitHub", clock.now())
    bluesky = GatedClient("bluesky", "Bluesky", clock.now(), gated={"bob.bsky.social"})
    refresher = Refresher(storage, {"github": github, "bluesky": bluesky}, clock)
    run = asyncio.create_task(refresher.refresh_due(timedelta(0)))
    await bluesky.started.wait()
    removed = await ConsoleSession(dispatcher, "bob", "acme").handle("unregister bluesky")
    assert removed.tone is Tone.SUCCESS and "Removed" in removed.text
    bluesky.release.set()
    report = await run

    assert "bluesky" not in report.fetched
    assert await _rows_about_bob(storage, "bluesky") == {"metric_snapshots": 0, "posts": 0}
    assert await _rows_about_bob(storage, "github") == {"metric_snapshots": 1, "posts": 5}
    point = await storage.scores.latest(TEAM, "bob")
    assert point is not None and "bluesky" not in point.components_json


async def test_a_re_registration_during_a_refresh_is_not_overwritten_by_the_old_fetch(
    storage: Storage, clock: FrozenClock
) -> None:
    """The claim is the registration that was read, not just the network."""
    await _team(storage, clock)
    bluesky = GatedClient("bluesky", "Bluesky", clock.now(), gated={"bob.bsky.social"})
    refresher = Refresher(storage, {"github": GatedClient("github", "GitHub", clock.now()),
                                    "bluesky": bluesky}, clock)
    run = asyncio.create_task(refresher.refresh_due(timedelta(0)))
    await bluesky.started.wait()
    await storage.handles.remove(TEAM, "bob", "bluesky")
    await storage.handles.add(TEAM, "bob", "bluesky", "other.bsky.social", None, "new-code",
                              clock.now() + timedelta(seconds=1))
    bluesky.release.set()
    await run
    assert await _rows_about_bob(storage, "bluesky") == {"metric_snapshots": 0, "posts": 0}
    handle = await storage.handles.get(TEAM, "bob", "bluesky")
    assert handle is not None and handle.last_fetched_at is None


async def test_a_point_scored_for_a_member_who_just_left_is_dropped(
    storage: Storage, clock: FrozenClock
) -> None:
    """Scoring reads, then writes a chunk of points; a `forget` in between must not fail the
    chunk (it did, with FOREIGN KEY constraint failed)."""
    await _team(storage, clock)
    await storage.privacy.forget(TEAM, "bob")
    points = [DayScore(TEAM, user, clock.now().date(), 40, 40.0, "2", "{}", {"github": 40.0},
                       clock.now()) for user in ("m1", "bob", "m2")]
    await storage.scores.save_days(points)
    assert await storage.scores.latest(TEAM, "bob") is None
    assert set(await storage.scores.values_on(TEAM, clock.now().date())) == {"m1", "m2"}
