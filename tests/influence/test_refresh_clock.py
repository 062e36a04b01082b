"""Times from the future (a clock that jumped ahead, a server's dates) are clamped to now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from chatbot.influence.leaderboards import Leaderboards
from chatbot.influence.refresh import Refresher
from chatbot.storage import Storage
from chatbot.values.accounts import Post, Profile
from chatbot.values.network_errors import NetworkError
from tests.support.fakes import FrozenClock

TEAM = "console:acme"
END_OF_TIME = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)


@dataclass
class ClockedClient:
    """Followers and post dates follow the clock the bot runs on; `far_future` adds a post
    dated 9999-12-31, as a hostile or broken server might."""

    clock: FrozenClock
    name: str = "github"
    label: str = "GitHub"
    followers: int = 500
    far_future: bool = False
    profiles_per_request: int = 1
    parallel_accounts: int = 4

    def parse_handle(self, raw: str) -> str:
        return raw

    def handle_for_humans(self, handle: str) -> str:
        return "@" + handle

    async def fetch_profiles(self, handles: Sequence[str]) -> Mapping[str, Profile | NetworkError]:
        return {h: Profile(self.name, h, f"id-{h}", followers=self.followers, following=80,
                           posts_count=100) for h in handles}

    async def fetch_posts(self, profile: Profile, since: datetime) -> Sequence[Post]:
        now = self.clock.now()
        posts = [Post(f"{profile.handle}-{i}", now - timedelta(days=2 * i), replies=3, likes=9)
                 for i in range(10)]
        if self.far_future:
            posts.append(Post(f"{profile.handle}-doom", END_OF_TIME, replies=500, likes=9000))
        return posts

    async def fetch_following(self, profile: Profile) -> frozenset[str] | None:
        return None


async def _register(storage: Storage, clock: FrozenClock, *users: str) -> None:
    await storage.teams.ensure(TEAM, "console", "acme", clock.now())
    for user in users:
        await storage.members.ensure(TEAM, user, user, clock.now())
        await storage.handles.add(TEAM, user, "github", user, None, "code", clock.now())
        await storage.handles.mark_verified(TEAM, user, "github", clock.now())


async def test_after_a_clock_jump_members_are_due_again_and_the_future_scores_go(
    storage: Storage, clock: FrozenClock
) -> None:
    real = clock.now()
    await _register(storage, clock, "alice", "bob")
    client = ClockedClient(clock, followers=2_000_000)
    refresher = Refresher(storage, {"github": client}, clock)
    clock.advance(days=1000)
    assert (await refresher.refresh_due(timedelta(0))).members == 2

    clock.moment = real + timedelta(hours=1)
    client.followers = 500
    report = await refresher.refresh_due(timedelta(hours=6))
    assert report.members == 2 and report.scored == 2
    today = clock.now().date()
    for user in ("alice", "bob"):
        member = await storage.members.get(TEAM, user)
        assert member is not None and member.last_refreshed_at == clock.now()
        history = await storage.scores.history(TEAM, user, date(2000, 1, 1))
        assert [point.day for point in history] == [today]
        snapshots = await storage.activity.latest_snapshots(TEAM, user)
        assert [(s.day, s.followers) for s in snapshots] == [(today, 500)]
    # What the leaderboard ranks: today's points, not the ones from 1,000 days ahead.
    board = await Leaderboards(storage).page(TEAM, today, page=1, size=10, caller="alice")
    fresh = await Refresher(storage, {"github": client}, clock).rescore(TEAM, "alice")
    assert fresh is not None
    assert [row.score for row in board.standings] == [round(fresh.raw)] * 2
    # Nobody is due again until the interval passes.
    assert (await refresher.refresh_due(timedelta(hours=6))).members == 0


async def test_future_refresh_times_go_first(storage: Storage, clock: FrozenClock) -> None:
    await _register(storage, clock, "alice", "bob")
    await storage.members.mark_refreshed_many([(TEAM, "alice")], clock.now() - timedelta(days=1))
    await storage.members.mark_refreshed_many([(TEAM, "bob")], clock.now() + timedelta(days=1000))
    due = await storage.leases.claim_due("test", clock.now() - timedelta(hours=6), 1,
                                         now=clock.now(), until=clock.now())
    assert [m.user_id for m in due] == ["bob"]


async def test_posts_dated_in_the_future_are_stored_at_the_fetch_time_and_pruned(
    storage: Storage, clock: FrozenClock
) -> None:
    await _register(storage, clock, "alice")
    refresher = Refresher(storage, {"github": ClockedClient(clock, far_future=True)}, clock)
    await refresher.refresh_due(timedelta(0))
    posts = (await storage.activity.posts(TEAM, "alice", clock.now() - timedelta(days=365)))
    doom = next(p for p in posts["github"] if p.id == "alice-doom")
    assert doom.created_at == clock.now()

    clock.advance(days=91)
    refresher_later = Refresher(storage, {"github": ClockedClient(clock)}, clock)
    await refresher_later.refresh_due(timedelta(0))
    kept = await storage.activity.posts(TEAM, "alice", datetime(2000, 1, 1, tzinfo=UTC))
    assert "alice-doom" not in {p.id for p in kept["github"]}
